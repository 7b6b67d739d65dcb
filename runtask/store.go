package runtask

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Task statuses kept in the store.
const (
	TaskQueued  = "queued"
	TaskRunning = "running"
	TaskPassed  = "passed"
	TaskFailed  = "failed"
)

// Task is one run-task request and what became of it. It holds no token in
// clear.
type Task struct {
	TaskResultID string
	RunID        string
	Organization string
	Workspace    string
	Project      string
	Stage        string
	Status       string
	Message      string
	// Report is the evaluator.Report as JSON, once judged.
	Report     []byte
	ReceivedAt time.Time
	FinishedAt time.Time
	// FinalSentAt is when HCP Terraform accepted the final callback; a task
	// with it set is never called back again.
	FinalSentAt time.Time
	// CallbackError is the last error from the final callback, if any.
	CallbackError string
	// Sealed is the request as HCP Terraform signed it, token and all,
	// sealed (see secrets); dropped once the final result is sent.
	Sealed []byte
	// JudgingsUnfinished counts the times judging this task's plan started
	// and neither ended nor was stopped: the process died while judging.
	JudgingsUnfinished int
	// PolicyHash identifies the policy in force when the task got its
	// verdict (see Policy.Hash); "" until then.
	PolicyHash string
}

// dialect is the little that differs between SQLite and PostgreSQL here.
type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// store keeps tasks and results in the same database as the job queue, so
// one database holds everything and several replicas can share PostgreSQL.
type store struct {
	db      *sql.DB
	dialect dialect
}

// rebind turns ? placeholders into $n for PostgreSQL.
func (s *store) rebind(query string) string { return rebind(s.dialect, query) }

func rebind(d dialect, query string) string {
	if d != dialectPostgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

const createTasks = `CREATE TABLE IF NOT EXISTS prodgate_task (
	task_result_id TEXT PRIMARY KEY,
	run_id TEXT NOT NULL DEFAULT '',
	organization TEXT NOT NULL DEFAULT '',
	workspace TEXT NOT NULL DEFAULT '',
	project TEXT NOT NULL DEFAULT '',
	stage TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	message TEXT NOT NULL DEFAULT '',
	report TEXT,
	received_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0,
	final_sent_at BIGINT NOT NULL DEFAULT 0,
	callback_error TEXT NOT NULL DEFAULT '',
	sealed_request BYTEA,
	judgings_unfinished INTEGER NOT NULL DEFAULT 0,
	policy_hash TEXT NOT NULL DEFAULT ''
)`

// countUnfinished counts the tasks not yet called back with a final result
// (index prodgate_task_unfinished).
const countUnfinished = `SELECT COUNT(*) FROM prodgate_task WHERE final_sent_at = 0`

func (s *store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, createTasks); err != nil {
		return fmt.Errorf("create prodgate_task table: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS prodgate_task_unfinished ON prodgate_task (final_sent_at)`); err != nil {
		return fmt.Errorf("create prodgate_task index: %w", err)
	}
	// Added after the table's first release: databases made before have
	// no such column yet.
	return s.addColumn(ctx, "prodgate_task", "policy_hash", "TEXT NOT NULL DEFAULT ''")
}

// addColumn adds a column to a table made by an earlier release, unless it
// is there already. SQLite has no ADD COLUMN IF NOT EXISTS.
func (s *store) addColumn(ctx context.Context, table, column, decl string) error {
	if s.dialect == dialectPostgres {
		if _, err := s.db.ExecContext(ctx, "ALTER TABLE "+table+" ADD COLUMN IF NOT EXISTS "+column+" "+decl); err != nil {
			return fmt.Errorf("add column %s.%s: %w", table, column, err)
		}
		return nil
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`, table, column).Scan(&n); err != nil {
		return fmt.Errorf("look for column %s.%s: %w", table, column, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, "ALTER TABLE "+table+" ADD COLUMN "+column+" "+decl); err != nil {
		return fmt.Errorf("add column %s.%s: %w", table, column, err)
	}
	return nil
}

// insertTasks is one multi-row INSERT of new tasks, queued, that leaves
// tasks already recorded as they are. (One array per column through
// unnest took PostgreSQL twice as long for a batch of 200.)
func insertTasks(d dialect, tasks []Task) (string, []any) {
	const columns = "task_result_id, run_id, organization, workspace, project, stage, status, received_at, sealed_request"
	args := make([]any, 0, len(tasks)*9)
	for _, t := range tasks {
		args = append(args, t.TaskResultID, t.RunID, t.Organization, t.Workspace, t.Project, t.Stage, TaskQueued, t.ReceivedAt.UnixMilli(), t.Sealed)
	}
	row := "(" + placeholders(9) + ")"
	return rebind(d, "INSERT INTO prodgate_task ("+columns+") VALUES "+strings.TrimSuffix(strings.Repeat(row+",", len(tasks)), ",")+
		" ON CONFLICT (task_result_id) DO NOTHING"), args
}

// placeholders is "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func (s *store) markRunning(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE prodgate_task SET status = ? WHERE task_result_id = ? AND status = ?`), TaskRunning, id, TaskQueued)
	if err != nil {
		return fmt.Errorf("mark task %s running: %w", id, err)
	}
	return nil
}

// startJudging records, before a plan is judged, that its judging started.
func (s *store) startJudging(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE prodgate_task SET judgings_unfinished = judgings_unfinished + 1 WHERE task_result_id = ?`), id)
	if err != nil {
		return fmt.Errorf("record that judging task %s starts: %w", id, err)
	}
	return nil
}

// endJudging takes back a startJudging whose judging was stopped, not
// crashed.
func (s *store) endJudging(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE prodgate_task SET judgings_unfinished = judgings_unfinished - 1 WHERE task_result_id = ? AND judgings_unfinished > 0`), id)
	if err != nil {
		return fmt.Errorf("record that judging task %s was stopped: %w", id, err)
	}
	return nil
}

// saveResult keeps a task's verdict and the hash of the policy in force
// when it was reached; the count of unfinished judgings is then moot.
func (s *store) saveResult(ctx context.Context, id, status, message string, report []byte, policyHash string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE prodgate_task SET status = ?, message = ?, report = ?, finished_at = ?, judgings_unfinished = 0, policy_hash = ? WHERE task_result_id = ?`),
		status, message, nullableText(report), at.UnixMilli(), policyHash, id)
	if err != nil {
		return fmt.Errorf("save result of task %s: %w", id, err)
	}
	return nil
}

// markFinalSent records that HCP Terraform has the final result; the sealed
// request, and with it the run's token, is no longer kept.
func (s *store) markFinalSent(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE prodgate_task SET final_sent_at = ?, callback_error = '', sealed_request = NULL WHERE task_result_id = ?`), at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("mark task %s called back: %w", id, err)
	}
	return nil
}

func (s *store) recordCallbackError(ctx context.Context, id, msg string) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE prodgate_task SET callback_error = ? WHERE task_result_id = ?`), msg, id)
	if err != nil {
		return fmt.Errorf("record callback error of task %s: %w", id, err)
	}
	return nil
}

var errTaskNotFound = errors.New("task not found")

func (s *store) get(ctx context.Context, id string) (*Task, error) {
	row := s.db.QueryRowContext(ctx, s.rebind(`SELECT task_result_id, run_id, organization, workspace, project, stage, status, message,
		report, received_at, finished_at, final_sent_at, callback_error, sealed_request, judgings_unfinished, policy_hash FROM prodgate_task WHERE task_result_id = ?`), id)
	var t Task
	var report sql.NullString
	var received, finished, finalSent int64
	err := row.Scan(&t.TaskResultID, &t.RunID, &t.Organization, &t.Workspace, &t.Project, &t.Stage, &t.Status, &t.Message,
		&report, &received, &finished, &finalSent, &t.CallbackError, &t.Sealed, &t.JudgingsUnfinished, &t.PolicyHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errTaskNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read task %s: %w", id, err)
	}
	if report.Valid {
		t.Report = []byte(report.String)
	}
	t.ReceivedAt = fromMillis(received)
	t.FinishedAt = fromMillis(finished)
	t.FinalSentAt = fromMillis(finalSent)
	return &t, nil
}

// prune deletes tasks called back before cutoff, with their reports; the
// results pages of those runs then no longer exist.
func (s *store) prune(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM prodgate_task WHERE final_sent_at != 0 AND final_sent_at < ?`), cutoff.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("prune tasks called back before %s: %w", cutoff.Format(time.DateOnly), err)
	}
	return res.RowsAffected()
}

// unfinished counts tasks not yet called back with a final result.
func (s *store) unfinished(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, countUnfinished).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count unfinished tasks: %w", err)
	}
	return n, nil
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func nullableText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}
