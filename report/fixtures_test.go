package report

import (
	"time"

	"github.com/prodgate/prodgate/evaluator"
)

// Hand-built reports the golden tests render. Counts are tallied from the
// findings, as the evaluator does.

var evaluatedAt = time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)

func withCounts(r *evaluator.Report) *evaluator.Report {
	t := tallyOf(r)
	r.Counts = evaluator.Counts{
		Total: t.total, Passed: t.passed, Failed: t.failed, Warned: t.warned,
		Unknown: t.unknown, Waived: t.waived, Blocking: t.blocking, Advisory: t.advisory,
	}
	return r
}

const rdsFix = "Set `deletion_protection = true`. To retire the database later, turn it off in a reviewed change of its own."

func passingReport() *evaluator.Report {
	return withCounts(&evaluator.Report{
		Verdict:     evaluator.VerdictPassed,
		Standard:    "Acme production",
		Scope:       "production",
		Environment: "prod",
		Enforcement: evaluator.ScopeMandatory,
		FailOn:      evaluator.SeverityLow,
		Run:         evaluator.RunContext{Organization: "acme", Workspace: "billing-prod"},
		Plan: evaluator.PlanFacts{
			FormatVersion: "1.2", TerraformVersion: "1.9.5",
			ResourceChanges: 5, Creates: 1, Updates: 2,
		},
		Findings: []evaluator.Finding{
			{RuleID: "aws-rds-deletion-protection", Title: "RDS deletion protection", Address: "aws_db_instance.main", ResourceType: "aws_db_instance", Attribute: "deletion_protection", Severity: evaluator.SeverityCritical, Status: evaluator.StatusPass, Message: "deletion_protection is true"},
			{RuleID: "aws-rds-backup-retention", Title: "RDS backup retention", Address: "aws_db_instance.main", ResourceType: "aws_db_instance", Attribute: "backup_retention_period", Severity: evaluator.SeverityHigh, Status: evaluator.StatusPass, Message: "backup_retention_period is 14 days"},
			{RuleID: "aws-lb-internet-facing", Title: "Internet-facing load balancer", Address: "aws_lb.public", ResourceType: "aws_lb", Attribute: "internal", Severity: evaluator.SeverityInfo, Status: evaluator.StatusWarn, Message: "load balancer is internet-facing", Expected: "true", Actual: "false", Remediation: "Confirm the load balancer is meant to be public.", Note: "advisory rule: reported, never blocks"},
			// An advisory rule whose id and message hold "fail": a passed
			// atlantis run must still not contain the word.
			{RuleID: "aws-elasticache-automatic-failover", Title: "ElastiCache fails over automatically", Address: "aws_elasticache_replication_group.sessions", ResourceType: "aws_elasticache_replication_group", Attribute: "automatic_failover_enabled", Severity: evaluator.SeverityMedium, Status: evaluator.StatusWarn, Message: "automatic_failover_enabled is false", Expected: "true", Actual: "false", Remediation: "Set `automatic_failover_enabled = true`.", Note: "advisory rule: reported, never blocking (the policy can promote it: `enforce: blocking`)"},
			{RuleID: "aws-rds-log-exports", Title: "RDS log exports", Address: "aws_db_instance.main", ResourceType: "aws_db_instance", Attribute: "enabled_cloudwatch_logs_exports", Severity: evaluator.SeverityLow, Status: evaluator.StatusUnknown, Message: "enabled_cloudwatch_logs_exports is known only after apply, so the plan cannot show it meets the standard", Expected: "postgresql", Actual: "(known after apply)", Note: "advisory rule: reported, never blocking (the policy can promote it: `enforce: blocking`)"},
		},
		EvaluatedAt: evaluatedAt,
		Duration:    12*time.Millisecond + 340*time.Microsecond,
	})
}

func failingReport() *evaluator.Report {
	return withCounts(&evaluator.Report{
		Verdict:     evaluator.VerdictFailed,
		Standard:    "Acme production",
		Scope:       "production",
		Environment: "prod",
		Enforcement: evaluator.ScopeMandatory,
		FailOn:      evaluator.SeverityLow,
		Run:         evaluator.RunContext{Organization: "acme", Workspace: "billing-prod", Repository: "acme/infra", Directory: "billing"},
		Plan: evaluator.PlanFacts{
			FormatVersion: "1.2", TerraformVersion: "1.9.5",
			ResourceChanges: 9, Creates: 3, Updates: 3, Deletes: 1, Replaces: 1, Forgets: 1,
		},
		Reasons: []string{
			"3 blocking findings: 2 failed, 1 unknown",
			"aws_db_instance.legacy would be destroyed",
		},
		Findings: []evaluator.Finding{
			// Deliberately out of order: renderers sort.
			{RuleID: "aws-s3-versioning", Title: "S3 versioning", Address: "aws_s3_bucket.logs", ResourceType: "aws_s3_bucket", Attribute: "versioning", Severity: evaluator.SeverityHigh, Status: evaluator.StatusWaived, Message: "versioning is disabled", Expected: "Enabled", Actual: "Suspended", Remediation: "Enable versioning.",
				Note:   "waived by logs-versioning until 2026-12-31",
				Waiver: &evaluator.Waiver{ID: "logs-versioning", Owner: "team-data", Reason: "log bucket is rebuilt from source nightly", Expires: "2026-12-31"}},
			{RuleID: "aws-rds-backup-retention", Title: "RDS backup retention", Address: "aws_db_instance.main", ResourceType: "aws_db_instance", Attribute: "backup_retention_period", Severity: evaluator.SeverityHigh, Status: evaluator.StatusFail, Blocking: true, Message: "backup_retention_period is 1 day, below 7", Expected: ">= 7", Actual: "1", Remediation: "Set `backup_retention_period` to 7 or more."},
			{RuleID: "lifecycle-protection-lowered", Title: "Protection is not switched off", Address: "aws_db_instance.main", ResourceType: "aws_db_instance", Attribute: "deletion_protection", Severity: evaluator.SeverityCritical, Status: evaluator.StatusFail, Blocking: true, Message: "deletion_protection changes from true to false in this plan, switching off deletion protection", Expected: "true", Actual: "false", Remediation: rdsFix,
				Related: []evaluator.Finding{{RuleID: "aws-rds-deletion-protection", Title: "RDS deletion protection", Address: "aws_db_instance.main", ResourceType: "aws_db_instance", Attribute: "deletion_protection", Severity: evaluator.SeverityCritical, Status: evaluator.StatusFail, Blocking: true, Message: "deletion_protection is false", Expected: "true", Actual: "false", Remediation: rdsFix}}},
			{RuleID: "aws-rds-storage-encrypted", Title: "RDS storage encryption", Address: "aws_db_instance.replica", ResourceType: "aws_db_instance", Attribute: "storage_encrypted", Severity: evaluator.SeverityHigh, Status: evaluator.StatusUnknown, Blocking: true, Message: "storage_encrypted is known only after apply, so the plan cannot show it meets the standard", Expected: "true", Actual: "(known after apply)", Remediation: "Set `storage_encrypted = true` explicitly.", Note: "policy: unknown values fail"},
			{RuleID: "aws-rds-deletion-protection", Title: "RDS deletion protection", Address: "aws_db_instance.replica", ResourceType: "aws_db_instance", Attribute: "deletion_protection", Severity: evaluator.SeverityCritical, Status: evaluator.StatusPass, Message: "deletion_protection is true"},
			{RuleID: "aws-tags-required", Title: "Required tags", Address: `aws_s3_bucket.assets["a|b"]`, ResourceType: "aws_s3_bucket", Attribute: "tags", Severity: evaluator.SeverityLow, Status: evaluator.StatusWarn, Message: "missing tag `owner` <b>and</b> `cost|center` \x1b[31mred\x1b[0m\nsecond line", Expected: "owner, cost|center", Actual: "`env`", Note: "below fail_on"},
			{RuleID: "aws-rds-monitoring", Title: "RDS enhanced monitoring", Address: "aws_db_instance.replica", ResourceType: "aws_db_instance", Attribute: "monitoring_interval", Severity: evaluator.SeverityMedium, Status: evaluator.StatusUnknown, Message: "monitoring_interval is known only after apply, so the plan cannot show it meets the standard", Expected: "> 0", Actual: "(known after apply)", Remediation: "Set `monitoring_interval` to 60.", Note: "policy: unknown values warn for this rule"},
			{RuleID: "prodgate-plan-incomplete", Title: "Plan is complete", Severity: evaluator.SeverityMedium, Status: evaluator.StatusWarn, Message: "1 resource is forgotten, not destroyed: aws_sqs_queue.old"},
			{RuleID: "aws-rds-backup-retention", Title: "RDS backup retention", Address: "aws_db_instance.replica", ResourceType: "aws_db_instance", Attribute: "backup_retention_period", Severity: evaluator.SeverityHigh, Status: evaluator.StatusPass, Message: "backup_retention_period is 14 days"},
		},
		UnusedWaivers: []evaluator.WaiverUse{
			{Waiver: evaluator.Waiver{ID: "old-db", Owner: "team-billing", Reason: "migration in progress", Expires: "2025-01-31"}, Rule: "aws-rds-deletion-protection", Address: "aws_db_instance.main", Where: "prodgate.yaml:41", Expired: true, Matched: 1},
			{Waiver: evaluator.Waiver{ID: "cache-backups", Owner: "team-platform", Reason: "cache holds no data of record", Expires: "2026-03-01"}, Rule: "aws-elasticache-backup", Address: "aws_elasticache_cluster.cache", Where: "prodgate.yaml:48"},
		},
		EvaluatedAt: evaluatedAt,
		Duration:    48 * time.Millisecond,
	})
}

func erroredReport() *evaluator.Report {
	return withCounts(&evaluator.Report{
		Verdict:     evaluator.VerdictFailed,
		Standard:    "Acme production",
		Scope:       "production",
		Enforcement: evaluator.ScopeMandatory,
		FailOn:      evaluator.SeverityLow,
		Plan: evaluator.PlanFacts{
			FormatVersion: "1.2", TerraformVersion: "1.10.0",
			ResourceChanges: 2, Creates: 2,
			Errored: true, Incomplete: true, DeferredChanges: 1,
		},
		Reasons: []string{"Terraform reported errors while planning, so the plan cannot be judged"},
		Notes: []string{
			"The plan errored: Terraform stopped before planning every resource.",
			"1 change was deferred; apply may do more than this plan shows.",
		},
		EvaluatedAt: evaluatedAt,
		Duration:    3 * time.Millisecond,
	})
}

func advisoryReport() *evaluator.Report {
	return withCounts(&evaluator.Report{
		Verdict:     evaluator.VerdictPassed,
		Standard:    "Acme production standard",
		Scope:       "dev",
		Environment: "dev",
		Enforcement: evaluator.ScopeAdvisory,
		FailOn:      evaluator.SeverityHigh,
		Run:         evaluator.RunContext{Workspace: "billing-dev"},
		Plan: evaluator.PlanFacts{
			FormatVersion: "1.2", TerraformVersion: "1.9.5",
			ResourceChanges: 4, Creates: 1, Deletes: 1, Replaces: 2,
		},
		Notes: []string{"Scope dev is advisory: findings are reported and never fail the gate."},
		Findings: []evaluator.Finding{
			{RuleID: "aws-rds-deletion-protection", Title: "RDS deletion protection", Address: "aws_db_instance.dev", ResourceType: "aws_db_instance", Attribute: "deletion_protection", Severity: evaluator.SeverityCritical, Status: evaluator.StatusWarn, Message: "deletion_protection is false", Expected: "true", Actual: "false", Remediation: rdsFix, Note: "advisory scope dev: would fail under mandatory enforcement"},
			{RuleID: "prodgate-stateful-destroy", Title: "Stateful resources are not destroyed", Address: "aws_db_instance.dev", ResourceType: "aws_db_instance", Severity: evaluator.SeverityCritical, Status: evaluator.StatusWarn, Message: "aws_db_instance.dev will be replaced because engine_version cannot be updated in place", Remediation: "Create the new database beside the old one and migrate.", Note: "advisory scope dev: would fail under mandatory enforcement"},
			{RuleID: "aws-s3-versioning", Title: "S3 versioning", Address: "aws_s3_bucket.scratch", ResourceType: "aws_s3_bucket", Attribute: "versioning", Severity: evaluator.SeverityHigh, Status: evaluator.StatusPass, Message: "versioning is enabled"},
		},
		UnusedWaivers: []evaluator.WaiverUse{
			{Waiver: evaluator.Waiver{ID: "dev-db", Owner: "team-billing", Reason: "dev database is disposable", Expires: "2026-06-30"}, Rule: "aws-rds-backup-retention", Address: "aws_db_instance.dev", Where: "prodgate.yaml:60"},
		},
		EvaluatedAt: evaluatedAt,
		Duration:    1500 * time.Microsecond,
	})
}
