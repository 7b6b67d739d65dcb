package runtask

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"
)

// maxAcceptBatch bounds one group commit.
const maxAcceptBatch = 256

// acceptTimeout bounds the transaction behind a batch of POSTs: a database
// that does not answer gets them a 500 (HCP Terraform delivers again), not
// an answer that never comes.
const acceptTimeout = 10 * time.Second

// acceptItem is one request to accept: the task as the store records it,
// with the request sealed, and its job.
type acceptItem struct {
	task Task
	job  evaluateArgs
}

// acceptOutcome is what became of one request.
type acceptOutcome int

const (
	// acceptQueued: the task is recorded and its job enqueued.
	acceptQueued acceptOutcome = iota
	// acceptDuplicate: the task was already known (a delivery HCP Terraform
	// retried, or one sent to two replicas); nothing changed.
	acceptDuplicate
	// acceptFull: as many tasks wait as the cap allows (--max-queued-tasks);
	// nothing was stored.
	acceptFull
)

// acceptor stores accepted requests durably in batches ("group commit"): a
// burst of run-task POSTs becomes a few transactions instead of one each, so
// every POST is answered within milliseconds. Each POST still waits until its
// own request is committed.
//
// There is no goroutine of its own: the request that finds no write under
// way writes its batch itself (it leads), while requests arriving meanwhile
// gather in the next batch; when a write ends, one member of the next batch
// is woken to lead it. A single collecting goroutine would have to be
// scheduled between every hand-off, behind the very handlers it wakes.
type acceptor struct {
	store func(ctx context.Context, items []acceptItem) ([]acceptOutcome, error)
	// timeout bounds one batch's store (acceptTimeout in the service).
	timeout time.Duration

	mu sync.Mutex
	// pending are batches gathering or waiting for the one being written,
	// oldest first; empty whenever writing is false.
	pending []*gatheringBatch
	writing bool // a leader is writing a batch
	stopped bool
	// idle is closed when, once stopped, no batch is pending or being
	// written.
	idle chan struct{}
}

type gatheringBatch struct {
	items    []acceptItem
	lead     chan struct{} // receives one token when a member must write this batch
	done     chan struct{} // closed once written; outcomes or err are then set
	outcomes []acceptOutcome
	err      error
}

var errStopping = errors.New("the service is stopping")

func newAcceptor(store func(ctx context.Context, items []acceptItem) ([]acceptOutcome, error), timeout time.Duration) *acceptor {
	return &acceptor{store: store, timeout: timeout, idle: make(chan struct{})}
}

// accept stores one request; it returns once it is committed. It waits for
// its batch even when ctx ends: a member that left could be the one handed
// the lead, and the others would wait for ever.
func (a *acceptor) accept(ctx context.Context, item acceptItem) (acceptOutcome, error) {
	a.mu.Lock()
	if a.stopped {
		a.mu.Unlock()
		return 0, errStopping
	}
	var b *gatheringBatch
	if n := len(a.pending); n > 0 && len(a.pending[n-1].items) < maxAcceptBatch {
		b = a.pending[n-1]
	} else {
		b = &gatheringBatch{lead: make(chan struct{}, 1), done: make(chan struct{})}
		a.pending = append(a.pending, b)
	}
	i := len(b.items)
	b.items = append(b.items, item)
	if !a.writing {
		// Nothing is being written, so b is the only pending batch: lead it.
		a.writing = true
		a.pending = a.pending[:0]
		a.mu.Unlock()
		a.write(b)
		return b.result(i)
	}
	a.mu.Unlock()
	select {
	case <-b.done:
	case <-b.lead:
		a.write(b)
	}
	return b.result(i)
}

func (b *gatheringBatch) result(i int) (acceptOutcome, error) {
	if b.err != nil {
		return 0, b.err
	}
	return b.outcomes[i], nil
}

// write stores b, wakes its members, and hands the lead to the oldest batch
// that gathered meanwhile, if any. Not the requests' contexts: a client that
// hangs up must not abort the others' write.
func (a *acceptor) write(b *gatheringBatch) {
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
	b.outcomes, b.err = a.store(ctx, b.items)
	cancel()
	if b.err == nil && len(b.outcomes) != len(b.items) {
		b.err = fmt.Errorf("internal error: %d outcomes for %d requests", len(b.outcomes), len(b.items))
	}
	close(b.done)
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.pending) == 0 {
		a.writing = false
		if a.stopped {
			close(a.idle)
		}
		return
	}
	next := a.pending[0]
	a.pending = a.pending[1:]
	next.lead <- struct{}{}
}

// stop refuses new requests and waits until the batches already gathered
// are written, or ctx ends. Call it after the HTTP server has stopped
// taking requests: a handler that outlived the server's shutdown may still
// be waiting for its batch, and the database must not close under it.
func (a *acceptor) stop(ctx context.Context) error {
	a.mu.Lock()
	if !a.stopped {
		a.stopped = true
		if !a.writing {
			close(a.idle)
		}
	}
	a.mu.Unlock()
	select {
	case <-a.idle:
		return nil
	default: // idle first: a stop whose time is up still reports nothing pending as done
	}
	select {
	case <-a.idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("requests still being stored: %w", ctx.Err())
	}
}

// txDB is what the accept transaction does besides River's insert, each
// database in its own best way.
type txDB interface {
	// knownTasks returns which of ids are recorded already.
	knownTasks(ctx context.Context, ids []string) (map[string]bool, error)
	// insertTasks records new tasks as queued, leaving any already there.
	insertTasks(ctx context.Context, tasks []Task) error
	// waiting counts the tasks not yet called back with a final result.
	waiting(ctx context.Context) (int, error)
}

// acceptBatch records a batch's new tasks and enqueues their jobs, in the
// caller's transaction. A task already recorded (a duplicate delivery,
// finished or not) is left as it is and gets no job. With maxWaiting > 0,
// new tasks beyond maxWaiting not yet called back are refused (on
// PostgreSQL each replica counts in its own transaction, so replicas
// accepting at the same moment may overshoot by a batch). enqueue inserts jobs
// in the same transaction; River's unique key on the task id also turns
// away a job another replica enqueued for the same task at the same moment
// (riverQueue.accept then tries the batch again).
func acceptBatch(ctx context.Context, db txDB, items []acceptItem, maxWaiting int,
	enqueue func([]river.InsertManyParams) (int, error)) ([]acceptOutcome, error) {
	out := make([]acceptOutcome, len(items))
	first := make(map[string]int, len(items)) // task id -> index of its first request in the batch
	ids := make([]string, 0, len(items))
	for i, it := range items {
		if _, ok := first[it.task.TaskResultID]; !ok {
			first[it.task.TaskResultID] = i
			ids = append(ids, it.task.TaskResultID)
		}
	}
	known, err := db.knownTasks(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("look up %d tasks: %w", len(ids), err)
	}
	room := len(items)
	if maxWaiting > 0 {
		n, err := db.waiting(ctx)
		if err != nil {
			return nil, fmt.Errorf("count waiting tasks: %w", err)
		}
		room = maxWaiting - n
	}
	var tasks []Task
	var jobs []river.InsertManyParams
	for i, it := range items {
		switch j := first[it.task.TaskResultID]; {
		case j != i: // a second copy in this batch fares as the first
			out[i] = acceptDuplicate
			if out[j] == acceptFull {
				out[i] = acceptFull
			}
		case known[it.task.TaskResultID]:
			out[i] = acceptDuplicate
		case len(tasks) >= room:
			out[i] = acceptFull
		default:
			tasks = append(tasks, it.task)
			jobs = append(jobs, river.InsertManyParams{Args: it.job})
		}
	}
	if len(tasks) == 0 {
		return out, nil
	}
	if err := db.insertTasks(ctx, tasks); err != nil {
		return nil, fmt.Errorf("record %d tasks: %w", len(tasks), err)
	}
	if n, err := enqueue(jobs); err != nil {
		return nil, fmt.Errorf("enqueue %d tasks: %w", len(jobs), err)
	} else if n != len(jobs) {
		return nil, fmt.Errorf("enqueue %d tasks: %d were already queued", len(jobs), len(jobs)-n)
	}
	return out, nil
}
