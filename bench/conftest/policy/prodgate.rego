# The six controls bench/compare.sh times against prodgate, written the way a
# conftest user would: one deny rule per control over resource_changes.
package main

import rego.v1

stateful_types := {
	"aws_db_instance", "aws_rds_cluster", "aws_dynamodb_table", "aws_s3_bucket", "aws_ebs_volume",
	"aws_efs_file_system", "aws_elasticache_replication_group", "aws_elasticache_cluster", "aws_kms_key",
	"aws_sqs_queue", "aws_route53_zone", "google_sql_database_instance", "google_storage_bucket",
	"azurerm_storage_account", "azurerm_key_vault",
}

exists(rc) if {
	not "delete" in rc.change.actions
	rc.change.after != null
}

# 1. RDS/Aurora deletion protection
deny contains msg if {
	some rc in input.resource_changes
	rc.type in {"aws_db_instance", "aws_rds_cluster"}
	exists(rc)
	not rc.change.after.deletion_protection
	msg := sprintf("%s: deletion_protection is not enabled", [rc.address])
}

# 2. Backup retention >= 7 days
deny contains msg if {
	some rc in input.resource_changes
	rc.type in {"aws_db_instance", "aws_rds_cluster"}
	exists(rc)
	object.get(rc.change.after, "backup_retention_period", 0) < 7
	msg := sprintf("%s: backup_retention_period is below 7", [rc.address])
}

# 3. skip_final_snapshot must be false
deny contains msg if {
	some rc in input.resource_changes
	rc.type in {"aws_db_instance", "aws_rds_cluster"}
	exists(rc)
	rc.change.after.skip_final_snapshot == true
	msg := sprintf("%s: skip_final_snapshot is true", [rc.address])
}

# 4. Load balancer deletion protection
deny contains msg if {
	some rc in input.resource_changes
	rc.type in {"aws_lb", "aws_alb"}
	exists(rc)
	not rc.change.after.enable_deletion_protection
	msg := sprintf("%s: enable_deletion_protection is not enabled", [rc.address])
}

# 5. DynamoDB point-in-time recovery
deny contains msg if {
	some rc in input.resource_changes
	rc.type == "aws_dynamodb_table"
	exists(rc)
	not pitr_enabled(rc.change.after)
	msg := sprintf("%s: point_in_time_recovery is not enabled", [rc.address])
}

pitr_enabled(after) if {
	some block in after.point_in_time_recovery
	block.enabled == true
}

# 6. Destroy of a stateful type
deny contains msg if {
	some rc in input.resource_changes
	rc.type in stateful_types
	"delete" in rc.change.actions
	msg := sprintf("%s: %v destroys a stateful resource", [rc.address, rc.change.actions])
}
