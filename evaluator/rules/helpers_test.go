package rules

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

// ruleCase is one row of a rule's table test: a plan (one change, or several
// for cross-resource rules), optional parameter overrides, and the whole
// findings expected.
type ruleCase struct {
	name    string
	change  evaltest.Change
	changes []evaltest.Change // used instead of change when set
	params  map[string]any
	want    []evaluator.Finding
}

// runRuleCases runs each case through the real plan decoder and compares whole
// findings, ignoring the fields filled from rule metadata (title, severity,
// remediation), which the registry test checks instead.
func runRuleCases(t *testing.T, rule evaluator.Rule, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			changes := tc.changes
			if changes == nil {
				changes = []evaltest.Change{tc.change}
			}
			got := evaluator.RunRule(rule, evaltest.Plan(t, changes...), tc.params)
			opts := cmpopts.IgnoreFields(evaluator.Finding{}, "Title", "Severity", "Remediation")
			if diff := cmp.Diff(tc.want, got, opts, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("findings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func pass(rule, address, attribute, message string) evaluator.Finding {
	return evaluator.Finding{RuleID: rule, Address: address, ResourceType: resourceType(address), Attribute: attribute,
		Status: evaluator.StatusPass, Message: message}
}

func fail(rule, address, attribute, message, expected, actual string) evaluator.Finding {
	return evaluator.Finding{RuleID: rule, Address: address, ResourceType: resourceType(address), Attribute: attribute,
		Status: evaluator.StatusFail, Message: message, Expected: expected, Actual: actual}
}

func warn(rule, address, attribute, message string) evaluator.Finding {
	return evaluator.Finding{RuleID: rule, Address: address, ResourceType: resourceType(address), Attribute: attribute,
		Status: evaluator.StatusWarn, Message: message}
}

func unknown(rule, address, attribute, expected string) evaluator.Finding {
	return evaluator.Finding{RuleID: rule, Address: address, ResourceType: resourceType(address), Attribute: attribute,
		Status: evaluator.StatusUnknown, Message: attribute + " is known only after apply, so the plan cannot show it meets the standard",
		Expected: expected, Actual: "(known after apply)"}
}

// resourceType takes the type from a test address such as
// module.db.aws_db_instance.this[0].
func resourceType(address string) string {
	parts := splitAddress(address)
	if len(parts) < 2 {
		return ""
	}
	return parts[len(parts)-2]
}

func splitAddress(address string) []string {
	var parts []string
	start, depth := 0, 0
	for i := 0; i < len(address); i++ {
		switch address[i] {
		case '[':
			depth++
		case ']':
			depth--
		case '.':
			if depth == 0 {
				parts = append(parts, address[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, address[start:])
}
