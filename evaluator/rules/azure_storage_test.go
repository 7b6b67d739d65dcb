package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

const storageAddr = "azurerm_storage_account.this"

func TestAzureStorageSoftDelete(t *testing.T) {
	const id = "azure-storage-soft-delete"
	const blobDays = "blob_properties.delete_retention_policy.days"
	const containerDays = "blob_properties.container_delete_retention_policy.days"
	props := func(blob, container map[string]any) map[string]any {
		p := map[string]any{"versioning_enabled": false}
		p["delete_retention_policy"] = []any{}
		if blob != nil {
			p["delete_retention_policy"] = []any{blob}
		}
		p["container_delete_retention_policy"] = []any{}
		if container != nil {
			p["container_delete_retention_policy"] = []any{container}
		}
		return map[string]any{"account_kind": "StorageV2", "blob_properties": []any{p}}
	}
	days := func(n int) map[string]any { return map[string]any{"days": n, "permanent_delete_enabled": false} }
	blobOff := fail(id, storageAddr, blobDays, "blob_properties.delete_retention_policy is not set, so blob soft delete is off",
		">= 7", "not set (blob soft delete off)")
	containerOff := fail(id, storageAddr, containerDays,
		"blob_properties.container_delete_retention_policy is not set, so container soft delete is off", ">= 7", "not set (container soft delete off)")
	tests := []ruleCase{
		{
			name:   "an account keeping deleted blobs and containers for 14 days passes",
			change: evaltest.Change{Type: "azurerm_storage_account", After: props(days(14), days(14))},
			want: []evaluator.Finding{
				pass(id, storageAddr, blobDays, "blob_properties.delete_retention_policy.days is 14"),
				pass(id, storageAddr, containerDays, "blob_properties.container_delete_retention_policy.days is 14"),
			},
		},
		{
			name:   "blob soft delete below the minimum and no container soft delete fail separately",
			change: evaltest.Change{Type: "azurerm_storage_account", After: props(days(3), nil)},
			want: []evaluator.Finding{
				fail(id, storageAddr, blobDays, "blob_properties.delete_retention_policy.days is 3, below the minimum of 7", ">= 7", "3"),
				containerOff,
			},
		},
		{
			name: "a policy block without days takes the azurerm default of 7",
			change: evaltest.Change{Type: "azurerm_storage_account",
				After: props(map[string]any{"days": nil}, map[string]any{"days": nil})},
			params: map[string]any{"min_days": int64(7)},
			want: []evaluator.Finding{
				pass(id, storageAddr, blobDays, "blob_properties.delete_retention_policy.days is not set (provider default 7)"),
				pass(id, storageAddr, containerDays, "blob_properties.container_delete_retention_policy.days is not set (provider default 7)"),
			},
		},
		{
			name:   "an account without blob_properties fails both",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{"account_kind": "StorageV2", "blob_properties": []any{}}},
			want:   []evaluator.Finding{blobOff, containerOff},
		},
		{
			name: "computed blob_properties the configuration does not write fail as off",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{"account_kind": "StorageV2"},
				AfterUnknown: map[string]any{"blob_properties": true},
				Config:       map[string]any{"account_kind": map[string]any{"constant_value": "StorageV2"}}},
			want: []evaluator.Finding{blobOff, containerOff},
		},
		{
			name: "days from a variable known only after apply are unknown",
			change: evaltest.Change{Type: "azurerm_storage_account", After: props(map[string]any{"permanent_delete_enabled": false}, days(30)),
				AfterUnknown: map[string]any{"blob_properties": []any{map[string]any{"delete_retention_policy": []any{map[string]any{"days": true}}}}},
				Config: map[string]any{"blob_properties": []any{map[string]any{
					"delete_retention_policy":           []any{map[string]any{"days": map[string]any{"references": []any{"var.days"}}}},
					"container_delete_retention_policy": []any{map[string]any{"days": map[string]any{"constant_value": 30}}},
				}}}},
			want: []evaluator.Finding{
				unknown(id, storageAddr, blobDays, ">= 7"),
				pass(id, storageAddr, containerDays, "blob_properties.container_delete_retention_policy.days is 30"),
			},
		},
		{
			name: "computed blob_properties with no configuration to read are unknown",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{},
				AfterUnknown: map[string]any{"blob_properties": true}},
			want: []evaluator.Finding{unknown(id, storageAddr, blobDays, ">= 7"), unknown(id, storageAddr, containerDays, ">= 7")},
		},
		{
			name:   "a FileStorage account has no blob service and is not judged",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{"account_kind": "FileStorage", "blob_properties": []any{}}},
			want:   nil,
		},
		{
			name:   "a destroyed account is left to the lifecycle rules",
			change: evaltest.Change{Type: "azurerm_storage_account", Actions: []string{"delete"}, Before: props(nil, nil)},
			want:   nil,
		},
	}
	runRuleCases(t, AzureStorageSoftDelete{}, tests)
}

func TestAzureStorageReplication(t *testing.T) {
	const id = "azure-storage-replication"
	const attr = "account_replication_type"
	const expected = "one of GRS, RAGRS, GZRS, RAGZRS, ZRS"
	tests := []ruleCase{
		{
			name:   "a geo-zone-redundant account passes",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{attr: "GZRS"}},
			want:   []evaluator.Finding{pass(id, storageAddr, attr, `account_replication_type is "GZRS"`)},
		},
		{
			name:   "a zone-redundant account passes by default",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{attr: "ZRS"}},
			want:   []evaluator.Finding{pass(id, storageAddr, attr, `account_replication_type is "ZRS"`)},
		},
		{
			name:   "a locally redundant account fails",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{attr: "LRS"}},
			want: []evaluator.Finding{fail(id, storageAddr, attr,
				`account_replication_type is "LRS", which keeps every copy in one datacenter or is not allowed`, expected, `"LRS"`)},
		},
		{
			name:   "ZRS fails when the policy requires a second region",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{attr: "ZRS"}},
			params: map[string]any{"allowed": []string{"GRS", "RAGRS", "GZRS", "RAGZRS"}},
			want: []evaluator.Finding{fail(id, storageAddr, attr,
				`account_replication_type is "ZRS", which keeps every copy in one datacenter or is not allowed`,
				"one of GRS, RAGRS, GZRS, RAGZRS", `"ZRS"`)},
		},
		{
			name: "a replication type known only after apply is unknown",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{},
				AfterUnknown: map[string]any{attr: true}},
			want: []evaluator.Finding{unknown(id, storageAddr, attr, expected)},
		},
		{
			name:   "a hand-made plan without the required attribute fails",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{"account_tier": "Standard"}},
			want:   []evaluator.Finding{fail(id, storageAddr, attr, "account_replication_type is not set", expected, "not set")},
		},
		{
			name:   "a destroyed account is not judged",
			change: evaltest.Change{Type: "azurerm_storage_account", Actions: []string{"delete"}, Before: map[string]any{attr: "LRS"}},
			want:   nil,
		},
	}
	runRuleCases(t, AzureStorageReplication{}, tests)
}

func TestAzureStoragePublicNetworkAccess(t *testing.T) {
	const id = "azure-storage-public-network-access"
	const pna = "public_network_access_enabled"
	const expected = `public_network_access_enabled = false or default_action = "Deny"`
	account := evaltest.Change{Address: "azurerm_storage_account.data", Type: "azurerm_storage_account",
		After:        map[string]any{"name": "acmedata", pna: true},
		AfterUnknown: map[string]any{"id": true, "network_rules": true},
		Config:       map[string]any{"name": map[string]any{"constant_value": "acmedata"}}}
	networkRules := func(action any, unknownAction bool, config map[string]any) evaltest.Change {
		c := evaltest.Change{Address: "azurerm_storage_account_network_rules.data", Type: "azurerm_storage_account_network_rules",
			After: map[string]any{"default_action": action}, AfterUnknown: map[string]any{"storage_account_id": true}, Config: config}
		if unknownAction {
			c.AfterUnknown["default_action"] = true
		}
		return c
	}
	refData := map[string]any{"storage_account_id": map[string]any{"references": []any{"azurerm_storage_account.data.id", "azurerm_storage_account.data"}}}
	open := fail(id, "azurerm_storage_account.data", pna,
		`the account accepts traffic from every network: public_network_access_enabled true, default_action not set (provider default "Allow")`,
		expected, `public_network_access_enabled true, default_action not set (provider default "Allow")`)
	unknownBy := func(what string) evaluator.Finding {
		return evaluator.Finding{RuleID: id, Address: "azurerm_storage_account.data", ResourceType: "azurerm_storage_account",
			Attribute: pna, Status: evaluator.StatusUnknown,
			Message:  what + " is known only after apply, so the plan cannot show the account refuses public traffic",
			Expected: expected, Actual: "(known after apply)"}
	}
	tests := []ruleCase{
		{
			name:   "an account with public network access off passes",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{pna: false}},
			want:   []evaluator.Finding{pass(id, storageAddr, pna, "public_network_access_enabled is false")},
		},
		{
			name: "an inline firewall denying by default passes",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{pna: true,
				"network_rules": []any{map[string]any{"default_action": "Deny", "ip_rules": []any{"203.0.113.0/24"}}}}},
			want: []evaluator.Finding{pass(id, storageAddr, "network_rules.default_action", `network_rules.default_action is "Deny"`)},
		},
		{
			name: "an inline firewall allowing by default fails",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{pna: true,
				"network_rules": []any{map[string]any{"default_action": "Allow"}}}},
			want: []evaluator.Finding{fail(id, storageAddr, pna,
				`the account accepts traffic from every network: public_network_access_enabled true, default_action "Allow"`,
				expected, `public_network_access_enabled true, default_action "Allow"`)},
		},
		{
			name:   "a new account with neither set fails on the defaults",
			change: account,
			want:   []evaluator.Finding{open},
		},
		{
			name:    "a separate network-rules resource referencing the account and denying by default passes",
			changes: []evaltest.Change{account, networkRules("Deny", false, refData)},
			want: []evaluator.Finding{pass(id, "azurerm_storage_account.data", "network_rules",
				`azurerm_storage_account_network_rules.data sets default_action to "Deny"`)},
		},
		{
			name: "a network-rules resource only in prior_state counts by the account id",
			changes: []evaltest.Change{
				{Address: "azurerm_storage_account.data", Type: "azurerm_storage_account", Actions: []string{"no-op"},
					Before: map[string]any{"id": "/sa/acmedata", pna: true}, After: map[string]any{"id": "/sa/acmedata", pna: true}},
				{Address: "azurerm_storage_account_network_rules.data", Type: "azurerm_storage_account_network_rules", StateOnly: true,
					After: map[string]any{"storage_account_id": "/sa/acmedata", "default_action": "Deny"}},
			},
			want: []evaluator.Finding{pass(id, "azurerm_storage_account.data", "network_rules",
				`azurerm_storage_account_network_rules.data sets default_action to "Deny"`)},
		},
		{
			name:    "a network-rules resource for another account does not count",
			changes: []evaltest.Change{account, networkRules("Deny", false, map[string]any{"storage_account_id": map[string]any{"references": []any{"azurerm_storage_account.logs.id", "azurerm_storage_account.logs"}}})},
			want:    []evaluator.Finding{open},
		},
		{
			name:    "a network-rules default action known only after apply is unknown",
			changes: []evaltest.Change{account, networkRules(nil, true, refData)},
			want:    []evaluator.Finding{unknownBy("azurerm_storage_account_network_rules.data.default_action")},
		},
		{
			name: "a configured public access flag known only after apply is unknown",
			change: evaltest.Change{Address: "azurerm_storage_account.data", Type: "azurerm_storage_account", After: map[string]any{},
				AfterUnknown: map[string]any{pna: true, "network_rules": true},
				Config:       map[string]any{pna: map[string]any{"references": []any{"var.public"}}}},
			want: []evaluator.Finding{unknownBy(pna)},
		},
		{
			name:   "a destroyed account is not judged",
			change: evaltest.Change{Type: "azurerm_storage_account", Actions: []string{"delete"}, Before: map[string]any{pna: true}},
			want:   nil,
		},
	}
	runRuleCases(t, AzureStoragePublicNetworkAccess{}, tests)
}

func TestAzureStorageNoPublicBlob(t *testing.T) {
	const id = "azure-storage-no-public-blob"
	const attr = "allow_nested_items_to_be_public"
	tests := []ruleCase{
		{
			name:   "an account forbidding public nested items passes",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{attr: false}},
			want:   []evaluator.Finding{pass(id, storageAddr, attr, "allow_nested_items_to_be_public is false")},
		},
		{
			name:   "an account allowing public nested items fails",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{attr: true}},
			want:   []evaluator.Finding{fail(id, storageAddr, attr, "allow_nested_items_to_be_public is true", "false", "true")},
		},
		{
			name:   "an unset value fails on the azurerm default of true",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{"account_tier": "Standard"}},
			want: []evaluator.Finding{fail(id, storageAddr, attr,
				"allow_nested_items_to_be_public is not set (provider default true)", "false", "not set (provider default true)")},
		},
		{
			name: "a configured value known only after apply is unknown",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{},
				AfterUnknown: map[string]any{attr: true},
				Config:       map[string]any{attr: map[string]any{"references": []any{"var.public_blobs"}}}},
			want: []evaluator.Finding{unknown(id, storageAddr, attr, "false")},
		},
		{
			name:   "an azurerm 2.x plan is judged on allow_blob_public_access",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{"allow_blob_public_access": false}},
			want:   []evaluator.Finding{pass(id, storageAddr, "allow_blob_public_access", "allow_blob_public_access is false")},
		},
		{
			name:   "an azurerm 2.x plan allowing public blobs fails",
			change: evaltest.Change{Type: "azurerm_storage_account", After: map[string]any{"allow_blob_public_access": true}},
			want: []evaluator.Finding{fail(id, storageAddr, "allow_blob_public_access",
				"allow_blob_public_access is true", "false", "true")},
		},
		{
			name:   "a destroyed account is not judged",
			change: evaltest.Change{Type: "azurerm_storage_account", Actions: []string{"delete"}, Before: map[string]any{attr: true}},
			want:   nil,
		},
	}
	runRuleCases(t, AzureStorageNoPublicBlob{}, tests)
}
