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

// sqlSettings builds a Cloud SQL instance's planned object from one settings block.
func sqlSettings(settings map[string]any, extra map[string]any) map[string]any {
	after := map[string]any{"database_version": "POSTGRES_16", "settings": []any{settings}}
	for k, v := range extra {
		after[k] = v
	}
	return after
}

// sqlRetention builds a backup_configuration with backup_retention_settings.
func sqlRetention(retention map[string]any) map[string]any {
	return map[string]any{"enabled": true, "backup_retention_settings": []any{retention}}
}

func TestGoogleSQLRetainedBackups(t *testing.T) {
	const id = "google-sql-retained-backups"
	const path = "settings.backup_configuration.backup_retention_settings.retained_backups"
	const unit = "settings.backup_configuration.backup_retention_settings.retention_unit"
	tests := []ruleCase{
		{
			name: "fourteen retained backups pass",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("POSTGRES_16", sqlRetention(map[string]any{"retained_backups": 14, "retention_unit": "COUNT"}), nil)},
			want: []evaluator.Finding{pass(id, sqlAddr, path, path+" is 14")},
		},
		{
			name: "three retained backups fail",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("MYSQL_8_0", sqlRetention(map[string]any{"retained_backups": 3, "retention_unit": "COUNT"}), nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+" is 3, below the minimum of 7", ">= 7", "3")},
		},
		{
			name:   "no retention settings pass on the Cloud SQL default of 7",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", map[string]any{"enabled": true}, nil)},
			want:   []evaluator.Finding{pass(id, sqlAddr, path, path+" is not set (provider default 7)")},
		},
		{
			name:   "no backup_configuration block at all passes on the default of 7",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", nil, nil)},
			want:   []evaluator.Finding{pass(id, sqlAddr, path, path+" is not set (provider default 7)")},
		},
		{
			name:   "a raised minimum fails the default of 7",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", nil, nil)},
			params: map[string]any{"min_backups": int64(30)},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+" is not set (provider default 7), below the minimum of 30",
				">= 30", "not set (provider default 7)")},
		},
		{
			name: "a lowered minimum passes three backups",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("POSTGRES_16", sqlRetention(map[string]any{"retained_backups": 3}), nil)},
			params: map[string]any{"min_backups": int64(3)},
			want:   []evaluator.Finding{pass(id, sqlAddr, path, path+" is 3")},
		},
		{
			name: "a count known only after apply is unknown",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("POSTGRES_16", sqlRetention(map[string]any{"retention_unit": "COUNT"}), nil),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"backup_configuration": []any{map[string]any{
					"backup_retention_settings": []any{map[string]any{"retained_backups": true}}}}}}}},
			want: []evaluator.Finding{unknown(id, sqlAddr, path, ">= 7")},
		},
		{
			name: "a computed block the configuration does not write is judged on the defaults",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlInstance("POSTGRES_16", map[string]any{"enabled": true}, nil),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"backup_configuration": []any{map[string]any{
					"backup_retention_settings": true}}}}},
				Config: sqlConfig(map[string]any{"enabled": map[string]any{"constant_value": true}})},
			want: []evaluator.Finding{pass(id, sqlAddr, path, path+" is not set (provider default 7)")},
		},
		{
			name: "a retention unit other than COUNT fails closed",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("POSTGRES_16", sqlRetention(map[string]any{"retained_backups": 30, "retention_unit": "DAYS"}), nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, unit,
				unit+` is "DAYS", so the retained backups cannot be compared with a count`, `"COUNT"`, `"DAYS"`)},
		},
		{
			name: "a read replica gets no finding",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlInstance("POSTGRES_16", sqlRetention(map[string]any{"retained_backups": 1}), map[string]any{"master_instance_name": "prod-primary"})},
			want: nil,
		},
		{
			name: "too few backups with an unknown master and no configuration is unknown",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After:        sqlInstance("POSTGRES_16", sqlRetention(map[string]any{"retained_backups": 2, "retention_unit": "COUNT"}), nil),
				AfterUnknown: map[string]any{"master_instance_name": true}},
			want: []evaluator.Finding{unknown(id, sqlAddr, "master_instance_name", "a read replica, or a primary with "+path+" >= 7")},
		},
		{
			name:   "a destroyed instance is left to the lifecycle rules",
			change: evaltest.Change{Type: "google_sql_database_instance", Actions: []string{"delete"}, Before: sqlInstance("POSTGRES_16", nil, nil)},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleSQLRetainedBackups{}, tests)
}

func TestGoogleSQLAuthorizedNetworksOpen(t *testing.T) {
	const id = "google-sql-authorized-networks-open"
	const path = "settings.ip_configuration.authorized_networks"
	const expected = "no authorized network ending in /0"
	networks := func(values ...any) map[string]any {
		var list []any
		for _, v := range values {
			list = append(list, map[string]any{"name": "n", "value": v})
		}
		return sqlSettings(map[string]any{"ip_configuration": []any{map[string]any{"ipv4_enabled": true, "authorized_networks": list}}}, nil)
	}
	tests := []ruleCase{
		{
			name:   "specific networks pass",
			change: evaltest.Change{Type: "google_sql_database_instance", After: networks("203.0.113.0/24", "198.51.100.7/32")},
			want:   []evaluator.Finding{pass(id, sqlAddr, path, "none of the 2 authorized networks ends in /0")},
		},
		{
			name:   "a network of 0.0.0.0/0 fails",
			change: evaltest.Change{Type: "google_sql_database_instance", After: networks("203.0.113.0/24", "0.0.0.0/0")},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+` admits every address: "0.0.0.0/0"`,
				expected, `"0.0.0.0/0"`)},
		},
		{
			name:   "every open network is named",
			change: evaltest.Change{Type: "google_sql_database_instance", After: networks("0.0.0.0/0", "::/0")},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+` admits every address: "0.0.0.0/0", "::/0"`,
				expected, `"0.0.0.0/0", "::/0"`)},
		},
		{
			name:   "no ip_configuration block passes",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlSettings(map[string]any{"tier": "db-f1-micro"}, nil)},
			want:   []evaluator.Finding{pass(id, sqlAddr, path, path+" is not set")},
		},
		{
			name: "an open network counts even while the public IP is off",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlSettings(map[string]any{"ip_configuration": []any{map[string]any{
				"ipv4_enabled": false, "authorized_networks": []any{map[string]any{"value": "0.0.0.0/0"}}}}}, nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+` admits every address: "0.0.0.0/0"`, expected, `"0.0.0.0/0"`)},
		},
		{
			name: "a network value known only after apply is unknown",
			change: evaltest.Change{Type: "google_sql_database_instance", After: networks("203.0.113.0/24", nil),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"ip_configuration": []any{map[string]any{
					"authorized_networks": []any{map[string]any{}, map[string]any{"value": true}}}}}}}},
			want: []evaluator.Finding{unknown(id, sqlAddr, path+".1.value", expected)},
		},
		{
			name: "a known open network fails even beside an unknown one",
			change: evaltest.Change{Type: "google_sql_database_instance", After: networks(nil, "0.0.0.0/0"),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"ip_configuration": []any{map[string]any{
					"authorized_networks": []any{map[string]any{"value": true}, map[string]any{}}}}}}}},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+` admits every address: "0.0.0.0/0"`, expected, `"0.0.0.0/0"`)},
		},
		{
			name: "a whole list known only after apply is unknown",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlSettings(map[string]any{"ip_configuration": []any{map[string]any{}}}, nil),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"ip_configuration": []any{map[string]any{"authorized_networks": true}}}}},
				Config: map[string]any{"settings": []any{map[string]any{"ip_configuration": []any{map[string]any{
					"authorized_networks": map[string]any{"references": []any{"var.networks"}}}}}}}},
			want: []evaluator.Finding{unknown(id, sqlAddr, path, expected)},
		},
		{
			name: "a computed list the configuration does not write passes",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlSettings(map[string]any{"tier": "db-f1-micro"}, nil),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"ip_configuration": true}}},
				Config:       sqlConfig(nil)},
			want: []evaluator.Finding{pass(id, sqlAddr, path, path+" is not set")},
		},
		{
			name:   "a destroyed instance gets no finding",
			change: evaltest.Change{Type: "google_sql_database_instance", Actions: []string{"delete"}, Before: networks("0.0.0.0/0")},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleSQLAuthorizedNetworksOpen{}, tests)
}
