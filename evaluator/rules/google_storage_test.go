package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

const gcsBucketAddr = "google_storage_bucket.this"

func TestGoogleStorageVersioning(t *testing.T) {
	const id = "google-storage-versioning"
	const path = "versioning.enabled"
	notSet := "not set (provider default false)"
	tests := []ruleCase{
		{
			name:   "a versioned bucket passes",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{"versioning": []any{map[string]any{"enabled": true}}}},
			want:   []evaluator.Finding{pass(id, gcsBucketAddr, path, path+" is true")},
		},
		{
			name:   "a bucket with versioning off fails",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{"versioning": []any{map[string]any{"enabled": false}}}},
			want:   []evaluator.Finding{fail(id, gcsBucketAddr, path, path+" is false", "true", "false")},
		},
		{
			name:   "a bucket without a versioning block fails on the default",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{"name": "data", "versioning": []any{}}},
			want:   []evaluator.Finding{fail(id, gcsBucketAddr, path, path+" is "+notSet, "true", notSet)},
		},
		{
			name: "a computed block the configuration does not write fails on the default",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{"name": "data"},
				AfterUnknown: map[string]any{"versioning": true},
				Config:       map[string]any{"name": map[string]any{"constant_value": "data"}}},
			want: []evaluator.Finding{fail(id, gcsBucketAddr, path, path+" is "+notSet, "true", notSet)},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{"versioning": []any{map[string]any{}}},
				AfterUnknown: map[string]any{"versioning": []any{map[string]any{"enabled": true}}},
				Config:       map[string]any{"versioning": []any{map[string]any{"enabled": map[string]any{"references": []any{"var.versioned"}}}}}},
			want: []evaluator.Finding{unknown(id, gcsBucketAddr, path, "true")},
		},
		{
			name: "suspending versioning fails",
			change: evaltest.Change{Type: "google_storage_bucket", Actions: []string{"update"},
				Before: map[string]any{"versioning": []any{map[string]any{"enabled": true}}},
				After:  map[string]any{"versioning": []any{map[string]any{"enabled": false}}}},
			want: []evaluator.Finding{fail(id, gcsBucketAddr, path, path+" is false", "true", "false")},
		},
		{
			name:   "a destroyed bucket gets no finding",
			change: evaltest.Change{Type: "google_storage_bucket", Actions: []string{"delete"}, Before: map[string]any{"name": "data"}},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleStorageVersioning{}, tests)
}

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

func TestGoogleStorageNoForceDestroy(t *testing.T) {
	const id = "google-storage-no-force-destroy"
	const path = "force_destroy"
	tests := []ruleCase{
		{
			name:   "force_destroy false passes",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{path: false}},
			want:   []evaluator.Finding{pass(id, gcsBucketAddr, path, path+" is false")},
		},
		{
			name:   "force_destroy true fails",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{path: true}},
			want:   []evaluator.Finding{fail(id, gcsBucketAddr, path, path+" is true", "false", "true")},
		},
		{
			name:   "an unset attribute passes on the provider default of false",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{"name": "data"}},
			want:   []evaluator.Finding{pass(id, gcsBucketAddr, path, path+" is not set (provider default false)")},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{},
				AfterUnknown: map[string]any{path: true},
				Config:       map[string]any{path: map[string]any{"references": []any{"var.ephemeral"}}}},
			want: []evaluator.Finding{unknown(id, gcsBucketAddr, path, "false")},
		},
		{
			name: "turning force_destroy on fails",
			change: evaltest.Change{Type: "google_storage_bucket", Actions: []string{"update"},
				Before: map[string]any{path: false}, After: map[string]any{path: true}},
			want: []evaluator.Finding{fail(id, gcsBucketAddr, path, path+" is true", "false", "true")},
		},
		{
			name:   "a destroyed bucket is left to the lifecycle rules",
			change: evaltest.Change{Type: "google_storage_bucket", Actions: []string{"delete"}, Before: map[string]any{path: true}},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleStorageNoForceDestroy{}, tests)
}
