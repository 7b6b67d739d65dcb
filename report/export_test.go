package report

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// Test helpers shared with the external test package (report_test), whose
// end-to-end tests need report/source, which imports report.

// Golden compares got with testdata/<name>.golden, or rewrites it with -update.
func Golden(t *testing.T, name string, got []byte) { t.Helper(); golden(t, name, got) }

// judgeablePlans parses every plan the repository and the shared corpus
// hold, leaving out those refused on purpose (covered elsewhere), and calls
// fn with each.
func judgeablePlans(t *testing.T, fn func(file string, plan *tfplan.Plan)) {
	t.Helper()
	for _, pattern := range []string{"../examples/plans/*.json", "../testdata/plans/*.json", "../../shared/corpus/plans/*/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if plan, err := tfplan.ParsePlan(data); err == nil {
				fn(file, plan)
			}
		}
	}
}

// JudgeablePlans is judgeablePlans for report_test.
var JudgeablePlans = judgeablePlans

// HTMLListedApartRules are the rules whose findings the HTML page lists in
// sections of their own (destroys, drift).
func HTMLListedApartRules() []string {
	var ids []string
	for id := range destroyRules {
		ids = append(ids, id)
	}
	for id := range driftRules {
		ids = append(ids, id)
	}
	return ids
}
