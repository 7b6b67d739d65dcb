package rules

import (
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// RedshiftSnapshotRetention requires automated snapshots kept for at least
// min_days on provisioned Redshift clusters.
type RedshiftSnapshotRetention struct{}

func (RedshiftSnapshotRetention) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-redshift-snapshot-retention",
		Title:         "Redshift clusters keep automated snapshots long enough",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_redshift_cluster"},
		Params: []evaluator.ParamSpec{{
			Name:    "min_days",
			Kind:    evaluator.ParamInt,
			Default: int64(7),
			Source: "7 days: AWS FSBP Redshift.3 (automatic snapshots with a retention of at least 7 days); " +
				"Checkov CKV_AWS_343 only rejects 0",
			Doc: "Fewest days of automated snapshots (automated_snapshot_retention_period) a cluster must keep.",
		}},
		References: []string{"CKV_AWS_343", "AWS FSBP Redshift.3"},
		Doc: evaluator.RuleDoc{
			Summary: "Automated snapshots are the restore points of a provisioned cluster; 0 turns them off and the default " +
				"of 1 day leaves one day to notice a bad load or a dropped table. Not judged (no finding): destroyed or " +
				"forgotten clusters (the lifecycle rules cover them).",
			Pass: "aws_redshift_cluster that will exist after apply (create, update, no-op, replace) with " +
				"automated_snapshot_retention_period >= min_days (default 7).",
			Fail: "automated_snapshot_retention_period below min_days (0 means no automated snapshots), or not set " +
				"(judged as the provider default, 1 day).",
			Unknown: "automated_snapshot_retention_period is known only after apply because the configuration sets it from " +
				"a value not yet known.",
			Remediation: "Set `automated_snapshot_retention_period` to at least the minimum (7 days by default, 35 at most).",
			Example:     "resource \"aws_redshift_cluster\" \"warehouse\" {\n  automated_snapshot_retention_period = 7\n}",
		},
	}
}

func (RedshiftSnapshotRetention) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireAtLeast(c, r, "automated_snapshot_retention_period", c.Int("min_days"), int64(1))}
}

// RedshiftFinalSnapshot requires a final snapshot when a Redshift cluster is
// destroyed.
type RedshiftFinalSnapshot struct{}

func (RedshiftFinalSnapshot) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-redshift-final-snapshot",
		Title:         "Redshift clusters take a final snapshot when destroyed",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_redshift_cluster"},
		Doc: evaluator.RuleDoc{
			Summary: "Redshift has no deletion protection; automated snapshots are deleted with the cluster, so the final " +
				"snapshot is the only copy left after a destroy. skip_final_snapshot = true, or a missing " +
				"final_snapshot_identifier (the provider then refuses the destroy, and the usual way out is to set " +
				"skip_final_snapshot = true), means no such copy. Not judged (no finding): destroyed or forgotten clusters " +
				"(the lifecycle rules cover them). No Checkov, Trivy or FSBP check covers this attribute.",
			Pass: "aws_redshift_cluster that will exist after apply with skip_final_snapshot false or not set (provider " +
				"default false) and final_snapshot_identifier set to a known, non-empty name.",
			Fail: "skip_final_snapshot = true (reported on skip_final_snapshot); or skip_final_snapshot false/not set while " +
				"final_snapshot_identifier is not set or empty (reported on final_snapshot_identifier, because the provider " +
				"refuses to destroy such a cluster: \"FinalSnapshotIdentifier is required when a final snapshot is required\").",
			Unknown: "skip_final_snapshot is known only after apply because the configuration sets it from a value not yet " +
				"known (or the plan has no configuration section); or it is false/not set and final_snapshot_identifier is " +
				"known only after apply.",
			Remediation: "Leave `skip_final_snapshot` unset or false and set `final_snapshot_identifier` (e.g. \"${var.name}-final\").",
			Example: "resource \"aws_redshift_cluster\" \"warehouse\" {\n  skip_final_snapshot       = false\n" +
				"  final_snapshot_identifier = \"warehouse-final\"\n}",
		},
	}
}

func (RedshiftFinalSnapshot) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{finalSnapshotFinding(c, r, "cluster")}
}
