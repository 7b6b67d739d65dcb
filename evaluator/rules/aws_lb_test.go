package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestLBDeletionProtection(t *testing.T) {
	const id = "aws-lb-deletion-protection"
	tests := []ruleCase{
		{
			name:   "a load balancer with deletion protection passes",
			change: evaltest.Change{Type: "aws_lb", After: map[string]any{"enable_deletion_protection": true}},
			want:   []evaluator.Finding{pass(id, "aws_lb.this", "enable_deletion_protection", "enable_deletion_protection is true")},
		},
		{
			name:   "an aws_alb with deletion protection off fails",
			change: evaltest.Change{Type: "aws_alb", After: map[string]any{"enable_deletion_protection": false}},
			want: []evaluator.Finding{fail(id, "aws_alb.this", "enable_deletion_protection",
				"enable_deletion_protection is false", "true", "false")},
		},
		{
			name:   "an unset attribute fails with the provider default named",
			change: evaltest.Change{Type: "aws_lb", After: map[string]any{"enable_deletion_protection": nil}},
			want: []evaluator.Finding{fail(id, "aws_lb.this", "enable_deletion_protection",
				"enable_deletion_protection is not set (provider default false)", "true", "not set (provider default false)")},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "aws_lb", After: map[string]any{},
				AfterUnknown: map[string]any{"enable_deletion_protection": true},
				Config:       map[string]any{"enable_deletion_protection": map[string]any{"references": []any{"var.protect"}}}},
			want: []evaluator.Finding{unknown(id, "aws_lb.this", "enable_deletion_protection", "true")},
		},
		{
			name: "a replaced load balancer is judged on its new object",
			change: evaltest.Change{Type: "aws_lb", Actions: []string{"create", "delete"},
				Before: map[string]any{"enable_deletion_protection": true}, After: map[string]any{"enable_deletion_protection": false}},
			want: []evaluator.Finding{fail(id, "aws_lb.this", "enable_deletion_protection",
				"enable_deletion_protection is false", "true", "false")},
		},
		{
			name:   "a destroyed load balancer is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_lb", Actions: []string{"delete"}, Before: map[string]any{"enable_deletion_protection": false}},
			want:   nil,
		},
	}
	runRuleCases(t, LBDeletionProtection{}, tests)
}
