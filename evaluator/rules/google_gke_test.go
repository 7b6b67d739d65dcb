package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestGoogleGKEDeletionProtection(t *testing.T) {
	const id = "google-gke-deletion-protection"
	const addr = "google_container_cluster.this"
	tests := []ruleCase{
		{
			name:   "a cluster with deletion protection passes",
			change: evaltest.Change{Type: "google_container_cluster", After: map[string]any{"deletion_protection": true}},
			want:   []evaluator.Finding{pass(id, addr, "deletion_protection", "deletion_protection is true")},
		},
		{
			name:   "a cluster with deletion protection off fails",
			change: evaltest.Change{Type: "google_container_cluster", After: map[string]any{"deletion_protection": false}},
			want:   []evaluator.Finding{fail(id, addr, "deletion_protection", "deletion_protection is false", "true", "false")},
		},
		{
			name: "turning deletion protection off on an existing cluster fails",
			change: evaltest.Change{Type: "google_container_cluster", Actions: []string{"update"},
				Before: map[string]any{"deletion_protection": true}, After: map[string]any{"deletion_protection": false}},
			want: []evaluator.Finding{fail(id, addr, "deletion_protection", "deletion_protection is false", "true", "false")},
		},
		{
			name:   "an unset attribute passes on the provider default of true",
			change: evaltest.Change{Type: "google_container_cluster", After: map[string]any{"name": "prod"}},
			want: []evaluator.Finding{pass(id, addr, "deletion_protection",
				"deletion_protection is not set (provider default true)")},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "google_container_cluster", After: map[string]any{},
				AfterUnknown: map[string]any{"deletion_protection": true},
				Config:       map[string]any{"deletion_protection": map[string]any{"references": []any{"local.protect"}}}},
			want: []evaluator.Finding{unknown(id, addr, "deletion_protection", "true")},
		},
		{
			name: "a replaced cluster is judged on its new object",
			change: evaltest.Change{Type: "google_container_cluster", Actions: []string{"delete", "create"},
				Before: map[string]any{"deletion_protection": false}, After: map[string]any{"deletion_protection": false}},
			want: []evaluator.Finding{fail(id, addr, "deletion_protection", "deletion_protection is false", "true", "false")},
		},
		{
			name:   "a destroyed cluster is left to the lifecycle rules",
			change: evaltest.Change{Type: "google_container_cluster", Actions: []string{"delete"}, Before: map[string]any{"deletion_protection": false}},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleGKEDeletionProtection{}, tests)
}
