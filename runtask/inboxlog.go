package runtask

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"
)

// inboxLog is the embedded default's inbox: an append-only file beside the
// SQLite database (prodgate.db-inbox.log). A batch of accepted requests is
// one write system call; a SQLite insert of the same batch wrote every
// request's pages to the write-ahead log one system call each, ~25 µs of CPU
// per request that a burst of POSTs queued behind.
//
// A write survives the process crashing as soon as it returns (it is in the
// kernel's page cache), which is when the POSTs of the batch are answered;
// like the SQLite database (synchronous=NORMAL) it is not synced to disk, so
// a power cut can lose it, and HCP Terraform's run then fails closed on the
// task's timeout.
//
// The requests not yet moved are also kept in memory, in order, so the mover
// never reads the file; it is read only when a process starts, to recover
// what a previous one accepted and did not move. Once everything written has
// been moved, the file is cut back to its header. The file is locked: the
// embedded default is one process (several replicas share PostgreSQL).
type inboxLog struct {
	path string
	f    *os.File

	// mu is held for a whole write, so the mover never cuts the file under
	// one (a write is tens of microseconds).
	mu    sync.Mutex
	size  int64       // end of the last complete write
	queue []inboxItem // written, not yet moved, oldest first
	ids   map[string]struct{}
	buf   []byte
}

// inboxLogHeader starts every inbox log; a format change gets a new version.
var inboxLogHeader = []byte("prodgate inbox log v1\n")

// Each record is its payload's length and CRC-32C (little endian, 4 bytes
// each), then the payload: seven uvarint-length-prefixed fields (the task's
// id, run, organization, workspace, project and stage as text, then the
// sealed request's bytes) and the time it was received (varint, Unix
// milliseconds).
const (
	inboxRecordHead   = 8
	inboxRecordMaxLen = 64 << 20 // far above any request (1 MiB by default, sealed)
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// openInboxLog opens (creating it if needed) and locks the log at path, and
// recovers the requests it holds. A tail that is not a whole, intact record
// (a write cut short by a crash, never acknowledged; or damage) is saved to
// a file beside it and cut off, with a warning.
func openInboxLog(path string, log *zap.Logger) (*inboxLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open inbox %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("inbox %s is in use by another process (the embedded SQLite default serves one prodgate process; several replicas share a PostgreSQL database): %w", path, err)
	}
	l := &inboxLog{path: path, f: f, ids: map[string]struct{}{}}
	if err := l.recover(log); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

func (l *inboxLog) recover(log *zap.Logger) error {
	data, err := os.ReadFile(l.path)
	if err != nil {
		return fmt.Errorf("read inbox %s: %w", l.path, err)
	}
	if len(data) == 0 {
		if _, err := l.f.WriteAt(inboxLogHeader, 0); err != nil {
			return fmt.Errorf("write inbox %s: %w", l.path, err)
		}
		l.size = int64(len(inboxLogHeader))
		return nil
	}
	if !bytes.HasPrefix(data, inboxLogHeader) {
		return fmt.Errorf("%s is not a prodgate inbox log (or one of a newer version): it does not start with %q; move it away, or give --database-url another path", l.path, inboxLogHeader)
	}
	items, end := parseInboxLog(data)
	for _, it := range items {
		l.enqueue(it)
	}
	if tail := data[end:]; len(tail) > 0 {
		if bytes.ContainsFunc(tail, func(r rune) bool { return r != 0 }) {
			aside := fmt.Sprintf("%s.damaged-%d", l.path, time.Now().UnixNano())
			if err := os.WriteFile(aside, tail, 0o600); err != nil {
				return fmt.Errorf("inbox %s: keep its unreadable last %d bytes: %w", l.path, len(tail), err)
			}
			log.Warn("the inbox ends in bytes that are not a whole request (a write cut short by a crash, never answered 200; or damage): kept aside and cut off",
				zap.String("inbox", l.path), zap.Int64("offset", int64(end)), zap.Int("bytes", len(tail)), zap.String("kept_in", aside))
		}
		if err := l.f.Truncate(int64(end)); err != nil {
			return fmt.Errorf("inbox %s: cut off its unreadable tail: %w", l.path, err)
		}
	}
	l.size = int64(end)
	if len(items) > 0 {
		log.Info("requests a previous process accepted are in the inbox; moving them to the queue", zap.String("inbox", l.path), zap.Int("requests", len(l.queue)))
	}
	return nil
}

// parseInboxLog reads the records of a whole log (header included) and
// returns them and where the intact part ends.
func parseInboxLog(data []byte) ([]inboxItem, int) {
	var items []inboxItem
	off := len(inboxLogHeader)
	for len(data)-off >= inboxRecordHead {
		n := binary.LittleEndian.Uint32(data[off:])
		sum := binary.LittleEndian.Uint32(data[off+4:])
		if n > inboxRecordMaxLen || uint64(len(data)-off-inboxRecordHead) < uint64(n) {
			break
		}
		payload := data[off+inboxRecordHead : off+inboxRecordHead+int(n)]
		if crc32.Checksum(payload, castagnoli) != sum {
			break
		}
		it, ok := decodeInboxRecord(payload)
		if !ok {
			break
		}
		items = append(items, it)
		off += inboxRecordHead + int(n)
	}
	return items, off
}

func appendInboxRecord(buf []byte, it inboxItem) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, inboxRecordHead)...)
	t := it.task
	for _, s := range [...]string{t.TaskResultID, t.RunID, t.Organization, t.Workspace, t.Project, t.Stage} {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	buf = binary.AppendUvarint(buf, uint64(len(it.sealed)))
	buf = append(buf, it.sealed...)
	buf = binary.AppendVarint(buf, t.ReceivedAt.UnixMilli())
	payload := buf[start+inboxRecordHead:]
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, castagnoli))
	return buf
}

func decodeInboxRecord(p []byte) (inboxItem, bool) {
	var fields [7][]byte
	for i := range fields {
		n, k := binary.Uvarint(p)
		if k <= 0 || uint64(len(p)-k) < n {
			return inboxItem{}, false
		}
		fields[i] = p[k : k+int(n) : k+int(n)]
		p = p[k+int(n):]
	}
	ms, k := binary.Varint(p)
	if k <= 0 || k != len(p) || len(fields[0]) == 0 {
		return inboxItem{}, false
	}
	return normalizedInboxItem(Task{TaskResultID: string(fields[0]), RunID: string(fields[1]), Organization: string(fields[2]),
		Workspace: string(fields[3]), Project: string(fields[4]), Stage: string(fields[5]), ReceivedAt: time.UnixMilli(ms)}, bytes.Clone(fields[6])), true
}

// normalizedInboxItem is the item as the mover sees it whether it was kept
// in memory or read back from the file: times to the millisecond, in UTC.
func normalizedInboxItem(t Task, sealed []byte) inboxItem {
	t.ReceivedAt = time.UnixMilli(t.ReceivedAt.UnixMilli()).UTC()
	return inboxItem{task: t, sealed: sealed}
}

func (l *inboxLog) enqueue(it inboxItem) {
	if _, dup := l.ids[it.task.TaskResultID]; dup {
		return
	}
	l.ids[it.task.TaskResultID] = struct{}{}
	l.queue = append(l.queue, it)
}

// put appends items in one write; a request already waiting in the inbox (a
// duplicate delivery) is left as it is.
func (l *inboxLog) put(_ context.Context, items []inboxItem) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("the inbox is closed")
	}
	fresh := make([]inboxItem, 0, len(items))
	buf := l.buf[:0]
	for _, it := range items {
		if _, dup := l.ids[it.task.TaskResultID]; dup || containsTask(fresh, it.task.TaskResultID) {
			continue
		}
		it = normalizedInboxItem(it.task, it.sealed)
		fresh = append(fresh, it)
		buf = appendInboxRecord(buf, it)
	}
	l.buf = buf
	if len(fresh) == 0 {
		return nil
	}
	// At the end of the last complete write, not O_APPEND: a write cut short
	// (disk full) leaves bytes that the next write covers, never a hole in
	// the middle of the log.
	if _, err := l.f.WriteAt(buf, l.size); err != nil {
		return fmt.Errorf("store %d requests in the inbox %s: %w", len(fresh), l.path, err)
	}
	l.size += int64(len(buf))
	for _, it := range fresh {
		l.enqueue(it)
	}
	if cap(l.buf) > 1<<20 {
		l.buf = nil // a burst of large requests need not stay allocated
	}
	return nil
}

// containsTask is a linear scan: duplicates within one batch are rare and
// batches are small.
func containsTask(items []inboxItem, id string) bool {
	for _, it := range items {
		if it.task.TaskResultID == id {
			return true
		}
	}
	return false
}

// take returns up to limit of the oldest requests not yet moved.
func (l *inboxLog) take(_ context.Context, limit int) ([]inboxItem, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := min(limit, len(l.queue))
	return append([]inboxItem(nil), l.queue[:n]...), nil
}

// remove forgets the requests the last take returned, now moved, and cuts
// the file back to its header once nothing in it waits any more.
func (l *inboxLog) remove(_ context.Context, moved []inboxItem) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(moved) > len(l.queue) || (len(moved) > 0 && l.queue[len(moved)-1].task.TaskResultID != moved[len(moved)-1].task.TaskResultID) {
		return fmt.Errorf("inbox %s: removing requests that are not the oldest ones", l.path)
	}
	for _, it := range l.queue[:len(moved)] {
		delete(l.ids, it.task.TaskResultID)
	}
	clear(l.queue[:len(moved)])
	l.queue = l.queue[len(moved):]
	if len(l.queue) > 0 || l.size == int64(len(inboxLogHeader)) {
		return nil
	}
	l.queue = nil
	if err := l.f.Truncate(int64(len(inboxLogHeader))); err != nil {
		// The moved requests stay in the file; a later process moves them
		// again, which is harmless. The next remove tries again.
		return fmt.Errorf("cut back the inbox %s: %w", l.path, err)
	}
	l.size = int64(len(inboxLogHeader))
	return nil
}

// count says how many requests wait to be moved.
func (l *inboxLog) count(context.Context) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue), nil
}

func (l *inboxLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
}
