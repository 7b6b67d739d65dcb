package rules

import "github.com/prodgate/prodgate/evaluator"

// attrStandard names the rule that holds an attribute of protectedAttrs to
// the standard: the rule whose finding on the same resource and attribute
// says whether the value after the plan is good enough. lifecycle-protection-
// lowered reads it to tell a protection lowered but still meeting the
// standard (advisory) from one switched off or lowered below it (blocking),
// and folds that rule's finding into its own when both report the same cause.
type attrStandard struct {
	rule evaluator.Rule
	// param is the rule's minimum for a whole-number attribute ("min_days");
	// "" for flags, where any lowering switches the protection off.
	param string
	// unit names the number in messages ("days", "backups").
	unit string
	// onTarget is set when the rule reports on the resource this one points
	// at rather than on this one: an aws_s3_bucket_versioning's status is
	// judged by aws-s3-versioning on the bucket its "bucket" names.
	onTarget *standardTarget
}

// standardTarget is how to find the resource the standard rule reports on.
type standardTarget struct {
	attr, toType string   // this resource's attribute naming it, and its type
	keys         []string // the target's attributes that attr holds
	attribute    string   // the attribute the rule's finding names
}

// protectionStandards maps a type and a protectedAttrs path to its standard.
// Attributes without one (delete_automated_backups, KMS deletion windows, …)
// are held to "still protective": switched off blocks, lowered above zero is
// advisory. TestProtectionStandardsAgree proves each rule reports on exactly
// that attribute.
var protectionStandards = map[string]map[string]attrStandard{
	"aws_alb": {"enable_deletion_protection": {rule: boolTableRule("aws-lb-deletion-protection")}},
	"aws_db_instance": {
		"deletion_protection":     {rule: boolTableRule("aws-rds-deletion-protection")},
		"skip_final_snapshot":     {rule: RDSFinalSnapshot{}},
		"backup_retention_period": {rule: RDSBackupRetention{}, param: "min_days", unit: "days"},
		"publicly_accessible":     {rule: boolTableRule("aws-rds-publicly-accessible")},
	},
	"aws_docdb_cluster": {
		"deletion_protection":     {rule: boolTableRule("aws-docdb-deletion-protection")},
		"skip_final_snapshot":     {rule: RDSFinalSnapshot{}},
		"backup_retention_period": {rule: DocDBBackupRetention{}, param: "min_days", unit: "days"},
	},
	"aws_dynamodb_table": {
		"deletion_protection_enabled":    {rule: boolTableRule("aws-dynamodb-deletion-protection")},
		"point_in_time_recovery.enabled": {rule: boolTableRule("aws-dynamodb-pitr")},
	},
	"aws_elasticache_cluster": {
		"snapshot_retention_limit": {rule: ElastiCacheBackupRetention{}, param: "min_days", unit: "days"},
	},
	"aws_elasticache_replication_group": {
		"snapshot_retention_limit": {rule: ElastiCacheBackupRetention{}, param: "min_days", unit: "days"},
	},
	"aws_instance": {"disable_api_termination": {rule: boolTableRule("aws-ec2-termination-protection")}},
	"aws_lb":       {"enable_deletion_protection": {rule: boolTableRule("aws-lb-deletion-protection")}},
	"aws_neptune_cluster": {
		"deletion_protection":     {rule: boolTableRule("aws-neptune-deletion-protection")},
		"skip_final_snapshot":     {rule: RDSFinalSnapshot{}},
		"backup_retention_period": {rule: NeptuneBackupRetention{}, param: "min_days", unit: "days"},
	},
	"aws_networkfirewall_firewall": {"delete_protection": {rule: boolTableRule("aws-network-firewall-deletion-protection")}},
	"aws_qldb_ledger":              {"deletion_protection": {rule: boolTableRule("aws-qldb-deletion-protection")}},
	"aws_rds_cluster": {
		"deletion_protection":     {rule: boolTableRule("aws-rds-deletion-protection")},
		"skip_final_snapshot":     {rule: RDSFinalSnapshot{}},
		"backup_retention_period": {rule: RDSBackupRetention{}, param: "min_days", unit: "days"},
	},
	"aws_rds_cluster_instance": {"publicly_accessible": {rule: boolTableRule("aws-rds-publicly-accessible")}},
	"aws_redshift_cluster": {
		"skip_final_snapshot":                 {rule: RedshiftFinalSnapshot{}},
		"automated_snapshot_retention_period": {rule: RedshiftSnapshotRetention{}, param: "min_days", unit: "days"},
		"publicly_accessible":                 {rule: boolTableRule("aws-redshift-publicly-accessible")},
	},
	"aws_s3_bucket": {"object_lock_enabled": {rule: S3ObjectLock{}}},
	"aws_s3_bucket_versioning": {"versioning_configuration.status": {rule: S3Versioning{},
		onTarget: &standardTarget{attr: "bucket", toType: "aws_s3_bucket", keys: []string{"bucket", "id"}, attribute: "versioning"}}},
	"azurerm_key_vault": {
		"purge_protection_enabled":   {rule: boolTableRule("azure-key-vault-purge-protection")},
		"soft_delete_retention_days": {rule: AzureKeyVaultSoftDelete{}, param: "min_days", unit: "days"},
	},
	"azurerm_mssql_database": {
		"short_term_retention_policy.retention_days": {rule: AzureMSSQLShortTermRetention{}, param: "min_days", unit: "days"},
	},
	"azurerm_mssql_server": {"public_network_access_enabled": {rule: boolTableRule("azure-sql-public-network-access")}},
	"azurerm_mysql_flexible_server": {
		"backup_retention_days":        {rule: AzureDBBackupRetention{}, param: "min_days", unit: "days"},
		"geo_redundant_backup_enabled": {rule: boolTableRule("azure-db-geo-redundant-backup")},
	},
	"azurerm_mysql_server": {
		"backup_retention_days":        {rule: AzureDBBackupRetention{}, param: "min_days", unit: "days"},
		"geo_redundant_backup_enabled": {rule: boolTableRule("azure-db-geo-redundant-backup")},
	},
	"azurerm_postgresql_flexible_server": {
		"backup_retention_days":        {rule: AzureDBBackupRetention{}, param: "min_days", unit: "days"},
		"geo_redundant_backup_enabled": {rule: boolTableRule("azure-db-geo-redundant-backup")},
	},
	"azurerm_postgresql_server": {
		"backup_retention_days":        {rule: AzureDBBackupRetention{}, param: "min_days", unit: "days"},
		"geo_redundant_backup_enabled": {rule: boolTableRule("azure-db-geo-redundant-backup")},
	},
	"azurerm_storage_account": {
		"blob_properties.versioning_enabled":                     {rule: boolTableRule("azure-storage-blob-versioning")},
		"blob_properties.delete_retention_policy.days":           {rule: AzureStorageSoftDelete{}, param: "min_days", unit: "days"},
		"blob_properties.container_delete_retention_policy.days": {rule: AzureStorageSoftDelete{}, param: "min_days", unit: "days"},
		"account_replication_type":                               {rule: AzureStorageReplication{}},
		"public_network_access_enabled":                          {rule: AzureStoragePublicNetworkAccess{}},
		"allow_nested_items_to_be_public":                        {rule: AzureStorageNoPublicBlob{}},
	},
	"google_bigquery_table":     {"deletion_protection": {rule: boolTableRule("google-bigquery-table-deletion-protection")}},
	"google_bigtable_instance":  {"deletion_protection": {rule: boolTableRule("google-bigtable-instance-deletion-protection")}},
	"google_bigtable_table":     {"deletion_protection": {rule: GoogleBigtableTableDeletionProtection{}}},
	"google_container_cluster":  {"deletion_protection": {rule: boolTableRule("google-gke-deletion-protection")}},
	"google_firestore_database": {"delete_protection_state": {rule: GoogleFirestoreDeleteProtection{}}},
	"google_spanner_database": {
		"deletion_protection":    {rule: boolTableRule("google-spanner-database-deletion-protection")},
		"enable_drop_protection": {rule: boolTableRule("google-spanner-database-drop-protection")},
	},
	"google_sql_database_instance": {
		"deletion_protection":                                                      {rule: boolTableRule("google-sql-deletion-protection")},
		"settings.deletion_protection_enabled":                                     {rule: boolTableRule("google-sql-deletion-protection-api")},
		"settings.backup_configuration.enabled":                                    {rule: GoogleSQLBackupEnabled{}},
		"settings.backup_configuration.backup_retention_settings.retained_backups": {rule: GoogleSQLRetainedBackups{}, param: "min_backups", unit: "backups"},
		"settings.ip_configuration.ipv4_enabled":                                   {rule: boolTableRule("google-sql-no-public-ip")},
	},
	"google_storage_bucket": {
		"force_destroy":            {rule: boolTableRule("google-storage-no-force-destroy")},
		"versioning.enabled":       {rule: boolTableRule("google-storage-versioning")},
		"public_access_prevention": {rule: GoogleStoragePublicAccessPrevention{}},
	},
}
