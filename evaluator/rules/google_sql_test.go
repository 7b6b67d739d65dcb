package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

const sqlAddr = "google_sql_database_instance.this"

// sqlInstance builds a Cloud SQL instance's planned object with one settings
// block; backup is the backup_configuration block (nil leaves it out).
func sqlInstance(version string, backup map[string]any, extra map[string]any) map[string]any {
	settings := map[string]any{"tier": "db-custom-2-7680"}
	if backup != nil {
		settings["backup_configuration"] = []any{backup}
	}
	after := map[string]any{"database_version": version, "settings": []any{settings}}
	for k, v := range extra {
		after[k] = v
	}
	return after
}

// sqlConfig is a configuration entry that writes the settings block (with
// backup written when given) and nothing else.
func sqlConfig(backup map[string]any) map[string]any {
	settings := map[string]any{"tier": map[string]any{"constant_value": "db-custom-2-7680"}}
	if backup != nil {
		settings["backup_configuration"] = []any{backup}
	}
	return map[string]any{
		"database_version": map[string]any{"constant_value": "POSTGRES_16"},
		"settings":         []any{settings},
	}
}

func TestGoogleSQLDeletionProtection(t *testing.T) {
	const id = "google-sql-deletion-protection"
	tests := []ruleCase{
		{
			name:   "an instance with deletion protection passes",
			change: evaltest.Change{Type: "google_sql_database_instance", After: map[string]any{"deletion_protection": true}},
			want:   []evaluator.Finding{pass(id, sqlAddr, "deletion_protection", "deletion_protection is true")},
		},
		{
			name:   "an instance with deletion protection off fails",
			change: evaltest.Change{Type: "google_sql_database_instance", After: map[string]any{"deletion_protection": false}},
			want:   []evaluator.Finding{fail(id, sqlAddr, "deletion_protection", "deletion_protection is false", "true", "false")},
		},
		{
			name: "turning deletion protection off on an existing instance fails",
			change: evaltest.Change{Type: "google_sql_database_instance", Actions: []string{"update"},
				Before: map[string]any{"deletion_protection": true}, After: map[string]any{"deletion_protection": false}},
			want: []evaluator.Finding{fail(id, sqlAddr, "deletion_protection", "deletion_protection is false", "true", "false")},
		},
		{
			name:   "an unset attribute passes on the provider default of true",
			change: evaltest.Change{Type: "google_sql_database_instance", After: map[string]any{"deletion_protection": nil}},
			want: []evaluator.Finding{pass(id, sqlAddr, "deletion_protection",
				"deletion_protection is not set (provider default true)")},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "google_sql_database_instance", After: map[string]any{},
				AfterUnknown: map[string]any{"deletion_protection": true},
				Config:       map[string]any{"deletion_protection": map[string]any{"references": []any{"var.protect"}}}},
			want: []evaluator.Finding{unknown(id, sqlAddr, "deletion_protection", "true")},
		},
		{
			name: "the API-level flag alone does not satisfy the Terraform flag",
			change: evaltest.Change{Type: "google_sql_database_instance", After: map[string]any{"deletion_protection": false,
				"settings": []any{map[string]any{"deletion_protection_enabled": true}}}},
			want: []evaluator.Finding{fail(id, sqlAddr, "deletion_protection", "deletion_protection is false", "true", "false")},
		},
		{
			name:   "a destroyed instance is left to the lifecycle rules",
			change: evaltest.Change{Type: "google_sql_database_instance", Actions: []string{"delete"}, Before: map[string]any{"deletion_protection": false}},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleSQLDeletionProtection{}, tests)
}

func TestGoogleSQLBackupEnabled(t *testing.T) {
	const id = "google-sql-backup-enabled"
	const path = "settings.backup_configuration.enabled"
	notSet := "not set (provider default false)"
	tests := []ruleCase{
		{
			name:   "an instance with backups enabled passes",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", map[string]any{"enabled": true}, nil)},
			want:   []evaluator.Finding{pass(id, sqlAddr, path, path+" is true")},
		},
		{
			name:   "an instance with backups disabled fails",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("MYSQL_8_0", map[string]any{"enabled": false}, nil)},
			want:   []evaluator.Finding{fail(id, sqlAddr, path, path+" is false", "true", "false")},
		},
		{
			name:   "an instance without a backup_configuration block fails as backups are off by default",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", nil, nil)},
			want:   []evaluator.Finding{fail(id, sqlAddr, path, path+" is "+notSet, "true", notSet)},
		},
		{
			name:   "a backup_configuration block without enabled fails",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", map[string]any{"start_time": "03:00"}, nil)},
			want:   []evaluator.Finding{fail(id, sqlAddr, path, path+" is "+notSet, "true", notSet)},
		},
		{
			name: "a computed backup block the configuration does not write fails on the default",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", nil, nil),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"backup_configuration": true}}},
				Config:       sqlConfig(nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+" is "+notSet, "true", notSet)},
		},
		{
			name: "an enabled flag known only after apply is unknown",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", map[string]any{}, nil),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"backup_configuration": []any{map[string]any{"enabled": true}}}}},
				Config:       sqlConfig(map[string]any{"enabled": map[string]any{"references": []any{"var.backups"}}})},
			want: []evaluator.Finding{unknown(id, sqlAddr, path, "true")},
		},
		{
			name: "a read replica without backups gets no finding",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("POSTGRES_16", map[string]any{"enabled": false}, map[string]any{"master_instance_name": "prod-primary"})},
			want: nil,
		},
		{
			name: "a replica of a primary created in the same plan gets no finding",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", nil, nil),
				AfterUnknown: map[string]any{"master_instance_name": true},
				Config: map[string]any{"master_instance_name": map[string]any{
					"references": []any{"google_sql_database_instance.primary.name", "google_sql_database_instance.primary"}}}},
			want: nil,
		},
		{
			name: "a primary whose computed master_instance_name is not configured is judged",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", map[string]any{"enabled": false}, nil),
				AfterUnknown: map[string]any{"master_instance_name": true},
				Config:       sqlConfig(nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+" is false", "true", "false")},
		},
		{
			name: "backups off with an unknown master and no configuration is unknown",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", map[string]any{"enabled": false}, nil),
				AfterUnknown: map[string]any{"master_instance_name": true}},
			want: []evaluator.Finding{unknown(id, sqlAddr, "master_instance_name", "a read replica, or a primary with "+path+" = true")},
		},
		{
			name: "backups on with an unknown master and no configuration passes",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", map[string]any{"enabled": true}, nil),
				AfterUnknown: map[string]any{"master_instance_name": true}},
			want: []evaluator.Finding{pass(id, sqlAddr, path, path+" is true")},
		},
		{
			name: "an empty master_instance_name is a primary",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("MYSQL_8_0", nil, map[string]any{"master_instance_name": ""})},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+" is "+notSet, "true", notSet)},
		},
		{
			name:   "a destroyed instance is left to the lifecycle rules",
			change: evaltest.Change{Type: "google_sql_database_instance", Actions: []string{"delete"}, Before: sqlInstance("POSTGRES_16", nil, nil)},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleSQLBackupEnabled{}, tests)
}

func TestGoogleSQLPITR(t *testing.T) {
	const id = "google-sql-pitr"
	const pitr = "settings.backup_configuration.point_in_time_recovery_enabled"
	const binlog = "settings.backup_configuration.binary_log_enabled"
	const engines = "POSTGRES_*, MYSQL_* or SQLSERVER_*"
	notSet := "not set (provider default false)"
	tests := []ruleCase{
		{
			name: "a PostgreSQL instance with point-in-time recovery passes",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("POSTGRES_16", map[string]any{"enabled": true, "point_in_time_recovery_enabled": true}, nil)},
			want: []evaluator.Finding{pass(id, sqlAddr, pitr, pitr+" is true")},
		},
		{
			name: "a PostgreSQL instance with point-in-time recovery off fails",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("POSTGRES_15", map[string]any{"enabled": true, "point_in_time_recovery_enabled": false}, nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, pitr,
				pitr+" is false; PostgreSQL needs it for point-in-time recovery", "true", "false")},
		},
		{
			name:   "a PostgreSQL instance without a backup_configuration block fails",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", nil, nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, pitr,
				pitr+" is "+notSet+"; PostgreSQL needs it for point-in-time recovery", "true", notSet)},
		},
		{
			name: "a MySQL instance with binary logging passes",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("MYSQL_8_0", map[string]any{"enabled": true, "binary_log_enabled": true}, nil)},
			want: []evaluator.Finding{pass(id, sqlAddr, binlog, binlog+" is true")},
		},
		{
			name: "a MySQL instance with binary logging unset fails",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("MYSQL_8_0", map[string]any{"enabled": true}, nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, binlog,
				binlog+" is "+notSet+"; MySQL needs it for point-in-time recovery", "true", notSet)},
		},
		{
			name: "a MySQL instance is not satisfied by the PostgreSQL flag",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("MYSQL_5_7", map[string]any{"enabled": true, "point_in_time_recovery_enabled": true, "binary_log_enabled": false}, nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, binlog,
				binlog+" is false; MySQL needs it for point-in-time recovery", "true", "false")},
		},
		{
			name: "a SQL Server instance with point-in-time recovery passes",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("SQLSERVER_2019_STANDARD", map[string]any{"enabled": true, "point_in_time_recovery_enabled": true}, nil)},
			want: []evaluator.Finding{pass(id, sqlAddr, pitr, pitr+" is true")},
		},
		{
			name: "a SQL Server instance with point-in-time recovery off fails",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("SQLSERVER_2022_ENTERPRISE", map[string]any{"enabled": true, "point_in_time_recovery_enabled": false}, nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, pitr,
				pitr+" is false; SQL Server needs it for point-in-time recovery", "true", "false")},
		},
		{
			name: "a database_version known only after apply is unknown",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After:        map[string]any{"settings": []any{map[string]any{"backup_configuration": []any{map[string]any{"point_in_time_recovery_enabled": true}}}}},
				AfterUnknown: map[string]any{"database_version": true}},
			want: []evaluator.Finding{unknown(id, sqlAddr, "database_version", engines)},
		},
		{
			name: "a recovery flag known only after apply is unknown",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", map[string]any{"enabled": true}, nil),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"backup_configuration": []any{map[string]any{"point_in_time_recovery_enabled": true}}}}},
				Config:       sqlConfig(map[string]any{"point_in_time_recovery_enabled": map[string]any{"references": []any{"var.pitr"}}})},
			want: []evaluator.Finding{unknown(id, sqlAddr, pitr, "true")},
		},
		{
			name:   "an unrecognised engine fails closed",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("ORACLE_19", map[string]any{"enabled": true}, nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, "database_version",
				`database_version "ORACLE_19" is not a known Cloud SQL engine, so its point-in-time recovery setting cannot be judged`,
				engines, `"ORACLE_19"`)},
		},
		{
			name:   "a missing database_version fails closed",
			change: evaltest.Change{Type: "google_sql_database_instance", After: map[string]any{"settings": []any{map[string]any{"tier": "db-f1-micro"}}}},
			want: []evaluator.Finding{fail(id, sqlAddr, "database_version",
				"database_version is not set, so the engine and its point-in-time recovery setting cannot be judged", engines, "not set")},
		},
		{
			name: "a read replica gets no finding",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("MYSQL_8_0", nil, map[string]any{"master_instance_name": "prod-primary"})},
			want: nil,
		},
		{
			name: "recovery off with an unknown master and no configuration is unknown",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", nil, nil),
				AfterUnknown: map[string]any{"master_instance_name": true}},
			want: []evaluator.Finding{unknown(id, sqlAddr, "master_instance_name", "a read replica, or a primary with "+pitr+" = true")},
		},
		{
			name:   "a destroyed instance is left to the lifecycle rules",
			change: evaltest.Change{Type: "google_sql_database_instance", Actions: []string{"delete"}, Before: sqlInstance("POSTGRES_16", nil, nil)},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleSQLPITR{}, tests)
}
