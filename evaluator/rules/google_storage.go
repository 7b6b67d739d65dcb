package rules

import "github.com/prodgate/prodgate/evaluator"

// googleStorageTypes are the Cloud Storage resource types these rules judge.
var googleStorageTypes = []string{"google_storage_bucket"}

// GoogleStorageVersioning requires object versioning on Cloud Storage buckets.
type GoogleStorageVersioning struct{}

func (GoogleStorageVersioning) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-storage-versioning",
		Title:         "Cloud Storage buckets have object versioning enabled",
		Severity:      evaluator.SeverityMedium,
		Category:      "backup",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: googleStorageTypes,
		References:    []string{"CKV_GCP_78", "GCP-0078", "AVD-GCP-0078"},
		Doc: evaluator.RuleDoc{
			Summary: "Without versioning an overwrite destroys the previous object for good, and a delete is recoverable only " +
				"while soft delete keeps it. With versioning, earlier generations stay as noncurrent versions and can be " +
				"restored. Not judged (no finding): destroyed or forgotten buckets (the lifecycle rules cover them).",
			Pass: "google_storage_bucket that will exist after apply (create, update, no-op, replace) with versioning.enabled = true.",
			Fail: "versioning.enabled = false, or no versioning block (provider and Cloud Storage default: unversioned), " +
				"including a change that turns it off.",
			Unknown: "versioning.enabled is known only after apply because the configuration sets it from a value not yet " +
				"known (an unset value is judged as the default false when the plan's configuration shows it is not written).",
			Remediation: "Add `versioning { enabled = true }` to the bucket, with a lifecycle rule that deletes noncurrent " +
				"versions after the retention you need.",
			Example: "resource \"google_storage_bucket\" \"data\" {\n  name     = \"example-data\"\n  location = \"EU\"\n\n  versioning {\n    enabled = true\n  }\n}",
		},
	}
}

func (GoogleStorageVersioning) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "versioning.enabled", true, false)}
}

// GoogleStoragePublicAccessPrevention requires public access prevention to be
// enforced on the bucket itself.
type GoogleStoragePublicAccessPrevention struct{}

func (GoogleStoragePublicAccessPrevention) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-storage-public-access-prevention",
		Title:         "Cloud Storage buckets enforce public access prevention",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "google",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: googleStorageTypes,
		References:    []string{"CKV_GCP_114"},
		Doc: evaluator.RuleDoc{
			Summary: "With public_access_prevention = \"enforced\", Cloud Storage refuses any IAM binding or ACL that grants " +
				"allUsers or allAuthenticatedUsers, so one mistaken grant cannot publish the bucket. \"inherited\" (the default) " +
				"follows the storage.publicAccessPrevention organization policy, which a plan cannot see: the bucket may be " +
				"protected by its organization or not at all. prodgate judges what the plan shows and asks for \"enforced\" on " +
				"the bucket; where an organization policy already enforces it, setting it on the bucket costs nothing, or the " +
				"rule can be waived with that reason. Not judged (no finding): destroyed or forgotten buckets.",
			Pass: "google_storage_bucket that will exist after apply (create, update, no-op, replace) with " +
				"public_access_prevention = \"enforced\".",
			Fail: "public_access_prevention = \"inherited\", any other value, or not set (provider default \"inherited\"), " +
				"including a change from \"enforced\" to \"inherited\".",
			Unknown: "public_access_prevention is known only after apply because the configuration sets it from a value not " +
				"yet known (an unset value is judged as the default \"inherited\" when the plan's configuration shows it is " +
				"not written).",
			Remediation: "Set `public_access_prevention = \"enforced\"` on the bucket (and `uniform_bucket_level_access = true`). " +
				"Buckets that must serve public content belong outside the production scope or under a waiver.",
			Example: "resource \"google_storage_bucket\" \"data\" {\n  name                        = \"example-data\"\n  location                    = \"EU\"\n  public_access_prevention    = \"enforced\"\n  uniform_bucket_level_access = true\n}",
		},
	}
}

func (GoogleStoragePublicAccessPrevention) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{googleRequireString(c, r, "public_access_prevention", "enforced", "inherited")}
}

// GoogleStorageNoForceDestroy forbids force_destroy on buckets, which lets
// Terraform delete a bucket together with every object in it.
type GoogleStorageNoForceDestroy struct{}

func (GoogleStorageNoForceDestroy) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-storage-no-force-destroy",
		Title:         "Cloud Storage buckets cannot be destroyed with their objects",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: googleStorageTypes,
		Doc: evaluator.RuleDoc{
			Summary: "Cloud Storage refuses to delete a bucket that still holds objects; that refusal is the only thing that " +
				"stops a `terraform destroy`, a removed resource or a forced replacement (a changed name or location) from " +
				"deleting the data. force_destroy = true makes the provider delete every object first, so the bucket and its " +
				"contents go in one apply. Not judged (no finding): destroyed or forgotten buckets (the lifecycle rules cover them).",
			Pass: "google_storage_bucket that will exist after apply (create, update, no-op, replace) with force_destroy = false, " +
				"or not set (provider default false).",
			Fail:    "force_destroy = true, including a change that turns it from false to true.",
			Unknown: "force_destroy is known only after apply (computed from a value not yet known).",
			Remediation: "Remove `force_destroy = true`. To retire a bucket, empty it on purpose or set force_destroy in a " +
				"reviewed change of its own.",
			Example: "resource \"google_storage_bucket\" \"data\" {\n  name          = \"example-data\"\n  location      = \"EU\"\n  force_destroy = false\n}",
		},
	}
}

func (GoogleStorageNoForceDestroy) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "force_destroy", false, false)}
}
