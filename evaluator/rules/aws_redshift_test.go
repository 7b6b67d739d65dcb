package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestRedshiftSnapshotRetention(t *testing.T) {
	const id = "aws-redshift-snapshot-retention"
	tests := awsRetentionCases(id, "aws_redshift_cluster", "automated_snapshot_retention_period", 7, 1)
	tests = append(tests, ruleCase{
		name: "automated snapshots turned off fail",
		change: evaltest.Change{Type: "aws_redshift_cluster",
			After: map[string]any{"automated_snapshot_retention_period": 0}},
		want: []evaluator.Finding{fail(id, "aws_redshift_cluster.this", "automated_snapshot_retention_period",
			"automated_snapshot_retention_period is 0, below the minimum of 7", ">= 7", "0")},
	})
	runRuleCases(t, RedshiftSnapshotRetention{}, tests)
}

func TestRedshiftFinalSnapshot(t *testing.T) {
	const id = "aws-redshift-final-snapshot"
	const addr = "aws_redshift_cluster.this"
	tests := []ruleCase{
		{
			name: "a cluster that names its final snapshot passes",
			change: evaltest.Change{Type: "aws_redshift_cluster",
				After: map[string]any{"skip_final_snapshot": false, "final_snapshot_identifier": "warehouse-final"}},
			want: []evaluator.Finding{pass(id, addr, "final_snapshot_identifier",
				"a final snapshot is taken on destroy (skip_final_snapshot is false, final_snapshot_identifier is set)")},
		},
		{
			name:   "a cluster that skips the final snapshot fails",
			change: evaltest.Change{Type: "aws_redshift_cluster", After: map[string]any{"skip_final_snapshot": true}},
			want: []evaluator.Finding{fail(id, addr, "skip_final_snapshot",
				"skip_final_snapshot is true: destroying the cluster keeps no final snapshot", "false", "true")},
		},
		{
			name:   "an unset skip flag without a snapshot name fails on the missing name",
			change: evaltest.Change{Type: "aws_redshift_cluster", After: map[string]any{}},
			want: []evaluator.Finding{fail(id, addr, "final_snapshot_identifier",
				"final_snapshot_identifier is not set while skip_final_snapshot is not set (provider default false): "+
					"the provider refuses to destroy the cluster until a snapshot name is set",
				"a snapshot name", "not set")},
		},
		{
			name: "a skip flag known only after apply is unknown",
			change: evaltest.Change{Type: "aws_redshift_cluster", After: map[string]any{},
				AfterUnknown: map[string]any{"skip_final_snapshot": true},
				Config:       map[string]any{"skip_final_snapshot": map[string]any{"references": []any{"var.ephemeral"}}}},
			want: []evaluator.Finding{unknown(id, addr, "skip_final_snapshot", "false")},
		},
		{
			name: "a snapshot name known only after apply is unknown",
			change: evaltest.Change{Type: "aws_redshift_cluster", After: map[string]any{"skip_final_snapshot": false},
				AfterUnknown: map[string]any{"final_snapshot_identifier": true}},
			want: []evaluator.Finding{unknown(id, addr, "final_snapshot_identifier", "a snapshot name")},
		},
		{
			name: "a destroyed cluster is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_redshift_cluster", Actions: []string{"delete"},
				Before: map[string]any{"skip_final_snapshot": true}},
			want: nil,
		},
	}
	runRuleCases(t, RedshiftFinalSnapshot{}, tests)
}
