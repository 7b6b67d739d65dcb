package rules

import (
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// googleStorageTypes are the Cloud Storage resource types these rules judge.
var googleStorageTypes = []string{"google_storage_bucket"}

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

func (GoogleStoragePublicAccessPrevention) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{googleRequireString(c, r, "public_access_prevention", "enforced", "inherited")}
}
