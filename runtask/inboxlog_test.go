package runtask

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func inboxTestItems(prefix string, n int) []inboxItem {
	at := time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.Local)
	items := make([]inboxItem, n)
	for i := range items {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		items[i] = inboxItem{
			task:   Task{TaskResultID: id, RunID: "run-" + id, Organization: "org", Workspace: "ws-é", Project: "Default Project", Stage: "post_plan", ReceivedAt: at},
			sealed: []byte(strings.Repeat("s", i*100) + id),
		}
	}
	return items
}

func openTestInboxLog(t *testing.T, path string) *inboxLog {
	t.Helper()
	l, err := openInboxLog(path, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.close)
	return l
}

func inboxIDs(items []inboxItem) []string {
	var ids []string
	for _, it := range items {
		ids = append(ids, it.task.TaskResultID)
	}
	return ids
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestInboxLogRecoversWhatWasNotMoved: what one process accepted and did
// not move is what the next process finds, field for field, in order, once
// each; so are requests it moved while others still waited (the file is cut
// back only when nothing waits; moving again is harmless). Once everything
// is moved the file is back to its header.
func TestInboxLogRecoversWhatWasNotMoved(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "prodgate.db-inbox.log")
	l, err := openInboxLog(path, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	items := inboxTestItems("task", 5)
	if err := l.put(ctx, items[:3]); err != nil {
		t.Fatal(err)
	}
	// A duplicate delivery, in a batch and within the batch itself.
	if err := l.put(ctx, []inboxItem{items[1], items[3], items[3], items[4]}); err != nil {
		t.Fatal(err)
	}
	taken, err := l.take(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.remove(ctx, taken); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.count(ctx); n != 3 {
		t.Fatalf("count = %d, want 3", n)
	}
	l.close() // a crash: two requests moved, three not

	l = openTestInboxLog(t, path)
	if n, _ := l.count(ctx); n != 5 {
		t.Fatalf("count after restart = %d, want 5", n)
	}
	got, _ := l.take(ctx, 10)
	want := make([]inboxItem, 0, 5)
	for _, it := range items {
		want = append(want, normalizedInboxItem(it.task, it.sealed))
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(inboxItem{})); diff != "" {
		t.Fatalf("recovered requests (-want +got):\n%s", diff)
	}
	if got[0].task.ReceivedAt.Nanosecond() != 123000000 || got[0].task.ReceivedAt.Location() != time.UTC {
		t.Errorf("received_at = %v, want milliseconds in UTC", got[0].task.ReceivedAt)
	}
	if err := l.remove(ctx, got); err != nil {
		t.Fatal(err)
	}
	if size := fileSize(t, path); size != int64(len(inboxLogHeader)) {
		t.Errorf("inbox file is %d bytes once everything moved, want the %d-byte header", size, len(inboxLogHeader))
	}
	if err := l.remove(ctx, items[:1]); err == nil {
		t.Error("removing requests that were not taken: no error")
	}
}

// TestInboxLogKeepsAsideAnUnreadableTail: a write cut short by a crash (or
// damage) is cut off at start, and every byte of it is kept in a file beside
// the inbox; a zero-filled tail is cut off silently.
func TestInboxLogKeepsAsideAnUnreadableTail(t *testing.T) {
	ctx := context.Background()
	items := inboxTestItems("task", 4)
	whole := appendInboxRecord(nil, normalizedInboxItem(items[2].task, items[2].sealed))
	for _, tc := range []struct {
		name      string
		tail      []byte
		wantAside bool
	}{
		{"a torn record", whole[:len(whole)-3], true},
		{"a record with a wrong checksum, then a good one", append(append(append([]byte(nil), whole[:10]...), 'X'), whole[11:]...), true},
		{"a length beyond the end", []byte{0xff, 0xff, 0xff, 0x00, 1, 2, 3, 4, 5}, true},
		{"zeros", make([]byte, 4096), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "prodgate.db-inbox.log")
			l, err := openInboxLog(path, zap.NewNop())
			if err != nil {
				t.Fatal(err)
			}
			if err := l.put(ctx, items[:2]); err != nil {
				t.Fatal(err)
			}
			l.close()
			good := fileSize(t, path)
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			tail := tc.tail
			if tc.name == "a record with a wrong checksum, then a good one" {
				tail = append(tail, appendInboxRecord(nil, normalizedInboxItem(items[3].task, items[3].sealed))...)
			}
			if _, err := f.Write(tail); err != nil {
				t.Fatal(err)
			}
			f.Close()

			core, logs := observer.New(zapcore.InfoLevel)
			l, err = openInboxLog(path, zap.New(core))
			if err != nil {
				t.Fatal(err)
			}
			defer l.close()
			if n, _ := l.count(ctx); n != 2 {
				t.Errorf("count = %d, want the 2 whole requests", n)
			}
			if size := fileSize(t, path); size != good {
				t.Errorf("file is %d bytes after recovery, want %d", size, good)
			}
			aside, _ := filepath.Glob(path + ".damaged-*")
			if !tc.wantAside {
				if len(aside) != 0 || logs.FilterMessageSnippet("kept aside").Len() != 0 {
					t.Errorf("zeros were kept aside: %v", aside)
				}
				return
			}
			if len(aside) != 1 {
				t.Fatalf("files kept aside: %v, want one", aside)
			}
			kept, _ := os.ReadFile(aside[0])
			if string(kept) != string(tail) {
				t.Errorf("kept %d bytes, want the %d of the tail", len(kept), len(tail))
			}
			if logs.FilterMessageSnippet("kept aside").FilterField(zap.String("kept_in", aside[0])).Len() != 1 {
				t.Errorf("no warning naming %s: %v", aside[0], logs.All())
			}
			// What comes next is written after the good part.
			if err := l.put(ctx, items[3:]); err != nil {
				t.Fatal(err)
			}
			l.close()
			l = openTestInboxLog(t, path)
			if got, _ := l.take(ctx, 10); !cmp.Equal(inboxIDs(got), []string{"task-000", "task-001", "task-003"}) {
				t.Errorf("after a new write: %v", inboxIDs(got))
			}
		})
	}
}

func TestInboxLogRefusesASecondProcessAndForeignFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prodgate.db-inbox.log")
	openTestInboxLog(t, path)
	if _, err := openInboxLog(path, zap.NewNop()); err == nil || !strings.Contains(err.Error(), "in use by another process") || !strings.Contains(err.Error(), path) {
		t.Errorf("second open: %v, want an error naming the file and saying it is in use", err)
	}
	foreign := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(foreign, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openInboxLog(foreign, zap.NewNop()); err == nil || !strings.Contains(err.Error(), "not a prodgate inbox log") || !strings.Contains(err.Error(), foreign) {
		t.Errorf("foreign file: %v", err)
	}
	if data, _ := os.ReadFile(foreign); string(data) != "hello\n" {
		t.Errorf("foreign file changed to %q", data)
	}
}

// FuzzParseInboxLog: whatever follows the header, reading the log never
// fails or reads past its end, it ends where the records it returns end (so
// nothing after a damaged record is taken for a request), and those records
// written again read back the same.
func FuzzParseInboxLog(f *testing.F) {
	var whole []byte
	for _, it := range inboxTestItems("seed", 3) {
		whole = appendInboxRecord(whole, normalizedInboxItem(it.task, it.sealed))
	}
	f.Add(whole)
	f.Add(whole[:len(whole)-1])
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, records []byte) {
		data := append(append([]byte(nil), inboxLogHeader...), records...)
		items, end := parseInboxLog(data)
		if end < len(inboxLogHeader) || end > len(data) {
			t.Fatalf("end %d outside the log (%d bytes)", end, len(data))
		}
		off := len(inboxLogHeader)
		for range items {
			off += inboxRecordHead + int(binary.LittleEndian.Uint32(data[off:]))
		}
		if off != end {
			t.Fatalf("%d records end at %d, the read stopped at %d", len(items), off, end)
		}
		again := append([]byte(nil), inboxLogHeader...)
		for _, it := range items {
			again = appendInboxRecord(again, it)
		}
		reread, _ := parseInboxLog(again)
		if diff := cmp.Diff(items, reread, cmp.AllowUnexported(inboxItem{}), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("records written again read back differently:\n%s", diff)
		}
	})
}

// BenchmarkInboxLogPut is the inbox write behind a batch of POSTs (compare
// the SQLite inbox it replaced: ~25 µs a request, half in system calls).
func BenchmarkInboxLogPut(b *testing.B) {
	sealed := bytes.Repeat([]byte{0xa5}, 3400) // a typical sealed request
	for _, n := range []int{1, 16, 200} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			l, err := openInboxLog(filepath.Join(b.TempDir(), "prodgate.db-inbox.log"), zap.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			defer l.close()
			ctx := context.Background()
			items := make([]inboxItem, n)
			k := 0
			for b.Loop() {
				for i := range items {
					k++
					items[i] = inboxItem{task: Task{TaskResultID: fmt.Sprintf("taskrs-%016d", k), RunID: "run-abcdefabcdefabcd",
						Organization: "org", Workspace: "ws", Project: "Default Project", Stage: "post_plan", ReceivedAt: time.Now()}, sealed: sealed}
				}
				if err := l.put(ctx, items); err != nil {
					b.Fatal(err)
				}
				// The mover's part, so the file and the queue stay small.
				taken, _ := l.take(ctx, n)
				if err := l.remove(ctx, taken); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/request")
		})
	}
}
