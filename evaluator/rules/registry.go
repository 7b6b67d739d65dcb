// Package rules is prodgate's built-in production-ready standard. Each family
// file holds its rules with their documentation; adding a rule is one file (or
// one type in a family file), its table test, and one line below.
package rules

import "github.com/prodgate/prodgate/evaluator"

// All returns the built-in rules.
func All() []evaluator.Rule {
	return []evaluator.Rule{
		RDSDeletionProtection{},
		RDSBackupRetention{},
		RDSFinalSnapshot{},
		RDSStorageEncrypted{},
		RDSMultiAZ{},
		RDSPubliclyAccessible{},
		RDSCopyTagsToSnapshot{},
		RDSLogExports{},
		DocDBDeletionProtection{},
		DocDBBackupRetention{},
		DocDBStorageEncrypted{},
		NeptuneDeletionProtection{},
		NeptuneBackupRetention{},
		NeptuneStorageEncrypted{},
		RedshiftSnapshotRetention{},
		RedshiftFinalSnapshot{},
		RedshiftEncrypted{},
		RedshiftPubliclyAccessible{},
		EC2TerminationProtection{},
		NetworkFirewallDeletionProtection{},
		QLDBDeletionProtection{},
		CloudWatchLogRetention{},
		LBDeletionProtection{},
		LBInternetFacing{},
		DynamoDBDeletionProtection{},
		DynamoDBPITR{},
		DynamoDBCustomerManagedKey{},
		ElastiCacheBackupRetention{},
		ElastiCacheAutomaticFailover{},
		ElastiCacheMultiAZ{},
		ElastiCacheAtRestEncryption{},
		S3Versioning{},
		S3PublicAccessBlock{},
		S3Encryption{},
		S3MFADelete{},
		S3ObjectLock{},
		SecurityGroupOpenAdminPorts{},
		EBSEncryption{},
		EBSBackup{},
		EFSEncryption{},
		EFSBackup{},
		GoogleSQLDeletionProtection{},
		GoogleSQLBackupEnabled{},
		GoogleSQLPITR{},
		GoogleGKEDeletionProtection{},
		GoogleSQLDeletionProtectionAPI{},
		GoogleSQLRetainedBackups{},
		GoogleSQLNoPublicIP{},
		GoogleSQLAuthorizedNetworksOpen{},
		GoogleBigQueryTableDeletionProtection{},
		GoogleSpannerDatabaseDeletionProtection{},
		GoogleSpannerDatabaseDropProtection{},
		GoogleBigtableInstanceDeletionProtection{},
		GoogleBigtableTableDeletionProtection{},
		GoogleFirestoreDeleteProtection{},
		GoogleStorageVersioning{},
		GoogleStoragePublicAccessPrevention{},
		GoogleStorageNoForceDestroy{},
		GoogleFirewallOpenAdminPorts{},
		GoogleKMSKeyRotation{},
		AzureDBBackupRetention{},
		AzureKeyVaultPurgeProtection{},
		AzureDBGeoRedundantBackup{},
		AzureDeleteLock{},
		AzureMSSQLShortTermRetention{},
		AzureMSSQLLongTermRetention{},
		AzureMSSQLZoneRedundant{},
		AzureSQLPublicNetworkAccess{},
		AzureStorageSoftDelete{},
		AzureStorageBlobVersioning{},
		AzureStorageReplication{},
		AzureStoragePublicNetworkAccess{},
		AzureStorageNoPublicBlob{},
		AzureKeyVaultSoftDelete{},
		AzureNSGOpenAdminPorts{},
		AzureVMBackup{},
		StatefulDestroy{},
		StatefulForget{},
		ProtectionLowered{},
		ProtectionDrift{},
		TagsRequired{},
	}
}

// Registry indexes the built-in rules.
func Registry() *evaluator.Registry {
	reg, err := evaluator.NewRegistry(All()...)
	if err != nil {
		// The built-in list is fixed at compile time; registry_test.go proves it valid.
		panic("built-in rules: " + err.Error())
	}
	return reg
}
