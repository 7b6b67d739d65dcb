package runtask

import (
	"context"
	"path/filepath"
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
		acc := newAcceptor(db)
		go acc.run()
		defer acc.stop()
		dup, err := acc.accept(ctx, Task{TaskResultID: "done", ReceivedAt: at}, evaluateArgs{TaskResultID: "done", Sealed: "x", ReceivedAt: at})
		if err != nil || !dup {
			t.Errorf("a late delivery of a finished task: duplicate=%v err=%v, want a duplicate", dup, err)
		}
	})
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
