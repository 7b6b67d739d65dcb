//go:build !linux

package main

// dropExecutablePages is Linux's only (exepages_linux.go): elsewhere there
// is no /proc/self/smaps to find the executable's mappings in.
func dropExecutablePages() (dropped int) { return 0 }
