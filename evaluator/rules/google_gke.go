package rules

import "github.com/prodgate/prodgate/evaluator"

// GoogleGKEDeletionProtection requires the Terraform-side deletion_protection
// flag on GKE clusters.
type GoogleGKEDeletionProtection struct{}

func (GoogleGKEDeletionProtection) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-gke-deletion-protection",
		Title:         "GKE clusters keep Terraform deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"google_container_cluster"},
		Doc: evaluator.RuleDoc{
			Summary: "Deleting a GKE cluster takes its workloads, node pools and persistent volumes whose reclaim policy is Delete " +
				"with it. deletion_protection makes a `terraform destroy` or a forced replacement of the cluster fail.",
			Pass: "google_container_cluster that will exist after apply (create, update, no-op, replace) with deletion_protection = true, " +
				"or not set (provider default true since google provider 5.0, which writes the default into the plan).",
			Fail:    "deletion_protection = false, including a change that turns it from true to false.",
			Unknown: "deletion_protection is known only after apply (computed from a value not yet known).",
			Remediation: "Remove `deletion_protection = false` or set `deletion_protection = true`. To retire the cluster, turn it off " +
				"in a reviewed change of its own.",
			Example: "resource \"google_container_cluster\" \"main\" {\n  name                = \"prod\"\n  location            = \"europe-west1\"\n  deletion_protection = true\n}",
		},
	}
}

func (GoogleGKEDeletionProtection) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "deletion_protection", true, true)}
}
