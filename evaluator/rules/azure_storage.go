package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// azureStorageDefaultSoftDeleteDays is what azurerm sets for days in a
// delete_retention_policy or container_delete_retention_policy block that
// leaves it out.
const azureStorageDefaultSoftDeleteDays = int64(7)

// azureStorageFileOnly reports whether the account is a premium file-share
// account (account_kind "FileStorage"), which has no blob service.
func azureStorageFileOnly(r *tfplan.Resource) bool {
	kind, ok := r.After("account_kind").Str()
	return ok && strings.EqualFold(kind, "FileStorage")
}

// AzureStorageSoftDelete requires blob and container soft delete on storage accounts.
type AzureStorageSoftDelete struct{}

func (AzureStorageSoftDelete) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-storage-soft-delete",
		Title:         "Storage accounts keep deleted blobs and containers recoverable",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"azurerm_storage_account"},
		References:    []string{"AVD-AZU-0056"},
		Params: []evaluator.ParamSpec{{
			Name:    "min_days",
			Kind:    evaluator.ParamInt,
			Default: azureStorageDefaultSoftDeleteDays,
			Source: "7 days: the azurerm default for delete_retention_policy.days and container_delete_retention_policy.days " +
				"(\"Defaults to 7\", azurerm storage_account docs) and the retention the Azure portal proposes for new accounts; " +
				"Azure accepts 1 to 365",
			Doc: "Fewest days a deleted blob and a deleted container must stay recoverable.",
		}},
		Doc: evaluator.RuleDoc{
			Summary: "Without soft delete, a deleted or overwritten blob, or a whole deleted container, is gone at once; with it, " +
				"they can be restored during the retention period. Accounts created through the API (and so by Terraform) " +
				"have both off unless blob_properties turns them on. The rule gives two findings per account: one for " +
				"blob_properties.delete_retention_policy and one for blob_properties.container_delete_retention_policy. " +
				"Not judged (no finding): destroyed or forgotten accounts (the lifecycle rules cover them) and accounts " +
				"with account_kind = \"FileStorage\", which have no blob service.",
			Pass: "For each of the two policies: azurerm_storage_account that will exist after apply whose blob_properties " +
				"holds the policy block with days >= min_days (default 7), or with days not set when min_days <= 7 " +
				"(azurerm default 7).",
			Fail: "For each of the two policies: the block is not set (soft delete off; a blob_properties block that shows as " +
				"known after apply on create counts as not set when the configuration does not write the policy block), or " +
				"its days is below min_days.",
			Unknown: "For each of the two policies: days (or the block holding it) is known only after apply and the " +
				"configuration writes the policy block, or the plan has no configuration section.",
			Remediation: "In `blob_properties`, add `delete_retention_policy { days = N }` and `container_delete_retention_policy " +
				"{ days = N }` with N >= min_days.",
			Example: "resource \"azurerm_storage_account\" \"main\" {\n  account_tier             = \"Standard\"\n" +
				"  account_replication_type = \"GZRS\"\n\n  blob_properties {\n    delete_retention_policy {\n      days = 14\n    }\n" +
				"    container_delete_retention_policy {\n      days = 14\n    }\n  }\n}",
		},
	}
}

func (AzureStorageSoftDelete) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() || azureStorageFileOnly(r) {
		return nil
	}
	min := c.Int("min_days")
	return []evaluator.Finding{
		azureRetentionBlockAtLeast(c, r, "blob_properties.delete_retention_policy", "blob soft delete", min),
		azureRetentionBlockAtLeast(c, r, "blob_properties.container_delete_retention_policy", "container soft delete", min),
	}
}

// azureRetentionBlockAtLeast judges block.days >= min where an absent block means
// the feature is off and a present block without days means 7.
func azureRetentionBlockAtLeast(c *evaluator.Context, r *tfplan.Resource, block, feature string, min int64) evaluator.Finding {
	path := block + ".days"
	expected := ">= " + strconv.FormatInt(min, 10)
	off := func() evaluator.Finding {
		return c.Fail(r, path, fmt.Sprintf("%s is not set, so %s is off", block, feature), expected, "not set ("+feature+" off)")
	}
	v := r.After(path)
	switch v.State {
	case tfplan.Unknown:
		switch {
		case r.Configured(block) == tfplan.ConfigNotSet:
			return off()
		case r.Configured(path) == tfplan.ConfigNotSet:
			// The block is written without days: azurerm fills in 7.
			return azureAtLeast(c, r, path, azureStorageDefaultSoftDeleteDays, true, min, expected)
		}
		return c.Unknown(r, path, expected)
	case tfplan.NotSet:
		if b := r.After(block); b.State == tfplan.Known && !azureEmptyList(b) {
			return azureAtLeast(c, r, path, azureStorageDefaultSoftDeleteDays, true, min, expected)
		}
		return off()
	}
	n, ok := v.Int()
	if !ok {
		return c.Fail(r, path, path+" is not a whole number", expected, v.Display())
	}
	return azureAtLeast(c, r, path, n, false, min, expected)
}

func azureAtLeast(c *evaluator.Context, r *tfplan.Resource, path string, n int64, defaulted bool, min int64, expected string) evaluator.Finding {
	shown := strconv.FormatInt(n, 10)
	if defaulted {
		shown = "not set (provider default " + shown + ")"
	}
	if n < min {
		return c.Fail(r, path, fmt.Sprintf("%s is %s, below the minimum of %d", path, shown, min), expected, shown)
	}
	return c.Pass(r, path, fmt.Sprintf("%s is %s", path, shown))
}

// azureGeoReplication are the account_replication_type values accepted by default.
var azureGeoReplication = []string{"GRS", "RAGRS", "GZRS", "RAGZRS", "ZRS"}

// AzureStorageReplication requires storage accounts to keep copies beyond one datacenter.
type AzureStorageReplication struct{}

func (AzureStorageReplication) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-storage-replication",
		Title:         "Storage accounts replicate beyond one datacenter",
		Severity:      evaluator.SeverityMedium,
		Category:      "resilience",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"azurerm_storage_account"},
		References:    []string{"CKV_AZURE_206", "AVD-AZU-0058"},
		Params: []evaluator.ParamSpec{{
			Name:    "allowed",
			Kind:    evaluator.ParamStringList,
			Default: azureGeoReplication,
			Source: "Azure Storage redundancy options: LRS keeps three copies in one datacenter; ZRS spreads them over " +
				"availability zones; GRS, RAGRS, GZRS and RAGZRS also copy to the paired region. Trivy AVD-AZU-0058 accepts " +
				"only the geo-redundant four; prodgate also accepts ZRS, which survives the loss of a datacenter",
			Doc: "account_replication_type values that pass (compared without regard to case). Remove ZRS to require a second region.",
		}},
		Doc: evaluator.RuleDoc{
			Summary: "A locally redundant (LRS) account keeps every copy in one datacenter: a fire, flood or zone outage there " +
				"can lose or lock the data. Not judged (no finding): destroyed or forgotten accounts.",
			Pass: "azurerm_storage_account that will exist after apply whose account_replication_type is in allowed (default " +
				"GRS, RAGRS, GZRS, RAGZRS, ZRS), compared without regard to case.",
			Fail: "account_replication_type is any other value (LRS), or not set (it is required by azurerm, so only a " +
				"hand-made plan leaves it out).",
			Unknown:     "account_replication_type is known only after apply.",
			Remediation: "Set `account_replication_type` to \"GZRS\" (or another value in allowed). Azure converts LRS to ZRS or GRS in place for most account kinds.",
			Example:     "resource \"azurerm_storage_account\" \"main\" {\n  account_tier             = \"Standard\"\n  account_replication_type = \"GZRS\"\n}",
		},
	}
}

func (AzureStorageReplication) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const path = "account_replication_type"
	allowed := c.Strings("allowed")
	expected := "one of " + strings.Join(allowed, ", ")
	v := r.After(path)
	switch v.State {
	case tfplan.Unknown:
		return []evaluator.Finding{c.Unknown(r, path, expected)}
	case tfplan.NotSet:
		return []evaluator.Finding{c.Fail(r, path, path+" is not set", expected, v.Display())}
	}
	got, _ := v.Str()
	for _, a := range allowed {
		if strings.EqualFold(a, got) {
			return []evaluator.Finding{c.Pass(r, path, path+" is "+v.Display())}
		}
	}
	return []evaluator.Finding{c.Fail(r, path, fmt.Sprintf("%s is %s, which keeps every copy in one datacenter or is not allowed", path, v.Display()),
		expected, v.Display())}
}

// AzureStoragePublicNetworkAccess requires storage accounts to refuse public
// network traffic, either entirely or through a deny-by-default firewall.
type AzureStoragePublicNetworkAccess struct{}

func (AzureStoragePublicNetworkAccess) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-storage-public-network-access",
		Title:         "Storage accounts are not open to every network",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"azurerm_storage_account"},
		References:    []string{"CKV_AZURE_59", "CKV_AZURE_35", "AVD-AZU-0012"},
		Doc: evaluator.RuleDoc{
			Summary: "By default a storage account's endpoints accept traffic from any network, so a leaked key or SAS token " +
				"works from anywhere. Either turn the public endpoint off (private endpoints only) or put the account " +
				"firewall on deny-by-default with named IP ranges and subnets. The firewall can be written inline " +
				"(network_rules) or as an azurerm_storage_account_network_rules resource; that resource counts when its " +
				"storage_account_id equals the account's id, or, when the id is not yet known, when its expression " +
				"references the account in the same module instance (including resources only in prior_state). Not " +
				"judged (no finding): destroyed or forgotten accounts.",
			Pass: "azurerm_storage_account that will exist after apply with public_network_access_enabled = false; or with " +
				"network_rules.default_action = \"Deny\"; or targeted by an azurerm_storage_account_network_rules that will " +
				"exist after apply with default_action = \"Deny\".",
			Fail: "None of those: public_network_access_enabled is true or not set (azurerm default true) and the firewall " +
				"default action is \"Allow\" or not set (Azure default Allow; an inline network_rules block that shows as " +
				"known after apply on create counts as not set when the configuration does not write it).",
			Unknown: "Nothing passes and one of the three values (public_network_access_enabled, network_rules.default_action, " +
				"a targeting network-rules resource's default_action) is known only after apply while the configuration " +
				"writes it (or the plan has no configuration section).",
			Remediation: "Set `public_network_access_enabled = false` and use private endpoints, or add `network_rules { " +
				"default_action = \"Deny\" ... }` listing the IP ranges and subnets that need access.",
			Example: "resource \"azurerm_storage_account\" \"main\" {\n  account_tier                  = \"Standard\"\n" +
				"  account_replication_type      = \"GZRS\"\n  public_network_access_enabled = false\n}",
		},
	}
}

func (AzureStoragePublicNetworkAccess) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const pnaPath = "public_network_access_enabled"
	const actionPath = "network_rules.default_action"
	const expected = `public_network_access_enabled = false or default_action = "Deny"`
	var unknownAttr string
	pna := evaluator.EffectiveAfter(r, pnaPath, true)
	if pna.Known() {
		if b, ok := azureRawBool(pna.Raw); ok && !b {
			return []evaluator.Finding{c.Pass(r, pnaPath, pnaPath+" is false")}
		}
	} else if pna.Value.State == tfplan.Unknown {
		unknownAttr = pnaPath
	}
	action := evaluator.EffectiveAfter(r, actionPath, "Allow")
	if action.Known() {
		if s, ok := action.Raw.(string); ok && strings.EqualFold(s, "Deny") {
			return []evaluator.Finding{c.Pass(r, actionPath, actionPath+` is "Deny"`)}
		}
	} else if action.Value.State == tfplan.Unknown && unknownAttr == "" {
		unknownAttr = actionPath
	}
	for _, nr := range c.Plan.Pointing("azurerm_storage_account_network_rules", "storage_account_id", r, "id") {
		v := nr.After("default_action")
		if s, ok := v.Str(); ok && strings.EqualFold(s, "Deny") {
			return []evaluator.Finding{c.Pass(r, "network_rules", nr.Address+` sets default_action to "Deny"`)}
		}
		if v.State == tfplan.Unknown && unknownAttr == "" {
			unknownAttr = nr.Address + ".default_action"
		}
	}
	if unknownAttr != "" {
		return []evaluator.Finding{c.UnknownBecause(r, pnaPath, unknownAttr+" is known only after apply, so the plan cannot show the account refuses public traffic", expected)}
	}
	actual := pnaPath + " " + pna.Display() + ", default_action " + action.Display()
	return []evaluator.Finding{c.Fail(r, pnaPath,
		"the account accepts traffic from every network: "+actual, expected, actual)}
}

func azureRawBool(raw any) (bool, bool) {
	b, ok := raw.(bool)
	return b, ok
}

// AzureStorageNoPublicBlob forbids anonymous public access to containers and blobs.
type AzureStorageNoPublicBlob struct{}

func (AzureStorageNoPublicBlob) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-storage-no-public-blob",
		Title:         "Storage accounts forbid anonymous access to blobs",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"azurerm_storage_account"},
		Doc: evaluator.RuleDoc{
			Summary: "When an account allows nested items to be public, any container can be switched to anonymous read " +
				"access, and its blobs can then be listed and downloaded by anyone with the URL. azurerm defaults " +
				"allow_nested_items_to_be_public to true, the opposite of Azure's own default for new accounts. azurerm " +
				"2.x called the setting allow_blob_public_access (default false); when allow_nested_items_to_be_public is " +
				"absent or null and allow_blob_public_access is known, the older attribute is judged instead. Not judged (no finding): destroyed or forgotten accounts.",
			Pass: "azurerm_storage_account that will exist after apply with allow_nested_items_to_be_public = false (or, in a " +
				"plan from azurerm 2.x, allow_blob_public_access = false).",
			Fail: "allow_nested_items_to_be_public = true, or not set (azurerm 3.x and 4.x default true); or, azurerm 2.x, " +
				"allow_blob_public_access = true.",
			Unknown: "The attribute is known only after apply and the configuration writes it (or the plan has no " +
				"configuration section to show that it was left unset).",
			Remediation: "Set `allow_nested_items_to_be_public = false`; serve public content through a CDN or SAS tokens instead.",
			Example: "resource \"azurerm_storage_account\" \"main\" {\n  account_tier                    = \"Standard\"\n" +
				"  account_replication_type        = \"GZRS\"\n  allow_nested_items_to_be_public = false\n}",
		},
	}
}

func (AzureStorageNoPublicBlob) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const current, legacy = "allow_nested_items_to_be_public", "allow_blob_public_access"
	if r.After(current).State == tfplan.NotSet && r.After(legacy).State == tfplan.Known {
		return []evaluator.Finding{evaluator.RequireBool(c, r, legacy, false, false)}
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, current, false, true)}
}
