package rules

import (
	"fmt"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// googleSQLTypes are the Cloud SQL resource types these rules judge.
var googleSQLTypes = []string{"google_sql_database_instance"}

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
		Enforcement:   evaluator.EnforceBlocking,
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

func (GoogleSQLBackupEnabled) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
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
		Enforcement:   evaluator.EnforceBlocking,
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

func (GoogleSQLPITR) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	replica := googleSQLReplicaOf(r)
	if replica == sqlReplica {
		return nil
	}
	version := r.After("database_version")
	if version.State == tfplan.Unknown {
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
	case version.State == tfplan.NotSet:
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
func googleSQLReplicaOf(r *tfplan.Resource) sqlReplicaState {
	v := r.After("master_instance_name")
	switch v.State {
	case tfplan.Known:
		if s, ok := v.Str(); ok && s != "" {
			return sqlReplica
		}
		return sqlPrimary
	case tfplan.NotSet:
		return sqlPrimary
	}
	switch r.Configured("master_instance_name") {
	case tfplan.ConfigSet:
		return sqlReplica
	case tfplan.ConfigNotSet:
		return sqlPrimary
	}
	return sqlReplicaUnknown
}

func googleSQLReplicaUnknown(c *evaluator.Context, r *tfplan.Resource, path string) evaluator.Finding {
	return c.Unknown(r, "master_instance_name", "a read replica, or a primary with "+path+" = true")
}

// GoogleSQLRetainedBackups requires Cloud SQL primaries to keep at least
// min_backups automated backups.
type GoogleSQLRetainedBackups struct{}

const (
	googleSQLRetainedPath      = "settings.backup_configuration.backup_retention_settings.retained_backups"
	googleSQLRetentionUnitPath = "settings.backup_configuration.backup_retention_settings.retention_unit"
)

func (GoogleSQLRetainedBackups) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-sql-retained-backups",
		Title:         "Cloud SQL instances keep enough automated backups",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: googleSQLTypes,
		Params: []evaluator.ParamSpec{{
			Name:    "min_backups",
			Kind:    evaluator.ParamInt,
			Default: int64(7),
			Source: "7 backups: the Cloud SQL default number of retained automated backups (\"By default, Cloud SQL retains 7 " +
				"automated backups\", Cloud SQL backups overview), about a week of daily backups",
			Doc: "Fewest automated backups (settings.backup_configuration.backup_retention_settings.retained_backups, " +
				"retention_unit COUNT) a primary instance must keep.",
		}},
		Doc: evaluator.RuleDoc{
			Summary: "Cloud SQL keeps a fixed number of automated backups and deletes the oldest when a new one is taken. " +
				"Lowering the count shortens how far back a restore can go: with 1 backup a corruption noticed a day late " +
				"can no longer be rolled back. Whether backups are taken at all is judged by google-sql-backup-enabled; this " +
				"rule judges the retention setting whatever settings.backup_configuration.enabled says. Not judged (no " +
				"finding): destroyed or forgotten instances (the lifecycle rules cover them) and read replicas, which Cloud " +
				"SQL does not back up: master_instance_name is set, or it is written in the configuration but known only " +
				"after apply.",
			Pass: "A primary google_sql_database_instance (master_instance_name not set) that will exist after apply with " +
				"settings.backup_configuration.backup_retention_settings.retained_backups >= min_backups (default 7), or not " +
				"set (no backup_configuration or backup_retention_settings block: the Cloud SQL default of 7 applies), while " +
				"retention_unit is \"COUNT\" or not set (default \"COUNT\").",
			Fail: "retained_backups below min_backups (an unset value counts as 7, so it fails only when min_backups is raised " +
				"above 7); or retention_unit is set to a value other than \"COUNT\", which prodgate cannot compare with a count " +
				"(the gate fails closed).",
			Unknown: "retained_backups or retention_unit is known only after apply because the configuration sets it from a " +
				"value not yet known; or retained_backups is below min_backups while master_instance_name is known only after " +
				"apply and the plan has no configuration section to show whether the instance is a replica.",
			Remediation: "Set `retained_backups` (with `retention_unit = \"COUNT\"`) in " +
				"`settings.backup_configuration.backup_retention_settings` to at least the minimum (7 by default).",
			Example: "resource \"google_sql_database_instance\" \"main\" {\n  database_version = \"POSTGRES_16\"\n\n  settings {\n    tier = \"db-custom-2-7680\"\n\n    backup_configuration {\n      enabled = true\n\n      backup_retention_settings {\n        retained_backups = 14\n        retention_unit   = \"COUNT\"\n      }\n    }\n  }\n}",
		},
	}
}

func (GoogleSQLRetainedBackups) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	replica := googleSQLReplicaOf(r)
	if replica == sqlReplica {
		return nil
	}
	minBackups := c.Int("min_backups")
	unit := evaluator.EffectiveAfter(r, googleSQLRetentionUnitPath, "COUNT")
	if !unit.Known() {
		return []evaluator.Finding{c.Unknown(r, googleSQLRetentionUnitPath, `"COUNT"`)}
	}
	if s, _ := unit.Raw.(string); s != "COUNT" {
		return []evaluator.Finding{c.Fail(r, googleSQLRetentionUnitPath,
			fmt.Sprintf("%s is %s, so the retained backups cannot be compared with a count", googleSQLRetentionUnitPath, unit.Display()),
			`"COUNT"`, unit.Display())}
	}
	f := evaluator.RequireAtLeast(c, r, googleSQLRetainedPath, minBackups, int64(7))
	if f.Status == evaluator.StatusFail && replica == sqlReplicaUnknown {
		return []evaluator.Finding{c.Unknown(r, "master_instance_name",
			fmt.Sprintf("a read replica, or a primary with %s >= %d", googleSQLRetainedPath, minBackups))}
	}
	return []evaluator.Finding{f}
}

// GoogleSQLAuthorizedNetworksOpen forbids authorized networks that admit every address.
type GoogleSQLAuthorizedNetworksOpen struct{}

const googleSQLNetworksPath = "settings.ip_configuration.authorized_networks"

func (GoogleSQLAuthorizedNetworksOpen) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-sql-authorized-networks-open",
		Title:         "Cloud SQL authorized networks are not open to the whole internet",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: googleSQLTypes,
		References:    []string{"CKV_GCP_11", "CKV2_GCP_21", "AVD-GCP-0017", "CIS GCP 6.5"},
		Doc: evaluator.RuleDoc{
			Summary: "An authorized network of 0.0.0.0/0 lets any address on the internet try to log in to the database's " +
				"public IP, leaving passwords as the only defence. The networks are judged whatever ipv4_enabled says, because " +
				"turning the public IP on (or forgetting to turn it off) would open the instance at once; google-sql-no-public-ip " +
				"judges the public IP itself. Only networks with a prefix length of 0 (0.0.0.0/0, ::/0 or any a.b.c.d/0) count " +
				"as open; broad but partial ranges are not judged. Not judged (no finding): destroyed or forgotten instances.",
			Pass: "google_sql_database_instance that will exist after apply (create, update, no-op, replace) whose " +
				"settings.ip_configuration.authorized_networks has no entry whose value ends in \"/0\", including no " +
				"ip_configuration block, no authorized_networks, or an empty list.",
			Fail: "At least one authorized_networks entry has a value ending in \"/0\" (for example \"0.0.0.0/0\"); the finding " +
				"names every such entry.",
			Unknown: "No entry is open and either the authorized_networks list or the value of one of its entries is known " +
				"only after apply (the configuration writes it from a value not yet known, or the plan has no configuration " +
				"section to show it is not written).",
			Remediation: "Remove the 0.0.0.0/0 entry and list only the addresses that need access, or better, turn the public " +
				"IP off (`ipv4_enabled = false`) and connect over private IP or the Cloud SQL Auth Proxy.",
			Example: "resource \"google_sql_database_instance\" \"main\" {\n  database_version = \"POSTGRES_16\"\n\n  settings {\n    tier = \"db-custom-2-7680\"\n\n    ip_configuration {\n      ipv4_enabled = true\n\n      authorized_networks {\n        name  = \"office\"\n        value = \"203.0.113.0/24\"\n      }\n    }\n  }\n}",
		},
	}
}

func (GoogleSQLAuthorizedNetworksOpen) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const expected = "no authorized network ending in /0"
	networks := r.After(googleSQLNetworksPath)
	if networks.State == tfplan.Unknown {
		if r.Configured(googleSQLNetworksPath) == tfplan.ConfigNotSet {
			return []evaluator.Finding{c.Pass(r, googleSQLNetworksPath, googleSQLNetworksPath+" is not set")}
		}
		return []evaluator.Finding{c.Unknown(r, googleSQLNetworksPath, expected)}
	}
	list, _ := networks.List()
	open, unknownAt := internetEntries(r, googleSQLNetworksPath, "value", len(list))
	switch {
	case len(open) > 0:
		shown := make([]string, len(open))
		for i, v := range open {
			shown[i] = v.Display()
		}
		actual := strings.Join(shown, ", ")
		return []evaluator.Finding{c.Fail(r, googleSQLNetworksPath,
			fmt.Sprintf("%s admits every address: %s", googleSQLNetworksPath, actual), expected, actual)}
	case unknownAt != "":
		return []evaluator.Finding{c.Unknown(r, unknownAt, expected)}
	case len(list) == 0:
		return []evaluator.Finding{c.Pass(r, googleSQLNetworksPath, googleSQLNetworksPath+" is not set")}
	}
	return []evaluator.Finding{c.Pass(r, googleSQLNetworksPath,
		fmt.Sprintf("none of the %d authorized networks ends in /0", len(list)))}
}
