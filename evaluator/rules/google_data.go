package rules

import (
	"fmt"
	"strconv"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// Deletion protection of Google Cloud data stores other than Cloud SQL and GKE:
// BigQuery tables, Spanner databases, Bigtable instances and tables, and
// Firestore databases. Terraform-side flags (deletion_protection, default true)
// only stop Terraform; API-side flags (Spanner drop protection, Bigtable table
// and Firestore delete protection) stop every caller. The flag-only ones
// (BigQuery, Spanner, Bigtable instances) are rows of boolTable; the string-valued
// ones are here.

// GoogleBigtableTableDeletionProtection requires Bigtable's own table protection.
type GoogleBigtableTableDeletionProtection struct{}

func (GoogleBigtableTableDeletionProtection) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-bigtable-table-deletion-protection",
		Title:         "Bigtable tables have Bigtable deletion protection enabled",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"google_bigtable_table"},
		Doc: evaluator.RuleDoc{
			Summary: "On google_bigtable_table, deletion_protection is not a Terraform flag but a Bigtable setting with the " +
				"values \"PROTECTED\" and \"UNPROTECTED\": while the table is PROTECTED, Bigtable refuses to delete the table, " +
				"its column families or the instance that holds it, whoever asks. Unset means UNPROTECTED (the API default). " +
				"Not judged (no finding): destroyed or forgotten tables.",
			Pass: "google_bigtable_table that will exist after apply (create, update, no-op, replace) with deletion_protection = " +
				"\"PROTECTED\".",
			Fail: "deletion_protection = \"UNPROTECTED\", any other value, or not set (API default \"UNPROTECTED\"), including a " +
				"change from \"PROTECTED\" to anything else.",
			Unknown: "deletion_protection is known only after apply (the configuration sets it from a value not yet known, or " +
				"the plan has no configuration section to show it is not written).",
			Remediation: "Set `deletion_protection = \"PROTECTED\"`. To retire the table, set it to \"UNPROTECTED\" in a reviewed " +
				"change of its own.",
			Example: "resource \"google_bigtable_table\" \"events\" {\n  name                = \"events\"\n  instance_name       = google_bigtable_instance.main.name\n  deletion_protection = \"PROTECTED\"\n}",
		},
	}
}

func (GoogleBigtableTableDeletionProtection) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{googleRequireString(c, r, "deletion_protection", "PROTECTED", "UNPROTECTED")}
}

// GoogleFirestoreDeleteProtection requires Firestore's own delete protection.
type GoogleFirestoreDeleteProtection struct{}

func (GoogleFirestoreDeleteProtection) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-firestore-database-delete-protection",
		Title:         "Firestore databases have delete protection enabled",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"google_firestore_database"},
		Doc: evaluator.RuleDoc{
			Summary: "delete_protection_state = \"DELETE_PROTECTION_ENABLED\" makes Firestore refuse to delete the database, " +
				"whoever asks. The Terraform-side deletion_policy is a different thing: with its default \"ABANDON\", " +
				"`terraform destroy` only forgets the database, while \"DELETE\" deletes it; neither stops the console, gcloud " +
				"or the API, so this rule judges only delete_protection_state. The provider default " +
				"\"DELETE_PROTECTION_STATE_UNSPECIFIED\" currently means disabled. Not judged (no finding): destroyed or " +
				"forgotten databases.",
			Pass: "google_firestore_database that will exist after apply (create, update, no-op, replace) with " +
				"delete_protection_state = \"DELETE_PROTECTION_ENABLED\".",
			Fail: "delete_protection_state = \"DELETE_PROTECTION_DISABLED\", \"DELETE_PROTECTION_STATE_UNSPECIFIED\", any other " +
				"value, or not set (provider default \"DELETE_PROTECTION_STATE_UNSPECIFIED\"), including a change that turns it off.",
			Unknown: "delete_protection_state is known only after apply (the configuration sets it from a value not yet known, " +
				"or the plan has no configuration section to show it is not written).",
			Remediation: "Set `delete_protection_state = \"DELETE_PROTECTION_ENABLED\"`. To retire the database, disable it in a " +
				"reviewed change of its own (and set `deletion_policy = \"DELETE\"` if Terraform should delete it).",
			Example: "resource \"google_firestore_database\" \"main\" {\n  name                    = \"(default)\"\n  location_id             = \"eur3\"\n  type                    = \"FIRESTORE_NATIVE\"\n  delete_protection_state = \"DELETE_PROTECTION_ENABLED\"\n}",
		},
	}
}

func (GoogleFirestoreDeleteProtection) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{googleRequireString(c, r, "delete_protection_state", "DELETE_PROTECTION_ENABLED", "DELETE_PROTECTION_STATE_UNSPECIFIED")}
}

// googleRequireString is the check "string attribute must be want", with the
// provider default used when the attribute is unset ("" for none).
func googleRequireString(c *evaluator.Context, r *tfplan.Resource, path, want, providerDefault string) evaluator.Finding {
	var def any
	if providerDefault != "" {
		def = providerDefault
	}
	e := evaluator.EffectiveAfter(r, path, def)
	expected := strconv.Quote(want)
	if !e.Known() {
		if e.Value.State == tfplan.Unknown {
			return c.Unknown(r, path, expected)
		}
		return c.Fail(r, path, path+" is not set", expected, e.Display())
	}
	if s, ok := e.Raw.(string); !ok || s != want {
		return c.Fail(r, path, fmt.Sprintf("%s is %s", path, e.Display()), expected, e.Display())
	}
	return c.Pass(r, path, fmt.Sprintf("%s is %s", path, e.Display()))
}
