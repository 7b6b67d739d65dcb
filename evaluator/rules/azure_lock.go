package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// azureLockedTypes are the Azure data stores that have no deletion-protection
// flag of their own worth the name, so azure-delete-lock wants them under a
// management lock.
var azureLockedTypes = []string{
	"azurerm_cosmosdb_account",
	"azurerm_key_vault",
	"azurerm_managed_disk",
	"azurerm_mssql_database",
	"azurerm_mssql_server",
	"azurerm_mysql_flexible_server",
	"azurerm_mysql_server",
	"azurerm_postgresql_flexible_server",
	"azurerm_postgresql_server",
	"azurerm_redis_cache",
	"azurerm_storage_account",
}

const azureLockType = "azurerm_management_lock"

// AzureDeleteLock is Azure's deletion protection: a CanNotDelete (or
// ReadOnly) management lock on the data store or a scope above it. It is the
// Azure counterpart of aws-rds-deletion-protection, and, like AWS Backup for
// EBS volumes, satisfied by another resource.
type AzureDeleteLock struct{}

func (AzureDeleteLock) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-delete-lock",
		FormerIDs:     []string{"azure-db-delete-lock"},
		Title:         "Azure data stores are protected from deletion by a management lock",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: append(append([]string(nil), azureLockedTypes...), azureLockType),
		References:    []string{"CIS Microsoft Azure Foundations (resource locks for mission-critical resources)", "Azure Well-Architected: reliability (resource locks)"},
		Doc: evaluator.RuleDoc{
			Summary: "Most Azure data stores have no deletion-protection flag: one `terraform destroy`, a portal click or a " +
				"deleted resource group removes the server, account, vault or disk and, with most of them, its backups. " +
				"A management lock with lock_level \"CanNotDelete\" makes Azure refuse the delete until someone with " +
				"rights to manage locks removes the lock first. Locks are inherited, so a lock on the resource group (or, " +
				"for a SQL database, on its SQL server) protects everything below it. How a lock is matched: an " +
				"azurerm_management_lock that will exist after apply (planned, or only in prior_state) whose scope equals " +
				"the id of the resource, of the SQL server of an azurerm_mssql_database (its server_id), or of the " +
				"azurerm_resource_group whose name is the resource's resource_group_name; a known scope that is a path " +
				"above a known id (a subscription) or names the resource group (\"/subscriptions/…/resourceGroups/<name>\", " +
				"which covers groups read through a data source); or, with the scope known only after apply, a scope " +
				"expression whose configuration references name one of those resources: in the lock's own module " +
				"instance (`azurerm_postgresql_flexible_server.main.id`, `azurerm_resource_group.rg.id`), through the " +
				"lock's for_each (`for_each = azurerm_postgresql_flexible_server.db` with `scope = each.value.id`: the " +
				"instance with the lock's key) or through a module's output (`module.db.server_id`, " +
				"`module.db[\"eu\"].server_id`, followed to the resource the output names, module instance keys " +
				"included). Not judged (no finding): destroyed or forgotten data stores (the lifecycle rules cover them). " +
				"A lock that this plan destroys gets its own finding, naming the data stores it leaves unprotected; their " +
				"own \"no lock\" findings are folded into it.",
			Pass: "azurerm_cosmosdb_account, azurerm_key_vault, azurerm_managed_disk, azurerm_mssql_server, " +
				"azurerm_mssql_database, azurerm_mysql_flexible_server, azurerm_mysql_server, " +
				"azurerm_postgresql_flexible_server, azurerm_postgresql_server, azurerm_redis_cache or " +
				"azurerm_storage_account that will exist after apply, covered as described by a lock with lock_level " +
				"\"CanNotDelete\" or \"ReadOnly\" (ReadOnly also blocks writes such as scaling and firewall changes; " +
				"prefer CanNotDelete). An azurerm_management_lock replaced with create_before_destroy, so the new lock " +
				"is in place before the old one goes.",
			Fail: "No such lock covers the data store; the message names any covering lock this plan destroys. An " +
				"azurerm_management_lock with lock_level CanNotDelete or ReadOnly that this plan destroys (delete, not " +
				"replace) while a data store it covered still exists and no other lock covers it; the finding names " +
				"those data stores. A lock replaced destroy-then-create is a warning: the data stores it covers are " +
				"unprotected between the two steps.",
			Unknown: "No lock is known to cover it, and either a lock that covers it (or may) has lock_level known only after " +
				"apply, or a lock with lock_level CanNotDelete or ReadOnly has a scope known only after apply whose expression " +
				"references something that cannot be followed to a resource (a variable, local, data source, a for_each " +
				"over a map or variable, one of several module instances) or cannot be read (no configuration section), " +
				"so it may cover the resource.",
			Remediation: "Add an `azurerm_management_lock` with `lock_level = \"CanNotDelete\"` and `scope` set to the " +
				"data store's id or its resource group's id. To retire a data store, remove its lock in a reviewed change of its own.",
			Example: "resource \"azurerm_management_lock\" \"db\" {\n  name       = \"do-not-delete\"\n" +
				"  scope      = azurerm_postgresql_flexible_server.main.id\n  lock_level = \"CanNotDelete\"\n" +
				"  notes      = \"Production database: remove this lock first to delete it.\"\n}",
		},
	}
}

// lockTarget is something a lock may sit on to protect the resource: the
// resource itself, its SQL server, or a resource group.
type lockTarget struct {
	res  *tfplan.Resource
	what string // "it", "its server azurerm_mssql_server.main", …
}

// lockedBy is what protects one data store: its targets and the names of
// its resource groups.
type lockedBy struct {
	targets    []lockTarget
	groupNames []string
}

func lockTargetsOf(c *evaluator.Context, r *tfplan.Resource) lockedBy {
	l := lockedBy{targets: []lockTarget{{res: r, what: "it"}}}
	holders := []*tfplan.Resource{r}
	if r.Type == "azurerm_mssql_database" {
		for _, s := range c.Plan.PointedAt(r, "server_id", "azurerm_mssql_server", "id") {
			l.targets = append(l.targets, lockTarget{res: s, what: "its server " + s.Address})
			holders = append(holders, s)
		}
	}
	for _, h := range holders {
		for _, g := range c.Plan.PointedAt(h, "resource_group_name", "azurerm_resource_group", "name") {
			l.targets = append(l.targets, lockTarget{res: g, what: "its resource group " + g.Address})
		}
		if name, ok := h.After("resource_group_name").Str(); ok && name != "" {
			l.groupNames = append(l.groupNames, name)
		}
	}
	return l
}

const (
	azureLockAttr     = "management_lock"
	azureLockExpected = `an azurerm_management_lock with lock_level "CanNotDelete" on the resource or its resource group`
)

func (AzureDeleteLock) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if r.Type == azureLockType {
		return checkDestroyedLock(c, r)
	}
	if !r.Exists() {
		return nil
	}
	by := lockTargetsOf(c, r)
	status, how, lock := azureCoverage(c, by, nil)
	switch status {
	case nsgYes:
		return []evaluator.Finding{c.Pass(r, azureLockAttr, how)}
	case nsgMaybe:
		return []evaluator.Finding{c.UnknownBecause(r, azureLockAttr, lock+
			" is known only after apply, so the plan cannot show a management lock protects this resource", azureLockExpected)}
	}
	actual := "no lock"
	message := "no azurerm_management_lock with lock_level CanNotDelete or ReadOnly covers this resource"
	for _, l := range c.Plan.ResourcesOfType(azureLockType) {
		if l.Exists() || !l.Deletes() {
			continue
		}
		if covered, _ := azureLockCovers(l, by); covered == nsgYes {
			actual = l.Address + " destroyed by this plan"
			message += "; " + l.Address + ", which covered it, is destroyed by this plan"
			break
		}
	}
	return []evaluator.Finding{c.Fail(r, azureLockAttr, message, azureLockExpected, actual)}
}

// azureCoverage says whether a protective lock that exists after apply
// covers by (leaving out the lock skip), how, or which lock attribute is
// known only after apply.
func azureCoverage(c *evaluator.Context, by lockedBy, skip *tfplan.Resource) (covered nsgTri, how, maybe string) {
	for _, lock := range c.Plan.Existing(azureLockType) {
		if lock == skip {
			continue
		}
		cov, what := azureLockCovers(lock, by)
		if cov == nsgNo {
			continue
		}
		level := lock.After("lock_level")
		switch {
		case level.State == tfplan.Unknown:
			if maybe == "" {
				maybe = lock.Address + ".lock_level"
			}
		case cov == nsgMaybe:
			if s, ok := level.Str(); ok && azureLockProtects(s) && maybe == "" {
				maybe = lock.Address + ".scope"
			}
		default:
			if s, ok := level.Str(); ok && azureLockProtects(s) {
				return nsgYes, fmt.Sprintf("%s (%s) covers %s", lock.Address, level.Display(), what), ""
			}
		}
	}
	if maybe != "" {
		return nsgMaybe, "", maybe
	}
	return nsgNo, "", ""
}

// checkDestroyedLock judges a lock this plan destroys by the data stores it
// leaves without a lock.
func checkDestroyedLock(c *evaluator.Context, lock *tfplan.Resource) []evaluator.Finding {
	if !lock.Deletes() || lock.Forgets() {
		return nil
	}
	if level, ok := lock.Before("lock_level").Str(); !ok || !azureLockProtects(level) {
		return nil
	}
	var left []*tfplan.Resource
	for _, typ := range azureLockedTypes {
		for _, res := range c.Plan.Existing(typ) {
			by := lockTargetsOf(c, res)
			if before, _ := azureLockCovers(lock, by); before != nsgYes {
				continue
			}
			if still, _, _ := azureCoverage(c, by, lock); still != nsgYes {
				left = append(left, res)
			}
		}
	}
	if len(left) == 0 {
		return nil
	}
	names := make([]string, len(left))
	folds := make([]evaluator.FindingRef, len(left))
	for i, res := range left {
		names[i] = res.Address
		folds[i] = evaluator.FindingRef{RuleID: c.RuleID(), Address: res.Address, Attribute: azureLockAttr}
	}
	list := strings.Join(names, ", ")
	a := lock.Actions()
	switch {
	case a.CreateBeforeDestroy():
		return []evaluator.Finding{c.Pass(lock, "lock_level", "replaced with create_before_destroy: the new lock is in place before the old one goes ("+list+")")}
	case a.DestroyBeforeCreate():
		return []evaluator.Finding{c.Warn(lock, "lock_level", "replaced (destroyed, then created): "+list+
			" has no management lock between the two steps; add lifecycle { create_before_destroy = true }")}
	}
	f := c.Fail(lock, "lock_level", "this plan destroys the management lock that protects "+list+
		" from deletion, leaving it without one", "the lock kept", "destroyed by this plan")
	f.Folds = folds
	return []evaluator.Finding{f}
}

func azureLockProtects(level string) bool {
	return strings.EqualFold(level, "CanNotDelete") || strings.EqualFold(level, "ReadOnly")
}

// azureResourceGroupScope matches a resource group's id.
var azureResourceGroupScope = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourcegroups/([^/]+)/?$`)

// azureLockCovers says whether lock sits on one of by's targets (or on the
// resource group named in its group names, or on a scope above a known id),
// and how. A lock being destroyed is judged by its scope before the plan.
func azureLockCovers(lock *tfplan.Resource, by lockedBy) (nsgTri, string) {
	for _, t := range by.targets {
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
			for _, name := range by.groupNames {
				if strings.EqualFold(m[1], name) {
					return nsgYes, "its resource group " + name
				}
			}
		}
		prefix := strings.ToLower(strings.TrimSuffix(s, "/")) + "/"
		for _, t := range by.targets {
			if id, ok := t.res.After("id").Str(); ok && strings.HasPrefix(strings.ToLower(id), prefix) {
				return nsgYes, "a scope above " + t.what + " (" + s + ")"
			}
		}
		return nsgNo, ""
	}
	if scope.State != tfplan.Unknown {
		return nsgNo, ""
	}
	named, complete := lock.ConfigTargets("scope")
	for _, t := range by.targets {
		for _, n := range named {
			if n == t.res {
				return nsgYes, t.what
			}
		}
	}
	if complete {
		return nsgNo, ""
	}
	return nsgMaybe, ""
}
