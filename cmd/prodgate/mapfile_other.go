//go:build !unix

package main

import "os"

// loadOpenFile reads an open file to the end.
func loadOpenFile(f *os.File) (data []byte, release func(start, end int), err error) {
	size := 0
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = int(st.Size())
	}
	data, err = readAll(f, size)
	return data, nil, err
}
