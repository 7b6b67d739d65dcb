//go:build !unix

package runtask

import "os"

// lockFile does nothing where flock(2) is missing: there, nothing stops a
// second process from sharing the embedded default's files.
func lockFile(*os.File) error { return nil }
