package evaluator_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// FuzzJudgePlan reads arbitrary bytes as a plan and judges what it accepts
// with the whole built-in standard, as `prodgate check` does. A refusal must
// be an *InputError (exit 2, task failed); an accepted plan must get a
// verdict with no rule panicking on its values (the engine turns a panic into
// an "internal error" failure, which would still be a bug), and an errored
// plan must never pass. Seeds are the repository's own plans only: a crasher
// grown from a corpus file would carry that file's bytes into testdata/fuzz.
func FuzzJudgePlan(f *testing.F) {
	for _, pattern := range []string{"../testdata/plans/*.json", "../examples/plans/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(`{"format_version":"1.2","errored":true,"planned_values":{}}`))
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"address":"aws_db_instance.x","type":"aws_db_instance","name":"x","change":{"actions":["delete","create"],` +
		`"before":{"deletion_protection":true,"backup_retention_period":[7]},"after":{"deletion_protection":"false","backup_retention_period":1e400,"tags":null},` +
		`"after_unknown":{"tags":[true]},"after_sensitive":{"deletion_protection":true},"replace_paths":[["engine"],[0,"a"]]}}]}`))
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), today)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		plan, err := tfplan.ParsePlan(data)
		if err != nil {
			var ie *tfplan.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("refusal is %T, not an *InputError: %v", err, err)
			}
			return
		}
		rep := engine.Evaluate(plan, evaluator.RunContext{}, today)
		switch rep.Verdict {
		case evaluator.VerdictPassed:
			if plan.Errored {
				t.Fatal("an errored plan passed")
			}
		case evaluator.VerdictFailed:
		default:
			t.Fatalf("verdict %q", rep.Verdict)
		}
		for _, f := range rep.Findings {
			if strings.Contains(f.Message, "internal error") {
				t.Fatalf("%s on %s: %s", f.RuleID, f.Address, f.Message)
			}
		}
	})
}
