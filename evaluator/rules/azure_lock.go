package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
)

// azureLockedTypes are the database resources that azure-db-delete-lock wants
// under a management lock.
var azureLockedTypes = []string{
	"azurerm_cosmosdb_account",
	"azurerm_mssql_database",
	"azurerm_mssql_server",
	"azurerm_mysql_flexible_server",
	"azurerm_mysql_server",
	"azurerm_postgresql_flexible_server",
	"azurerm_postgresql_server",
}

// AzureDBDeleteLock requires a CanNotDelete (or ReadOnly) management lock on
// production databases, on the database itself or on a scope above it.
type AzureDBDeleteLock struct{}

func (AzureDBDeleteLock) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-db-delete-lock",
		Title:         "Azure databases are protected from deletion by a management lock",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: azureLockedTypes,
		Doc: evaluator.RuleDoc{
			Summary: "Azure database servers have no deletion-protection flag: one `terraform destroy`, a portal click or a " +
				"deleted resource group removes the server and, with it, its automated backups. A management lock with " +
				"lock_level \"CanNotDelete\" makes Azure refuse the delete until someone with rights to manage locks " +
				"removes it first. Locks are inherited, so a lock on the resource group (or, for a database, on its SQL " +
				"server) protects everything below it. Optional (off unless the policy turns it on): it is meant for " +
				"production scopes, where a lock is the deliberate speed bump; in development it blocks routine " +
				"tear-downs. How a lock is matched: an azurerm_management_lock that will exist after apply (planned, or " +
				"only in prior_state) targets the database, the SQL server of an azurerm_mssql_database (its server_id), " +
				"or the azurerm_resource_group whose name equals the resource's resource_group_name, when its scope " +
				"equals that resource's id, or, with ids not yet known, its scope expression references that resource in " +
				"the same module instance; a known scope also counts when it is a path above a known id (a subscription), " +
				"or names the resource group (\"/subscriptions/…/resourceGroups/<resource_group_name>\"), which covers " +
				"groups read through a data source. Not judged (no finding): destroyed or forgotten databases (the " +
				"lifecycle rules cover them).",
			Pass: "azurerm_cosmosdb_account, azurerm_mssql_server, azurerm_mssql_database, azurerm_postgresql_flexible_server, " +
				"azurerm_mysql_flexible_server, azurerm_postgresql_server or azurerm_mysql_server that will exist after " +
				"apply, covered as described by a lock with lock_level \"CanNotDelete\" or \"ReadOnly\" (ReadOnly also " +
				"blocks writes such as scaling and firewall changes; prefer CanNotDelete).",
			Fail: "No such lock covers it; the message names any covering lock this plan destroys.",
			Unknown: "No lock is known to cover it, and either a lock that covers it (or may) has lock_level known only after " +
				"apply, or a lock with lock_level CanNotDelete or ReadOnly has a scope known only after apply whose expression " +
				"references something other than resources of its own module (a module output, variable, local, data source " +
				"or for_each value) or cannot be read (no configuration section), so it may cover the resource.",
			Remediation: "Add an `azurerm_management_lock` with `lock_level = \"CanNotDelete\"` and `scope` set to the " +
				"database's id or its resource group's id.",
			Example: "resource \"azurerm_management_lock\" \"db\" {\n  name       = \"do-not-delete\"\n" +
				"  scope      = azurerm_postgresql_flexible_server.main.id\n  lock_level = \"CanNotDelete\"\n" +
				"  notes      = \"Production database: remove this lock first to delete it.\"\n}",
		},
	}
}

// lockTarget is something a lock may sit on to protect the resource: the
// resource itself, its SQL server, or a resource group.
type lockTarget struct {
	res  *evaluator.Resource // nil for a resource group known only by name
	what string              // "it", "its server azurerm_mssql_server.main", …
}

func (AzureDBDeleteLock) Check(c *evaluator.Context, r *evaluator.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "management_lock"
	const expected = `an azurerm_management_lock with lock_level "CanNotDelete" on the resource or its resource group`
	targets := []lockTarget{{res: r, what: "it"}}
	holders := []*evaluator.Resource{r}
	if r.Type == "azurerm_mssql_database" {
		for _, s := range c.Plan.PointedAt(r, "server_id", "azurerm_mssql_server", "id") {
			targets = append(targets, lockTarget{res: s, what: "its server " + s.Address})
			holders = append(holders, s)
		}
	}
	var groupNames []string
	for _, h := range holders {
		for _, g := range c.Plan.PointedAt(h, "resource_group_name", "azurerm_resource_group", "name") {
			targets = append(targets, lockTarget{res: g, what: "its resource group " + g.Address})
		}
		if name, ok := h.After("resource_group_name").Str(); ok && name != "" {
			groupNames = append(groupNames, name)
		}
	}
	var maybe string
	for _, lock := range c.Plan.Existing("azurerm_management_lock") {
		covered, how := azureLockCovers(lock, targets, groupNames)
		if covered == nsgNo {
			continue
		}
		level := lock.After("lock_level")
		switch {
		case level.State == evaluator.Unknown:
			if maybe == "" {
				maybe = lock.Address + ".lock_level"
			}
		case covered == nsgMaybe:
			if s, ok := level.Str(); ok && azureLockProtects(s) && maybe == "" {
				maybe = lock.Address + ".scope"
			}
		default:
			if s, ok := level.Str(); ok && azureLockProtects(s) {
				return []evaluator.Finding{c.Pass(r, attr, fmt.Sprintf("%s (%s) covers %s", lock.Address, level.Display(), how))}
			}
		}
	}
	if maybe != "" {
		return []evaluator.Finding{c.UnknownBecause(r, attr, maybe+
			" is known only after apply, so the plan cannot show a management lock protects this resource", expected)}
	}
	actual := "no lock"
	message := "no azurerm_management_lock with lock_level CanNotDelete or ReadOnly covers this resource"
	for _, lock := range c.Plan.ResourcesOfType("azurerm_management_lock") {
		if lock.Exists() || !lock.Deletes() {
			continue
		}
		if covered, _ := azureLockCovers(lock, targets, groupNames); covered == nsgYes {
			actual = lock.Address + " destroyed by this plan"
			message += "; " + lock.Address + ", which covered it, is destroyed by this plan"
			break
		}
	}
	return []evaluator.Finding{c.Fail(r, attr, message, expected, actual)}
}

func azureLockProtects(level string) bool {
	return strings.EqualFold(level, "CanNotDelete") || strings.EqualFold(level, "ReadOnly")
}

// azureResourceGroupScope matches a resource group's id.
var azureResourceGroupScope = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourcegroups/([^/]+)/?$`)

// azureLockCovers says whether lock sits on one of targets (or on the
// resource group named in groupNames, or on a scope above a known id), and how.
func azureLockCovers(lock *evaluator.Resource, targets []lockTarget, groupNames []string) (nsgTri, string) {
	for _, t := range targets {
		if lock.Targets("scope", t.res, "id") {
			return nsgYes, t.what
		}
	}
	scope := lock.After("scope")
	if !lock.Exists() {
		scope = lock.Before("scope")
	}
	if s, ok := scope.Str(); ok && s != "" {
		if m := azureResourceGroupScope.FindStringSubmatch(s); m != nil {
			for _, name := range groupNames {
				if strings.EqualFold(m[1], name) {
					return nsgYes, "its resource group " + name
				}
			}
		}
		prefix := strings.ToLower(strings.TrimSuffix(s, "/")) + "/"
		for _, t := range targets {
			if id, ok := t.res.After("id").Str(); ok && strings.HasPrefix(strings.ToLower(id), prefix) {
				return nsgYes, "a scope above " + t.what + " (" + s + ")"
			}
		}
		return nsgNo, ""
	}
	if scope.State != evaluator.Unknown {
		return nsgNo, ""
	}
	refs := lock.ConfigReferences("scope")
	if len(refs) == 0 {
		return nsgMaybe, ""
	}
	for _, ref := range refs {
		if !azureManagedReference(ref) {
			return nsgMaybe, ""
		}
	}
	return nsgNo, ""
}

// azureManagedReference reports whether a configuration reference names a
// managed resource of this module ("azurerm_x.y", "azurerm_x.y.id"), as opposed
// to a module output, variable, local, data source or each/count value.
func azureManagedReference(ref string) bool {
	first, _, _ := strings.Cut(ref, ".")
	switch first {
	case "module", "var", "local", "data", "each", "count", "self", "path", "terraform":
		return false
	}
	return strings.Contains(ref, ".")
}
