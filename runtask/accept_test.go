package runtask

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
)

// TestAcceptorStoresEveryRequestOnce sends many requests at once through
// the group commit: each returns only once stored, none is lost or stored
// twice, and they are written in far fewer writes than requests.
func TestAcceptorStoresEveryRequestOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "prodgate.db-inbox.log")
	in, err := openInboxLog(path, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.close)
	var writes atomic.Int32
	// Each write takes a while, as on a busy disk: requests arriving
	// meanwhile must gather into the next batch.
	acc := newAcceptor(slowInbox{in, time.Millisecond}, func() { writes.Add(1) })
	const n = 600 // more than two full batches
	var wg sync.WaitGroup
	errs := make([]error, n)
	// The file's size when each accept returned: its record must end there
	// or before (it was written before the answer).
	sizeAtReturn := make([]int64, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("task-%03d", i)
			errs[i] = acc.accept(ctx, inboxItem{task: Task{TaskResultID: id, ReceivedAt: time.Now()}, sealed: []byte("x")})
			if st, err := os.Stat(path); err == nil {
				sizeAtReturn[i] = st.Size()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ends := map[string]int64{}
	for off := len(inboxLogHeader); off < len(data); {
		size := int(binary.LittleEndian.Uint32(data[off:]))
		it, ok := decodeInboxRecord(data[off+inboxRecordHead : off+inboxRecordHead+size])
		if !ok {
			t.Fatalf("unreadable record at offset %d", off)
		}
		off += inboxRecordHead + size
		if _, twice := ends[it.task.TaskResultID]; twice {
			t.Fatalf("%s stored twice", it.task.TaskResultID)
		}
		ends[it.task.TaskResultID] = int64(off)
	}
	for i := range n {
		id := fmt.Sprintf("task-%03d", i)
		end, ok := ends[id]
		if !ok {
			t.Fatalf("%s is not in the inbox file", id)
		}
		if end > sizeAtReturn[i] {
			t.Fatalf("accept of %s returned when the file was %d bytes, before its record (ending at %d) was written", id, sizeAtReturn[i], end)
		}
	}
	if got, err := in.count(ctx); err != nil || got != n {
		t.Fatalf("inbox holds %d (%v), want %d", got, err, n)
	}
	if w := writes.Load(); w >= n/10 {
		t.Errorf("%d writes for %d concurrent requests: no grouping", w, n)
	}
	t.Logf("%d requests in %d writes", n, writes.Load())
	acc.stop()
	if err := acc.accept(ctx, inboxItem{task: Task{TaskResultID: "late"}}); err != errStopping {
		t.Errorf("accept after stop = %v, want errStopping", err)
	}
}

// slowInbox delays every write.
type slowInbox struct {
	inbox
	delay time.Duration
}

func (s slowInbox) put(ctx context.Context, items []inboxItem) error {
	time.Sleep(s.delay)
	return s.inbox.put(ctx, items)
}
