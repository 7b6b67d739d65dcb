package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

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
