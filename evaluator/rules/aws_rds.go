package rules

import "github.com/prodgate/prodgate/evaluator"

// awsRDSTypes are the RDS/Aurora resource types that carry the same
// protection and backup attributes.
var awsRDSTypes = []string{"aws_db_instance", "aws_rds_cluster"}

// RDSDeletionProtection requires deletion_protection on RDS instances and
// Aurora/RDS clusters.
type RDSDeletionProtection struct{}

func (RDSDeletionProtection) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-rds-deletion-protection",
		Title:         "RDS databases have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		ResourceTypes: awsRDSTypes,
		References:    []string{"CKV_AWS_293", "CKV_AWS_139", "AVD-AWS-0177", "AWS FSBP RDS.7", "AWS FSBP RDS.8"},
		Doc: evaluator.RuleDoc{
			Summary: "Without deletion protection a single `terraform destroy`, a renamed resource or a console click deletes the production database.",
			Pass:    "aws_db_instance or aws_rds_cluster that will exist after apply (create, update, no-op, replace) with deletion_protection = true.",
			Fail:    "deletion_protection = false, or not set (the AWS provider default is false).",
			Unknown: "deletion_protection is known only after apply (computed from a value not yet known).",
			Remediation: "Set `deletion_protection = true`. To retire the database later, turn it off in a reviewed change of its own.",
			Example: "resource \"aws_db_instance\" \"main\" {\n  deletion_protection = true\n}",
		},
	}
}

func (RDSDeletionProtection) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "deletion_protection", true, false)}
}
