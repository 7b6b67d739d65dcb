package runtask

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/prodgate/prodgate/internal/pgtest"
)

// testItem is a request to accept for task id.
func testItem(id string, at time.Time) acceptItem {
	return acceptItem{
		task: Task{TaskResultID: id, RunID: "run-" + id, Stage: "post_plan", ReceivedAt: at, Sealed: []byte("sealed-" + id)},
		job:  evaluateArgs{TaskResultID: id, ReceivedAt: at},
	}
}

// acceptTestItems accepts items in one batch and fails the test on error.
func acceptTestItems(t *testing.T, db *database, items ...acceptItem) []acceptOutcome {
	t.Helper()
	out, err := db.queue.accept(context.Background(), items)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	return out
}

// TestAcceptorStoresEveryRequestOnce sends many requests at once through
// the group commit into the real database: each returns only once its
// batch is committed, every task is recorded with exactly one job, and they
// are written in far fewer transactions than requests.
func TestAcceptorStoresEveryRequestOnce(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		var (
			mu        sync.Mutex
			committed = map[string]bool{}
			writes    atomic.Int32
		)
		acc := newAcceptor(func(ctx context.Context, items []acceptItem) ([]acceptOutcome, error) {
			writes.Add(1)
			out, err := db.queue.accept(ctx, items)
			if err == nil {
				mu.Lock()
				for _, it := range items {
					committed[it.task.TaskResultID] = true
				}
				mu.Unlock()
			}
			return out, err
		}, 5*time.Minute) // the race detector on a busy machine makes a batch take seconds
		const n = 600 // more than two full batches
		var wg sync.WaitGroup
		errs := make([]error, n)
		at := time.Now()
		for i := range n {
			wg.Go(func() {
				id := fmt.Sprintf("task-%03d", i)
				var outcome acceptOutcome
				outcome, errs[i] = acc.accept(context.Background(), testItem(id, at))
				mu.Lock()
				defer mu.Unlock()
				if errs[i] == nil && (outcome != acceptQueued || !committed[id]) {
					errs[i] = fmt.Errorf("%s returned %v before its batch was committed (%v)", id, outcome, committed[id])
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		jobs := riverJobs(t, db)
		if len(jobs) != n {
			t.Fatalf("%d jobs for %d requests", len(jobs), n)
		}
		for i, id := range jobs {
			if want := fmt.Sprintf("task-%03d", i); id != want {
				t.Fatalf("job %d is %s, want %s", i, id, want)
			}
		}
		if got, err := db.store.unfinished(context.Background()); err != nil || got != n {
			t.Fatalf("%d tasks recorded (%v), want %d", got, err, n)
		}
		if w := writes.Load(); w >= n/10 {
			t.Errorf("%d transactions for %d concurrent requests: no grouping", w, n)
		}
		t.Logf("%d requests in %d transactions", n, writes.Load())
		if err := acc.stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := acc.accept(context.Background(), testItem("late", at)); err != errStopping {
			t.Errorf("accept after stop = %v, want errStopping", err)
		}
	})
}

// TestAcceptorStopWaitsForTheBatchBeingWritten: stop returns only once the
// batches gathered before it are written, so the database is not closed
// under a request that is still to be answered; a stop that runs out of
// time says so.
func TestAcceptorStopWaitsForTheBatchBeingWritten(t *testing.T) {
	release := make(chan struct{})
	writing := make(chan struct{}, 2)
	acc := newAcceptor(func(_ context.Context, items []acceptItem) ([]acceptOutcome, error) {
		writing <- struct{}{}
		<-release
		return make([]acceptOutcome, len(items)), nil
	}, time.Minute)
	answered := make(chan error, 2)
	go func() { _, err := acc.accept(context.Background(), testItem("first", time.Now())); answered <- err }()
	<-writing
	go func() { _, err := acc.accept(context.Background(), testItem("second", time.Now())); answered <- err }() // gathers behind the first
	for acc.pendingLen() == 0 {
		time.Sleep(time.Millisecond)
	}
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := acc.stop(short); err == nil || !strings.Contains(err.Error(), "requests still being stored") {
		t.Errorf("stop while a batch is being written = %v, want it to wait and then say so", err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- acc.stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("stop returned (%v) while a batch was being written", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	for range 2 {
		if err := <-answered; err != nil {
			t.Errorf("a request gathered before the stop: %v, want it stored", err)
		}
	}
	if err := <-stopped; err != nil {
		t.Errorf("stop = %v once every batch was written", err)
	}
	if _, err := acc.accept(context.Background(), testItem("late", time.Now())); err != errStopping {
		t.Errorf("accept after stop = %v, want errStopping", err)
	}
}

// TestAcceptKeepsOneJobPerTask: a delivery of a task already known,
// finished or not, and a second copy within one batch change nothing and
// enqueue nothing.
func TestAcceptKeepsOneJobPerTask(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		ctx := context.Background()
		at := time.Now()
		if got := acceptTestItems(t, db, testItem("done", at), testItem("open", at)); !cmp.Equal(got, []acceptOutcome{acceptQueued, acceptQueued}) {
			t.Fatalf("first batch: %v", got)
		}
		if err := db.store.markFinalSent(ctx, "done", at); err != nil {
			t.Fatal(err)
		}
		// A finished task's job is gone once River cleans it up; its late
		// delivery still gets no new job.
		if _, err := db.store.db.ExecContext(ctx, `DELETE FROM river_job`); err != nil {
			t.Fatal(err)
		}
		late := testItem("done", at.Add(time.Hour))
		late.task.RunID = "run-other"
		got := acceptTestItems(t, db, late, testItem("open", at), testItem("new", at), testItem("new", at))
		if want := []acceptOutcome{acceptDuplicate, acceptDuplicate, acceptQueued, acceptDuplicate}; !cmp.Equal(got, want) {
			t.Errorf("outcomes %v, want %v", got, want)
		}
		if jobs := riverJobs(t, db); !cmp.Equal(jobs, []string{"new"}) {
			t.Errorf("jobs = %v, want only new", jobs)
		}
		task, err := db.store.get(ctx, "done")
		if err != nil || task.RunID != "run-done" {
			t.Errorf("the late delivery changed the finished task: %+v, %v", task, err)
		}
	})
}

// BenchmarkAcceptBatch is the transaction behind a burst's batch of 200
// POSTs: the task rows and the River jobs, on each database.
func BenchmarkAcceptBatch(b *testing.B) {
	for name, url := range testDatabases {
		b.Run(name, func(b *testing.B) {
			db, err := openDatabase(context.Background(), url(b), queueSettings{workers: 1, worker: &attemptsWorker{}})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(db.close)
			sealed := strings.Repeat("s", 2500) // a sealed request
			n := 0
			for b.Loop() {
				items := make([]acceptItem, 200)
				for i := range items {
					n++
					items[i] = testItem(fmt.Sprintf("taskrs-%08d", n), time.Now())
					items[i].task.Sealed = []byte(sealed + items[i].task.TaskResultID)
				}
				if _, err := db.queue.accept(context.Background(), items); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestAcceptSyncsItsOwnCommit: the accepting transaction commits durably
// (SQLite synchronous=FULL, PostgreSQL synchronous_commit=on) unless told
// not to, and the connection goes back to SQLite's NORMAL for the rest.
func TestAcceptSyncsItsOwnCommit(t *testing.T) {
	ctx := context.Background()
	for _, unsynced := range []bool{false, true} {
		t.Run(fmt.Sprintf("unsynced=%v", unsynced), func(t *testing.T) {
			t.Run("sqlite", func(t *testing.T) {
				db, err := openDatabase(ctx, filepath.Join(t.TempDir(), "prodgate.db"), queueSettings{workers: 1, worker: &attemptsWorker{}, unsyncedAccept: unsynced})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(db.close)
				tx, err := db.queue.(*riverQueue[*sql.Tx]).begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var during, after int
				if err := tx.tx().QueryRowContext(ctx, "PRAGMA synchronous").Scan(&during); err != nil {
					t.Fatal(err)
				}
				if err := tx.commit(ctx); err != nil {
					t.Fatal(err)
				}
				if err := db.store.db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&after); err != nil {
					t.Fatal(err)
				}
				const normal, full = 1, 2
				if want := map[bool]int{false: full, true: normal}[unsynced]; during != want || after != normal {
					t.Errorf("synchronous during the accept %d, after %d; want %d and %d", during, after, want, normal)
				}
			})
			t.Run("postgres", func(t *testing.T) {
				db, err := openDatabase(ctx, pgtest.NewDatabase(t), queueSettings{workers: 1, worker: &attemptsWorker{}, unsyncedAccept: unsynced})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(db.close)
				tx, err := db.queue.(*riverQueue[pgx.Tx]).begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.rollback()
				var got string
				if err := tx.tx().QueryRow(ctx, "SHOW synchronous_commit").Scan(&got); err != nil {
					t.Fatal(err)
				}
				if want := map[bool]string{false: "on", true: "off"}[unsynced]; got != want {
					t.Errorf("synchronous_commit %q in the accepting transaction, want %q", got, want)
				}
			})
		})
	}
}

// TestAcceptRefusesBeyondTheCap: with at most 3 tasks waiting, new tasks
// beyond the cap are refused and stored nowhere; a duplicate of a known
// task is still a duplicate; a task called back makes room.
func TestAcceptRefusesBeyondTheCap(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *database) {
		ctx := context.Background()
		setCap(db, 3)
		at := time.Now()
		if got := acceptTestItems(t, db, testItem("a", at), testItem("b", at)); !cmp.Equal(got, []acceptOutcome{acceptQueued, acceptQueued}) {
			t.Fatalf("under the cap: %v", got)
		}
		got := acceptTestItems(t, db, testItem("c", at), testItem("d", at), testItem("a", at), testItem("d", at), testItem("e", at))
		if want := []acceptOutcome{acceptQueued, acceptFull, acceptDuplicate, acceptFull, acceptFull}; !cmp.Equal(got, want) {
			t.Errorf("at the cap: %v, want %v", got, want)
		}
		if jobs := riverJobs(t, db); !cmp.Equal(jobs, []string{"a", "b", "c"}) {
			t.Errorf("jobs %v, want a, b and c only", jobs)
		}
		if _, err := db.store.get(ctx, "d"); err != errTaskNotFound {
			t.Errorf("a refused task was recorded: %v", err)
		}
		if err := db.store.markFinalSent(ctx, "a", at); err != nil {
			t.Fatal(err)
		}
		if got := acceptTestItems(t, db, testItem("d", at)); got[0] != acceptQueued {
			t.Errorf("after one was called back: %v, want queued", got)
		}
	})
}

// setCap sets the queue's cap on waiting tasks.
func setCap(db *database, n int) {
	switch q := db.queue.(type) {
	case *riverQueue[*sql.Tx]:
		q.maxWaiting = n
	case *riverQueue[pgx.Tx]:
		q.maxWaiting = n
	}
}

// pendingLen counts the requests gathered behind the batch being written.
func (a *acceptor) pendingLen() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, b := range a.pending {
		n += len(b.items)
	}
	return n
}
