package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestAzureKeyVaultSoftDelete(t *testing.T) {
	const id = "azure-key-vault-soft-delete"
	const addr = "azurerm_key_vault.this"
	const attr = "soft_delete_retention_days"
	tests := []ruleCase{
		{
			name:   "a vault keeping deleted items for 90 days passes",
			change: evaltest.Change{Type: "azurerm_key_vault", After: map[string]any{attr: 90}},
			want:   []evaluator.Finding{pass(id, addr, attr, "soft_delete_retention_days is 90")},
		},
		{
			name:   "a vault keeping deleted items for 7 days fails",
			change: evaltest.Change{Type: "azurerm_key_vault", After: map[string]any{attr: 7}},
			want: []evaluator.Finding{fail(id, addr, attr,
				"soft_delete_retention_days is 7, below the minimum of 90", ">= 90", "7")},
		},
		{
			name:   "a vault meeting a lowered minimum passes",
			change: evaltest.Change{Type: "azurerm_key_vault", After: map[string]any{attr: 30}},
			params: map[string]any{"min_days": int64(30)},
			want:   []evaluator.Finding{pass(id, addr, attr, "soft_delete_retention_days is 30")},
		},
		{
			name:   "an unset value passes on the azurerm default of 90",
			change: evaltest.Change{Type: "azurerm_key_vault", After: map[string]any{"sku_name": "standard"}},
			want:   []evaluator.Finding{pass(id, addr, attr, "soft_delete_retention_days is not set (provider default 90)")},
		},
		{
			name: "a configured value known only after apply is unknown",
			change: evaltest.Change{Type: "azurerm_key_vault", After: map[string]any{},
				AfterUnknown: map[string]any{attr: true},
				Config:       map[string]any{attr: map[string]any{"references": []any{"var.retention"}}}},
			want: []evaluator.Finding{unknown(id, addr, attr, ">= 90")},
		},
		{
			name:   "an azurerm 2.x vault with soft delete off fails",
			change: evaltest.Change{Type: "azurerm_key_vault", After: map[string]any{"soft_delete_enabled": false, attr: 90}},
			want:   []evaluator.Finding{fail(id, addr, "soft_delete_enabled", "soft_delete_enabled is false", "true", "false")},
		},
		{
			name:   "a destroyed vault is left to the lifecycle rules",
			change: evaltest.Change{Type: "azurerm_key_vault", Actions: []string{"delete"}, Before: map[string]any{attr: 7}},
			want:   nil,
		},
	}
	runRuleCases(t, AzureKeyVaultSoftDelete{}, tests)
}
