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
// every POST is answered within milliseconds. Each POST still waits until its
// own request is stored.
//
// There is no goroutine of its own: the request that finds no write under
// way writes its batch itself (it leads), while requests arriving meanwhile
// gather in the next batch; when a write ends, one member of the next batch
// is woken to lead it. A single collecting goroutine would have to be
// scheduled between every hand-off, behind the very handlers it wakes.
type acceptor struct {
	inbox inbox
	moved func() // tells the mover there is something to move

	mu sync.Mutex
	// pending are batches gathering or waiting for the one being written,
	// oldest first; empty whenever writing is false.
	pending []*acceptBatch
	writing bool // a leader is writing a batch
	stopped bool
}

type acceptBatch struct {
	items []inboxItem
	lead  chan struct{} // receives one token when a member must write this batch
	done  chan struct{} // closed once written; err is then set
	err   error
}

var errStopping = errors.New("the service is stopping")

func newAcceptor(in inbox, moved func()) *acceptor {
	return &acceptor{inbox: in, moved: moved}
}

// accept stores one request; it returns once it is durable. It waits for its
// batch even when ctx ends: a member that left could be the one handed the
// lead, and the others would wait for ever.
func (a *acceptor) accept(ctx context.Context, item inboxItem) error {
	a.mu.Lock()
	if a.stopped {
		a.mu.Unlock()
		return errStopping
	}
	var b *acceptBatch
	if n := len(a.pending); n > 0 && len(a.pending[n-1].items) < maxAcceptBatch {
		b = a.pending[n-1]
	} else {
		b = &acceptBatch{lead: make(chan struct{}, 1), done: make(chan struct{})}
		a.pending = append(a.pending, b)
	}
	b.items = append(b.items, item)
	if !a.writing {
		// Nothing is being written, so b is the only pending batch: lead it.
		a.writing = true
		a.pending = a.pending[:0]
		a.mu.Unlock()
		a.write(b)
		return b.err
	}
	a.mu.Unlock()
	select {
	case <-b.done:
	case <-b.lead:
		a.write(b)
	}
	return b.err
}

// write stores b, wakes its members, and hands the lead to the oldest batch
// that gathered meanwhile, if any. Not the requests' contexts: a client that
// hangs up must not abort the others' write.
func (a *acceptor) write(b *acceptBatch) {
	b.err = a.inbox.put(context.Background(), b.items)
	close(b.done)
	if b.err == nil {
		a.moved()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.pending) == 0 {
		a.writing = false
		return
	}
	next := a.pending[0]
	a.pending = a.pending[1:]
	next.lead <- struct{}{}
}

// stop refuses new requests; call it after the HTTP server has stopped
// taking requests (those under way are stored first).
func (a *acceptor) stop() {
	a.mu.Lock()
	a.stopped = true
	a.mu.Unlock()
}
