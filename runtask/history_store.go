package runtask

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prodgate/prodgate/evaluator"
)

// What the history, workspace and scorecard pages read is written once per
// task, when it is judged (recordSummary), so that drawing a page never
// judges or decodes a report again: a summary row per task, one tally row
// per rule that ran, and a row per waiver the run met. The tables are
// prodgate's own (the task table is the queue's), created in a migration
// block of their own, and purged with the tasks they belong to.
var historySchema = []string{
	`CREATE TABLE IF NOT EXISTS prodgate_task_summary (
	task_result_id TEXT PRIMARY KEY,
	organization TEXT NOT NULL DEFAULT '',
	workspace TEXT NOT NULL DEFAULT '',
	project TEXT NOT NULL DEFAULT '',
	stage TEXT NOT NULL DEFAULT '',
	run_id TEXT NOT NULL DEFAULT '',
	verdict TEXT NOT NULL,
	message TEXT NOT NULL DEFAULT '',
	standard TEXT NOT NULL DEFAULT '',
	scope TEXT NOT NULL DEFAULT '',
	policy_hash TEXT NOT NULL DEFAULT '',
	blocking INTEGER NOT NULL DEFAULT 0,
	advisory INTEGER NOT NULL DEFAULT 0,
	waived INTEGER NOT NULL DEFAULT 0,
	passed INTEGER NOT NULL DEFAULT 0,
	checks INTEGER NOT NULL DEFAULT 0,
	resources INTEGER NOT NULL DEFAULT 0,
	deletes INTEGER NOT NULL DEFAULT 0,
	replaces INTEGER NOT NULL DEFAULT 0,
	incomplete INTEGER NOT NULL DEFAULT 0,
	run_url TEXT NOT NULL DEFAULT '',
	workspace_url TEXT NOT NULL DEFAULT '',
	received_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL
)`,
	// The history's filters: newest first overall, per organization, per
	// workspace; verdict and stage filter within those ranges.
	`CREATE INDEX IF NOT EXISTS prodgate_task_summary_received ON prodgate_task_summary (received_at, task_result_id)`,
	`CREATE INDEX IF NOT EXISTS prodgate_task_summary_org ON prodgate_task_summary (organization, received_at)`,
	`CREATE INDEX IF NOT EXISTS prodgate_task_summary_ws ON prodgate_task_summary (organization, workspace, received_at)`,
	`CREATE INDEX IF NOT EXISTS prodgate_task_summary_finished ON prodgate_task_summary (finished_at)`,
	`CREATE TABLE IF NOT EXISTS prodgate_rule_tally (
	task_result_id TEXT NOT NULL,
	rule_id TEXT NOT NULL,
	organization TEXT NOT NULL DEFAULT '',
	workspace TEXT NOT NULL DEFAULT '',
	finished_at BIGINT NOT NULL,
	passed INTEGER NOT NULL DEFAULT 0,
	blocking INTEGER NOT NULL DEFAULT 0,
	advisory INTEGER NOT NULL DEFAULT 0,
	waived INTEGER NOT NULL DEFAULT 0,
	unknown INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (task_result_id, rule_id)
)`,
	`CREATE INDEX IF NOT EXISTS prodgate_rule_tally_finished ON prodgate_rule_tally (finished_at)`,
	`CREATE TABLE IF NOT EXISTS prodgate_task_waiver (
	task_result_id TEXT NOT NULL,
	waiver_id TEXT NOT NULL,
	rule_id TEXT NOT NULL DEFAULT '',
	organization TEXT NOT NULL DEFAULT '',
	workspace TEXT NOT NULL DEFAULT '',
	owner TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	expires TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL,
	matched INTEGER NOT NULL DEFAULT 0,
	finished_at BIGINT NOT NULL,
	PRIMARY KEY (task_result_id, waiver_id, rule_id)
)`,
	`CREATE INDEX IF NOT EXISTS prodgate_task_waiver_finished ON prodgate_task_waiver (finished_at)`,
	// Each rule's tallies summed per UTC day and organization, kept as
	// tasks are judged: the scorecard adds up days × organizations × rules
	// rows instead of every task's (10,000 tasks of 60 rules in 120
	// workspaces: 0.7–1 s from prodgate_rule_tally, 150–260 ms from sums
	// per workspace, see BenchmarkScorecardQueries).
	`CREATE TABLE IF NOT EXISTS prodgate_rule_daily (
	day BIGINT NOT NULL,
	organization TEXT NOT NULL,
	rule_id TEXT NOT NULL,
	tasks INTEGER NOT NULL DEFAULT 0,
	passed INTEGER NOT NULL DEFAULT 0,
	blocking INTEGER NOT NULL DEFAULT 0,
	advisory INTEGER NOT NULL DEFAULT 0,
	waived INTEGER NOT NULL DEFAULT 0,
	unknown INTEGER NOT NULL DEFAULT 0,
	tasks_blocked INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (day, organization, rule_id)
)`,
	// The workspaces a rule blocked in are counted from the tallies that
	// blocked, a small part of them.
	`CREATE INDEX IF NOT EXISTS prodgate_rule_tally_blocked ON prodgate_rule_tally (finished_at) WHERE blocking > 0`,
	// The run page, drawn when the task was judged, gzipped. Drawing it
	// for every view meant decoding the stored report: 11.5 MB of JSON for
	// a 20,000-resource plan, 170 ms of the page's 270 (BenchmarkRunPage).
	`CREATE TABLE IF NOT EXISTS prodgate_task_page (
	task_result_id TEXT PRIMARY KEY,
	html_gzip BYTEA NOT NULL
)`,
}

// historyTables are purged with their tasks, children first.
var historyTables = []string{"prodgate_task_page", "prodgate_task_waiver", "prodgate_rule_tally", "prodgate_task_summary"}

// migrateAccess creates the tables of the pages and their access: the
// history's and the API tokens'.
func (s *store) migrateAccess(ctx context.Context) error {
	for _, stmt := range historySchema {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create history tables: %w", err)
		}
	}
	return s.tokens().migrate(ctx)
}

func (s *store) tokens() tokenStore { return tokenStore{db: s.db, dialect: s.dialect} }

// taskSummary is one judged task as the history lists it.
type taskSummary struct {
	TaskResultID, Organization, Workspace, Project, Stage, RunID string
	Verdict, Message, Standard, Scope, PolicyHash                string
	Blocking, Advisory, Waived, Passed, Checks                   int
	Resources, Deletes, Replaces                                 int
	Incomplete                                                   bool
	RunURL, WorkspaceURL                                         string
	ReceivedAt, FinishedAt                                       time.Time
}

// ruleTally is one rule's findings in one task.
type ruleTally struct {
	RuleID                                      string
	Passed, Blocking, Advisory, Waived, Unknown int
}

// waiverSeen is one waiver as a task met it: applied to findings, expired
// (and still matching them, when Matched > 0) or unused.
type waiverSeen struct {
	ID, Rule, Owner, Reason, Expires, State string
	Matched                                 int
}

const (
	waiverApplied = "applied"
	waiverExpired = "expired"
	waiverUnused  = "unused"
)

// summarize reads what the pages need out of a report; rep may be nil (a
// task that failed before a plan was judged).
func summarize(sum *taskSummary, rep *evaluator.Report) ([]ruleTally, []waiverSeen) {
	if rep == nil {
		return nil, nil
	}
	sum.Standard, sum.Scope = rep.Standard, rep.Scope
	c := rep.Counts
	sum.Blocking, sum.Advisory, sum.Waived, sum.Passed, sum.Checks = c.Blocking, c.Advisory, c.Waived, c.Passed, c.Total
	sum.Resources, sum.Deletes, sum.Replaces = rep.Plan.ResourceChanges, rep.Plan.Deletes, rep.Plan.Replaces
	sum.Incomplete = rep.Plan.Incomplete || rep.Plan.Errored

	byRule := map[string]*ruleTally{}
	var order []string
	for _, id := range rep.RulesRun {
		byRule[id] = &ruleTally{RuleID: id}
		order = append(order, id)
	}
	applied := map[string]*waiverSeen{}
	var waivers []*waiverSeen
	for i := range rep.Findings {
		f := &rep.Findings[i]
		t := byRule[f.RuleID]
		if t == nil {
			t = &ruleTally{RuleID: f.RuleID}
			byRule[f.RuleID] = t
			order = append(order, f.RuleID)
		}
		switch {
		case f.Status == evaluator.StatusPass:
			t.Passed++
		case f.Blocking:
			t.Blocking++
		case f.Status == evaluator.StatusWaived:
			t.Waived++
		case f.Status == evaluator.StatusUnknown:
			t.Unknown++
		default:
			t.Advisory++
		}
		if w := f.Waiver; w != nil {
			key := w.ID + "\x00" + f.RuleID
			if seen := applied[key]; seen != nil {
				seen.Matched++
				continue
			}
			seen := &waiverSeen{ID: w.ID, Rule: f.RuleID, Owner: w.Owner, Reason: w.Reason, Expires: w.Expires, State: waiverApplied, Matched: 1}
			applied[key] = seen
			waivers = append(waivers, seen)
		}
	}
	tallies := make([]ruleTally, 0, len(order))
	for _, id := range order {
		tallies = append(tallies, *byRule[id])
	}
	out := make([]waiverSeen, 0, len(waivers)+len(rep.UnusedWaivers))
	for _, w := range waivers {
		out = append(out, *w)
	}
	for _, u := range rep.UnusedWaivers {
		state := waiverUnused
		if u.Expired {
			state = waiverExpired
		}
		if _, dup := applied[u.ID+"\x00"+u.Rule]; dup {
			continue
		}
		out = append(out, waiverSeen{ID: u.ID, Rule: u.Rule, Owner: u.Owner, Reason: u.Reason, Expires: u.Expires, State: state, Matched: u.Matched})
	}
	return tallies, out
}

// saveSummary writes a task's summary, tallies, waivers and page report in
// one transaction. It may run again for the same task (a retried job): what
// is there is replaced.
func (s *store) saveSummary(ctx context.Context, sum *taskSummary, tallies []ruleTally, waivers []waiverSeen, page []byte) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save summary of task %s: %w", sum.TaskResultID, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.takeBackDaily(ctx, tx, sum); err != nil {
		return err
	}
	for _, table := range historyTables {
		if _, err := tx.ExecContext(ctx, s.rebind("DELETE FROM "+table+" WHERE task_result_id = ?"), sum.TaskResultID); err != nil {
			return fmt.Errorf("save summary of task %s: %w", sum.TaskResultID, err)
		}
	}
	finished := sum.FinishedAt.UnixMilli()
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO prodgate_task_summary (task_result_id, organization, workspace, project, stage, run_id,
		verdict, message, standard, scope, policy_hash, blocking, advisory, waived, passed, checks, resources, deletes, replaces, incomplete,
		run_url, workspace_url, received_at, finished_at) VALUES (`+placeholders(24)+`)`),
		sum.TaskResultID, sum.Organization, sum.Workspace, sum.Project, sum.Stage, sum.RunID,
		sum.Verdict, sum.Message, sum.Standard, sum.Scope, sum.PolicyHash, sum.Blocking, sum.Advisory, sum.Waived, sum.Passed, sum.Checks,
		sum.Resources, sum.Deletes, sum.Replaces, boolInt(sum.Incomplete), sum.RunURL, sum.WorkspaceURL, sum.ReceivedAt.UnixMilli(), finished); err != nil {
		return fmt.Errorf("save summary of task %s: %w", sum.TaskResultID, err)
	}
	// Multi-row inserts, a few hundred rows at a time: a run has a row per
	// rule that ran (about a hundred).
	const perInsert = 100
	for start := 0; start < len(tallies); start += perInsert {
		part := tallies[start:min(start+perInsert, len(tallies))]
		args := make([]any, 0, len(part)*10)
		for _, t := range part {
			args = append(args, sum.TaskResultID, t.RuleID, sum.Organization, sum.Workspace, finished, t.Passed, t.Blocking, t.Advisory, t.Waived, t.Unknown)
		}
		row := "(" + placeholders(10) + ")"
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO prodgate_rule_tally (task_result_id, rule_id, organization, workspace, finished_at,
			passed, blocking, advisory, waived, unknown) VALUES `+strings.TrimSuffix(strings.Repeat(row+",", len(part)), ",")), args...); err != nil {
			return fmt.Errorf("save rule tallies of task %s: %w", sum.TaskResultID, err)
		}
	}
	if err := s.addDaily(ctx, tx, finished/dayMillis, sum.Organization, tallies, 1); err != nil {
		return fmt.Errorf("save daily tallies of task %s: %w", sum.TaskResultID, err)
	}
	for _, w := range waivers {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO prodgate_task_waiver (task_result_id, waiver_id, rule_id, organization, workspace,
			owner, reason, expires, state, matched, finished_at) VALUES (`+placeholders(11)+`) ON CONFLICT DO NOTHING`),
			sum.TaskResultID, w.ID, w.Rule, sum.Organization, sum.Workspace, w.Owner, w.Reason, w.Expires, w.State, w.Matched, finished); err != nil {
			return fmt.Errorf("save waivers of task %s: %w", sum.TaskResultID, err)
		}
	}
	if page != nil {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO prodgate_task_page (task_result_id, html_gzip) VALUES (?, ?)`), sum.TaskResultID, page); err != nil {
			return fmt.Errorf("save the run page of task %s: %w", sum.TaskResultID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save summary of task %s: %w", sum.TaskResultID, err)
	}
	return nil
}

// addDaily adds (sign 1) or takes back (sign -1) one task's tallies to the
// daily sums of its organization.
func (s *store) addDaily(ctx context.Context, tx *sql.Tx, day int64, org string, tallies []ruleTally, sign int) error {
	const perInsert = 100
	for start := 0; start < len(tallies); start += perInsert {
		part := tallies[start:min(start+perInsert, len(tallies))]
		args := make([]any, 0, len(part)*10)
		for _, t := range part {
			args = append(args, day, org, t.RuleID, sign, sign*t.Passed, sign*t.Blocking, sign*t.Advisory, sign*t.Waived, sign*t.Unknown,
				sign*boolInt(t.Blocking > 0))
		}
		row := "(" + placeholders(10) + ")"
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO prodgate_rule_daily (day, organization, rule_id, tasks, passed,
			blocking, advisory, waived, unknown, tasks_blocked) VALUES `+strings.TrimSuffix(strings.Repeat(row+",", len(part)), ",")+`
			ON CONFLICT (day, organization, rule_id) DO UPDATE SET tasks = prodgate_rule_daily.tasks + excluded.tasks,
			passed = prodgate_rule_daily.passed + excluded.passed, blocking = prodgate_rule_daily.blocking + excluded.blocking,
			advisory = prodgate_rule_daily.advisory + excluded.advisory, waived = prodgate_rule_daily.waived + excluded.waived,
			unknown = prodgate_rule_daily.unknown + excluded.unknown, tasks_blocked = prodgate_rule_daily.tasks_blocked + excluded.tasks_blocked`), args...); err != nil {
			return err
		}
	}
	return nil
}

// takeBackDaily takes a task's earlier tallies out of the daily sums
// before they are written again (a retried job).
func (s *store) takeBackDaily(ctx context.Context, tx *sql.Tx, sum *taskSummary) error {
	var finished int64
	var org string
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT finished_at, organization FROM prodgate_task_summary WHERE task_result_id = ?`), sum.TaskResultID).
		Scan(&finished, &org)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the earlier summary of task %s: %w", sum.TaskResultID, err)
	}
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT rule_id, passed, blocking, advisory, waived, unknown FROM prodgate_rule_tally WHERE task_result_id = ?`), sum.TaskResultID)
	if err != nil {
		return fmt.Errorf("read the earlier tallies of task %s: %w", sum.TaskResultID, err)
	}
	var old []ruleTally
	for rows.Next() {
		var t ruleTally
		if err := rows.Scan(&t.RuleID, &t.Passed, &t.Blocking, &t.Advisory, &t.Waived, &t.Unknown); err != nil {
			rows.Close()
			return fmt.Errorf("read the earlier tallies of task %s: %w", sum.TaskResultID, err)
		}
		old = append(old, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := s.addDaily(ctx, tx, finished/dayMillis, org, old, -1); err != nil {
		return fmt.Errorf("take back the daily tallies of task %s: %w", sum.TaskResultID, err)
	}
	return nil
}

// runPage reads a task's run page as drawn when it was judged (gzipped);
// nil for a task judged before pages were kept.
func (s *store) runPage(ctx context.Context, id string) ([]byte, error) {
	var gz []byte
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT html_gzip FROM prodgate_task_page WHERE task_result_id = ?`), id).Scan(&gz)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the run page of task %s: %w", id, err)
	}
	return gz, nil
}

// pruneHistory deletes the summaries, tallies, waivers and pages of tasks
// the retention purge removed (store.prune), so the pages forget a run when
// its task goes, and the daily sums of the days before cutoff.
func (s *store) pruneHistory(ctx context.Context, cutoff time.Time) (int64, error) {
	if _, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM prodgate_rule_daily WHERE day < ?`), cutoff.UnixMilli()/dayMillis); err != nil {
		return 0, fmt.Errorf("prune daily tallies: %w", err)
	}
	var summaries int64
	for _, table := range historyTables {
		res, err := s.db.ExecContext(ctx, `DELETE FROM `+table+` WHERE NOT EXISTS
			(SELECT 1 FROM prodgate_task t WHERE t.task_result_id = `+table+`.task_result_id)`)
		if err != nil {
			return 0, fmt.Errorf("prune %s: %w", table, err)
		}
		if table == "prodgate_task_summary" {
			summaries, _ = res.RowsAffected()
		}
	}
	return summaries, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// historyFilter selects tasks for the history; empty fields match all.
type historyFilter struct {
	Organization, Workspace, Verdict, Stage string
	// From and To bound received_at: From inclusive, To exclusive; zero is
	// unbounded.
	From, To time.Time
}

// historyCursor is where a page of the history starts: the tasks older
// than this one (newest first, ties by id).
type historyCursor struct {
	ReceivedAt time.Time
	ID         string
}

// String is the cursor as the page's "older" link carries it.
func (c historyCursor) String() string {
	return fmt.Sprintf("%d.%s", c.ReceivedAt.UnixMilli(), c.ID)
}

func parseCursor(s string) (historyCursor, error) {
	ms, id, ok := strings.Cut(s, ".")
	var at int64
	if _, err := fmt.Sscan(ms, &at); !ok || err != nil || id == "" {
		return historyCursor{}, fmt.Errorf("page cursor %q: want MILLISECONDS.TASK_ID", s)
	}
	return historyCursor{ReceivedAt: time.UnixMilli(at).UTC(), ID: id}, nil
}

const summaryColumns = `task_result_id, organization, workspace, project, stage, run_id, verdict, message, standard, scope, policy_hash,
	blocking, advisory, waived, passed, checks, resources, deletes, replaces, incomplete, run_url, workspace_url, received_at, finished_at`

func scanSummary(rows interface{ Scan(...any) error }) (taskSummary, error) {
	var t taskSummary
	var incomplete int
	var received, finished int64
	err := rows.Scan(&t.TaskResultID, &t.Organization, &t.Workspace, &t.Project, &t.Stage, &t.RunID, &t.Verdict, &t.Message,
		&t.Standard, &t.Scope, &t.PolicyHash, &t.Blocking, &t.Advisory, &t.Waived, &t.Passed, &t.Checks, &t.Resources, &t.Deletes,
		&t.Replaces, &incomplete, &t.RunURL, &t.WorkspaceURL, &received, &finished)
	t.Incomplete = incomplete != 0
	t.ReceivedAt, t.FinishedAt = fromMillis(received), fromMillis(finished)
	return t, err
}

// where is the SQL condition and arguments of a filter.
func (f historyFilter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) { conds = append(conds, cond); args = append(args, arg) }
	if f.Organization != "" {
		add("organization = ?", f.Organization)
	}
	if f.Workspace != "" {
		add("workspace = ?", f.Workspace)
	}
	if f.Verdict != "" {
		add("verdict = ?", f.Verdict)
	}
	if f.Stage != "" {
		add("stage = ?", f.Stage)
	}
	if !f.From.IsZero() {
		add("received_at >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		add("received_at < ?", f.To.UnixMilli())
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

// history returns up to limit judged tasks matching f, newest first,
// starting after cursor (nil: the newest), and whether more follow.
// Keyset pagination: a page deep in the history costs what the first does.
func (s *store) history(ctx context.Context, f historyFilter, after *historyCursor, limit int) ([]taskSummary, bool, error) {
	where, args := f.where()
	if after != nil {
		where += " AND (received_at < ? OR (received_at = ? AND task_result_id < ?))"
		ms := after.ReceivedAt.UnixMilli()
		args = append(args, ms, ms, after.ID)
	}
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+summaryColumns+` FROM prodgate_task_summary WHERE `+where+
		` ORDER BY received_at DESC, task_result_id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, false, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var out []taskSummary
	for rows.Next() {
		t, err := scanSummary(rows)
		if err != nil {
			return nil, false, fmt.Errorf("read history: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("read history: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// summary reads one task's summary.
func (s *store) summary(ctx context.Context, id string) (*taskSummary, error) {
	t, err := scanSummary(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+summaryColumns+` FROM prodgate_task_summary WHERE task_result_id = ?`), id))
	if err == sql.ErrNoRows {
		return nil, errTaskNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read summary of task %s: %w", id, err)
	}
	return &t, nil
}

// facets are the organizations and workspaces with judged tasks, for the
// filters' choices.
func (s *store) facets(ctx context.Context) (orgs, workspaces []string, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT organization, workspace FROM prodgate_task_summary ORDER BY organization, workspace LIMIT 5000`)
	if err != nil {
		return nil, nil, fmt.Errorf("read organizations and workspaces: %w", err)
	}
	defer rows.Close()
	seenOrg, seenWS := map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var org, ws string
		if err := rows.Scan(&org, &ws); err != nil {
			return nil, nil, fmt.Errorf("read organizations and workspaces: %w", err)
		}
		if !seenOrg[org] {
			seenOrg[org] = true
			orgs = append(orgs, org)
		}
		if !seenWS[ws] {
			seenWS[ws] = true
			workspaces = append(workspaces, ws)
		}
	}
	return orgs, workspaces, rows.Err()
}

// dayPoint is one day of a workspace's trend.
type dayPoint struct {
	Day                time.Time // UTC midnight
	Tasks, Passed      int
	Blocking, Advisory int
}

// PassRate is the share of the day's tasks that passed, 0–1.
func (d dayPoint) PassRate() float64 {
	if d.Tasks == 0 {
		return 0
	}
	return float64(d.Passed) / float64(d.Tasks)
}

const dayMillis = int64(24 * time.Hour / time.Millisecond)

// trend is a workspace's tasks per UTC day in [from, to): count, passes and
// the findings, blocking and advisory, summed. Days without tasks are left
// out; the chart draws what there is.
func (s *store) trend(ctx context.Context, org, workspace string, from, to time.Time) ([]dayPoint, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT received_at / ? AS day, COUNT(*),
		SUM(CASE WHEN verdict = 'passed' THEN 1 ELSE 0 END), SUM(blocking), SUM(advisory)
		FROM prodgate_task_summary WHERE organization = ? AND workspace = ? AND received_at >= ? AND received_at < ?
		GROUP BY 1 ORDER BY 1`), dayMillis, org, workspace, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("read trend of %s/%s: %w", org, workspace, err)
	}
	defer rows.Close()
	var out []dayPoint
	for rows.Next() {
		var day int64
		var p dayPoint
		if err := rows.Scan(&day, &p.Tasks, &p.Passed, &p.Blocking, &p.Advisory); err != nil {
			return nil, fmt.Errorf("read trend of %s/%s: %w", org, workspace, err)
		}
		p.Day = time.UnixMilli(day * dayMillis).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// workspaceScore is one workspace's record over a window.
type workspaceScore struct {
	Organization, Workspace string
	Tasks, Passed           int
	Blocking, Advisory      int
	ChecksPassed, Checks    int
	LastVerdict             string
	LastAt                  time.Time
	LastTaskResultID        string
}

// controlScore is one rule's record over a window.
type controlScore struct {
	RuleID                                      string
	Tasks                                       int
	Passed, Blocking, Advisory, Waived, Unknown int
	// TasksBlocked counts the tasks in which this rule had a blocking
	// finding, WorkspacesBlocked the workspaces they were in.
	TasksBlocked, WorkspacesBlocked int
}

// scoreWindow bounds a scorecard: tasks finished in [From, To).
type scoreWindow struct {
	From, To     time.Time
	Organization string
}

func (w scoreWindow) where(column string) (string, []any) {
	cond := column + " >= ? AND " + column + " < ?"
	args := []any{w.From.UnixMilli(), w.To.UnixMilli()}
	if w.Organization != "" {
		cond += " AND organization = ?"
		args = append(args, w.Organization)
	}
	return cond, args
}

func (s *store) workspaceScores(ctx context.Context, w scoreWindow) ([]workspaceScore, error) {
	where, args := w.where("finished_at")
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT organization, workspace, COUNT(*),
		SUM(CASE WHEN verdict = 'passed' THEN 1 ELSE 0 END), SUM(blocking), SUM(advisory), SUM(passed), SUM(checks), MAX(received_at)
		FROM prodgate_task_summary WHERE `+where+` GROUP BY organization, workspace ORDER BY organization, workspace`), args...)
	if err != nil {
		return nil, fmt.Errorf("read workspace scores: %w", err)
	}
	defer rows.Close()
	var out []workspaceScore
	for rows.Next() {
		var ws workspaceScore
		var last int64
		if err := rows.Scan(&ws.Organization, &ws.Workspace, &ws.Tasks, &ws.Passed, &ws.Blocking, &ws.Advisory, &ws.ChecksPassed, &ws.Checks, &last); err != nil {
			return nil, fmt.Errorf("read workspace scores: %w", err)
		}
		ws.LastAt = fromMillis(last)
		out = append(out, ws)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read workspace scores: %w", err)
	}
	// The latest verdict of each workspace: one indexed look-up each.
	for i := range out {
		ws := &out[i]
		row := s.db.QueryRowContext(ctx, s.rebind(`SELECT verdict, task_result_id FROM prodgate_task_summary
			WHERE organization = ? AND workspace = ? AND received_at = ? ORDER BY task_result_id DESC LIMIT 1`), ws.Organization, ws.Workspace, ws.LastAt.UnixMilli())
		if err := row.Scan(&ws.LastVerdict, &ws.LastTaskResultID); err != nil && err != sql.ErrNoRows {
			return nil, fmt.Errorf("read latest verdict of %s/%s: %w", ws.Organization, ws.Workspace, err)
		}
	}
	return out, nil
}

// controlScores adds up the daily sums of the window's days, per rule (the
// window is whole UTC days, as the scorecard's is), and counts the
// workspaces each rule blocked in.
func (s *store) controlScores(ctx context.Context, w scoreWindow) ([]controlScore, error) {
	cond := "day >= ? AND day < ?"
	args := []any{w.From.UnixMilli() / dayMillis, (w.To.UnixMilli() + dayMillis - 1) / dayMillis}
	if w.Organization != "" {
		cond += " AND organization = ?"
		args = append(args, w.Organization)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT rule_id, SUM(tasks), SUM(passed), SUM(blocking), SUM(advisory), SUM(waived),
		SUM(unknown), SUM(tasks_blocked) FROM prodgate_rule_daily WHERE `+cond+` GROUP BY rule_id HAVING SUM(tasks) > 0
		ORDER BY SUM(blocking) DESC, SUM(advisory) + SUM(unknown) DESC, rule_id`), args...)
	if err != nil {
		return nil, fmt.Errorf("read control scores: %w", err)
	}
	defer rows.Close()
	var out []controlScore
	at := map[string]int{}
	for rows.Next() {
		var c controlScore
		if err := rows.Scan(&c.RuleID, &c.Tasks, &c.Passed, &c.Blocking, &c.Advisory, &c.Waived, &c.Unknown, &c.TasksBlocked); err != nil {
			return nil, fmt.Errorf("read control scores: %w", err)
		}
		at[c.RuleID] = len(out)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read control scores: %w", err)
	}
	where, wargs := w.where("finished_at")
	blocked, err := s.db.QueryContext(ctx, s.rebind(`SELECT rule_id, COUNT(DISTINCT organization || '/' || workspace) FROM prodgate_rule_tally
		WHERE blocking > 0 AND `+where+` GROUP BY rule_id`), wargs...)
	if err != nil {
		return nil, fmt.Errorf("count the workspaces controls blocked in: %w", err)
	}
	defer blocked.Close()
	for blocked.Next() {
		var rule string
		var n int
		if err := blocked.Scan(&rule, &n); err != nil {
			return nil, fmt.Errorf("count the workspaces controls blocked in: %w", err)
		}
		if i, ok := at[rule]; ok {
			out[i].WorkspacesBlocked = n
		}
	}
	return out, blocked.Err()
}

// waiverScore is one waiver as the runs of a window met it.
type waiverScore struct {
	ID, Rule, Owner, Reason, Expires string
	// State is the latest state the waiver was seen in: applied, expired or
	// unused.
	State      string
	Matched    int // findings it covered (applied) or still matches (expired)
	Workspaces int
	LastSeen   time.Time
}

func (s *store) waiverScores(ctx context.Context, w scoreWindow) ([]waiverScore, error) {
	where, args := w.where("finished_at")
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT waiver_id, rule_id, owner, reason, expires, state, SUM(matched),
		COUNT(DISTINCT organization || '/' || workspace), MAX(finished_at)
		FROM prodgate_task_waiver WHERE `+where+` GROUP BY waiver_id, rule_id, owner, reason, expires, state
		ORDER BY expires, waiver_id, rule_id`), args...)
	if err != nil {
		return nil, fmt.Errorf("read waivers: %w", err)
	}
	defer rows.Close()
	// One entry per waiver and rule: the state it was last seen in.
	var out []waiverScore
	at := map[string]int{}
	for rows.Next() {
		var ws waiverScore
		var last int64
		if err := rows.Scan(&ws.ID, &ws.Rule, &ws.Owner, &ws.Reason, &ws.Expires, &ws.State, &ws.Matched, &ws.Workspaces, &last); err != nil {
			return nil, fmt.Errorf("read waivers: %w", err)
		}
		ws.LastSeen = fromMillis(last)
		key := ws.ID + "\x00" + ws.Rule
		if i, ok := at[key]; ok {
			if ws.LastSeen.After(out[i].LastSeen) {
				out[i] = ws
			}
			continue
		}
		at[key] = len(out)
		out = append(out, ws)
	}
	return out, rows.Err()
}

// decodeReport reads a stored report; nil when there is none.
func decodeReport(data []byte) (*evaluator.Report, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var rep evaluator.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("decode stored report: %w", err)
	}
	return &rep, nil
}
