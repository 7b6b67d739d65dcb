package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestProtectionLowered(t *testing.T) {
	const id = "lifecycle-protection-lowered"
	const addr = `module.db["eu"].aws_db_instance.main[0]`
	list := func(m map[string]any) []any { return []any{m} }
	// off is a blocking finding that folds the finding of rule, the rule
	// that sets the standard for the attribute.
	off := func(f evaluator.Finding, rule string) evaluator.Finding {
		f.Folds = []evaluator.FindingRef{{RuleID: rule, Address: f.Address, Attribute: f.Attribute}}
		return f
	}
	tests := []ruleCase{
		{
			name: "protection that stays or rises passes, one finding per protective attribute",
			change: evaltest.Change{Address: addr, ModuleAddress: `module.db["eu"]`, Type: "aws_db_instance", Actions: []string{"update"},
				Before: map[string]any{"deletion_protection": true, "backup_retention_period": 7, "skip_final_snapshot": false, "delete_automated_backups": true, "publicly_accessible": false},
				After:  map[string]any{"deletion_protection": true, "backup_retention_period": 14, "skip_final_snapshot": false, "delete_automated_backups": true, "publicly_accessible": false}},
			want: []evaluator.Finding{
				pass(id, addr, "deletion_protection", "deletion_protection stays true"),
				pass(id, addr, "skip_final_snapshot", "skip_final_snapshot stays false"),
				pass(id, addr, "backup_retention_period", "backup_retention_period rises from 7 to 14"),
				pass(id, addr, "publicly_accessible", "publicly_accessible stays false"),
			},
		},
		{
			name: "switching RDS protections off fails each blocking one; retention lowered to 7 still meets the minimum and warns",
			change: evaltest.Change{Address: addr, ModuleAddress: `module.db["eu"]`, Type: "aws_db_instance", Actions: []string{"update"},
				Before: map[string]any{"deletion_protection": true, "backup_retention_period": 14, "skip_final_snapshot": false, "delete_automated_backups": false, "publicly_accessible": false},
				After:  map[string]any{"deletion_protection": false, "backup_retention_period": 7, "skip_final_snapshot": true, "delete_automated_backups": true, "publicly_accessible": true}},
			want: []evaluator.Finding{
				off(fail(id, addr, "deletion_protection", "deletion_protection changes from true to false in this plan, switching off deletion protection", "true", "false"),
					"aws-rds-deletion-protection"),
				off(fail(id, addr, "skip_final_snapshot", "skip_final_snapshot changes from false to true in this plan, switching off backups", "false", "true"),
					"aws-rds-final-snapshot"),
				warn(id, addr, "backup_retention_period", "backup_retention_period drops from 14 to 7 in this plan; still meets the 7-day minimum of aws-rds-backup-retention"),
				fail(id, addr, "delete_automated_backups", "delete_automated_backups changes from false to true in this plan, switching off backups", "false", "true"),
				warn(id, addr, "publicly_accessible", "publicly_accessible changes from false to true in this plan, switching off protection from public access; "+
					"reported, not blocking: aws-rds-publicly-accessible, which sets the standard for it, is advisory"),
			},
		},
		{
			name: "backup retention lowered from 35 to 7 days meets the 7-day minimum and only warns",
			change: evaltest.Change{Address: "aws_rds_cluster.aurora", Type: "aws_rds_cluster", Actions: []string{"update"},
				Before: map[string]any{"backup_retention_period": 35, "skip_final_snapshot": true}, After: map[string]any{"backup_retention_period": 7, "skip_final_snapshot": true}},
			want: []evaluator.Finding{warn(id, "aws_rds_cluster.aurora", "backup_retention_period",
				"backup_retention_period drops from 35 to 7 in this plan; still meets the 7-day minimum of aws-rds-backup-retention")},
		},
		{
			name: "backup retention lowered from 35 to 3 days is below the minimum and blocks, folding the backup rule's finding",
			change: evaltest.Change{Address: "aws_rds_cluster.aurora", Type: "aws_rds_cluster", Actions: []string{"update"},
				Before: map[string]any{"backup_retention_period": 35, "skip_final_snapshot": true}, After: map[string]any{"backup_retention_period": 3, "skip_final_snapshot": true}},
			want: []evaluator.Finding{off(fail(id, "aws_rds_cluster.aurora", "backup_retention_period",
				"backup_retention_period drops from 35 to 3 in this plan, below the 7-day minimum of aws-rds-backup-retention", ">= 35", "3"),
				"aws-rds-backup-retention")},
		},
		{
			name: "backup retention lowered to 0 is switched off",
			change: evaltest.Change{Address: "aws_rds_cluster.aurora", Type: "aws_rds_cluster", Actions: []string{"update"},
				Before: map[string]any{"backup_retention_period": 35, "skip_final_snapshot": true}, After: map[string]any{"backup_retention_period": 0, "skip_final_snapshot": true}},
			want: []evaluator.Finding{off(fail(id, "aws_rds_cluster.aurora", "backup_retention_period",
				"backup_retention_period changes from 35 to 0 in this plan, switching off backups", ">= 35", "0"), "aws-rds-backup-retention")},
		},
		{
			name: "a KMS deletion window lowered but still on warns: no rule sets a minimum",
			change: evaltest.Change{Address: "aws_kms_key.data", Type: "aws_kms_key", Actions: []string{"update"},
				Before: map[string]any{"deletion_window_in_days": 30}, After: map[string]any{"deletion_window_in_days": 7}},
			want: []evaluator.Finding{warn(id, "aws_kms_key.data", "deletion_window_in_days",
				"deletion_window_in_days drops from 30 to 7 in this plan; still on, and no rule of this standard sets a minimum for it")},
		},
		{
			name: "deletion protection known only after apply, where it was on, is unknown",
			change: evaltest.Change{Address: "aws_lb.public[0]", Type: "aws_lb", Actions: []string{"update"},
				Before: map[string]any{"enable_deletion_protection": true}, After: map[string]any{},
				AfterUnknown: map[string]any{"enable_deletion_protection": true}},
			want: []evaluator.Finding{unknown(id, "aws_lb.public[0]", "enable_deletion_protection", "true")},
		},
		{
			name: "a replace that also drops Cloud SQL backups fails on the nested attribute",
			change: evaltest.Change{Address: `google_sql_database_instance.db["orders"]`, Type: "google_sql_database_instance",
				Actions: []string{"create", "delete"}, ActionReason: "replace_because_cannot_update", ReplacePaths: [][]any{{"region"}},
				Before: map[string]any{"deletion_protection": true, "region": "europe-west1",
					"settings": list(map[string]any{"backup_configuration": list(map[string]any{"enabled": true})})},
				After: map[string]any{"deletion_protection": true, "region": "europe-west4",
					"settings": list(map[string]any{"backup_configuration": list(map[string]any{"enabled": false})})}},
			want: []evaluator.Finding{
				pass(id, `google_sql_database_instance.db["orders"]`, "deletion_protection", "deletion_protection stays true"),
				off(fail(id, `google_sql_database_instance.db["orders"]`, "settings.backup_configuration.enabled",
					"settings.backup_configuration.enabled changes from true to false in this plan, switching off backups", "true", "false"),
					"google-sql-backup-enabled"),
			},
		},
		{
			name: "S3 versioning Enabled to Suspended fails",
			change: evaltest.Change{Address: "aws_s3_bucket_versioning.logs", Type: "aws_s3_bucket_versioning", Actions: []string{"update"},
				Before: map[string]any{"versioning_configuration": list(map[string]any{"status": "Enabled"})},
				After:  map[string]any{"versioning_configuration": list(map[string]any{"status": "Suspended"})}},
			want: []evaluator.Finding{fail(id, "aws_s3_bucket_versioning.logs", "versioning_configuration.status",
				`versioning_configuration.status changes from "Enabled" to "Suspended" in this plan, switching off recovery of deleted data`, `"Enabled"`, `"Suspended"`)},
		},
		{
			name: "DynamoDB point-in-time recovery removed fails",
			change: evaltest.Change{Type: "aws_dynamodb_table", Actions: []string{"update"},
				Before: map[string]any{"deletion_protection_enabled": false, "point_in_time_recovery": list(map[string]any{"enabled": true})},
				After:  map[string]any{"deletion_protection_enabled": false, "point_in_time_recovery": []any{}}},
			want: []evaluator.Finding{off(fail(id, "aws_dynamodb_table.this", "point_in_time_recovery.enabled",
				"point_in_time_recovery.enabled changes from true to not set (provider default false) in this plan, switching off backups",
				"true", "not set (provider default false)"), "aws-dynamodb-pitr")},
		},
		{
			name: "an unset snapshot retention falls to the provider default 0 and fails",
			change: evaltest.Change{Type: "aws_elasticache_replication_group", Actions: []string{"update"},
				Before: map[string]any{"snapshot_retention_limit": 5}, After: map[string]any{"snapshot_retention_limit": nil}},
			want: []evaluator.Finding{off(fail(id, "aws_elasticache_replication_group.this", "snapshot_retention_limit",
				"snapshot_retention_limit changes from 5 to not set (provider default 0) in this plan, switching off backups",
				">= 5", "not set (provider default 0)"), "aws-elasticache-backup-retention")},
		},
		{
			name: "sensitive values are masked",
			change: evaltest.Change{Type: "azurerm_key_vault", Actions: []string{"update"},
				Before:          map[string]any{"purge_protection_enabled": true, "soft_delete_retention_days": 0},
				After:           map[string]any{"purge_protection_enabled": false, "soft_delete_retention_days": 0},
				BeforeSensitive: map[string]any{"purge_protection_enabled": true}, AfterSensitive: map[string]any{"purge_protection_enabled": true}},
			want: []evaluator.Finding{off(fail(id, "azurerm_key_vault.this", "purge_protection_enabled",
				"purge_protection_enabled changes from (sensitive value) to (sensitive value) in this plan, switching off deletion protection",
				"true", "(sensitive value)"), "azure-key-vault-purge-protection")},
		},
		{
			name: "Network Firewall delete_protection switched off warns: its own rule is advisory",
			change: evaltest.Change{Address: "aws_networkfirewall_firewall.edge", Type: "aws_networkfirewall_firewall", Actions: []string{"update"},
				Before: map[string]any{"delete_protection": true}, After: map[string]any{"delete_protection": false}},
			want: []evaluator.Finding{warn(id, "aws_networkfirewall_firewall.edge", "delete_protection",
				"delete_protection changes from true to false in this plan, switching off deletion protection; "+
					"reported, not blocking: aws-network-firewall-deletion-protection, which sets the standard for it, is advisory")},
		},
		{
			name: "one S3 public access block flag turned off fails that flag only",
			change: evaltest.Change{Address: "aws_s3_bucket_public_access_block.data", Type: "aws_s3_bucket_public_access_block", Actions: []string{"update"},
				Before: map[string]any{"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true},
				After:  map[string]any{"block_public_acls": true, "block_public_policy": false, "ignore_public_acls": true, "restrict_public_buckets": true}},
			want: []evaluator.Finding{
				pass(id, "aws_s3_bucket_public_access_block.data", "block_public_acls", "block_public_acls stays true"),
				fail(id, "aws_s3_bucket_public_access_block.data", "block_public_policy",
					"block_public_policy changes from true to false in this plan, switching off protection from public access", "true", "false"),
				pass(id, "aws_s3_bucket_public_access_block.data", "ignore_public_acls", "ignore_public_acls stays true"),
				pass(id, "aws_s3_bucket_public_access_block.data", "restrict_public_buckets", "restrict_public_buckets stays true"),
			},
		},
		{
			name: "Redshift retention lowered below the minimum fails, made public warns; retention unknown after apply is unknown for Neptune",
			changes: []evaltest.Change{
				{Address: "aws_redshift_cluster.dw", Type: "aws_redshift_cluster", Actions: []string{"update"},
					Before: map[string]any{"skip_final_snapshot": false, "automated_snapshot_retention_period": 7, "publicly_accessible": false},
					After:  map[string]any{"skip_final_snapshot": false, "automated_snapshot_retention_period": 1, "publicly_accessible": true}},
				{Address: "aws_neptune_cluster.graph", Type: "aws_neptune_cluster", Actions: []string{"update"},
					Before:       map[string]any{"deletion_protection": true, "skip_final_snapshot": false, "backup_retention_period": 7},
					After:        map[string]any{"deletion_protection": true, "skip_final_snapshot": false},
					AfterUnknown: map[string]any{"backup_retention_period": true}},
			},
			want: []evaluator.Finding{
				pass(id, "aws_redshift_cluster.dw", "skip_final_snapshot", "skip_final_snapshot stays false"),
				off(fail(id, "aws_redshift_cluster.dw", "automated_snapshot_retention_period",
					"automated_snapshot_retention_period drops from 7 to 1 in this plan, below the 7-day minimum of aws-redshift-snapshot-retention", ">= 7", "1"),
					"aws-redshift-snapshot-retention"),
				warn(id, "aws_redshift_cluster.dw", "publicly_accessible",
					"publicly_accessible changes from false to true in this plan, switching off protection from public access; "+
						"reported, not blocking: aws-redshift-publicly-accessible, which sets the standard for it, is advisory"),
				pass(id, "aws_neptune_cluster.graph", "deletion_protection", "deletion_protection stays true"),
				pass(id, "aws_neptune_cluster.graph", "skip_final_snapshot", "skip_final_snapshot stays false"),
				unknown(id, "aws_neptune_cluster.graph", "backup_retention_period", ">= 7"),
			},
		},
		{
			name: "an Azure storage account moved from GRS to LRS with public network access turned on warns for both: their rules are advisory",
			change: evaltest.Change{Address: "azurerm_storage_account.data", Type: "azurerm_storage_account", Actions: []string{"update"},
				Before: map[string]any{"account_replication_type": "GRS", "public_network_access_enabled": false, "allow_nested_items_to_be_public": false},
				After:  map[string]any{"account_replication_type": "LRS", "public_network_access_enabled": true, "allow_nested_items_to_be_public": false}},
			want: []evaluator.Finding{
				warn(id, "azurerm_storage_account.data", "account_replication_type",
					`account_replication_type changes from "GRS" to "LRS" in this plan, switching off geo-redundancy; `+
						"reported, not blocking: azure-storage-replication, which sets the standard for it, is advisory"),
				warn(id, "azurerm_storage_account.data", "public_network_access_enabled",
					"public_network_access_enabled changes from false to true in this plan, switching off protection from public access; "+
						"reported, not blocking: azure-storage-public-network-access, which sets the standard for it, is advisory"),
				pass(id, "azurerm_storage_account.data", "allow_nested_items_to_be_public", "allow_nested_items_to_be_public stays false"),
			},
		},
		{
			name: "Cloud SQL retained backups lowered below the minimum fail; GCS public access prevention relaxed warns",
			changes: []evaltest.Change{
				{Address: "google_sql_database_instance.db", Type: "google_sql_database_instance", Actions: []string{"update"},
					Before: map[string]any{"deletion_protection": true, "settings": list(map[string]any{"backup_configuration": list(map[string]any{
						"enabled": true, "backup_retention_settings": list(map[string]any{"retained_backups": 14})})})},
					After: map[string]any{"deletion_protection": true, "settings": list(map[string]any{"backup_configuration": list(map[string]any{
						"enabled": true, "backup_retention_settings": list(map[string]any{"retained_backups": 3})})})}},
				{Address: "google_storage_bucket.exports", Type: "google_storage_bucket", Actions: []string{"update"},
					Before: map[string]any{"force_destroy": false, "public_access_prevention": "enforced"},
					After:  map[string]any{"force_destroy": false, "public_access_prevention": "inherited"}},
			},
			want: []evaluator.Finding{
				pass(id, "google_sql_database_instance.db", "deletion_protection", "deletion_protection stays true"),
				pass(id, "google_sql_database_instance.db", "settings.backup_configuration.enabled", "settings.backup_configuration.enabled stays true"),
				off(fail(id, "google_sql_database_instance.db", "settings.backup_configuration.backup_retention_settings.retained_backups",
					"settings.backup_configuration.backup_retention_settings.retained_backups drops from 14 to 3 in this plan, below the minimum of 7 backups of google-sql-retained-backups", ">= 14", "3"),
					"google-sql-retained-backups"),
				pass(id, "google_storage_bucket.exports", "force_destroy", "force_destroy stays false"),
				warn(id, "google_storage_bucket.exports", "public_access_prevention",
					`public_access_prevention changes from "enforced" to "inherited" in this plan, switching off protection from public access; `+
						"reported, not blocking: google-storage-public-access-prevention, which sets the standard for it, is advisory"),
			},
		},
		{
			name:   "protection that was already off gets no finding",
			change: evaltest.Change{Type: "aws_lb", Actions: []string{"update"}, Before: map[string]any{"enable_deletion_protection": false}, After: map[string]any{"enable_deletion_protection": false}},
			want:   nil,
		},
		{
			name:   "a created resource has nothing to lower",
			change: evaltest.Change{Type: "aws_instance", After: map[string]any{"disable_api_termination": false}},
			want:   nil,
		},
		{
			name:   "a destroyed resource is left to lifecycle-stateful-destroy",
			change: evaltest.Change{Type: "google_container_cluster", Actions: []string{"delete"}, Before: map[string]any{"deletion_protection": true}},
			want:   nil,
		},
	}
	runRuleCases(t, ProtectionLowered{}, tests)
}
