package evaluator_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

const celPolicy = `version: 1
custom_rules:
  - id: acme-owner-tag
    title: Databases carry an owner tag
    severity: high
    resource_types: ["test_*"]
    condition: 'has(after.tags) && "owner" in after.tags'
    message: databases must carry an owner tag
  - id: acme-no-db-destroy
    title: No database destroy
    severity: critical
    resource_types: [test_db]
    actions: [delete, replace]
    condition: 'false'
    message: databases are never destroyed by a plan
  - id: acme-size
    title: Size is at least 10
    severity: medium
    resource_types: [test_db]
    condition: after.size >= 10
`

func TestCustomCELRules(t *testing.T) {
	tests := []struct {
		name   string
		change evaltest.Change
		want   []brief
	}{
		{
			name:   "a compliant resource passes every condition",
			change: evaltest.Change{Address: "test_db.a", Type: "test_db", After: map[string]any{"tags": map[string]any{"owner": "x"}, "size": 20}},
			want:   []brief{{"acme-owner-tag", "test_db.a", "", "pass", false}, {"acme-size", "test_db.a", "", "pass", false}},
		},
		{
			name:   "a false condition fails",
			change: evaltest.Change{Address: "test_db.a", Type: "test_db", After: map[string]any{"tags": map[string]any{}, "size": 5}},
			want:   []brief{{"acme-owner-tag", "test_db.a", "", "fail", true}, {"acme-size", "test_db.a", "", "fail", true}},
		},
		{
			name: "a condition on a value known only after apply is unknown, not null",
			change: evaltest.Change{Address: "test_db.a", Type: "test_db", After: map[string]any{"tags": map[string]any{"owner": "x"}},
				AfterUnknown: map[string]any{"size": true}},
			want: []brief{{"acme-size", "test_db.a", "", "unknown", true}, {"acme-owner-tag", "test_db.a", "", "pass", false}},
		},
		{
			name:   "a missing attribute without has() fails closed",
			change: evaltest.Change{Address: "test_db.a", Type: "test_db", After: map[string]any{"tags": map[string]any{"owner": "x"}}},
			want:   []brief{{"acme-size", "test_db.a", "", "fail", true}, {"acme-owner-tag", "test_db.a", "", "pass", false}},
		},
		{
			name:   "the actions filter selects destroys",
			change: evaltest.Change{Address: "test_db.a", Type: "test_db", Actions: []string{"delete"}, Before: map[string]any{"size": 20}},
			want:   []brief{{"acme-no-db-destroy", "test_db.a", "", "fail", true}},
		},
		{
			name:   "resource type globs select types",
			change: evaltest.Change{Address: "other_db.a", Type: "other_db", After: map[string]any{}},
			want:   []brief{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := compileWith(t, celPolicy).Evaluate(evaltest.Plan(t, tc.change), evaluator.RunContext{}, today)
			if diff := cmp.Diff(tc.want, briefs(rep.Findings)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCustomCELCostLimit(t *testing.T) {
	policy := `version: 1
custom_rules:
  - id: acme-expensive
    title: expensive
    severity: low
    resource_types: [test_db]
    condition: after.items.all(a, after.items.all(b, after.items.all(c, a + b + c >= 0)))
`
	items := make([]any, 300)
	for i := range items {
		items[i] = float64(i)
	}
	rep := compileWith(t, policy).Evaluate(evaltest.Plan(t, evaltest.Change{Address: "test_db.a", Type: "test_db", After: map[string]any{"items": items}}), evaluator.RunContext{}, today)
	if len(rep.Findings) != 1 || rep.Findings[0].Status != evaluator.StatusFail || !strings.Contains(rep.Findings[0].Message, "budget") {
		t.Fatalf("want a failure for exceeding the budget, got %+v", rep.Findings)
	}
}

func TestCustomCELCompileErrors(t *testing.T) {
	tests := []struct {
		name, condition string
		want            string
	}{
		{"an undeclared variable", "afterr.size > 1", "prodgate.yaml:8: custom_rules[0].condition: column 1: undeclared reference to 'afterr'"},
		{"a non-boolean result", `"yes"`, "prodgate.yaml:8: custom_rules[0].condition: must be a true/false expression, but it gives string"},
		{"a syntax error", "after.size >", "custom_rules[0].condition: column 1: Syntax error: mismatched input '<EOF>'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			policy := "version: 1\ncustom_rules:\n  - id: acme-x\n    title: x\n    severity: low\n    resource_types: [test_db]\n    condition: |\n      " + tc.condition + "\n"
			p, err := config.Parse("prodgate.yaml", []byte(policy))
			if err != nil {
				t.Fatal(err)
			}
			_, err = evaluator.Compile(p, testRegistry(t), today)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
		})
	}
}

// compileWith compiles a policy against no built-in rules, so only its custom rules run.
func compileWith(t *testing.T, policy string) *evaluator.Engine {
	t.Helper()
	p, err := config.Parse("prodgate.yaml", []byte(policy))
	if err != nil {
		t.Fatalf("parse policy: %v", err)
	}
	reg, err := evaluator.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	e, err := evaluator.Compile(p, reg, today)
	if err != nil {
		t.Fatalf("compile policy: %v", err)
	}
	return e
}
