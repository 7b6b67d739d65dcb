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
	// A delivery of a task already called back (HCP Terraform retrying long
	// after, when the queue has forgotten the job) is not judged again.
	var done map[string]bool
	if err == nil {
		ids := make([]string, len(tasks))
		for i, t := range tasks {
			ids[i] = t.TaskResultID
		}
		done, err = a.db.store.finished(ctx, ids)
	}
	dups := make([]bool, len(batch))
	if err == nil {
		var pending []evaluateArgs
		var at []int
		for i, arg := range args {
			if done[arg.TaskResultID] {
				dups[i] = true
				continue
			}
			pending = append(pending, arg)
			at = append(at, i)
		}
		if len(pending) > 0 {
			var pendingDups []bool
			pendingDups, err = a.db.queue.enqueueMany(ctx, pending)
			for j, i := range at {
				if err == nil {
					dups[i] = pendingDups[j]
				}
			}
		}
	}
	for i, p := range batch {
		p.done <- acceptResult{duplicate: err == nil && dups[i], err: err}
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
