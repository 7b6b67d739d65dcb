package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestGoogleKMSKeyRotation(t *testing.T) {
	const id = "google-kms-key-rotation"
	const addr = "google_kms_crypto_key.this"
	const path = "rotation_period"
	const expected = "<= 7776000s (90 days)"
	tests := []ruleCase{
		{
			name:   "a key rotated every 90 days passes",
			change: evaltest.Change{Type: "google_kms_crypto_key", After: map[string]any{path: "7776000s", "purpose": "ENCRYPT_DECRYPT"}},
			want:   []evaluator.Finding{pass(id, addr, path, path+` is "7776000s" (90 days)`)},
		},
		{
			name:   "a key rotated every 30 days with purpose unset passes",
			change: evaltest.Change{Type: "google_kms_crypto_key", After: map[string]any{path: "2592000s"}},
			want:   []evaluator.Finding{pass(id, addr, path, path+` is "2592000s" (30 days)`)},
		},
		{
			name:   "a key rotated once a year fails",
			change: evaltest.Change{Type: "google_kms_crypto_key", After: map[string]any{path: "31536000s"}},
			want: []evaluator.Finding{fail(id, addr, path, path+` is "31536000s" (365 days), longer than the maximum of 90 days`,
				expected, `"31536000s"`)},
		},
		{
			name:   "a key rotated once a year passes a raised maximum",
			change: evaltest.Change{Type: "google_kms_crypto_key", After: map[string]any{path: "31536000s"}},
			params: map[string]any{"max_days": int64(365)},
			want:   []evaluator.Finding{pass(id, addr, path, path+` is "31536000s" (365 days)`)},
		},
		{
			name:   "a key without a rotation period fails",
			change: evaltest.Change{Type: "google_kms_crypto_key", After: map[string]any{"name": "data"}},
			want: []evaluator.Finding{fail(id, addr, path, "rotation_period is not set, so the key never rotates automatically",
				expected, "not set (no automatic rotation)")},
		},
		{
			name:   "a malformed period fails closed",
			change: evaltest.Change{Type: "google_kms_crypto_key", After: map[string]any{path: "90d"}},
			want: []evaluator.Finding{fail(id, addr, path, path+` "90d" is not a number of seconds ending in "s", so it cannot be judged`,
				expected, `"90d"`)},
		},
		{
			name: "a period known only after apply is unknown",
			change: evaltest.Change{Type: "google_kms_crypto_key", After: map[string]any{},
				AfterUnknown: map[string]any{path: true}},
			want: []evaluator.Finding{unknown(id, addr, path, expected)},
		},
		{
			name: "a purpose known only after apply is unknown",
			change: evaltest.Change{Type: "google_kms_crypto_key", After: map[string]any{path: "7776000s"},
				AfterUnknown: map[string]any{"purpose": true},
				Config:       map[string]any{"purpose": map[string]any{"references": []any{"var.purpose"}}}},
			want: []evaluator.Finding{unknown(id, addr, "purpose", `"ENCRYPT_DECRYPT"`)},
		},
		{
			name:   "an asymmetric signing key cannot rotate and gets no finding",
			change: evaltest.Change{Type: "google_kms_crypto_key", After: map[string]any{"purpose": "ASYMMETRIC_SIGN"}},
			want:   nil,
		},
		{
			name:   "a destroyed key gets no finding",
			change: evaltest.Change{Type: "google_kms_crypto_key", Actions: []string{"delete"}, Before: map[string]any{"name": "data"}},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleKMSKeyRotation{}, tests)
}
