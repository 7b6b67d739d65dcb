package runtask

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
)

// attemptsWorker reports each attempt it is given and fails the first ones.
type attemptsWorker struct {
	river.WorkerDefaults[evaluateArgs]
	failUntil int // attempts before this one fail
	attempts  chan int
}

func (w *attemptsWorker) Work(_ context.Context, job *river.Job[evaluateArgs]) error {
	w.attempts <- job.Attempt
	if job.Attempt < w.failUntil {
		return errors.New("this attempt fails on purpose")
	}
	return nil
}

// startTestQueue opens url with worker and runs its queue until the test ends.
func startTestQueue(t *testing.T, url string, worker river.Worker[evaluateArgs], poll time.Duration) *database {
	t.Helper()
	db, err := openDatabase(context.Background(), url, queueSettings{workers: 1, worker: worker, poll: poll})
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	if err := db.queue.start(context.Background()); err != nil {
		db.close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = db.queue.stop(ctx)
		db.close()
	})
	return db
}

func waitAttempt(t *testing.T, attempts <-chan int, want int, within time.Duration) {
	t.Helper()
	select {
	case got := <-attempts:
		if got != want {
			t.Fatalf("attempt %d, want %d", got, want)
		}
	case <-time.After(within):
		t.Fatalf("attempt %d did not come within %s", want, within)
	}
}

// A new job is fetched when it is enqueued, not at the next poll: the poll
// here is an hour away. On PostgreSQL the queue is told by LISTEN/NOTIFY, on
// SQLite by River's notification table, which its listener reads every 50 ms.
func TestNewJobsDoNotWaitForThePoll(t *testing.T) {
	for name, url := range testDatabases {
		t.Run(name, func(t *testing.T) {
			worker := &attemptsWorker{attempts: make(chan int, 10)}
			db := startTestQueue(t, url(t), worker, time.Hour)
			for _, id := range []string{"taskrs-first", "taskrs-second"} {
				// Past the fetch a starting queue makes, and the one after a
				// job ends: only the enqueue itself can bring the job now.
				time.Sleep(300 * time.Millisecond)
				acceptTestItems(t, db, testItem(id, time.Now()))
				waitAttempt(t, worker.attempts, 1, 30*time.Second)
			}
		})
	}
}

// A failed attempt is tried again when its backoff is over (River's
// scheduler makes it available, the poll fetches it), with no listener on
// the embedded database.
func TestFailedJobsAreRetriedOnSQLite(t *testing.T) {
	t.Parallel()
	worker := &attemptsWorker{failUntil: 2, attempts: make(chan int, 10)}
	db := startTestQueue(t, filepath.Join(t.TempDir(), "prodgate.db"), worker, 0)
	acceptTestItems(t, db, testItem("taskrs-retried", time.Now()))
	waitAttempt(t, worker.attempts, 1, 30*time.Second)
	// Backoff 1 s, River's scheduler every 5 s, then the poll (1 s).
	waitAttempt(t, worker.attempts, 2, 60*time.Second)
}

// TestSQLiteReleasesJobsOfADeadProcess: a job a process left running when
// it died (taken as River's producer takes it, then never finished) is
// available again as soon as the next process opens the database, with the
// attempt's error recorded; at the job's last attempt it is discarded, as
// River's rescuer does. It fails if a River upgrade changes the driver calls
// releaseJobsOfDeadProcess relies on.
func TestSQLiteReleasesJobsOfADeadProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "prodgate.db")
	first, err := openDatabase(ctx, path, queueSettings{workers: 1, worker: &attemptsWorker{}})
	if err != nil {
		t.Fatal(err)
	}
	acceptTestItems(t, first, testItem("taskrs-orphan", time.Now()))
	exec := riversqlite.New(first.store.db).GetExecutor()
	take := func() *rivertype.JobRow {
		t.Helper()
		got, err := exec.JobGetAvailable(ctx, &riverdriver.JobGetAvailableParams{ClientID: "dead-process", MaxToLock: 1, Queue: river.QueueDefault})
		if err != nil || len(got.Jobs) != 1 {
			t.Fatalf("take the job as a producer would: %+v, %v", got, err)
		}
		return got.Jobs[0]
	}
	job := take()
	for attempt := 1; attempt < job.MaxAttempts; attempt++ {
		if n, err := releaseJobsOfDeadProcess(ctx, exec, time.Now()); err != nil || n != 1 {
			t.Fatalf("attempt %d: released %d, %v", attempt, n, err)
		}
		row, err := exec.JobGetByID(ctx, &riverdriver.JobGetByIDParams{ID: job.ID})
		if err != nil {
			t.Fatal(err)
		}
		if row.State != rivertype.JobStateAvailable || len(row.Errors) != attempt || row.Errors[attempt-1].Attempt != attempt ||
			!strings.Contains(row.Errors[attempt-1].Error, "process working this job stopped") {
			t.Fatalf("attempt %d: released job is %s with errors %+v", attempt, row.State, row.Errors)
		}
		take()
	}
	if n, err := releaseJobsOfDeadProcess(ctx, exec, time.Now()); err != nil || n != 1 {
		t.Fatalf("last attempt: released %d, %v", n, err)
	}
	if row, err := exec.JobGetByID(ctx, &riverdriver.JobGetByIDParams{ID: job.ID}); err != nil || row.State != rivertype.JobStateDiscarded || row.FinalizedAt == nil {
		t.Fatalf("a job at its last attempt: %+v, %v; want it discarded", row, err)
	}

	// Once more, through a process's whole life: the dead process's job is
	// worked within seconds of the next one opening the database, not after
	// River's rescue delay (the job timeout and a minute).
	acceptTestItems(t, first, testItem("taskrs-orphan-2", time.Now()))
	take()
	first.close()
	worker := &attemptsWorker{attempts: make(chan int, 10)}
	startTestQueue(t, path, worker, time.Hour)
	waitAttempt(t, worker.attempts, 2, 10*time.Second)
}

// TestRetentionPurgeIsAQueueJob: River's leader runs the purge when the
// queue starts (and hourly), deleting tasks finished before the retention.
func TestRetentionPurgeIsAQueueJob(t *testing.T) {
	for name, url := range testDatabases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
			db, err := openDatabase(ctx, url(t), queueSettings{workers: 1, worker: &attemptsWorker{attempts: make(chan int, 10)},
				retention: 24 * time.Hour, now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(db.close)
			acceptTestItems(t, db, testItem("old", now.Add(-72*time.Hour)), testItem("recent", now))
			for id, at := range map[string]time.Time{"old": now.Add(-48 * time.Hour), "recent": now.Add(-time.Hour)} {
				if err := db.store.markFinalSent(ctx, id, at); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.store.db.ExecContext(ctx, `DELETE FROM river_job`); err != nil {
				t.Fatal(err)
			}
			if err := db.queue.start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.queue.stop(context.Background()) })
			deadline := time.Now().Add(30 * time.Second)
			for {
				_, errOld := db.store.get(ctx, "old")
				if errOld == errTaskNotFound {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the finished task past the retention is still there after 30 s (%v)", errOld)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if _, err := db.store.get(ctx, "recent"); err != nil {
				t.Errorf("the recent task was pruned: %v", err)
			}
		})
	}
}
