package rules

import (
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// azureDBTypes are the Azure Database for PostgreSQL/MySQL servers, flexible
// and single-server, that carry backup_retention_days.
var azureDBTypes = []string{
	"azurerm_postgresql_flexible_server",
	"azurerm_mysql_flexible_server",
	"azurerm_postgresql_server",
	"azurerm_mysql_server",
}

// azureDBDefaultRetentionDays is the retention Azure applies when
// backup_retention_days is left unset.
const azureDBDefaultRetentionDays = int64(7)

// AzureDBBackupRetention requires a minimum automated-backup retention on
// Azure Database for PostgreSQL and MySQL servers.
type AzureDBBackupRetention struct{}

func (AzureDBBackupRetention) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-db-backup-retention",
		Title:         "Azure PostgreSQL and MySQL servers keep backups long enough",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: azureDBTypes,
		Params: []evaluator.ParamSpec{{
			Name:    "min_days",
			Kind:    evaluator.ParamInt,
			Default: azureDBDefaultRetentionDays,
			Source: "7 days: the Azure default and the lowest value Azure Database for PostgreSQL flexible server accepts " +
				"(Microsoft Learn, flexible-server concepts-backup-restore: 7 to 35 days, default 7); azurerm documents " +
				"mysql_flexible_server backup_retention_days as \"Defaults to 7\"",
			Doc: "Fewest days of automated backups (point-in-time restore window) a server must keep.",
		}},
		Doc: evaluator.RuleDoc{
			Summary: "The retention window is how far back a point-in-time restore can go; a mistake found after it has passed " +
				"cannot be undone from Azure's automated backups.",
			Pass: "azurerm_postgresql_flexible_server, azurerm_mysql_flexible_server, azurerm_postgresql_server or azurerm_mysql_server " +
				"that will exist after apply with backup_retention_days >= min_days (default 7), or not set when min_days <= 7 " +
				"(Azure default 7 days; an unset value that shows as known after apply on create counts as the default when the " +
				"configuration does not write it). Replicas (create_mode = Replica) are judged the same way. Alternative " +
				"satisfier: whatever its native retention, a flexible server (or single PostgreSQL server) that an Azure " +
				"Backup vault protects passes: an azurerm_data_protection_backup_instance_postgresql_flexible_server, " +
				"_mysql_flexible_server or _postgresql that exists after apply and whose server_id (database_id) is known and " +
				"equal to the server's id, or references the server in the same module instance.",
			Fail: "backup_retention_days below min_days, or not set when min_days > 7, and no Azure Backup instance protects the server.",
			Unknown: "backup_retention_days is known only after apply and the configuration writes it (computed from a value not " +
				"yet known), or the plan has no configuration section to show that it was left unset.",
			Remediation: "Set `backup_retention_days` to at least min_days (Azure accepts up to 35).",
			Example:     "resource \"azurerm_postgresql_flexible_server\" \"main\" {\n  version               = \"16\"\n  sku_name              = \"GP_Standard_D2s_v3\"\n  backup_retention_days = 14\n}",
		},
	}
}

func (AzureDBBackupRetention) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	f := evaluator.RequireAtLeast(c, r, "backup_retention_days", c.Int("min_days"), azureDBDefaultRetentionDays)
	if f.Status != evaluator.StatusPass {
		// Alternative satisfier: an Azure Backup vault keeps the server's backups.
		if by := azureBackupCovers(c.Plan, r); by != "" {
			return []evaluator.Finding{c.Pass(r, "backup_retention_days", "Azure Backup covers it: "+by+" (native setting: "+f.Message+")")}
		}
	}
	return []evaluator.Finding{f}
}

// azureDBReplica reports whether r is created as a replica of another server.
func azureDBReplica(r *tfplan.Resource) bool {
	mode, ok := r.After("create_mode").Str()
	return ok && strings.EqualFold(mode, "Replica")
}
