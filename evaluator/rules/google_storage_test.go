package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

const gcsBucketAddr = "google_storage_bucket.this"

func TestGoogleStoragePublicAccessPrevention(t *testing.T) {
	const id = "google-storage-public-access-prevention"
	const path = "public_access_prevention"
	notSet := `not set (provider default "inherited")`
	tests := []ruleCase{
		{
			name:   "an enforced bucket passes",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{path: "enforced"}},
			want:   []evaluator.Finding{pass(id, gcsBucketAddr, path, path+` is "enforced"`)},
		},
		{
			name:   "an inherited bucket fails",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{path: "inherited"}},
			want:   []evaluator.Finding{fail(id, gcsBucketAddr, path, path+` is "inherited"`, `"enforced"`, `"inherited"`)},
		},
		{
			name: "an unset value the configuration does not write fails on the default",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{"name": "data"},
				AfterUnknown: map[string]any{path: true},
				Config:       map[string]any{"name": map[string]any{"constant_value": "data"}}},
			want: []evaluator.Finding{fail(id, gcsBucketAddr, path, path+" is "+notSet, `"enforced"`, notSet)},
		},
		{
			name:   "an absent value fails on the default",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{"name": "data"}},
			want:   []evaluator.Finding{fail(id, gcsBucketAddr, path, path+" is "+notSet, `"enforced"`, notSet)},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{},
				AfterUnknown: map[string]any{path: true},
				Config:       map[string]any{path: map[string]any{"references": []any{"var.pap"}}}},
			want: []evaluator.Finding{unknown(id, gcsBucketAddr, path, `"enforced"`)},
		},
		{
			name: "an unknown value with no configuration section stays unknown",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{},
				AfterUnknown: map[string]any{path: true}},
			want: []evaluator.Finding{unknown(id, gcsBucketAddr, path, `"enforced"`)},
		},
		{
			name:   "a destroyed bucket gets no finding",
			change: evaltest.Change{Type: "google_storage_bucket", Actions: []string{"delete"}, Before: map[string]any{path: "inherited"}},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleStoragePublicAccessPrevention{}, tests)
}
