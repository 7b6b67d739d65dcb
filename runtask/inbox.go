package runtask

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// The inbox is where an accepted request becomes durable before its 200
// answer. HCP Terraform waits on that answer, so the write behind it must be
// short and must not queue behind the work of judging plans: one write per
// batch of requests (see acceptor), to a place nothing else writes. A mover
// then records the tasks and enqueues their jobs in the queue (River), and
// removes them from the inbox; a crash in between leaves them in the inbox,
// and the next process moves them again (both steps ignore what is already
// there, so moving twice is harmless).
//
// On the embedded default the inbox is an append-only file (inboxLog): a
// SQLite write of a batch costs a system call per page, and SQLite has one
// writer per file, which the queue's own bookkeeping would hold during a
// burst. On PostgreSQL it is a table in the shared database (pgInbox), so
// any replica moves what another accepted.
type inbox interface {
	// put stores items durably in one write. A duplicate delivery of a
	// request still waiting may be stored beside the first (pgInbox) or not
	// at all (inboxLog).
	put(ctx context.Context, items []inboxItem) error
	// take returns up to limit of the oldest requests waiting; the same
	// task may come more than once (the mover keeps one).
	take(ctx context.Context, limit int) ([]inboxItem, error)
	// remove drops requests the last take returned, once moved, with any
	// duplicates of them.
	remove(ctx context.Context, moved []inboxItem) error
	// count says how many tasks wait, each once.
	count(ctx context.Context) (int, error)
	close()
}

// inboxItem is one accepted request: the task as the store will record it and
// the request sealed as signed (see secrets.sealBytes). Sealed bytes become
// text only when the job is enqueued, off the POST's path.
type inboxItem struct {
	task   Task
	sealed []byte
}

// jobArgs are the item's job arguments.
func (it inboxItem) jobArgs() evaluateArgs {
	return evaluateArgs{TaskResultID: it.task.TaskResultID, Sealed: encodeSealed(it.sealed), ReceivedAt: it.task.ReceivedAt}
}

// moveBatch is how many requests one move takes from the inbox.
const moveBatch = 256

// mover takes requests from the inbox into the store and the job queue.
type mover struct {
	db   *database
	log  *zap.Logger
	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

func newMover(db *database, log *zap.Logger) *mover {
	return &mover{db: db, log: log, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// poke asks the mover to look at the inbox now.
func (m *mover) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// run moves what the inbox holds at start (a previous process may have
// left requests there), whenever poked, every second in case another
// replica accepted something, and once more when stopped.
func (m *mover) run() {
	defer close(m.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		m.drain()
		select {
		case <-m.wake:
			m.settle()
		case <-tick.C:
		case <-m.stop:
			m.drain()
			return
		}
	}
}

// Moving is CPU and database work the POSTs of a burst would wait behind,
// so after a poke the mover waits until the requests stop coming for
// moveQuiet (at most moveDelay), and moves them in one go.
const (
	moveQuiet = 10 * time.Millisecond
	moveDelay = 200 * time.Millisecond
)

func (m *mover) settle() {
	deadline := time.NewTimer(moveDelay)
	defer deadline.Stop()
	quiet := time.NewTimer(moveQuiet)
	defer quiet.Stop()
	for {
		select {
		case <-m.wake:
			quiet.Reset(moveQuiet)
		case <-quiet.C:
			return
		case <-deadline.C:
			return
		case <-m.stop:
			return
		}
	}
}

// drain moves batches until the inbox is empty or a move fails (it is tried
// again on the next wake or tick; the requests stay in the inbox meanwhile).
func (m *mover) drain() {
	for {
		n, err := m.moveOnce(context.Background())
		if err != nil {
			m.log.Error("could not move accepted requests to the job queue; will retry", zap.Error(err))
			return
		}
		if n < moveBatch {
			return
		}
	}
}

// moveOnce moves one batch and returns how many requests it took.
func (m *mover) moveOnce(ctx context.Context) (int, error) {
	taken, err := m.db.inbox.take(ctx, moveBatch)
	if err != nil || len(taken) == 0 {
		return 0, err
	}
	items := uniqueTasks(taken)
	tasks := make([]Task, len(items))
	ids := make([]string, len(items))
	for i, it := range items {
		tasks[i], ids[i] = it.task, it.task.TaskResultID
	}
	if err := m.db.store.recordReceivedMany(ctx, tasks); err != nil {
		return 0, err
	}
	// A delivery of a task already called back (HCP Terraform retrying long
	// after, when the queue has forgotten the job) is not judged again.
	done, err := m.db.store.finished(ctx, ids)
	if err != nil {
		return 0, err
	}
	var pending []evaluateArgs
	for _, it := range items {
		if done[it.task.TaskResultID] {
			m.log.Info("duplicate delivery of a finished task ignored", zap.String("task_result_id", it.task.TaskResultID))
			continue
		}
		pending = append(pending, it.jobArgs())
	}
	if len(pending) > 0 {
		dups, err := m.db.queue.enqueueMany(ctx, pending)
		if err != nil {
			return 0, err
		}
		for i, dup := range dups {
			if dup {
				m.log.Info("duplicate delivery ignored", zap.String("task_result_id", pending[i].TaskResultID))
			}
		}
	}
	if err := m.db.inbox.remove(ctx, taken); err != nil {
		return 0, err
	}
	return len(taken), nil
}

// uniqueTasks keeps the first item of each task: a duplicate delivery may
// sit in the inbox beside the first, and the queue refuses a batch that
// holds one job twice.
func uniqueTasks(items []inboxItem) []inboxItem {
	seen := make(map[string]bool, len(items))
	out := items[:0:0]
	for _, it := range items {
		if !seen[it.task.TaskResultID] {
			seen[it.task.TaskResultID] = true
			out = append(out, it)
		}
	}
	return out
}

// shutdown moves what is left and ends run.
func (m *mover) shutdown() {
	close(m.stop)
	<-m.done
}
