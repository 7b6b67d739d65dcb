package rules

import (
	"strings"

	"github.com/prodgate/prodgate/evaluator"
)

// EC2TerminationProtection requires disable_api_termination on EC2 instances.
// It is advisory: most fleets are cattle behind Auto Scaling groups, so the
// rule is meant to be promoted in a production scope for the pets.
type EC2TerminationProtection struct{}

func (EC2TerminationProtection) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-ec2-termination-protection",
		Title:         "EC2 instances have termination protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_instance"},
		Doc: evaluator.RuleDoc{
			Summary: "Advisory by default (an instance is not a data store: replacing one is routine), meant to be promoted in a " +
				"production scope (`rules: {aws-ec2-termination-protection: {enforce: blocking}}`) where stand-alone instances hold state " +
				"or cannot be rebuilt in minutes. disable_api_termination stops TerminateInstances from the console, CLI " +
				"and API, including a `terraform destroy`, until someone turns it off. It does not stop an Auto Scaling " +
				"group or an OS shutdown with instance_initiated_shutdown_behavior = \"terminate\". Checkov, Trivy and " +
				"FSBP have no check for it. Not judged (no finding): destroyed or forgotten instances (the lifecycle rules " +
				"cover them) and Spot Instances (instance_market_options.market_type = \"spot\"), for which EC2 does not " +
				"support termination protection.",
			Pass: "aws_instance that will exist after apply (create, update, no-op, replace) with disable_api_termination = true.",
			Fail: "disable_api_termination = false, or not set (the AWS provider default is false).",
			Unknown: "disable_api_termination is known only after apply because the configuration sets it from a value not " +
				"yet known (an unset value shown as known after apply is judged as the default false when the " +
				"configuration shows it is not written).",
			Remediation: "Set `disable_api_termination = true`. To replace or retire the instance, turn it off in a " +
				"reviewed change of its own first.",
			Example: "resource \"aws_instance\" \"primary\" {\n  disable_api_termination = true\n}",
		},
	}
}

func (EC2TerminationProtection) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	if market, ok := r.After("instance_market_options.market_type").Str(); ok && strings.EqualFold(market, "spot") {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "disable_api_termination", true, false)}
}
