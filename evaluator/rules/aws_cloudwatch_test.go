package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestCloudWatchLogRetention(t *testing.T) {
	const id = "aws-cloudwatch-log-retention"
	const typ, addr, attr = "aws_cloudwatch_log_group", "aws_cloudwatch_log_group.this", "retention_in_days"
	const expected = ">= 365, or 0 (never expire)"
	tests := []ruleCase{
		{
			name:   "a log group keeping a year passes",
			change: evaltest.Change{Type: typ, After: map[string]any{attr: 365}},
			want:   []evaluator.Finding{pass(id, addr, attr, "retention_in_days is 365")},
		},
		{
			name:   "a log group keeping 30 days fails",
			change: evaltest.Change{Type: typ, After: map[string]any{attr: 30}},
			want: []evaluator.Finding{fail(id, addr, attr,
				"retention_in_days is 30: logs are deleted before the minimum of 365 days", expected, "30")},
		},
		{
			name:   "a log group that never expires passes",
			change: evaltest.Change{Type: typ, After: map[string]any{attr: 0}},
			want:   []evaluator.Finding{pass(id, addr, attr, "retention_in_days is 0: logs never expire")},
		},
		{
			name:   "an absent retention is the provider default 0 and passes because logs never expire",
			change: evaltest.Change{Type: typ, After: map[string]any{"name": "/app"}},
			want: []evaluator.Finding{pass(id, addr, attr,
				"retention_in_days is not set (provider default 0): logs never expire")},
		},
		{
			name:   "a policy lowering min_days to 90 passes 90 days",
			change: evaltest.Change{Type: typ, After: map[string]any{attr: 90}},
			params: map[string]any{"min_days": int64(90)},
			want:   []evaluator.Finding{pass(id, addr, attr, "retention_in_days is 90")},
		},
		{
			name: "a retention set from a value known only after apply is unknown",
			change: evaltest.Change{Type: typ, After: map[string]any{}, AfterUnknown: map[string]any{attr: true},
				Config: map[string]any{attr: map[string]any{"references": []any{"var.log_days"}}}},
			want: []evaluator.Finding{unknown(id, addr, attr, expected)},
		},
		{
			name:   "a Delivery class log group is not judged because AWS fixes its retention",
			change: evaltest.Change{Type: typ, After: map[string]any{"log_group_class": "DELIVERY", attr: 2}},
			want:   nil,
		},
		{
			name:   "an Infrequent Access log group is judged",
			change: evaltest.Change{Type: typ, After: map[string]any{"log_group_class": "INFREQUENT_ACCESS", attr: 7}},
			want: []evaluator.Finding{fail(id, addr, attr,
				"retention_in_days is 7: logs are deleted before the minimum of 365 days", expected, "7")},
		},
		{
			name:   "a destroyed log group is left to the lifecycle rules",
			change: evaltest.Change{Type: typ, Actions: []string{"delete"}, Before: map[string]any{attr: 1}},
			want:   nil,
		},
	}
	runRuleCases(t, CloudWatchLogRetention{}, tests)
}
