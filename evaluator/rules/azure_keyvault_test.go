package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestAzureKeyVaultPurgeProtection(t *testing.T) {
	const id = "azure-key-vault-purge-protection"
	const addr = "azurerm_key_vault.this"
	const attr = "purge_protection_enabled"
	tests := []ruleCase{
		{
			name:   "a vault with purge protection passes",
			change: evaltest.Change{Type: "azurerm_key_vault", After: map[string]any{attr: true}},
			want:   []evaluator.Finding{pass(id, addr, attr, "purge_protection_enabled is true")},
		},
		{
			name:   "a vault with purge protection off fails",
			change: evaltest.Change{Type: "azurerm_key_vault", After: map[string]any{attr: false}},
			want:   []evaluator.Finding{fail(id, addr, attr, "purge_protection_enabled is false", "true", "false")},
		},
		{
			name:   "an unset attribute fails with the provider default named",
			change: evaltest.Change{Type: "azurerm_key_vault", After: map[string]any{"sku_name": "standard"}},
			want: []evaluator.Finding{fail(id, addr, attr,
				"purge_protection_enabled is not set (provider default false)", "true", "not set (provider default false)")},
		},
		{
			name: "a value known only after apply is unknown",
			change: evaltest.Change{Type: "azurerm_key_vault", After: map[string]any{},
				AfterUnknown: map[string]any{attr: true},
				Config:       map[string]any{attr: map[string]any{"references": []any{"var.purge_protection"}}}},
			want: []evaluator.Finding{unknown(id, addr, attr, "true")},
		},
		{
			name: "a vault replaced without purge protection fails",
			change: evaltest.Change{Type: "azurerm_key_vault", Actions: []string{"delete", "create"},
				Before: map[string]any{attr: true}, After: map[string]any{attr: false}},
			want: []evaluator.Finding{fail(id, addr, attr, "purge_protection_enabled is false", "true", "false")},
		},
		{
			name:   "a destroyed vault is left to the lifecycle rules",
			change: evaltest.Change{Type: "azurerm_key_vault", Actions: []string{"delete"}, Before: map[string]any{attr: false}},
			want:   nil,
		},
	}
	runRuleCases(t, AzureKeyVaultPurgeProtection{}, tests)
}
