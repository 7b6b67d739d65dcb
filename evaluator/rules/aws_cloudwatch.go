package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// CloudWatchLogRetention requires log groups to keep logs for at least
// min_days, or forever.
type CloudWatchLogRetention struct{}

func (CloudWatchLogRetention) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-cloudwatch-log-retention",
		Title:         "CloudWatch log groups keep logs long enough",
		Severity:      evaluator.SeverityMedium,
		Category:      "logging",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_cloudwatch_log_group"},
		Params: []evaluator.ParamSpec{{
			Name:    "min_days",
			Kind:    evaluator.ParamInt,
			Default: int64(365),
			Source: "365 days: Checkov CKV_AWS_338 (\"retains logs for at least 1 year\") and AWS FSBP CloudWatch.16 " +
				"(default minimum 365 days)",
			Doc: "Fewest days a log group must keep its events (retention_in_days); 0, never expire, always passes.",
		}},
		References: []string{"CKV_AWS_338", "CKV_AWS_66", "AWS FSBP CloudWatch.16"},
		Doc: evaluator.RuleDoc{
			Summary: "Incidents and audits reach back months: a 7-day or 30-day retention deletes the evidence before anyone " +
				"asks for it. Never-expiring log groups pass, because they keep the logs (their cost is a different " +
				"question). Not judged (no finding): destroyed or forgotten log groups (the lifecycle rules cover them) " +
				"and log groups with log_group_class = \"DELIVERY\", whose retention AWS fixes because they only stage logs " +
				"delivered to other destinations.",
			Pass: "aws_cloudwatch_log_group that will exist after apply (create, update, no-op, replace) with " +
				"retention_in_days >= min_days (default 365), or retention_in_days = 0 or not set (the provider default 0: " +
				"logs never expire).",
			Fail: "retention_in_days between 1 and min_days - 1.",
			Unknown: "retention_in_days is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Set `retention_in_days` to at least the minimum (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, " +
				"3288 or 3653), or export older logs to S3 and lower min_days for this scope in the policy.",
			Example: "resource \"aws_cloudwatch_log_group\" \"app\" {\n  retention_in_days = 365\n}",
		},
	}
}

func (CloudWatchLogRetention) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	if class, ok := r.After("log_group_class").Str(); ok && strings.EqualFold(class, "DELIVERY") {
		return nil
	}
	const attr = "retention_in_days"
	min := c.Int("min_days")
	expected := ">= " + strconv.FormatInt(min, 10) + ", or 0 (never expire)"
	e := evaluator.EffectiveAfter(r, attr, int64(0))
	if !e.Known() {
		return []evaluator.Finding{c.Unknown(r, attr, expected)}
	}
	days, ok := e.Value.Int()
	if e.Defaulted {
		days, ok = 0, true
	}
	if !ok {
		return []evaluator.Finding{c.Fail(r, attr, attr+" is not a whole number", expected, e.Display())}
	}
	switch {
	case days == 0:
		return []evaluator.Finding{c.Pass(r, attr, attr+" is "+e.Display()+": logs never expire")}
	case days >= min:
		return []evaluator.Finding{c.Pass(r, attr, attr+" is "+e.Display())}
	}
	return []evaluator.Finding{c.Fail(r, attr,
		fmt.Sprintf("%s is %s: logs are deleted before the minimum of %d days", attr, e.Display(), min), expected, e.Display())}
}
