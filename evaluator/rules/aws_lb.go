package rules

import "github.com/prodgate/prodgate/evaluator"

// LBDeletionProtection requires deletion protection on load balancers.
type LBDeletionProtection struct{}

func (LBDeletionProtection) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-lb-deletion-protection",
		Title:         "Load balancers have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		ResourceTypes: []string{"aws_lb", "aws_alb"},
		References:    []string{"CKV_AWS_150", "AWS FSBP ELB.6"},
		Doc: evaluator.RuleDoc{
			Summary: "Deleting the load balancer in front of production takes the service off the air, and a new one gets " +
				"a new DNS name that every client and alias must learn again. Not judged (no finding): destroyed or " +
				"forgotten load balancers (the lifecycle rules cover them).",
			Pass: "aws_lb or aws_alb (any load_balancer_type) that will exist after apply (create, update, no-op, replace) " +
				"with enable_deletion_protection = true.",
			Fail:    "enable_deletion_protection = false, or not set (the AWS provider default is false).",
			Unknown: "enable_deletion_protection is known only after apply (set from a value not yet known).",
			Remediation: "Set `enable_deletion_protection = true`. To retire the load balancer, turn it off in a reviewed " +
				"change of its own first.",
			Example: "resource \"aws_lb\" \"public\" {\n  enable_deletion_protection = true\n}",
		},
	}
}

func (LBDeletionProtection) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "enable_deletion_protection", true, false)}
}
