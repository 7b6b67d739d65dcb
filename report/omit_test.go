package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// TestOmittedPassesRenderTheSame: a report whose passing findings were not
// kept (evaluator.Options.OmitPasses) renders exactly as the full report
// does in every format that does not list passes.
func TestOmittedPassesRenderTheSame(t *testing.T) {
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	omittedSome := false
	judgeablePlans(t, func(file string, plan *tfplan.Plan) {
		now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
		full := engine.Evaluate(plan, evaluator.RunContext{}, now)
		lean := engine.EvaluateWith(plan, evaluator.RunContext{}, now, evaluator.Options{OmitPasses: true})
		if lean.OmittedPasses > 0 {
			omittedSome = true
		}
		if full.Counts != lean.Counts || full.Verdict != lean.Verdict {
			t.Fatalf("%s: counts %+v / %+v, verdict %s / %s", file, full.Counts, lean.Counts, full.Verdict, lean.Verdict)
		}
		full.Duration, lean.Duration = 0, 0
		for _, format := range []Format{FormatText, FormatAtlantis, FormatMarkdown} {
			var a, b bytes.Buffer
			ra, _ := New(format, &a, Options{})
			rb, _ := New(format, &b, Options{})
			if err := ra.Render(full); err != nil {
				t.Fatal(err)
			}
			if err := rb.Render(lean); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Fatalf("%s, %s: rendering differs without the passes\n--- all findings kept:\n%s\n--- passes omitted:\n%s", file, format, a.String(), b.String())
			}
		}
		if got, want := Message(lean), Message(full); got != want {
			t.Fatalf("%s: summary %q, want %q", file, got, want)
		}
	})
	if !omittedSome {
		t.Fatal("no plan had a passing finding to omit")
	}
}
