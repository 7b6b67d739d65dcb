package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestDynamoDBCustomerManagedKey(t *testing.T) {
	const id = "aws-dynamodb-customer-managed-key"
	const typ, addr = "aws_dynamodb_table", "aws_dynamodb_table.this"
	const enabledAttr, keyAttr = "server_side_encryption.enabled", "server_side_encryption.kms_key_arn"
	const cmk = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	const expectedKey = "a customer managed KMS key ARN"
	sse := func(m map[string]any) map[string]any {
		return map[string]any{"server_side_encryption": []any{m}}
	}
	keyRef := map[string]any{"server_side_encryption": []any{map[string]any{
		"enabled":     map[string]any{"constant_value": true},
		"kms_key_arn": map[string]any{"references": []any{"aws_kms_key.orders.arn", "aws_kms_key.orders"}},
	}}}
	noKey := map[string]any{"server_side_encryption": []any{map[string]any{
		"enabled": map[string]any{"constant_value": true},
	}}}
	tests := []ruleCase{
		{
			name:   "a table with a customer managed key passes",
			change: evaltest.Change{Type: typ, After: sse(map[string]any{"enabled": true, "kms_key_arn": cmk}), Config: keyRef},
			want:   []evaluator.Finding{pass(id, addr, keyAttr, `server_side_encryption uses the KMS key "`+cmk+`"`)},
		},
		{
			name:   "a table without a server_side_encryption block fails: AWS owned key",
			change: evaltest.Change{Type: typ, After: map[string]any{"name": "orders", "server_side_encryption": []any{}}},
			want: []evaluator.Finding{fail(id, addr, enabledAttr,
				"server_side_encryption.enabled is not set (provider default false): the table is encrypted with an AWS owned key",
				"true", "not set (provider default false)")},
		},
		{
			name:   "server-side encryption turned off fails",
			change: evaltest.Change{Type: typ, After: sse(map[string]any{"enabled": false, "kms_key_arn": ""})},
			want: []evaluator.Finding{fail(id, addr, enabledAttr,
				"server_side_encryption.enabled is false: the table is encrypted with an AWS owned key", "true", "false")},
		},
		{
			name: "enabled without a key in the configuration fails even when the provider fills in the AWS managed key ARN",
			change: evaltest.Change{Type: typ, Actions: []string{"no-op"},
				Before: sse(map[string]any{"enabled": true, "kms_key_arn": cmk}),
				After:  sse(map[string]any{"enabled": true, "kms_key_arn": cmk}), Config: noKey},
			want: []evaluator.Finding{fail(id, addr, keyAttr,
				"server_side_encryption.kms_key_arn is not written in the configuration: the table uses the AWS managed key aws/dynamodb",
				expectedKey, "not set (AWS managed key aws/dynamodb)")},
		},
		{
			name:   "enabled with no key in a plan without configuration fails",
			change: evaltest.Change{Type: typ, After: sse(map[string]any{"enabled": true})},
			want: []evaluator.Finding{fail(id, addr, keyAttr,
				"server_side_encryption.kms_key_arn is not set: the table uses the AWS managed key aws/dynamodb",
				expectedKey, "not set (AWS managed key aws/dynamodb)")},
		},
		{
			name: "the AWS managed alias fails",
			change: evaltest.Change{Type: typ,
				After: sse(map[string]any{"enabled": true, "kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:alias/aws/dynamodb"})},
			want: []evaluator.Finding{fail(id, addr, keyAttr, "server_side_encryption.kms_key_arn names the AWS managed key aws/dynamodb",
				expectedKey, `"arn:aws:kms:eu-west-1:111122223333:alias/aws/dynamodb"`)},
		},
		{
			name:   "an empty key ARN fails",
			change: evaltest.Change{Type: typ, After: sse(map[string]any{"enabled": true, "kms_key_arn": ""})},
			want: []evaluator.Finding{fail(id, addr, keyAttr,
				`server_side_encryption.kms_key_arn is "": the table uses the AWS managed key aws/dynamodb`, expectedKey, `""`)},
		},
		{
			name: "a key created in the same plan is unknown",
			change: evaltest.Change{Type: typ, After: sse(map[string]any{"enabled": true}),
				AfterUnknown: map[string]any{"server_side_encryption": []any{map[string]any{"kms_key_arn": true}}}, Config: keyRef},
			want: []evaluator.Finding{unknown(id, addr, keyAttr, expectedKey)},
		},
		{
			name: "an enabled flag known only after apply is unknown",
			change: evaltest.Change{Type: typ, After: map[string]any{}, AfterUnknown: map[string]any{"server_side_encryption": true},
				Config: map[string]any{"server_side_encryption": []any{map[string]any{
					"enabled": map[string]any{"references": []any{"var.sse"}}}}}},
			want: []evaluator.Finding{unknown(id, addr, enabledAttr, "true")},
		},
		{
			name:   "a destroyed table is left to the lifecycle rules",
			change: evaltest.Change{Type: typ, Actions: []string{"delete"}, Before: map[string]any{"name": "orders"}},
			want:   nil,
		},
	}
	runRuleCases(t, DynamoDBCustomerManagedKey{}, tests)
}
