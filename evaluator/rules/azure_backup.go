package rules

import (
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// azureBackupProtection names, per protected type, the Azure Backup resource
// that can cover it and the attribute that points at it: the alternative
// satisfier "the resource is backed up by an Azure Backup vault".
var azureBackupProtection = map[string]struct{ protector, attr string }{
	"azurerm_linux_virtual_machine":      {"azurerm_backup_protected_vm", "source_vm_id"},
	"azurerm_windows_virtual_machine":    {"azurerm_backup_protected_vm", "source_vm_id"},
	"azurerm_virtual_machine":            {"azurerm_backup_protected_vm", "source_vm_id"},
	"azurerm_postgresql_flexible_server": {"azurerm_data_protection_backup_instance_postgresql_flexible_server", "server_id"},
	"azurerm_mysql_flexible_server":      {"azurerm_data_protection_backup_instance_mysql_flexible_server", "server_id"},
	"azurerm_postgresql_server":          {"azurerm_data_protection_backup_instance_postgresql", "database_id"},
}

// azureBackupCovers names the Azure Backup resource (existing after the plan,
// matched by its id attribute's known value or configuration reference) that
// protects r, or "".
func azureBackupCovers(plan *tfplan.Plan, r *tfplan.Resource) string {
	p, ok := azureBackupProtection[r.Type]
	if !ok {
		return ""
	}
	if covers := plan.Pointing(p.protector, p.attr, r, "id"); len(covers) > 0 {
		return covers[0].Address
	}
	return ""
}

// AzureVMBackup requires virtual machines to be protected by Azure Backup.
type AzureVMBackup struct{}

func (AzureVMBackup) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-vm-backup",
		Title:         "Azure virtual machines are protected by Azure Backup",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_virtual_machine"},
		References:    []string{"CKV2_AZURE_12"},
		Doc: evaluator.RuleDoc{
			Summary: "A virtual machine that holds state (a self-managed database, file server) is lost with its disks unless a " +
				"Recovery Services vault backs it up. Advisory by default (promote it where machines hold data): many virtual machines " +
				"are rebuilt from images and hold nothing worth restoring. Not judged (no finding): destroyed or forgotten " +
				"machines.",
			Pass: "azurerm_linux_virtual_machine, azurerm_windows_virtual_machine or azurerm_virtual_machine that will exist " +
				"after apply, covered by an azurerm_backup_protected_vm that exists after apply (in the plan or only in " +
				"prior_state) whose source_vm_id is known and equal to the machine's known id, or, when an id is not known, " +
				"whose source_vm_id expression references the machine in the same module instance.",
			Fail: "no azurerm_backup_protected_vm covers the machine.",
			Unknown: "no azurerm_backup_protected_vm is matched, but one has a source_vm_id known only after apply and the plan " +
				"has no configuration to match it by reference.",
			Remediation: "Add an `azurerm_backup_protected_vm` with `source_vm_id` = the machine's id and a `backup_policy_id`.",
			Example: "resource \"azurerm_backup_protected_vm\" \"app\" {\n  resource_group_name = azurerm_recovery_services_vault.main.resource_group_name\n" +
				"  recovery_vault_name = azurerm_recovery_services_vault.main.name\n  source_vm_id        = azurerm_linux_virtual_machine.app.id\n" +
				"  backup_policy_id    = azurerm_backup_policy_vm.daily.id\n}",
		},
	}
}

func (AzureVMBackup) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "backup"
	if by := azureBackupCovers(c.Plan, r); by != "" {
		return []evaluator.Finding{c.Pass(r, attr, by+" protects it with Azure Backup")}
	}
	if r.Configured("name") == tfplan.ConfigUnavailable {
		for _, p := range c.Plan.Existing("azurerm_backup_protected_vm") {
			if p.After("source_vm_id").State == tfplan.Unknown {
				return []evaluator.Finding{c.UnknownBecause(r, attr, p.Address+
					".source_vm_id is known only after apply and the plan has no configuration to match it by reference", "an azurerm_backup_protected_vm covering it")}
			}
		}
	}
	return []evaluator.Finding{c.Fail(r, attr, "no azurerm_backup_protected_vm in the plan protects this virtual machine",
		"an azurerm_backup_protected_vm covering it", "none")}
}
