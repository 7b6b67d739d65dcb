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
	"aws_alb": {"enable_deletion_protection": {rule: LBDeletionProtection{}}},
	"aws_db_instance": {
		"deletion_protection":     {rule: RDSDeletionProtection{}},
		"skip_final_snapshot":     {rule: RDSFinalSnapshot{}},
		"backup_retention_period": {rule: RDSBackupRetention{}, param: "min_days", unit: "days"},
		"publicly_accessible":     {rule: RDSPubliclyAccessible{}},
	},
	"aws_docdb_cluster": {
		"deletion_protection":     {rule: DocDBDeletionProtection{}},
		"skip_final_snapshot":     {rule: RDSFinalSnapshot{}},
		"backup_retention_period": {rule: DocDBBackupRetention{}, param: "min_days", unit: "days"},
	},
	"aws_dynamodb_table": {
		"deletion_protection_enabled":    {rule: DynamoDBDeletionProtection{}},
		"point_in_time_recovery.enabled": {rule: DynamoDBPITR{}},
	},
	"aws_elasticache_cluster": {
		"snapshot_retention_limit": {rule: ElastiCacheBackupRetention{}, param: "min_days", unit: "days"},
	},
	"aws_elasticache_replication_group": {
		"snapshot_retention_limit": {rule: ElastiCacheBackupRetention{}, param: "min_days", unit: "days"},
	},
	"aws_instance": {"disable_api_termination": {rule: EC2TerminationProtection{}}},
	"aws_lb":       {"enable_deletion_protection": {rule: LBDeletionProtection{}}},
	"aws_neptune_cluster": {
		"deletion_protection":     {rule: NeptuneDeletionProtection{}},
		"skip_final_snapshot":     {rule: RDSFinalSnapshot{}},
		"backup_retention_period": {rule: NeptuneBackupRetention{}, param: "min_days", unit: "days"},
	},
	"aws_networkfirewall_firewall": {"delete_protection": {rule: NetworkFirewallDeletionProtection{}}},
	"aws_qldb_ledger":              {"deletion_protection": {rule: QLDBDeletionProtection{}}},
	"aws_rds_cluster": {
		"deletion_protection":     {rule: RDSDeletionProtection{}},
		"skip_final_snapshot":     {rule: RDSFinalSnapshot{}},
		"backup_retention_period": {rule: RDSBackupRetention{}, param: "min_days", unit: "days"},
	},
	"aws_rds_cluster_instance": {"publicly_accessible": {rule: RDSPubliclyAccessible{}}},
	"aws_redshift_cluster": {
		"skip_final_snapshot":                 {rule: RedshiftFinalSnapshot{}},
		"automated_snapshot_retention_period": {rule: RedshiftSnapshotRetention{}, param: "min_days", unit: "days"},
		"publicly_accessible":                 {rule: RedshiftPubliclyAccessible{}},
	},
	"aws_s3_bucket": {"object_lock_enabled": {rule: S3ObjectLock{}}},
	"aws_s3_bucket_versioning": {"versioning_configuration.status": {rule: S3Versioning{},
		onTarget: &standardTarget{attr: "bucket", toType: "aws_s3_bucket", keys: []string{"bucket", "id"}, attribute: "versioning"}}},
	"azurerm_key_vault": {
		"purge_protection_enabled":   {rule: AzureKeyVaultPurgeProtection{}},
		"soft_delete_retention_days": {rule: AzureKeyVaultSoftDelete{}, param: "min_days", unit: "days"},
	},
	"azurerm_mssql_database": {
		"short_term_retention_policy.retention_days": {rule: AzureMSSQLShortTermRetention{}, param: "min_days", unit: "days"},
	},
	"azurerm_mssql_server": {"public_network_access_enabled": {rule: AzureSQLPublicNetworkAccess{}}},
	"azurerm_mysql_flexible_server": {
		"backup_retention_days":        {rule: AzureDBBackupRetention{}, param: "min_days", unit: "days"},
		"geo_redundant_backup_enabled": {rule: AzureDBGeoRedundantBackup{}},
	},
	"azurerm_mysql_server": {
		"backup_retention_days":        {rule: AzureDBBackupRetention{}, param: "min_days", unit: "days"},
		"geo_redundant_backup_enabled": {rule: AzureDBGeoRedundantBackup{}},
	},
	"azurerm_postgresql_flexible_server": {
		"backup_retention_days":        {rule: AzureDBBackupRetention{}, param: "min_days", unit: "days"},
		"geo_redundant_backup_enabled": {rule: AzureDBGeoRedundantBackup{}},
	},
	"azurerm_postgresql_server": {
		"backup_retention_days":        {rule: AzureDBBackupRetention{}, param: "min_days", unit: "days"},
		"geo_redundant_backup_enabled": {rule: AzureDBGeoRedundantBackup{}},
	},
	"azurerm_storage_account": {
		"blob_properties.versioning_enabled":                     {rule: AzureStorageBlobVersioning{}},
		"blob_properties.delete_retention_policy.days":           {rule: AzureStorageSoftDelete{}, param: "min_days", unit: "days"},
		"blob_properties.container_delete_retention_policy.days": {rule: AzureStorageSoftDelete{}, param: "min_days", unit: "days"},
		"account_replication_type":                               {rule: AzureStorageReplication{}},
		"public_network_access_enabled":                          {rule: AzureStoragePublicNetworkAccess{}},
		"allow_nested_items_to_be_public":                        {rule: AzureStorageNoPublicBlob{}},
	},
	"google_bigquery_table":     {"deletion_protection": {rule: GoogleBigQueryTableDeletionProtection{}}},
	"google_bigtable_instance":  {"deletion_protection": {rule: GoogleBigtableInstanceDeletionProtection{}}},
	"google_bigtable_table":     {"deletion_protection": {rule: GoogleBigtableTableDeletionProtection{}}},
	"google_container_cluster":  {"deletion_protection": {rule: GoogleGKEDeletionProtection{}}},
	"google_firestore_database": {"delete_protection_state": {rule: GoogleFirestoreDeleteProtection{}}},
	"google_spanner_database": {
		"deletion_protection":    {rule: GoogleSpannerDatabaseDeletionProtection{}},
		"enable_drop_protection": {rule: GoogleSpannerDatabaseDropProtection{}},
	},
	"google_sql_database_instance": {
		"deletion_protection":                                                      {rule: GoogleSQLDeletionProtection{}},
		"settings.deletion_protection_enabled":                                     {rule: GoogleSQLDeletionProtectionAPI{}},
		"settings.backup_configuration.enabled":                                    {rule: GoogleSQLBackupEnabled{}},
		"settings.backup_configuration.backup_retention_settings.retained_backups": {rule: GoogleSQLRetainedBackups{}, param: "min_backups", unit: "backups"},
		"settings.ip_configuration.ipv4_enabled":                                   {rule: GoogleSQLNoPublicIP{}},
	},
	"google_storage_bucket": {
		"force_destroy":            {rule: GoogleStorageNoForceDestroy{}},
		"versioning.enabled":       {rule: GoogleStorageVersioning{}},
		"public_access_prevention": {rule: GoogleStoragePublicAccessPrevention{}},
	},
}
