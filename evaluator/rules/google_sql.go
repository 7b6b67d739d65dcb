package rules

import (
	"fmt"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
)

// googleSQLTypes are the Cloud SQL resource types these rules judge.
var googleSQLTypes = []string{"google_sql_database_instance"}

// GoogleSQLDeletionProtection requires the Terraform-side deletion_protection
// flag on Cloud SQL instances.
type GoogleSQLDeletionProtection struct{}

func (GoogleSQLDeletionProtection) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-sql-deletion-protection",
		Title:         "Cloud SQL instances keep Terraform deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		ResourceTypes: googleSQLTypes,
		Doc: evaluator.RuleDoc{
			Summary: "With deletion_protection = false, a `terraform destroy`, a renamed resource or a forced replacement deletes the " +
				"production database and, with it, its automated backups. This flag only stops Terraform; the separate API-level " +
				"setting settings.deletion_protection_enabled (provider default false) also stops the console, gcloud and the API, " +
				"and is judged by a rule of its own.",
			Pass: "google_sql_database_instance that will exist after apply (create, update, no-op, replace) with deletion_protection = true, " +
				"or not set (provider default true; google provider 3.44+ writes the default into the plan).",
			Fail:    "deletion_protection = false, including a change that turns it from true to false.",
			Unknown: "deletion_protection is known only after apply (computed from a value not yet known).",
			Remediation: "Remove `deletion_protection = false` or set `deletion_protection = true`. To retire the instance, turn it off " +
				"in a reviewed change of its own.",
			Example: "resource \"google_sql_database_instance\" \"main\" {\n  database_version    = \"POSTGRES_16\"\n  deletion_protection = true\n\n  settings {\n    tier = \"db-custom-2-7680\"\n  }\n}",
		},
	}
}

func (GoogleSQLDeletionProtection) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "deletion_protection", true, true)}
}

// GoogleSQLBackupEnabled requires automated backups on Cloud SQL primaries.
type GoogleSQLBackupEnabled struct{}

const googleSQLBackupPath = "settings.backup_configuration.enabled"

func (GoogleSQLBackupEnabled) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-sql-backup-enabled",
		Title:         "Cloud SQL instances take automated backups",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "google",
		ResourceTypes: googleSQLTypes,
		References:    []string{"CKV_GCP_14", "AVD-GCP-0024"},
		Doc: evaluator.RuleDoc{
			Summary: "Automated backups are off unless asked for; without them a dropped table or a corrupted write cannot be undone.",
			Pass: "google_sql_database_instance that will exist after apply with settings.backup_configuration.enabled = true. " +
				"Read replicas get no finding, because Cloud SQL does not back up replicas: master_instance_name is set, or it is " +
				"written in the configuration but known only after apply (the name of a primary created in the same plan).",
			Fail: "A primary instance (master_instance_name not set) with settings.backup_configuration.enabled = false, not set, " +
				"or with no backup_configuration block (backups are off by default).",
			Unknown: "settings.backup_configuration.enabled is known only after apply; or it is false or not set while " +
				"master_instance_name is known only after apply and the plan has no configuration section to show whether " +
				"the instance is a replica.",
			Remediation: "Add `backup_configuration { enabled = true }` to the settings block.",
			Example:     "resource \"google_sql_database_instance\" \"main\" {\n  database_version = \"POSTGRES_16\"\n\n  settings {\n    tier = \"db-custom-2-7680\"\n\n    backup_configuration {\n      enabled                        = true\n      point_in_time_recovery_enabled = true\n    }\n  }\n}",
		},
	}
}

func (GoogleSQLBackupEnabled) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	replica := googleSQLReplicaOf(r)
	if replica == sqlReplica {
		return nil
	}
	f := evaluator.RequireBool(c, r, googleSQLBackupPath, true, false)
	if f.Status == evaluator.StatusFail && replica == sqlReplicaUnknown {
		return []evaluator.Finding{googleSQLReplicaUnknown(c, r, googleSQLBackupPath)}
	}
	return []evaluator.Finding{f}
}

// GoogleSQLPITR requires point-in-time recovery in the form each engine
// supports: transaction-log PITR for PostgreSQL and SQL Server, binary logging
// for MySQL.
type GoogleSQLPITR struct{}

const (
	googleSQLPITRPath      = "settings.backup_configuration.point_in_time_recovery_enabled"
	googleSQLBinaryLogPath = "settings.backup_configuration.binary_log_enabled"
)

func (GoogleSQLPITR) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-sql-pitr",
		Title:         "Cloud SQL instances can be restored to a point in time",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "google",
		ResourceTypes: googleSQLTypes,
		References:    []string{"CKV2_GCP_20"},
		Doc: evaluator.RuleDoc{
			Summary: "Daily backups alone lose up to a day of writes. Point-in-time recovery replays the transaction log (PostgreSQL, " +
				"SQL Server) or the binary log (MySQL) to restore to the minute before the mistake.",
			Pass: "google_sql_database_instance that will exist after apply whose database_version starts with POSTGRES or SQLSERVER " +
				"and has settings.backup_configuration.point_in_time_recovery_enabled = true, or starts with MYSQL and has " +
				"settings.backup_configuration.binary_log_enabled = true. Read replicas get no finding: master_instance_name is set, " +
				"or it is written in the configuration but known only after apply.",
			Fail: "A primary instance (master_instance_name not set) whose engine's setting above is false, not set, or whose " +
				"backup_configuration block is absent (both default to false); or whose database_version is not set or starts with " +
				"none of POSTGRES, MYSQL, SQLSERVER (the engine cannot be judged, so the gate fails closed).",
			Unknown: "database_version is known only after apply; or the engine's setting is known only after apply; or the setting " +
				"is false or not set while master_instance_name is known only after apply and the plan has no configuration " +
				"section to show whether the instance is a replica.",
			Remediation: "PostgreSQL and SQL Server: set `point_in_time_recovery_enabled = true` in `settings.backup_configuration`. " +
				"MySQL: set `binary_log_enabled = true` there. Both need `enabled = true` (automated backups).",
			Example: "resource \"google_sql_database_instance\" \"mysql\" {\n  database_version = \"MYSQL_8_0\"\n\n  settings {\n    tier = \"db-custom-2-7680\"\n\n    backup_configuration {\n      enabled            = true\n      binary_log_enabled = true\n    }\n  }\n}",
		},
	}
}

func (GoogleSQLPITR) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	replica := googleSQLReplicaOf(r)
	if replica == sqlReplica {
		return nil
	}
	version := r.After("database_version")
	if version.State == evaluator.Unknown {
		return []evaluator.Finding{c.Unknown(r, "database_version", "POSTGRES_*, MYSQL_* or SQLSERVER_*")}
	}
	name, _ := version.Str()
	var path, engine string
	switch {
	case strings.HasPrefix(name, "POSTGRES"):
		path, engine = googleSQLPITRPath, "PostgreSQL"
	case strings.HasPrefix(name, "SQLSERVER"):
		path, engine = googleSQLPITRPath, "SQL Server"
	case strings.HasPrefix(name, "MYSQL"):
		path, engine = googleSQLBinaryLogPath, "MySQL"
	case version.State == evaluator.NotSet:
		return []evaluator.Finding{c.Fail(r, "database_version",
			"database_version is not set, so the engine and its point-in-time recovery setting cannot be judged",
			"POSTGRES_*, MYSQL_* or SQLSERVER_*", version.Display())}
	default:
		return []evaluator.Finding{c.Fail(r, "database_version",
			fmt.Sprintf("database_version %s is not a known Cloud SQL engine, so its point-in-time recovery setting cannot be judged", version.Display()),
			"POSTGRES_*, MYSQL_* or SQLSERVER_*", version.Display())}
	}
	f := evaluator.RequireBool(c, r, path, true, false)
	switch f.Status {
	case evaluator.StatusFail:
		if replica == sqlReplicaUnknown {
			return []evaluator.Finding{googleSQLReplicaUnknown(c, r, path)}
		}
		f.Message += "; " + engine + " needs it for point-in-time recovery"
	}
	return []evaluator.Finding{f}
}

// sqlReplicaState says whether a Cloud SQL instance is a read replica.
type sqlReplicaState int

const (
	sqlPrimary sqlReplicaState = iota
	sqlReplica
	// sqlReplicaUnknown: master_instance_name is known only after apply and
	// the plan has no configuration to tell "left unset" from "set".
	sqlReplicaUnknown
)

// googleSQLReplicaOf reads master_instance_name. It is Optional+Computed, so a
// primary created without it shows "known after apply"; the configuration
// then says whether the user wrote it (a replica of an instance whose name is
// not yet known) or left it to the provider (a primary).
func googleSQLReplicaOf(r *evaluator.Resource) sqlReplicaState {
	v := r.After("master_instance_name")
	switch v.State {
	case evaluator.Known:
		if s, ok := v.Str(); ok && s != "" {
			return sqlReplica
		}
		return sqlPrimary
	case evaluator.NotSet:
		return sqlPrimary
	}
	switch r.Configured("master_instance_name") {
	case evaluator.ConfigSet:
		return sqlReplica
	case evaluator.ConfigNotSet:
		return sqlPrimary
	}
	return sqlReplicaUnknown
}

func googleSQLReplicaUnknown(c *evaluator.Context, r *evaluator.Resource, path string) evaluator.Finding {
	return c.Unknown(r, "master_instance_name", "a read replica, or a primary with "+path+" = true")
}
