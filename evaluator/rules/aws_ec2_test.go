package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestEC2TerminationProtection(t *testing.T) {
	const id = "aws-ec2-termination-protection"
	tests := awsBoolCases(id, "aws_instance", "disable_api_termination", true, false, nil)
	tests = append(tests,
		ruleCase{
			name: "a Spot Instance is not judged because EC2 cannot protect it",
			change: evaltest.Change{Type: "aws_instance", After: map[string]any{"disable_api_termination": false,
				"instance_market_options": []any{map[string]any{"market_type": "spot"}}}},
			want: nil,
		},
		ruleCase{
			name: "an on-demand market block is judged",
			change: evaltest.Change{Type: "aws_instance", After: map[string]any{"disable_api_termination": true,
				"instance_market_options": []any{map[string]any{"market_type": "capacity-block"}}}},
			want: []evaluator.Finding{pass(id, "aws_instance.this", "disable_api_termination", "disable_api_termination is true")},
		},
	)
	runRuleCases(t, EC2TerminationProtection{}, tests)
}
