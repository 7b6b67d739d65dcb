package rules

import (
	"strconv"
	"strings"
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

// TestBoolTable runs, on every row of boolTable and each of its resource
// types, the cases every flag rule shares (flagCases) for the attribute, value
// and default in boolWants, then the row's own cases from boolCases.
func TestBoolTable(t *testing.T) {
	own := boolCases()
	rows := map[string]bool{}
	for i := range boolTable {
		row := &boolTable[i]
		rows[row.ID] = true
		t.Run(row.ID, func(t *testing.T) {
			want, ok := boolWants[row.ID]
			if !ok {
				t.Fatalf("no boolWants entry: say which attribute, wanted value and provider default the rule holds")
			}
			var cases []ruleCase
			for _, typ := range row.ResourceTypes {
				for _, tc := range flagCases(row.ID, typ, want.attr, want.want, want.def, nil) {
					tc.name = typ + ": " + tc.name
					cases = append(cases, tc)
				}
			}
			runRuleCases(t, row, append(cases, own[row.ID]...))
		})
	}
	for id := range boolWants {
		if !rows[id] {
			t.Errorf("boolWants names %s, which is not a row of boolTable", id)
		}
	}
	for id := range own {
		if !rows[id] {
			t.Errorf("boolCases has cases for %s, which is not a row of boolTable", id)
		}
	}
}

// boolWants is what each row must hold, written apart from the row so that a
// wrong attribute, wanted value or provider default in boolTable fails.
var boolWants = map[string]struct {
	attr      string
	want, def bool
}{
	"aws-docdb-deletion-protection":                {attr: "deletion_protection", want: true, def: false},
	"aws-docdb-storage-encrypted":                  {attr: "storage_encrypted", want: true, def: false},
	"aws-dynamodb-deletion-protection":             {attr: "deletion_protection_enabled", want: true, def: false},
	"aws-dynamodb-pitr":                            {attr: "point_in_time_recovery.enabled", want: true, def: false},
	"aws-ec2-termination-protection":               {attr: "disable_api_termination", want: true, def: false},
	"aws-efs-encryption":                           {attr: "encrypted", want: true, def: false},
	"aws-elasticache-automatic-failover":           {attr: "automatic_failover_enabled", want: true, def: false},
	"aws-elasticache-multi-az":                     {attr: "multi_az_enabled", want: true, def: false},
	"aws-lb-deletion-protection":                   {attr: "enable_deletion_protection", want: true, def: false},
	"aws-neptune-deletion-protection":              {attr: "deletion_protection", want: true, def: false},
	"aws-neptune-storage-encrypted":                {attr: "storage_encrypted", want: true, def: false},
	"aws-network-firewall-deletion-protection":     {attr: "delete_protection", want: true, def: false},
	"aws-qldb-deletion-protection":                 {attr: "deletion_protection", want: true, def: true},
	"aws-rds-copy-tags-to-snapshot":                {attr: "copy_tags_to_snapshot", want: true, def: false},
	"aws-rds-deletion-protection":                  {attr: "deletion_protection", want: true, def: false},
	"aws-rds-multi-az":                             {attr: "multi_az", want: true, def: false},
	"aws-rds-publicly-accessible":                  {attr: "publicly_accessible", want: false, def: false},
	"aws-redshift-encrypted":                       {attr: "encrypted", want: true, def: false},
	"aws-redshift-publicly-accessible":             {attr: "publicly_accessible", want: false, def: true},
	"azure-db-geo-redundant-backup":                {attr: "geo_redundant_backup_enabled", want: true, def: false},
	"azure-key-vault-purge-protection":             {attr: "purge_protection_enabled", want: true, def: false},
	"azure-mssql-zone-redundant":                   {attr: "zone_redundant", want: true, def: false},
	"azure-sql-public-network-access":              {attr: "public_network_access_enabled", want: false, def: true},
	"azure-storage-blob-versioning":                {attr: "blob_properties.versioning_enabled", want: true, def: false},
	"google-bigquery-table-deletion-protection":    {attr: "deletion_protection", want: true, def: true},
	"google-bigtable-instance-deletion-protection": {attr: "deletion_protection", want: true, def: true},
	"google-gke-deletion-protection":               {attr: "deletion_protection", want: true, def: true},
	"google-spanner-database-deletion-protection":  {attr: "deletion_protection", want: true, def: true},
	"google-spanner-database-drop-protection":      {attr: "enable_drop_protection", want: true, def: false},
	"google-sql-deletion-protection":               {attr: "deletion_protection", want: true, def: true},
	"google-sql-deletion-protection-api":           {attr: "settings.deletion_protection_enabled", want: true, def: false},
	"google-sql-no-public-ip":                      {attr: "settings.ip_configuration.ipv4_enabled", want: false, def: true},
	"google-storage-no-force-destroy":              {attr: "force_destroy", want: false, def: false},
	"google-storage-versioning":                    {attr: "versioning.enabled", want: true, def: false},
}

// TestBoolTableRows keeps the table readable and the registry's lookups sound:
// rows in id order, each id found by boolTableRule.
func TestBoolTableRows(t *testing.T) {
	for i := range boolTable {
		id := boolTable[i].ID
		if i > 0 && boolTable[i-1].ID >= id {
			t.Errorf("row %s after %s: keep boolTable in id order", id, boolTable[i-1].ID)
		}
		if got := boolTableRule(id).Meta().ID; got != id {
			t.Errorf("boolTableRule(%q) is %s", id, got)
		}
	}
}

// flagCases are the table rows every "attribute must be want" rule shares:
// the wanted value passes, the other fails (on create, update and either order
// of replacement), an unset value (null, absent, or shown as known after apply
// while the configuration does not write it) is judged at the provider default
// def, a value set from something not yet known, or known after apply in a plan
// without a configuration section, is unknown, and destroyed or forgotten
// resources get no finding. A dotted attribute is written as Terraform renders
// nested blocks. extra holds attributes every row needs (e.g. an engine).
func flagCases(id, typ, attr string, want, def bool, extra map[string]any) []ruleCase {
	addr := typ + ".this"
	with := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range extra {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	// parents is the planned object with attr's enclosing blocks present and
	// attr itself left out: what Terraform shows when attr is unknown.
	parents := with(nil)
	if i := strings.LastIndex(attr, "."); i >= 0 {
		parents = with(nested(attr[:i], map[string]any{}))
	}
	wantS, otherS := strconv.FormatBool(want), strconv.FormatBool(!want)
	defaulted := "not set (provider default " + strconv.FormatBool(def) + ")"
	unset := fail(id, addr, attr, attr+" is "+defaulted, wantS, defaulted)
	if def == want {
		unset = pass(id, addr, attr, attr+" is "+defaulted)
	}
	wrong := fail(id, addr, attr, attr+" is "+otherS, wantS, otherS)
	return []ruleCase{
		{
			name:   attr + " = " + wantS + " passes",
			change: evaltest.Change{Type: typ, After: with(nested(attr, want))},
			want:   []evaluator.Finding{pass(id, addr, attr, attr+" is "+wantS)},
		},
		{
			name:   attr + " = " + otherS + " fails",
			change: evaltest.Change{Type: typ, After: with(nested(attr, !want))},
			want:   []evaluator.Finding{wrong},
		},
		{
			name:   "a null attribute is judged at the provider default " + strconv.FormatBool(def),
			change: evaltest.Change{Type: typ, After: with(nested(attr, nil))},
			want:   []evaluator.Finding{unset},
		},
		{
			name:   "an attribute missing from the planned object is judged at the provider default",
			change: evaltest.Change{Type: typ, After: with(map[string]any{"name": "prod"})},
			want:   []evaluator.Finding{unset},
		},
		{
			name: "an unwritten attribute shown as known after apply is judged at the provider default",
			change: evaltest.Change{Type: typ, After: parents, AfterUnknown: nested(attr, true),
				Config: map[string]any{}},
			want: []evaluator.Finding{unset},
		},
		{
			name: "a value set from something known only after apply is unknown",
			change: evaltest.Change{Type: typ, After: parents, AfterUnknown: nested(attr, true),
				Config: nested(attr, map[string]any{"references": []any{"var.flag"}})},
			want: []evaluator.Finding{unknown(id, addr, attr, wantS)},
		},
		{
			name:   "a value known only after apply in a plan without configuration stays unknown",
			change: evaltest.Change{Type: typ, After: parents, AfterUnknown: nested(attr, true)},
			want:   []evaluator.Finding{unknown(id, addr, attr, wantS)},
		},
		{
			name: "an update to " + otherS + " fails",
			change: evaltest.Change{Type: typ, Actions: []string{"update"},
				Before: with(nested(attr, want)), After: with(nested(attr, !want))},
			want: []evaluator.Finding{wrong},
		},
		{
			name: "a replacement is judged on the new object",
			change: evaltest.Change{Type: typ, Actions: []string{"delete", "create"},
				Before: with(nested(attr, want)), After: with(nested(attr, !want))},
			want: []evaluator.Finding{wrong},
		},
		{
			name: "a create-before-destroy replacement is judged on the new object",
			change: evaltest.Change{Type: typ, Actions: []string{"create", "delete"},
				Before: with(nested(attr, want)), After: with(nested(attr, !want))},
			want: []evaluator.Finding{wrong},
		},
		{
			name:   "a destroyed resource is left to the lifecycle rules",
			change: evaltest.Change{Type: typ, Actions: []string{"delete"}, Before: with(nested(attr, !want))},
			want:   nil,
		},
		{
			name: "a forgotten resource is left to the lifecycle rules",
			change: evaltest.Change{Type: typ, Actions: []string{"forget"},
				Before: with(nested(attr, !want)), After: with(nested(attr, !want))},
			want: nil,
		},
	}
}

// boolCases are the rows' own cases, beyond flagCases: nested blocks left
// out or unknown as a whole, a neighbouring flag that does not count,
// resources a row does not judge, full module addresses.
func boolCases() map[string][]ruleCase {
	notSetFalse, notSetTrue := "not set (provider default false)", "not set (provider default true)"
	return map[string][]ruleCase{
		"aws-neptune-deletion-protection": {{
			name: "a cluster in a module is reported at its full address",
			change: evaltest.Change{Type: "aws_neptune_cluster", Address: "module.graph.aws_neptune_cluster.main[0]",
				ModuleAddress: "module.graph", After: map[string]any{"deletion_protection": true}},
			want: []evaluator.Finding{pass("aws-neptune-deletion-protection", "module.graph.aws_neptune_cluster.main[0]", "deletion_protection",
				"deletion_protection is true")},
		}},
		"aws-dynamodb-pitr": {
			{
				name:   "a table without the block fails with the provider default named",
				change: evaltest.Change{Type: "aws_dynamodb_table", After: map[string]any{"point_in_time_recovery": []any{}}},
				want: []evaluator.Finding{fail("aws-dynamodb-pitr", "aws_dynamodb_table.this", "point_in_time_recovery.enabled",
					"point_in_time_recovery.enabled is "+notSetFalse, "true", notSetFalse)},
			},
			{
				name: "a new table whose computed block is unknown but not configured fails as not set",
				change: evaltest.Change{Type: "aws_dynamodb_table", After: map[string]any{"name": "orders"},
					AfterUnknown: map[string]any{"point_in_time_recovery": true},
					Config:       map[string]any{"name": map[string]any{"constant_value": "orders"}}},
				want: []evaluator.Finding{fail("aws-dynamodb-pitr", "aws_dynamodb_table.this", "point_in_time_recovery.enabled",
					"point_in_time_recovery.enabled is "+notSetFalse, "true", notSetFalse)},
			},
		},
		"aws-ec2-termination-protection": {
			{
				name: "a Spot Instance is not judged because EC2 cannot protect it",
				change: evaltest.Change{Type: "aws_instance", After: map[string]any{"disable_api_termination": false,
					"instance_market_options": []any{map[string]any{"market_type": "spot"}}}},
				want: nil,
			},
			{
				name: "an on-demand market block is judged",
				change: evaltest.Change{Type: "aws_instance", After: map[string]any{"disable_api_termination": true,
					"instance_market_options": []any{map[string]any{"market_type": "capacity-block"}}}},
				want: []evaluator.Finding{pass("aws-ec2-termination-protection", "aws_instance.this", "disable_api_termination",
					"disable_api_termination is true")},
			},
		},
		"aws-rds-multi-az": {
			{
				name: "a read replica is not judged because it is itself a copy of the source",
				change: evaltest.Change{Type: "aws_db_instance",
					After: map[string]any{"replicate_source_db": "main", "multi_az": false}},
				want: nil,
			},
			{
				name:   "an Aurora cluster is not judged",
				change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{"engine": "aurora-postgresql"}},
				want:   nil,
			},
		},
		"aws-rds-publicly-accessible": {{
			name:   "an Aurora cluster itself is not judged: its instances carry the flag",
			change: evaltest.Change{Type: "aws_rds_cluster", After: map[string]any{"engine": "aurora-mysql"}},
			want:   nil,
		}},
		"azure-db-geo-redundant-backup": {{
			name: "a replica keeps no backups of its own and is not judged",
			change: evaltest.Change{Type: "azurerm_postgresql_flexible_server",
				After: map[string]any{"create_mode": "Replica", "geo_redundant_backup_enabled": false}},
			want: nil,
		}},
		"azure-mssql-zone-redundant": {
			{
				name:   "a zone-redundant database outside a pool passes",
				change: evaltest.Change{Type: "azurerm_mssql_database", After: map[string]any{"zone_redundant": true, "elastic_pool_id": nil}},
				want:   []evaluator.Finding{pass("azure-mssql-zone-redundant", sqlDB, "zone_redundant", "zone_redundant is true")},
			},
			{
				name: "a database in an elastic pool is left to the pool",
				change: evaltest.Change{Type: "azurerm_mssql_database",
					After: map[string]any{"zone_redundant": false, "elastic_pool_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/x/elasticPools/p"}},
				want: nil,
			},
			{
				name: "a database joining a pool being created is left to the pool",
				change: evaltest.Change{Type: "azurerm_mssql_database", After: map[string]any{"zone_redundant": false},
					AfterUnknown: map[string]any{"elastic_pool_id": true},
					Config:       map[string]any{"elastic_pool_id": map[string]any{"references": []any{"azurerm_mssql_elasticpool.p.id"}}}},
				want: nil,
			},
		},
		"azure-storage-blob-versioning": azureBlobVersioningCases(),
		"google-spanner-database-deletion-protection": {{
			name: "drop protection alone does not satisfy the Terraform flag",
			change: evaltest.Change{Type: "google_spanner_database",
				After: map[string]any{"deletion_protection": false, "enable_drop_protection": true}},
			want: []evaluator.Finding{fail("google-spanner-database-deletion-protection", "google_spanner_database.this", "deletion_protection",
				"deletion_protection is false", "true", "false")},
		}},
		"google-spanner-database-drop-protection": {{
			name:   "the Terraform flag alone does not satisfy drop protection",
			change: evaltest.Change{Type: "google_spanner_database", After: map[string]any{"deletion_protection": true}},
			want: []evaluator.Finding{fail("google-spanner-database-drop-protection", "google_spanner_database.this", "enable_drop_protection",
				"enable_drop_protection is "+notSetFalse, "true", notSetFalse)},
		}},
		"google-sql-deletion-protection": {{
			name: "the API-level flag alone does not satisfy the Terraform flag",
			change: evaltest.Change{Type: "google_sql_database_instance", After: map[string]any{"deletion_protection": false,
				"settings": []any{map[string]any{"deletion_protection_enabled": true}}}},
			want: []evaluator.Finding{fail("google-sql-deletion-protection", sqlAddr, "deletion_protection", "deletion_protection is false", "true", "false")},
		}},
		"google-sql-deletion-protection-api": googleSQLAPIFlagCases(),
		"google-sql-no-public-ip":            googleSQLPublicIPCases(),
		"google-storage-versioning": {
			{
				name:   "a bucket without a versioning block fails on the default",
				change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{"name": "data", "versioning": []any{}}},
				want: []evaluator.Finding{fail("google-storage-versioning", gcsBucketAddr, "versioning.enabled",
					"versioning.enabled is "+notSetFalse, "true", notSetFalse)},
			},
			{
				name: "a computed block the configuration does not write fails on the default",
				change: evaltest.Change{Type: "google_storage_bucket", After: map[string]any{"name": "data"},
					AfterUnknown: map[string]any{"versioning": true},
					Config:       map[string]any{"name": map[string]any{"constant_value": "data"}}},
				want: []evaluator.Finding{fail("google-storage-versioning", gcsBucketAddr, "versioning.enabled",
					"versioning.enabled is "+notSetFalse, "true", notSetFalse)},
			},
		},
		"azure-sql-public-network-access": {{
			name:   "a server that leaves the flag out fails on the provider default of true",
			change: evaltest.Change{Type: "azurerm_mssql_server", After: map[string]any{"version": "12.0"}},
			want: []evaluator.Finding{fail("azure-sql-public-network-access", "azurerm_mssql_server.this", "public_network_access_enabled",
				"public_network_access_enabled is "+notSetTrue, "false", notSetTrue)},
		}},
	}
}

// azureBlobVersioningCases: the blob_properties block as a whole left out or
// unknown, and FileStorage accounts, which have no blob service.
func azureBlobVersioningCases() []ruleCase {
	const id = "azure-storage-blob-versioning"
	const addr = "azurerm_storage_account.data"
	const path = "blob_properties.versioning_enabled"
	account := func(after, unknown, config map[string]any) evaltest.Change {
		a := map[string]any{"account_kind": "StorageV2", "account_replication_type": "GZRS"}
		for k, v := range after {
			a[k] = v
		}
		return evaltest.Change{Address: addr, Type: "azurerm_storage_account", After: a, AfterUnknown: unknown, Config: config}
	}
	return []ruleCase{
		{
			name: "blob_properties left out of the configuration, known after apply on create, is the provider default: off",
			change: account(nil, map[string]any{"blob_properties": true, "id": true},
				map[string]any{"account_replication_type": map[string]any{"constant_value": "GZRS"}}),
			want: []evaluator.Finding{fail(id, addr, path, "blob_properties.versioning_enabled is not set (provider default false)",
				"true", "not set (provider default false)")},
		},
		{
			name:   "an unknown block with no configuration section stays unknown",
			change: account(nil, map[string]any{"blob_properties": true}, nil),
			want:   []evaluator.Finding{unknown(id, addr, path, "true")},
		},
		{
			name:   "a FileStorage account has no blob service",
			change: account(map[string]any{"account_kind": "FileStorage"}, nil, map[string]any{}),
			want:   nil,
		},
	}
}

// googleSQLAPIFlagCases: the Terraform-side flag does not stand in for Cloud
// SQL's own, and a read replica is judged like its primary.
func googleSQLAPIFlagCases() []ruleCase {
	const id = "google-sql-deletion-protection-api"
	const path = "settings.deletion_protection_enabled"
	notSet := "not set (provider default false)"
	return []ruleCase{
		{
			name: "the Terraform flag alone does not satisfy the Cloud SQL flag",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlSettings(map[string]any{"tier": "db-f1-micro"}, map[string]any{"deletion_protection": true})},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+" is "+notSet, "true", notSet)},
		},
		{
			name: "a computed flag the configuration does not write is judged on the default",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlSettings(map[string]any{"tier": "db-f1-micro"}, nil),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"deletion_protection_enabled": true}}},
				Config:       sqlConfig(nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+" is "+notSet, "true", notSet)},
		},
		{
			name: "a read replica is judged like a primary",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlSettings(map[string]any{"deletion_protection_enabled": true}, map[string]any{"master_instance_name": "prod-primary"})},
			want: []evaluator.Finding{pass(id, sqlAddr, path, path+" is true")},
		},
	}
}

// googleSQLPublicIPCases: an instance whose settings have no ip_configuration
// block, or have it only as known after apply, gets Cloud SQL's public IP.
func googleSQLPublicIPCases() []ruleCase {
	const id = "google-sql-no-public-ip"
	const path = "settings.ip_configuration.ipv4_enabled"
	notSet := "not set (provider default true)"
	return []ruleCase{
		{
			name:   "an instance without ip_configuration fails as Cloud SQL assigns a public IP by default",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlSettings(map[string]any{"tier": "db-f1-micro"}, nil)},
			want:   []evaluator.Finding{fail(id, sqlAddr, path, path+" is "+notSet, "false", notSet)},
		},
		{
			name: "a computed block the configuration does not write fails on the default",
			change: evaltest.Change{Type: "google_sql_database_instance", After: sqlSettings(map[string]any{"tier": "db-f1-micro"}, nil),
				AfterUnknown: map[string]any{"settings": []any{map[string]any{"ip_configuration": true}}},
				Config:       sqlConfig(nil)},
			want: []evaluator.Finding{fail(id, sqlAddr, path, path+" is "+notSet, "false", notSet)},
		},
		{
			name: "an instance on private IP only passes",
			change: evaltest.Change{Type: "google_sql_database_instance",
				After: sqlSettings(map[string]any{"ip_configuration": []any{map[string]any{"ipv4_enabled": false, "private_network": "projects/p/global/networks/main"}}}, nil)},
			want: []evaluator.Finding{pass(id, sqlAddr, path, path+" is false")},
		},
	}
}
