package rules

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// protectionKind says which values of an attribute protect the resource.
type protectionKind int

const (
	// protectWhenTrue: a bool where true protects (deletion_protection).
	protectWhenTrue protectionKind = iota
	// protectWhenFalse: a bool where false protects (skip_final_snapshot,
	// force_destroy).
	protectWhenFalse
	// protectWhenHigher: a whole number where more protects and 0 protects
	// nothing (backup_retention_period, recovery_window_in_days).
	protectWhenHigher
	// protectWhenOneOf: a string where the listed values protect and any
	// other value does not (versioning status "Enabled").
	protectWhenOneOf
)

// protectionClass groups attributes by what they protect against, for messages.
const (
	classDeletion   = "deletion protection"
	classBackup     = "backups"
	classRecovery   = "recovery of deleted data"
	classRedundancy = "geo-redundancy"
	// classExposure: settings that keep data off the internet
	// (publicly_accessible = false, S3 public access block flags).
	classExposure = "protection from public access"
)

// protectedAttr is one attribute that protects a resource's data.
type protectedAttr struct {
	Path  string
	Kind  protectionKind
	Class string
	// Values are the protective values of a protectWhenOneOf attribute.
	Values []string
	// Default is the provider's value when the attribute is unset (nil when
	// there is none worth assuming: unset then counts as unprotected).
	Default any
}

// protectedAttrs lists, per resource type, the attributes whose protective
// value lifecycle-protection-lowered keeps from being weakened and
// lifecycle-drift-protected watches for out-of-band change. Keep types sorted.
//
// Default is the provider's value when the attribute is unset. Attributes with
// a schema default always appear in real plans, so Default matters mostly for
// hand-written plans and for Optional+Computed attributes; it is left nil when
// the provider computes the value (nothing is assumed).
//
// Deliberately left out: aws_cloudwatch_log_group retention_in_days (0 means
// "never expire", the most protective value, which no kind here orders
// correctly), RDS multi_az and other availability settings (they protect
// uptime, not data), and ISO-8601 duration strings (MSSQL long-term retention,
// KMS destroy_scheduled_duration), which need a duration kind.
var protectedAttrs = map[string][]protectedAttr{
	// AWS: deletion protection, final snapshots and automated backups.
	"aws_alb": {{Path: "enable_deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: false}},
	"aws_backup_vault": {
		{Path: "force_destroy", Kind: protectWhenFalse, Class: classRecovery, Default: false},
	},
	"aws_cognito_user_pool": {
		{Path: "deletion_protection", Kind: protectWhenOneOf, Values: []string{"ACTIVE"}, Class: classDeletion, Default: "INACTIVE"},
	},
	"aws_db_instance": {
		{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: false},
		{Path: "skip_final_snapshot", Kind: protectWhenFalse, Class: classBackup, Default: false},
		{Path: "backup_retention_period", Kind: protectWhenHigher, Class: classBackup},
		{Path: "delete_automated_backups", Kind: protectWhenFalse, Class: classBackup, Default: true},
		{Path: "publicly_accessible", Kind: protectWhenFalse, Class: classExposure, Default: false},
	},
	"aws_docdb_cluster": {
		{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: false},
		{Path: "skip_final_snapshot", Kind: protectWhenFalse, Class: classBackup, Default: false},
		{Path: "backup_retention_period", Kind: protectWhenHigher, Class: classBackup, Default: int64(1)},
	},
	"aws_dynamodb_table": {
		{Path: "deletion_protection_enabled", Kind: protectWhenTrue, Class: classDeletion, Default: false},
		{Path: "point_in_time_recovery.enabled", Kind: protectWhenTrue, Class: classBackup, Default: false},
	},
	"aws_ebs_volume": {{Path: "final_snapshot", Kind: protectWhenTrue, Class: classBackup, Default: false}},
	"aws_ecr_repository": {
		{Path: "force_delete", Kind: protectWhenFalse, Class: classRecovery, Default: false},
	},
	"aws_elasticache_cluster": {
		{Path: "snapshot_retention_limit", Kind: protectWhenHigher, Class: classBackup, Default: int64(0)},
	},
	"aws_elasticache_replication_group": {
		{Path: "snapshot_retention_limit", Kind: protectWhenHigher, Class: classBackup, Default: int64(0)},
	},
	"aws_elasticache_serverless_cache": {
		{Path: "snapshot_retention_limit", Kind: protectWhenHigher, Class: classBackup},
	},
	"aws_fsx_lustre_file_system": {
		{Path: "automatic_backup_retention_days", Kind: protectWhenHigher, Class: classBackup},
	},
	"aws_fsx_ontap_file_system": {
		{Path: "automatic_backup_retention_days", Kind: protectWhenHigher, Class: classBackup},
	},
	"aws_fsx_openzfs_file_system": {
		{Path: "automatic_backup_retention_days", Kind: protectWhenHigher, Class: classBackup},
		{Path: "skip_final_backup", Kind: protectWhenFalse, Class: classBackup},
	},
	"aws_fsx_windows_file_system": {
		{Path: "automatic_backup_retention_days", Kind: protectWhenHigher, Class: classBackup},
		{Path: "skip_final_backup", Kind: protectWhenFalse, Class: classBackup},
	},
	"aws_instance": {{Path: "disable_api_termination", Kind: protectWhenTrue, Class: classDeletion, Default: false}},
	"aws_kms_key": {
		{Path: "deletion_window_in_days", Kind: protectWhenHigher, Class: classRecovery, Default: int64(30)},
	},
	"aws_lb": {{Path: "enable_deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: false}},
	"aws_memorydb_cluster": {
		{Path: "snapshot_retention_limit", Kind: protectWhenHigher, Class: classBackup},
	},
	"aws_neptune_cluster": {
		{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: false},
		{Path: "skip_final_snapshot", Kind: protectWhenFalse, Class: classBackup, Default: false},
		{Path: "backup_retention_period", Kind: protectWhenHigher, Class: classBackup, Default: int64(1)},
	},
	"aws_networkfirewall_firewall": {
		{Path: "delete_protection", Kind: protectWhenTrue, Class: classDeletion, Default: false},
	},
	"aws_qldb_ledger": {{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: true}},
	"aws_rds_cluster": {
		{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: false},
		{Path: "skip_final_snapshot", Kind: protectWhenFalse, Class: classBackup, Default: false},
		{Path: "backup_retention_period", Kind: protectWhenHigher, Class: classBackup, Default: int64(1)},
		{Path: "delete_automated_backups", Kind: protectWhenFalse, Class: classBackup, Default: true},
	},
	"aws_rds_cluster_instance": {
		{Path: "publicly_accessible", Kind: protectWhenFalse, Class: classExposure, Default: false},
	},
	"aws_redshift_cluster": {
		{Path: "skip_final_snapshot", Kind: protectWhenFalse, Class: classBackup, Default: false},
		{Path: "automated_snapshot_retention_period", Kind: protectWhenHigher, Class: classBackup, Default: int64(1)},
		// Default false since AWS provider 6.0 (it was true before; plans always show the value).
		{Path: "publicly_accessible", Kind: protectWhenFalse, Class: classExposure, Default: false},
	},
	"aws_route53_zone": {{Path: "force_destroy", Kind: protectWhenFalse, Class: classRecovery, Default: false}},
	"aws_s3_account_public_access_block": {
		{Path: "block_public_acls", Kind: protectWhenTrue, Class: classExposure, Default: false},
		{Path: "block_public_policy", Kind: protectWhenTrue, Class: classExposure, Default: false},
		{Path: "ignore_public_acls", Kind: protectWhenTrue, Class: classExposure, Default: false},
		{Path: "restrict_public_buckets", Kind: protectWhenTrue, Class: classExposure, Default: false},
	},
	"aws_s3_bucket": {
		{Path: "force_destroy", Kind: protectWhenFalse, Class: classRecovery, Default: false},
		{Path: "versioning.enabled", Kind: protectWhenTrue, Class: classRecovery},
		{Path: "object_lock_enabled", Kind: protectWhenTrue, Class: classRecovery, Default: false},
	},
	"aws_s3_bucket_public_access_block": {
		{Path: "block_public_acls", Kind: protectWhenTrue, Class: classExposure, Default: false},
		{Path: "block_public_policy", Kind: protectWhenTrue, Class: classExposure, Default: false},
		{Path: "ignore_public_acls", Kind: protectWhenTrue, Class: classExposure, Default: false},
		{Path: "restrict_public_buckets", Kind: protectWhenTrue, Class: classExposure, Default: false},
	},
	"aws_s3_bucket_versioning": {
		{Path: "versioning_configuration.status", Kind: protectWhenOneOf, Values: []string{"Enabled"}, Class: classRecovery},
		{Path: "versioning_configuration.mfa_delete", Kind: protectWhenOneOf, Values: []string{"Enabled"}, Class: classRecovery},
	},
	"aws_secretsmanager_secret": {
		{Path: "recovery_window_in_days", Kind: protectWhenHigher, Class: classRecovery, Default: int64(30)},
	},

	// Azure: retention days, purge protection and soft delete.
	"azurerm_cosmosdb_account": {
		{Path: "backup.retention_in_hours", Kind: protectWhenHigher, Class: classBackup},
	},
	"azurerm_key_vault": {
		{Path: "purge_protection_enabled", Kind: protectWhenTrue, Class: classDeletion, Default: false},
		{Path: "soft_delete_retention_days", Kind: protectWhenHigher, Class: classRecovery, Default: int64(90)},
	},
	"azurerm_key_vault_managed_hardware_security_module": {
		{Path: "purge_protection_enabled", Kind: protectWhenTrue, Class: classDeletion, Default: false},
		{Path: "soft_delete_retention_days", Kind: protectWhenHigher, Class: classRecovery, Default: int64(90)},
	},
	"azurerm_mariadb_server": {
		{Path: "backup_retention_days", Kind: protectWhenHigher, Class: classBackup, Default: int64(7)},
		{Path: "geo_redundant_backup_enabled", Kind: protectWhenTrue, Class: classBackup, Default: false},
	},
	"azurerm_mssql_database": {
		{Path: "short_term_retention_policy.retention_days", Kind: protectWhenHigher, Class: classBackup},
	},
	"azurerm_mssql_server": {
		{Path: "public_network_access_enabled", Kind: protectWhenFalse, Class: classExposure, Default: true},
	},
	"azurerm_mysql_flexible_server": {
		{Path: "backup_retention_days", Kind: protectWhenHigher, Class: classBackup, Default: int64(7)},
		{Path: "geo_redundant_backup_enabled", Kind: protectWhenTrue, Class: classBackup, Default: false},
	},
	"azurerm_mysql_server": {
		{Path: "backup_retention_days", Kind: protectWhenHigher, Class: classBackup, Default: int64(7)},
		{Path: "geo_redundant_backup_enabled", Kind: protectWhenTrue, Class: classBackup, Default: false},
	},
	"azurerm_postgresql_flexible_server": {
		{Path: "backup_retention_days", Kind: protectWhenHigher, Class: classBackup, Default: int64(7)},
		{Path: "geo_redundant_backup_enabled", Kind: protectWhenTrue, Class: classBackup, Default: false},
	},
	"azurerm_postgresql_server": {
		{Path: "backup_retention_days", Kind: protectWhenHigher, Class: classBackup, Default: int64(7)},
		{Path: "geo_redundant_backup_enabled", Kind: protectWhenTrue, Class: classBackup, Default: false},
	},
	"azurerm_recovery_services_vault": {
		{Path: "soft_delete_enabled", Kind: protectWhenTrue, Class: classRecovery, Default: true},
	},
	"azurerm_storage_account": {
		{Path: "blob_properties.versioning_enabled", Kind: protectWhenTrue, Class: classRecovery},
		{Path: "blob_properties.delete_retention_policy.days", Kind: protectWhenHigher, Class: classRecovery},
		{Path: "blob_properties.container_delete_retention_policy.days", Kind: protectWhenHigher, Class: classRecovery},
		{Path: "account_replication_type", Kind: protectWhenOneOf, Values: []string{"GRS", "RAGRS", "GZRS", "RAGZRS"}, Class: classRedundancy},
		{Path: "public_network_access_enabled", Kind: protectWhenFalse, Class: classExposure, Default: true},
		{Path: "allow_nested_items_to_be_public", Kind: protectWhenFalse, Class: classExposure, Default: true},
	},

	// Google Cloud: Terraform-side and API-side deletion protection, backups.
	"google_bigquery_dataset": {
		{Path: "delete_contents_on_destroy", Kind: protectWhenFalse, Class: classDeletion, Default: false},
	},
	"google_bigquery_table":    {{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: true}},
	"google_bigtable_instance": {{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: true}},
	"google_bigtable_table": {
		{Path: "deletion_protection", Kind: protectWhenOneOf, Values: []string{"PROTECTED"}, Class: classDeletion},
	},
	"google_compute_instance":  {{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: false}},
	"google_container_cluster": {{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: true}},
	"google_dns_managed_zone":  {{Path: "force_destroy", Kind: protectWhenFalse, Class: classRecovery, Default: false}},
	"google_filestore_instance": {
		{Path: "deletion_protection_enabled", Kind: protectWhenTrue, Class: classDeletion, Default: false},
	},
	"google_firestore_database": {
		{Path: "delete_protection_state", Kind: protectWhenOneOf, Values: []string{"DELETE_PROTECTION_ENABLED"}, Class: classDeletion},
	},
	"google_spanner_database": {
		{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: true},
		{Path: "enable_drop_protection", Kind: protectWhenTrue, Class: classDeletion, Default: false},
	},
	"google_sql_database_instance": {
		{Path: "deletion_protection", Kind: protectWhenTrue, Class: classDeletion, Default: true},
		{Path: "settings.deletion_protection_enabled", Kind: protectWhenTrue, Class: classDeletion, Default: false},
		{Path: "settings.backup_configuration.enabled", Kind: protectWhenTrue, Class: classBackup, Default: false},
		{Path: "settings.backup_configuration.point_in_time_recovery_enabled", Kind: protectWhenTrue, Class: classBackup, Default: false},
		{Path: "settings.backup_configuration.binary_log_enabled", Kind: protectWhenTrue, Class: classBackup, Default: false},
		{Path: "settings.backup_configuration.backup_retention_settings.retained_backups", Kind: protectWhenHigher, Class: classBackup},
		{Path: "settings.backup_configuration.transaction_log_retention_days", Kind: protectWhenHigher, Class: classBackup},
		{Path: "settings.ip_configuration.ipv4_enabled", Kind: protectWhenFalse, Class: classExposure, Default: true},
	},
	"google_storage_bucket": {
		{Path: "force_destroy", Kind: protectWhenFalse, Class: classRecovery, Default: false},
		{Path: "versioning.enabled", Kind: protectWhenTrue, Class: classRecovery},
		{Path: "soft_delete_policy.retention_duration_seconds", Kind: protectWhenHigher, Class: classRecovery},
		{Path: "public_access_prevention", Kind: protectWhenOneOf, Values: []string{"enforced"}, Class: classExposure, Default: "inherited"},
	},
}

// protectedAttrsOf returns the protection attributes of a type (nil if none).
func protectedAttrsOf(resourceType string) []protectedAttr { return protectedAttrs[resourceType] }

// protectedTypeNames lists the types in protectedAttrs, sorted.
func protectedTypeNames() []string {
	out := make([]string, 0, len(protectedAttrs))
	for t := range protectedAttrs {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// protectedAttrList renders the table for rule documentation:
// "aws_db_instance: deletion_protection (true protects), …".
func protectedAttrList() string {
	var b strings.Builder
	for i, t := range protectedTypeNames() {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(t + ": ")
		for j, a := range protectedAttrs[t] {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.Path + " (" + a.kindWords())
			if std, ok := protectionStandards[t][a.Path]; ok {
				b.WriteString("; " + std.rule.Meta().ID)
				if std.param != "" {
					b.WriteString(" " + std.param)
				}
			}
			b.WriteString(")")
		}
	}
	return b.String()
}

func (a protectedAttr) kindWords() string {
	switch a.Kind {
	case protectWhenTrue:
		return "true protects"
	case protectWhenFalse:
		return "false protects"
	case protectWhenHigher:
		return "higher protects"
	}
	quoted := make([]string, len(a.Values))
	for i, v := range a.Values {
		quoted[i] = strconv.Quote(v)
	}
	return strings.Join(quoted, " or ") + " protects"
}

// level is how much one value of an attribute protects; higher is stronger.
// For bools and strings it is 1 (protective) or 0; for numbers it is the
// number itself (0 protects nothing). ok is false when the value cannot be
// judged: unknown, or of the wrong type.
func (a protectedAttr) level(raw any) (n int64, ok bool) {
	switch a.Kind {
	case protectWhenTrue, protectWhenFalse:
		b, ok := evaluator.BoolOf(raw)
		if !ok {
			return 0, false
		}
		if b == (a.Kind == protectWhenTrue) {
			return 1, true
		}
		return 0, true
	case protectWhenHigher:
		return evaluator.IntOf(raw)
	}
	s, ok := raw.(string)
	if !ok {
		return 0, false
	}
	for _, v := range a.Values {
		if s == v {
			return 1, true
		}
	}
	return 0, true
}

// expected says in words what keeps the protection at least at before.
func (a protectedAttr) expected(before judged) string {
	switch a.Kind {
	case protectWhenTrue:
		return "true"
	case protectWhenFalse:
		return "false"
	case protectWhenHigher:
		return ">= " + before.short()
	}
	quoted := make([]string, len(a.Values))
	for i, v := range a.Values {
		quoted[i] = strconv.Quote(v)
	}
	return strings.Join(quoted, " or ")
}

// judged is one side (before, after) of a protected attribute.
type judged struct {
	value tfplan.Value
	// raw is the value to judge, with the provider default substituted when unset.
	raw       any
	defaulted bool
}

// display renders the side for a finding without revealing sensitive values.
func (j judged) display() string {
	if j.value.Sensitive {
		return j.value.Display()
	}
	if j.defaulted {
		return "not set (provider default " + displayRaw(j.raw) + ")"
	}
	return j.value.Display()
}

// short renders the value alone (no "provider default" wording) for arrows.
func (j judged) short() string {
	if j.value.Sensitive || !j.defaulted {
		return j.value.Display()
	}
	return displayRaw(j.raw)
}

// known is false when the side is known only after apply.
func (j judged) known() bool { return j.value.State != tfplan.Unknown }

// judge resolves a read value against the attribute's default. Unset with no
// default counts as the weakest value (level 0).
func (a protectedAttr) judge(v tfplan.Value) judged {
	if v.State == tfplan.NotSet && a.Default != nil {
		return judged{value: v, raw: a.Default, defaulted: true}
	}
	return judged{value: v, raw: v.Raw()}
}

// levelOf returns the protection level of a judged side; unset with no
// default is level 0; ok is false for unknown or ill-typed values.
func (a protectedAttr) levelOf(j judged) (int64, bool) {
	if !j.known() {
		return 0, false
	}
	if j.value.State == tfplan.NotSet && !j.defaulted {
		return 0, true
	}
	return a.level(j.raw)
}

// sameValue says whether two sides hold the same judged value.
func sameValue(x, y judged) bool {
	if x.known() != y.known() {
		return false
	}
	return reflect.DeepEqual(normalizeRaw(x.raw), normalizeRaw(y.raw))
}

// normalizeRaw makes JSON numbers (float64) and table defaults (int64) compare equal.
func normalizeRaw(raw any) any {
	if n, ok := raw.(float64); ok && n == float64(int64(n)) {
		return int64(n)
	}
	return raw
}

func displayRaw(raw any) string {
	switch t := raw.(type) {
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case string:
		return strconv.Quote(t)
	case nil:
		return "null"
	}
	return fmt.Sprint(raw)
}
