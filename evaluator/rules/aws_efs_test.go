package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestEFSEncryption(t *testing.T) {
	const id = "aws-efs-encryption"
	const fs = "aws_efs_file_system.shared"
	tests := []ruleCase{
		{
			name:   "an encrypted file system passes",
			change: evaltest.Change{Address: fs, Type: "aws_efs_file_system", After: map[string]any{"encrypted": true}},
			want:   []evaluator.Finding{pass(id, fs, "encrypted", "encrypted is true")},
		},
		{
			name:   "encrypted = false fails",
			change: evaltest.Change{Address: fs, Type: "aws_efs_file_system", After: map[string]any{"encrypted": false}},
			want:   []evaluator.Finding{fail(id, fs, "encrypted", "encrypted is false", "true", "false")},
		},
		{
			name: "a new file system that leaves encrypted unset fails with the provider default",
			change: evaltest.Change{Address: fs, Type: "aws_efs_file_system", After: map[string]any{"creation_token": "shared"},
				AfterUnknown: map[string]any{"encrypted": true, "id": true}, Config: map[string]any{"creation_token": map[string]any{"constant_value": "shared"}}},
			want: []evaluator.Finding{fail(id, fs, "encrypted", "encrypted is not set (provider default false)", "true", "not set (provider default false)")},
		},
		{
			name: "encrypted written from a value known only after apply is unknown",
			change: evaltest.Change{Address: fs, Type: "aws_efs_file_system", After: map[string]any{},
				AfterUnknown: map[string]any{"encrypted": true}, Config: map[string]any{"encrypted": map[string]any{"references": []any{"var.encrypt"}}}},
			want: []evaluator.Finding{unknown(id, fs, "encrypted", "true")},
		},
		{
			name:   "a destroyed file system is left to the lifecycle rules",
			change: evaltest.Change{Address: fs, Type: "aws_efs_file_system", Actions: []string{"delete"}, Before: map[string]any{"encrypted": false}},
			want:   nil,
		},
	}
	runRuleCases(t, EFSEncryption{}, tests)
}
