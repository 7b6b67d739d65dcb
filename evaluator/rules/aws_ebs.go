package rules

import (
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// EBSEncryption requires EBS volumes to be encrypted at rest, by their own
// flag or, for volumes this plan creates, by account-level default encryption.
type EBSEncryption struct{}

func (EBSEncryption) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-ebs-encryption",
		Title:         "EBS volumes are encrypted at rest",
		Severity:      evaluator.SeverityHigh,
		Category:      "encryption",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_ebs_volume"},
		References:    []string{"CKV_AWS_3", "AVD-AWS-0026"},
		Doc: evaluator.RuleDoc{
			Summary: "An unencrypted volume keeps its data, and every snapshot taken from it, readable to anyone who gets " +
				"the snapshot shared or copied; encryption cannot be turned on in place (the volume must be replaced). " +
				"Account-level default encryption (aws_ebs_encryption_by_default, one per region) encrypts every volume " +
				"created after it is on, but never an existing one; prodgate assumes a default-encryption resource in the " +
				"plan or prior_state is for the volume's account and region. Not judged (no finding): destroyed or " +
				"forgotten volumes (the lifecycle rules cover them).",
			Pass: "aws_ebs_volume that will exist after apply (create, update, no-op, replace) with encrypted = true; or a " +
				"volume this plan creates or replaces, whatever encrypted says, while an aws_ebs_encryption_by_default " +
				"that already exists (no-op or update in the plan, or only in prior_state) has enabled = true or not set " +
				"(provider default true).",
			Fail: "encrypted = false, or not set (provider default false), and the default-encryption case above does not " +
				"apply: the volume already exists (default encryption does not encrypt existing volumes), there is no " +
				"aws_ebs_encryption_by_default, or it has enabled = false.",
			Unknown: "Not passed as above, and: an aws_ebs_encryption_by_default is created in the same plan (Terraform does " +
				"not order it before the volume) or has enabled known only after apply, for a volume this plan creates; " +
				"or encrypted is known only after apply because the configuration sets it from a value not yet known (or " +
				"the plan has no configuration section); or the volume is created with encrypted not written and " +
				"snapshot_id set (a known non-empty id, or written in the configuration from a value known only after " +
				"apply), since it then takes the snapshot's encryption.",
			Remediation: "Set `encrypted = true` (optionally `kms_key_id`) and replace the volume from an encrypted snapshot copy; " +
				"turn on `aws_ebs_encryption_by_default` in every region so new volumes are always encrypted.",
			Example: "resource \"aws_ebs_volume\" \"data\" {\n  availability_zone = \"eu-west-1a\"\n  size              = 100\n  encrypted         = true\n}\n\n" +
				"resource \"aws_ebs_encryption_by_default\" \"this\" {\n  enabled = true\n}",
		},
	}
}

func (EBSEncryption) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const path = "encrypted"
	e := evaluator.EffectiveAfter(r, path, false)
	if b, ok := e.Value.Bool(); ok && b {
		return []evaluator.Finding{c.Pass(r, path, "encrypted is true")}
	}
	if a := r.Actions(); a.Create() || a.Replace() {
		var pending string
		for _, d := range c.Plan.Existing("aws_ebs_encryption_by_default") {
			en := evaluator.EffectiveAfter(d, "enabled", true)
			on, _ := en.Bool()
			switch {
			case !en.Known():
				pending = d.Address + " sets enabled from a value known only after apply"
			case !on:
				continue
			case d.Actions().Create() || d.Actions().Replace():
				pending = d.Address + " turns on default encryption in the same plan, and Terraform does not order it before the volume"
			default:
				return []evaluator.Finding{c.Pass(r, path, "encrypted is "+e.Display()+", but "+d.Address+
					" has EBS encryption by default on (enabled is "+en.Display()+"), which encrypts every new volume")}
			}
		}
		if pending != "" {
			f := c.Finding(r, evaluator.StatusUnknown, path, "encrypted is "+e.Display()+" and "+pending)
			f.Expected, f.Actual = "true", e.Display()
			return []evaluator.Finding{f}
		}
	}
	if !e.Known() {
		if e.Value.State == tfplan.Unknown {
			return []evaluator.Finding{c.Unknown(r, path, "true")}
		}
	}
	if r.Actions().Create() || r.Actions().Replace() {
		snap := r.After("snapshot_id")
		s, _ := snap.Str()
		fromSnapshot := s != "" || (snap.State == tfplan.Unknown && r.Configured("snapshot_id") == tfplan.ConfigSet)
		if fromSnapshot && r.Configured(path) != tfplan.ConfigSet {
			f := c.Finding(r, evaluator.StatusUnknown, path,
				"encrypted is not written, so the volume takes the encryption of snapshot_id "+snap.Display()+", which the plan does not show")
			f.Expected, f.Actual = "true", "(from the snapshot)"
			return []evaluator.Finding{f}
		}
	}
	return []evaluator.Finding{c.Fail(r, path, "encrypted is "+e.Display(), "true", e.Display())}
}
