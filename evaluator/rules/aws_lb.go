package rules

import (
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// LBInternetFacing reports internet-facing load balancers. It is advisory: a
// public entry point is often intended, but it should be seen in review.
type LBInternetFacing struct{}

func (LBInternetFacing) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-lb-internet-facing",
		Title:         "Internet-facing load balancers are reported",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_lb", "aws_alb"},
		References:    []string{"AVD-AWS-0053"},
		Doc: evaluator.RuleDoc{
			Summary: "Advisory: a load balancer with internal = false has public IP addresses and a public DNS name. That is " +
				"right for a website and wrong for an internal API or an admin tool, and only a person can tell which, so " +
				"the rule is advisory: it warns and does not block unless the policy promotes it. Checkov has no direct check (CKV2_AWS_28 only asks public ALBs " +
				"for a WAF). Not judged (no finding): destroyed or forgotten load balancers (the lifecycle rules cover " +
				"them) and Gateway Load Balancers (load_balancer_type = \"gateway\"), which have no scheme.",
			Pass: "aws_lb or aws_alb that will exist after apply with internal = true.",
			Fail: "Never fails: the rule is advisory. It warns (status warn) when internal = false or not set (the AWS " +
				"provider default is false: internet-facing).",
			Unknown: "Never reported as unknown, because an unknown finding could block the gate: when internal is known " +
				"only after apply the rule warns and says so.",
			Remediation: "If the load balancer is not meant for the internet, set `internal = true` (a replacement). If it " +
				"is, put a WAF (aws_wafv2_web_acl_association) and TLS listeners in front, and record the decision in a " +
				"waiver so the warning is expected.",
			Example: "resource \"aws_lb\" \"api\" {\n  internal = true\n}",
		},
	}
}

func (LBInternetFacing) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	if typ, ok := r.After("load_balancer_type").Str(); ok && typ == "gateway" {
		return nil
	}
	const attr = "internal"
	e := evaluator.EffectiveAfter(r, attr, false)
	if !e.Known() {
		return []evaluator.Finding{c.Warn(r, attr,
			"internal is known only after apply: the load balancer may be internet-facing; confirm it is meant to be")}
	}
	internal, ok := e.Value.Bool()
	if e.Defaulted {
		internal, ok = false, true
	}
	if ok && internal {
		return []evaluator.Finding{c.Pass(r, attr, "internal is true: the load balancer is not reachable from the internet")}
	}
	return []evaluator.Finding{c.Warn(r, attr, "internal is "+e.Display()+
		": the load balancer is internet-facing; confirm it is meant to be reachable from the internet")}
}
