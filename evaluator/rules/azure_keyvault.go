package rules

import "github.com/prodgate/prodgate/evaluator"

// AzureKeyVaultPurgeProtection requires purge protection on Key Vaults.
type AzureKeyVaultPurgeProtection struct{}

func (AzureKeyVaultPurgeProtection) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-key-vault-purge-protection",
		Title:         "Key Vaults have purge protection",
		Severity:      evaluator.SeverityHigh,
		Category:      "deletion-protection",
		Provider:      "azurerm",
		ResourceTypes: []string{"azurerm_key_vault"},
		References:    []string{"CKV_AZURE_110", "CKV_AZURE_42", "AVD-AZU-0016"},
		Doc: evaluator.RuleDoc{
			Summary: "Soft delete keeps a deleted vault and its keys recoverable, but without purge protection anyone with purge " +
				"rights (or the azurerm provider's purge_soft_delete_on_destroy feature) can erase them at once, and every " +
				"disk, database or storage account encrypted with those keys becomes unreadable.",
			Pass:    "azurerm_key_vault that will exist after apply (create, update, no-op, replace) with purge_protection_enabled = true.",
			Fail:    "purge_protection_enabled = false, or not set (the azurerm provider default is false).",
			Unknown: "purge_protection_enabled is known only after apply (computed from a value not yet known).",
			Remediation: "Set `purge_protection_enabled = true`. Azure cannot turn it off again, and a deleted vault then stays " +
				"reserved for its soft_delete_retention_days (7 to 90).",
			Example: "resource \"azurerm_key_vault\" \"main\" {\n  sku_name                   = \"standard\"\n  soft_delete_retention_days = 90\n  purge_protection_enabled   = true\n}",
		},
	}
}

func (AzureKeyVaultPurgeProtection) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "purge_protection_enabled", true, false)}
}
