//go:build !checkonly

package main

// serveHeapFloor is the heap the service's collector waits for. Idle, the
// service holds ~10 MiB; with the default GOGC of 100 a burst of run-task
// POSTs then collected every ~10 MiB allocated, and collection took ~15 % of
// the burst's CPU.
const serveHeapFloor = 64 << 20
