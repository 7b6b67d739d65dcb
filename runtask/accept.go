package runtask

import (
	"context"
	"errors"
	"sync"
)

// maxAcceptBatch bounds one group commit.
const maxAcceptBatch = 256

// acceptor stores accepted requests durably in batches ("group commit"): a
// burst of run-task POSTs becomes a few inbox writes instead of one each, so
// every POST is answered within milliseconds. Each POST still waits until
// its own request is stored.
type acceptor struct {
	inbox   *inbox
	moved   func() // tells the mover there is something to move
	in      chan *pendingAccept
	stopped chan struct{}
	once    sync.Once
}

type pendingAccept struct {
	item inboxItem
	done chan error
}

var errStopping = errors.New("the service is stopping")

func newAcceptor(in *inbox, moved func()) *acceptor {
	return &acceptor{inbox: in, moved: moved, in: make(chan *pendingAccept), stopped: make(chan struct{})}
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
	items := make([]inboxItem, len(batch))
	for i, p := range batch {
		items[i] = p.item
	}
	err := a.inbox.put(context.Background(), items)
	if err == nil {
		a.moved()
	}
	for _, p := range batch {
		p.done <- err
	}
}

// accept stores one request; it returns once it is durable.
func (a *acceptor) accept(ctx context.Context, item inboxItem) error {
	p := &pendingAccept{item: item, done: make(chan error, 1)}
	select {
	case a.in <- p:
	case <-a.stopped:
		return errStopping
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-p.done
}

// stop ends the loop; call it after the HTTP server has stopped taking requests.
func (a *acceptor) stop() { a.once.Do(func() { close(a.stopped) }) }
