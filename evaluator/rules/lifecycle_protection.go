package rules

import (
	"fmt"

	"github.com/prodgate/prodgate/evaluator"
)

// ProtectionLowered fails a plan that weakens a protection an existing
// resource has now, whatever the end state: turning deletion protection off
// is the step before a destroy, and it must be its own reviewed change.
type ProtectionLowered struct{}

func (ProtectionLowered) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "lifecycle-protection-lowered",
		Title:         "Plans do not weaken deletion protection, backups or public-access settings",
		Severity:      evaluator.SeverityCritical,
		Category:      "lifecycle",
		Provider:      "any",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: protectedTypeNames(),
		References:    []string{"AWS FSBP RDS.8", "AWS FSBP RDS.11", "AWS FSBP DynamoDB.6", "AWS FSBP ELB.6", "CIS GCP 6.x (Cloud SQL backups)"},
		Doc: evaluator.RuleDoc{
			Summary: "Turning protection off (deletion_protection true → false, backup retention 14 → 3, " +
				"skip_final_snapshot false → true) is how a database is readied for deletion. Even when the " +
				"weaker value would still pass the other rules, the lowering itself deserves its own reviewed change. " +
				"The same holds for settings that keep data off the internet (publicly_accessible true, an S3 public " +
				"access block flag turned off, public network access turned on) and for geo-redundancy given up.",
			Pass: "A resource that existed before this plan and still exists after it (update, no-op, replace) " +
				"whose protection attribute was protective before (bool: true, or false for the false-protects " +
				"attributes; number: above 0; string: a protective value) and is at least as protective after " +
				"(same value, or a higher number). One finding per such attribute. " +
				"An unset attribute takes the provider default listed in the table, or counts as unprotected when none is listed. " +
				"Attributes, per type: " + protectedAttrList() + ".",
			Fail: "The same resources when an attribute that was protective before is less protective in the planned " +
				"object: a true-protects bool that becomes false or unset, a false-protects bool that becomes true, " +
				"a number that becomes smaller, a protective string that becomes any other value. This holds even " +
				"when the new value meets another rule's threshold. No finding for attributes that were not protective " +
				"before, for created resources (nothing existed), for destroyed, deposed or forgotten objects " +
				"(lifecycle-stateful-destroy and lifecycle-forget judge those) or for types outside the table.",
			Unknown: "The attribute was protective before and its planned value is known only after apply.",
			Remediation: "Keep the protective value in this change. If the resource is really being retired, " +
				"lower the protection in a separate, reviewed change (or record a waiver with an owner and an expiry).",
			Example: "resource \"aws_db_instance\" \"main\" {\n  deletion_protection     = true  # was true: keep it\n" +
				"  backup_retention_period = 14    # was 14: do not lower\n  skip_final_snapshot     = false\n}",
		},
	}
}

func (ProtectionLowered) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Existed() || !r.Exists() {
		return nil
	}
	var out []evaluator.Finding
	for _, a := range protectedAttrsOf(r.Type) {
		before := a.judge(r.Before(a.Path))
		beforeLevel, ok := a.levelOf(before)
		if !ok || beforeLevel <= 0 {
			continue // nothing protective to lower
		}
		after := a.judge(r.After(a.Path))
		expected := a.expected(before)
		if !after.known() {
			out = append(out, c.Unknown(r, a.Path, expected))
			continue
		}
		afterLevel, ok := a.levelOf(after)
		switch {
		case !ok:
			out = append(out, c.Fail(r, a.Path,
				fmt.Sprintf("%s changes from %s to %s in this plan, which is not a value that protects", a.Path, before.short(), after.display()),
				expected, after.display()))
		case afterLevel < beforeLevel:
			out = append(out, c.Fail(r, a.Path,
				fmt.Sprintf("%s changes from %s to %s in this plan, weakening %s", a.Path, before.short(), after.display(), a.Class),
				expected, after.display()))
		case afterLevel > beforeLevel:
			out = append(out, c.Pass(r, a.Path, fmt.Sprintf("%s rises from %s to %s", a.Path, before.short(), after.display())))
		default:
			out = append(out, c.Pass(r, a.Path, fmt.Sprintf("%s stays %s", a.Path, after.display())))
		}
	}
	return out
}
