package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

// nested turns "a.b.c" = v into {"a": [{"b": [{"c": v}]}]}, as Terraform
// renders nested blocks.
func nested(path string, v any) map[string]any {
	steps := strings.Split(path, ".")
	var cur any = v
	for i := len(steps) - 1; i >= 1; i-- {
		cur = []any{map[string]any{steps[i]: cur}}
	}
	return map[string]any{steps[0]: cur}
}

// TestProtectionStandardsAgree: every standard named for a protected
// attribute is a rule that judges that type and reports an unprotective value
// of that attribute as a failure on exactly that attribute, so that
// lifecycle-protection-lowered folds the right finding.
func TestProtectionStandardsAgree(t *testing.T) {
	for typ, attrs := range protectionStandards {
		for path, std := range attrs {
			t.Run(typ+"."+path, func(t *testing.T) {
				i := slices.IndexFunc(protectedAttrs[typ], func(a protectedAttr) bool { return a.Path == path })
				if i < 0 {
					t.Fatalf("%s.%s is not in protectedAttrs", typ, path)
				}
				a := protectedAttrs[typ][i]
				m := std.rule.Meta()
				if std.onTarget != nil {
					if !slices.Contains(m.ResourceTypes, std.onTarget.toType) {
						t.Fatalf("%s does not judge %s", m.ID, std.onTarget.toType)
					}
					return // TestLoweredS3VersioningFoldsTheBucketFinding covers it
				}
				if !slices.Contains(m.ResourceTypes, typ) {
					t.Fatalf("%s does not judge %s", m.ID, typ)
				}
				if std.param != "" && a.Kind != protectWhenHigher {
					t.Errorf("a minimum (%s) for an attribute that is not a number", std.param)
				}
				var weak any
				switch a.Kind {
				case protectWhenTrue:
					weak = false
				case protectWhenFalse:
					weak = true
				case protectWhenHigher:
					weak = 0
				default:
					weak = "NOT-PROTECTIVE"
				}
				after := nested(path, weak)
				for k, v := range standardsTestContext[typ] {
					after[k] = v
				}
				plan := evaltest.Plan(t, evaltest.Change{Address: typ + ".x", Type: typ, Actions: []string{"update"}, Before: after, After: after})
				var found bool
				for _, f := range evaluator.RunRule(std.rule, plan, nil) {
					if f.Attribute == path && (f.Status == evaluator.StatusFail || f.Status == evaluator.StatusWarn) {
						found = true
					}
				}
				if !found {
					t.Errorf("%s gives no failure on %s for %s = %v: %+v", m.ID, path, path, weak, evaluator.RunRule(std.rule, plan, nil))
				}
			})
		}
	}
}

// standardsTestContext are the other attributes some rules need before
// they judge a resource at all.
var standardsTestContext = map[string]map[string]any{}
