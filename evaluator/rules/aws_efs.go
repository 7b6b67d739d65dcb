package rules

import "github.com/prodgate/prodgate/evaluator"

// EFSEncryption requires EFS file systems to be encrypted at rest.
type EFSEncryption struct{}

func (EFSEncryption) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-efs-encryption",
		Title:         "EFS file systems are encrypted at rest",
		Severity:      evaluator.SeverityHigh,
		Category:      "encryption",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_efs_file_system"},
		References:    []string{"CKV_AWS_42", "AVD-AWS-0037"},
		Doc: evaluator.RuleDoc{
			Summary: "Encryption at rest can only be chosen when an EFS file system is created; turning it on later means a " +
				"new file system and a copy of the data. The console encrypts by default, but the API and the AWS provider " +
				"do not (encrypted defaults to false). Not judged (no finding): destroyed or forgotten file systems (the " +
				"lifecycle rules cover them).",
			Pass:    "aws_efs_file_system that will exist after apply (create, update, no-op, replace) with encrypted = true.",
			Fail:    "encrypted = false, or not set (provider default false).",
			Unknown: "encrypted is known only after apply because the configuration sets it from a value not yet known (or the plan has no configuration section).",
			Remediation: "Set `encrypted = true` (optionally `kms_key_id`); for an existing file system create an encrypted one " +
				"and copy the data (AWS DataSync), since the flag forces a new file system.",
			Example: "resource \"aws_efs_file_system\" \"shared\" {\n  encrypted = true\n}",
		},
	}
}

func (EFSEncryption) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "encrypted", true, false)}
}
