// Package rules is prodgate's built-in production-ready standard.
//
// A rule whose whole check is "if the resource exists, this flag must be
// true (or false)" is one row of boolTable in bool_table.go: id, metadata,
// doc, attribute, wanted value and provider default. Adding one is that row
// and nothing else in the code; its test is one boolWants line in
// bool_table_test.go (the attribute, value and default written again, so that
// a wrong row fails), on which TestBoolTable runs the shared pass, fail,
// default, unknown, replace, destroy and forget cases for every type of the
// row. A row's own cases (nested blocks, resources it does not judge) go in
// its boolCases entry.
//
// Rules with logic of their own live in family files (aws_rds.go, …), each
// with its documentation and table test; adding one is one type there, its
// table test, and one line below.
package rules

import "github.com/prodgate/prodgate/evaluator"

// All returns the built-in rules.
func All() []evaluator.Rule {
	return append(boolRules(),
		RDSBackupRetention{},
		RDSFinalSnapshot{},
		RDSStorageEncrypted{},
		RDSLogExports{},
		DocDBBackupRetention{},
		NeptuneBackupRetention{},
		RedshiftSnapshotRetention{},
		RedshiftFinalSnapshot{},
		CloudWatchLogRetention{},
		LBInternetFacing{},
		DynamoDBCustomerManagedKey{},
		ElastiCacheBackupRetention{},
		ElastiCacheAtRestEncryption{},
		S3Versioning{},
		S3PublicAccessBlock{},
		S3Encryption{},
		S3MFADelete{},
		S3ObjectLock{},
		SecurityGroupOpenAdminPorts{},
		EBSEncryption{},
		EBSBackup{},
		EFSBackup{},
		GoogleSQLBackupEnabled{},
		GoogleSQLPITR{},
		GoogleSQLRetainedBackups{},
		GoogleSQLAuthorizedNetworksOpen{},
		GoogleBigtableTableDeletionProtection{},
		GoogleFirestoreDeleteProtection{},
		GoogleStoragePublicAccessPrevention{},
		GoogleFirewallOpenAdminPorts{},
		GoogleKMSKeyRotation{},
		AzureDBBackupRetention{},
		AzureDeleteLock{},
		AzureMSSQLShortTermRetention{},
		AzureMSSQLLongTermRetention{},
		AzureStorageSoftDelete{},
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
	)
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
