package rules

import (
	"fmt"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// statefulParams are shared by the lifecycle rules that judge stateful types.
var statefulParams = []evaluator.ParamSpec{
	{
		Name: "extra_types", Kind: evaluator.ParamStringList, Default: []string{},
		Source: "none: the curated list covers common stateful types",
		Doc:    "Resource types to treat as stateful in addition to the curated list: exact names, or a prefix ending in * (\"aws_fsx_*\").",
	},
	{
		Name: "ignore_types", Kind: evaluator.ParamStringList, Default: []string{},
		Source: "none: every curated type is judged",
		Doc:    "Resource types never treated as stateful, even when curated or listed in extra_types: exact names, or a prefix ending in *.",
	},
}

func statefulFromContext(c *evaluator.Context) statefulSelection {
	return statefulFromParams(c.Strings("extra_types"), c.Strings("ignore_types"))
}

// statefulTypesDoc names the curated list in rule documentation.
func statefulTypesDoc() string {
	return "The curated stateful types are: " + strings.Join(statefulTypeNames(), ", ") + "."
}

// StatefulDestroy fails any plan that deletes the real object of a stateful
// resource: destroy, replace in either order, or the delete of a deposed object.
type StatefulDestroy struct{}

func (StatefulDestroy) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "lifecycle-stateful-destroy",
		Title:         "Plans do not destroy stateful resources",
		Severity:      evaluator.SeverityCritical,
		Category:      "lifecycle",
		Provider:      "any",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"*"},
		Params:        statefulParams,
		References:    []string{"Terraform lifecycle prevent_destroy", "AWS Well-Architected REL09"},
		Doc: evaluator.RuleDoc{
			Summary: "A replace is a destroy: changing an attribute that cannot be updated in place, a renamed " +
				"resource, a shrunk count or a removed for_each key deletes the production database, bucket or key " +
				"and its data. The plan says so only in its action list; this rule says it in words, with the reason.",
			Pass: "A resource of a stateful type (curated list plus extra_types, minus ignore_types) whose actions do not " +
				"include delete: create, update, no-op, read or forget. One pass finding per such resource. " +
				"Resources of other types get no finding at all. " + statefulTypesDoc(),
			Fail: "A resource of a stateful type whose actions include delete: destroy ([\"delete\"]), replace " +
				"([\"delete\",\"create\"] or [\"create\",\"delete\"]), and the delete of a deposed object left by an " +
				"earlier create_before_destroy replacement. The message names the action, Terraform's reason " +
				"(action_reason) and the attributes that force the replacement (replace_paths). This holds whatever " +
				"the resource's deletion protection says: the plan intends the delete.",
			Unknown: "Never: planned actions are always known. Values known only after apply do not change the result.",
			Remediation: "Revert the change that forces the delete (see \"forced by\"), use a moved block for renames, " +
				"keep count/for_each keys stable, and add `lifecycle { prevent_destroy = true }`. If the data really " +
				"must go, take a final backup and record a waiver with an owner and an expiry.",
			Example: "resource \"aws_db_instance\" \"main\" {\n  engine_version = \"16.3\" # unchanged: no replacement\n\n" +
				"  lifecycle {\n    prevent_destroy = true\n  }\n}\n\nmoved {\n  from = aws_db_instance.old\n  to   = aws_db_instance.main\n}",
		},
	}
}

func (StatefulDestroy) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !statefulFromContext(c).includes(r.Type) {
		return nil
	}
	if !r.Deletes() {
		return []evaluator.Finding{c.Pass(r, "", "not destroyed: "+r.ActionWords())}
	}
	words := r.ActionWords()
	what := words
	if r.Deposed != "" {
		what = fmt.Sprintf("%s of deposed object %s (left by an earlier create_before_destroy replacement)", words, r.Deposed)
	}
	msg := what
	if reason := r.ActionReason(); reason != "" {
		msg += " because " + reason
	}
	if paths := r.ReplacePaths(); len(paths) > 0 {
		msg += " (forced by: " + strings.Join(paths, ", ") + ")"
	}
	msg += fmt.Sprintf("; the existing %s is deleted and its data is lost unless it was backed up", r.Type)
	return []evaluator.Finding{c.Fail(r, "", msg, "not destroyed", words)}
}

// StatefulForget warns when a stateful resource leaves Terraform management
// while it keeps running (`removed { lifecycle { destroy = false } }`).
type StatefulForget struct{}

func (StatefulForget) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "lifecycle-forget",
		Title:         "Stateful resources leaving Terraform management are reported",
		Severity:      evaluator.SeverityHigh,
		Category:      "lifecycle",
		Provider:      "any",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"*"},
		Params:        statefulParams,
		References:    []string{"Terraform removed block (1.7+)"},
		Doc: evaluator.RuleDoc{
			Summary: "A `forget` keeps the real object and its data but removes it from state: from then on no plan " +
				"shows its changes and no rule enforces its deletion protection, backups or encryption. That is " +
				"sometimes intended (handing a database to another workspace) and should be seen.",
			Pass: "A resource of a stateful type (curated list plus extra_types, minus ignore_types, as in " +
				"lifecycle-stateful-destroy) whose actions do not include forget. Other types get no finding.",
			Fail: "Never fails: the rule is advisory. It warns (status warn) on every resource of a stateful type whose " +
				"actions include forget; a forget is not a destroy and lifecycle-stateful-destroy passes it.",
			Unknown:     "Never: planned actions are always known.",
			Remediation: "Confirm that another configuration or workspace imports the object, so its protections stay enforced.",
			Example: "removed {\n  from = aws_db_instance.legacy\n  lifecycle {\n    destroy = false\n  }\n}\n\n" +
				"# and in the workspace that takes it over:\nimport {\n  to = aws_db_instance.legacy\n  id = \"legacy-db\"\n}",
		},
	}
}

func (StatefulForget) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !statefulFromContext(c).includes(r.Type) {
		return nil
	}
	if !r.Forgets() {
		return []evaluator.Finding{c.Pass(r, "", "stays under Terraform management: "+r.ActionWords())}
	}
	msg := fmt.Sprintf("%s: the %s keeps running with its data but leaves Terraform management, so its "+
		"deletion protection and backups are no longer enforced by this configuration", r.ActionWords(), r.Type)
	if reason := r.ActionReason(); reason != "" {
		msg += " (" + reason + ")"
	}
	return []evaluator.Finding{c.Warn(r, "", msg)}
}
