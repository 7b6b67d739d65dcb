//go:build !unix

package main

import "os"

// loadFile reads the whole file; mapping is used on Unix only.
func loadFile(path string) (data []byte, release func(start, end int), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return loadOpenFile(f)
}

// loadOpenFile reads an open file to the end.
func loadOpenFile(f *os.File) (data []byte, release func(start, end int), err error) {
	size := 0
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = int(st.Size())
	}
	data, err = readAll(f, size)
	return data, nil, err
}
