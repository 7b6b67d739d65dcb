package rules

import (
	"fmt"

	"github.com/prodgate/prodgate/evaluator"
)

// S3Versioning requires object versioning on buckets, set either by the
// legacy inline versioning block or by an aws_s3_bucket_versioning resource.
type S3Versioning struct{}

func (S3Versioning) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-s3-versioning",
		Title:         "S3 buckets have versioning enabled",
		Severity:      evaluator.SeverityMedium,
		Category:      "backup",
		Provider:      "aws",
		ResourceTypes: []string{"aws_s3_bucket"},
		References:    []string{"CKV_AWS_21", "AVD-AWS-0090", "AWS FSBP S3.14"},
		Doc: evaluator.RuleDoc{
			Summary: "Without versioning an overwrite or delete destroys the object for good; with it, earlier versions " +
				"can be restored. Findings are reported on the aws_s3_bucket. An aws_s3_bucket_versioning resource " +
				"targets a bucket when both bucket names are known (its after.bucket against the bucket's after.bucket " +
				"or after.id) and equal, or, when a name is not known, when its `bucket` expression references the " +
				"bucket resource in the same module instance. Not judged (no finding): destroyed or forgotten buckets " +
				"(the lifecycle rules cover them).",
			Pass: "aws_s3_bucket that will exist after apply (create, update, no-op, replace), and: every " +
				"aws_s3_bucket_versioning in the plan that targets it and will exist after apply sets " +
				"versioning_configuration.status = \"Enabled\" (at least one such resource); or, when no such resource " +
				"targets it, the legacy inline block has versioning.enabled = true.",
			Fail: "A targeting aws_s3_bucket_versioning sets versioning_configuration.status to anything other than " +
				"\"Enabled\" (\"Suspended\", \"Disabled\"), or is destroyed by this plan (destroying it suspends " +
				"versioning; this counts even if another targeting resource enables it, because the order of the two " +
				"is not fixed); or no targeting resource exists and versioning.enabled is false or not set (the AWS " +
				"default is unversioned). A versioning resource whose bucket name is unknown and that does not " +
				"reference the bucket does not count.",
			Unknown: "No targeting resource fails, and either a targeting aws_s3_bucket_versioning has " +
				"versioning_configuration.status known only after apply, or no targeting resource exists and " +
				"versioning.enabled is known only after apply while the configuration writes the versioning block " +
				"(or the plan has no configuration section).",
			Remediation: "Add an `aws_s3_bucket_versioning` resource with `bucket = aws_s3_bucket.<name>.id` and " +
				"`versioning_configuration { status = \"Enabled\" }` (AWS provider v4+), or `versioning { enabled = true }` " +
				"on the bucket with provider v3.",
			Example: "resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"example-data\"\n}\n\n" +
				"resource \"aws_s3_bucket_versioning\" \"data\" {\n  bucket = aws_s3_bucket.data.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}",
		},
	}
}

func (S3Versioning) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "versioning"
	const expected = `"Enabled"`
	var enabled, unknownBy string
	for _, v := range c.Plan.ResourcesOfType("aws_s3_bucket_versioning") {
		switch {
		case v.Exists():
			if !s3VersioningTargets(v, v.After("bucket"), r) {
				continue
			}
			status := v.After("versioning_configuration.status")
			if s, ok := status.Str(); ok && s == "Enabled" {
				enabled = v.Address
				continue
			}
			if status.State == evaluator.Unknown {
				unknownBy = v.Address
				continue
			}
			return []evaluator.Finding{c.Fail(r, attr,
				fmt.Sprintf("%s sets versioning_configuration.status to %s", v.Address, status.Display()),
				expected, status.Display())}
		case v.Deletes() && !v.Forgets():
			// Gone from the configuration: only its last known bucket name can match.
			if !s3VersioningTargets(v, v.Before("bucket"), r) {
				continue
			}
			return []evaluator.Finding{c.Fail(r, attr,
				fmt.Sprintf("%s is destroyed, which suspends versioning on the bucket", v.Address),
				expected, `"Suspended"`)}
		}
	}
	switch {
	case unknownBy != "":
		f := c.Finding(r, evaluator.StatusUnknown, attr,
			unknownBy+" sets versioning_configuration.status from a value known only after apply, so the plan cannot show it meets the standard")
		f.Expected, f.Actual = expected, "(known after apply)"
		return []evaluator.Finding{f}
	case enabled != "":
		return []evaluator.Finding{c.Pass(r, attr, enabled+` sets versioning_configuration.status to "Enabled"`)}
	}
	inline := evaluator.EffectiveAfter(r, "versioning.enabled", false)
	if !inline.Known() {
		return []evaluator.Finding{c.Unknown(r, "versioning.enabled", "true")}
	}
	if b, ok := inline.Value.Bool(); ok && b && !inline.Defaulted {
		return []evaluator.Finding{c.Pass(r, "versioning.enabled", "versioning.enabled is true")}
	}
	return []evaluator.Finding{c.Fail(r, attr,
		"no aws_s3_bucket_versioning in the plan enables versioning on this bucket, and versioning.enabled is "+inline.Display(),
		expected, inline.Display())}
}

// s3VersioningTargets reports whether the aws_s3_bucket_versioning v (whose
// bucket value is name) is about bucket. Known names decide; otherwise the
// configuration reference does, within the same module instance.
func s3VersioningTargets(v *evaluator.Resource, name evaluator.Value, bucket *evaluator.Resource) bool {
	if n, ok := name.Str(); ok && n != "" {
		for _, attr := range []string{"bucket", "id"} {
			if b, ok := bucket.After(attr).Str(); ok && b != "" {
				return b == n
			}
		}
	}
	return v.ModuleAddress == bucket.ModuleAddress &&
		evaluator.ReferencesResource(v.ConfigReferences("bucket"), bucket)
}
