package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

const sqlDB = "azurerm_mssql_database.this"

func TestAzureMSSQLShortTermRetention(t *testing.T) {
	const id = "azure-mssql-short-term-retention"
	const attr = "short_term_retention_policy.retention_days"
	str := func(days any) map[string]any {
		return map[string]any{"short_term_retention_policy": []any{map[string]any{"retention_days": days, "backup_interval_in_hours": 12}}}
	}
	tests := []ruleCase{
		{
			name:   "a database keeping 14 days of point-in-time restore passes",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: str(14)},
			want:   []evaluator.Finding{pass(id, sqlDB, attr, "short_term_retention_policy.retention_days is 14")},
		},
		{
			name:   "a database keeping 1 day fails",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: str(1)},
			want: []evaluator.Finding{fail(id, sqlDB, attr,
				"short_term_retention_policy.retention_days is 1, below the minimum of 7", ">= 7", "1")},
		},
		{
			name:   "a database below a raised minimum fails",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: str(14)},
			params: map[string]any{"min_days": int64(35)},
			want: []evaluator.Finding{fail(id, sqlDB, attr,
				"short_term_retention_policy.retention_days is 14, below the minimum of 35", ">= 35", "14")},
		},
		{
			name:   "an absent block passes on the Azure default of 7 days",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: map[string]any{"short_term_retention_policy": []any{}}},
			want: []evaluator.Finding{pass(id, sqlDB, attr,
				"short_term_retention_policy.retention_days is not set (provider default 7)")},
		},
		{
			name: "a computed block the configuration does not write counts as the default",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: map[string]any{"name": "orders"},
				AfterUnknown: map[string]any{"short_term_retention_policy": true},
				Config:       map[string]any{"name": map[string]any{"constant_value": "orders"}}},
			params: map[string]any{"min_days": int64(14)},
			want: []evaluator.Finding{fail(id, sqlDB, attr,
				"short_term_retention_policy.retention_days is not set (provider default 7), below the minimum of 14",
				">= 14", "not set (provider default 7)")},
		},
		{
			name: "a configured retention known only after apply is unknown",
			change: evaltest.Change{Type: "azurerm_mssql_database",
				After:        map[string]any{"short_term_retention_policy": []any{map[string]any{"backup_interval_in_hours": 12}}},
				AfterUnknown: map[string]any{"short_term_retention_policy": []any{map[string]any{"retention_days": true}}},
				Config: map[string]any{"short_term_retention_policy": []any{map[string]any{
					"retention_days": map[string]any{"references": []any{"var.pitr_days"}}}}}},
			want: []evaluator.Finding{unknown(id, sqlDB, attr, ">= 7")},
		},
		{
			name: "a geo-secondary is not judged",
			change: evaltest.Change{Type: "azurerm_mssql_database",
				After: map[string]any{"create_mode": "Secondary", "short_term_retention_policy": []any{}}},
			want: nil,
		},
		{
			name:   "a destroyed database is left to the lifecycle rules",
			change: evaltest.Change{Type: "azurerm_mssql_database", Actions: []string{"delete"}, Before: str(1)},
			want:   nil,
		},
	}
	runRuleCases(t, AzureMSSQLShortTermRetention{}, tests)
}

func TestAzureMSSQLLongTermRetention(t *testing.T) {
	const id = "azure-mssql-long-term-retention"
	const block = "long_term_retention_policy"
	const expected = "a non-zero weekly_retention, monthly_retention or yearly_retention"
	ltr := func(weekly, monthly, yearly any) map[string]any {
		return map[string]any{block: []any{map[string]any{"weekly_retention": weekly, "monthly_retention": monthly,
			"yearly_retention": yearly, "week_of_year": 1, "immutability_mode": ""}}}
	}
	notSet := fail(id, sqlDB, block, "long_term_retention_policy is not set, so no long-term backups are kept",
		expected, `not set (provider default "PT0S")`)
	tests := []ruleCase{
		{
			name:   "a database keeping monthly and yearly backups passes",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: ltr("PT0S", "P12M", "P5Y")},
			want: []evaluator.Finding{pass(id, sqlDB, block,
				`long_term_retention_policy sets monthly_retention = "P12M", yearly_retention = "P5Y"`)},
		},
		{
			name:   "a database keeping only weekly backups passes",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: ltr("P4W", "PT0S", "PT0S")},
			want:   []evaluator.Finding{pass(id, sqlDB, block, `long_term_retention_policy sets weekly_retention = "P4W"`)},
		},
		{
			name:   "a policy whose durations are all zero fails",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: ltr("PT0S", "P0D", "PT0S")},
			want: []evaluator.Finding{fail(id, sqlDB, block,
				"long_term_retention_policy keeps no long-term backups: every retention is zero", expected,
				`weekly_retention = "PT0S", monthly_retention = "P0D", yearly_retention = "PT0S"`)},
		},
		{
			name:   "an absent block fails",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: map[string]any{block: []any{}}},
			want:   []evaluator.Finding{notSet},
		},
		{
			name: "a computed block the configuration does not write fails as not set",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: map[string]any{},
				AfterUnknown: map[string]any{block: true}, Config: map[string]any{}},
			want: []evaluator.Finding{notSet},
		},
		{
			name: "a computed block with no configuration to read is unknown",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: map[string]any{},
				AfterUnknown: map[string]any{block: true}},
			want: []evaluator.Finding{unknown(id, sqlDB, block, expected)},
		},
		{
			name: "a configured duration known only after apply is unknown",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: ltr(nil, "PT0S", "PT0S"),
				AfterUnknown: map[string]any{block: []any{map[string]any{"weekly_retention": true}}}},
			want: []evaluator.Finding{unknown(id, sqlDB, block+".weekly_retention", expected)},
		},
		{
			name: "a known non-zero duration passes even when another is unknown",
			change: evaltest.Change{Type: "azurerm_mssql_database", After: ltr(nil, "P6M", "PT0S"),
				AfterUnknown: map[string]any{block: []any{map[string]any{"weekly_retention": true}}}},
			want: []evaluator.Finding{pass(id, sqlDB, block, `long_term_retention_policy sets monthly_retention = "P6M"`)},
		},
		{
			name:   "a destroyed database is left to the lifecycle rules",
			change: evaltest.Change{Type: "azurerm_mssql_database", Actions: []string{"delete"}, Before: ltr("PT0S", "PT0S", "PT0S")},
			want:   nil,
		},
	}
	runRuleCases(t, AzureMSSQLLongTermRetention{}, tests)
}
