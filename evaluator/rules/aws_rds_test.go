package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestRDSBackupRetention(t *testing.T) {
	const id = "aws-rds-backup-retention"
	tests := []ruleCase{
		{
			name:   "an instance keeping seven days of backups passes",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"backup_retention_period": 7}},
			want:   []evaluator.Finding{pass(id, "aws_db_instance.this", "backup_retention_period", "backup_retention_period is 7")},
		},
		{
			name:   "a cluster keeping one day fails below the seven-day minimum",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{"backup_retention_period": 1}},
			want: []evaluator.Finding{fail(id, "aws_rds_cluster.this", "backup_retention_period",
				"backup_retention_period is 1, below the minimum of 7", ">= 7", "1")},
		},
		{
			name:   "an instance with backups turned off fails",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"backup_retention_period": 0}},
			want: []evaluator.Finding{fail(id, "aws_db_instance.this", "backup_retention_period",
				"backup_retention_period is 0, below the minimum of 7", ">= 7", "0")},
		},
		{
			name: "an instance that leaves the attribute unset is judged at the provider default of zero",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{},
				AfterUnknown: map[string]any{"backup_retention_period": true}, Config: map[string]any{}},
			want: []evaluator.Finding{fail(id, "aws_db_instance.this", "backup_retention_period",
				"backup_retention_period is not set (provider default 0), below the minimum of 7", ">= 7", "not set (provider default 0)")},
		},
		{
			name:   "a cluster that leaves the attribute unset is judged at the provider default of one",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{"backup_retention_period": nil}},
			want: []evaluator.Finding{fail(id, "aws_rds_cluster.this", "backup_retention_period",
				"backup_retention_period is not set (provider default 1), below the minimum of 7", ">= 7", "not set (provider default 1)")},
		},
		{
			name:   "an unset cluster passes when the policy lowers the minimum to one day",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{"backup_retention_period": nil}},
			params: map[string]any{"min_days": int64(1)},
			want: []evaluator.Finding{pass(id, "aws_rds_cluster.this", "backup_retention_period",
				"backup_retention_period is not set (provider default 1)")},
		},
		{
			name: "a retention set from a value known only after apply is unknown",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{},
				AfterUnknown: map[string]any{"backup_retention_period": true},
				Config:       map[string]any{"backup_retention_period": map[string]any{"references": []any{"var.days"}}}},
			want: []evaluator.Finding{unknown(id, "aws_rds_cluster.this", "backup_retention_period", ">= 7")},
		},
		{
			name: "a read replica is not judged because its recovery point is the source",
			change: evaltest.Change{Type: "aws_db_instance",
				After: map[string]any{"replicate_source_db": "main", "backup_retention_period": 0}},
			want: nil,
		},
		{
			name: "a replica of a source created in the same plan is not judged",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"backup_retention_period": 0},
				AfterUnknown: map[string]any{"replicate_source_db": true}},
			want: nil,
		},
		{
			name:   "an empty replicate_source_db is not a replica",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"replicate_source_db": "", "backup_retention_period": 14}},
			want:   []evaluator.Finding{pass(id, "aws_db_instance.this", "backup_retention_period", "backup_retention_period is 14")},
		},
		{
			name: "a destroyed database is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_rds_cluster", Actions: []string{"delete"},
				Before: map[string]any{"backup_retention_period": 0}},
			want: nil,
		},
	}
	runRuleCases(t, RDSBackupRetention{}, tests)
}

func TestRDSFinalSnapshot(t *testing.T) {
	const id = "aws-rds-final-snapshot"
	tests := []ruleCase{
		{
			name: "an instance that names its final snapshot passes",
			change: evaltest.Change{Type: "aws_db_instance",
				After: map[string]any{"skip_final_snapshot": false, "final_snapshot_identifier": "main-final"}},
			want: []evaluator.Finding{pass(id, "aws_db_instance.this", "final_snapshot_identifier",
				"a final snapshot is taken on destroy (skip_final_snapshot is false, final_snapshot_identifier is set)")},
		},
		{
			name: "a cluster that skips the final snapshot fails",
			change: evaltest.Change{Type: "aws_rds_cluster",
				After: map[string]any{"skip_final_snapshot": true, "final_snapshot_identifier": "main-final"}},
			want: []evaluator.Finding{fail(id, "aws_rds_cluster.this", "skip_final_snapshot",
				"skip_final_snapshot is true: destroying the database keeps no final snapshot", "false", "true")},
		},
		{
			name: "an unset skip_final_snapshot without a snapshot name fails on the missing name",
			change: evaltest.Change{Type: "aws_db_instance",
				After: map[string]any{"skip_final_snapshot": nil, "final_snapshot_identifier": nil}},
			want: []evaluator.Finding{fail(id, "aws_db_instance.this", "final_snapshot_identifier",
				"final_snapshot_identifier is not set while skip_final_snapshot is not set (provider default false): "+
					"the provider refuses to destroy the database until a snapshot name is set",
				"a snapshot name", "not set")},
		},
		{
			name: "an unset skip_final_snapshot with a snapshot name passes",
			change: evaltest.Change{Type: "aws_rds_cluster",
				After: map[string]any{"final_snapshot_identifier": "orders-final"}},
			want: []evaluator.Finding{pass(id, "aws_rds_cluster.this", "final_snapshot_identifier",
				"a final snapshot is taken on destroy (skip_final_snapshot is not set (provider default false), final_snapshot_identifier is set)")},
		},
		{
			name: "an empty snapshot name fails",
			change: evaltest.Change{Type: "aws_db_instance",
				After: map[string]any{"skip_final_snapshot": false, "final_snapshot_identifier": ""}},
			want: []evaluator.Finding{fail(id, "aws_db_instance.this", "final_snapshot_identifier",
				`final_snapshot_identifier is "" while skip_final_snapshot is false: the provider refuses to destroy the database until a snapshot name is set`,
				"a snapshot name", `""`)},
		},
		{
			name: "a skip flag known only after apply is unknown",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"final_snapshot_identifier": "x"},
				AfterUnknown: map[string]any{"skip_final_snapshot": true},
				Config:       map[string]any{"skip_final_snapshot": map[string]any{"references": []any{"var.ephemeral"}}}},
			want: []evaluator.Finding{unknown(id, "aws_db_instance.this", "skip_final_snapshot", "false")},
		},
		{
			name: "a snapshot name known only after apply is unknown",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{"skip_final_snapshot": false},
				AfterUnknown: map[string]any{"final_snapshot_identifier": true}},
			want: []evaluator.Finding{unknown(id, "aws_rds_cluster.this", "final_snapshot_identifier", "a snapshot name")},
		},
		{
			name: "a read replica is not judged because RDS takes no final snapshot of it",
			change: evaltest.Change{Type: "aws_db_instance",
				After: map[string]any{"replicate_source_db": "main", "skip_final_snapshot": true}},
			want: nil,
		},
		{
			name: "a destroyed database is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_db_instance", Actions: []string{"delete"},
				Before: map[string]any{"skip_final_snapshot": true}},
			want: nil,
		},
	}
	runRuleCases(t, RDSFinalSnapshot{}, tests)
}

func TestRDSStorageEncrypted(t *testing.T) {
	const id = "aws-rds-storage-encrypted"
	tests := []ruleCase{
		{
			name:   "an encrypted instance passes",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"storage_encrypted": true}},
			want:   []evaluator.Finding{pass(id, "aws_db_instance.this", "storage_encrypted", "storage_encrypted is true")},
		},
		{
			name:   "an unencrypted cluster fails",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{"storage_encrypted": false, "engine_mode": "provisioned"}},
			want: []evaluator.Finding{fail(id, "aws_rds_cluster.this", "storage_encrypted",
				"storage_encrypted is false", "true", "false")},
		},
		{
			name: "a cluster that leaves encryption unset fails with the provider default named",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{},
				AfterUnknown: map[string]any{"storage_encrypted": true}, Config: map[string]any{}},
			want: []evaluator.Finding{fail(id, "aws_rds_cluster.this", "storage_encrypted",
				"storage_encrypted is not set (provider default false)", "true", "not set (provider default false)")},
		},
		{
			name: "encryption set from a value known only after apply is unknown",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{},
				AfterUnknown: map[string]any{"storage_encrypted": true},
				Config:       map[string]any{"storage_encrypted": map[string]any{"references": []any{"var.encrypt"}}}},
			want: []evaluator.Finding{unknown(id, "aws_db_instance.this", "storage_encrypted", "true")},
		},
		{
			name:   "a serverless v1 cluster passes because its storage is always encrypted",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{"engine_mode": "serverless", "storage_encrypted": nil}},
			want: []evaluator.Finding{pass(id, "aws_rds_cluster.this", "engine_mode",
				`engine_mode is "serverless": Aurora Serverless v1 storage is always encrypted`)},
		},
		{
			name:   "a read replica that inherits encryption gets no finding",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"replicate_source_db": "main", "storage_encrypted": false}},
			want:   nil,
		},
		{
			name:   "a read replica known to be encrypted passes",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"replicate_source_db": "main", "storage_encrypted": true}},
			want:   []evaluator.Finding{pass(id, "aws_db_instance.this", "storage_encrypted", "storage_encrypted is true")},
		},
		{
			name:   "a destroyed database is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_rds_cluster", Actions: []string{"delete"}, Before: map[string]any{"storage_encrypted": false}},
			want:   nil,
		},
	}
	runRuleCases(t, RDSStorageEncrypted{}, tests)
}

func TestRDSFinalSnapshotDocDBAndNeptune(t *testing.T) {
	const id = "aws-rds-final-snapshot"
	tests := []ruleCase{
		{
			name: "a DocumentDB cluster that names its final snapshot passes",
			change: evaltest.Change{Type: "aws_docdb_cluster",
				After: map[string]any{"skip_final_snapshot": false, "final_snapshot_identifier": "docs-final"}},
			want: []evaluator.Finding{pass(id, "aws_docdb_cluster.this", "final_snapshot_identifier",
				"a final snapshot is taken on destroy (skip_final_snapshot is false, final_snapshot_identifier is set)")},
		},
		{
			name:   "a Neptune cluster that skips the final snapshot fails",
			change: evaltest.Change{Type: "aws_neptune_cluster", After: map[string]any{"skip_final_snapshot": true}},
			want: []evaluator.Finding{fail(id, "aws_neptune_cluster.this", "skip_final_snapshot",
				"skip_final_snapshot is true: destroying the database keeps no final snapshot", "false", "true")},
		},
		{
			name:   "a DocumentDB cluster without a snapshot name fails on the missing name",
			change: evaltest.Change{Type: "aws_docdb_cluster", After: map[string]any{"skip_final_snapshot": false}},
			want: []evaluator.Finding{fail(id, "aws_docdb_cluster.this", "final_snapshot_identifier",
				"final_snapshot_identifier is not set while skip_final_snapshot is false: "+
					"the provider refuses to destroy the database until a snapshot name is set",
				"a snapshot name", "not set")},
		},
		{
			name: "a Neptune snapshot name known only after apply is unknown",
			change: evaltest.Change{Type: "aws_neptune_cluster", After: map[string]any{},
				AfterUnknown: map[string]any{"final_snapshot_identifier": true}},
			want: []evaluator.Finding{unknown(id, "aws_neptune_cluster.this", "final_snapshot_identifier", "a snapshot name")},
		},
		{
			name: "a destroyed Neptune cluster is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_neptune_cluster", Actions: []string{"delete"},
				Before: map[string]any{"skip_final_snapshot": true}},
			want: nil,
		},
	}
	runRuleCases(t, RDSFinalSnapshot{}, tests)
}

func TestRDSLogExports(t *testing.T) {
	const id = "aws-rds-log-exports"
	const attr = "enabled_cloudwatch_logs_exports"
	tests := []ruleCase{
		{
			name:   "an instance exporting two log types passes",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{attr: []any{"postgresql", "upgrade"}}},
			want:   []evaluator.Finding{pass(id, "aws_db_instance.this", attr, "enabled_cloudwatch_logs_exports has 2 entries")},
		},
		{
			name: "a cluster whose log type is known only after apply still exports one",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{attr: []any{nil}},
				AfterUnknown: map[string]any{attr: []any{true}}},
			want: []evaluator.Finding{pass(id, "aws_rds_cluster.this", attr, "enabled_cloudwatch_logs_exports has 1 entries")},
		},
		{
			name:   "an empty list fails",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{attr: []any{}}},
			want: []evaluator.Finding{fail(id, "aws_rds_cluster.this", attr, "enabled_cloudwatch_logs_exports is empty",
				"at least one log type", "empty list")},
		},
		{
			name:   "an absent attribute fails: nothing is exported",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{"engine": "mysql"}},
			want: []evaluator.Finding{fail(id, "aws_db_instance.this", attr, "enabled_cloudwatch_logs_exports is not set",
				"at least one log type", "not set")},
		},
		{
			name: "a list known only after apply is unknown",
			change: evaltest.Change{Type: "aws_db_instance", After: map[string]any{},
				AfterUnknown: map[string]any{attr: true}},
			want: []evaluator.Finding{unknown(id, "aws_db_instance.this", attr, "at least one log type")},
		},
		{
			name: "a destroyed database is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_db_instance", Actions: []string{"delete"},
				Before: map[string]any{attr: []any{}}},
			want: nil,
		},
	}
	runRuleCases(t, RDSLogExports{}, tests)
}

func TestRDSBackupRetentionAcceptsAWSBackup(t *testing.T) {
	tests := []ruleCase{
		{
			name: "one day of native retention passes when an AWS Backup selection lists the database's ARN",
			changes: []evaltest.Change{
				{Address: "aws_db_instance.orders", Type: "aws_db_instance",
					After: map[string]any{"backup_retention_period": 1, "arn": "arn:aws:rds:eu-west-1:111122223333:db:orders"}},
				{Address: "aws_backup_selection.db", Type: "aws_backup_selection",
					After: map[string]any{"resources": []any{"arn:aws:rds:eu-west-1:111122223333:db:orders"}}},
			},
			want: []evaluator.Finding{pass("aws-rds-backup-retention", "aws_db_instance.orders", "backup_retention_period",
				"AWS Backup covers it: aws_backup_selection.db lists its ARN in resources (native setting: backup_retention_period is 1, below the minimum of 7)")},
		},
		{
			name: "a selection listing another database does not help",
			changes: []evaltest.Change{
				{Address: "aws_db_instance.orders", Type: "aws_db_instance",
					After: map[string]any{"backup_retention_period": 1, "arn": "arn:aws:rds:eu-west-1:111122223333:db:orders"}},
				{Address: "aws_backup_selection.db", Type: "aws_backup_selection",
					After: map[string]any{"resources": []any{"arn:aws:rds:eu-west-1:111122223333:db:billing"}}},
			},
			want: []evaluator.Finding{fail("aws-rds-backup-retention", "aws_db_instance.orders", "backup_retention_period",
				"backup_retention_period is 1, below the minimum of 7", ">= 7", "1")},
		},
	}
	runRuleCases(t, RDSBackupRetention{}, tests)
}
