package evaluator_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

const deepCELPolicy = `version: 1
custom_rules:
  - id: deep-equal
    title: The deep value equals itself
    severity: low
    resource_types: [test_db]
    condition: has(after.deep) && after.deep == after.deep && after.deep != before
  - id: deep-member
    title: The deep value has a member
    severity: low
    resource_types: [test_db]
    condition: has(after.deep.a) && size(after.deep) == 1
  - id: type-only
    title: Reads no value
    severity: low
    resource_types: [test_db]
    condition: type == "test_db"
`

// nestedObjects is n objects, each the member "a" of the one around it, the
// innermost holding inner.
func nestedObjects(n int, inner string) string {
	return strings.Repeat(`{"a":`, n) + inner + strings.Repeat("}", n)
}

// TestCELOverDeepValues runs team rules over values as deep as a plan may
// hold: converting them to CEL, comparing them and following unknown marks all
// the way down must neither crash nor guess.
func TestCELOverDeepValues(t *testing.T) {
	// after.deep starts at level 6: plan, resource_changes, the element,
	// change, after.
	n := tfplan.MaxPlanDepth - 6
	plan := func(after, afterUnknown string) string {
		return `{"format_version":"1.2","resource_changes":[{"address":"test_db.a","mode":"managed","type":"test_db","name":"a",` +
			`"change":{"actions":["create"],"before":null,"after":` + after + `,"after_unknown":` + afterUnknown + `}}]}`
	}
	manyMarks := make([]string, 30000)
	for i := range manyMarks {
		manyMarks[i] = fmt.Sprintf(`"m%d":{"x":true}`, i)
	}
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{
			name: "a known value nested to the limit is read, compared and measured",
			doc:  plan(`{"deep":`+nestedObjects(n, "{}")+`}`, `{}`),
			want: []string{"deep-equal pass", "deep-member pass", "type-only pass"},
		},
		{
			// CEL treats a value with an unknown part as unknown when read
			// whole (size, equality), so both conditions on it are unknown.
			name: "an unknown mark at the bottom of a deep value makes conditions on it unknown",
			doc:  plan(`{"deep":`+nestedObjects(n, "null")+`}`, `{"deep":`+nestedObjects(n, "true")+`}`),
			want: []string{"deep-equal unknown", "deep-member unknown", "type-only pass"},
		},
		{
			name: "more unknown marks than CEL is given patterns for make all of after unknown",
			doc:  plan(`{"deep":{"a":{}}}`, `{`+strings.Join(manyMarks, ",")+`}`),
			want: []string{"deep-equal unknown", "deep-member unknown", "type-only pass"},
		},
	}
	engine := compileWith(t, deepCELPolicy)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tfplan.ParsePlan([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			rep := engine.EvaluateWith(p, evaluator.RunContext{}, today, evaluator.Options{})
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.RuleID+" "+string(f.Status))
			}
			sort.Strings(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}

	// One level deeper and the plan never reaches CEL.
	_, err := tfplan.ParsePlan([]byte(plan(`{"deep":`+nestedObjects(n+1, "{}")+`}`, `{}`)))
	if err == nil || !strings.Contains(err.Error(), "nest deeper than 512 levels") {
		t.Errorf("a value past the limit: got %v, want the nesting refusal", err)
	}
}

// TestCELErrorsDoNotQuoteSensitiveValues: CEL's runtime errors quote the
// values they met, so a resource with sensitive values gets the failure
// without the error's text; others keep it, to debug the condition.
func TestCELErrorsDoNotQuoteSensitiveValues(t *testing.T) {
	const policy = `version: 1
custom_rules:
  - id: acme-name-pattern
    title: The name matches the pattern
    severity: high
    resource_types: [test_db]
    condition: after.name.matches(after.pattern)
`
	plan := func(sensitive string) string {
		return `{"format_version":"1.2","resource_changes":[{"address":"test_db.a","mode":"managed","type":"test_db","name":"a",` +
			`"change":{"actions":["create"],"before":null,"after":{"name":"db","pattern":"hunter(2"},"after_unknown":{},"after_sensitive":` + sensitive + `}}]}`
	}
	tests := []struct {
		name, sensitive, want string
	}{
		{"the sensitive value is not quoted", `{"pattern":true}`,
			"custom rule could not be evaluated: the error is not shown, as it may quote one of this resource's sensitive values; the gate fails closed"},
		{"without sensitive values the error is shown", `{}`,
			"custom rule could not be evaluated: error parsing regexp: missing closing ): `hunter(2`; the gate fails closed"},
	}
	engine := compileWith(t, policy)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tfplan.ParsePlan([]byte(plan(tc.sensitive)))
			if err != nil {
				t.Fatal(err)
			}
			rep := engine.Evaluate(p, evaluator.RunContext{}, today)
			if len(rep.Findings) != 1 || rep.Findings[0].Status != evaluator.StatusFail {
				t.Fatalf("want one failure, got %+v", rep.Findings)
			}
			if diff := cmp.Diff(tc.want, rep.Findings[0].Message); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}
