package rules

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

func TestStatefulDestroy(t *testing.T) {
	const id = "lifecycle-stateful-destroy"
	tests := []ruleCase{
		{
			name:   "an updated database passes",
			change: evaltest.Change{Type: "aws_db_instance", Actions: []string{"update"}, Before: map[string]any{"allocated_storage": 20}, After: map[string]any{"allocated_storage": 40}},
			want:   []evaluator.Finding{pass(id, "aws_db_instance.this", "", "not destroyed: update")},
		},
		{
			name: "a database destroyed because its count index went away fails, in a module instance",
			change: evaltest.Change{Address: `module.db["eu"].aws_db_instance.main[1]`, ModuleAddress: `module.db["eu"]`, Type: "aws_db_instance",
				Actions: []string{"delete"}, ActionReason: "delete_because_count_index", Before: map[string]any{"identifier": "eu-1"}},
			want: []evaluator.Finding{fail(id, `module.db["eu"].aws_db_instance.main[1]`, "",
				"destroy because its count index is beyond the new count; the existing aws_db_instance is deleted and its data is lost unless it was backed up",
				"not destroyed", "destroy")},
		},
		{
			name: "a replace forced by engine_version fails and names the attribute",
			change: evaltest.Change{Address: "aws_rds_cluster.main[0]", Type: "aws_rds_cluster", Actions: []string{"delete", "create"},
				ActionReason: "replace_because_cannot_update", ReplacePaths: [][]any{{"engine_version"}},
				Before: map[string]any{"engine_version": "15.4"}, After: map[string]any{"engine_version": "16.3"}},
			want: []evaluator.Finding{fail(id, "aws_rds_cluster.main[0]", "",
				"replace (destroy, then create) because an attribute that cannot be updated in place changed (forced by: engine_version)"+
					"; the existing aws_rds_cluster is deleted and its data is lost unless it was backed up",
				"not destroyed", "replace (destroy, then create)")},
		},
		{
			name: "a create-before-destroy replace of a for_each instance fails with nested replace paths",
			change: evaltest.Change{Address: `google_sql_database_instance.db["orders"]`, Type: "google_sql_database_instance",
				Actions: []string{"create", "delete"}, ActionReason: "replace_because_cannot_update",
				ReplacePaths: [][]any{{"settings", float64(0), "edition"}, {"region"}},
				Before:       map[string]any{"region": "europe-west1"}, After: map[string]any{"region": "europe-west4"}},
			want: []evaluator.Finding{fail(id, `google_sql_database_instance.db["orders"]`, "",
				"replace (create, then destroy) because an attribute that cannot be updated in place changed (forced by: settings[0].edition, region)"+
					"; the existing google_sql_database_instance is deleted and its data is lost unless it was backed up",
				"not destroyed", "replace (create, then destroy)")},
		},
		{
			name: "a tainted storage account replaced on request of taint fails with the reason only",
			change: evaltest.Change{Type: "azurerm_storage_account", Actions: []string{"delete", "create"}, ActionReason: "replace_because_tainted",
				Before: map[string]any{"name": "prodsa"}, After: map[string]any{"name": "prodsa"}},
			want: []evaluator.Finding{fail(id, "azurerm_storage_account.this", "",
				"replace (destroy, then create) because the object is tainted; the existing azurerm_storage_account is deleted and its data is lost unless it was backed up",
				"not destroyed", "replace (destroy, then create)")},
		},
		{
			name: "a replace whose new values are known only after apply still fails, never unknown",
			change: evaltest.Change{Type: "aws_dynamodb_table", Actions: []string{"delete", "create"},
				Before: map[string]any{"name": "orders"}, After: map[string]any{}, AfterUnknown: map[string]any{"name": true}},
			want: []evaluator.Finding{fail(id, "aws_dynamodb_table.this", "",
				"replace (destroy, then create); the existing aws_dynamodb_table is deleted and its data is lost unless it was backed up",
				"not destroyed", "replace (destroy, then create)")},
		},
		{
			name:   "a forgotten database is not a destroy and passes (lifecycle-forget reports it)",
			change: evaltest.Change{Type: "aws_db_instance", Actions: []string{"forget"}, Before: map[string]any{"identifier": "legacy"}},
			want:   []evaluator.Finding{pass(id, "aws_db_instance.this", "", "not destroyed: forget (remove from state, keep the real object)")},
		},
		{
			name:   "a destroyed security group is not stateful and gets no finding",
			change: evaltest.Change{Type: "aws_security_group", Actions: []string{"delete"}, Before: map[string]any{"name": "web"}},
			want:   nil,
		},
		{
			name:   "a cluster instance is not curated but extra_types with a prefix adds it",
			change: evaltest.Change{Type: "aws_rds_cluster_instance", Actions: []string{"delete"}, Before: map[string]any{"identifier": "writer"}},
			params: map[string]any{"extra_types": []string{"aws_rds_cluster_*"}},
			want: []evaluator.Finding{fail(id, "aws_rds_cluster_instance.this", "",
				"destroy; the existing aws_rds_cluster_instance is deleted and its data is lost unless it was backed up", "not destroyed", "destroy")},
		},
		{
			name:   "a cluster instance gets no finding by default",
			change: evaltest.Change{Type: "aws_rds_cluster_instance", Actions: []string{"delete"}, Before: map[string]any{"identifier": "writer"}},
			want:   nil,
		},
		{
			name:   "ignore_types removes a curated type",
			change: evaltest.Change{Type: "aws_sqs_queue", Actions: []string{"delete"}, Before: map[string]any{"name": "jobs"}},
			params: map[string]any{"ignore_types": []string{"aws_sqs_queue"}},
			want:   nil,
		},
	}
	runRuleCases(t, StatefulDestroy{}, tests)
}

// TestStatefulDestroyDeposed covers the delete of a deposed object, which the
// evaltest.Change builder cannot express: the plan document is edited directly.
func TestStatefulDestroyDeposed(t *testing.T) {
	const id = "lifecycle-stateful-destroy"
	doc := evaltest.PlanJSON(
		evaltest.Change{Address: "aws_db_instance.main", Type: "aws_db_instance", Actions: []string{"no-op"},
			Before: map[string]any{"identifier": "main"}, After: map[string]any{"identifier": "main"}},
		evaltest.Change{Address: "aws_db_instance.main", Type: "aws_db_instance", Actions: []string{"delete"},
			Before: map[string]any{"identifier": "main-old"}},
	)
	doc["resource_changes"].([]any)[1].(map[string]any)["deposed"] = "1a2b3c4d"
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := tfplan.ParsePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []evaluator.Finding{
		pass(id, "aws_db_instance.main", "", "not destroyed: no change"),
		fail(id, "aws_db_instance.main", "",
			"destroy of deposed object 1a2b3c4d (left by an earlier create_before_destroy replacement); the existing aws_db_instance is deleted and its data is lost unless it was backed up",
			"not destroyed", "destroy"),
	}
	got := evaluator.RunRule(StatefulDestroy{}, plan, nil)
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(evaluator.Finding{}, "Title", "Severity", "Remediation")); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
}

func TestStatefulForget(t *testing.T) {
	const id = "lifecycle-forget"
	forgetMsg := "forget (remove from state, keep the real object): the aws_db_instance keeps running with its data but leaves " +
		"Terraform management, so its deletion protection and backups are no longer enforced by this configuration"
	tests := []ruleCase{
		{
			name: "a forgotten database in a module instance warns",
			change: evaltest.Change{Address: `module.db["eu"].aws_db_instance.main[0]`, ModuleAddress: `module.db["eu"]`, Type: "aws_db_instance",
				Actions: []string{"forget"}, Before: map[string]any{"identifier": "eu-0"}},
			want: []evaluator.Finding{warn(id, `module.db["eu"].aws_db_instance.main[0]`, "", forgetMsg)},
		},
		{
			name: "a forget carries Terraform's reason when the plan gives one",
			change: evaltest.Change{Address: "aws_db_instance.main", Type: "aws_db_instance", Actions: []string{"forget"},
				ActionReason: "delete_because_no_resource_config", Before: map[string]any{"identifier": "main"}},
			want: []evaluator.Finding{warn(id, "aws_db_instance.main", "", forgetMsg+" (the resource was removed from the configuration)")},
		},
		{
			name:   "a bucket that stays managed passes",
			change: evaltest.Change{Type: "google_storage_bucket", Actions: []string{"update"}, Before: map[string]any{"name": "b"}, After: map[string]any{"name": "b"}},
			want:   []evaluator.Finding{pass(id, "google_storage_bucket.this", "", "stays under Terraform management: update")},
		},
		{
			name: "a created bucket with values known only after apply passes, never unknown",
			change: evaltest.Change{Address: "aws_s3_bucket.logs[0]", Type: "aws_s3_bucket", After: map[string]any{},
				AfterUnknown: map[string]any{"bucket": true}},
			want: []evaluator.Finding{pass(id, "aws_s3_bucket.logs[0]", "", "stays under Terraform management: create")},
		},
		{
			name:   "a destroyed database is left to lifecycle-stateful-destroy and passes here",
			change: evaltest.Change{Type: "azurerm_mssql_database", Actions: []string{"delete", "create"}, ReplacePaths: [][]any{{"name"}}, Before: map[string]any{"name": "a"}, After: map[string]any{"name": "b"}},
			want:   []evaluator.Finding{pass(id, "azurerm_mssql_database.this", "", "stays under Terraform management: replace (destroy, then create)")},
		},
		{
			name:   "a forgotten IAM role is not stateful and gets no finding",
			change: evaltest.Change{Type: "aws_iam_role", Actions: []string{"forget"}, Before: map[string]any{"name": "app"}},
			want:   nil,
		},
		{
			name:   "ignore_types silences a curated type",
			change: evaltest.Change{Type: "aws_db_instance", Actions: []string{"forget"}, Before: map[string]any{"identifier": "x"}},
			params: map[string]any{"ignore_types": []string{"aws_db_*"}},
			want:   nil,
		},
	}
	runRuleCases(t, StatefulForget{}, tests)
}
