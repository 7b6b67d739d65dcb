package main

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercentForFloor(t *testing.T) {
	for _, tc := range []struct {
		floor, live uint64
		want        int
	}{
		{64 << 20, 8 << 20, 700},   // next collection at 64 MiB
		{64 << 20, 16 << 20, 300},  // at 64 MiB
		{64 << 20, 32 << 20, 100},  // 2x live reaches the floor: default pacing
		{64 << 20, 500 << 20, 100}, // large heaps are paced as always
		{64 << 20, 0, 1500},        // before any collection: the runtime's 4 MiB
	} {
		if got := gcPercentForFloor(tc.floor, tc.live); got != tc.want {
			t.Errorf("gcPercentForFloor(%d MiB, %d MiB) = %d, want %d", tc.floor>>20, tc.live>>20, got, tc.want)
		}
	}
}

// gcTestSink makes the test's garbage escape to the heap.
var gcTestSink []byte

// TestHoldHeapFloor: with the floor held, allocating garbage well below it
// runs (almost) no collection; with a large live heap the collector is back
// at GOGC 100 after its next cycle.
func TestHoldHeapFloor(t *testing.T) {
	gogc := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	runtime.GC()
	stop := holdHeapFloor(256 << 20)
	defer stop()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	before := stats.NumGC
	for range 100 << 20 >> 12 { // 100 MiB of 4 KiB garbage
		gcTestSink = make([]byte, 4<<10)
	}
	runtime.ReadMemStats(&stats)
	if n := stats.NumGC - before; n > 1 {
		t.Errorf("%d collections for 100 MiB of garbage under a 256 MiB floor", n)
	}
	if p := gogc(); p <= 100 {
		t.Errorf("GOGC = %d with a small live heap, want it raised", p)
	}

	live := make([][]byte, 0, 200)
	for range 200 {
		live = append(live, make([]byte, 1<<20))
	}
	deadline := time.Now().Add(5 * time.Second)
	for gogc() != 100 && time.Now().Before(deadline) {
		runtime.GC() // the adjustment runs in a finalizer after a cycle
		time.Sleep(10 * time.Millisecond)
	}
	if p := gogc(); p != 100 {
		t.Errorf("GOGC = %d with 200 MiB live, want 100", p)
	}
	runtime.KeepAlive(live)
}
