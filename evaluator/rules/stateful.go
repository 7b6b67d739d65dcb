package rules

import (
	"sort"
	"strings"
)

// statefulTypes is the curated list of resource types whose destruction loses
// something that a new `terraform apply` cannot bring back: rows, objects,
// messages, keys, records or cluster workloads. The lifecycle rules
// (lifecycle-stateful-destroy, lifecycle-forget) judge only these types plus
// the policy's extra_types, minus its ignore_types.
//
// A type is listed when deleting it deletes data (or makes data unreadable),
// not when deleting it only costs downtime: cluster member instances
// (aws_rds_cluster_instance, aws_docdb_cluster_instance,
// aws_neptune_cluster_instance, google_alloydb_instance) are left out because
// the data lives in the cluster volume; teams that want them add them with
// extra_types. For the same reason aws_instance is left out (the
// aws-ec2-termination-protection rule asks for disable_api_termination where
// the policy wants it; replacing instances is routine elsewhere), and so are
// resources whose deletion protection guards configuration rather than data
// (aws_networkfirewall_firewall, load balancers): lifecycle-protection-lowered
// still watches their protection flags.
//
// Entries are exact type names (no prefixes), so that parameter groups,
// subnet groups and other configuration-only types of the same service are
// never mistaken for data. Keep each group sorted.
var statefulTypes = map[string]bool{
	// AWS relational, document, graph and warehouse databases: destroying the
	// instance or cluster deletes its storage (and, with
	// delete_automated_backups, its automated backups).
	"aws_db_instance":                  true,
	"aws_docdb_cluster":                true,
	"aws_docdb_elastic_cluster":        true,
	"aws_neptune_cluster":              true,
	"aws_rds_cluster":                  true,
	"aws_redshift_cluster":             true,
	"aws_redshiftserverless_namespace": true,

	// AWS key-value, ledger and time-series stores: the table or ledger is the data.
	"aws_dynamodb_table":                 true,
	"aws_keyspaces_keyspace":             true,
	"aws_keyspaces_table":                true,
	"aws_qldb_ledger":                    true,
	"aws_timestreaminfluxdb_db_instance": true,
	"aws_timestreamwrite_database":       true,
	"aws_timestreamwrite_table":          true,

	// AWS caches and in-memory stores: production caches are often the system
	// of record (sessions, queues, MemoryDB's durable log) and lose everything
	// not in a snapshot.
	"aws_elasticache_cluster":                  true,
	"aws_elasticache_global_replication_group": true,
	"aws_elasticache_replication_group":        true,
	"aws_elasticache_serverless_cache":         true,
	"aws_memorydb_cluster":                     true,

	// AWS search and analytics: indexes and their documents live in the domain.
	"aws_elasticsearch_domain":            true,
	"aws_opensearch_domain":               true,
	"aws_opensearchserverless_collection": true,

	// AWS object, block and file storage: the bytes themselves.
	"aws_ebs_volume":              true,
	"aws_efs_file_system":         true,
	"aws_fsx_lustre_file_system":  true,
	"aws_fsx_ontap_file_system":   true,
	"aws_fsx_ontap_volume":        true,
	"aws_fsx_openzfs_file_system": true,
	"aws_fsx_openzfs_volume":      true,
	"aws_fsx_windows_file_system": true,
	"aws_glacier_vault":           true,
	"aws_s3_bucket":               true,
	"aws_s3_directory_bucket":     true,

	// AWS backups and snapshots: deleting them deletes the way back.
	"aws_backup_vault":        true,
	"aws_db_cluster_snapshot": true,
	"aws_db_snapshot":         true,
	"aws_ebs_snapshot":        true,

	// AWS keys and secrets: a deleted KMS key makes everything encrypted with
	// it unreadable; a deleted secret or user pool cannot be recreated with
	// the same values or users.
	"aws_cognito_user_pool":     true,
	"aws_kms_external_key":      true,
	"aws_kms_key":               true,
	"aws_secretsmanager_secret": true,

	// AWS queues and streams: messages in flight are lost.
	"aws_kinesis_stream":         true,
	"aws_mq_broker":              true,
	"aws_msk_cluster":            true,
	"aws_msk_serverless_cluster": true,
	"aws_sqs_queue":              true,

	// AWS registries and DNS: images and records are not in the configuration,
	// and a recreated hosted zone gets new name servers, breaking delegation.
	"aws_codecommit_repository": true,
	"aws_ecr_repository":        true,
	"aws_route53_zone":          true,

	// AWS logs: deleting a log group deletes its log events at once, with no
	// recovery window (aws-cloudwatch-log-retention keeps them long enough).
	"aws_cloudwatch_log_group": true,

	// AWS Kubernetes: the cluster holds workloads, secrets and persistent
	// volume claims that Terraform does not describe.
	"aws_eks_cluster": true,

	// Google Cloud databases: instances, databases and tables hold the data.
	"google_alloydb_cluster":       true,
	"google_bigquery_dataset":      true,
	"google_bigquery_table":        true,
	"google_bigtable_instance":     true,
	"google_bigtable_table":        true,
	"google_firestore_database":    true,
	"google_redis_instance":        true,
	"google_spanner_database":      true,
	"google_spanner_instance":      true,
	"google_sql_database":          true,
	"google_sql_database_instance": true,

	// Google Cloud storage: objects, disks, snapshots and file shares.
	"google_compute_disk":        true,
	"google_compute_region_disk": true,
	"google_compute_snapshot":    true,
	"google_filestore_instance":  true,
	"google_storage_bucket":      true,

	// Google Cloud keys and secrets: destroyed key versions make data unreadable.
	"google_kms_crypto_key":        true,
	"google_kms_key_ring":          true,
	"google_secret_manager_secret": true,

	// Google Cloud messaging, registries and DNS.
	"google_artifact_registry_repository": true,
	"google_dns_managed_zone":             true,
	"google_pubsub_subscription":          true,
	"google_pubsub_topic":                 true,

	// Google Kubernetes Engine: workloads and persistent volumes.
	"google_container_cluster": true,

	// Azure databases: servers own their databases; deleting either deletes data.
	"azurerm_cosmosdb_account":                    true,
	"azurerm_cosmosdb_mongo_collection":           true,
	"azurerm_cosmosdb_mongo_database":             true,
	"azurerm_cosmosdb_sql_container":              true,
	"azurerm_cosmosdb_sql_database":               true,
	"azurerm_kusto_cluster":                       true,
	"azurerm_kusto_database":                      true,
	"azurerm_mariadb_server":                      true,
	"azurerm_mssql_database":                      true,
	"azurerm_mssql_managed_database":              true,
	"azurerm_mssql_managed_instance":              true,
	"azurerm_mssql_server":                        true,
	"azurerm_mysql_database":                      true,
	"azurerm_mysql_flexible_database":             true,
	"azurerm_mysql_flexible_server":               true,
	"azurerm_mysql_server":                        true,
	"azurerm_postgresql_database":                 true,
	"azurerm_postgresql_flexible_server":          true,
	"azurerm_postgresql_flexible_server_database": true,
	"azurerm_postgresql_server":                   true,
	"azurerm_redis_cache":                         true,
	"azurerm_redis_enterprise_cluster":            true,
	"azurerm_sql_database":                        true,
	"azurerm_sql_server":                          true,

	// Azure storage: accounts, containers, shares, disks and NetApp volumes.
	"azurerm_managed_disk":      true,
	"azurerm_netapp_volume":     true,
	"azurerm_snapshot":          true,
	"azurerm_storage_account":   true,
	"azurerm_storage_container": true,
	"azurerm_storage_share":     true,

	// Azure backups: vaults hold the recovery points.
	"azurerm_data_protection_backup_vault": true,
	"azurerm_recovery_services_vault":      true,

	// Azure keys and secrets: keys make data readable; a purged vault's
	// name and contents are gone.
	"azurerm_key_vault":                                  true,
	"azurerm_key_vault_certificate":                      true,
	"azurerm_key_vault_key":                              true,
	"azurerm_key_vault_managed_hardware_security_module": true,
	"azurerm_key_vault_secret":                           true,

	// Azure messaging, registries and DNS.
	"azurerm_container_registry":   true,
	"azurerm_dns_zone":             true,
	"azurerm_eventhub_namespace":   true,
	"azurerm_private_dns_zone":     true,
	"azurerm_servicebus_namespace": true,

	// Azure Kubernetes Service: workloads and persistent volumes.
	"azurerm_kubernetes_cluster": true,
}

// isStateful reports whether resourceType is in the curated list.
func isStateful(resourceType string) bool { return statefulTypes[resourceType] }

// statefulTypeNames returns the curated list sorted, for documentation.
func statefulTypeNames() []string {
	out := make([]string, 0, len(statefulTypes))
	for t := range statefulTypes {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// statefulSelection is the curated list adjusted by a rule's extra_types and
// ignore_types parameters. Patterns are exact type names or a prefix ending
// in "*" (for example "aws_fsx_*"); ignore_types wins over both lists.
type statefulSelection struct{ extra, ignore []string }

func statefulFromParams(extra, ignore []string) statefulSelection {
	return statefulSelection{extra: extra, ignore: ignore}
}

func (s statefulSelection) includes(resourceType string) bool {
	if matchesAnyType(s.ignore, resourceType) {
		return false
	}
	return isStateful(resourceType) || matchesAnyType(s.extra, resourceType)
}

func matchesAnyType(patterns []string, resourceType string) bool {
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(resourceType, prefix) {
				return true
			}
			continue
		}
		if p == resourceType {
			return true
		}
	}
	return false
}
