package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestAzureVMBackup(t *testing.T) {
	const vmID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/app"
	vm := evaltest.Change{Address: "azurerm_linux_virtual_machine.app", Type: "azurerm_linux_virtual_machine",
		After: map[string]any{"id": vmID, "name": "app"}}
	newVM := evaltest.Change{Address: "azurerm_linux_virtual_machine.app", Type: "azurerm_linux_virtual_machine",
		After: map[string]any{"name": "app"}, AfterUnknown: map[string]any{"id": true}, Config: map[string]any{"name": map[string]any{}}}
	tests := []ruleCase{
		{
			name: "a machine whose id a protected-VM resource names passes",
			changes: []evaltest.Change{vm, {Address: "azurerm_backup_protected_vm.app", Type: "azurerm_backup_protected_vm",
				After: map[string]any{"source_vm_id": vmID}}},
			want: []evaluator.Finding{pass("azure-vm-backup", "azurerm_linux_virtual_machine.app", "backup",
				"azurerm_backup_protected_vm.app protects it with Azure Backup")},
		},
		{
			name: "a new machine is matched by the configuration reference when ids are unknown",
			changes: []evaltest.Change{newVM, {Address: "azurerm_backup_protected_vm.app", Type: "azurerm_backup_protected_vm",
				After: map[string]any{}, AfterUnknown: map[string]any{"source_vm_id": true},
				Config: map[string]any{"source_vm_id": map[string]any{"references": []any{"azurerm_linux_virtual_machine.app.id", "azurerm_linux_virtual_machine.app"}}}}},
			want: []evaluator.Finding{pass("azure-vm-backup", "azurerm_linux_virtual_machine.app", "backup",
				"azurerm_backup_protected_vm.app protects it with Azure Backup")},
		},
		{
			name: "a protected-VM resource only in prior_state still counts",
			changes: []evaltest.Change{vm, {Address: "azurerm_backup_protected_vm.app", Type: "azurerm_backup_protected_vm", StateOnly: true,
				After: map[string]any{"source_vm_id": vmID}}},
			want: []evaluator.Finding{pass("azure-vm-backup", "azurerm_linux_virtual_machine.app", "backup",
				"azurerm_backup_protected_vm.app protects it with Azure Backup")},
		},
		{
			name:   "a machine nothing protects fails",
			change: vm,
			want: []evaluator.Finding{fail("azure-vm-backup", "azurerm_linux_virtual_machine.app", "backup",
				"no azurerm_backup_protected_vm in the plan protects this virtual machine", "an azurerm_backup_protected_vm covering it", "none")},
		},
		{
			name: "protection of another machine does not count",
			changes: []evaltest.Change{vm, {Address: "azurerm_backup_protected_vm.other", Type: "azurerm_backup_protected_vm",
				After: map[string]any{"source_vm_id": vmID + "-other"}}},
			want: []evaluator.Finding{fail("azure-vm-backup", "azurerm_linux_virtual_machine.app", "backup",
				"no azurerm_backup_protected_vm in the plan protects this virtual machine", "an azurerm_backup_protected_vm covering it", "none")},
		},
		{
			name: "an unmatched protected VM with an unknown source and no configuration is unknown",
			changes: []evaltest.Change{vm, {Address: "azurerm_backup_protected_vm.x", Type: "azurerm_backup_protected_vm",
				After: map[string]any{}, AfterUnknown: map[string]any{"source_vm_id": true}}},
			want: []evaluator.Finding{{RuleID: "azure-vm-backup", Address: "azurerm_linux_virtual_machine.app", ResourceType: "azurerm_linux_virtual_machine",
				Attribute: "backup", Status: evaluator.StatusUnknown,
				Message:  "azurerm_backup_protected_vm.x.source_vm_id is known only after apply and the plan has no configuration to match it by reference",
				Expected: "an azurerm_backup_protected_vm covering it", Actual: "(known after apply)"}},
		},
		{
			name:   "a destroyed machine is left to the lifecycle rules",
			change: evaltest.Change{Address: "azurerm_linux_virtual_machine.app", Type: "azurerm_linux_virtual_machine", Actions: []string{"delete"}, Before: map[string]any{"id": vmID}},
			want:   nil,
		},
	}
	runRuleCases(t, AzureVMBackup{}, tests)
}

func TestAzureDBBackupRetentionAcceptsAzureBackup(t *testing.T) {
	const id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/orders"
	server := evaltest.Change{Address: "azurerm_postgresql_flexible_server.orders", Type: "azurerm_postgresql_flexible_server",
		After: map[string]any{"id": id, "backup_retention_days": 3}}
	tests := []ruleCase{
		{
			name: "three days of native retention pass when an Azure Backup instance protects the server",
			changes: []evaltest.Change{server, {Address: "azurerm_data_protection_backup_instance_postgresql_flexible_server.orders",
				Type: "azurerm_data_protection_backup_instance_postgresql_flexible_server", After: map[string]any{"server_id": id}}},
			want: []evaluator.Finding{pass("azure-db-backup-retention", "azurerm_postgresql_flexible_server.orders", "backup_retention_days",
				"Azure Backup covers it: azurerm_data_protection_backup_instance_postgresql_flexible_server.orders (native setting: backup_retention_days is 3, below the minimum of 7)")},
		},
		{
			name:   "without one, three days fail",
			change: server,
			want: []evaluator.Finding{fail("azure-db-backup-retention", "azurerm_postgresql_flexible_server.orders", "backup_retention_days",
				"backup_retention_days is 3, below the minimum of 7", ">= 7", "3")},
		},
	}
	runRuleCases(t, AzureDBBackupRetention{}, tests)
}
