package tfplan_test

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestExistingAndTargets(t *testing.T) {
	p := evaltest.Plan(t,
		evaltest.Change{Address: "aws_s3_bucket.logs", Type: "aws_s3_bucket", After: map[string]any{"bucket": "acme-logs", "id": "acme-logs"}},
		evaltest.Change{Address: `module.m["a"].aws_s3_bucket.data`, ModuleAddress: `module.m["a"]`, Type: "aws_s3_bucket", After: map[string]any{},
			AfterUnknown: map[string]any{"bucket": true, "id": true}},
		evaltest.Change{Address: `module.m["a"].aws_s3_bucket_versioning.data`, ModuleAddress: `module.m["a"]`, Type: "aws_s3_bucket_versioning",
			After: map[string]any{}, AfterUnknown: map[string]any{"bucket": true},
			Config: map[string]any{"bucket": map[string]any{"references": []any{"aws_s3_bucket.data.id", "aws_s3_bucket.data"}}}},
		evaltest.Change{Address: "aws_s3_bucket_versioning.logs", Type: "aws_s3_bucket_versioning", StateOnly: true,
			After: map[string]any{"bucket": "acme-logs"}},
		evaltest.Change{Address: "aws_s3_bucket_versioning.gone", Type: "aws_s3_bucket_versioning", Actions: []string{"delete"},
			Before: map[string]any{"bucket": "acme-logs"}},
	)
	versionings := p.Existing("aws_s3_bucket_versioning")
	if len(versionings) != 2 {
		t.Fatalf("want the planned one and the one only in prior_state, got %d", len(versionings))
	}
	buckets := p.ResourcesOfType("aws_s3_bucket")
	logs, data := buckets[0], buckets[1]
	byModule, stateOnly := versionings[0], versionings[1]
	if !byModule.Targets("bucket", data, "bucket", "id") || byModule.Targets("bucket", logs, "bucket", "id") {
		t.Error("a configuration reference in the same module instance must decide when names are unknown")
	}
	if !stateOnly.Targets("bucket", logs, "bucket", "id") || stateOnly.Targets("bucket", data, "bucket", "id") {
		t.Error("a known bucket name must decide")
	}
	gone := p.ResourcesOfType("aws_s3_bucket_versioning")[1]
	if !gone.Targets("bucket", logs, "bucket", "id") {
		t.Error("a destroyed resource is matched by its value before the plan")
	}
}
