package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestRDSDeletionProtection(t *testing.T) {
	tests := []ruleCase{
		{
			name:   "an instance with deletion protection passes",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"deletion_protection": true}},
			want:   []evaluator.Finding{pass("aws-rds-deletion-protection", "aws_db_instance.this", "deletion_protection", "deletion_protection is true")},
		},
		{
			name:   "a cluster with deletion protection off fails",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{"deletion_protection": false}},
			want: []evaluator.Finding{fail("aws-rds-deletion-protection", "aws_rds_cluster.this", "deletion_protection",
				"deletion_protection is false", "true", "false")},
		},
		{
			name:   "an unset attribute fails with the provider default named",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"deletion_protection": nil}},
			want: []evaluator.Finding{fail("aws-rds-deletion-protection", "aws_db_instance.this", "deletion_protection",
				"deletion_protection is not set (provider default false)", "true", "not set (provider default false)")},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{},
				AfterUnknown: map[string]any{"deletion_protection": true},
				Config:       map[string]any{"deletion_protection": map[string]any{"references": []any{"var.protect"}}}},
			want: []evaluator.Finding{unknown("aws-rds-deletion-protection", "aws_db_instance.this", "deletion_protection", "true")},
		},
		{
			name:   "a destroyed database is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_db_instance", Actions: []string{"delete"}, Before: map[string]any{"deletion_protection": false}},
			want:   nil,
		},
	}
	runRuleCases(t, RDSDeletionProtection{}, tests)
}
