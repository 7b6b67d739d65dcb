package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestTagsRequired(t *testing.T) {
	const id = "tags-required"
	keys := map[string]any{"keys": []string{"owner", "cost-center"}}
	tests := []ruleCase{
		{
			name: "AWS provider default_tags that reach tags_all count as present",
			change: evaltest.Change{Address: "aws_db_instance.main", Type: "aws_db_instance",
				After: map[string]any{"tags": map[string]any{"Name": "main"},
					"tags_all": map[string]any{"Name": "main", "owner": "payments", "cost-center": "cc-42"}}},
			params: keys,
			want:   []evaluator.Finding{pass(id, "aws_db_instance.main", "tags_all", "tags_all has the required keys owner, cost-center")},
		},
		{
			name: "missing keys fail, listed in policy order, on tags_all",
			change: evaltest.Change{Address: "aws_s3_bucket.logs", Type: "aws_s3_bucket",
				After: map[string]any{"tags": nil, "tags_all": map[string]any{"env": "prod"}}},
			params: keys,
			want: []evaluator.Finding{fail(id, "aws_s3_bucket.logs", "tags_all", "tags_all is missing required keys: owner, cost-center",
				"keys owner, cost-center", "missing owner, cost-center")},
		},
		{
			name: "keys are case-sensitive",
			change: evaltest.Change{Address: "aws_s3_bucket.logs", Type: "aws_s3_bucket",
				After: map[string]any{"tags_all": map[string]any{"Owner": "payments", "cost-center": "cc-42"}}},
			params: keys,
			want: []evaluator.Finding{fail(id, "aws_s3_bucket.logs", "tags_all", "tags_all is missing required keys: owner",
				"keys owner, cost-center", "missing owner")},
		},
		{
			name: "tags_all known only after apply, with a key not in tags, is unknown for that key",
			change: evaltest.Change{Address: "aws_dynamodb_table.orders", Type: "aws_dynamodb_table",
				After:        map[string]any{"tags": map[string]any{"owner": "payments"}},
				AfterUnknown: map[string]any{"tags_all": true}},
			params: keys,
			want: []evaluator.Finding{{RuleID: id, Address: "aws_dynamodb_table.orders", ResourceType: "aws_dynamodb_table", Attribute: "tags_all",
				Status:   evaluator.StatusUnknown,
				Message:  "tags_all is known only after apply, so the plan cannot show the keys cost-center are present",
				Expected: "keys owner, cost-center", Actual: "(known after apply)"}},
		},
		{
			name: "tags_all known only after apply passes when tags alone carry every key",
			change: evaltest.Change{Address: "aws_dynamodb_table.orders", Type: "aws_dynamodb_table",
				After:        map[string]any{"tags": map[string]any{"owner": "payments", "cost-center": "cc-42"}},
				AfterUnknown: map[string]any{"tags_all": true}},
			params: keys,
			want:   []evaluator.Finding{pass(id, "aws_dynamodb_table.orders", "tags_all", "tags_all has the required keys owner, cost-center")},
		},
		{
			name: "a key whose value is known only after apply is present",
			change: evaltest.Change{Address: "aws_efs_file_system.share", Type: "aws_efs_file_system",
				After:        map[string]any{"tags_all": map[string]any{"owner": nil, "cost-center": "cc-42"}},
				AfterUnknown: map[string]any{"tags_all": map[string]any{"owner": true}}},
			params: keys,
			want:   []evaluator.Finding{pass(id, "aws_efs_file_system.share", "tags_all", "tags_all has the required keys owner, cost-center")},
		},
		{
			name:   "Azure tags not set (null) fail: the resource is taggable but carries nothing",
			change: evaltest.Change{Address: "azurerm_storage_account.data", Type: "azurerm_storage_account", After: map[string]any{"name": "data", "tags": nil}},
			params: keys,
			want: []evaluator.Finding{fail(id, "azurerm_storage_account.data", "tags", "tags is not set, so required keys are missing: owner, cost-center",
				"keys owner, cost-center", "missing owner, cost-center")},
		},
		{
			name: "Google provider default_labels in effective_labels count",
			change: evaltest.Change{Address: "google_sql_database_instance.db", Type: "google_sql_database_instance",
				After: map[string]any{"labels": map[string]any{"owner": "payments"},
					"effective_labels": map[string]any{"owner": "payments", "cost-center": "cc-42", "goog-terraform-provisioned": "true"},
					"terraform_labels": map[string]any{"owner": "payments", "cost-center": "cc-42", "goog-terraform-provisioned": "true"}}},
			params: keys,
			want: []evaluator.Finding{pass(id, "google_sql_database_instance.db", "effective_labels",
				"effective_labels has the required keys owner, cost-center")},
		},
		{
			name:   "a resource with no tags or labels attribute gets no finding",
			change: evaltest.Change{Address: "aws_iam_role_policy_attachment.a", Type: "aws_iam_role_policy_attachment", After: map[string]any{"role": "r", "policy_arn": "arn"}},
			params: keys,
			want:   nil,
		},
		{
			name: "a labels attribute that is not a map, or a type whose labels are settings, is not judged",
			changes: []evaltest.Change{
				{Address: "google_monitoring_metric_descriptor.m", Type: "google_monitoring_metric_descriptor",
					After: map[string]any{"labels": []any{map[string]any{"key": "region"}}}},
				{Address: "google_monitoring_notification_channel.mail", Type: "google_monitoring_notification_channel",
					After: map[string]any{"labels": map[string]any{"email_address": "ops@example.com"}}},
			},
			params: keys,
			want:   nil,
		},
		{
			name: "destroyed resources and ignored types get no finding",
			changes: []evaltest.Change{
				{Address: "aws_s3_bucket.old", Type: "aws_s3_bucket", Actions: []string{"delete"}, Before: map[string]any{"tags_all": map[string]any{}}},
				{Address: "aws_iam_role.ci", Type: "aws_iam_role", After: map[string]any{"tags_all": map[string]any{}}},
			},
			params: map[string]any{"keys": []string{"owner"}, "ignore_types": []string{"aws_iam_*"}},
			want:   nil,
		},
		{
			name: "aws_autoscaling_group tag blocks and the legacy tags list count by key",
			changes: []evaltest.Change{
				{Address: "aws_autoscaling_group.web", Type: "aws_autoscaling_group",
					After: map[string]any{"tags": nil, "tag": []any{
						map[string]any{"key": "owner", "value": "web", "propagate_at_launch": true},
						map[string]any{"key": "cost-center", "value": "cc-42", "propagate_at_launch": true}}}},
				{Address: "aws_autoscaling_group.legacy", Type: "aws_autoscaling_group",
					After: map[string]any{"tag": []any{}, "tags": []any{map[string]any{"key": "owner", "value": "web", "propagate_at_launch": "true"}}}},
				{Address: "aws_autoscaling_group.later", Type: "aws_autoscaling_group",
					After: map[string]any{"tag": []any{}}, AfterUnknown: map[string]any{"tags": true}},
			},
			params: keys,
			want: []evaluator.Finding{
				pass(id, "aws_autoscaling_group.web", "tag", "tag has the required keys owner, cost-center"),
				fail(id, "aws_autoscaling_group.legacy", "tag", "tag is missing required keys: cost-center", "keys owner, cost-center", "missing cost-center"),
				{RuleID: id, Address: "aws_autoscaling_group.later", ResourceType: "aws_autoscaling_group", Attribute: "tags",
					Status:   evaluator.StatusUnknown,
					Message:  "tags is known only after apply, so the plan cannot show the keys owner, cost-center are present",
					Expected: "keys owner, cost-center", Actual: "(known after apply)"},
			},
		},
		{
			name:   "with no keys listed (the default) the rule gives no findings",
			change: evaltest.Change{Address: "aws_s3_bucket.logs", Type: "aws_s3_bucket", After: map[string]any{"tags_all": map[string]any{}}},
			want:   nil,
		},
	}
	runRuleCases(t, TagsRequired{}, tests)
}

// TestTagsRequiredJudgesEveryType: the rule runs on every resource (it is
// on by default, and gives findings only once the policy lists keys).
func TestTagsRequiredJudgesEveryType(t *testing.T) {
	m := TagsRequired{}.Meta()
	if len(m.ResourceTypes) != 1 || m.ResourceTypes[0] != "*" {
		t.Errorf("ResourceTypes = %v, want [*]", m.ResourceTypes)
	}
}
