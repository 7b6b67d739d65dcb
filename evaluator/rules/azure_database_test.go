package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestAzureDBBackupRetention(t *testing.T) {
	const id = "azure-db-backup-retention"
	const attr = "backup_retention_days"
	const pgFlex = "azurerm_postgresql_flexible_server.this"
	tests := []ruleCase{
		{
			name:   "a PostgreSQL flexible server keeping 14 days passes",
			change: evaltest.Change{Type: "azurerm_postgresql_flexible_server", After: map[string]any{attr: 14}},
			want:   []evaluator.Finding{pass(id, pgFlex, attr, "backup_retention_days is 14")},
		},
		{
			name:   "a MySQL flexible server keeping exactly the minimum passes",
			change: evaltest.Change{Type: "azurerm_mysql_flexible_server", After: map[string]any{attr: 7}},
			want:   []evaluator.Finding{pass(id, "azurerm_mysql_flexible_server.this", attr, "backup_retention_days is 7")},
		},
		{
			name:   "a MySQL flexible server keeping 3 days fails",
			change: evaltest.Change{Type: "azurerm_mysql_flexible_server", After: map[string]any{attr: 3}},
			want: []evaluator.Finding{fail(id, "azurerm_mysql_flexible_server.this", attr,
				"backup_retention_days is 3, below the minimum of 7", ">= 7", "3")},
		},
		{
			name:   "a single-server PostgreSQL below a raised minimum fails",
			change: evaltest.Change{Type: "azurerm_postgresql_server", After: map[string]any{attr: 14}},
			params: map[string]any{"min_days": int64(30)},
			want: []evaluator.Finding{fail(id, "azurerm_postgresql_server.this", attr,
				"backup_retention_days is 14, below the minimum of 30", ">= 30", "14")},
		},
		{
			name:   "a single-server MySQL at 35 days passes",
			change: evaltest.Change{Type: "azurerm_mysql_server", After: map[string]any{attr: 35}},
			want:   []evaluator.Finding{pass(id, "azurerm_mysql_server.this", attr, "backup_retention_days is 35")},
		},
		{
			name:   "an unset value passes on the Azure default of 7 days",
			change: evaltest.Change{Type: "azurerm_postgresql_flexible_server", After: map[string]any{attr: nil}},
			want:   []evaluator.Finding{pass(id, pgFlex, attr, "backup_retention_days is not set (provider default 7)")},
		},
		{
			name:   "an unset value fails when the minimum is above the default",
			change: evaltest.Change{Type: "azurerm_postgresql_flexible_server", After: map[string]any{}},
			params: map[string]any{"min_days": int64(14)},
			want: []evaluator.Finding{fail(id, pgFlex, attr,
				"backup_retention_days is not set (provider default 7), below the minimum of 14", ">= 14", "not set (provider default 7)")},
		},
		{
			name: "a computed value the configuration does not write counts as the default",
			change: evaltest.Change{Type: "azurerm_postgresql_flexible_server", After: map[string]any{"sku_name": "GP_Standard_D2s_v3"},
				AfterUnknown: map[string]any{attr: true},
				Config:       map[string]any{"sku_name": map[string]any{"constant_value": "GP_Standard_D2s_v3"}}},
			want: []evaluator.Finding{pass(id, pgFlex, attr, "backup_retention_days is not set (provider default 7)")},
		},
		{
			name: "a configured value known only after apply is unknown",
			change: evaltest.Change{Type: "azurerm_postgresql_flexible_server", After: map[string]any{},
				AfterUnknown: map[string]any{attr: true},
				Config:       map[string]any{attr: map[string]any{"references": []any{"var.retention"}}}},
			want: []evaluator.Finding{unknown(id, pgFlex, attr, ">= 7")},
		},
		{
			name: "a computed value with no configuration to read is unknown",
			change: evaltest.Change{Type: "azurerm_mysql_flexible_server", After: map[string]any{},
				AfterUnknown: map[string]any{attr: true}},
			want: []evaluator.Finding{unknown(id, "azurerm_mysql_flexible_server.this", attr, ">= 7")},
		},
		{
			name: "shortening retention on an existing server fails",
			change: evaltest.Change{Type: "azurerm_postgresql_flexible_server", Actions: []string{"update"},
				Before: map[string]any{attr: 35}, After: map[string]any{attr: 5}},
			want: []evaluator.Finding{fail(id, pgFlex, attr,
				"backup_retention_days is 5, below the minimum of 7", ">= 7", "5")},
		},
		{
			name:   "a destroyed server is left to the lifecycle rules",
			change: evaltest.Change{Type: "azurerm_mysql_server", Actions: []string{"delete"}, Before: map[string]any{attr: 1}},
			want:   nil,
		},
	}
	runRuleCases(t, AzureDBBackupRetention{}, tests)
}
