package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

// googleTerraformFlagCases are the table rows shared by the Terraform-side
// deletion_protection rules whose provider default is true.
func googleTerraformFlagCases(id, resourceType string) []ruleCase {
	addr := resourceType + ".this"
	return []ruleCase{
		{
			name:   "deletion protection on passes",
			change: evaltest.Change{Type: resourceType, After: map[string]any{"deletion_protection": true}},
			want:   []evaluator.Finding{pass(id, addr, "deletion_protection", "deletion_protection is true")},
		},
		{
			name:   "deletion protection off fails",
			change: evaltest.Change{Type: resourceType, After: map[string]any{"deletion_protection": false}},
			want:   []evaluator.Finding{fail(id, addr, "deletion_protection", "deletion_protection is false", "true", "false")},
		},
		{
			name: "turning deletion protection off fails",
			change: evaltest.Change{Type: resourceType, Actions: []string{"update"},
				Before: map[string]any{"deletion_protection": true}, After: map[string]any{"deletion_protection": false}},
			want: []evaluator.Finding{fail(id, addr, "deletion_protection", "deletion_protection is false", "true", "false")},
		},
		{
			name:   "an unset attribute passes on the provider default of true",
			change: evaltest.Change{Type: resourceType, After: map[string]any{"name": "prod"}},
			want:   []evaluator.Finding{pass(id, addr, "deletion_protection", "deletion_protection is not set (provider default true)")},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: resourceType, After: map[string]any{},
				AfterUnknown: map[string]any{"deletion_protection": true},
				Config:       map[string]any{"deletion_protection": map[string]any{"references": []any{"var.protect"}}}},
			want: []evaluator.Finding{unknown(id, addr, "deletion_protection", "true")},
		},
		{
			name: "a replacement is judged on its new object",
			change: evaltest.Change{Type: resourceType, Actions: []string{"delete", "create"},
				Before: map[string]any{"deletion_protection": false}, After: map[string]any{"deletion_protection": false}},
			want: []evaluator.Finding{fail(id, addr, "deletion_protection", "deletion_protection is false", "true", "false")},
		},
		{
			name:   "a destroyed resource is left to the lifecycle rules",
			change: evaltest.Change{Type: resourceType, Actions: []string{"delete"}, Before: map[string]any{"deletion_protection": false}},
			want:   nil,
		},
		{
			name:   "a forgotten resource gets no finding",
			change: evaltest.Change{Type: resourceType, Actions: []string{"forget"}, Before: map[string]any{"deletion_protection": false}},
			want:   nil,
		},
	}
}

func TestGoogleBigQueryTableDeletionProtection(t *testing.T) {
	runRuleCases(t, GoogleBigQueryTableDeletionProtection{},
		googleTerraformFlagCases("google-bigquery-table-deletion-protection", "google_bigquery_table"))
}

func TestGoogleSpannerDatabaseDeletionProtection(t *testing.T) {
	const id = "google-spanner-database-deletion-protection"
	cases := googleTerraformFlagCases(id, "google_spanner_database")
	cases = append(cases, ruleCase{
		name: "drop protection alone does not satisfy the Terraform flag",
		change: evaltest.Change{Type: "google_spanner_database",
			After: map[string]any{"deletion_protection": false, "enable_drop_protection": true}},
		want: []evaluator.Finding{fail(id, "google_spanner_database.this", "deletion_protection", "deletion_protection is false", "true", "false")},
	})
	runRuleCases(t, GoogleSpannerDatabaseDeletionProtection{}, cases)
}

func TestGoogleBigtableInstanceDeletionProtection(t *testing.T) {
	runRuleCases(t, GoogleBigtableInstanceDeletionProtection{},
		googleTerraformFlagCases("google-bigtable-instance-deletion-protection", "google_bigtable_instance"))
}

func TestGoogleSpannerDatabaseDropProtection(t *testing.T) {
	const id = "google-spanner-database-drop-protection"
	const addr = "google_spanner_database.this"
	const path = "enable_drop_protection"
	notSet := "not set (provider default false)"
	tests := []ruleCase{
		{
			name:   "drop protection on passes",
			change: evaltest.Change{Type: "google_spanner_database", After: map[string]any{path: true}},
			want:   []evaluator.Finding{pass(id, addr, path, path+" is true")},
		},
		{
			name:   "drop protection off fails",
			change: evaltest.Change{Type: "google_spanner_database", After: map[string]any{path: false}},
			want:   []evaluator.Finding{fail(id, addr, path, path+" is false", "true", "false")},
		},
		{
			name:   "an unset attribute fails on the provider default of false",
			change: evaltest.Change{Type: "google_spanner_database", After: map[string]any{"deletion_protection": true}},
			want:   []evaluator.Finding{fail(id, addr, path, path+" is "+notSet, "true", notSet)},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "google_spanner_database", After: map[string]any{},
				AfterUnknown: map[string]any{path: true},
				Config:       map[string]any{path: map[string]any{"references": []any{"var.protect"}}}},
			want: []evaluator.Finding{unknown(id, addr, path, "true")},
		},
		{
			name:   "a destroyed database gets no finding",
			change: evaltest.Change{Type: "google_spanner_database", Actions: []string{"delete"}, Before: map[string]any{path: false}},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleSpannerDatabaseDropProtection{}, tests)
}

func TestGoogleBigtableTableDeletionProtection(t *testing.T) {
	const id = "google-bigtable-table-deletion-protection"
	const addr = "google_bigtable_table.this"
	const path = "deletion_protection"
	notSet := `not set (provider default "UNPROTECTED")`
	tests := []ruleCase{
		{
			name:   "a protected table passes",
			change: evaltest.Change{Type: "google_bigtable_table", After: map[string]any{path: "PROTECTED"}},
			want:   []evaluator.Finding{pass(id, addr, path, path+` is "PROTECTED"`)},
		},
		{
			name:   "an unprotected table fails",
			change: evaltest.Change{Type: "google_bigtable_table", After: map[string]any{path: "UNPROTECTED"}},
			want:   []evaluator.Finding{fail(id, addr, path, path+` is "UNPROTECTED"`, `"PROTECTED"`, `"UNPROTECTED"`)},
		},
		{
			name:   "an unset attribute fails on the API default",
			change: evaltest.Change{Type: "google_bigtable_table", After: map[string]any{"name": "events"}},
			want:   []evaluator.Finding{fail(id, addr, path, path+" is "+notSet, `"PROTECTED"`, notSet)},
		},
		{
			name: "a computed value the configuration does not write fails on the default",
			change: evaltest.Change{Type: "google_bigtable_table", After: map[string]any{"name": "events"},
				AfterUnknown: map[string]any{path: true},
				Config:       map[string]any{"name": map[string]any{"constant_value": "events"}}},
			want: []evaluator.Finding{fail(id, addr, path, path+" is "+notSet, `"PROTECTED"`, notSet)},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "google_bigtable_table", After: map[string]any{},
				AfterUnknown: map[string]any{path: true},
				Config:       map[string]any{path: map[string]any{"references": []any{"var.protection"}}}},
			want: []evaluator.Finding{unknown(id, addr, path, `"PROTECTED"`)},
		},
		{
			name: "unprotecting a table fails",
			change: evaltest.Change{Type: "google_bigtable_table", Actions: []string{"update"},
				Before: map[string]any{path: "PROTECTED"}, After: map[string]any{path: "UNPROTECTED"}},
			want: []evaluator.Finding{fail(id, addr, path, path+` is "UNPROTECTED"`, `"PROTECTED"`, `"UNPROTECTED"`)},
		},
		{
			name:   "a destroyed table gets no finding",
			change: evaltest.Change{Type: "google_bigtable_table", Actions: []string{"delete"}, Before: map[string]any{path: "UNPROTECTED"}},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleBigtableTableDeletionProtection{}, tests)
}

func TestGoogleFirestoreDeleteProtection(t *testing.T) {
	const id = "google-firestore-database-delete-protection"
	const addr = "google_firestore_database.this"
	const path = "delete_protection_state"
	const want = `"DELETE_PROTECTION_ENABLED"`
	notSet := `not set (provider default "DELETE_PROTECTION_STATE_UNSPECIFIED")`
	tests := []ruleCase{
		{
			name:   "delete protection enabled passes",
			change: evaltest.Change{Type: "google_firestore_database", After: map[string]any{path: "DELETE_PROTECTION_ENABLED"}},
			want:   []evaluator.Finding{pass(id, addr, path, path+" is "+want)},
		},
		{
			name:   "delete protection disabled fails",
			change: evaltest.Change{Type: "google_firestore_database", After: map[string]any{path: "DELETE_PROTECTION_DISABLED"}},
			want: []evaluator.Finding{fail(id, addr, path, path+` is "DELETE_PROTECTION_DISABLED"`, want,
				`"DELETE_PROTECTION_DISABLED"`)},
		},
		{
			name: "an unset state fails on the provider default, whatever deletion_policy says",
			change: evaltest.Change{Type: "google_firestore_database",
				After: map[string]any{"name": "(default)", "deletion_policy": "ABANDON"}},
			want: []evaluator.Finding{fail(id, addr, path, path+" is "+notSet, want, notSet)},
		},
		{
			name: "a state known only after apply is unknown",
			change: evaltest.Change{Type: "google_firestore_database", After: map[string]any{},
				AfterUnknown: map[string]any{path: true},
				Config:       map[string]any{path: map[string]any{"references": []any{"var.protection"}}}},
			want: []evaluator.Finding{unknown(id, addr, path, want)},
		},
		{
			name:   "a destroyed database gets no finding",
			change: evaltest.Change{Type: "google_firestore_database", Actions: []string{"delete"}, Before: map[string]any{path: "DELETE_PROTECTION_ENABLED"}},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleFirestoreDeleteProtection{}, tests)
}
