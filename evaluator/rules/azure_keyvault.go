package rules

import (
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// azureKeyVaultDefaultSoftDeleteDays is the azurerm default (and Azure maximum)
// for soft_delete_retention_days.
const azureKeyVaultDefaultSoftDeleteDays = int64(90)

// AzureKeyVaultSoftDelete requires a long soft-delete retention on Key Vaults.
type AzureKeyVaultSoftDelete struct{}

func (AzureKeyVaultSoftDelete) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-key-vault-soft-delete",
		Title:         "Key Vaults keep deleted vaults and keys recoverable long enough",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"azurerm_key_vault"},
		References:    []string{"CKV_AZURE_111", "AVD-AZU-0016"},
		Params: []evaluator.ParamSpec{{
			Name:    "min_days",
			Kind:    evaluator.ParamInt,
			Default: azureKeyVaultDefaultSoftDeleteDays,
			Source: "90 days: the azurerm default for soft_delete_retention_days and the longest Azure allows " +
				"(\"between 7 and 90 (the default) days\", azurerm key_vault docs)",
			Doc: "Fewest days a deleted vault, key, secret or certificate must stay recoverable.",
		}},
		Doc: evaluator.RuleDoc{
			Summary: "Soft delete is the window in which a deleted vault, key, secret or certificate can be recovered; after it, " +
				"data encrypted with a lost key is unreadable. Azure no longer lets new vaults turn soft delete off (azurerm " +
				"3.0 removed soft_delete_enabled), so the setting that matters is how long it lasts, which can only be " +
				"chosen when the vault is created. A plan from azurerm 2.x with soft_delete_enabled = false fails. Not " +
				"judged (no finding): destroyed or forgotten vaults (the lifecycle rules cover them).",
			Pass: "azurerm_key_vault that will exist after apply with soft_delete_retention_days >= min_days (default 90), or " +
				"not set when min_days <= 90 (azurerm default 90; an unset value that shows as known after apply on create " +
				"counts as the default when the configuration does not write it), and soft_delete_enabled not false.",
			Fail: "soft_delete_retention_days below min_days, or soft_delete_enabled = false (azurerm 2.x plans).",
			Unknown: "soft_delete_retention_days is known only after apply and the configuration writes it (or the plan has " +
				"no configuration section to show that it was left unset).",
			Remediation: "Set `soft_delete_retention_days = 90` (or at least min_days) when creating the vault; an existing " +
				"vault keeps the retention it was created with, so lowering it is impossible and raising it needs a new vault.",
			Example: "resource \"azurerm_key_vault\" \"main\" {\n  sku_name                   = \"standard\"\n  soft_delete_retention_days = 90\n  purge_protection_enabled   = true\n}",
		},
	}
}

func (AzureKeyVaultSoftDelete) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	if enabled, ok := r.After("soft_delete_enabled").Bool(); ok && !enabled {
		return []evaluator.Finding{c.Fail(r, "soft_delete_enabled", "soft_delete_enabled is false", "true", "false")}
	}
	return []evaluator.Finding{evaluator.RequireAtLeast(c, r, "soft_delete_retention_days", c.Int("min_days"), azureKeyVaultDefaultSoftDeleteDays)}
}
