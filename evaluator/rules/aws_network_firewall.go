package rules

import "github.com/prodgate/prodgate/evaluator"

// NetworkFirewallDeletionProtection requires delete_protection on AWS
// Network Firewall firewalls.
type NetworkFirewallDeletionProtection struct{}

func (NetworkFirewallDeletionProtection) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-network-firewall-deletion-protection",
		Title:         "Network Firewall firewalls have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_networkfirewall_firewall"},
		References:    []string{"CKV_AWS_344", "AWS FSBP NetworkFirewall.9"},
		Doc: evaluator.RuleDoc{
			Summary: "Deleting the firewall removes its endpoints from the VPC: traffic routed through them is dropped, or, " +
				"once routes are fixed, flows uninspected. Not judged (no finding): destroyed or forgotten firewalls (the " +
				"lifecycle rules cover them).",
			Pass: "aws_networkfirewall_firewall that will exist after apply (create, update, no-op, replace) with " +
				"delete_protection = true.",
			Fail: "delete_protection = false, or not set (the AWS provider default is false).",
			Unknown: "delete_protection is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Set `delete_protection = true`. To retire the firewall, turn it off in a reviewed change of its " +
				"own first.",
			Example: "resource \"aws_networkfirewall_firewall\" \"egress\" {\n  delete_protection = true\n}",
		},
	}
}

func (NetworkFirewallDeletionProtection) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "delete_protection", true, false)}
}
