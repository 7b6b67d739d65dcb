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
	tests := []ruleCase{
		{
			name: "protection that stays or rises passes, one finding per protective attribute",
			change: evaltest.Change{Address: addr, ModuleAddress: `module.db["eu"]`, Type: "aws_db_instance", Actions: []string{"update"},
				Before: map[string]any{"deletion_protection": true, "backup_retention_period": 7, "skip_final_snapshot": false, "delete_automated_backups": true},
				After:  map[string]any{"deletion_protection": true, "backup_retention_period": 14, "skip_final_snapshot": false, "delete_automated_backups": true}},
			want: []evaluator.Finding{
				pass(id, addr, "deletion_protection", "deletion_protection stays true"),
				pass(id, addr, "skip_final_snapshot", "skip_final_snapshot stays false"),
				pass(id, addr, "backup_retention_period", "backup_retention_period rises from 7 to 14"),
			},
		},
		{
			name: "turning every RDS protection down fails each attribute, even when 7 days would meet the backup rule",
			change: evaltest.Change{Address: addr, ModuleAddress: `module.db["eu"]`, Type: "aws_db_instance", Actions: []string{"update"},
				Before: map[string]any{"deletion_protection": true, "backup_retention_period": 14, "skip_final_snapshot": false, "delete_automated_backups": false},
				After:  map[string]any{"deletion_protection": false, "backup_retention_period": 7, "skip_final_snapshot": true, "delete_automated_backups": true}},
			want: []evaluator.Finding{
				fail(id, addr, "deletion_protection", "deletion_protection changes from true to false in this plan, weakening deletion protection", "true", "false"),
				fail(id, addr, "skip_final_snapshot", "skip_final_snapshot changes from false to true in this plan, weakening backups", "false", "true"),
				fail(id, addr, "backup_retention_period", "backup_retention_period changes from 14 to 7 in this plan, weakening backups", ">= 14", "7"),
				fail(id, addr, "delete_automated_backups", "delete_automated_backups changes from false to true in this plan, weakening backups", "false", "true"),
			},
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
				fail(id, `google_sql_database_instance.db["orders"]`, "settings.backup_configuration.enabled",
					"settings.backup_configuration.enabled changes from true to false in this plan, weakening backups", "true", "false"),
			},
		},
		{
			name: "S3 versioning Enabled to Suspended fails",
			change: evaltest.Change{Address: "aws_s3_bucket_versioning.logs", Type: "aws_s3_bucket_versioning", Actions: []string{"update"},
				Before: map[string]any{"versioning_configuration": list(map[string]any{"status": "Enabled"})},
				After:  map[string]any{"versioning_configuration": list(map[string]any{"status": "Suspended"})}},
			want: []evaluator.Finding{fail(id, "aws_s3_bucket_versioning.logs", "versioning_configuration.status",
				`versioning_configuration.status changes from "Enabled" to "Suspended" in this plan, weakening recovery of deleted data`, `"Enabled"`, `"Suspended"`)},
		},
		{
			name: "DynamoDB point-in-time recovery removed fails",
			change: evaltest.Change{Type: "aws_dynamodb_table", Actions: []string{"update"},
				Before: map[string]any{"deletion_protection_enabled": false, "point_in_time_recovery": list(map[string]any{"enabled": true})},
				After:  map[string]any{"deletion_protection_enabled": false, "point_in_time_recovery": []any{}}},
			want: []evaluator.Finding{fail(id, "aws_dynamodb_table.this", "point_in_time_recovery.enabled",
				"point_in_time_recovery.enabled changes from true to not set (provider default false) in this plan, weakening backups",
				"true", "not set (provider default false)")},
		},
		{
			name: "an unset snapshot retention falls to the provider default 0 and fails",
			change: evaltest.Change{Type: "aws_elasticache_replication_group", Actions: []string{"update"},
				Before: map[string]any{"snapshot_retention_limit": 5}, After: map[string]any{"snapshot_retention_limit": nil}},
			want: []evaluator.Finding{fail(id, "aws_elasticache_replication_group.this", "snapshot_retention_limit",
				"snapshot_retention_limit changes from 5 to not set (provider default 0) in this plan, weakening backups",
				">= 5", "not set (provider default 0)")},
		},
		{
			name: "sensitive values are masked",
			change: evaltest.Change{Type: "azurerm_key_vault", Actions: []string{"update"},
				Before:          map[string]any{"purge_protection_enabled": true, "soft_delete_retention_days": 0},
				After:           map[string]any{"purge_protection_enabled": false, "soft_delete_retention_days": 0},
				BeforeSensitive: map[string]any{"purge_protection_enabled": true}, AfterSensitive: map[string]any{"purge_protection_enabled": true}},
			want: []evaluator.Finding{fail(id, "azurerm_key_vault.this", "purge_protection_enabled",
				"purge_protection_enabled changes from (sensitive value) to (sensitive value) in this plan, weakening deletion protection",
				"true", "(sensitive value)")},
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
