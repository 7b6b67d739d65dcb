package runtask

import (
	"context"
	"errors"
	"sync"
)

// maxAcceptBatch bounds one group commit.
const maxAcceptBatch = 256

// acceptor stores accepted requests durably in batches ("group commit"): a
// burst of run-task POSTs becomes a few transactions instead of one each, so
// every POST is answered within milliseconds even on the single-connection
// SQLite default. Each POST still waits until its own task is stored.
type acceptor struct {
	db      *database
	in      chan *pendingAccept
	stopped chan struct{}
	once    sync.Once
}

type pendingAccept struct {
	task Task
	args evaluateArgs
	done chan acceptResult
}

type acceptResult struct {
	duplicate bool
	err       error
}

var errStopping = errors.New("the service is stopping")

func newAcceptor(db *database) *acceptor {
	return &acceptor{db: db, in: make(chan *pendingAccept), stopped: make(chan struct{})}
}

// run owns the batching loop until stop.
func (a *acceptor) run() {
	for {
		select {
		case first := <-a.in:
			batch := []*pendingAccept{first}
		drain:
			for len(batch) < maxAcceptBatch {
				select {
				case p := <-a.in:
					batch = append(batch, p)
				default:
					break drain
				}
			}
			a.flush(batch)
		case <-a.stopped:
			return
		}
	}
}

func (a *acceptor) flush(batch []*pendingAccept) {
	// Not the requests' contexts: a client that hangs up must not abort the
	// others' commit.
	ctx := context.Background()
	tasks := make([]Task, len(batch))
	args := make([]evaluateArgs, len(batch))
	for i, p := range batch {
		tasks[i], args[i] = p.task, p.args
	}
	err := a.db.store.recordReceivedMany(ctx, tasks)
	var dups []bool
	if err == nil {
		dups, err = a.db.queue.enqueueMany(ctx, args)
	}
	for i, p := range batch {
		r := acceptResult{err: err}
		if err == nil {
			r.duplicate = dups[i]
		}
		p.done <- r
	}
}

// accept stores one task and its job; it returns once they are durable.
func (a *acceptor) accept(ctx context.Context, task Task, args evaluateArgs) (duplicate bool, err error) {
	p := &pendingAccept{task: task, args: args, done: make(chan acceptResult, 1)}
	select {
	case a.in <- p:
	case <-a.stopped:
		return false, errStopping
	case <-ctx.Done():
		return false, ctx.Err()
	}
	r := <-p.done
	return r.duplicate, r.err
}

// stop ends the loop; call it after the HTTP server has stopped taking requests.
func (a *acceptor) stop() { a.once.Do(func() { close(a.stopped) }) }
