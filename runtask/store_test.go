package runtask

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prodgate/prodgate/internal/pgtest"
	"go.uber.org/zap"
)

// eachDatabase runs fn against the embedded SQLite default and PostgreSQL.
func eachDatabase(t *testing.T, fn func(t *testing.T, db *database)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, openTestDatabase(t, filepath.Join(t.TempDir(), "prodgate.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, openTestDatabase(t, pgtest.NewDatabase(t)))
	})
}

func openTestDatabase(t *testing.T, url string) *database {
	t.Helper()
	svc := &Service{log: zap.NewNop()}
	db, err := openDatabase(context.Background(), url, queueSettings{workers: 1, worker: &evaluateWorker{svc: svc}})
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(db.close)
	return db
}

func TestStoreLifecycle(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		ctx := context.Background()
		at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		task := Task{TaskResultID: "taskrs-1", RunID: "run-1", Organization: "acme", Workspace: "orders-prod", Project: "p", Stage: "post_plan", ReceivedAt: at}
		if err := db.store.recordReceivedMany(ctx, []Task{task}); err != nil {
			t.Fatalf("first record: %v", err)
		}
		// A duplicate delivery leaves the stored task as it is.
		if err := db.store.recordReceivedMany(ctx, []Task{{TaskResultID: "taskrs-1", RunID: "run-other", ReceivedAt: at.Add(time.Hour)}}); err != nil {
			t.Fatalf("duplicate record: %v", err)
		}
		if n, err := db.store.unfinished(ctx); err != nil || n != 1 {
			t.Fatalf("unfinished = %d, %v", n, err)
		}
		if err := db.store.markRunning(ctx, "taskrs-1"); err != nil {
			t.Fatal(err)
		}
		if err := db.store.saveResult(ctx, "taskrs-1", TaskFailed, "2 blocking findings", []byte(`{"verdict":"failed"}`), at.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := db.store.recordCallbackError(ctx, "taskrs-1", "HTTP 503"); err != nil {
			t.Fatal(err)
		}
		got, err := db.store.get(ctx, "taskrs-1")
		if err != nil {
			t.Fatal(err)
		}
		want := &Task{TaskResultID: "taskrs-1", RunID: "run-1", Organization: "acme", Workspace: "orders-prod", Project: "p", Stage: "post_plan",
			Status: TaskFailed, Message: "2 blocking findings", Report: []byte(`{"verdict":"failed"}`), ReceivedAt: at, FinishedAt: at.Add(time.Second), CallbackError: "HTTP 503"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("task (-want +got):\n%s", diff)
		}
		if err := db.store.markFinalSent(ctx, "taskrs-1", at.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		if n, err := db.store.unfinished(ctx); err != nil || n != 0 {
			t.Fatalf("unfinished after final = %d, %v", n, err)
		}
		if _, err := db.store.get(ctx, "taskrs-missing"); err != errTaskNotFound {
			t.Errorf("missing task: %v", err)
		}
	})
}

func TestQueueDeduplicatesOnTaskResultID(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		ctx := context.Background()
		args := evaluateArgs{TaskResultID: "taskrs-dup", Sealed: "a", ReceivedAt: time.Now()}
		if dups, err := db.queue.enqueueMany(ctx, []evaluateArgs{args}); err != nil || dups[0] {
			t.Fatalf("first enqueue: dup=%v err=%v", dups, err)
		}
		// A retried delivery seals the request again (new nonce): still a duplicate.
		args.Sealed = "b"
		if dups, err := db.queue.enqueueMany(ctx, []evaluateArgs{args}); err != nil || !dups[0] {
			t.Fatalf("second enqueue: dup=%v err=%v", dups, err)
		}
	})
}

func TestFinishedTasksAreNotQueuedAgain(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		ctx := context.Background()
		at := time.Now()
		if err := db.store.recordReceivedMany(ctx, []Task{{TaskResultID: "done", ReceivedAt: at}, {TaskResultID: "open", ReceivedAt: at}}); err != nil {
			t.Fatal(err)
		}
		if err := db.store.markFinalSent(ctx, "done", at); err != nil {
			t.Fatal(err)
		}
		got, err := db.store.finished(ctx, []string{"done", "open", "unknown"})
		if err != nil {
			t.Fatal(err)
		}
		if !got["done"] || got["open"] || got["unknown"] || len(got) != 1 {
			t.Errorf("finished = %v, want only done", got)
		}
		// A late delivery of the finished task, and a new one, through the
		// inbox: only the new one becomes a job.
		acc := newAcceptor(db.inbox, func() {})
		for _, id := range []string{"done", "new"} {
			if err := acc.accept(ctx, inboxItem{task: Task{TaskResultID: id, ReceivedAt: at}, sealed: []byte("x")}); err != nil {
				t.Fatal(err)
			}
		}
		m := newMover(db, zap.NewNop())
		if n, err := m.moveOnce(ctx); err != nil || n != 2 {
			t.Fatalf("moved %d, %v; want 2", n, err)
		}
		if jobs := riverJobs(t, db); len(jobs) != 1 || jobs[0] != "new" {
			t.Errorf("jobs = %v, want only new", jobs)
		}
		if n, err := db.inbox.count(ctx); err != nil || n != 0 {
			t.Errorf("inbox holds %d after the move (%v), want 0", n, err)
		}
	})
}

// TestInboxLeftoversAreMovedOnce: requests a crashed process left in the
// inbox (some already moved to the queue before the crash) are moved when
// the next process starts, each becoming exactly one job.
func TestInboxLeftoversAreMovedOnce(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		ctx := context.Background()
		at := time.Now()
		var items []inboxItem
		for i := range 300 {
			id := fmt.Sprintf("task-%03d", i)
			items = append(items, inboxItem{task: Task{TaskResultID: id, ReceivedAt: at}, sealed: []byte("x")})
		}
		if err := db.inbox.put(ctx, items); err != nil {
			t.Fatal(err)
		}
		if err := db.inbox.put(ctx, items[:10]); err != nil { // a duplicate delivery
			t.Fatal(err)
		}
		// The crash came after these were enqueued but before they left the inbox.
		if _, err := db.queue.enqueueMany(ctx, []evaluateArgs{items[0].jobArgs(), items[1].jobArgs()}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.pending(ctx); err != nil || n != 300 {
			t.Errorf("pending before the move = %d (%v), want 300: accepted requests count before they reach the queue", n, err)
		}
		m := newMover(db, zap.NewNop())
		go m.run()
		m.shutdown()
		if n, err := db.pending(ctx); err != nil || n != 300 {
			t.Errorf("pending after the move = %d (%v), want 300", n, err)
		}
		if n, err := db.inbox.count(ctx); err != nil || n != 0 {
			t.Errorf("inbox holds %d (%v), want 0", n, err)
		}
		jobs := riverJobs(t, db)
		if len(jobs) != 300 {
			t.Fatalf("%d jobs, want 300 (one per request)", len(jobs))
		}
		for i, id := range jobs {
			if want := fmt.Sprintf("task-%03d", i); id != want {
				t.Fatalf("job %d is %s, want %s", i, id, want)
			}
		}
	})
}

// riverJobs lists the task ids of the queue's jobs, sorted.
func riverJobs(t *testing.T, db *database) []string {
	t.Helper()
	query := `SELECT args FROM river_job`
	if db.store.dialect == dialectSQLite {
		query = `SELECT json(args) FROM river_job` // River's SQLite driver stores JSONB
	}
	rows, err := db.store.db.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var args evaluateArgs
		if err := json.Unmarshal(raw, &args); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, args.TaskResultID)
	}
	sort.Strings(ids)
	return ids
}

func TestPruneKeepsUnfinishedAndRecentTasks(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		ctx := context.Background()
		old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		recent := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		if err := db.store.recordReceivedMany(ctx, []Task{{TaskResultID: "old", ReceivedAt: old}, {TaskResultID: "recent", ReceivedAt: recent}, {TaskResultID: "open", ReceivedAt: old}}); err != nil {
			t.Fatal(err)
		}
		if err := db.store.markFinalSent(ctx, "old", old); err != nil {
			t.Fatal(err)
		}
		if err := db.store.markFinalSent(ctx, "recent", recent); err != nil {
			t.Fatal(err)
		}
		n, err := db.store.prune(ctx, time.Date(2026, 8, 27, 0, 0, 0, 0, time.UTC))
		if err != nil || n != 1 {
			t.Fatalf("pruned %d, %v; want 1", n, err)
		}
		for id, want := range map[string]bool{"old": false, "recent": true, "open": true} {
			_, err := db.store.get(ctx, id)
			if got := err == nil; got != want {
				t.Errorf("task %s kept=%v, want %v", id, got, want)
			}
		}
	})
}
