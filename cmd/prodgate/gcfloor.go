package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// holdHeapFloor keeps the collector from running before the heap reaches
// floor bytes, without changing how larger heaps are paced: after every
// collection it sets GOGC so that the next one comes at the larger of floor
// and twice the live heap (GOGC 100). GOMEMLIMIT, if set, still caps the
// heap. It returns a function that stops it and restores GOGC 100.
//
// A ballast (a large untouched allocation) would do the same by inflating
// the live heap; this keeps the collector's own numbers true.
func holdHeapFloor(floor uint64) (stop func()) {
	var stopped atomic.Bool
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var tune func(*gcCycleSentinel)
	tune = func(*gcCycleSentinel) {
		if stopped.Load() {
			return
		}
		debug.SetGCPercent(gcPercentForFloor(floor, readLive(live)))
		// The sentinel is garbage again at the next collection, which runs
		// its finalizer: one adjustment per cycle.
		runtime.SetFinalizer(&gcCycleSentinel{}, tune)
	}
	debug.SetGCPercent(gcPercentForFloor(floor, readLive(live)))
	runtime.SetFinalizer(&gcCycleSentinel{}, tune)
	return func() {
		stopped.Store(true)
		debug.SetGCPercent(100)
	}
}

// gcCycleSentinel is large enough not to be batched with other tiny
// objects, whose finalizers may then not run.
type gcCycleSentinel struct{ _ [32]byte }

func readLive(s []metrics.Sample) uint64 {
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// gcPercentForFloor is the GOGC whose next collection comes at floor bytes
// for a live heap of live bytes, and never less than the default 100.
func gcPercentForFloor(floor, live uint64) int {
	if live == 0 {
		live = 4 << 20 // before the first collection: the runtime's own minimum
	}
	if 2*live >= floor {
		return 100
	}
	return int(floor*100/live) - 100
}
