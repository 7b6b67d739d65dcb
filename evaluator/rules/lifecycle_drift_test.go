package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestProtectionDrift(t *testing.T) {
	const id = "lifecycle-drift-protected"
	const addr = `module.db["eu"].aws_db_instance.main[0]`
	rds := func(dp bool, retention int) map[string]any {
		return map[string]any{"deletion_protection": dp, "backup_retention_period": retention, "skip_final_snapshot": false, "delete_automated_backups": true}
	}
	tests := []ruleCase{
		{
			name: "deletion protection turned off in the console, restored by this plan, warns",
			change: evaltest.Change{Address: addr, ModuleAddress: `module.db["eu"]`, Type: "aws_db_instance", Actions: []string{"update"},
				DriftBefore: rds(true, 14), DriftAfter: rds(false, 14), Before: rds(false, 14), After: rds(true, 14)},
			want: []evaluator.Finding{warn(id, addr, "deletion_protection",
				"deletion_protection changed outside Terraform: true → false (weakening deletion protection); this plan restores it to true")},
		},
		{
			name: "retention shortened outside Terraform and kept by this plan warns",
			change: evaltest.Change{Address: "aws_db_instance.main", Type: "aws_db_instance", Actions: []string{"no-op"},
				DriftBefore: rds(true, 14), DriftAfter: rds(true, 3), Before: rds(true, 3), After: rds(true, 3)},
			want: []evaluator.Finding{warn(id, "aws_db_instance.main", "backup_retention_period",
				"backup_retention_period changed outside Terraform: 14 → 3 (weakening backups); this plan keeps 3")},
		},
		{
			name: "retention raised outside Terraform is reported too, without the weakening mark",
			change: evaltest.Change{Address: "aws_db_instance.main", Type: "aws_db_instance", Actions: []string{"update"},
				DriftBefore: rds(true, 7), DriftAfter: rds(true, 30), Before: rds(true, 30), After: rds(true, 14)},
			want: []evaluator.Finding{warn(id, "aws_db_instance.main", "backup_retention_period",
				"backup_retention_period changed outside Terraform: 7 → 30; this plan sets it to 14")},
		},
		{
			name: "a planned value known only after apply is said in the warning",
			change: evaltest.Change{Address: "aws_lb.public", Type: "aws_lb", Actions: []string{"update"},
				DriftBefore: map[string]any{"enable_deletion_protection": true}, DriftAfter: map[string]any{"enable_deletion_protection": false},
				Before: map[string]any{"enable_deletion_protection": false}, After: map[string]any{},
				AfterUnknown: map[string]any{"enable_deletion_protection": true}},
			want: []evaluator.Finding{warn(id, "aws_lb.public", "enable_deletion_protection",
				"enable_deletion_protection changed outside Terraform: true → false (weakening deletion protection); the value this plan sets is known only after apply")},
		},
		{
			name: "drift followed by a planned replace says the plan destroys it",
			change: evaltest.Change{Address: `google_container_cluster.gke["prod"]`, Type: "google_container_cluster", Actions: []string{"delete"},
				ActionReason: "delete_because_each_key",
				DriftBefore:  map[string]any{"deletion_protection": true}, DriftAfter: map[string]any{"deletion_protection": false},
				Before: map[string]any{"deletion_protection": false}},
			want: []evaluator.Finding{warn(id, `google_container_cluster.gke["prod"]`, "deletion_protection",
				"deletion_protection changed outside Terraform: true → false (weakening deletion protection); this plan destroys it")},
		},
		{
			name: "an object deleted outside Terraform and created again warns once",
			change: evaltest.Change{Address: "aws_dynamodb_table.orders", Type: "aws_dynamodb_table",
				DriftBefore: map[string]any{"deletion_protection_enabled": true}, After: map[string]any{"deletion_protection_enabled": true}},
			want: []evaluator.Finding{warn(id, "aws_dynamodb_table.orders", "",
				"deleted outside Terraform, so its protections no longer exist; this plan creates it again")},
		},
		{
			name: "drift that leaves every protection attribute alone passes",
			change: evaltest.Change{Address: "aws_db_instance.main", Type: "aws_db_instance", Actions: []string{"update"},
				DriftBefore: map[string]any{"deletion_protection": true, "tags": map[string]any{"team": "a"}},
				DriftAfter:  map[string]any{"deletion_protection": true, "tags": map[string]any{"team": "b"}},
				Before:      rds(true, 7), After: rds(true, 7)},
			want: []evaluator.Finding{pass(id, "aws_db_instance.main", "", "drifted outside Terraform, but no protection attribute changed")},
		},
		{
			name: "an unset value and the provider default count as the same",
			change: evaltest.Change{Address: "aws_lb.internal", Type: "aws_lb", Actions: []string{"no-op"},
				DriftBefore: map[string]any{"enable_deletion_protection": nil}, DriftAfter: map[string]any{"enable_deletion_protection": false},
				Before: map[string]any{"enable_deletion_protection": false}, After: map[string]any{"enable_deletion_protection": false}},
			want: []evaluator.Finding{pass(id, "aws_lb.internal", "", "drifted outside Terraform, but no protection attribute changed")},
		},
		{
			name: "an RDS instance made public in the console warns with the exposure mark",
			change: evaltest.Change{Address: "aws_db_instance.main", Type: "aws_db_instance", Actions: []string{"update"},
				DriftBefore: map[string]any{"publicly_accessible": false}, DriftAfter: map[string]any{"publicly_accessible": true},
				Before: map[string]any{"publicly_accessible": true}, After: map[string]any{"publicly_accessible": false}},
			want: []evaluator.Finding{warn(id, "aws_db_instance.main", "publicly_accessible",
				"publicly_accessible changed outside Terraform: false → true (weakening protection from public access); this plan restores it to false")},
		},
		{
			name:   "no drift, no finding",
			change: evaltest.Change{Type: "aws_db_instance", Actions: []string{"update"}, Before: rds(true, 7), After: rds(false, 7)},
			want:   nil,
		},
	}
	runRuleCases(t, ProtectionDrift{}, tests)
}
