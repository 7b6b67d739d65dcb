package rules

import (
	"fmt"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// awsRDSTypes are the RDS/Aurora resource types that carry the same
// protection and backup attributes.
var awsRDSTypes = []string{"aws_db_instance", "aws_rds_cluster"}

// rdsReadReplica reports whether r is an aws_db_instance read replica:
// replicate_source_db is a known non-empty string, or is known only after
// apply (the configuration sets it from a value not yet known, typically the
// identifier of a source created in the same plan).
func rdsReadReplica(r *tfplan.Resource) bool {
	if r.Type != "aws_db_instance" {
		return false
	}
	v := r.After("replicate_source_db")
	if v.State == tfplan.Unknown {
		return true
	}
	s, ok := v.Str()
	return ok && s != ""
}

// RDSBackupRetention requires automated backups kept for at least min_days.
type RDSBackupRetention struct{}

func (RDSBackupRetention) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-rds-backup-retention",
		Title:         "RDS databases keep automated backups long enough",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: awsRDSTypes,
		Params: []evaluator.ParamSpec{{
			Name:    "min_days",
			Kind:    evaluator.ParamInt,
			Default: int64(7),
			Source:  "7 days: AWS Foundational Security Best Practices RDS.11 (instances) and RDS.50 (clusters)",
			Doc:     "Fewest days of automated backups (backup_retention_period) a database must keep.",
		}},
		References: []string{"CKV_AWS_133", "AVD-AWS-0077", "AWS FSBP RDS.11", "AWS FSBP RDS.50"},
		Doc: evaluator.RuleDoc{
			Summary: "Automated backups are what point-in-time restore reads from. With 0 days there are none; with 1 day a corruption " +
				"noticed after a weekend can no longer be rolled back. Not judged (no finding): destroyed or forgotten databases " +
				"(the lifecycle rules cover them) and aws_db_instance read replicas (replicate_source_db set, or known only " +
				"after apply), whose recovery point is the source database; FSBP RDS.11 also excludes them.",
			Pass: "aws_db_instance or aws_rds_cluster that will exist after apply (create, update, no-op, replace) with " +
				"backup_retention_period >= min_days (default 7), or, whatever its native retention, a database that AWS " +
				"Backup covers (the alternative satisfier). " + awsBackupDocSelection,
			Fail: "backup_retention_period below min_days, or not set, and no aws_backup_selection covers the database. " +
				"Not set is judged as the default: 0 for aws_db_instance " +
				"(the AWS provider's documented default; the RDS API itself applies 1 day when the value is omitted, which is " +
				"still below any production minimum) and 1 for aws_rds_cluster (provider and API default).",
			Unknown: "backup_retention_period is known only after apply because the configuration sets it from a value not yet " +
				"known (an unset Optional+Computed value is judged as the default, not as unknown, when the plan's " +
				"configuration shows it is not written), or the native setting fails and an aws_backup_selection might " +
				"cover the database but depends on values known only after apply.",
			Remediation: "Set `backup_retention_period` to at least the minimum (7 days by default, 35 at most), or add the " +
				"database's ARN to an aws_backup_selection.",
			Example: "resource \"aws_db_instance\" \"main\" {\n  backup_retention_period = 7\n}",
		},
	}
}

func (RDSBackupRetention) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() || rdsReadReplica(r) {
		return nil
	}
	def := int64(0)
	if r.Type == "aws_rds_cluster" {
		def = 1
	}
	native := evaluator.RequireAtLeast(c, r, "backup_retention_period", c.Int("min_days"), def)
	return []evaluator.Finding{orAWSBackup(c, r, native)}
}

// awsFinalSnapshotTypes are the RDS-API database clusters and instances whose
// provider refuses a destroy without final_snapshot_identifier unless
// skip_final_snapshot is true. DocumentDB and Neptune run on the RDS
// platform and share the attributes and the behaviour.
var awsFinalSnapshotTypes = []string{"aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster"}

// RDSFinalSnapshot requires a final snapshot to be taken when the database
// is destroyed.
type RDSFinalSnapshot struct{}

func (RDSFinalSnapshot) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-rds-final-snapshot",
		Title:         "RDS, DocumentDB and Neptune databases take a final snapshot when destroyed",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: awsFinalSnapshotTypes,
		Doc: evaluator.RuleDoc{
			Summary: "Automated backups are deleted with the database by default; the final snapshot is the only copy left " +
				"after a destroy. skip_final_snapshot = true, or a missing final_snapshot_identifier (the provider then " +
				"refuses the destroy, and the usual way out is to set skip_final_snapshot = true), means no such copy. " +
				"DocumentDB (aws_docdb_cluster) and Neptune (aws_neptune_cluster) clusters run on the RDS platform and " +
				"behave the same way; Redshift has its own rule, aws-redshift-final-snapshot. " +
				"Not judged (no finding): destroyed or forgotten databases (the lifecycle rules cover them) and " +
				"aws_db_instance read replicas (replicate_source_db set, or known only after apply): RDS takes no final " +
				"snapshot of a read replica. No Checkov, Trivy or FSBP check covers this attribute.",
			Pass: "aws_db_instance, aws_rds_cluster, aws_docdb_cluster or aws_neptune_cluster that will exist after apply with " +
				"skip_final_snapshot false or not set (provider default false) and final_snapshot_identifier set to a " +
				"known, non-empty name.",
			Fail: "skip_final_snapshot = true (reported on skip_final_snapshot); or skip_final_snapshot false/not set while " +
				"final_snapshot_identifier is not set or empty (reported on final_snapshot_identifier, because the provider " +
				"refuses to destroy such a database: \"FinalSnapshotIdentifier is required when a final snapshot is required\").",
			Unknown: "skip_final_snapshot is known only after apply because the configuration sets it from a value not yet " +
				"known (or the plan has no configuration section); or it is false/not set and final_snapshot_identifier is " +
				"known only after apply.",
			Remediation: "Leave `skip_final_snapshot` unset or false and set `final_snapshot_identifier` (e.g. \"${var.name}-final\").",
			Example:     "resource \"aws_db_instance\" \"main\" {\n  skip_final_snapshot       = false\n  final_snapshot_identifier = \"main-final\"\n}",
		},
	}
}

func (RDSFinalSnapshot) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() || rdsReadReplica(r) {
		return nil
	}
	return []evaluator.Finding{finalSnapshotFinding(c, r, "database")}
}

// finalSnapshotFinding judges the skip_final_snapshot / final_snapshot_identifier
// pair shared by the RDS-family and Redshift resources; noun names the
// resource in messages ("database", "cluster").
func finalSnapshotFinding(c *evaluator.Context, r *tfplan.Resource, noun string) evaluator.Finding {
	const skipAttr, idAttr = "skip_final_snapshot", "final_snapshot_identifier"
	skip := evaluator.EffectiveAfter(r, skipAttr, false)
	if !skip.Known() {
		return c.Unknown(r, skipAttr, "false")
	}
	if !skip.Defaulted {
		b, ok := skip.Value.Bool()
		if !ok {
			return c.Fail(r, skipAttr, "skip_final_snapshot is not a boolean", "false", skip.Display())
		}
		if b {
			return c.Fail(r, skipAttr,
				"skip_final_snapshot is true: destroying the "+noun+" keeps no final snapshot", "false", skip.Display())
		}
	}
	id := r.After(idAttr)
	switch id.State {
	case tfplan.Unknown:
		return c.Unknown(r, idAttr, "a snapshot name")
	case tfplan.Known:
		if s, ok := id.Str(); ok && s != "" {
			return c.Pass(r, idAttr, "a final snapshot is taken on destroy (skip_final_snapshot is "+
				skip.Display()+", final_snapshot_identifier is set)")
		}
	}
	return c.Fail(r, idAttr,
		"final_snapshot_identifier is "+id.Display()+" while skip_final_snapshot is "+skip.Display()+
			": the provider refuses to destroy the "+noun+" until a snapshot name is set",
		"a snapshot name", id.Display())
}

// RDSStorageEncrypted requires encryption at rest.
type RDSStorageEncrypted struct{}

func (RDSStorageEncrypted) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-rds-storage-encrypted",
		Title:         "RDS databases are encrypted at rest",
		Severity:      evaluator.SeverityHigh,
		Category:      "encryption",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: awsRDSTypes,
		References:    []string{"CKV_AWS_16", "CKV_AWS_96", "AVD-AWS-0080", "AVD-AWS-0079", "AWS FSBP RDS.3", "AWS FSBP RDS.27"},
		Doc: evaluator.RuleDoc{
			Summary: "Encryption at rest covers the storage, automated backups, snapshots and replicas. It can only be chosen " +
				"when the database is created; fixing it later means a snapshot copy, a restore and a new endpoint. " +
				"Not judged (no finding): destroyed or forgotten databases (the lifecycle rules cover them), and " +
				"aws_db_instance read replicas (replicate_source_db set, or known only after apply) unless storage_encrypted " +
				"is known true: a replica takes its encryption from the source (same region) or from kms_key_id (cross " +
				"region), so judge the source database instead.",
			Pass: "aws_db_instance or aws_rds_cluster that will exist after apply with storage_encrypted = true; an " +
				"aws_rds_cluster whose engine_mode is \"serverless\" (Aurora Serverless v1 storage is always encrypted) " +
				"passes whatever storage_encrypted says; a read replica passes when storage_encrypted is known true.",
			Fail: "storage_encrypted = false, or not set (provider default false; for aws_rds_cluster false unless engine_mode is " +
				"\"serverless\"). A cluster restored from an encrypted snapshot with storage_encrypted unset also fails on " +
				"create: write storage_encrypted = true.",
			Unknown: "storage_encrypted is known only after apply because the configuration sets it from a value not yet known " +
				"(and, for a cluster, engine_mode is not known to be \"serverless\").",
			Remediation: "Set `storage_encrypted = true` (optionally with `kms_key_id`) when creating the database; for an " +
				"existing one, copy a snapshot with encryption and restore from the copy.",
			Example: "resource \"aws_rds_cluster\" \"main\" {\n  storage_encrypted = true\n}",
		},
	}
}

func (RDSStorageEncrypted) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "storage_encrypted"
	if r.Type == "aws_rds_cluster" {
		if mode, ok := r.After("engine_mode").Str(); ok && mode == "serverless" {
			return []evaluator.Finding{c.Pass(r, "engine_mode",
				`engine_mode is "serverless": Aurora Serverless v1 storage is always encrypted`)}
		}
	}
	if rdsReadReplica(r) {
		if b, ok := r.After(attr).Bool(); ok && b {
			return []evaluator.Finding{c.Pass(r, attr, "storage_encrypted is true")}
		}
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, attr, true, false)}
}

// RDSLogExports requires database logs to be published to CloudWatch Logs.
type RDSLogExports struct{}

func (RDSLogExports) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-rds-log-exports",
		Title:         "RDS databases publish logs to CloudWatch Logs",
		Severity:      evaluator.SeverityLow,
		Category:      "logging",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: awsRDSTypes,
		References:    []string{"CKV_AWS_129", "CKV_AWS_324", "AWS FSBP RDS.9"},
		Doc: evaluator.RuleDoc{
			Summary: "Database error, slow-query and audit logs kept only on the instance rotate away within days and " +
				"vanish with the instance; exported to CloudWatch Logs they survive an incident and can be searched and " +
				"alarmed on. The rule asks for at least one log type; which types a team needs depends on the engine " +
				"(postgresql, upgrade; error, general, slowquery, audit; alert, trace, listener …). Not judged (no " +
				"finding): destroyed or forgotten databases (the lifecycle rules cover them).",
			Pass: "aws_db_instance or aws_rds_cluster that will exist after apply (create, update, no-op, replace) whose " +
				"enabled_cloudwatch_logs_exports is a known list with at least one entry (entries known only after apply " +
				"count).",
			Fail:    "enabled_cloudwatch_logs_exports is an empty list, or not set (the default: nothing is exported).",
			Unknown: "enabled_cloudwatch_logs_exports as a whole is known only after apply (set from a value not yet known).",
			Remediation: "Set `enabled_cloudwatch_logs_exports` to the engine's log types, e.g. [\"postgresql\", \"upgrade\"] " +
				"or [\"error\", \"slowquery\", \"audit\"], and give the log groups a retention (aws-cloudwatch-log-retention).",
			Example: "resource \"aws_db_instance\" \"main\" {\n  engine                          = \"postgres\"\n" +
				"  enabled_cloudwatch_logs_exports = [\"postgresql\", \"upgrade\"]\n}",
		},
	}
}

func (RDSLogExports) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{requireNonEmptyList(c, r, "enabled_cloudwatch_logs_exports", "at least one log type")}
}

// requireNonEmptyList passes a known list or set with at least one element,
// fails an empty or unset one, and is unknown when the whole value is.
func requireNonEmptyList(c *evaluator.Context, r *tfplan.Resource, attr, expected string) evaluator.Finding {
	v := r.After(attr)
	switch v.State {
	case tfplan.Unknown:
		return c.Unknown(r, attr, expected)
	case tfplan.Known:
		list, ok := v.List()
		if !ok {
			return c.Fail(r, attr, attr+" is not a list", expected, v.Display())
		}
		if len(list) > 0 {
			return c.Pass(r, attr, fmt.Sprintf("%s has %d entries", attr, len(list)))
		}
		return c.Fail(r, attr, attr+" is empty", expected, "empty list")
	}
	return c.Fail(r, attr, attr+" is not set", expected, v.Display())
}
