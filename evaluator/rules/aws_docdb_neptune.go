package rules

import (
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// DocumentDB and Neptune clusters run on the RDS platform: the same
// deletion_protection, backup_retention_period and storage_encrypted
// attributes, the same provider defaults. Each service keeps its own rule ids
// so that references, waivers and scopes can name one without the other. The
// final snapshot of both is judged by aws-rds-final-snapshot.

// clusterBackupDaysParam is the min_days parameter of the DocumentDB and
// Neptune retention rules.
func clusterBackupDaysParam(source string) []evaluator.ParamSpec {
	return []evaluator.ParamSpec{{
		Name:    "min_days",
		Kind:    evaluator.ParamInt,
		Default: int64(7),
		Source:  source,
		Doc:     "Fewest days of automated backups (backup_retention_period) a cluster must keep.",
	}}
}

// DocDBBackupRetention requires DocumentDB clusters to keep automated backups
// for at least min_days.
type DocDBBackupRetention struct{}

func (DocDBBackupRetention) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-docdb-backup-retention",
		Title:         "DocumentDB clusters keep automated backups long enough",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_docdb_cluster"},
		Params: clusterBackupDaysParam("7 days: AWS FSBP DocumentDB.2 and Checkov CKV_AWS_360 " +
			"(\"adequate backup retention period\", at least 7 days)"),
		References: []string{"CKV_AWS_360", "AWS FSBP DocumentDB.2"},
		Doc: evaluator.RuleDoc{
			Summary: "Automated backups are what point-in-time restore reads from; with the default of 1 day a corruption " +
				"noticed after a weekend can no longer be rolled back. Not judged (no finding): destroyed or forgotten " +
				"clusters (the lifecycle rules cover them).",
			Pass: "aws_docdb_cluster that will exist after apply (create, update, no-op, replace) with " +
				"backup_retention_period >= min_days (default 7).",
			Fail: "backup_retention_period below min_days, or not set (judged as the provider and API default, 1 day).",
			Unknown: "backup_retention_period is known only after apply because the configuration sets it from a value not " +
				"yet known.",
			Remediation: "Set `backup_retention_period` to at least the minimum (7 days by default, 35 at most).",
			Example:     "resource \"aws_docdb_cluster\" \"docs\" {\n  backup_retention_period = 7\n}",
		},
	}
}

func (DocDBBackupRetention) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireAtLeast(c, r, "backup_retention_period", c.Int("min_days"), int64(1))}
}

// NeptuneBackupRetention requires Neptune clusters to keep automated backups
// for at least min_days.
type NeptuneBackupRetention struct{}

func (NeptuneBackupRetention) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-neptune-backup-retention",
		Title:         "Neptune clusters keep automated backups long enough",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_neptune_cluster"},
		Params: clusterBackupDaysParam("7 days: AWS FSBP Neptune.5 and Checkov CKV_AWS_361 " +
			"(automated backups with a retention of at least 7 days)"),
		References: []string{"CKV_AWS_361", "AWS FSBP Neptune.5"},
		Doc: evaluator.RuleDoc{
			Summary: "Automated backups are what point-in-time restore reads from; with the default of 1 day a bad bulk " +
				"load noticed after a weekend can no longer be rolled back. Not judged (no finding): destroyed or " +
				"forgotten clusters (the lifecycle rules cover them).",
			Pass: "aws_neptune_cluster that will exist after apply (create, update, no-op, replace) with " +
				"backup_retention_period >= min_days (default 7).",
			Fail: "backup_retention_period below min_days, or not set (judged as the provider default, 1 day).",
			Unknown: "backup_retention_period is known only after apply because the configuration sets it from a value not " +
				"yet known.",
			Remediation: "Set `backup_retention_period` to at least the minimum (7 days by default, 35 at most).",
			Example:     "resource \"aws_neptune_cluster\" \"graph\" {\n  backup_retention_period = 7\n}",
		},
	}
}

func (NeptuneBackupRetention) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireAtLeast(c, r, "backup_retention_period", c.Int("min_days"), int64(1))}
}
