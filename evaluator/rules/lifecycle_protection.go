package rules

import (
	"fmt"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// ProtectionLowered fails a plan that weakens a protection an existing
// resource has now, whatever the end state: turning deletion protection off
// is the step before a destroy, and it must be its own reviewed change.
type ProtectionLowered struct{}

func (ProtectionLowered) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "lifecycle-protection-lowered",
		Title:         "Plans do not switch off deletion protection or backups, nor lower them below the standard",
		Severity:      evaluator.SeverityCritical,
		Category:      "lifecycle",
		Provider:      "any",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: protectedTypeNames(),
		References:    []string{"AWS FSBP RDS.8", "AWS FSBP RDS.11", "AWS FSBP DynamoDB.6", "AWS FSBP ELB.6", "CIS GCP 6.x (Cloud SQL backups)"},
		Doc: evaluator.RuleDoc{
			Summary: "Turning protection off (deletion_protection true → false, skip_final_snapshot false → true, backups " +
				"disabled) is how a database is readied for deletion, so it blocks even when the end state would pass " +
				"elsewhere; the lowering is its own reviewed change. Lowering a number is judged against the standard: " +
				"the minimum of the rule that holds the attribute to it, in this run's scope (backup retention 35 → 7 days " +
				"against aws-rds-backup-retention's 7-day minimum is a warning; 35 → 3 blocks). When the rule that sets " +
				"the standard for an attribute is advisory in the scope (publicly_accessible, replication type, a second " +
				"cloud-side flag), switching it off is a warning too. A blocking finding here carries that rule's finding " +
				"on the same attribute as related, so one cause gives one blocking finding.",
			Pass: "A resource that existed before this plan and still exists after it (update, no-op, replace) " +
				"whose protection attribute was protective before (bool: true, or false for the false-protects " +
				"attributes; number: above 0; string: a protective value) and is at least as protective after " +
				"(same value, or a higher number). One finding per such attribute. " +
				"An unset attribute takes the provider default listed in the table, or counts as unprotected when none is listed. " +
				"Attributes, per type (with the rule that sets the standard): " + protectedAttrList() + ".",
			Fail: "The same resources when an attribute that was protective before is switched off in the planned object " +
				"(a true-protects bool that becomes false or unset, a false-protects bool that becomes true, a number that " +
				"becomes 0, a protective string that becomes any other value), or a number drops below the minimum of the " +
				"rule named for it, while that rule is blocking in the scope (or none is named). Warn instead: a number " +
				"that drops but still meets that minimum, or that no rule (or a rule switched off) holds to one; an " +
				"attribute switched off whose named rule is advisory. No finding for attributes that were not protective " +
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

func (ProtectionLowered) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
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
		case ok && afterLevel > beforeLevel:
			out = append(out, c.Pass(r, a.Path, fmt.Sprintf("%s rises from %s to %s", a.Path, before.short(), after.display())))
		case ok && afterLevel == beforeLevel:
			out = append(out, c.Pass(r, a.Path, fmt.Sprintf("%s stays %s", a.Path, after.display())))
		default:
			out = append(out, lowered(c, r, a, before, after, afterLevel, ok && afterLevel > 0))
		}
	}
	return out
}

// lowered judges an attribute that is less protective after the plan.
// Switched off (or to a value that does not protect) it blocks, and so does a
// number lowered below the minimum of the rule that sets the standard for
// it; a number lowered that still meets that minimum, or that no rule holds
// to one, is advisory. When the standard's own rule is advisory in this
// scope, so is switching the attribute off. A blocking finding folds the
// standard rule's finding on the same attribute: one cause, one finding.
func lowered(c *evaluator.Context, r *tfplan.Resource, a protectedAttr, before, after judged, afterLevel int64, stillOn bool) evaluator.Finding {
	std, hasStd := protectionStandards[r.Type][a.Path]
	var setting evaluator.RuleSetting
	if hasStd {
		var found bool
		if setting, found = c.OtherRule(std.rule.Meta().ID); !found {
			setting = evaluator.DefaultSetting(std.rule)
		}
		hasStd = setting.Enabled
	}
	change := fmt.Sprintf("%s changes from %s to %s in this plan", a.Path, before.short(), after.display())
	var msg string
	blocks := true
	switch {
	case stillOn && hasStd && std.param != "":
		min := setting.Int(std.param)
		change = fmt.Sprintf("%s drops from %s to %s in this plan", a.Path, before.short(), after.display())
		if afterLevel >= min {
			return c.Warn(r, a.Path, fmt.Sprintf("%s; still meets the %s of %s", change, minimumPhrase(min, std.unit), std.rule.Meta().ID))
		}
		msg = fmt.Sprintf("%s, below the %s of %s", change, minimumPhrase(min, std.unit), std.rule.Meta().ID)
	case stillOn:
		return c.Warn(r, a.Path, fmt.Sprintf("%s drops from %s to %s in this plan; still on, and no rule of this standard sets a minimum for it",
			a.Path, before.short(), after.display()))
	default:
		msg = change + ", switching off " + a.Class
	}
	if hasStd && setting.Enforcement == evaluator.EnforceAdvisory {
		msg += "; reported, not blocking: " + std.rule.Meta().ID + ", which sets the standard for it, is advisory"
		blocks = false
	}
	if !blocks {
		return c.Warn(r, a.Path, msg)
	}
	f := c.Fail(r, a.Path, msg, a.expected(before), after.display())
	switch {
	case hasStd && std.onTarget != nil:
		for _, t := range c.Plan.PointedAt(r, std.onTarget.attr, std.onTarget.toType, std.onTarget.keys...) {
			f.Folds = append(f.Folds, evaluator.FindingRef{RuleID: std.rule.Meta().ID, Address: t.Address, Attribute: std.onTarget.attribute})
		}
	case hasStd:
		f.Folds = []evaluator.FindingRef{{RuleID: std.rule.Meta().ID, Address: r.Address, Attribute: a.Path}}
	}
	return f
}

// minimumPhrase reads "7-day minimum" or "minimum of 7 backups".
func minimumPhrase(min int64, unit string) string {
	if unit == "days" {
		return fmt.Sprintf("%d-day minimum", min)
	}
	return fmt.Sprintf("minimum of %d %s", min, unit)
}
