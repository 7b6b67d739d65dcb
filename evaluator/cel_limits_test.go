package evaluator

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// TestUnknownPatternsAtTheNestingLimit: an after_unknown as deep as a plan
// may hold, without a true in it, gives CEL no unknown patterns.
func TestUnknownPatternsAtTheNestingLimit(t *testing.T) {
	// The value starts at level 6: plan, resource_changes, the change's
	// element, change, after_unknown, settings.
	n := tfplan.MaxPlanDepth - 5
	objects := strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1)
	data := []byte(`{"format_version":"1.2","resource_changes":[{"address":"aws_db_instance.x","mode":"managed","type":"aws_db_instance","name":"x",` +
		`"change":{"actions":["delete","create"],"after":{},"after_unknown":{"settings":` + objects + `}}}]}`)
	p, err := tfplan.ParsePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := unknownPatterns(p.Resources[0].DecodeAfterUnknown()); len(got) != 0 {
		t.Errorf("%d unknown patterns from an after_unknown without true", len(got))
	}
}

// TestUnknownPatternBudget: an after_unknown with more marks than CEL is
// given patterns for makes the whole planned object unknown.
func TestUnknownPatternBudget(t *testing.T) {
	marks := func(n int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m[fmt.Sprint("a", i)] = true
		}
		return m
	}
	tests := []struct {
		name    string
		unknown any
		want    int
	}{
		{"a few marks, a pattern each", marks(3), 3},
		{"marks within the budget", marks(maxUnknownSteps / 2), maxUnknownSteps / 2},
		{"marks past the budget make all of after unknown", marks(maxUnknownSteps/2 + 1), 1},
		{"no marks", map[string]any{"a": false, "b": []any{false}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := unknownPatterns(tc.unknown)
			if len(got) != tc.want {
				t.Fatalf("%d patterns, want %d", len(got), tc.want)
			}
			if tc.want == 1 && len(got[0].QualifierPatterns()) != 0 {
				t.Errorf("the one pattern has qualifiers %v; want all of after", got[0].QualifierPatterns())
			}
		})
	}
}
