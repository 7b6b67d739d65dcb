package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// executableRSS sums the resident kilobytes of the read-only mappings of the
// running executable, and of its writable ones.
func executableRSS(t *testing.T) (readOnly, writable int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	var into *int
	for line := range bytes.Lines(smaps) {
		f := strings.Fields(string(line))
		if len(f) >= 5 && strings.Contains(f[0], "-") {
			into = nil
			if len(f) == 6 && f[5] == exe {
				into = &writable
				if !strings.Contains(f[1], "w") {
					into = &readOnly
				}
			}
			continue
		}
		if into != nil && len(f) >= 2 && f[0] == "Rss:" {
			kb, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("smaps line %q: %v", line, err)
			}
			*into += kb
		}
	}
	return readOnly, writable
}

func TestDropExecutablePages(t *testing.T) {
	roBefore, rwBefore := executableRSS(t)
	if roBefore < 1024 {
		t.Fatalf("the test binary's read-only mappings hold %d KiB before; want the pages its initialisation touched (MiBs)", roBefore)
	}
	if n := dropExecutablePages(); n == 0 {
		t.Fatal("dropExecutablePages dropped no mapping of the executable")
	}
	roAfter, rwAfter := executableRSS(t)
	t.Logf("read-only: %d -> %d KiB resident; writable: %d -> %d KiB", roBefore, roAfter, rwBefore, rwAfter)
	if roAfter > roBefore/2 {
		t.Errorf("read-only mappings hold %d KiB after the drop, %d before; want under half", roAfter, roBefore)
	}
	// Written data stays: the writable mappings were left alone, and values
	// built at initialisation still work.
	if rwAfter < rwBefore*9/10 {
		t.Errorf("writable mappings went from %d to %d KiB resident: they must not be dropped", rwBefore, rwAfter)
	}
	for i, v := range writtenAtInit {
		if v != i*i {
			t.Fatalf("writtenAtInit[%d] = %d after the drop; want %d", i, v, i*i)
		}
	}
}

// writtenAtInit is data the program wrote while initialising (in the
// executable's writable mappings), which the drop must leave alone.
var writtenAtInit = func() (squares [4096]int) {
	for i := range squares {
		squares[i] = i * i
	}
	return squares
}()
