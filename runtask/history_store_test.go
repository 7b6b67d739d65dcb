package runtask

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prodgate/prodgate/evaluator"
)

// historyTask is a judged task as the store test writes it.
type historyTask struct {
	id, org, ws, stage, verdict string
	at                          time.Time
	blocking, advisory          int
}

var historyBase = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// seedHistory records tasks as the service does: a task row, then its
// summary, tallies and waivers.
func seedHistory(t *testing.T, db *database, tasks []historyTask) {
	t.Helper()
	ctx := context.Background()
	for _, ht := range tasks {
		item := testItem(ht.id, ht.at)
		item.task.Organization, item.task.Workspace, item.task.Stage = ht.org, ht.ws, ht.stage
		acceptTestItems(t, db, item)
		rep := &evaluator.Report{Verdict: evaluator.Verdict(ht.verdict), Standard: "std", Scope: "production",
			RulesRun: []string{"aws-rds-deletion-protection", "aws-s3-versioning"}}
		for i := range ht.blocking {
			rep.Findings = append(rep.Findings, evaluator.Finding{RuleID: "aws-rds-deletion-protection", Address: fmt.Sprintf("aws_db_instance.d%d", i),
				Status: evaluator.StatusFail, Blocking: true})
		}
		for i := range ht.advisory {
			rep.Findings = append(rep.Findings, evaluator.Finding{RuleID: "aws-s3-versioning", Address: fmt.Sprintf("aws_s3_bucket.b%d", i), Status: evaluator.StatusWarn})
		}
		rep.Findings = append(rep.Findings,
			evaluator.Finding{RuleID: "aws-s3-versioning", Address: "aws_s3_bucket.ok", Status: evaluator.StatusPass},
			evaluator.Finding{RuleID: "aws-s3-versioning", Address: "aws_s3_bucket.logs", Status: evaluator.StatusWaived,
				Waiver: &evaluator.Waiver{ID: "logs", Owner: "team-data", Reason: "rebuilt nightly", Expires: "2026-12-01"}})
		rep.UnusedWaivers = []evaluator.WaiverUse{{Waiver: evaluator.Waiver{ID: "old", Owner: "team-x", Expires: "2026-01-31"}, Rule: "aws-rds-deletion-protection", Expired: true, Matched: 2}}
		rep.Counts = evaluator.Counts{Total: len(rep.Findings), Blocking: ht.blocking, Advisory: ht.advisory, Waived: 1, Passed: 1}
		if err := db.store.saveResult(ctx, ht.id, ht.verdict, "msg", []byte(`{}`), "sha256:p", ht.at.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		sum := &taskSummary{TaskResultID: ht.id, Organization: ht.org, Workspace: ht.ws, Stage: ht.stage, Verdict: ht.verdict,
			PolicyHash: "sha256:p", ReceivedAt: ht.at, FinishedAt: ht.at.Add(time.Second)}
		tallies, waivers := summarize(sum, rep)
		if err := db.store.saveSummary(ctx, sum, tallies, waivers, []byte("page of "+ht.id)); err != nil {
			t.Fatal(err)
		}
	}
}

func historyFixture() []historyTask {
	var tasks []historyTask
	for i := range 12 {
		verdict := TaskPassed
		if i%3 == 0 {
			verdict = TaskFailed
		}
		ws := "orders-prod"
		if i%2 == 1 {
			ws = "search-dev"
		}
		stage := string(StagePostPlan)
		if i == 11 {
			stage = string(StagePreApply)
		}
		tasks = append(tasks, historyTask{id: fmt.Sprintf("taskrs-%02d", i), org: "acme", ws: ws, stage: stage, verdict: verdict,
			at: historyBase.Add(time.Duration(i) * 12 * time.Hour), blocking: boolInt(verdict == TaskFailed) * 2, advisory: i % 2})
	}
	// Two tasks in the same millisecond: the cursor must not skip either.
	tasks = append(tasks, historyTask{id: "taskrs-twin-a", org: "beta", ws: "web", stage: "post_plan", verdict: TaskPassed, at: historyBase},
		historyTask{id: "taskrs-twin-b", org: "beta", ws: "web", stage: "post_plan", verdict: TaskPassed, at: historyBase})
	return tasks
}

func ids(tasks []taskSummary) []string {
	out := []string{}
	for _, t := range tasks {
		out = append(out, t.TaskResultID)
	}
	return out
}

func TestHistoryFiltersAndPages(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		seedHistory(t, db, historyFixture())
		ctx := context.Background()
		tests := []struct {
			name   string
			filter historyFilter
			want   []string
		}{
			{"a workspace, newest first", historyFilter{Organization: "acme", Workspace: "search-dev"},
				[]string{"taskrs-11", "taskrs-09", "taskrs-07", "taskrs-05", "taskrs-03", "taskrs-01"}},
			{"failed runs", historyFilter{Verdict: TaskFailed}, []string{"taskrs-09", "taskrs-06", "taskrs-03", "taskrs-00"}},
			{"a stage", historyFilter{Stage: string(StagePreApply)}, []string{"taskrs-11"}},
			{"an organization", historyFilter{Organization: "beta"}, []string{"taskrs-twin-b", "taskrs-twin-a"}},
			{"a date range, end exclusive", historyFilter{Organization: "acme", From: historyBase.Add(24 * time.Hour), To: historyBase.Add(48 * time.Hour)},
				[]string{"taskrs-03", "taskrs-02"}},
			{"nothing matches", historyFilter{Workspace: "nope"}, []string{}},
		}
		for _, tt := range tests {
			got, more, err := db.store.history(ctx, tt.filter, nil, 50)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" || more {
				t.Errorf("%s (more=%v) (-want +got):\n%s", tt.name, more, diff)
			}
		}

		// Keyset pages of 5 walk every task once, newest first.
		var walked []string
		var cursor *historyCursor
		for pages := 0; ; pages++ {
			page, more, err := db.store.history(ctx, historyFilter{}, cursor, 5)
			if err != nil {
				t.Fatal(err)
			}
			walked = append(walked, ids(page)...)
			if !more {
				break
			}
			last := page[len(page)-1]
			c, err := parseCursor(historyCursor{ReceivedAt: last.ReceivedAt, ID: last.TaskResultID}.String())
			if err != nil {
				t.Fatal(err)
			}
			cursor = &c
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
		}
		want := []string{"taskrs-11", "taskrs-10", "taskrs-09", "taskrs-08", "taskrs-07", "taskrs-06", "taskrs-05", "taskrs-04",
			"taskrs-03", "taskrs-02", "taskrs-01", "taskrs-twin-b", "taskrs-twin-a", "taskrs-00"}
		if diff := cmp.Diff(want, walked); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
	})
}

func TestTrendAndScores(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		seedHistory(t, db, historyFixture())
		ctx := context.Background()
		from, to := historyBase.Truncate(24*time.Hour), historyBase.AddDate(0, 0, 7)
		got, err := db.store.trend(ctx, "acme", "orders-prod", from, to)
		if err != nil {
			t.Fatal(err)
		}
		day := func(d int) time.Time { return historyBase.Truncate(24*time.Hour).AddDate(0, 0, d) }
		// orders-prod has tasks 00, 02, …, 10: one a day, 10:00 UTC; 00, 06 failed.
		want := []dayPoint{
			{Day: day(0), Tasks: 1, Passed: 0, Blocking: 2},
			{Day: day(1), Tasks: 1, Passed: 1},
			{Day: day(2), Tasks: 1, Passed: 1},
			{Day: day(3), Tasks: 1, Passed: 0, Blocking: 2},
			{Day: day(4), Tasks: 1, Passed: 1},
			{Day: day(5), Tasks: 1, Passed: 1},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("trend (-want +got):\n%s", diff)
		}

		w := scoreWindow{From: from, To: to}
		workspaces, err := db.store.workspaceScores(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		wantWS := []workspaceScore{
			{Organization: "acme", Workspace: "orders-prod", Tasks: 6, Passed: 4, Blocking: 4, ChecksPassed: 6, Checks: 6*2 + 4,
				LastVerdict: TaskPassed, LastAt: historyBase.Add(120 * time.Hour), LastTaskResultID: "taskrs-10"},
			{Organization: "acme", Workspace: "search-dev", Tasks: 6, Passed: 4, Blocking: 4, Advisory: 6, ChecksPassed: 6, Checks: 6*3 + 4,
				LastVerdict: TaskPassed, LastAt: historyBase.Add(132 * time.Hour), LastTaskResultID: "taskrs-11"},
			{Organization: "beta", Workspace: "web", Tasks: 2, Passed: 2, ChecksPassed: 2, Checks: 4,
				LastVerdict: TaskPassed, LastAt: historyBase, LastTaskResultID: "taskrs-twin-b"},
		}
		if diff := cmp.Diff(wantWS, workspaces); diff != "" {
			t.Errorf("workspace scores (-want +got):\n%s", diff)
		}

		controls, err := db.store.controlScores(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		wantControls := []controlScore{
			{RuleID: "aws-rds-deletion-protection", Tasks: 14, Blocking: 8, TasksBlocked: 4, WorkspacesBlocked: 2},
			{RuleID: "aws-s3-versioning", Tasks: 14, Passed: 14, Advisory: 6, Waived: 14},
		}
		if diff := cmp.Diff(wantControls, controls); diff != "" {
			t.Errorf("control scores (-want +got):\n%s", diff)
		}

		waivers, err := db.store.waiverScores(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		last := historyBase.Add(132*time.Hour + time.Second)
		wantWaivers := []waiverScore{
			{ID: "old", Rule: "aws-rds-deletion-protection", Owner: "team-x", Expires: "2026-01-31", State: waiverExpired, Matched: 28, Workspaces: 3, LastSeen: last},
			{ID: "logs", Rule: "aws-s3-versioning", Owner: "team-data", Reason: "rebuilt nightly", Expires: "2026-12-01", State: waiverApplied, Matched: 14, Workspaces: 3, LastSeen: last},
		}
		if diff := cmp.Diff(wantWaivers, waivers); diff != "" {
			t.Errorf("waivers (-want +got):\n%s", diff)
		}
	})
}

// TestHistoryIsPurgedWithItsTasks: the retention purge removes a task's
// summary, tallies and waivers with the task.
func TestHistoryIsPurgedWithItsTasks(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		ctx := context.Background()
		seedHistory(t, db, []historyTask{
			{id: "taskrs-old", org: "acme", ws: "w", stage: "post_plan", verdict: TaskFailed, at: historyBase, blocking: 1},
			{id: "taskrs-new", org: "acme", ws: "w", stage: "post_plan", verdict: TaskPassed, at: historyBase.AddDate(0, 0, 10)},
		})
		for _, id := range []string{"taskrs-old", "taskrs-new"} {
			if err := db.store.markFinalSent(ctx, id, historyBase.AddDate(0, 0, map[string]int{"taskrs-old": 0, "taskrs-new": 10}[id])); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.store.prune(ctx, historyBase.AddDate(0, 0, 5)); err != nil {
			t.Fatal(err)
		}
		n, err := db.store.pruneHistory(ctx, historyBase.AddDate(0, 0, 5))
		if err != nil || n != 1 {
			t.Fatalf("pruneHistory = %d, %v; want 1 summary", n, err)
		}
		counts := map[string]int{}
		for _, table := range historyTables {
			var c int
			if err := db.store.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE task_result_id = 'taskrs-old'`).Scan(&c); err != nil {
				t.Fatal(err)
			}
			counts[table] = c
		}
		if diff := cmp.Diff(map[string]int{"prodgate_task_summary": 0, "prodgate_rule_tally": 0, "prodgate_task_waiver": 0, "prodgate_task_page": 0}, counts); diff != "" {
			t.Errorf("rows of the purged task left (-want +got):\n%s", diff)
		}
		var oldDays, newDays int
		if err := db.store.db.QueryRowContext(ctx, db.store.rebind(`SELECT COUNT(*) FROM prodgate_rule_daily WHERE day < ?`), historyBase.AddDate(0, 0, 5).UnixMilli()/dayMillis).Scan(&oldDays); err != nil {
			t.Fatal(err)
		}
		if err := db.store.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM prodgate_rule_daily`).Scan(&newDays); err != nil {
			t.Fatal(err)
		}
		if oldDays != 0 || newDays != 2 { // one row per rule that ran
			t.Errorf("daily sums after the purge: %d before the cutoff, %d in all; want 0 and the new task's 2 rules", oldDays, newDays)
		}
		left, _, err := db.store.history(ctx, historyFilter{}, nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"taskrs-new"}, ids(left)); diff != "" {
			t.Errorf("history after the purge (-want +got):\n%s", diff)
		}
	})
}

// TestSaveSummaryTwice: a retried job writes its summary again; the second
// write replaces the first.
func TestSaveSummaryTwice(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		tasks := []historyTask{{id: "taskrs-1", org: "acme", ws: "w", stage: "post_plan", verdict: TaskFailed, at: historyBase, blocking: 3}}
		seedHistory(t, db, tasks)
		ctx := context.Background()
		sum := &taskSummary{TaskResultID: "taskrs-1", Organization: "acme", Workspace: "w", Stage: "post_plan", Verdict: TaskFailed,
			Blocking: 3, ReceivedAt: historyBase, FinishedAt: historyBase.Add(time.Minute)}
		if err := db.store.saveSummary(ctx, sum, []ruleTally{{RuleID: "r", Blocking: 3}}, nil, nil); err != nil {
			t.Fatal(err)
		}
		got, err := db.store.summary(ctx, "taskrs-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sum, got); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
		controls, err := db.store.controlScores(ctx, scoreWindow{From: historyBase, To: historyBase.AddDate(0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]controlScore{{RuleID: "r", Tasks: 1, Blocking: 3, TasksBlocked: 1, WorkspacesBlocked: 1}}, controls); diff != "" {
			t.Errorf("tallies after the second write (-want +got):\n%s", diff)
		}
	})
}
