package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestEBSEncryption(t *testing.T) {
	const id = "aws-ebs-encryption"
	const v = "aws_ebs_volume.data"
	volumeConfig := map[string]any{"size": map[string]any{"constant_value": 100}}
	newVolume := evaltest.Change{Address: v, Type: "aws_ebs_volume", After: map[string]any{"size": 100},
		AfterUnknown: map[string]any{"encrypted": true, "snapshot_id": true, "arn": true, "id": true}, Config: volumeConfig}
	existing := func(after map[string]any) evaltest.Change {
		return evaltest.Change{Address: v, Type: "aws_ebs_volume", Actions: []string{"no-op"}, Before: after, After: after}
	}
	byDefault := func(actions []string, after map[string]any) evaltest.Change {
		c := evaltest.Change{Address: "aws_ebs_encryption_by_default.this", Type: "aws_ebs_encryption_by_default", Actions: actions, After: after,
			Config: map[string]any{}}
		if len(actions) == 1 && actions[0] == "no-op" {
			c.Before = after
		}
		return c
	}
	notSet := fail(id, v, "encrypted", "encrypted is not set (provider default false)", "true", "not set (provider default false)")
	unknownWith := func(message, actual string) evaluator.Finding {
		return evaluator.Finding{RuleID: id, Address: v, ResourceType: "aws_ebs_volume", Attribute: "encrypted",
			Status: evaluator.StatusUnknown, Message: message, Expected: "true", Actual: actual}
	}
	tests := []ruleCase{
		{
			name:   "an encrypted volume passes",
			change: evaltest.Change{Address: v, Type: "aws_ebs_volume", After: map[string]any{"encrypted": true}},
			want:   []evaluator.Finding{pass(id, v, "encrypted", "encrypted is true")},
		},
		{
			name:   "a new volume that leaves encrypted unset fails with the provider default",
			change: newVolume,
			want:   []evaluator.Finding{notSet},
		},
		{
			name:   "an existing unencrypted volume fails",
			change: existing(map[string]any{"encrypted": false}),
			want:   []evaluator.Finding{fail(id, v, "encrypted", "encrypted is false", "true", "false")},
		},
		{
			name: "encrypted written from a value known only after apply is unknown",
			change: evaltest.Change{Address: v, Type: "aws_ebs_volume", After: map[string]any{}, AfterUnknown: map[string]any{"encrypted": true},
				Config: map[string]any{"encrypted": map[string]any{"references": []any{"var.encrypt"}}}},
			want: []evaluator.Finding{unknown(id, v, "encrypted", "true")},
		},
		{
			name:    "a new volume passes when default encryption already exists",
			changes: []evaltest.Change{newVolume, byDefault([]string{"no-op"}, map[string]any{"enabled": true})},
			want: []evaluator.Finding{pass(id, v, "encrypted",
				"encrypted is not set (provider default false), but aws_ebs_encryption_by_default.this has EBS encryption by default on (enabled is true), which encrypts every new volume")},
		},
		{
			name: "default encryption only in prior_state counts for a new volume",
			changes: []evaltest.Change{newVolume, {Address: "aws_ebs_encryption_by_default.this", Type: "aws_ebs_encryption_by_default",
				StateOnly: true, After: map[string]any{"enabled": true}}},
			want: []evaluator.Finding{pass(id, v, "encrypted",
				"encrypted is not set (provider default false), but aws_ebs_encryption_by_default.this has EBS encryption by default on (enabled is true), which encrypts every new volume")},
		},
		{
			name:    "default encryption does not encrypt an existing volume",
			changes: []evaltest.Change{existing(map[string]any{"encrypted": false}), byDefault([]string{"no-op"}, map[string]any{"enabled": true})},
			want:    []evaluator.Finding{fail(id, v, "encrypted", "encrypted is false", "true", "false")},
		},
		{
			name:    "default encryption turned off does not help",
			changes: []evaltest.Change{newVolume, byDefault([]string{"no-op"}, map[string]any{"enabled": false})},
			want:    []evaluator.Finding{notSet},
		},
		{
			name:    "default encryption created in the same plan is unknown, because nothing orders it first",
			changes: []evaltest.Change{newVolume, byDefault(nil, map[string]any{"enabled": true})},
			want: []evaluator.Finding{unknownWith("encrypted is not set (provider default false) and aws_ebs_encryption_by_default.this turns on default encryption in the same plan, and Terraform does not order it before the volume",
				"not set (provider default false)")},
		},
		{
			name: "a new volume from a snapshot takes the snapshot's encryption, which the plan does not show",
			change: evaltest.Change{Address: v, Type: "aws_ebs_volume", After: map[string]any{"snapshot_id": "snap-0123"},
				AfterUnknown: map[string]any{"encrypted": true}, Config: map[string]any{"snapshot_id": map[string]any{"constant_value": "snap-0123"}}},
			want: []evaluator.Finding{unknownWith(`encrypted is not written, so the volume takes the encryption of snapshot_id "snap-0123", which the plan does not show`,
				"(from the snapshot)")},
		},
		{
			name:   "a destroyed volume is left to the lifecycle rules",
			change: evaltest.Change{Address: v, Type: "aws_ebs_volume", Actions: []string{"delete"}, Before: map[string]any{"encrypted": false}},
			want:   nil,
		},
	}
	runRuleCases(t, EBSEncryption{}, tests)
}
