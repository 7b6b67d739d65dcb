package rules

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

// TestLoweredAgainstTheScopeStandard runs lifecycle-protection-lowered
// through the real engine: "the standard" is the scope's own minimum, and a
// protection switched off gives one blocking finding that carries the state
// rule's finding as related.
func TestLoweredAgainstTheScopeStandard(t *testing.T) {
	const addr = "aws_db_instance.orders"
	const policy = `version: 1
scopes:
  - name: prod
    match: {workspace: "*-prod"}
    rules:
      aws-rds-backup-retention:
        params: {min_days: 14}
  - name: other
`
	base := map[string]any{"deletion_protection": true, "skip_final_snapshot": false, "final_snapshot_identifier": "orders-final",
		"storage_encrypted": true, "backup_retention_period": 35}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for key, val := range base {
			m[key] = val
		}
		m[k] = v
		return m
	}
	p, err := config.Parse("prodgate.yaml", []byte(policy))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	engine, err := evaluator.Compile(p, Registry(), now)
	if err != nil {
		t.Fatal(err)
	}
	// What is compared: lifecycle-protection-lowered's and the state rules'
	// findings on the attribute, with the ids of what was folded into them.
	type got struct {
		Rule     string
		Status   evaluator.Status
		Blocking bool
		Message  string
		Related  []string
	}
	tests := []struct {
		name, workspace, attr string
		after                 map[string]any
		verdict               evaluator.Verdict
		want                  []got
	}{
		{
			name: "35 to 7 days meets the 7-day minimum outside production: a warning, the gate passes", workspace: "pay-dev",
			attr: "backup_retention_period", after: with("backup_retention_period", 7), verdict: evaluator.VerdictPassed,
			want: []got{
				{"lifecycle-protection-lowered", evaluator.StatusWarn, false,
					"backup_retention_period drops from 35 to 7 in this plan; still meets the 7-day minimum of aws-rds-backup-retention", nil},
				{"aws-rds-backup-retention", evaluator.StatusPass, false, "backup_retention_period is 7", nil},
			},
		},
		{
			name: "35 to 7 days is below production's 14-day minimum: one blocking finding", workspace: "pay-prod",
			attr: "backup_retention_period", after: with("backup_retention_period", 7), verdict: evaluator.VerdictFailed,
			want: []got{{"lifecycle-protection-lowered", evaluator.StatusFail, true,
				"backup_retention_period drops from 35 to 7 in this plan, below the 14-day minimum of aws-rds-backup-retention",
				[]string{"aws-rds-backup-retention"}}},
		},
		{
			name: "deletion protection switched off: one blocking finding, the state rule's folded into it", workspace: "pay-dev",
			attr: "deletion_protection", after: with("deletion_protection", false), verdict: evaluator.VerdictFailed,
			want: []got{{"lifecycle-protection-lowered", evaluator.StatusFail, true,
				"deletion_protection changes from true to false in this plan, switching off deletion protection",
				[]string{"aws-rds-deletion-protection"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := evaltest.Plan(t, evaltest.Change{Address: addr, Type: "aws_db_instance", Actions: []string{"update"}, Before: base, After: tc.after})
			rep := engine.Evaluate(plan, evaluator.RunContext{Workspace: tc.workspace}, now)
			if rep.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s (%v)", rep.Verdict, tc.verdict, rep.Reasons)
			}
			var gots []got
			for _, f := range rep.Findings {
				if f.Attribute != tc.attr {
					continue
				}
				g := got{f.RuleID, f.Status, f.Blocking, f.Message, nil}
				for _, r := range f.Related {
					g.Related = append(g.Related, r.RuleID)
				}
				gots = append(gots, g)
			}
			if diff := cmp.Diff(tc.want, gots); diff != "" {
				t.Errorf("findings on %s (-want +got):\n%s", tc.attr, diff)
			}
		})
	}
}

// TestLoweredS3VersioningFoldsTheBucketFinding: suspending an
// aws_s3_bucket_versioning is one blocking finding, with aws-s3-versioning's
// finding on the bucket folded into it.
func TestLoweredS3VersioningFoldsTheBucketFinding(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	engine, err := evaluator.Compile(config.Default(), Registry(), now)
	if err != nil {
		t.Fatal(err)
	}
	status := func(s string) map[string]any {
		return map[string]any{"bucket": "acme-data", "versioning_configuration": []any{map[string]any{"status": s}}}
	}
	plan := evaltest.Plan(t,
		evaltest.Change{Address: "aws_s3_bucket.data", Type: "aws_s3_bucket", Actions: []string{"no-op"},
			Before: map[string]any{"bucket": "acme-data", "id": "acme-data"}, After: map[string]any{"bucket": "acme-data", "id": "acme-data"}},
		evaltest.Change{Address: "aws_s3_bucket_versioning.data", Type: "aws_s3_bucket_versioning", Actions: []string{"update"},
			Before: status("Enabled"), After: status("Suspended")})
	rep := engine.Evaluate(plan, evaluator.RunContext{}, now)
	var blocking []string
	for _, f := range rep.Findings {
		if !f.Blocking {
			continue
		}
		s := f.RuleID + " " + f.Address
		for _, r := range f.Related {
			s += " + " + r.RuleID + " " + r.Address
		}
		blocking = append(blocking, s)
	}
	want := []string{"lifecycle-protection-lowered aws_s3_bucket_versioning.data + aws-s3-versioning aws_s3_bucket.data"}
	if diff := cmp.Diff(want, blocking); diff != "" {
		t.Errorf("blocking findings (-want +got):\n%s", diff)
	}
}
