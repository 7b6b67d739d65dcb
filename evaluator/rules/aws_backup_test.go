package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// backupSelection is an aws_backup_selection with the given after values.
func backupSelection(address string, after, afterUnknown, config map[string]any) evaltest.Change {
	full := map[string]any{"name": "daily", "plan_id": "plan-1", "iam_role_arn": "arn:aws:iam::111122223333:role/backup"}
	for k, v := range after {
		full[k] = v
	}
	return evaltest.Change{Address: address, Type: "aws_backup_selection", After: full, AfterUnknown: afterUnknown, Config: config}
}

func backupUnknown(rule, address, message, expected string) evaluator.Finding {
	return evaluator.Finding{RuleID: rule, Address: address, ResourceType: resourceType(address), Attribute: "backup",
		Status: evaluator.StatusUnknown, Message: message, Expected: expected, Actual: "(known after apply)"}
}

func TestEBSBackup(t *testing.T) {
	const id = "aws-ebs-backup"
	const v = "aws_ebs_volume.data"
	const expected = "an aws_backup_selection covering the volume"
	const volumeARN = "arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc"
	existingVolume := evaltest.Change{Address: v, Type: "aws_ebs_volume", Actions: []string{"no-op"},
		Before: map[string]any{"id": "vol-0abc", "arn": volumeARN, "tags_all": map[string]any{"backup": "daily"}},
		After:  map[string]any{"id": "vol-0abc", "arn": volumeARN, "tags_all": map[string]any{"backup": "daily"}}}
	newVolume := evaltest.Change{Address: v, Type: "aws_ebs_volume",
		After:        map[string]any{"tags": map[string]any{"backup": "daily"}, "tags_all": map[string]any{"backup": "daily"}},
		AfterUnknown: map[string]any{"id": true, "arn": true}, Config: map[string]any{}}
	refVolume := map[string]any{"resources": map[string]any{"references": []any{"aws_ebs_volume.data.arn", "aws_ebs_volume.data"}}}
	notCovered := fail(id, v, "backup", "no aws_backup_selection in the plan covers the volume", expected, "none")
	tests := []ruleCase{
		{
			name:    "a selection listing the volume's known ARN passes",
			changes: []evaltest.Change{existingVolume, backupSelection("aws_backup_selection.ebs", map[string]any{"resources": []any{volumeARN}}, nil, nil)},
			want:    []evaluator.Finding{pass(id, v, "backup", "aws_backup_selection.ebs lists its ARN in resources")},
		},
		{
			name: "a selection referencing a new volume whose ARN is unknown passes",
			changes: []evaltest.Change{newVolume, backupSelection("aws_backup_selection.ebs", map[string]any{},
				map[string]any{"resources": true}, refVolume)},
			want: []evaluator.Finding{pass(id, v, "backup", "aws_backup_selection.ebs references it in resources")},
		},
		{
			name: "a wildcard over every volume covers a new volume",
			changes: []evaltest.Change{newVolume, backupSelection("aws_backup_selection.ebs",
				map[string]any{"resources": []any{"arn:aws:ec2:*:*:volume/*"}}, nil, nil)},
			want: []evaluator.Finding{pass(id, v, "backup", `aws_backup_selection.ebs matches it with resources "arn:aws:ec2:*:*:volume/*"`)},
		},
		{
			name: "a wildcard over instances does not cover a volume",
			changes: []evaltest.Change{newVolume, backupSelection("aws_backup_selection.ec2",
				map[string]any{"resources": []any{"arn:aws:ec2:*:*:instance/*"}}, nil, nil)},
			want: []evaluator.Finding{notCovered},
		},
		{
			name: "a selection tag the volume carries covers it",
			changes: []evaltest.Change{newVolume, backupSelection("aws_backup_selection.tagged",
				map[string]any{"selection_tag": []any{map[string]any{"type": "STRINGEQUALS", "key": "backup", "value": "daily"}}}, nil, nil)},
			want: []evaluator.Finding{pass(id, v, "backup", `aws_backup_selection.tagged selects its tag backup = "daily"`)},
		},
		{
			name: "resources and conditions are AND-ed: the wildcard matches but the tag condition does not",
			changes: []evaltest.Change{newVolume, backupSelection("aws_backup_selection.ebs",
				map[string]any{"resources": []any{"arn:aws:ec2:*:*:volume/*"}, "condition": []any{map[string]any{
					"string_equals": []any{map[string]any{"key": "aws:ResourceTag/backup", "value": "weekly"}},
					"string_like":   []any{}, "string_not_equals": []any{}, "string_not_like": []any{}}}}, nil, nil)},
			want: []evaluator.Finding{notCovered},
		},
		{
			name: "not_resources excludes the volume",
			changes: []evaltest.Change{existingVolume, backupSelection("aws_backup_selection.all",
				map[string]any{"resources": []any{"*"}, "not_resources": []any{volumeARN}}, nil, nil)},
			want: []evaluator.Finding{notCovered},
		},
		{
			name: "a volume attached to an instance that a selection covers passes",
			changes: []evaltest.Change{existingVolume,
				{Address: "aws_instance.app", Type: "aws_instance", After: map[string]any{"id": "i-0123", "arn": "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123"}},
				{Address: "aws_volume_attachment.data", Type: "aws_volume_attachment", After: map[string]any{"volume_id": "vol-0abc", "instance_id": "i-0123"}},
				backupSelection("aws_backup_selection.ec2", map[string]any{"resources": []any{"arn:aws:ec2:*:*:instance/*"}}, nil, nil)},
			want: []evaluator.Finding{pass(id, v, "backup",
				`aws_volume_attachment.data attaches it to aws_instance.app, and aws_backup_selection.ec2 matches it with resources "arn:aws:ec2:*:*:instance/*"`)},
		},
		{
			name: "a selection whose resources come from a variable known only after apply is unknown",
			changes: []evaltest.Change{newVolume, backupSelection("aws_backup_selection.ebs", map[string]any{},
				map[string]any{"resources": true}, map[string]any{"resources": map[string]any{"references": []any{"var.volume_arns"}}})},
			want: []evaluator.Finding{backupUnknown(id, v,
				"aws_backup_selection.ebs may cover the volume, but depends on values known only after apply", expected)},
		},
		{
			name: "a selection whose unknown resources only reference another volume does not cover it",
			changes: []evaltest.Change{newVolume, backupSelection("aws_backup_selection.logs", map[string]any{},
				map[string]any{"resources": true}, map[string]any{"resources": map[string]any{"references": []any{"aws_ebs_volume.logs.arn", "aws_ebs_volume.logs"}}})},
			want: []evaluator.Finding{notCovered},
		},
		{
			name:   "a volume with no selection in the plan fails",
			change: newVolume,
			want:   []evaluator.Finding{notCovered},
		},
		{
			name: "a selection only in prior_state (a targeted plan) counts",
			changes: []evaltest.Change{existingVolume, {Address: "aws_backup_selection.ebs", Type: "aws_backup_selection", StateOnly: true,
				After: map[string]any{"name": "daily", "resources": []any{volumeARN}}}},
			want: []evaluator.Finding{pass(id, v, "backup", "aws_backup_selection.ebs lists its ARN in resources")},
		},
		{
			name: "a destroyed selection no longer covers the volume",
			changes: []evaltest.Change{existingVolume, {Address: "aws_backup_selection.ebs", Type: "aws_backup_selection", Actions: []string{"delete"},
				Before: map[string]any{"name": "daily", "resources": []any{volumeARN}}}},
			want: []evaluator.Finding{notCovered},
		},
		{
			name:   "a destroyed volume is left to the lifecycle rules",
			change: evaltest.Change{Address: v, Type: "aws_ebs_volume", Actions: []string{"delete"}, Before: map[string]any{"id": "vol-0abc"}},
			want:   nil,
		},
	}
	runRuleCases(t, EBSBackup{}, tests)
}

func TestEFSBackup(t *testing.T) {
	const id = "aws-efs-backup"
	const fs = "aws_efs_file_system.shared"
	const expected = `backup_policy.status = "ENABLED" or an aws_backup_selection covering it`
	existingFS := evaltest.Change{Address: fs, Type: "aws_efs_file_system", After: map[string]any{"id": "fs-0abc",
		"arn": "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0abc"}}
	newFS := evaltest.Change{Address: fs, Type: "aws_efs_file_system", After: map[string]any{"tags_all": map[string]any{}},
		AfterUnknown: map[string]any{"id": true, "arn": true}, Config: map[string]any{}}
	policy := func(status any, afterUnknown map[string]any) evaltest.Change {
		bp := map[string]any{}
		if status != nil {
			bp["status"] = status
		}
		return evaltest.Change{Address: "aws_efs_backup_policy.shared", Type: "aws_efs_backup_policy",
			After: map[string]any{"backup_policy": []any{bp}}, AfterUnknown: afterUnknown,
			Config: map[string]any{"file_system_id": map[string]any{"references": []any{"aws_efs_file_system.shared.id", "aws_efs_file_system.shared"}}}}
	}
	tests := []ruleCase{
		{
			name:    "an automatic backup policy ENABLED passes",
			changes: []evaltest.Change{newFS, policy("ENABLED", map[string]any{"file_system_id": true})},
			want:    []evaluator.Finding{pass(id, fs, "backup", `aws_efs_backup_policy.shared sets backup_policy.status to "ENABLED"`)},
		},
		{
			name: "a backup policy only in prior_state counts",
			changes: []evaltest.Change{existingFS, {Address: "aws_efs_backup_policy.shared", Type: "aws_efs_backup_policy", StateOnly: true,
				After: map[string]any{"file_system_id": "fs-0abc", "backup_policy": []any{map[string]any{"status": "ENABLED"}}}}},
			want: []evaluator.Finding{pass(id, fs, "backup", `aws_efs_backup_policy.shared sets backup_policy.status to "ENABLED"`)},
		},
		{
			name:    "a DISABLED policy fails",
			changes: []evaltest.Change{newFS, policy("DISABLED", map[string]any{"file_system_id": true})},
			want: []evaluator.Finding{fail(id, fs, "backup",
				`aws_efs_backup_policy.shared sets backup_policy.status to "DISABLED" and no aws_backup_selection in the plan covers it`,
				expected, "automatic backups off")},
		},
		{
			name: "a DISABLED policy with an AWS Backup selection covering the file system passes",
			changes: []evaltest.Change{newFS, policy("DISABLED", map[string]any{"file_system_id": true}),
				backupSelection("aws_backup_selection.efs", map[string]any{"resources": []any{"arn:aws:elasticfilesystem:*:*:file-system/*"}}, nil, nil)},
			want: []evaluator.Finding{pass(id, fs, "backup",
				`aws_backup_selection.efs matches it with resources "arn:aws:elasticfilesystem:*:*:file-system/*"`)},
		},
		{
			name:    "a policy status known only after apply is unknown",
			changes: []evaltest.Change{newFS, policy(nil, map[string]any{"file_system_id": true, "backup_policy": []any{map[string]any{"status": true}}})},
			want: []evaluator.Finding{backupUnknown(id, fs,
				"aws_efs_backup_policy.shared sets backup_policy.status from a value known only after apply, so the plan cannot show it meets the standard", expected)},
		},
		{
			name:   "a file system with neither fails",
			change: newFS,
			want: []evaluator.Finding{fail(id, fs, "backup",
				"no aws_efs_backup_policy enables automatic backups and no aws_backup_selection in the plan covers it", expected, "none")},
		},
		{
			name:   "a destroyed file system is left to the lifecycle rules",
			change: evaltest.Change{Address: fs, Type: "aws_efs_file_system", Actions: []string{"delete"}, Before: map[string]any{"id": "fs-0abc"}},
			want:   nil,
		},
	}
	runRuleCases(t, EFSBackup{}, tests)
}

// awsbRDSBackupProbe shows how a native backup rule (aws-rds-backup-retention in
// aws_rds.go) accepts AWS Backup as the alternative satisfier: one call to
// orAWSBackup around its own finding. It is self-contained so that this test
// does not depend on aws_rds.go.
type awsbRDSBackupProbe struct{}

func (awsbRDSBackupProbe) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{ID: "probe-rds-backup", Title: "probe", Severity: evaluator.SeverityHigh, Category: "backup",
		Provider: "aws", ResourceTypes: []string{"aws_db_instance"},
		Params: []evaluator.ParamSpec{{Name: "min_days", Kind: evaluator.ParamInt, Default: int64(7)}}}
}

func (p awsbRDSBackupProbe) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{orAWSBackup(c, r, evaluator.RequireAtLeast(c, r, "backup_retention_period", c.Int("min_days"), int64(0)))}
}

func TestOrAWSBackup(t *testing.T) {
	const id = "probe-rds-backup"
	const db = "aws_db_instance.main"
	const dbARN = "arn:aws:rds:eu-west-1:111122223333:db:main"
	database := func(retention any) evaltest.Change {
		return evaltest.Change{Address: db, Type: "aws_db_instance", After: map[string]any{"arn": dbARN, "backup_retention_period": retention}}
	}
	tests := []ruleCase{
		{
			name:    "native retention that passes is kept as it is",
			changes: []evaltest.Change{database(14), backupSelection("aws_backup_selection.db", map[string]any{"resources": []any{dbARN}}, nil, nil)},
			want:    []evaluator.Finding{pass(id, db, "backup_retention_period", "backup_retention_period is 14")},
		},
		{
			name:    "short native retention passes through an AWS Backup selection that covers the database",
			changes: []evaltest.Change{database(1), backupSelection("aws_backup_selection.db", map[string]any{"resources": []any{dbARN}}, nil, nil)},
			want: []evaluator.Finding{pass(id, db, "backup_retention_period",
				"AWS Backup covers it: aws_backup_selection.db lists its ARN in resources (native setting: backup_retention_period is 1, below the minimum of 7)")},
		},
		{
			name: "a selection pattern for clusters does not cover an instance",
			changes: []evaltest.Change{database(1), backupSelection("aws_backup_selection.db",
				map[string]any{"resources": []any{"arn:aws:rds:*:*:cluster:*"}}, nil, nil)},
			want: []evaluator.Finding{fail(id, db, "backup_retention_period", "backup_retention_period is 1, below the minimum of 7", ">= 7", "1")},
		},
		{
			name: "a selection that may cover it turns a native fail into unknown",
			changes: []evaltest.Change{database(1), backupSelection("aws_backup_selection.db", map[string]any{},
				map[string]any{"resources": true}, map[string]any{"resources": map[string]any{"references": []any{"module.dbs.arns"}}})},
			want: []evaluator.Finding{{RuleID: id, Address: db, ResourceType: "aws_db_instance", Attribute: "backup_retention_period",
				Status:   evaluator.StatusUnknown,
				Message:  "backup_retention_period is 1, below the minimum of 7; aws_backup_selection.db may cover it through AWS Backup, but depends on values known only after apply",
				Expected: ">= 7 or an aws_backup_selection covering it", Actual: "(known after apply)"}},
		},
	}
	runRuleCases(t, awsbRDSBackupProbe{}, tests)
}

func TestAWSBackupCoversMatching(t *testing.T) {
	const volumeARN = "arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc"
	volume := evaltest.Change{Address: "aws_ebs_volume.data", Type: "aws_ebs_volume",
		After: map[string]any{"id": "vol-0abc", "arn": volumeARN, "tags_all": map[string]any{"env": "prod", "tier": "db-primary"}}}
	cases := []struct {
		name      string
		selection map[string]any
		wantBy    string
	}{
		{"an empty selection selects every opted-in resource", map[string]any{},
			"aws_backup_selection.s selects every opted-in resource (no resources, selection_tag or condition)"},
		{"a wildcard in the id matches the known ARN", map[string]any{"resources": []any{"arn:aws:ec2:eu-west-1:*:volume/vol-0*"}},
			`aws_backup_selection.s matches it with resources "arn:aws:ec2:eu-west-1:*:volume/vol-0*"`},
		{"another region does not match", map[string]any{"resources": []any{"arn:aws:ec2:us-east-1:*:volume/*"}}, ""},
		{"selection tags are OR-ed", map[string]any{"selection_tag": []any{
			map[string]any{"type": "STRINGEQUALS", "key": "env", "value": "dev"},
			map[string]any{"type": "STRINGEQUALS", "key": "env", "value": "prod"}}},
			`aws_backup_selection.s selects its tag env = "prod"`},
		{"string_like and string_not_equals conditions are AND-ed", map[string]any{"condition": []any{map[string]any{
			"string_like":       []any{map[string]any{"key": "aws:ResourceTag/tier", "value": "db-*"}},
			"string_not_equals": []any{map[string]any{"key": "aws:ResourceTag/env", "value": "dev"}}}}},
			`aws_backup_selection.s its tags meet condition string_not_equals env "dev", string_like tier "db-*"`},
		{"a string_not_like condition that matches excludes it", map[string]any{"condition": []any{map[string]any{
			"string_not_like": []any{map[string]any{"key": "aws:ResourceTag/tier", "value": "db-*"}}}}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := evaltest.Plan(t, volume, evaltest.Change{Address: "aws_backup_selection.s", Type: "aws_backup_selection", After: tc.selection})
			by, covered := awsBackupCovers(plan, plan.ResourcesOfType("aws_ebs_volume")[0])
			if by != tc.wantBy || covered != (tc.wantBy != "") {
				t.Errorf("awsBackupCovers = %q, %v; want %q, %v", by, covered, tc.wantBy, tc.wantBy != "")
			}
		})
	}
}

func TestAWSWildcardMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "anything:at/all", true},
		{"arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:eu-west-1:1:volume/vol-1", true},
		{"arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:eu-west-1:1:instance/i-1", false},
		{"db-?", "db-1", true},
		{"db-?", "db-12", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"", "", true},
	} {
		if got := awsWildcardMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("awsWildcardMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
