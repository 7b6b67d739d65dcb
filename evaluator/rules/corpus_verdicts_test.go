package rules_test

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// TestCorpusVerdicts is the standard's verdict over real plans: how many plans
// of ../shared/corpus/plans the built-in standard blocks, how many pass (and of
// those, how many with advisory findings), and which rules fire most, blocking
// and advisory. It is a golden file so that a change in how often the standard
// blocks real plans is looked at, not noticed by users. Refresh with:
//
//	go test ./evaluator/rules -run TestCorpusVerdicts -update-corpus
func TestCorpusVerdicts(t *testing.T) {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), now)
	if err != nil {
		t.Fatal(err)
	}
	type tally struct{ findings, plans int }
	var refused, blocked, passedClean, passedAdvisory int
	blocking, advisory := map[string]*tally{}, map[string]*tally{}
	count := func(m map[string]*tally, id string, seen map[string]bool) {
		if m[id] == nil {
			m[id] = &tally{}
		}
		m[id].findings++
		if !seen[id] {
			seen[id] = true
			m[id].plans++
		}
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := tfplan.ParsePlan(data)
		if err != nil {
			refused++
			continue
		}
		rep := engine.Evaluate(plan, evaluator.RunContext{}, now)
		seenBlocking, seenAdvisory := map[string]bool{}, map[string]bool{}
		advisories := 0
		for _, f := range rep.Findings {
			switch {
			case f.Blocking:
				count(blocking, f.RuleID, seenBlocking)
			case f.Status == evaluator.StatusFail, f.Status == evaluator.StatusWarn, f.Status == evaluator.StatusUnknown:
				count(advisory, f.RuleID, seenAdvisory)
				advisories++
			}
		}
		switch {
		case rep.Verdict == evaluator.VerdictFailed:
			blocked++
		case advisories > 0:
			passedAdvisory++
		default:
			passedClean++
		}
	}
	top := func(m map[string]*tally) string {
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b string) int {
			return cmp.Or(cmp.Compare(m[b].findings, m[a].findings), cmp.Compare(m[b].plans, m[a].plans), strings.Compare(a, b))
		})
		var b strings.Builder
		for _, id := range ids[:min(5, len(ids))] {
			fmt.Fprintf(&b, "\n  %-44s %4d findings in %3d plans", id, m[id].findings, m[id].plans)
		}
		return b.String()
	}
	got := fmt.Sprintf("# the built-in standard over %d files in ../shared/corpus/plans\n"+
		"refused (not judged): %d\nblocked: %d\npassed with advisory findings: %d\npassed with none: %d\n"+
		"most frequent blocking findings:%s\nmost frequent advisory findings:%s\n",
		len(files), refused, blocked, passedAdvisory, passedClean, top(blocking), top(advisory))
	t.Log("\n" + got)

	corpusGolden(t, "corpus-verdicts.golden", got, "verdicts over the corpus changed")
}
