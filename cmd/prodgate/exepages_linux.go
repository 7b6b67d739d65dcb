package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// dropExecutablePages takes this process's own executable's read-only pages
// (code and read-only data) out of its resident set, before a large plan is
// read. The kernel maps 16 neighbouring pages, or a whole large folio, on
// every fault in a file mapping, so the initialisation of the full build's
// ~240 packages, scattered over its 18 MB of code and 20 MB of read-only
// data, leaves ~22 MiB of the binary resident (the check-only build, 13 MiB)
// of which `check` later needs a few MiB. Dropping the mappings costs nothing
// but the refaults of what check still runs: the pages stay in the page
// cache, so this lowers what the process holds (its peak RSS, what OOM
// scoring and `time -v` count), not the memory the machine spends on the
// binary. Measured on the 20k plans (5 alternating turns): peak RSS 65 -> 51
// MB generated, 111 -> 97 MB real, CPU time unchanged within noise.
//
// Only mappings of the executable file that are read-only and hold no
// anonymous (copy-on-write) pages are dropped: a page written after it was
// mapped (a dynamic loader's relocations) would come back from the file
// without the writes.
func dropExecutablePages() (dropped int) {
	exe, err := os.Executable()
	if err != nil {
		return 0
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0
	}
	var start, end uintptr
	candidate := false
	flush := func() {
		if candidate {
			if _, _, errno := unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_DONTNEED); errno == 0 {
				dropped++
			}
		}
		candidate = false
	}
	for line := range bytes.Lines(smaps) {
		f := strings.Fields(string(line))
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-"): // a mapping's header
			flush()
			lo, hi, _ := strings.Cut(f[0], "-")
			s, err1 := strconv.ParseUint(lo, 16, 64)
			e, err2 := strconv.ParseUint(hi, 16, 64)
			// A path with spaces, or "(deleted)", is not the executable's.
			candidate = err1 == nil && err2 == nil && len(f) == 6 && f[5] == exe && (f[1] == "r-xp" || f[1] == "r--p")
			start, end = uintptr(s), uintptr(e)
		case len(f) >= 2 && f[0] == "Anonymous:" && f[1] != "0":
			candidate = false
		}
	}
	flush()
	return dropped
}
