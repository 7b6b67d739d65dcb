package rules

import "github.com/prodgate/prodgate/evaluator"

// QLDBDeletionProtection requires deletion_protection on QLDB ledgers.
type QLDBDeletionProtection struct{}

func (QLDBDeletionProtection) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-qldb-deletion-protection",
		Title:         "QLDB ledgers have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_qldb_ledger"},
		References:    []string{"CKV_AWS_172"},
		Doc: evaluator.RuleDoc{
			Summary: "A ledger's journal is its history; deleting the ledger deletes it for good. The provider protects " +
				"ledgers by default, so this rule catches the explicit opt-out. (AWS ended QLDB support on 31 July 2025; " +
				"the rule still guards ledgers that remain.) Not judged (no finding): destroyed or forgotten ledgers (the " +
				"lifecycle rules cover them).",
			Pass: "aws_qldb_ledger that will exist after apply (create, update, no-op, replace) with deletion_protection = " +
				"true, or not set (the AWS provider default is true).",
			Fail: "deletion_protection = false.",
			Unknown: "deletion_protection is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Remove `deletion_protection = false` or set it to true. To retire the ledger, turn it off in a " +
				"reviewed change of its own first.",
			Example: "resource \"aws_qldb_ledger\" \"audit\" {\n  deletion_protection = true\n}",
		},
	}
}

func (QLDBDeletionProtection) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "deletion_protection", true, true)}
}
