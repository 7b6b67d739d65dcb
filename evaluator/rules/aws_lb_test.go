package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestLBInternetFacing(t *testing.T) {
	const id = "aws-lb-internet-facing"
	const attr = "internal"
	tests := []ruleCase{
		{
			name:   "an internal load balancer passes",
			change: evaltest.Change{Type: "aws_lb", After: map[string]any{attr: true}},
			want: []evaluator.Finding{pass(id, "aws_lb.this", attr,
				"internal is true: the load balancer is not reachable from the internet")},
		},
		{
			name:   "an internet-facing aws_alb warns",
			change: evaltest.Change{Type: "aws_alb", After: map[string]any{attr: false}},
			want: []evaluator.Finding{warn(id, "aws_alb.this", attr,
				"internal is false: the load balancer is internet-facing; confirm it is meant to be reachable from the internet")},
		},
		{
			name: "an unwritten internal is the provider default false and warns",
			change: evaltest.Change{Type: "aws_lb", After: map[string]any{"load_balancer_type": "application"},
				AfterUnknown: map[string]any{attr: true}, Config: map[string]any{}},
			want: []evaluator.Finding{warn(id, "aws_lb.this", attr,
				"internal is not set (provider default false): the load balancer is internet-facing; confirm it is meant "+
					"to be reachable from the internet")},
		},
		{
			name: "an internal flag known only after apply warns instead of blocking",
			change: evaltest.Change{Type: "aws_lb", After: map[string]any{}, AfterUnknown: map[string]any{attr: true},
				Config: map[string]any{attr: map[string]any{"references": []any{"var.internal"}}}},
			want: []evaluator.Finding{warn(id, "aws_lb.this", attr,
				"internal is known only after apply: the load balancer may be internet-facing; confirm it is meant to be")},
		},
		{
			name:   "a Gateway Load Balancer is not judged because it has no scheme",
			change: evaltest.Change{Type: "aws_lb", After: map[string]any{"load_balancer_type": "gateway"}},
			want:   nil,
		},
		{
			name:   "a destroyed load balancer is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_lb", Actions: []string{"delete"}, Before: map[string]any{attr: false}},
			want:   nil,
		},
	}
	runRuleCases(t, LBInternetFacing{}, tests)
}
