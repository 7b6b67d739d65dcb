package runtask

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/prodgate/prodgate/internal/pgtest"
)

// testDatabases make a fresh database URL of each kind: the embedded
// SQLite default and PostgreSQL.
var testDatabases = map[string]func(tb testing.TB) string{
	"sqlite":   func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "prodgate.db") },
	"postgres": func(tb testing.TB) string { return pgtest.NewDatabase(tb) },
}

// eachDatabase runs fn against the embedded SQLite default and PostgreSQL.
func eachDatabase(t *testing.T, fn func(t *testing.T, db *database)) {
	for name, url := range testDatabases {
		t.Run(name, func(t *testing.T) { fn(t, openTestDatabase(t, url(t))) })
	}
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
		item := testItem("taskrs-1", at)
		item.task = Task{TaskResultID: "taskrs-1", RunID: "run-1", Organization: "acme", Workspace: "orders-prod", Project: "p", Stage: "post_plan", ReceivedAt: at}
		acceptTestItems(t, db, item)
		// A duplicate delivery leaves the stored task as it is.
		dup := testItem("taskrs-1", at.Add(time.Hour))
		dup.task.RunID = "run-other"
		acceptTestItems(t, db, dup)
		if n, err := db.store.unfinished(ctx); err != nil || n != 1 {
			t.Fatalf("unfinished = %d, %v", n, err)
		}
		if err := db.store.markRunning(ctx, "taskrs-1"); err != nil {
			t.Fatal(err)
		}
		if err := db.store.saveResult(ctx, "taskrs-1", TaskFailed, "2 blocking findings", []byte(`{"verdict":"failed"}`), "sha256:0a1b", at.Add(time.Second)); err != nil {
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
			Status: TaskFailed, Message: "2 blocking findings", Report: []byte(`{"verdict":"failed"}`), ReceivedAt: at, FinishedAt: at.Add(time.Second), CallbackError: "HTTP 503",
			PolicyHash: "sha256:0a1b"}
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

// TestStoreAddsThePolicyHashToAnOlderTable: a database made before tasks
// recorded their policy gets the column when it is opened, keeps its tasks,
// and is opened again without complaint.
func TestStoreAddsThePolicyHashToAnOlderTable(t *testing.T) {
	for name, url := range testDatabases {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			db := openTestDatabase(t, u)
			ctx := context.Background()
			// The table as the release before made it.
			for _, stmt := range []string{`DROP TABLE prodgate_task`, strings.Replace(createTasks, ",\n\tpolicy_hash TEXT NOT NULL DEFAULT ''", "", 1),
				`INSERT INTO prodgate_task (task_result_id, status, received_at) VALUES ('taskrs-old', 'passed', 1)`} {
				if _, err := db.store.db.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			if _, err := db.store.get(ctx, "taskrs-old"); err == nil {
				t.Fatal("the old table already has policy_hash; the test proves nothing")
			}
			for range 2 {
				if err := db.store.migrate(ctx); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.store.get(ctx, "taskrs-old")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != TaskPassed || got.PolicyHash != "" {
				t.Errorf("old task after the migration: %+v", got)
			}
		})
	}
}

// TestDeliveriesRacingOnTwoReplicas: the same task delivered to two
// replicas at once, both transactions past their look-up before either
// commits, gives one task and one job; the second replica answers it as a
// duplicate.
func TestDeliveriesRacingOnTwoReplicas(t *testing.T) {
	db := openTestDatabase(t, pgtest.NewDatabase(t))
	ctx := context.Background()
	q := db.queue.(*riverQueue[pgx.Tx])
	first, err := q.begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.rollback()
	// The first replica's transaction has recorded the task and job, not committed.
	if _, err := acceptBatch(ctx, first, []acceptItem{testItem("taskrs-raced", time.Now())}, 0, func(p []river.InsertManyParams) (int, error) {
		return q.client.InsertManyFastTx(ctx, first.tx(), p)
	}); err != nil {
		t.Fatal(err)
	}
	second := make(chan []acceptOutcome, 1)
	go func() {
		out, err := db.queue.accept(ctx, []acceptItem{testItem("taskrs-raced", time.Now()), testItem("taskrs-other", time.Now())})
		if err != nil {
			t.Errorf("second replica: %v", err)
		}
		second <- out
	}()
	time.Sleep(300 * time.Millisecond) // the second waits on the job's unique key
	if err := first.commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := <-second, []acceptOutcome{acceptDuplicate, acceptQueued}; !cmp.Equal(got, want) {
		t.Errorf("second replica's outcomes %v, want %v", got, want)
	}
	if jobs := riverJobs(t, db); !cmp.Equal(jobs, []string{"taskrs-other", "taskrs-raced"}) {
		t.Errorf("jobs = %v, want one per task", jobs)
	}
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
		acceptTestItems(t, db, testItem("old", old), testItem("recent", recent), testItem("open", old))
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

// TestSQLiteFilesAreTheOwnersOnly: the database, its write-ahead log and
// shared memory, and the lock file are created 0600, and a database made
// readable by others is made the owner's again.
func TestSQLiteFilesAreTheOwnersOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prodgate.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db := openTestDatabase(t, path)
	acceptTestItems(t, db, testItem("taskrs-1", time.Now())) // the log and shared memory exist now
	for _, p := range []string{path, path + "-wal", path + "-shm", path + ".lock"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := st.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), mode)
		}
	}
}
