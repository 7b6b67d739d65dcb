package rules_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/corpus-counts.golden")

// corpusDir finds ../shared/corpus/plans beside the repository (or
// $PRODGATE_CORPUS). The corpus is read in place, never copied into the repo.
func corpusDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("PRODGATE_CORPUS"); dir != "" {
		return dir
	}
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "plans")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("plan corpus not found at %s (it lives in ../shared beside the repository; set PRODGATE_CORPUS to point at it): %v", dir, err)
	}
	return dir
}

// refusedOnPurpose lists corpus files that are broken by design, with the words
// the refusal must contain so the user knows what to fix.
var refusedOnPurpose = map[string]string{
	"jond3k-tfplan-validator/invalid-actions.json": "unknown action",
}

// TestCorpus loads and evaluates every real plan in the corpus with the full
// built-in standard: no file may error, except those broken on purpose, which
// must be refused with a clear message.
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no plan files under %s", dir)
	}
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	perRule := map[string]map[evaluator.Status]int{}
	for _, file := range files {
		rel, _ := filepath.Rel(dir, file)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := tfplan.ParsePlan(data)
			if want, broken := refusedOnPurpose[rel]; broken {
				var ie *tfplan.InputError
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), want) {
					t.Fatalf("want refusal mentioning %q, got %v", want, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			rep := engine.Evaluate(plan, evaluator.RunContext{}, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
			if rep.Verdict != evaluator.VerdictPassed && rep.Verdict != evaluator.VerdictFailed {
				t.Fatalf("verdict %q", rep.Verdict)
			}
			if plan.Errored && rep.Verdict != evaluator.VerdictFailed {
				t.Errorf("errored plan passed")
			}
			for _, f := range rep.Findings {
				if f.Status == evaluator.StatusFail && strings.Contains(f.Message, "internal error") {
					t.Errorf("%s: %s", f.RuleID, f.Message)
				}
				if perRule[f.RuleID] == nil {
					perRule[f.RuleID] = map[evaluator.Status]int{}
				}
				perRule[f.RuleID][f.Status]++
			}
		})
	}
	ids := make([]string, 0, len(perRule))
	for id := range perRule {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		c := perRule[id]
		fmt.Fprintf(&b, "\n  %-36s fail %3d  unknown %3d  warn %3d  pass %3d", id, c[evaluator.StatusFail], c[evaluator.StatusUnknown], c[evaluator.StatusWarn], c[evaluator.StatusPass])
	}
	t.Logf("findings per rule over %d corpus plans:%s", len(files), b.String())

	// The counts are a golden file: a change in what the standard finds in
	// real plans must be looked at, not slip through (a lost drift warning
	// once did). Refresh with: go test ./evaluator/rules -run TestCorpus -update-corpus
	got := fmt.Sprintf("# findings per rule over %d plans in ../shared/corpus/plans (fail unknown warn pass)%s\n", len(files), b.String())
	corpusGolden(t, "corpus-counts.golden", got, "findings over the corpus changed")
}

// corpusGolden compares got with testdata/<name>, or rewrites it with
// -update-corpus; what names the change in the failure message.
func corpusGolden(t *testing.T, name, got, what string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *updateCorpus {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read %s (create it with -update-corpus): %v", golden, err)
	}
	if string(want) != got {
		t.Errorf("%s; check them, then refresh with -update-corpus.\nwant:\n%s\ngot:\n%s", what, want, got)
	}
}
