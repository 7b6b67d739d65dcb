package rules

import (
	"slices"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// boolRule is a rule whose whole check is "if the resource will exist after
// apply, its Attribute must be Want": one row of boolTable. The first fields
// are those of evaluator.RuleMeta, so a row reads like any rule's Meta; the
// last ones say what the check holds.
type boolRule struct {
	ID            string
	Title         string
	Severity      evaluator.Severity
	Category      string
	Provider      string
	Enforcement   evaluator.Enforcement
	ResourceTypes []string
	References    []string
	Doc           evaluator.RuleDoc

	// Attribute is the path judged; a dotted path reaches into nested blocks
	// ("versioning.enabled").
	Attribute string
	// Want is the value that passes.
	Want bool
	// Default is the provider's value when the attribute is unset, or shown
	// as known after apply while the configuration does not write it.
	Default bool
	// NotJudged, when set, picks out resources the rule leaves alone (a read
	// replica, a Spot Instance): they get no finding, as destroyed ones do.
	NotJudged func(*tfplan.Resource) bool
}

func (b *boolRule) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID: b.ID, Title: b.Title, Severity: b.Severity, Category: b.Category, Provider: b.Provider,
		Enforcement: b.Enforcement, ResourceTypes: slices.Clone(b.ResourceTypes), References: slices.Clone(b.References),
		Doc: b.Doc,
	}
}

func (b *boolRule) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() || (b.NotJudged != nil && b.NotJudged(r)) {
		return nil
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, b.Attribute, b.Want, b.Default)}
}

// boolRules returns one rule per row of boolTable, for the registry.
func boolRules() []evaluator.Rule {
	out := make([]evaluator.Rule, len(boolTable))
	for i := range boolTable {
		out[i] = &boolTable[i]
	}
	return out
}

// boolTableRule returns the row with the given id, for code that names one of
// these rules (protectionStandards). It panics on an id that is not a row: the
// callers are package-level tables, so a typo fails every test at start-up.
func boolTableRule(id string) evaluator.Rule {
	i := slices.IndexFunc(boolTable, func(b boolRule) bool { return b.ID == id })
	if i < 0 {
		panic("rules: no bool table row " + id)
	}
	return &boolTable[i]
}

// awsSpotInstance: EC2 cannot protect a Spot Instance from termination.
func awsSpotInstance(r *tfplan.Resource) bool {
	market, ok := r.After("instance_market_options.market_type").Str()
	return ok && strings.EqualFold(market, "spot")
}

// azureMSSQLInElasticPool: a database in an elastic pool (or joining one the
// plan creates) takes the pool's zone redundancy, which the pool's own row
// judges.
func azureMSSQLInElasticPool(r *tfplan.Resource) bool {
	if r.Type != "azurerm_mssql_database" {
		return false
	}
	pool := r.After("elastic_pool_id")
	if s, ok := pool.Str(); ok && s != "" {
		return true
	}
	return pool.State == tfplan.Unknown && r.Configured("elastic_pool_id") != tfplan.ConfigNotSet
}

// boolTable is every rule that only requires a flag, in id order. Adding such a
// rule is one row here and its boolWants line in bool_table_test.go.
var boolTable = []boolRule{
	{
		ID:            "aws-docdb-deletion-protection",
		Title:         "DocumentDB clusters have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_docdb_cluster"},
		References:    []string{"AWS FSBP DocumentDB.5"},
		Doc: evaluator.RuleDoc{
			Summary: "Without deletion protection a `terraform destroy`, a renamed resource or a console click deletes the " +
				"cluster and, by default, its automated backups. Checkov and Trivy have no check for this attribute. Not " +
				"judged (no finding): destroyed or forgotten clusters (the lifecycle rules cover them).",
			Pass: "aws_docdb_cluster that will exist after apply (create, update, no-op, replace) with deletion_protection = true.",
			Fail: "deletion_protection = false, or not set (the AWS provider and the DocumentDB API default to false).",
			Unknown: "deletion_protection is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Set `deletion_protection = true`. To retire the cluster, turn it off in a reviewed change of its own first.",
			Example:     "resource \"aws_docdb_cluster\" \"docs\" {\n  deletion_protection = true\n}",
		},
		Attribute: "deletion_protection", Want: true, Default: false,
	},
	{
		ID:            "aws-docdb-storage-encrypted",
		Title:         "DocumentDB clusters are encrypted at rest",
		Severity:      evaluator.SeverityHigh,
		Category:      "encryption",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_docdb_cluster"},
		References:    []string{"CKV_AWS_74", "AVD-AWS-0021", "AWS FSBP DocumentDB.1"},
		Doc: evaluator.RuleDoc{
			Summary: "Storage encryption covers the cluster volume, its instances, automated backups and snapshots. It can " +
				"only be chosen when the cluster is created; fixing it later means a snapshot, an encrypted restore and a " +
				"new endpoint. Not judged (no finding): destroyed or forgotten clusters (the lifecycle rules cover them).",
			Pass: "aws_docdb_cluster that will exist after apply (create, update, no-op, replace) with storage_encrypted = true.",
			Fail: "storage_encrypted = false, or not set (the AWS provider default is false).",
			Unknown: "storage_encrypted is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Set `storage_encrypted = true` (optionally with `kms_key_id`) when creating the cluster; for an " +
				"existing one, restore a snapshot into a new encrypted cluster.",
			Example: "resource \"aws_docdb_cluster\" \"docs\" {\n  storage_encrypted = true\n}",
		},
		Attribute: "storage_encrypted", Want: true, Default: false,
	},
	{
		ID:            "aws-dynamodb-deletion-protection",
		Title:         "DynamoDB tables have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_dynamodb_table"},
		References:    []string{"AWS FSBP DynamoDB.6"},
		Doc: evaluator.RuleDoc{
			Summary: "Deleting a table deletes its items and, unless backups are kept elsewhere, its point-in-time " +
				"recovery history with it. Not judged (no finding): destroyed or forgotten tables (the lifecycle rules " +
				"cover them).",
			Pass: "aws_dynamodb_table that will exist after apply (create, update, no-op, replace) with " +
				"deletion_protection_enabled = true.",
			Fail:    "deletion_protection_enabled = false, or not set (the AWS provider default is false).",
			Unknown: "deletion_protection_enabled is known only after apply (set from a value not yet known).",
			Remediation: "Set `deletion_protection_enabled = true`. To retire the table, turn it off in a reviewed change " +
				"of its own first.",
			Example: "resource \"aws_dynamodb_table\" \"orders\" {\n  deletion_protection_enabled = true\n}",
		},
		Attribute: "deletion_protection_enabled", Want: true, Default: false,
	},
	{
		ID:            "aws-dynamodb-pitr",
		Title:         "DynamoDB tables have point-in-time recovery",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_dynamodb_table"},
		References:    []string{"CKV_AWS_28", "AVD-AWS-0024", "AWS FSBP DynamoDB.2"},
		Doc: evaluator.RuleDoc{
			Summary: "Point-in-time recovery lets a table be restored to any second of the recovery window after a bad " +
				"write or delete; without it there is nothing to roll back to. Not judged (no finding): destroyed or " +
				"forgotten tables (the lifecycle rules cover them).",
			Pass: "aws_dynamodb_table that will exist after apply (create, update, no-op, replace) with a " +
				"point_in_time_recovery block whose enabled = true.",
			Fail: "point_in_time_recovery.enabled = false, or not set: no point_in_time_recovery block, or a block " +
				"without enabled (the AWS provider default is false).",
			Unknown: "point_in_time_recovery.enabled is known only after apply because the configuration sets it from a " +
				"value not yet known, or the plan has no configuration section to show the block is absent.",
			Remediation: "Add `point_in_time_recovery { enabled = true }`.",
			Example:     "resource \"aws_dynamodb_table\" \"orders\" {\n  point_in_time_recovery {\n    enabled = true\n  }\n}",
		},
		Attribute: "point_in_time_recovery.enabled", Want: true, Default: false,
	},
	{
		ID:            "aws-ec2-termination-protection",
		Title:         "EC2 instances have termination protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_instance"},
		Doc: evaluator.RuleDoc{
			Summary: "Advisory by default (an instance is not a data store: replacing one is routine), meant to be promoted in a " +
				"production scope (`rules: {aws-ec2-termination-protection: {enforce: blocking}}`) where stand-alone instances hold state " +
				"or cannot be rebuilt in minutes. disable_api_termination stops TerminateInstances from the console, CLI " +
				"and API, including a `terraform destroy`, until someone turns it off. It does not stop an Auto Scaling " +
				"group or an OS shutdown with instance_initiated_shutdown_behavior = \"terminate\". Checkov, Trivy and " +
				"FSBP have no check for it. Not judged (no finding): destroyed or forgotten instances (the lifecycle rules " +
				"cover them) and Spot Instances (instance_market_options.market_type = \"spot\"), for which EC2 does not " +
				"support termination protection.",
			Pass: "aws_instance that will exist after apply (create, update, no-op, replace) with disable_api_termination = true.",
			Fail: "disable_api_termination = false, or not set (the AWS provider default is false).",
			Unknown: "disable_api_termination is known only after apply because the configuration sets it from a value not " +
				"yet known (an unset value shown as known after apply is judged as the default false when the " +
				"configuration shows it is not written).",
			Remediation: "Set `disable_api_termination = true`. To replace or retire the instance, turn it off in a " +
				"reviewed change of its own first.",
			Example: "resource \"aws_instance\" \"primary\" {\n  disable_api_termination = true\n}",
		},
		Attribute: "disable_api_termination", Want: true, Default: false, NotJudged: awsSpotInstance,
	},
	{
		ID:            "aws-efs-encryption",
		Title:         "EFS file systems are encrypted at rest",
		Severity:      evaluator.SeverityHigh,
		Category:      "encryption",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_efs_file_system"},
		References:    []string{"CKV_AWS_42", "AVD-AWS-0037"},
		Doc: evaluator.RuleDoc{
			Summary: "Encryption at rest can only be chosen when an EFS file system is created; turning it on later means a " +
				"new file system and a copy of the data. The console encrypts by default, but the API and the AWS provider " +
				"do not (encrypted defaults to false). Not judged (no finding): destroyed or forgotten file systems (the " +
				"lifecycle rules cover them).",
			Pass:    "aws_efs_file_system that will exist after apply (create, update, no-op, replace) with encrypted = true.",
			Fail:    "encrypted = false, or not set (provider default false).",
			Unknown: "encrypted is known only after apply because the configuration sets it from a value not yet known (or the plan has no configuration section).",
			Remediation: "Set `encrypted = true` (optionally `kms_key_id`); for an existing file system create an encrypted one " +
				"and copy the data (AWS DataSync), since the flag forces a new file system.",
			Example: "resource \"aws_efs_file_system\" \"shared\" {\n  encrypted = true\n}",
		},
		Attribute: "encrypted", Want: true, Default: false,
	},
	{
		ID:            "aws-elasticache-automatic-failover",
		Title:         "ElastiCache replication groups fail over automatically",
		Severity:      evaluator.SeverityMedium,
		Category:      "resilience",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_elasticache_replication_group"},
		References:    []string{"CKV2_AWS_50", "AWS FSBP ElastiCache.3"},
		Doc: evaluator.RuleDoc{
			Summary: "Without automatic failover a failed primary stays failed: writes stop until someone promotes a replica " +
				"by hand. Automatic failover needs at least one replica (num_cache_clusters >= 2, or replicas_per_node_group " +
				">= 1). Not judged (no finding): destroyed or forgotten replication groups (the lifecycle rules cover them).",
			Pass: "aws_elasticache_replication_group that will exist after apply (create, update, no-op, replace) with " +
				"automatic_failover_enabled = true.",
			Fail: "automatic_failover_enabled = false, or not set (the AWS provider default is false). A single-node group " +
				"cannot enable it and fails: add a replica.",
			Unknown: "automatic_failover_enabled is known only after apply because the configuration sets it from a value " +
				"not yet known.",
			Remediation: "Add at least one replica and set `automatic_failover_enabled = true` (and `multi_az_enabled = true`, " +
				"see aws-elasticache-multi-az).",
			Example: "resource \"aws_elasticache_replication_group\" \"cache\" {\n  num_cache_clusters         = 2\n" +
				"  automatic_failover_enabled = true\n}",
		},
		Attribute: "automatic_failover_enabled", Want: true, Default: false,
	},
	{
		ID:            "aws-elasticache-multi-az",
		Title:         "ElastiCache replication groups are Multi-AZ",
		Severity:      evaluator.SeverityMedium,
		Category:      "resilience",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_elasticache_replication_group"},
		Doc: evaluator.RuleDoc{
			Summary: "multi_az_enabled makes ElastiCache place replicas in other Availability Zones than the primary and fail " +
				"over to them when the primary's zone fails; automatic failover alone may promote a replica in the same " +
				"zone. It requires automatic_failover_enabled = true. No Checkov, Trivy or FSBP check covers this attribute " +
				"(Checkov CKV2_AWS_50 and FSBP ElastiCache.3 look at automatic failover only). Not judged (no finding): " +
				"destroyed or forgotten replication groups (the lifecycle rules cover them).",
			Pass: "aws_elasticache_replication_group that will exist after apply (create, update, no-op, replace) with " +
				"multi_az_enabled = true.",
			Fail:    "multi_az_enabled = false, or not set (the AWS provider default is false).",
			Unknown: "multi_az_enabled is known only after apply because the configuration sets it from a value not yet known.",
			Remediation: "Set `multi_az_enabled = true` together with `automatic_failover_enabled = true` and at least one " +
				"replica, and spread `preferred_cache_cluster_azs` over several zones.",
			Example: "resource \"aws_elasticache_replication_group\" \"cache\" {\n  num_cache_clusters         = 2\n" +
				"  automatic_failover_enabled = true\n  multi_az_enabled           = true\n}",
		},
		Attribute: "multi_az_enabled", Want: true, Default: false,
	},
	{
		ID:            "aws-lb-deletion-protection",
		Title:         "Load balancers have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_lb", "aws_alb"},
		References:    []string{"CKV_AWS_150", "AWS FSBP ELB.6"},
		Doc: evaluator.RuleDoc{
			Summary: "Deleting the load balancer in front of production takes the service off the air, and a new one gets " +
				"a new DNS name that every client and alias must learn again. Not judged (no finding): destroyed or " +
				"forgotten load balancers (the lifecycle rules cover them).",
			Pass: "aws_lb or aws_alb (any load_balancer_type) that will exist after apply (create, update, no-op, replace) " +
				"with enable_deletion_protection = true.",
			Fail:    "enable_deletion_protection = false, or not set (the AWS provider default is false).",
			Unknown: "enable_deletion_protection is known only after apply (set from a value not yet known).",
			Remediation: "Set `enable_deletion_protection = true`. To retire the load balancer, turn it off in a reviewed " +
				"change of its own first.",
			Example: "resource \"aws_lb\" \"public\" {\n  enable_deletion_protection = true\n}",
		},
		Attribute: "enable_deletion_protection", Want: true, Default: false,
	},
	{
		ID:            "aws-neptune-deletion-protection",
		Title:         "Neptune clusters have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_neptune_cluster"},
		References:    []string{"CKV2_AWS_58", "AWS FSBP Neptune.4"},
		Doc: evaluator.RuleDoc{
			Summary: "Without deletion protection a `terraform destroy`, a renamed resource or a console click deletes the " +
				"graph database and, by default, its automated backups. Trivy has no check for this attribute. Not judged " +
				"(no finding): destroyed or forgotten clusters (the lifecycle rules cover them).",
			Pass: "aws_neptune_cluster that will exist after apply (create, update, no-op, replace) with deletion_protection = true.",
			Fail: "deletion_protection = false, or not set (the AWS provider and the Neptune API default to false).",
			Unknown: "deletion_protection is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Set `deletion_protection = true`. To retire the cluster, turn it off in a reviewed change of its own first.",
			Example:     "resource \"aws_neptune_cluster\" \"graph\" {\n  deletion_protection = true\n}",
		},
		Attribute: "deletion_protection", Want: true, Default: false,
	},
	{
		ID:            "aws-neptune-storage-encrypted",
		Title:         "Neptune clusters are encrypted at rest",
		Severity:      evaluator.SeverityHigh,
		Category:      "encryption",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_neptune_cluster"},
		References:    []string{"CKV_AWS_44", "AVD-AWS-0076", "AWS FSBP Neptune.1"},
		Doc: evaluator.RuleDoc{
			Summary: "Storage encryption covers the cluster volume, its instances, automated backups and snapshots. It can " +
				"only be chosen when the cluster is created; fixing it later means a snapshot, an encrypted restore and a " +
				"new endpoint. Not judged (no finding): destroyed or forgotten clusters (the lifecycle rules cover them).",
			Pass: "aws_neptune_cluster that will exist after apply (create, update, no-op, replace) with storage_encrypted = true.",
			Fail: "storage_encrypted = false, or not set (the AWS provider default is false).",
			Unknown: "storage_encrypted is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Set `storage_encrypted = true` (optionally with `kms_key_arn`) when creating the cluster; for an " +
				"existing one, restore a snapshot into a new encrypted cluster.",
			Example: "resource \"aws_neptune_cluster\" \"graph\" {\n  storage_encrypted = true\n}",
		},
		Attribute: "storage_encrypted", Want: true, Default: false,
	},
	{
		ID:            "aws-network-firewall-deletion-protection",
		Title:         "Network Firewall firewalls have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_networkfirewall_firewall"},
		References:    []string{"CKV_AWS_344", "AWS FSBP NetworkFirewall.9"},
		Doc: evaluator.RuleDoc{
			Summary: "Deleting the firewall removes its endpoints from the VPC: traffic routed through them is dropped, or, " +
				"once routes are fixed, flows uninspected. Not judged (no finding): destroyed or forgotten firewalls (the " +
				"lifecycle rules cover them).",
			Pass: "aws_networkfirewall_firewall that will exist after apply (create, update, no-op, replace) with " +
				"delete_protection = true.",
			Fail: "delete_protection = false, or not set (the AWS provider default is false).",
			Unknown: "delete_protection is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Set `delete_protection = true`. To retire the firewall, turn it off in a reviewed change of its " +
				"own first.",
			Example: "resource \"aws_networkfirewall_firewall\" \"egress\" {\n  delete_protection = true\n}",
		},
		Attribute: "delete_protection", Want: true, Default: false,
	},
	{
		ID:            "aws-qldb-deletion-protection",
		Title:         "QLDB ledgers have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_qldb_ledger"},
		References:    []string{"CKV_AWS_172"},
		Doc: evaluator.RuleDoc{
			Summary: "A ledger's journal is its history; deleting the ledger deletes it for good. The provider protects " +
				"ledgers by default, so this rule catches the explicit opt-out. (AWS ended QLDB support on 31 July 2025; " +
				"the rule still guards ledgers that remain.) Not judged (no finding): destroyed or forgotten ledgers (the " +
				"lifecycle rules cover them).",
			Pass: "aws_qldb_ledger that will exist after apply (create, update, no-op, replace) with deletion_protection = " +
				"true, or not set (the AWS provider default is true).",
			Fail: "deletion_protection = false.",
			Unknown: "deletion_protection is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Remove `deletion_protection = false` or set it to true. To retire the ledger, turn it off in a " +
				"reviewed change of its own first.",
			Example: "resource \"aws_qldb_ledger\" \"audit\" {\n  deletion_protection = true\n}",
		},
		Attribute: "deletion_protection", Want: true, Default: true,
	},
	{
		ID:            "aws-rds-copy-tags-to-snapshot",
		Title:         "RDS databases copy their tags to snapshots",
		Severity:      evaluator.SeverityLow,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: awsRDSTypes,
		References:    []string{"CKV2_AWS_60", "CKV_AWS_313", "AWS FSBP RDS.16", "AWS FSBP RDS.17"},
		Doc: evaluator.RuleDoc{
			Summary: "Snapshots without the database's tags lose their owner, environment and cost-centre labels: " +
				"tag-based IAM conditions, AWS Backup selections, cost reports and clean-up jobs no longer find them, and " +
				"after the database is gone nobody can tell what a snapshot belongs to. Not judged (no finding): destroyed " +
				"or forgotten databases (the lifecycle rules cover them).",
			Pass: "aws_db_instance or aws_rds_cluster that will exist after apply (create, update, no-op, replace) with " +
				"copy_tags_to_snapshot = true.",
			Fail: "copy_tags_to_snapshot = false, or not set (the AWS provider default is false).",
			Unknown: "copy_tags_to_snapshot is known only after apply because the configuration sets it from a value not " +
				"yet known.",
			Remediation: "Set `copy_tags_to_snapshot = true`; it applies to snapshots taken from then on.",
			Example:     "resource \"aws_rds_cluster\" \"main\" {\n  copy_tags_to_snapshot = true\n}",
		},
		Attribute: "copy_tags_to_snapshot", Want: true, Default: false,
	},
	{
		ID:            "aws-rds-deletion-protection",
		Title:         "RDS databases have deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: awsRDSTypes,
		References:    []string{"CKV_AWS_293", "CKV_AWS_139", "AVD-AWS-0177", "AVD-AWS-0343", "AWS FSBP RDS.7", "AWS FSBP RDS.8"},
		Doc: evaluator.RuleDoc{
			Summary:     "Without deletion protection a single `terraform destroy`, a renamed resource or a console click deletes the production database.",
			Pass:        "aws_db_instance or aws_rds_cluster that will exist after apply (create, update, no-op, replace) with deletion_protection = true.",
			Fail:        "deletion_protection = false, or not set (the AWS provider default is false).",
			Unknown:     "deletion_protection is known only after apply (computed from a value not yet known).",
			Remediation: "Set `deletion_protection = true`. To retire the database later, turn it off in a reviewed change of its own.",
			Example:     "resource \"aws_db_instance\" \"main\" {\n  deletion_protection = true\n}",
		},
		Attribute: "deletion_protection", Want: true, Default: false,
	},
	{
		ID:            "aws-rds-multi-az",
		Title:         "RDS instances run Multi-AZ",
		Severity:      evaluator.SeverityMedium,
		Category:      "resilience",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_db_instance"},
		References:    []string{"CKV_AWS_157", "AWS FSBP RDS.5"},
		Doc: evaluator.RuleDoc{
			Summary: "A single-AZ instance goes down with its Availability Zone, and every OS patch or instance-class change " +
				"is an outage; Multi-AZ keeps a synchronous standby that RDS fails over to in a minute or two. Only " +
				"aws_db_instance is judged: an Aurora cluster (aws_rds_cluster) is resilient through its instances " +
				"(aws_rds_cluster_instance) in several Availability Zones, which this rule does not count. Not judged (no " +
				"finding): destroyed or forgotten instances (the lifecycle rules cover them) and read replicas " +
				"(replicate_source_db set, or known only after apply), which are themselves a copy of the source.",
			Pass: "aws_db_instance that will exist after apply (create, update, no-op, replace), is not a read replica, and " +
				"has multi_az = true.",
			Fail: "multi_az = false, or not set (the AWS provider default is false). Engines that cannot run Multi-AZ " +
				"(sqlserver-ex, SQL Server Express) also fail: choose another edition for production.",
			Unknown: "multi_az is known only after apply because the configuration sets it from a value not yet known (an " +
				"unset multi_az shown as known after apply is judged as the default false when the configuration shows it " +
				"is not written).",
			Remediation: "Set `multi_az = true`. Converting an existing instance is an online change, but schedule it: the " +
				"first standby is built from a snapshot and I/O may be slower meanwhile.",
			Example: "resource \"aws_db_instance\" \"main\" {\n  multi_az = true\n}",
		},
		Attribute: "multi_az", Want: true, Default: false, NotJudged: rdsReadReplica,
	},
	{
		ID:            "aws-rds-publicly-accessible",
		Title:         "RDS instances are not publicly accessible",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_db_instance", "aws_rds_cluster_instance"},
		References:    []string{"CKV_AWS_17", "AVD-AWS-0180", "AWS FSBP RDS.2"},
		Doc: evaluator.RuleDoc{
			Summary: "publicly_accessible = true gives the instance a DNS name that resolves to a public IP address; from " +
				"then on only its security groups stand between the database and the internet. Aurora instances " +
				"(aws_rds_cluster_instance) carry the same flag. Not judged (no finding): destroyed or forgotten " +
				"instances (the lifecycle rules cover them).",
			Pass: "aws_db_instance or aws_rds_cluster_instance that will exist after apply (create, update, no-op, replace) " +
				"with publicly_accessible = false or not set (the AWS provider default is false).",
			Fail: "publicly_accessible = true.",
			Unknown: "publicly_accessible is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Set `publicly_accessible = false` (or remove it) and reach the database through the VPC: a bastion, " +
				"Session Manager port forwarding, a VPN or RDS Proxy.",
			Example: "resource \"aws_db_instance\" \"main\" {\n  publicly_accessible = false\n}",
		},
		Attribute: "publicly_accessible", Want: false, Default: false,
	},
	{
		ID:            "aws-redshift-encrypted",
		Title:         "Redshift clusters are encrypted at rest",
		Severity:      evaluator.SeverityHigh,
		Category:      "encryption",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_redshift_cluster"},
		References:    []string{"CKV_AWS_64", "AVD-AWS-0084", "AWS FSBP Redshift.10"},
		Doc: evaluator.RuleDoc{
			Summary: "Encryption at rest covers the data blocks, system metadata and snapshots of the cluster. AWS creates " +
				"new clusters encrypted since January 2025 and AWS provider 6.0 defaults encrypted to true, so the plan of " +
				"a new cluster shows true; clusters created earlier may still be unencrypted. Trivy's AVD-AWS-0084 is " +
				"stricter (it also wants a customer managed key); this rule accepts any key. Not judged (no finding): " +
				"destroyed or forgotten clusters (the lifecycle rules cover them).",
			Pass: "aws_redshift_cluster that will exist after apply (create, update, no-op, replace) with encrypted = true.",
			Fail: "encrypted = false, or not set (judged as false, the default of AWS provider versions before 6.0; " +
				"provider 6.0 and later write true into the plan).",
			Unknown: "encrypted is known only after apply because the configuration sets it from a value not yet known.",
			Remediation: "Set `encrypted = true` (optionally with `kms_key_id`). An existing cluster can be encrypted in " +
				"place; Redshift migrates the data, so plan for a period of read-only access.",
			Example: "resource \"aws_redshift_cluster\" \"warehouse\" {\n  encrypted = true\n}",
		},
		Attribute: "encrypted", Want: true, Default: false,
	},
	{
		ID:            "aws-redshift-publicly-accessible",
		Title:         "Redshift clusters are not publicly accessible",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_redshift_cluster"},
		References:    []string{"CKV_AWS_87", "AWS FSBP Redshift.1"},
		Doc: evaluator.RuleDoc{
			Summary: "publicly_accessible = true gives the cluster a public IP address; only its security groups then stand " +
				"between the warehouse and the internet. AWS provider versions before 6.0 default the attribute to true " +
				"(6.0 and later default to false, as the Redshift API does since January 2025), so older configurations " +
				"that never wrote it are public. Not judged (no finding): destroyed or forgotten clusters (the lifecycle " +
				"rules cover them).",
			Pass: "aws_redshift_cluster that will exist after apply (create, update, no-op, replace) with " +
				"publicly_accessible = false.",
			Fail: "publicly_accessible = true, or not set (judged as true, the default of AWS provider versions before 6.0; " +
				"provider versions write their default into the plan, so a real plan shows the value).",
			Unknown: "publicly_accessible is known only after apply because the configuration sets it from a value not yet " +
				"known.",
			Remediation: "Set `publicly_accessible = false` explicitly and reach the cluster through the VPC (a VPC endpoint, " +
				"a bastion or a VPN).",
			Example: "resource \"aws_redshift_cluster\" \"warehouse\" {\n  publicly_accessible = false\n}",
		},
		Attribute: "publicly_accessible", Want: false, Default: true,
	},
	{
		ID:            "azure-db-geo-redundant-backup",
		Title:         "Azure PostgreSQL and MySQL servers store backups geo-redundantly",
		Severity:      evaluator.SeverityMedium,
		Category:      "backup",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: azureDBTypes,
		References:    []string{"CKV_AZURE_136", "CKV_AZURE_94", "CKV_AZURE_102"},
		Doc: evaluator.RuleDoc{
			Summary: "With locally redundant backup storage a regional outage takes the server and every backup of it " +
				"away together; geo-redundant backups are copied to the paired region and can be geo-restored there. " +
				"Advisory by default (a replication choice, not a backup: the server keeps its backups either way; promote it in a " +
				"production scope that needs geo-restore): the setting can only be " +
				"chosen when the server is created (changing it replaces the server), costs more backup storage and needs " +
				"a region with a pair. Not judged (no finding): destroyed or forgotten servers (the lifecycle rules cover " +
				"them) and replicas (create_mode = \"Replica\"), which keep no backups of their own.",
			Pass: "azurerm_postgresql_flexible_server, azurerm_mysql_flexible_server, azurerm_postgresql_server or " +
				"azurerm_mysql_server that will exist after apply with geo_redundant_backup_enabled = true.",
			Fail: "geo_redundant_backup_enabled = false, or not set (the azurerm default is false; an unset value that shows as " +
				"known after apply on create counts as the default when the configuration does not write it).",
			Unknown: "geo_redundant_backup_enabled is known only after apply and the configuration writes it (or the plan has " +
				"no configuration section to show that it was left unset).",
			Remediation: "Set `geo_redundant_backup_enabled = true` when creating the server (Azure cannot change it later, " +
				"so an existing server must be re-created or restored into a new one).",
			Example: "resource \"azurerm_postgresql_flexible_server\" \"main\" {\n  version                      = \"16\"\n" +
				"  sku_name                     = \"GP_Standard_D2s_v3\"\n  backup_retention_days        = 14\n" +
				"  geo_redundant_backup_enabled = true\n}",
		},
		Attribute: "geo_redundant_backup_enabled", Want: true, Default: false, NotJudged: azureDBReplica,
	},
	{
		ID:            "azure-key-vault-purge-protection",
		Title:         "Key Vaults have purge protection",
		Severity:      evaluator.SeverityHigh,
		Category:      "deletion-protection",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"azurerm_key_vault"},
		References:    []string{"CKV_AZURE_110", "CKV_AZURE_42", "AVD-AZU-0016"},
		Doc: evaluator.RuleDoc{
			Summary: "Soft delete keeps a deleted vault and its keys recoverable, but without purge protection anyone with purge " +
				"rights (or the azurerm provider's purge_soft_delete_on_destroy feature) can erase them at once, and every " +
				"disk, database or storage account encrypted with those keys becomes unreadable.",
			Pass:    "azurerm_key_vault that will exist after apply (create, update, no-op, replace) with purge_protection_enabled = true.",
			Fail:    "purge_protection_enabled = false, or not set (the azurerm provider default is false).",
			Unknown: "purge_protection_enabled is known only after apply (computed from a value not yet known).",
			Remediation: "Set `purge_protection_enabled = true`. Azure cannot turn it off again, and a deleted vault then stays " +
				"reserved for its soft_delete_retention_days (7 to 90).",
			Example: "resource \"azurerm_key_vault\" \"main\" {\n  sku_name                   = \"standard\"\n  soft_delete_retention_days = 90\n  purge_protection_enabled   = true\n}",
		},
		Attribute: "purge_protection_enabled", Want: true, Default: false,
	},
	{
		ID:            "azure-mssql-zone-redundant",
		Title:         "Azure SQL databases and elastic pools are zone redundant",
		Severity:      evaluator.SeverityMedium,
		Category:      "resilience",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"azurerm_mssql_database", "azurerm_mssql_elasticpool"},
		Doc: evaluator.RuleDoc{
			Summary: "A zone-redundant database keeps its replicas in several availability zones, so the loss of one " +
				"datacenter does not take it down. Advisory by default (it protects uptime, not data): zone redundancy is only " +
				"available for some service tiers (Premium, Business Critical, General Purpose vCore and Hyperscale) and " +
				"regions with availability zones. A database in an elastic pool (elastic_pool_id set, or known only after " +
				"apply while the configuration writes it) takes zone redundancy from the pool, so the " +
				"azurerm_mssql_elasticpool is judged instead and the database gets no finding. Not judged: destroyed or " +
				"forgotten resources.",
			Pass: "azurerm_mssql_database outside an elastic pool, or azurerm_mssql_elasticpool, that will exist after apply " +
				"with zone_redundant = true.",
			Fail: "zone_redundant = false, or not set (Azure creates databases and pools without zone redundancy; the azurerm " +
				"default for pools is false; an unset value that shows as known after apply on create counts as false when " +
				"the configuration does not write it).",
			Unknown: "zone_redundant is known only after apply and the configuration writes it (or the plan has no " +
				"configuration section to show that it was left unset).",
			Remediation: "Set `zone_redundant = true` on the database, or on its elastic pool, with a SKU that supports it.",
			Example: "resource \"azurerm_mssql_database\" \"main\" {\n  name           = \"orders\"\n  server_id      = azurerm_mssql_server.main.id\n" +
				"  sku_name       = \"BC_Gen5_2\"\n  zone_redundant = true\n}",
		},
		Attribute: "zone_redundant", Want: true, Default: false, NotJudged: azureMSSQLInElasticPool,
	},
	{
		ID:            "azure-sql-public-network-access",
		Title:         "Azure SQL servers disable public network access",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"azurerm_mssql_server"},
		References:    []string{"CKV_AZURE_113", "AVD-AZU-0022"},
		Doc: evaluator.RuleDoc{
			Summary: "With public network access on, the server's endpoint answers from the internet and only its firewall " +
				"rules stand between the databases and anyone who obtains a login; private endpoints keep the traffic " +
				"inside your networks. Not judged (no finding): destroyed or forgotten servers.",
			Pass: "azurerm_mssql_server that will exist after apply with public_network_access_enabled = false.",
			Fail: "public_network_access_enabled = true, or not set (the azurerm default is true).",
			Unknown: "public_network_access_enabled is known only after apply and the configuration writes it (or the plan " +
				"has no configuration section to show that it was left unset).",
			Remediation: "Set `public_network_access_enabled = false` and reach the server through an `azurerm_private_endpoint`.",
			Example: "resource \"azurerm_mssql_server\" \"main\" {\n  name                          = \"example-sql\"\n  version                       = \"12.0\"\n" +
				"  public_network_access_enabled = false\n}",
		},
		Attribute: "public_network_access_enabled", Want: false, Default: true,
	},
	{
		ID:            "azure-storage-blob-versioning",
		Title:         "Storage accounts keep previous versions of blobs",
		Severity:      evaluator.SeverityMedium,
		Category:      "backup",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"azurerm_storage_account"},
		References:    []string{"Microsoft Learn: data protection overview for Azure Blob Storage (blob versioning)"},
		Doc: evaluator.RuleDoc{
			Summary: "Soft delete brings back a deleted blob; only versioning brings back one that was overwritten (a bad " +
				"deploy, ransomware encrypting in place). With blob versioning every write keeps the previous version. " +
				"Provider default used: azurerm's blob_properties.versioning_enabled defaults to false, and the " +
				"blob_properties block is Optional+Computed, so an account whose configuration leaves the block out shows " +
				"it as known after apply on create; prodgate judges that as the default (versioning off) when the " +
				"configuration does not write it. Not judged (no finding): destroyed or forgotten accounts (the lifecycle " +
				"rules cover them) and accounts with account_kind = \"FileStorage\", which have no blob service.",
			Pass: "azurerm_storage_account that will exist after apply with blob_properties.versioning_enabled = true.",
			Fail: "blob_properties.versioning_enabled = false, or not set (azurerm default false), including a blob_properties " +
				"block left out of the configuration (known after apply on create, judged as the default).",
			Unknown: "blob_properties.versioning_enabled (or the block holding it) is known only after apply while the " +
				"configuration writes it, or the plan has no configuration section to show it was left out.",
			Remediation: "In `blob_properties`, set `versioning_enabled = true` (with `delete_retention_policy` for soft delete).",
			Example: "resource \"azurerm_storage_account\" \"main\" {\n  account_tier             = \"Standard\"\n" +
				"  account_replication_type = \"GZRS\"\n\n  blob_properties {\n    versioning_enabled = true\n  }\n}",
		},
		Attribute: "blob_properties.versioning_enabled", Want: true, Default: false, NotJudged: azureStorageFileOnly,
	},
	{
		ID:            "google-bigquery-table-deletion-protection",
		Title:         "BigQuery tables keep Terraform deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"google_bigquery_table"},
		References:    []string{"CKV_GCP_121"},
		Doc: evaluator.RuleDoc{
			Summary: "Deleting a BigQuery table deletes its data; it can be undeleted only within the dataset's time-travel " +
				"window (7 days at most). deletion_protection makes a `terraform destroy`, a removed resource or a forced " +
				"replacement (a changed schema or partitioning often forces one) fail instead. Checkov fails an unset value; " +
				"prodgate passes it, because the provider's default is true. Not judged (no finding): destroyed or forgotten " +
				"tables (the lifecycle rules cover them).",
			Pass: "google_bigquery_table that will exist after apply (create, update, no-op, replace) with deletion_protection = " +
				"true, or not set (provider default true).",
			Fail:    "deletion_protection = false, including a change that turns it from true to false.",
			Unknown: "deletion_protection is known only after apply (computed from a value not yet known).",
			Remediation: "Remove `deletion_protection = false` or set `deletion_protection = true`. To retire the table, turn it " +
				"off in a reviewed change of its own.",
			Example: "resource \"google_bigquery_table\" \"events\" {\n  dataset_id          = google_bigquery_dataset.analytics.dataset_id\n  table_id            = \"events\"\n  deletion_protection = true\n}",
		},
		Attribute: "deletion_protection", Want: true, Default: true,
	},
	{
		ID:            "google-bigtable-instance-deletion-protection",
		Title:         "Bigtable instances keep Terraform deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"google_bigtable_instance"},
		References:    []string{"CKV_GCP_122"},
		Doc: evaluator.RuleDoc{
			Summary: "Deleting a Bigtable instance deletes every table in it. deletion_protection makes a `terraform destroy`, " +
				"a removed resource or a forced replacement fail. Checkov fails an unset value; prodgate passes it, because " +
				"the provider's default is true. Not judged (no finding): destroyed or forgotten instances.",
			Pass: "google_bigtable_instance that will exist after apply (create, update, no-op, replace) with deletion_protection = " +
				"true, or not set (provider default true).",
			Fail:    "deletion_protection = false, including a change that turns it from true to false.",
			Unknown: "deletion_protection is known only after apply (computed from a value not yet known).",
			Remediation: "Remove `deletion_protection = false` or set `deletion_protection = true`. To retire the instance, turn " +
				"it off in a reviewed change of its own.",
			Example: "resource \"google_bigtable_instance\" \"main\" {\n  name                = \"prod\"\n  deletion_protection = true\n\n  cluster {\n    cluster_id = \"prod-c1\"\n    zone       = \"europe-west1-b\"\n  }\n}",
		},
		Attribute: "deletion_protection", Want: true, Default: true,
	},
	{
		ID:            "google-gke-deletion-protection",
		Title:         "GKE clusters keep Terraform deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"google_container_cluster"},
		Doc: evaluator.RuleDoc{
			Summary: "Deleting a GKE cluster takes its workloads, node pools and persistent volumes whose reclaim policy is Delete " +
				"with it. deletion_protection makes a `terraform destroy` or a forced replacement of the cluster fail.",
			Pass: "google_container_cluster that will exist after apply (create, update, no-op, replace) with deletion_protection = true, " +
				"or not set (provider default true since google provider 5.0, which writes the default into the plan).",
			Fail:    "deletion_protection = false, including a change that turns it from true to false.",
			Unknown: "deletion_protection is known only after apply (computed from a value not yet known).",
			Remediation: "Remove `deletion_protection = false` or set `deletion_protection = true`. To retire the cluster, turn it off " +
				"in a reviewed change of its own.",
			Example: "resource \"google_container_cluster\" \"main\" {\n  name                = \"prod\"\n  location            = \"europe-west1\"\n  deletion_protection = true\n}",
		},
		Attribute: "deletion_protection", Want: true, Default: true,
	},
	{
		ID:            "google-spanner-database-deletion-protection",
		Title:         "Spanner databases keep Terraform deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"google_spanner_database"},
		References:    []string{"CKV_GCP_119"},
		Doc: evaluator.RuleDoc{
			Summary: "Dropping a Spanner database deletes its data and its version history. deletion_protection makes a " +
				"`terraform destroy`, a removed resource or a forced replacement fail; it lives only in Terraform state and " +
				"does not stop the console, gcloud or the API, which enable_drop_protection does (judged by " +
				"google-spanner-database-drop-protection). Not judged (no finding): destroyed or forgotten databases.",
			Pass: "google_spanner_database that will exist after apply (create, update, no-op, replace) with deletion_protection = " +
				"true, or not set (provider default true).",
			Fail:    "deletion_protection = false, including a change that turns it from true to false.",
			Unknown: "deletion_protection is known only after apply (computed from a value not yet known).",
			Remediation: "Remove `deletion_protection = false` or set `deletion_protection = true`. To retire the database, turn " +
				"it off in a reviewed change of its own.",
			Example: "resource \"google_spanner_database\" \"main\" {\n  instance               = google_spanner_instance.main.name\n  name                   = \"orders\"\n  deletion_protection    = true\n  enable_drop_protection = true\n}",
		},
		Attribute: "deletion_protection", Want: true, Default: true,
	},
	{
		ID:            "google-spanner-database-drop-protection",
		Title:         "Spanner databases have Spanner drop protection enabled",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"google_spanner_database"},
		References:    []string{"CKV_GCP_120"},
		Doc: evaluator.RuleDoc{
			Summary: "enable_drop_protection is a setting Spanner itself enforces: while it is true the database cannot be " +
				"dropped by anyone (console, gcloud, API, Terraform), and its instance cannot be deleted either. The Terraform " +
				"flag deletion_protection (judged by google-spanner-database-deletion-protection) only stops Terraform. Not " +
				"judged (no finding): destroyed or forgotten databases.",
			Pass: "google_spanner_database that will exist after apply (create, update, no-op, replace) with " +
				"enable_drop_protection = true.",
			Fail:        "enable_drop_protection = false or not set (provider default false), including a change that turns it off.",
			Unknown:     "enable_drop_protection is known only after apply (the configuration sets it from a value not yet known).",
			Remediation: "Set `enable_drop_protection = true`. To retire the database, turn it off in a reviewed change of its own.",
			Example:     "resource \"google_spanner_database\" \"main\" {\n  instance               = google_spanner_instance.main.name\n  name                   = \"orders\"\n  enable_drop_protection = true\n}",
		},
		Attribute: "enable_drop_protection", Want: true, Default: false,
	},
	{
		ID:            "google-sql-deletion-protection",
		Title:         "Cloud SQL instances keep Terraform deletion protection",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: googleSQLTypes,
		Doc: evaluator.RuleDoc{
			Summary: "With deletion_protection = false, a `terraform destroy`, a renamed resource or a forced replacement deletes the " +
				"production database and, with it, its automated backups. This flag only stops Terraform; the separate API-level " +
				"setting settings.deletion_protection_enabled (provider default false) also stops the console, gcloud and the API, " +
				"and is judged by a rule of its own.",
			Pass: "google_sql_database_instance that will exist after apply (create, update, no-op, replace) with deletion_protection = true, " +
				"or not set (provider default true; google provider 3.44+ writes the default into the plan).",
			Fail:    "deletion_protection = false, including a change that turns it from true to false.",
			Unknown: "deletion_protection is known only after apply (computed from a value not yet known).",
			Remediation: "Remove `deletion_protection = false` or set `deletion_protection = true`. To retire the instance, turn it off " +
				"in a reviewed change of its own.",
			Example: "resource \"google_sql_database_instance\" \"main\" {\n  database_version    = \"POSTGRES_16\"\n  deletion_protection = true\n\n  settings {\n    tier = \"db-custom-2-7680\"\n  }\n}",
		},
		Attribute: "deletion_protection", Want: true, Default: true,
	},
	{
		ID:            "google-sql-deletion-protection-api",
		Title:         "Cloud SQL instances have Cloud SQL deletion protection enabled",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: googleSQLTypes,
		Doc: evaluator.RuleDoc{
			Summary: "Cloud SQL instances carry two different deletion guards. The top-level deletion_protection argument " +
				"(provider default true, judged by google-sql-deletion-protection) lives only in Terraform state: it makes " +
				"`terraform destroy` or a forced replacement fail, but the console, gcloud, the Cloud SQL Admin API and any other " +
				"tool can still delete the instance, and a change that sets it to false removes it in the same apply. " +
				"settings.deletion_protection_enabled (provider default false, judged here) is a setting of the instance " +
				"itself, stored by Cloud SQL: while it is true every delete request is refused, whoever sends it, Terraform " +
				"included. A production database needs both: the Terraform flag stops a bad plan, the Cloud SQL flag stops " +
				"a person or script outside Terraform. Read replicas are judged like primaries. Not judged (no finding): " +
				"destroyed or forgotten instances (the lifecycle rules cover them).",
			Pass: "google_sql_database_instance that will exist after apply (create, update, no-op, replace) with " +
				"settings.deletion_protection_enabled = true.",
			Fail: "settings.deletion_protection_enabled = false or not set (provider default false), including a change that " +
				"turns it from true to false; deletion_protection = true does not satisfy this rule.",
			Unknown: "settings.deletion_protection_enabled is known only after apply because the configuration sets it from a " +
				"value not yet known (an unset value is judged as the default false when the plan's configuration shows it " +
				"is not written).",
			Remediation: "Set `deletion_protection_enabled = true` in the `settings` block, and keep the top-level " +
				"`deletion_protection` at its default of true. To retire the instance, turn both off in a reviewed change of its own.",
			Example: "resource \"google_sql_database_instance\" \"main\" {\n  database_version    = \"POSTGRES_16\"\n  deletion_protection = true\n\n  settings {\n    tier                        = \"db-custom-2-7680\"\n    deletion_protection_enabled = true\n  }\n}",
		},
		Attribute: "settings.deletion_protection_enabled", Want: true, Default: false,
	},
	{
		ID:            "google-sql-no-public-ip",
		Title:         "Cloud SQL instances have no public IP address",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "google",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: googleSQLTypes,
		References:    []string{"AVD-GCP-0017", "CKV_GCP_60", "CIS GCP 6.6"},
		Doc: evaluator.RuleDoc{
			Summary: "An instance with a public IPv4 address can be reached from the internet by anything its authorized " +
				"networks admit, and is one mistaken authorized network away from being open to everyone. Production " +
				"databases belong on private IP (private_network) or Private Service Connect, reached through the VPC or the " +
				"Cloud SQL connectors. Cloud SQL assigns a public IP unless told not to, so an unset ipv4_enabled fails. " +
				"Read replicas are judged like primaries (they get their own address). Not judged (no finding): destroyed or " +
				"forgotten instances.",
			Pass: "google_sql_database_instance that will exist after apply (create, update, no-op, replace) with " +
				"settings.ip_configuration.ipv4_enabled = false.",
			Fail: "settings.ip_configuration.ipv4_enabled = true, or not set, or no ip_configuration block (provider and Cloud " +
				"SQL default true: a public IPv4 address is assigned).",
			Unknown: "settings.ip_configuration.ipv4_enabled is known only after apply because the configuration sets it from " +
				"a value not yet known (an unset value is judged as the default true when the plan's configuration shows it " +
				"is not written).",
			Remediation: "Set `ipv4_enabled = false` in `settings.ip_configuration` and give the instance a `private_network` " +
				"(or enable Private Service Connect); connect through the VPC or the Cloud SQL Auth Proxy.",
			Example: "resource \"google_sql_database_instance\" \"main\" {\n  database_version = \"POSTGRES_16\"\n\n  settings {\n    tier = \"db-custom-2-7680\"\n\n    ip_configuration {\n      ipv4_enabled    = false\n      private_network = google_compute_network.private.id\n    }\n  }\n}",
		},
		Attribute: "settings.ip_configuration.ipv4_enabled", Want: false, Default: true,
	},
	{
		ID:            "google-storage-no-force-destroy",
		Title:         "Cloud Storage buckets cannot be destroyed with their objects",
		Severity:      evaluator.SeverityCritical,
		Category:      "deletion-protection",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: googleStorageTypes,
		Doc: evaluator.RuleDoc{
			Summary: "Cloud Storage refuses to delete a bucket that still holds objects; that refusal is the only thing that " +
				"stops a `terraform destroy`, a removed resource or a forced replacement (a changed name or location) from " +
				"deleting the data. force_destroy = true makes the provider delete every object first, so the bucket and its " +
				"contents go in one apply. Not judged (no finding): destroyed or forgotten buckets (the lifecycle rules cover them).",
			Pass: "google_storage_bucket that will exist after apply (create, update, no-op, replace) with force_destroy = false, " +
				"or not set (provider default false).",
			Fail:    "force_destroy = true, including a change that turns it from false to true.",
			Unknown: "force_destroy is known only after apply (computed from a value not yet known).",
			Remediation: "Remove `force_destroy = true`. To retire a bucket, empty it on purpose or set force_destroy in a " +
				"reviewed change of its own.",
			Example: "resource \"google_storage_bucket\" \"data\" {\n  name          = \"example-data\"\n  location      = \"EU\"\n  force_destroy = false\n}",
		},
		Attribute: "force_destroy", Want: false, Default: false,
	},
	{
		ID:            "google-storage-versioning",
		Title:         "Cloud Storage buckets have object versioning enabled",
		Severity:      evaluator.SeverityMedium,
		Category:      "backup",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: googleStorageTypes,
		References:    []string{"CKV_GCP_78", "GCP-0078", "AVD-GCP-0078"},
		Doc: evaluator.RuleDoc{
			Summary: "Without versioning an overwrite destroys the previous object for good, and a delete is recoverable only " +
				"while soft delete keeps it. With versioning, earlier generations stay as noncurrent versions and can be " +
				"restored. Not judged (no finding): destroyed or forgotten buckets (the lifecycle rules cover them).",
			Pass: "google_storage_bucket that will exist after apply (create, update, no-op, replace) with versioning.enabled = true.",
			Fail: "versioning.enabled = false, or no versioning block (provider and Cloud Storage default: unversioned), " +
				"including a change that turns it off.",
			Unknown: "versioning.enabled is known only after apply because the configuration sets it from a value not yet " +
				"known (an unset value is judged as the default false when the plan's configuration shows it is not written).",
			Remediation: "Add `versioning { enabled = true }` to the bucket, with a lifecycle rule that deletes noncurrent " +
				"versions after the retention you need.",
			Example: "resource \"google_storage_bucket\" \"data\" {\n  name     = \"example-data\"\n  location = \"EU\"\n\n  versioning {\n    enabled = true\n  }\n}",
		},
		Attribute: "versioning.enabled", Want: true, Default: false,
	},
}
