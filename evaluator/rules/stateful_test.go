package rules

import (
	"strings"
	"testing"
)

// TestStatefulList keeps the curated list to data-holding types: no
// configuration-only types of the same services, and the examples the
// lifecycle rules are documented with are present.
func TestStatefulList(t *testing.T) {
	for _, typ := range statefulTypeNames() {
		for _, suffix := range []string{"_parameter_group", "_subnet_group", "_option_group", "_policy", "_attachment"} {
			if strings.HasSuffix(typ, suffix) {
				t.Errorf("%s looks configuration-only (%s) and should not be in statefulTypes", typ, suffix)
			}
		}
	}
	for _, typ := range []string{"aws_db_instance", "aws_s3_bucket", "aws_kms_key", "google_sql_database_instance", "azurerm_key_vault",
		// the data-holding types the issue 5 rules judge
		"aws_docdb_cluster", "aws_neptune_cluster", "aws_redshift_cluster", "aws_qldb_ledger", "aws_ebs_volume", "aws_efs_file_system",
		"aws_cloudwatch_log_group", "google_bigquery_table", "google_bigtable_instance", "google_spanner_database", "google_storage_bucket",
		"azurerm_storage_account", "azurerm_mssql_database", "azurerm_postgresql_flexible_server", "azurerm_mysql_flexible_server"} {
		if !isStateful(typ) {
			t.Errorf("%s is missing from statefulTypes", typ)
		}
	}
	for _, typ := range []string{"aws_rds_cluster_instance", "aws_security_group", "aws_db_parameter_group", "aws_instance", "aws_networkfirewall_firewall", "aws_lb"} {
		if isStateful(typ) {
			t.Errorf("%s should not be in statefulTypes", typ)
		}
	}
	sel := statefulFromParams([]string{" aws_fsx_*", "custom_db"}, []string{"aws_sqs_queue"})
	for typ, want := range map[string]bool{"custom_db": true, "aws_fsx_backup": true, "aws_sqs_queue": false, "aws_iam_role": false, "aws_db_instance": true} {
		if got := sel.includes(typ); got != want {
			t.Errorf("includes(%s) = %v, want %v", typ, got, want)
		}
	}
}

// TestProtectedTable checks each entry is well formed: the default's Go type
// matches the kind, and only string kinds list protective values.
func TestProtectedTable(t *testing.T) {
	for _, typ := range protectedTypeNames() {
		seen := map[string]bool{}
		for _, a := range protectedAttrs[typ] {
			where := typ + "." + a.Path
			if a.Path == "" || a.Class == "" {
				t.Errorf("%s: Path and Class are required", where)
			}
			if seen[a.Path] {
				t.Errorf("%s listed twice", where)
			}
			seen[a.Path] = true
			if (a.Kind == protectWhenOneOf) != (len(a.Values) > 0) {
				t.Errorf("%s: Values are for string kinds only, and required there", where)
			}
			if a.Default == nil {
				continue
			}
			ok := false
			switch a.Kind {
			case protectWhenTrue, protectWhenFalse:
				_, ok = a.Default.(bool)
			case protectWhenHigher:
				_, ok = a.Default.(int64)
			case protectWhenOneOf:
				_, ok = a.Default.(string)
			}
			if !ok {
				t.Errorf("%s: default %#v does not match its kind", where, a.Default)
			}
		}
	}
}

// TestProtectedTableCoversIssue5 pins the protection attributes the issue 5
// rules rely on, with the kind and default each must keep, so that a
// lowering or drift of any of them is judged even before its rule lands.
func TestProtectedTableCoversIssue5(t *testing.T) {
	type want struct {
		kind protectionKind
		def  any
	}
	for _, tc := range []struct {
		typ, path string
		want      want
	}{
		{"aws_neptune_cluster", "deletion_protection", want{protectWhenTrue, false}},
		{"aws_neptune_cluster", "backup_retention_period", want{protectWhenHigher, int64(1)}},
		{"aws_docdb_cluster", "deletion_protection", want{protectWhenTrue, false}},
		{"aws_docdb_cluster", "backup_retention_period", want{protectWhenHigher, int64(1)}},
		{"aws_redshift_cluster", "automated_snapshot_retention_period", want{protectWhenHigher, int64(1)}},
		{"aws_redshift_cluster", "publicly_accessible", want{protectWhenFalse, false}},
		{"aws_networkfirewall_firewall", "delete_protection", want{protectWhenTrue, false}},
		{"aws_qldb_ledger", "deletion_protection", want{protectWhenTrue, true}},
		{"aws_instance", "disable_api_termination", want{protectWhenTrue, false}},
		{"aws_db_instance", "publicly_accessible", want{protectWhenFalse, false}},
		{"aws_rds_cluster_instance", "publicly_accessible", want{protectWhenFalse, false}},
		{"aws_s3_bucket_public_access_block", "block_public_acls", want{protectWhenTrue, false}},
		{"aws_s3_bucket_public_access_block", "block_public_policy", want{protectWhenTrue, false}},
		{"aws_s3_bucket_public_access_block", "ignore_public_acls", want{protectWhenTrue, false}},
		{"aws_s3_bucket_public_access_block", "restrict_public_buckets", want{protectWhenTrue, false}},
		{"aws_s3_account_public_access_block", "restrict_public_buckets", want{protectWhenTrue, false}},
		{"google_sql_database_instance", "settings.backup_configuration.backup_retention_settings.retained_backups", want{protectWhenHigher, nil}},
		{"google_sql_database_instance", "settings.ip_configuration.ipv4_enabled", want{protectWhenFalse, true}},
		{"google_bigquery_table", "deletion_protection", want{protectWhenTrue, true}},
		{"google_bigtable_instance", "deletion_protection", want{protectWhenTrue, true}},
		{"google_spanner_database", "deletion_protection", want{protectWhenTrue, true}},
		{"google_storage_bucket", "versioning.enabled", want{protectWhenTrue, nil}},
		{"google_storage_bucket", "public_access_prevention", want{protectWhenOneOf, "inherited"}},
		{"azurerm_storage_account", "blob_properties.delete_retention_policy.days", want{protectWhenHigher, nil}},
		{"azurerm_storage_account", "public_network_access_enabled", want{protectWhenFalse, true}},
		{"azurerm_key_vault", "soft_delete_retention_days", want{protectWhenHigher, int64(90)}},
		{"azurerm_mssql_database", "short_term_retention_policy.retention_days", want{protectWhenHigher, nil}},
		{"azurerm_mssql_server", "public_network_access_enabled", want{protectWhenFalse, true}},
		{"azurerm_postgresql_flexible_server", "geo_redundant_backup_enabled", want{protectWhenTrue, false}},
		{"azurerm_postgresql_server", "geo_redundant_backup_enabled", want{protectWhenTrue, false}},
		{"azurerm_mysql_flexible_server", "geo_redundant_backup_enabled", want{protectWhenTrue, false}},
		{"azurerm_mysql_server", "geo_redundant_backup_enabled", want{protectWhenTrue, false}},
	} {
		found := false
		for _, a := range protectedAttrsOf(tc.typ) {
			if a.Path != tc.path {
				continue
			}
			found = true
			if a.Kind != tc.want.kind || a.Default != tc.want.def {
				t.Errorf("%s.%s: kind %d default %#v, want kind %d default %#v", tc.typ, tc.path, a.Kind, a.Default, tc.want.kind, tc.want.def)
			}
		}
		if !found {
			t.Errorf("%s.%s is missing from protectedAttrs", tc.typ, tc.path)
		}
	}
}
