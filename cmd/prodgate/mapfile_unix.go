//go:build unix

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// loadOpenFile returns the bytes of an open file. A large regular file is
// mapped read-only; release drops pages of a byte range the parser or the
// evaluation is done with from resident memory (the kernel reads them back
// from the file if a rule looks at them again). Anything else (a pipe, a
// small file) is read.
func loadOpenFile(f *os.File) (data []byte, release func(start, end int), err error) {
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() || st.Size() < mapThreshold || st.Size() > 1<<40 {
		size := 0
		if st.Mode().IsRegular() {
			size = int(st.Size())
		}
		data, err := readAll(f, size)
		return data, nil, err
	}
	data, err = unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil, fmt.Errorf("map %s: %w", f.Name(), err)
	}
	// The mapping lives until the process exits: the plan keeps references into it.
	page := os.Getpagesize()
	release = func(start, end int) {
		// Only whole pages inside the range: a page at either edge may hold
		// bytes the plan keeps.
		start = (start + page - 1) / page * page
		end = end / page * page
		if start < end {
			_ = unix.Madvise(data[start:end], unix.MADV_DONTNEED)
		}
	}
	return data, release, nil
}
