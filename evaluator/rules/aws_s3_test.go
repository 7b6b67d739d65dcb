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
	}
	runRuleCases(t, S3Versioning{}, tests)
}
