package evaluator

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
)

// TestSortFindingsIsAStableSort compares the in-place permutation sort with
// the standard library's stable sort on random findings with many ties.
func TestSortFindingsIsAStableSort(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for round := 0; round < 200; round++ {
		fs := make([]Finding, rng.Intn(60))
		for i := range fs {
			fs[i] = Finding{
				RuleID:   fmt.Sprintf("rule-%d", rng.Intn(3)),
				Address:  fmt.Sprintf("aws_db_instance.db%d", rng.Intn(4)),
				Status:   []Status{StatusFail, StatusPass, StatusUnknown, StatusWarn}[rng.Intn(4)],
				Severity: Severity(rng.Intn(3)),
				Blocking: rng.Intn(2) == 0,
				Message:  fmt.Sprintf("finding %d", i), // tells ties apart after sorting
			}
			if rng.Intn(2) == 0 {
				fs[i].Message = "same message"
			}
			fs[i].Note = fmt.Sprint(i) // the original position, to check stability
		}
		want := slices.Clone(fs)
		slices.SortStableFunc(want, CompareFindings)
		sortFindings(fs)
		if !slices.EqualFunc(fs, want, func(a, b Finding) bool { return a.Message == b.Message && a.Note == b.Note }) {
			t.Fatalf("round %d: sortFindings differs from a stable sort", round)
		}
	}
}
