//go:build unix

package runtask

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive lock on f for as long as f is open, failing at
// once if another process holds it.
func lockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
}
