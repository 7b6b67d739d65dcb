package runtask

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAcceptorStoresEveryRequestOnce sends many requests at once through
// the group commit: each returns only once stored, none is lost or stored
// twice, and they are written in far fewer writes than requests.
func TestAcceptorStoresEveryRequestOnce(t *testing.T) {
	ctx := context.Background()
	in, err := openInboxSQLite(ctx, filepath.Join(t.TempDir(), "prodgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.closeFn)
	var writes atomic.Int32
	acc := newAcceptor(in, func() { writes.Add(1) })
	const n = 600 // more than two full batches
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("task-%03d", i)
			errs[i] = acc.accept(ctx, inboxItem{task: Task{TaskResultID: id, ReceivedAt: time.Now()}, args: evaluateArgs{TaskResultID: id, Sealed: "x"}})
			if errs[i] == nil {
				// Stored before accept returned: the inbox must already hold it.
				var got string
				if err := in.db.QueryRowContext(ctx, `SELECT task_result_id FROM prodgate_inbox WHERE task_result_id = ?`, id).Scan(&got); err != nil {
					errs[i] = fmt.Errorf("accept returned before %s was stored: %w", id, err)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, err := in.count(ctx); err != nil || got != n {
		t.Fatalf("inbox holds %d (%v), want %d", got, err, n)
	}
	if w := writes.Load(); w >= n/2 {
		t.Errorf("%d writes for %d concurrent requests: no grouping", w, n)
	}
	t.Logf("%d requests in %d writes", n, writes.Load())
	acc.stop()
	if err := acc.accept(ctx, inboxItem{task: Task{TaskResultID: "late"}}); err != errStopping {
		t.Errorf("accept after stop = %v, want errStopping", err)
	}
}
