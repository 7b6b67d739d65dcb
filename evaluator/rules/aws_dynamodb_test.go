package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestDynamoDBDeletionProtection(t *testing.T) {
	const id = "aws-dynamodb-deletion-protection"
	tests := []ruleCase{
		{
			name:   "a table with deletion protection passes",
			change: evaltest.Change{Type: "aws_dynamodb_table", After: map[string]any{"deletion_protection_enabled": true}},
			want:   []evaluator.Finding{pass(id, "aws_dynamodb_table.this", "deletion_protection_enabled", "deletion_protection_enabled is true")},
		},
		{
			name:   "a table with deletion protection off fails",
			change: evaltest.Change{Type: "aws_dynamodb_table", After: map[string]any{"deletion_protection_enabled": false}},
			want: []evaluator.Finding{fail(id, "aws_dynamodb_table.this", "deletion_protection_enabled",
				"deletion_protection_enabled is false", "true", "false")},
		},
		{
			name:   "an unset attribute fails with the provider default named",
			change: evaltest.Change{Type: "aws_dynamodb_table", After: map[string]any{"name": "orders"}},
			want: []evaluator.Finding{fail(id, "aws_dynamodb_table.this", "deletion_protection_enabled",
				"deletion_protection_enabled is not set (provider default false)", "true", "not set (provider default false)")},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "aws_dynamodb_table", After: map[string]any{},
				AfterUnknown: map[string]any{"deletion_protection_enabled": true}},
			want: []evaluator.Finding{unknown(id, "aws_dynamodb_table.this", "deletion_protection_enabled", "true")},
		},
		{
			name:   "a destroyed table is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_dynamodb_table", Actions: []string{"delete"}, Before: map[string]any{"deletion_protection_enabled": false}},
			want:   nil,
		},
	}
	runRuleCases(t, DynamoDBDeletionProtection{}, tests)
}

func TestDynamoDBPITR(t *testing.T) {
	const id = "aws-dynamodb-pitr"
	const attr = "point_in_time_recovery.enabled"
	tests := []ruleCase{
		{
			name: "a table with point-in-time recovery enabled passes",
			change: evaltest.Change{Type: "aws_dynamodb_table",
				After: map[string]any{"point_in_time_recovery": []any{map[string]any{"enabled": true}}}},
			want: []evaluator.Finding{pass(id, "aws_dynamodb_table.this", attr, "point_in_time_recovery.enabled is true")},
		},
		{
			name: "a table with point-in-time recovery disabled fails",
			change: evaltest.Change{Type: "aws_dynamodb_table",
				After: map[string]any{"point_in_time_recovery": []any{map[string]any{"enabled": false}}}},
			want: []evaluator.Finding{fail(id, "aws_dynamodb_table.this", attr,
				"point_in_time_recovery.enabled is false", "true", "false")},
		},
		{
			name:   "a table without the block fails with the provider default named",
			change: evaltest.Change{Type: "aws_dynamodb_table", After: map[string]any{"point_in_time_recovery": []any{}}},
			want: []evaluator.Finding{fail(id, "aws_dynamodb_table.this", attr,
				"point_in_time_recovery.enabled is not set (provider default false)", "true", "not set (provider default false)")},
		},
		{
			name: "a new table whose computed block is unknown but not configured fails as not set",
			change: evaltest.Change{Type: "aws_dynamodb_table", After: map[string]any{"name": "orders"},
				AfterUnknown: map[string]any{"point_in_time_recovery": true},
				Config:       map[string]any{"name": map[string]any{"constant_value": "orders"}}},
			want: []evaluator.Finding{fail(id, "aws_dynamodb_table.this", attr,
				"point_in_time_recovery.enabled is not set (provider default false)", "true", "not set (provider default false)")},
		},
		{
			name: "a flag set from a value known only after apply is unknown",
			change: evaltest.Change{Type: "aws_dynamodb_table",
				After:        map[string]any{"point_in_time_recovery": []any{map[string]any{}}},
				AfterUnknown: map[string]any{"point_in_time_recovery": []any{map[string]any{"enabled": true}}},
				Config: map[string]any{"point_in_time_recovery": []any{map[string]any{
					"enabled": map[string]any{"references": []any{"var.pitr"}}}}}},
			want: []evaluator.Finding{unknown(id, "aws_dynamodb_table.this", attr, "true")},
		},
		{
			name: "a table turning point-in-time recovery off in an update fails",
			change: evaltest.Change{Type: "aws_dynamodb_table", Actions: []string{"update"},
				Before: map[string]any{"point_in_time_recovery": []any{map[string]any{"enabled": true}}},
				After:  map[string]any{"point_in_time_recovery": []any{map[string]any{"enabled": false}}}},
			want: []evaluator.Finding{fail(id, "aws_dynamodb_table.this", attr,
				"point_in_time_recovery.enabled is false", "true", "false")},
		},
		{
			name:   "a forgotten table is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_dynamodb_table", Actions: []string{"forget"}, Before: map[string]any{"name": "orders"}},
			want:   nil,
		},
	}
	runRuleCases(t, DynamoDBPITR{}, tests)
}
