package runtask

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/prodgate/prodgate/internal/pgtest"
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
// here is an hour away. On SQLite the queue is told by this process itself
// (localSQLiteDriver), on PostgreSQL by LISTEN/NOTIFY.
func TestNewJobsDoNotWaitForThePoll(t *testing.T) {
	for name, url := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "prodgate.db") },
		"postgres": func(t *testing.T) string { return pgtest.NewDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			worker := &attemptsWorker{attempts: make(chan int, 10)}
			db := startTestQueue(t, url(t), worker, time.Hour)
			for _, id := range []string{"taskrs-first", "taskrs-second"} {
				// Past the fetch a starting queue makes, and the one after a
				// job ends: only the enqueue itself can bring the job now.
				time.Sleep(300 * time.Millisecond)
				args := evaluateArgs{TaskResultID: id, Sealed: "x", ReceivedAt: time.Now()}
				if _, err := db.queue.enqueueMany(context.Background(), []evaluateArgs{args}); err != nil {
					t.Fatal(err)
				}
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
	args := evaluateArgs{TaskResultID: "taskrs-retried", Sealed: "x", ReceivedAt: time.Now()}
	if _, err := db.queue.enqueueMany(context.Background(), []evaluateArgs{args}); err != nil {
		t.Fatal(err)
	}
	waitAttempt(t, worker.attempts, 1, 30*time.Second)
	// Backoff 1 s, River's scheduler every 5 s, then the poll (1 s).
	waitAttempt(t, worker.attempts, 2, 60*time.Second)
}
