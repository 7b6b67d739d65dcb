package rules

import (
	"fmt"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// ProtectionDrift reports protection attributes changed outside Terraform
// (resource_drift), and whether this plan puts them back. Drift never hides
// the planned change: lifecycle-protection-lowered still judges the plan.
type ProtectionDrift struct{}

func (ProtectionDrift) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "lifecycle-drift-protected",
		Title:         "Protection changed outside Terraform is reported",
		Severity:      evaluator.SeverityHigh,
		Category:      "drift",
		Provider:      "any",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: protectedTypeNames(),
		References:    []string{"terraform plan resource_drift"},
		Doc: evaluator.RuleDoc{
			Summary: "Someone turned deletion protection off in the console, or shortened backup retention, and " +
				"Terraform noticed while refreshing. The plan may restore it, keep it, or the configuration may " +
				"already agree with the drifted value; either way people should know.",
			Pass: "A resource with drift (an entry in resource_drift) whose protection attributes (the table of " +
				"lifecycle-protection-lowered) all have the same value before and after the drift; an unset value " +
				"and the provider default listed in the table count as the same. Resources without drift get no finding.",
			Fail: "Never fails: the rule is advisory. It warns (status warn), once per protection attribute, when the " +
				"drift's before and after values differ, in either direction: \"<attribute> changed outside Terraform: " +
				"<before> → <after>\", marked \"weakening …\" when protection went down, followed by what this plan " +
				"does: restores the recorded value, keeps the drifted value, sets another value, destroys or forgets " +
				"the resource, or that the planned value is known only after apply. It warns once, with no attribute, " +
				"when the object was deleted outside Terraform.",
			Unknown: "Never: the drifted values are read from the real object. A planned value known only after " +
				"apply is said in the warning.",
			Remediation: "Find who changed it and why; restore the protection through Terraform (re-apply the " +
				"configuration) rather than in the console, and restrict console rights to change it.",
			Example: "resource \"aws_db_instance\" \"main\" {\n  deletion_protection = true # the plan restores this after console drift\n}",
		},
	}
}

func (ProtectionDrift) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	d := r.Drift()
	if d == nil {
		return nil
	}
	if driftDeleted(d) {
		return []evaluator.Finding{c.Warn(r, "", "deleted outside Terraform, so its protections no longer exist; "+plannedFate(r))}
	}
	var out []evaluator.Finding
	for _, a := range protectedAttrsOf(r.Type) {
		was, now := a.judge(d.Before(a.Path)), a.judge(d.After(a.Path))
		if sameValue(was, now) {
			continue
		}
		msg := fmt.Sprintf("%s changed outside Terraform: %s → %s", a.Path, was.short(), now.short())
		wasLevel, ok1 := a.levelOf(was)
		nowLevel, ok2 := a.levelOf(now)
		if ok1 && ok2 && nowLevel < wasLevel {
			msg += " (weakening " + a.Class + ")"
		}
		out = append(out, c.Warn(r, a.Path, msg+"; "+plannedValue(r, a, was, now)))
	}
	if len(out) == 0 {
		return []evaluator.Finding{c.Pass(r, "", "drifted outside Terraform, but no protection attribute changed")}
	}
	return out
}

// plannedValue says what this plan does with a drifted attribute.
func plannedValue(r *tfplan.Resource, a protectedAttr, was, now judged) string {
	if !r.Exists() {
		return plannedFate(r)
	}
	planned := a.judge(r.After(a.Path))
	switch {
	case !planned.known():
		return "the value this plan sets is known only after apply"
	case sameValue(planned, was):
		return "this plan restores it to " + planned.short()
	case sameValue(planned, now):
		return "this plan keeps " + planned.short()
	}
	return "this plan sets it to " + planned.short()
}

// plannedFate says what this plan does with a resource that will not exist after it.
func plannedFate(r *tfplan.Resource) string {
	switch {
	case r.Exists() && r.Existed():
		return "this plan keeps it: " + r.ActionWords()
	case r.Exists():
		return "this plan creates it again"
	case r.Forgets():
		return "this plan forgets it"
	case r.Deletes():
		return "this plan destroys it"
	}
	return "this plan does not manage it further"
}

// driftDeleted reports that the object was deleted outside Terraform.
func driftDeleted(d *tfplan.DriftChange) bool { return d.Deleted() }
