package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestAzureDeleteLock(t *testing.T) {
	const id = "azure-delete-lock"
	const attr = "management_lock"
	const expected = `an azurerm_management_lock with lock_level "CanNotDelete" on the resource or its resource group`
	const pgAddr = "azurerm_postgresql_flexible_server.main"
	const rgID = "/subscriptions/0000/resourceGroups/rg-prod"
	const pgID = rgID + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-prod"

	// newServer is a server being created: id unknown, resource group by reference.
	newServer := evaltest.Change{Address: pgAddr, Type: "azurerm_postgresql_flexible_server",
		After: map[string]any{"name": "pg-prod"}, AfterUnknown: map[string]any{"id": true, "resource_group_name": true},
		Config: map[string]any{"resource_group_name": map[string]any{"references": []any{"azurerm_resource_group.main.name", "azurerm_resource_group.main"}}}}
	// existingServer is unchanged, with everything known.
	existingServer := evaltest.Change{Address: pgAddr, Type: "azurerm_postgresql_flexible_server", Actions: []string{"no-op"},
		Before: map[string]any{"id": pgID, "name": "pg-prod", "resource_group_name": "rg-prod"},
		After:  map[string]any{"id": pgID, "name": "pg-prod", "resource_group_name": "rg-prod"}}
	newGroup := evaltest.Change{Address: "azurerm_resource_group.main", Type: "azurerm_resource_group",
		After: map[string]any{"name": "rg-prod"}, AfterUnknown: map[string]any{"id": true}}
	lock := func(address, level string, scopeRefs ...any) evaltest.Change {
		return evaltest.Change{Address: address, Type: "azurerm_management_lock",
			After: map[string]any{"name": "do-not-delete", "lock_level": level}, AfterUnknown: map[string]any{"scope": true, "id": true},
			Config: map[string]any{"scope": map[string]any{"references": scopeRefs}}}
	}
	knownLock := func(address, level, scope string) evaltest.Change {
		return evaltest.Change{Address: address, Type: "azurerm_management_lock",
			After: map[string]any{"name": "do-not-delete", "lock_level": level, "scope": scope}, AfterUnknown: map[string]any{"id": true}}
	}
	// moduleServer is a server created in one instance of a for_each module.
	moduleServer := func(module string) evaltest.Change {
		return evaltest.Change{Address: module + ".azurerm_postgresql_flexible_server.main", ModuleAddress: module, Type: "azurerm_postgresql_flexible_server",
			After: map[string]any{"name": "pg"}, AfterUnknown: map[string]any{"id": true, "resource_group_name": true}}
	}
	keyedServer := func(key string) evaltest.Change {
		return evaltest.Change{Address: "azurerm_postgresql_flexible_server.db[" + key + "]", Type: "azurerm_postgresql_flexible_server",
			After: map[string]any{"name": "pg"}, AfterUnknown: map[string]any{"id": true, "resource_group_name": true}}
	}
	inGroup := func(address string) evaltest.Change {
		return evaltest.Change{Address: address, Type: resourceType(address), After: map[string]any{"name": "x"},
			AfterUnknown: map[string]any{"id": true, "resource_group_name": true},
			Config:       map[string]any{"resource_group_name": map[string]any{"references": []any{"azurerm_resource_group.main.name", "azurerm_resource_group.main"}}}}
	}
	lockFinding := func(f evaluator.Finding, protected ...string) evaluator.Finding {
		for _, p := range protected {
			f.Folds = append(f.Folds, evaluator.FindingRef{RuleID: id, Address: p, Attribute: attr})
		}
		return f
	}
	noLock := fail(id, pgAddr, attr, "no azurerm_management_lock with lock_level CanNotDelete or ReadOnly covers this resource",
		expected, "no lock")
	unknownBy := func(what string) evaluator.Finding {
		return evaluator.Finding{RuleID: id, Address: pgAddr, ResourceType: "azurerm_postgresql_flexible_server", Attribute: attr,
			Status:   evaluator.StatusUnknown,
			Message:  what + " is known only after apply, so the plan cannot show a management lock protects this resource",
			Expected: expected, Actual: "(known after apply)"}
	}

	tests := []ruleCase{
		{
			name: "a CanNotDelete lock referencing the new server passes",
			changes: []evaltest.Change{newServer, newGroup,
				lock("azurerm_management_lock.db", "CanNotDelete", "azurerm_postgresql_flexible_server.main.id", "azurerm_postgresql_flexible_server.main")},
			want: []evaluator.Finding{pass(id, pgAddr, attr, `azurerm_management_lock.db ("CanNotDelete") covers it`)},
		},
		{
			name: "a lock on the resource group the server references passes",
			changes: []evaltest.Change{newServer, newGroup,
				lock("azurerm_management_lock.rg", "CanNotDelete", "azurerm_resource_group.main.id", "azurerm_resource_group.main")},
			want: []evaluator.Finding{pass(id, pgAddr, attr,
				`azurerm_management_lock.rg ("CanNotDelete") covers its resource group azurerm_resource_group.main`)},
		},
		{
			name:    "a ReadOnly lock with the server's known id passes",
			changes: []evaltest.Change{existingServer, knownLock("azurerm_management_lock.db", "ReadOnly", pgID)},
			want:    []evaluator.Finding{pass(id, pgAddr, attr, `azurerm_management_lock.db ("ReadOnly") covers it`)},
		},
		{
			name: "a lock only in prior_state on a resource group read through a data source passes by name",
			changes: []evaltest.Change{existingServer,
				{Address: "azurerm_management_lock.rg", Type: "azurerm_management_lock", StateOnly: true,
					After: map[string]any{"lock_level": "CanNotDelete", "scope": "/subscriptions/0000/resourcegroups/RG-PROD"}}},
			want: []evaluator.Finding{pass(id, pgAddr, attr, `azurerm_management_lock.rg ("CanNotDelete") covers its resource group rg-prod`)},
		},
		{
			name:    "a subscription lock above the server's known id passes",
			changes: []evaltest.Change{existingServer, knownLock("azurerm_management_lock.sub", "CanNotDelete", "/subscriptions/0000")},
			want: []evaluator.Finding{pass(id, pgAddr, attr,
				`azurerm_management_lock.sub ("CanNotDelete") covers a scope above it (/subscriptions/0000)`)},
		},
		{
			name: "an SQL database is covered by a lock on its server",
			changes: []evaltest.Change{
				{Address: "azurerm_mssql_server.main", Type: "azurerm_mssql_server", After: map[string]any{"name": "sql-prod", "resource_group_name": "rg-prod"},
					AfterUnknown: map[string]any{"id": true}},
				{Address: "azurerm_mssql_database.orders", Type: "azurerm_mssql_database", After: map[string]any{"name": "orders"},
					AfterUnknown: map[string]any{"id": true, "server_id": true},
					Config:       map[string]any{"server_id": map[string]any{"references": []any{"azurerm_mssql_server.main.id", "azurerm_mssql_server.main"}}}},
				lock("azurerm_management_lock.sql", "CanNotDelete", "azurerm_mssql_server.main.id", "azurerm_mssql_server.main"),
			},
			want: []evaluator.Finding{
				pass(id, "azurerm_mssql_server.main", attr, `azurerm_management_lock.sql ("CanNotDelete") covers it`),
				pass(id, "azurerm_mssql_database.orders", attr,
					`azurerm_management_lock.sql ("CanNotDelete") covers its server azurerm_mssql_server.main`),
			},
		},
		{
			name:    "a server without any lock fails",
			changes: []evaltest.Change{newServer, newGroup},
			want:    []evaluator.Finding{noLock},
		},
		{
			name: "a lock on another resource does not count",
			changes: []evaltest.Change{newServer, newGroup,
				lock("azurerm_management_lock.kv", "CanNotDelete", "azurerm_key_vault.main.id", "azurerm_key_vault.main")},
			want: []evaluator.Finding{noLock},
		},
		{
			name:    "a lock on another resource group by known id does not count",
			changes: []evaltest.Change{existingServer, knownLock("azurerm_management_lock.rg", "CanNotDelete", "/subscriptions/0000/resourceGroups/rg-dev")},
			want:    []evaluator.Finding{noLock},
		},
		{
			name: "a lock from a module output is unknown",
			changes: []evaltest.Change{newServer, newGroup,
				lock("azurerm_management_lock.db", "CanNotDelete", "module.locks.scope")},
			want: []evaluator.Finding{unknownBy("azurerm_management_lock.db.scope")},
		},
		{
			name: "a lock level known only after apply is unknown",
			changes: []evaltest.Change{existingServer,
				{Address: "azurerm_management_lock.db", Type: "azurerm_management_lock",
					After: map[string]any{"scope": pgID}, AfterUnknown: map[string]any{"lock_level": true}}},
			want: []evaluator.Finding{unknownBy("azurerm_management_lock.db.lock_level")},
		},
		{
			name: "destroying the lock that covered the server fails on the lock, naming the server",
			changes: []evaltest.Change{existingServer,
				{Address: "azurerm_management_lock.db", Type: "azurerm_management_lock", Actions: []string{"delete"},
					Before: map[string]any{"lock_level": "CanNotDelete", "scope": pgID}}},
			want: []evaluator.Finding{
				fail(id, pgAddr, attr,
					"no azurerm_management_lock with lock_level CanNotDelete or ReadOnly covers this resource; azurerm_management_lock.db, which covered it, is destroyed by this plan",
					expected, "azurerm_management_lock.db destroyed by this plan"),
				lockFinding(fail(id, "azurerm_management_lock.db", "lock_level",
					"this plan destroys the management lock that protects "+pgAddr+" from deletion, leaving it without one",
					"the lock kept", "destroyed by this plan"), pgAddr),
			},
		},
		{
			name: "destroying one of two locks on the server leaves it protected: no finding on the lock",
			changes: []evaltest.Change{existingServer,
				{Address: "azurerm_management_lock.db", Type: "azurerm_management_lock", Actions: []string{"delete"},
					Before: map[string]any{"lock_level": "CanNotDelete", "scope": pgID}},
				knownLock("azurerm_management_lock.rg", "CanNotDelete", rgID)},
			want: []evaluator.Finding{pass(id, pgAddr, attr, `azurerm_management_lock.rg ("CanNotDelete") covers its resource group rg-prod`)},
		},
		{
			name: "a lock replaced with create_before_destroy keeps the server covered",
			changes: []evaltest.Change{existingServer,
				{Address: "azurerm_management_lock.db", Type: "azurerm_management_lock", Actions: []string{"create", "delete"},
					Before: map[string]any{"lock_level": "CanNotDelete", "scope": pgID, "name": "old"},
					After:  map[string]any{"lock_level": "CanNotDelete", "scope": pgID, "name": "new"}, AfterUnknown: map[string]any{"id": true}}},
			want: []evaluator.Finding{
				pass(id, pgAddr, attr, `azurerm_management_lock.db ("CanNotDelete") covers it`),
				pass(id, "azurerm_management_lock.db", "lock_level",
					"replaced with create_before_destroy: the new lock is in place before the old one goes ("+pgAddr+")"),
			},
		},
		{
			name: "a lock replaced destroy-then-create warns: the server is unprotected in between",
			changes: []evaltest.Change{existingServer,
				{Address: "azurerm_management_lock.db", Type: "azurerm_management_lock", Actions: []string{"delete", "create"},
					Before: map[string]any{"lock_level": "CanNotDelete", "scope": pgID, "name": "old"},
					After:  map[string]any{"lock_level": "CanNotDelete", "scope": pgID, "name": "new"}, AfterUnknown: map[string]any{"id": true}}},
			want: []evaluator.Finding{
				pass(id, pgAddr, attr, `azurerm_management_lock.db ("CanNotDelete") covers it`),
				warn(id, "azurerm_management_lock.db", "lock_level", "replaced (destroyed, then created): "+pgAddr+
					" has no management lock between the two steps; add lifecycle { create_before_destroy = true }"),
			},
		},
		{
			name: "a destroyed lock that protected nothing still there gets no finding",
			changes: []evaltest.Change{
				{Address: "azurerm_management_lock.old", Type: "azurerm_management_lock", Actions: []string{"delete"},
					Before: map[string]any{"lock_level": "CanNotDelete", "scope": rgID + "/providers/Microsoft.Network/virtualNetworks/vnet"}}},
			want: nil,
		},
		{
			name: "locks in each instance of a for_each module cover that instance's server only",
			changes: []evaltest.Change{
				moduleServer(`module.db["eu"]`), moduleServer(`module.db["us"]`),
				{Address: `module.db["eu"].azurerm_management_lock.db`, ModuleAddress: `module.db["eu"]`, Type: "azurerm_management_lock",
					After: map[string]any{"lock_level": "CanNotDelete"}, AfterUnknown: map[string]any{"scope": true, "id": true},
					Config: map[string]any{"scope": map[string]any{"references": []any{"azurerm_postgresql_flexible_server.main.id", "azurerm_postgresql_flexible_server.main"}}}},
			},
			want: []evaluator.Finding{
				pass(id, `module.db["eu"].azurerm_postgresql_flexible_server.main`, attr,
					`module.db["eu"].azurerm_management_lock.db ("CanNotDelete") covers it`),
				fail(id, `module.db["us"].azurerm_postgresql_flexible_server.main`, attr,
					"no azurerm_management_lock with lock_level CanNotDelete or ReadOnly covers this resource", expected, "no lock"),
			},
		},
		{
			name: "a lock with for_each over the servers covers the server with its own key",
			changes: []evaltest.Change{
				keyedServer(`"eu"`), keyedServer(`"us"`),
				{Address: `azurerm_management_lock.db["eu"]`, Type: "azurerm_management_lock",
					After: map[string]any{"lock_level": "CanNotDelete"}, AfterUnknown: map[string]any{"scope": true, "id": true},
					Config:  map[string]any{"scope": map[string]any{"references": []any{"each.value.id", "each.value"}}},
					ForEach: []string{"azurerm_postgresql_flexible_server.db"}},
			},
			want: []evaluator.Finding{
				pass(id, `azurerm_postgresql_flexible_server.db["eu"]`, attr, `azurerm_management_lock.db["eu"] ("CanNotDelete") covers it`),
				fail(id, `azurerm_postgresql_flexible_server.db["us"]`, attr,
					"no azurerm_management_lock with lock_level CanNotDelete or ReadOnly covers this resource", expected, "no lock"),
			},
		},
		{
			name: "a lock with for_each over a variable may cover the server: unknown",
			changes: []evaltest.Change{
				keyedServer(`"eu"`),
				{Address: `azurerm_management_lock.db["eu"]`, Type: "azurerm_management_lock",
					After: map[string]any{"lock_level": "CanNotDelete"}, AfterUnknown: map[string]any{"scope": true, "id": true},
					Config:  map[string]any{"scope": map[string]any{"references": []any{"each.value"}}},
					ForEach: []string{"var.server_ids"}},
			},
			want: []evaluator.Finding{{RuleID: id, Address: `azurerm_postgresql_flexible_server.db["eu"]`, ResourceType: "azurerm_postgresql_flexible_server",
				Attribute: attr, Status: evaluator.StatusUnknown,
				Message:  `azurerm_management_lock.db["eu"].scope is known only after apply, so the plan cannot show a management lock protects this resource`,
				Expected: expected, Actual: "(known after apply)"}},
		},
		{
			name: "a resource group lock covers a key vault, a storage account, a Redis cache and a managed disk in the group",
			changes: []evaltest.Change{newGroup, inGroup("azurerm_key_vault.secrets"), inGroup("azurerm_storage_account.data"),
				inGroup("azurerm_redis_cache.sessions"), inGroup("azurerm_managed_disk.data"),
				lock("azurerm_management_lock.rg", "CanNotDelete", "azurerm_resource_group.main.id", "azurerm_resource_group.main")},
			want: []evaluator.Finding{
				pass(id, "azurerm_key_vault.secrets", attr, `azurerm_management_lock.rg ("CanNotDelete") covers its resource group azurerm_resource_group.main`),
				pass(id, "azurerm_storage_account.data", attr, `azurerm_management_lock.rg ("CanNotDelete") covers its resource group azurerm_resource_group.main`),
				pass(id, "azurerm_redis_cache.sessions", attr, `azurerm_management_lock.rg ("CanNotDelete") covers its resource group azurerm_resource_group.main`),
				pass(id, "azurerm_managed_disk.data", attr, `azurerm_management_lock.rg ("CanNotDelete") covers its resource group azurerm_resource_group.main`),
			},
		},
		{
			name: "a Cosmos DB account in a module is not covered by a root lock referencing a same-named resource group",
			changes: []evaltest.Change{
				{Address: "module.data.azurerm_cosmosdb_account.main", ModuleAddress: "module.data", Type: "azurerm_cosmosdb_account",
					After: map[string]any{"name": "cosmos"}, AfterUnknown: map[string]any{"id": true, "resource_group_name": true},
					Config: map[string]any{"resource_group_name": map[string]any{"references": []any{"azurerm_resource_group.main.name", "azurerm_resource_group.main"}}}},
				{Address: "module.data.azurerm_resource_group.main", ModuleAddress: "module.data", Type: "azurerm_resource_group",
					After: map[string]any{}, AfterUnknown: map[string]any{"id": true, "name": true}},
				newGroup,
				lock("azurerm_management_lock.rg", "CanNotDelete", "azurerm_resource_group.main.id", "azurerm_resource_group.main"),
			},
			want: []evaluator.Finding{fail(id, "module.data.azurerm_cosmosdb_account.main", attr,
				"no azurerm_management_lock with lock_level CanNotDelete or ReadOnly covers this resource", expected, "no lock")},
		},
		{
			name: "a destroyed server is left to the lifecycle rules",
			changes: []evaltest.Change{{Address: pgAddr, Type: "azurerm_postgresql_flexible_server", Actions: []string{"delete"},
				Before: map[string]any{"id": pgID}}},
			want: nil,
		},
	}
	runRuleCases(t, AzureDeleteLock{}, tests)
}
