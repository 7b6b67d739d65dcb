//go:build !unix

package main

import "os"

// loadFile reads the whole file; mapping is used on Unix only.
func loadFile(path string) (data []byte, release func(start, end int), err error) {
	data, err = os.ReadFile(path)
	return data, nil, err
}
