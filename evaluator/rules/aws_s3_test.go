package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestS3Versioning(t *testing.T) {
	const id = "aws-s3-versioning"
	const bucketAddr = "aws_s3_bucket.data"
	bucket := func(after map[string]any) evaltest.Change {
		return evaltest.Change{Address: bucketAddr, Type: "aws_s3_bucket", After: after}
	}
	// newBucket is a provider v4+ bucket being created: name known, the
	// computed legacy versioning block unknown and not written in configuration.
	newBucket := evaltest.Change{Address: bucketAddr, Type: "aws_s3_bucket",
		After:        map[string]any{"bucket": "example-data"},
		AfterUnknown: map[string]any{"id": true, "versioning": true},
		Config:       map[string]any{"bucket": map[string]any{"constant_value": "example-data"}}}
	versioning := func(address string, after, afterUnknown, config map[string]any) evaltest.Change {
		return evaltest.Change{Address: address, Type: "aws_s3_bucket_versioning", After: after, AfterUnknown: afterUnknown, Config: config}
	}
	enabled := map[string]any{"status": "Enabled"}
	refData := map[string]any{"bucket": map[string]any{"references": []any{"aws_s3_bucket.data.id", "aws_s3_bucket.data"}}}
	notVersioned := fail(id, bucketAddr, "versioning",
		"no aws_s3_bucket_versioning in the plan enables versioning on this bucket, and versioning.enabled is not set (provider default false)",
		`"Enabled"`, "not set (provider default false)")

	tests := []ruleCase{
		{
			name:   "a bucket with the legacy inline block enabled passes",
			change: bucket(map[string]any{"bucket": "example-data", "versioning": []any{map[string]any{"enabled": true, "mfa_delete": false}}}),
			want:   []evaluator.Finding{pass(id, bucketAddr, "versioning.enabled", "versioning.enabled is true")},
		},
		{
			name:   "a bucket with the legacy inline block disabled fails",
			change: bucket(map[string]any{"bucket": "example-data", "versioning": []any{map[string]any{"enabled": false}}}),
			want: []evaluator.Finding{fail(id, bucketAddr, "versioning",
				"no aws_s3_bucket_versioning in the plan enables versioning on this bucket, and versioning.enabled is false",
				`"Enabled"`, "false")},
		},
		{
			name:   "a new bucket with no versioning anywhere fails as not set",
			change: newBucket,
			want:   []evaluator.Finding{notVersioned},
		},
		{
			name: "an inline flag known only after apply without configuration to explain it is unknown",
			change: evaltest.Change{Address: bucketAddr, Type: "aws_s3_bucket", After: map[string]any{"bucket": "example-data"},
				AfterUnknown: map[string]any{"versioning": true}},
			want: []evaluator.Finding{unknown(id, bucketAddr, "versioning.enabled", "true")},
		},
		{
			name: "a versioning resource naming the bucket enables it",
			changes: []evaltest.Change{
				bucket(map[string]any{"bucket": "example-data", "id": "example-data"}),
				versioning("aws_s3_bucket_versioning.data", map[string]any{"bucket": "example-data",
					"versioning_configuration": []any{enabled}}, nil, nil),
			},
			want: []evaluator.Finding{pass(id, bucketAddr, "versioning",
				`aws_s3_bucket_versioning.data sets versioning_configuration.status to "Enabled"`)},
		},
		{
			name: "a versioning resource referencing a bucket whose name is not yet known enables it",
			changes: []evaltest.Change{
				{Address: bucketAddr, Type: "aws_s3_bucket", After: map[string]any{"bucket_prefix": "data-"},
					AfterUnknown: map[string]any{"bucket": true, "id": true, "versioning": true}, Config: map[string]any{}},
				versioning("aws_s3_bucket_versioning.v", map[string]any{"versioning_configuration": []any{enabled}},
					map[string]any{"bucket": true}, refData),
			},
			want: []evaluator.Finding{pass(id, bucketAddr, "versioning",
				`aws_s3_bucket_versioning.v sets versioning_configuration.status to "Enabled"`)},
		},
		{
			name: "a suspended versioning resource fails",
			changes: []evaltest.Change{
				newBucket,
				versioning("aws_s3_bucket_versioning.data", map[string]any{"versioning_configuration": []any{map[string]any{"status": "Suspended"}}},
					map[string]any{"bucket": true}, refData),
			},
			want: []evaluator.Finding{fail(id, bucketAddr, "versioning",
				`aws_s3_bucket_versioning.data sets versioning_configuration.status to "Suspended"`, `"Enabled"`, `"Suspended"`)},
		},
		{
			name: "a versioning status known only after apply is unknown",
			changes: []evaltest.Change{
				newBucket,
				versioning("aws_s3_bucket_versioning.data", map[string]any{"versioning_configuration": []any{map[string]any{}}},
					map[string]any{"bucket": true, "versioning_configuration": []any{map[string]any{"status": true}}}, refData),
			},
			want: []evaluator.Finding{{RuleID: id, Address: bucketAddr, ResourceType: "aws_s3_bucket", Attribute: "versioning",
				Status:   evaluator.StatusUnknown,
				Message:  "aws_s3_bucket_versioning.data sets versioning_configuration.status from a value known only after apply, so the plan cannot show it meets the standard",
				Expected: `"Enabled"`, Actual: "(known after apply)"}},
		},
		{
			name: "a versioning resource for another bucket name does not count",
			changes: []evaltest.Change{
				newBucket,
				versioning("aws_s3_bucket_versioning.logs", map[string]any{"bucket": "example-logs",
					"versioning_configuration": []any{enabled}}, nil, nil),
			},
			want: []evaluator.Finding{notVersioned},
		},
		{
			name: "a versioning resource with an unknown bucket and no reference does not count",
			changes: []evaltest.Change{
				newBucket,
				versioning("aws_s3_bucket_versioning.other", map[string]any{"versioning_configuration": []any{enabled}},
					map[string]any{"bucket": true},
					map[string]any{"bucket": map[string]any{"references": []any{"var.bucket_name"}}}),
			},
			want: []evaluator.Finding{notVersioned},
		},
		{
			name: "a reference from the root module does not reach a bucket inside a module",
			changes: []evaltest.Change{
				{Address: "module.store.aws_s3_bucket.data", ModuleAddress: "module.store", Type: "aws_s3_bucket",
					After: map[string]any{"bucket": "example-data", "versioning": []any{map[string]any{"enabled": false}}}},
				versioning("aws_s3_bucket_versioning.data", map[string]any{"versioning_configuration": []any{enabled}},
					map[string]any{"bucket": true}, refData),
			},
			want: []evaluator.Finding{fail(id, "module.store.aws_s3_bucket.data", "versioning",
				"no aws_s3_bucket_versioning in the plan enables versioning on this bucket, and versioning.enabled is false",
				`"Enabled"`, "false")},
		},
		{
			name: "known names that differ override a reference to another instance of the same resource",
			changes: []evaltest.Change{
				{Address: `aws_s3_bucket.data["b"]`, Type: "aws_s3_bucket",
					After: map[string]any{"bucket": "example-b", "versioning": []any{map[string]any{"enabled": false}}}},
				versioning(`aws_s3_bucket_versioning.data["a"]`, map[string]any{"bucket": "example-a",
					"versioning_configuration": []any{enabled}}, nil, refData),
			},
			want: []evaluator.Finding{fail(id, `aws_s3_bucket.data["b"]`, "versioning",
				"no aws_s3_bucket_versioning in the plan enables versioning on this bucket, and versioning.enabled is false",
				`"Enabled"`, "false")},
		},
		{
			name: "a separate suspended resource wins over the inline value read back from the bucket",
			changes: []evaltest.Change{
				{Address: bucketAddr, Type: "aws_s3_bucket", Actions: []string{"no-op"},
					Before: map[string]any{"bucket": "example-data", "versioning": []any{map[string]any{"enabled": true}}},
					After:  map[string]any{"bucket": "example-data", "versioning": []any{map[string]any{"enabled": true}}}},
				versioning("aws_s3_bucket_versioning.data", map[string]any{"bucket": "example-data",
					"versioning_configuration": []any{map[string]any{"status": "Suspended"}}}, nil, nil),
			},
			want: []evaluator.Finding{fail(id, bucketAddr, "versioning",
				`aws_s3_bucket_versioning.data sets versioning_configuration.status to "Suspended"`, `"Enabled"`, `"Suspended"`)},
		},
		{
			name: "destroying the versioning resource suspends versioning and fails",
			changes: []evaltest.Change{
				{Address: bucketAddr, Type: "aws_s3_bucket", Actions: []string{"no-op"},
					Before: map[string]any{"bucket": "example-data", "versioning": []any{map[string]any{"enabled": true}}},
					After:  map[string]any{"bucket": "example-data", "versioning": []any{map[string]any{"enabled": true}}}},
				{Address: "aws_s3_bucket_versioning.data", Type: "aws_s3_bucket_versioning", Actions: []string{"delete"},
					Before: map[string]any{"bucket": "example-data", "versioning_configuration": []any{enabled}}},
			},
			want: []evaluator.Finding{fail(id, bucketAddr, "versioning",
				"aws_s3_bucket_versioning.data is destroyed, which suspends versioning on the bucket", `"Enabled"`, `"Suspended"`)},
		},
		{
			name: "forgetting the versioning resource leaves versioning as it is",
			changes: []evaltest.Change{
				bucket(map[string]any{"bucket": "example-data", "versioning": []any{map[string]any{"enabled": true}}}),
				{Address: "aws_s3_bucket_versioning.data", Type: "aws_s3_bucket_versioning", Actions: []string{"forget"},
					Before: map[string]any{"bucket": "example-data", "versioning_configuration": []any{enabled}}},
			},
			want: []evaluator.Finding{pass(id, bucketAddr, "versioning.enabled", "versioning.enabled is true")},
		},
		{
			name: "each bucket is judged only by the versioning resource that targets it",
			changes: []evaltest.Change{
				bucket(map[string]any{"bucket": "example-data"}),
				{Address: "aws_s3_bucket.logs", Type: "aws_s3_bucket", After: map[string]any{"bucket": "example-logs"}},
				versioning("aws_s3_bucket_versioning.data", map[string]any{"bucket": "example-data",
					"versioning_configuration": []any{enabled}}, nil, nil),
			},
			want: []evaluator.Finding{
				pass(id, bucketAddr, "versioning", `aws_s3_bucket_versioning.data sets versioning_configuration.status to "Enabled"`),
				fail(id, "aws_s3_bucket.logs", "versioning",
					"no aws_s3_bucket_versioning in the plan enables versioning on this bucket, and versioning.enabled is not set (provider default false)",
					`"Enabled"`, "not set (provider default false)"),
			},
		},
		{
			name:   "a destroyed bucket is left to the lifecycle rules",
			change: evaltest.Change{Address: bucketAddr, Type: "aws_s3_bucket", Actions: []string{"delete"}, Before: map[string]any{"bucket": "example-data"}},
			want:   nil,
		},
		{
			name: "a versioning resource only in prior_state (a targeted plan) enables the bucket",
			changes: []evaltest.Change{
				bucket(map[string]any{"bucket": "example-data", "id": "example-data"}),
				{Address: "aws_s3_bucket_versioning.data", Type: "aws_s3_bucket_versioning", StateOnly: true,
					After: map[string]any{"bucket": "example-data", "versioning_configuration": []any{enabled}}},
			},
			want: []evaluator.Finding{pass(id, bucketAddr, "versioning",
				`aws_s3_bucket_versioning.data sets versioning_configuration.status to "Enabled"`)},
		},
		{
			name: "a suspended versioning resource only in prior_state fails",
			changes: []evaltest.Change{
				bucket(map[string]any{"bucket": "example-data", "id": "example-data"}),
				{Address: "aws_s3_bucket_versioning.data", Type: "aws_s3_bucket_versioning", StateOnly: true,
					After: map[string]any{"bucket": "example-data", "versioning_configuration": []any{map[string]any{"status": "Suspended"}}}},
			},
			want: []evaluator.Finding{fail(id, bucketAddr, "versioning",
				`aws_s3_bucket_versioning.data sets versioning_configuration.status to "Suspended"`, `"Enabled"`, `"Suspended"`)},
		},
	}
	runRuleCases(t, S3Versioning{}, tests)
}

// s3Bucket is a bucket whose name and id are known.
func s3Bucket(address, name string, extra map[string]any) evaltest.Change {
	after := map[string]any{"bucket": name, "id": name}
	for k, v := range extra {
		after[k] = v
	}
	return evaltest.Change{Address: address, Type: "aws_s3_bucket", After: after}
}

// s3NewBucket is a provider v4+ bucket being created: name known, the
// computed legacy blocks unknown and not written in configuration.
func s3NewBucket(address string) evaltest.Change {
	return evaltest.Change{Address: address, Type: "aws_s3_bucket",
		After: map[string]any{"bucket": "example-data"},
		AfterUnknown: map[string]any{"id": true, "versioning": true, "server_side_encryption_configuration": true,
			"object_lock_enabled": true, "object_lock_configuration": true},
		Config: map[string]any{"bucket": map[string]any{"constant_value": "example-data"}}}
}

// s3RefBucketData is the configuration of a separate resource whose bucket
// references aws_s3_bucket.data.
var s3RefBucketData = map[string]any{"bucket": map[string]any{"references": []any{"aws_s3_bucket.data.id", "aws_s3_bucket.data"}}}

func s3Unknown(rule, address, attribute, message, expected string) evaluator.Finding {
	return evaluator.Finding{RuleID: rule, Address: address, ResourceType: "aws_s3_bucket", Attribute: attribute,
		Status: evaluator.StatusUnknown, Message: message, Expected: expected, Actual: "(known after apply)"}
}

func TestS3PublicAccessBlock(t *testing.T) {
	const id = "aws-s3-public-access-block"
	const b = "aws_s3_bucket.data"
	const attr = "public_access_block"
	const expected = "block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets = true"
	allOn := map[string]any{"bucket": "example-data", "block_public_acls": true, "block_public_policy": true,
		"ignore_public_acls": true, "restrict_public_buckets": true}
	pab := func(address string, after, afterUnknown, config map[string]any) evaltest.Change {
		return evaltest.Change{Address: address, Type: "aws_s3_bucket_public_access_block", After: after, AfterUnknown: afterUnknown, Config: config}
	}
	without := func(m map[string]any, drop ...string) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		for _, d := range drop {
			delete(out, d)
		}
		return out
	}
	noBlock := fail(id, b, attr, "no aws_s3_bucket_public_access_block in the plan targets this bucket", expected, "none")
	tests := []ruleCase{
		{
			name:    "a block with all four settings true passes",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil), pab("aws_s3_bucket_public_access_block.data", allOn, nil, nil)},
			want:    []evaluator.Finding{pass(id, b, attr, "aws_s3_bucket_public_access_block.data sets all four settings to true")},
		},
		{
			name: "a block referencing a new bucket whose name is unknown passes",
			changes: []evaltest.Change{s3NewBucket(b),
				pab("aws_s3_bucket_public_access_block.data", without(allOn, "bucket"), map[string]any{"bucket": true}, s3RefBucketData)},
			want: []evaluator.Finding{pass(id, b, attr, "aws_s3_bucket_public_access_block.data sets all four settings to true")},
		},
		{
			name: "a block leaving a setting unset fails with the provider default",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				pab("aws_s3_bucket_public_access_block.data", without(allOn, "restrict_public_buckets"), nil,
					map[string]any{"bucket": map[string]any{"constant_value": "example-data"}})},
			want: []evaluator.Finding{fail(id, b, attr,
				"aws_s3_bucket_public_access_block.data sets restrict_public_buckets = not set (provider default false)",
				expected, "restrict_public_buckets = not set (provider default false)")},
		},
		{
			name: "a block turning two settings off fails naming both",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				pab("aws_s3_bucket_public_access_block.data", map[string]any{"bucket": "example-data", "block_public_acls": false,
					"block_public_policy": true, "ignore_public_acls": false, "restrict_public_buckets": true}, nil, nil)},
			want: []evaluator.Finding{fail(id, b, attr,
				"aws_s3_bucket_public_access_block.data sets block_public_acls = false, ignore_public_acls = false",
				expected, "block_public_acls = false, ignore_public_acls = false")},
		},
		{
			name: "a setting known only after apply is unknown",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				pab("aws_s3_bucket_public_access_block.data", without(allOn, "block_public_policy"),
					map[string]any{"block_public_policy": true}, map[string]any{"block_public_policy": map[string]any{"references": []any{"var.strict"}}})},
			want: []evaluator.Finding{s3Unknown(id, b, attr,
				"aws_s3_bucket_public_access_block.data sets block_public_policy from a value known only after apply, so the plan cannot show it meets the standard",
				expected)},
		},
		{
			name:    "a bucket with no block fails",
			changes: []evaltest.Change{s3NewBucket(b)},
			want:    []evaluator.Finding{noBlock},
		},
		{
			name:    "a block for another bucket does not count",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil), pab("aws_s3_bucket_public_access_block.logs", without(allOn, "bucket"), nil, nil)},
			want:    []evaluator.Finding{noBlock},
		},
		{
			name: "a block only in prior_state (a targeted plan) counts",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				{Address: "aws_s3_bucket_public_access_block.data", Type: "aws_s3_bucket_public_access_block", StateOnly: true, After: allOn}},
			want: []evaluator.Finding{pass(id, b, attr, "aws_s3_bucket_public_access_block.data sets all four settings to true")},
		},
		{
			name: "destroying the block fails even if the bucket keeps running",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				{Address: "aws_s3_bucket_public_access_block.data", Type: "aws_s3_bucket_public_access_block", Actions: []string{"delete"}, Before: allOn}},
			want: []evaluator.Finding{fail(id, b, attr,
				"aws_s3_bucket_public_access_block.data is destroyed, which removes the bucket's public access block", expected, "removed")},
		},
		{
			name: "an account-level block with all four true satisfies a bucket without its own",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				{Address: "aws_s3_account_public_access_block.this", Type: "aws_s3_account_public_access_block", Actions: []string{"no-op"},
					Before: without(allOn, "bucket"), After: without(allOn, "bucket")}},
			want: []evaluator.Finding{pass(id, b, attr, "aws_s3_account_public_access_block.this sets all four settings to true for the whole account")},
		},
		{
			name: "an account-level block with a setting off does not help",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				{Address: "aws_s3_account_public_access_block.this", Type: "aws_s3_account_public_access_block",
					After: map[string]any{"block_public_acls": true, "block_public_policy": false, "ignore_public_acls": true, "restrict_public_buckets": true}}},
			want: []evaluator.Finding{noBlock},
		},
		{
			name:   "a destroyed bucket is left to the lifecycle rules",
			change: evaltest.Change{Address: b, Type: "aws_s3_bucket", Actions: []string{"delete"}, Before: map[string]any{"bucket": "example-data"}},
			want:   nil,
		},
	}
	runRuleCases(t, S3PublicAccessBlock{}, tests)
}

func TestS3Encryption(t *testing.T) {
	const id = "aws-s3-encryption"
	const b = "aws_s3_bucket.data"
	const attr = "server_side_encryption_configuration"
	const inline = "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm"
	const kmsExpected = `sse_algorithm "aws:kms" or "aws:kms:dsse"`
	requireKMS := map[string]any{"require_kms": true}
	sse := func(address, algorithm string) evaltest.Change {
		return evaltest.Change{Address: address, Type: "aws_s3_bucket_server_side_encryption_configuration",
			After: map[string]any{"bucket": "example-data", "rule": []any{map[string]any{
				"apply_server_side_encryption_by_default": []any{map[string]any{"sse_algorithm": algorithm}}}}}}
	}
	inlineBlock := func(algorithm string) map[string]any {
		return map[string]any{"server_side_encryption_configuration": []any{map[string]any{"rule": []any{map[string]any{
			"apply_server_side_encryption_by_default": []any{map[string]any{"sse_algorithm": algorithm}}}}}}}
	}
	unknownSSE := evaltest.Change{Address: "aws_s3_bucket_server_side_encryption_configuration.data",
		Type:         "aws_s3_bucket_server_side_encryption_configuration",
		After:        map[string]any{"bucket": "example-data", "rule": []any{map[string]any{"apply_server_side_encryption_by_default": []any{map[string]any{}}}}},
		AfterUnknown: map[string]any{"rule": []any{map[string]any{"apply_server_side_encryption_by_default": []any{map[string]any{"sse_algorithm": true}}}}}}
	tests := []ruleCase{
		{
			name:   "a new bucket without configuration passes on the S3 default",
			change: s3NewBucket(b),
			want: []evaluator.Finding{pass(id, b, attr,
				"no server-side encryption configuration targets this bucket; S3 encrypts new objects with SSE-S3 (AES256) by default since January 2023")},
		},
		{
			name:   "with require_kms a new bucket without configuration fails on the S3 default",
			change: s3NewBucket(b),
			params: requireKMS,
			want: []evaluator.Finding{fail(id, b, attr, "no server-side encryption configuration targets this bucket, so it uses SSE-S3 (AES256)",
				kmsExpected, `not set (provider default "AES256")`)},
		},
		{
			name:    "a separate configuration with SSE-S3 passes by default",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil), sse("aws_s3_bucket_server_side_encryption_configuration.data", "AES256")},
			want: []evaluator.Finding{pass(id, b, attr,
				`aws_s3_bucket_server_side_encryption_configuration.data sets sse_algorithm to "AES256"`)},
		},
		{
			name:    "with require_kms a separate configuration with SSE-S3 fails",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil), sse("aws_s3_bucket_server_side_encryption_configuration.data", "AES256")},
			params:  requireKMS,
			want: []evaluator.Finding{fail(id, b, attr,
				`aws_s3_bucket_server_side_encryption_configuration.data sets sse_algorithm to "AES256"`, kmsExpected, `"AES256"`)},
		},
		{
			name:    "with require_kms a separate configuration with aws:kms passes",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil), sse("aws_s3_bucket_server_side_encryption_configuration.data", "aws:kms")},
			params:  requireKMS,
			want: []evaluator.Finding{pass(id, b, attr,
				`aws_s3_bucket_server_side_encryption_configuration.data sets sse_algorithm to "aws:kms"`)},
		},
		{
			name:    "with require_kms an algorithm known only after apply is unknown",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil), unknownSSE},
			params:  requireKMS,
			want: []evaluator.Finding{s3Unknown(id, b, attr,
				"aws_s3_bucket_server_side_encryption_configuration.data sets sse_algorithm from a value known only after apply, so the plan cannot show it meets the standard",
				kmsExpected)},
		},
		{
			name:    "without require_kms an algorithm known only after apply still passes",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil), unknownSSE},
			want: []evaluator.Finding{pass(id, b, attr,
				"aws_s3_bucket_server_side_encryption_configuration.data sets sse_algorithm from a value known only after apply; every S3 algorithm encrypts")},
		},
		{
			name:   "with require_kms the legacy inline block with aws:kms passes",
			change: s3Bucket(b, "example-data", inlineBlock("aws:kms")),
			params: requireKMS,
			want:   []evaluator.Finding{pass(id, b, attr, inline+` is "aws:kms"`)},
		},
		{
			name:   "with require_kms the inline AES256 read back from an existing bucket fails",
			change: s3Bucket(b, "example-data", inlineBlock("AES256")),
			params: requireKMS,
			want:   []evaluator.Finding{fail(id, b, attr, inline+` is "AES256"`, kmsExpected, `"AES256"`)},
		},
		{
			name: "with require_kms an inline block known only after apply without configuration is unknown",
			change: evaltest.Change{Address: b, Type: "aws_s3_bucket", After: map[string]any{"bucket": "example-data"},
				AfterUnknown: map[string]any{"server_side_encryption_configuration": true}},
			params: requireKMS,
			want: []evaluator.Finding{{RuleID: id, Address: b, ResourceType: "aws_s3_bucket", Attribute: inline, Status: evaluator.StatusUnknown,
				Message: inline + " is known only after apply, so the plan cannot show it meets the standard", Expected: kmsExpected, Actual: "(known after apply)"}},
		},
		{
			name: "with require_kms a configuration only in prior_state counts",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				func() evaltest.Change {
					c := sse("aws_s3_bucket_server_side_encryption_configuration.data", "aws:kms:dsse")
					c.StateOnly = true
					return c
				}()},
			params: requireKMS,
			want: []evaluator.Finding{pass(id, b, attr,
				`aws_s3_bucket_server_side_encryption_configuration.data sets sse_algorithm to "aws:kms:dsse"`)},
		},
		{
			name: "with require_kms destroying the KMS configuration fails",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				{Address: "aws_s3_bucket_server_side_encryption_configuration.data", Type: "aws_s3_bucket_server_side_encryption_configuration",
					Actions: []string{"delete"}, Before: map[string]any{"bucket": "example-data"}}},
			params: requireKMS,
			want: []evaluator.Finding{fail(id, b, attr,
				"aws_s3_bucket_server_side_encryption_configuration.data is destroyed, so the bucket falls back to SSE-S3 (AES256)", kmsExpected, `"AES256"`)},
		},
		{
			name:   "a destroyed bucket is left to the lifecycle rules",
			change: evaltest.Change{Address: b, Type: "aws_s3_bucket", Actions: []string{"delete"}, Before: map[string]any{"bucket": "example-data"}},
			params: requireKMS,
			want:   nil,
		},
	}
	runRuleCases(t, S3Encryption{}, tests)
}

func TestS3MFADelete(t *testing.T) {
	const id = "aws-s3-mfa-delete"
	const b = "aws_s3_bucket.data"
	versioning := func(vc map[string]any, afterUnknown map[string]any) evaltest.Change {
		return evaltest.Change{Address: "aws_s3_bucket_versioning.data", Type: "aws_s3_bucket_versioning",
			After: map[string]any{"bucket": "example-data", "versioning_configuration": []any{vc}}, AfterUnknown: afterUnknown,
			Config: map[string]any{"bucket": map[string]any{"constant_value": "example-data"},
				"versioning_configuration": []any{map[string]any{"status": map[string]any{"constant_value": "Enabled"}}}}}
	}
	tests := []ruleCase{
		{
			name:    "a versioning resource with mfa_delete Enabled passes",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil), versioning(map[string]any{"status": "Enabled", "mfa_delete": "Enabled"}, nil)},
			want:    []evaluator.Finding{pass(id, b, "mfa_delete", `aws_s3_bucket_versioning.data sets versioning_configuration.mfa_delete to "Enabled"`)},
		},
		{
			name:    "a versioning resource with mfa_delete Disabled fails",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil), versioning(map[string]any{"status": "Enabled", "mfa_delete": "Disabled"}, nil)},
			want: []evaluator.Finding{fail(id, b, "mfa_delete", `aws_s3_bucket_versioning.data sets versioning_configuration.mfa_delete to "Disabled"`,
				`"Enabled"`, `"Disabled"`)},
		},
		{
			name: "a versioning resource leaving mfa_delete unset fails with the provider default",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				versioning(map[string]any{"status": "Enabled"}, map[string]any{"versioning_configuration": []any{map[string]any{"mfa_delete": true}}})},
			want: []evaluator.Finding{fail(id, b, "mfa_delete",
				`aws_s3_bucket_versioning.data sets versioning_configuration.mfa_delete to not set (provider default "Disabled")`,
				`"Enabled"`, `not set (provider default "Disabled")`)},
		},
		{
			name: "mfa_delete known only after apply is unknown",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				{Address: "aws_s3_bucket_versioning.data", Type: "aws_s3_bucket_versioning",
					After:        map[string]any{"bucket": "example-data", "versioning_configuration": []any{map[string]any{"status": "Enabled"}}},
					AfterUnknown: map[string]any{"versioning_configuration": []any{map[string]any{"mfa_delete": true}}}}},
			want: []evaluator.Finding{s3Unknown(id, b, "mfa_delete",
				"aws_s3_bucket_versioning.data sets versioning_configuration.mfa_delete from a value known only after apply, so the plan cannot show it meets the standard",
				`"Enabled"`)},
		},
		{
			name:   "the legacy inline mfa_delete = true passes",
			change: s3Bucket(b, "example-data", map[string]any{"versioning": []any{map[string]any{"enabled": true, "mfa_delete": true}}}),
			want:   []evaluator.Finding{pass(id, b, "versioning.mfa_delete", "versioning.mfa_delete is true")},
		},
		{
			name:   "a new bucket with no versioning at all fails",
			change: s3NewBucket(b),
			want: []evaluator.Finding{fail(id, b, "mfa_delete",
				"no aws_s3_bucket_versioning in the plan enables MFA delete on this bucket, and versioning.mfa_delete is not set (provider default false)",
				`"Enabled"`, "not set (provider default false)")},
		},
		{
			name: "destroying the versioning resource fails",
			changes: []evaltest.Change{s3Bucket(b, "example-data", nil),
				{Address: "aws_s3_bucket_versioning.data", Type: "aws_s3_bucket_versioning", Actions: []string{"delete"},
					Before: map[string]any{"bucket": "example-data"}}},
			want: []evaluator.Finding{fail(id, b, "mfa_delete", "aws_s3_bucket_versioning.data is destroyed, which leaves the bucket without MFA delete",
				`"Enabled"`, "removed")},
		},
	}
	runRuleCases(t, S3MFADelete{}, tests)
}

func TestS3ObjectLock(t *testing.T) {
	const id = "aws-s3-object-lock"
	const b = "aws_s3_bucket.data"
	notSet := fail(id, b, "object_lock_enabled",
		"object_lock_enabled is not set (provider default false) and no aws_s3_bucket_object_lock_configuration in the plan targets this bucket",
		"true", "not set (provider default false)")
	tests := []ruleCase{
		{
			name:   "a bucket created with object_lock_enabled passes",
			change: s3Bucket(b, "example-data", map[string]any{"object_lock_enabled": true}),
			want:   []evaluator.Finding{pass(id, b, "object_lock_enabled", "object_lock_enabled is true")},
		},
		{
			name: "the legacy object_lock_configuration block passes",
			change: s3Bucket(b, "example-data", map[string]any{"object_lock_enabled": false,
				"object_lock_configuration": []any{map[string]any{"object_lock_enabled": "Enabled"}}}),
			want: []evaluator.Finding{pass(id, b, "object_lock_configuration.object_lock_enabled", `object_lock_configuration.object_lock_enabled is "Enabled"`)},
		},
		{
			name: "an object lock configuration resource on an existing bucket passes on its default",
			changes: []evaltest.Change{s3Bucket(b, "example-data", map[string]any{"object_lock_enabled": false}),
				{Address: "aws_s3_bucket_object_lock_configuration.data", Type: "aws_s3_bucket_object_lock_configuration",
					After: map[string]any{"bucket": "example-data"}}},
			want: []evaluator.Finding{pass(id, b, "object_lock_enabled",
				`aws_s3_bucket_object_lock_configuration.data sets object_lock_enabled to not set (provider default "Enabled")`)},
		},
		{
			name:   "a new bucket without object lock fails",
			change: s3NewBucket(b),
			want:   []evaluator.Finding{notSet},
		},
		{
			name:   "object_lock_enabled = false fails",
			change: s3Bucket(b, "example-data", map[string]any{"object_lock_enabled": false}),
			want: []evaluator.Finding{fail(id, b, "object_lock_enabled",
				"object_lock_enabled is false and no aws_s3_bucket_object_lock_configuration in the plan targets this bucket", "true", "false")},
		},
		{
			name: "object_lock_enabled written from a value known only after apply is unknown",
			change: evaltest.Change{Address: b, Type: "aws_s3_bucket", After: map[string]any{"bucket": "example-data"},
				AfterUnknown: map[string]any{"object_lock_enabled": true},
				Config:       map[string]any{"object_lock_enabled": map[string]any{"references": []any{"var.lock"}}}},
			want: []evaluator.Finding{unknown(id, b, "object_lock_enabled", "true")},
		},
		{
			name:   "a destroyed bucket is left to the lifecycle rules",
			change: evaltest.Change{Address: b, Type: "aws_s3_bucket", Actions: []string{"delete"}, Before: map[string]any{"bucket": "example-data"}},
			want:   nil,
		},
	}
	runRuleCases(t, S3ObjectLock{}, tests)
}
