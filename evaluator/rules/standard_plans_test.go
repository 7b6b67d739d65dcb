package rules_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// TestStandardOnRealisticPlans judges hand-written plans in testdata/standard,
// shaped like real provider output (nulls for unset flags, Optional+Computed
// blocks unknown on create, lock scopes known only through configuration,
// modules with for_each, a moved block), with the built-in standard and no
// policy: the verdict, every blocking finding (with what was folded into it)
// and every advisory one.
func TestStandardOnRealisticPlans(t *testing.T) {
	type want struct {
		verdict  evaluator.Verdict
		blocking []string // "rule address", then " + rule" for each folded finding
		advisory []string // "rule address"
	}
	rdsAdvisories := []string{
		"aws-rds-copy-tags-to-snapshot aws_db_instance.orders",
		"aws-rds-log-exports aws_db_instance.orders",
	}
	tests := map[string]want{
		// Issue 11: deletion protection, 14 days of backups, a final snapshot
		// and encryption pass; log exports and copy tags are advisories.
		"aws-rds-postgres-compliant.json": {verdict: evaluator.VerdictPassed, advisory: rdsAdvisories},
		"aws-aurora-postgres-compliant.json": {verdict: evaluator.VerdictPassed, advisory: []string{
			"aws-rds-copy-tags-to-snapshot aws_rds_cluster.orders",
			"aws-rds-log-exports aws_rds_cluster.orders",
		}},
		"aws-rds-moved-into-module.json": {verdict: evaluator.VerdictPassed, advisory: []string{
			"aws-rds-copy-tags-to-snapshot module.database.aws_db_instance.orders",
			"aws-rds-log-exports module.database.aws_db_instance.orders",
		}},
		"aws-rds-retention-lowered-within-standard.json": {verdict: evaluator.VerdictPassed,
			advisory: append([]string{"lifecycle-protection-lowered aws_db_instance.orders"}, rdsAdvisories...)},
		"aws-rds-retention-lowered-below-standard.json": {verdict: evaluator.VerdictFailed,
			blocking: []string{"lifecycle-protection-lowered aws_db_instance.orders + aws-rds-backup-retention"},
			advisory: rdsAdvisories},
		"aws-rds-deletion-protection-switched-off.json": {verdict: evaluator.VerdictFailed,
			blocking: []string{"lifecycle-protection-lowered aws_db_instance.orders + aws-rds-deletion-protection"},
			advisory: rdsAdvisories},
		"azure-postgres-without-lock.json": {verdict: evaluator.VerdictFailed,
			blocking: []string{"azure-delete-lock azurerm_postgresql_flexible_server.orders"},
			advisory: []string{"azure-db-geo-redundant-backup azurerm_postgresql_flexible_server.orders"}},
		"azure-postgres-locked-in-for-each-module.json": {verdict: evaluator.VerdictPassed, advisory: []string{
			`azure-db-geo-redundant-backup module.orders_db["eu"].azurerm_postgresql_flexible_server.main`,
			`azure-db-geo-redundant-backup module.orders_db["us"].azurerm_postgresql_flexible_server.main`,
		}},
		"azure-postgres-root-lock-on-module-output.json": {verdict: evaluator.VerdictFailed,
			blocking: []string{`azure-delete-lock module.orders_db["us"].azurerm_postgresql_flexible_server.main`},
			advisory: []string{
				`azure-db-geo-redundant-backup module.orders_db["eu"].azurerm_postgresql_flexible_server.main`,
				`azure-db-geo-redundant-backup module.orders_db["us"].azurerm_postgresql_flexible_server.main`,
			}},
		"azure-postgres-lock-destroyed.json": {verdict: evaluator.VerdictFailed,
			blocking: []string{"azure-delete-lock azurerm_management_lock.orders + azure-delete-lock"},
			advisory: []string{"azure-db-geo-redundant-backup azurerm_postgresql_flexible_server.orders"}},
		// azurerm's defaults for the omitted blob_properties block: versioning
		// and both soft deletes off.
		"azure-storage-blob-properties-omitted.json": {verdict: evaluator.VerdictFailed, blocking: []string{
			"azure-storage-soft-delete azurerm_storage_account.orders",
			"azure-storage-soft-delete azurerm_storage_account.orders",
			"azure-storage-blob-versioning azurerm_storage_account.orders",
		}},
	}
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), now)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "standard", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("%d plans in testdata/standard, %d cases: every plan needs a case", len(files), len(tests))
	}
	for name, w := range tests {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "standard", name))
			if err != nil {
				t.Fatal(err)
			}
			plan, err := tfplan.ParsePlan(data)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			rep := engine.Evaluate(plan, evaluator.RunContext{Workspace: "orders-prod"}, now)
			got := want{verdict: rep.Verdict}
			for _, f := range rep.Findings {
				line := f.RuleID + " " + f.Address
				switch {
				case f.Blocking:
					for _, r := range f.Related {
						line += " + " + r.RuleID
					}
					got.blocking = append(got.blocking, line)
				case f.Status == evaluator.StatusWarn || f.Status == evaluator.StatusUnknown:
					got.advisory = append(got.advisory, line)
				}
			}
			if diff := cmp.Diff(w, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("verdict and findings (-want +got):\n%s", diff)
			}
		})
	}
}
