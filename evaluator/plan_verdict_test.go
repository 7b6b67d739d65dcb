package evaluator_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// TestPlansWithoutChangesArePlans: a plan with nothing to do is still a plan,
// judged and passed; the first two come from real terraform runs.
func TestPlansWithoutChangesArePlans(t *testing.T) {
	tests := []struct {
		name, file, input string
		resources         int
		outputs           []string
	}{
		{name: "a real plan whose resources are all no-op", file: "../testdata/plans/terraform-data-no-changes.json", resources: 3},
		{name: "a real plan with outputs and no resources", file: "../testdata/plans/terraform-outputs-only.json", outputs: []string{"region create", "token create sensitive"}},
		{name: "planned_values alone (an empty configuration)", input: `{"format_version":"1.2","planned_values":{"root_module":{}}}`},
		{name: "an empty resource_changes (format 0.1)", input: `{"format_version":"0.1","resource_changes":[]}`},
	}
	engine := compileWith(t, "version: 1\n")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.input)
			if tc.file != "" {
				var err error
				if data, err = os.ReadFile(tc.file); err != nil {
					t.Fatal(err)
				}
			}
			p, err := tfplan.ParsePlan(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Resources) != tc.resources {
				t.Errorf("%d resources, want %d", len(p.Resources), tc.resources)
			}
			var outputs []string
			for _, o := range p.Outputs {
				s := o.Name + " " + strings.Join(actionWords(o.Actions()), ",")
				if o.Sensitive() {
					s += " sensitive"
				}
				outputs = append(outputs, s)
			}
			if diff := cmp.Diff(tc.outputs, outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if rep := engine.Evaluate(p, evaluator.RunContext{}, today); rep.Verdict != evaluator.VerdictPassed {
				t.Errorf("verdict %s, want passed", rep.Verdict)
			}
		})
	}
}

func actionWords(actions tfjson.Actions) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = string(a)
	}
	return out
}

func TestReportRoundTripsThroughJSON(t *testing.T) {
	rep := evaluator.Report{Verdict: evaluator.VerdictFailed, FailOn: evaluator.SeverityHigh,
		Findings: []evaluator.Finding{{RuleID: "r", Severity: evaluator.SeverityCritical, Status: evaluator.StatusFail}}}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back evaluator.Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("a stored report must decode again: %v", err)
	}
	if back.FailOn != evaluator.SeverityHigh || back.Findings[0].Severity != evaluator.SeverityCritical {
		t.Errorf("round trip lost severities: %+v", back)
	}
}
