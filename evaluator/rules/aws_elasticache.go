package rules

import (
	"strconv"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// ElastiCacheBackupRetention requires automatic snapshots on Redis/Valkey
// replication groups and stand-alone clusters.
type ElastiCacheBackupRetention struct{}

func (ElastiCacheBackupRetention) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-elasticache-backup-retention",
		Title:         "ElastiCache keeps automatic snapshots",
		Severity:      evaluator.SeverityHigh,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_elasticache_replication_group", "aws_elasticache_cluster"},
		Params: []evaluator.ParamSpec{{
			Name:    "min_days",
			Kind:    evaluator.ParamInt,
			Default: int64(1),
			Source:  "1 day: AWS FSBP ElastiCache.1 (snapshotRetentionPeriod default 1)",
			Doc:     "Fewest days of automatic snapshots (snapshot_retention_limit) to keep.",
		}},
		References: []string{"CKV_AWS_134", "AVD-AWS-0050", "AWS FSBP ElastiCache.1"},
		Doc: evaluator.RuleDoc{
			Summary: "With snapshot_retention_limit 0 ElastiCache takes no automatic snapshots, so a node failure or a " +
				"flushed keyspace cannot be restored. Not judged (no finding): destroyed or forgotten resources (the " +
				"lifecycle rules cover them); aws_elasticache_cluster with engine \"memcached\" (Memcached has no " +
				"snapshots); aws_elasticache_cluster with replication_group_id set or known only after apply (a member " +
				"of a replication group, whose snapshots the group's own setting governs).",
			Pass: "aws_elasticache_replication_group, or a stand-alone aws_elasticache_cluster whose engine is not " +
				"\"memcached\", that will exist after apply with snapshot_retention_limit >= min_days (default 1).",
			Fail: "snapshot_retention_limit below min_days, or not set (the AWS default is 0: no automatic snapshots).",
			Unknown: "snapshot_retention_limit is known only after apply because the configuration sets it from a value " +
				"not yet known; or, for aws_elasticache_cluster, engine is known only after apply and " +
				"snapshot_retention_limit does not meet the minimum (reported on engine: with Memcached it would not apply).",
			Remediation: "Set `snapshot_retention_limit` to at least the minimum (1 to 35 days) on the replication group, or " +
				"on the stand-alone Redis/Valkey cluster. Snapshots are not supported on cache.t1.micro nodes.",
			Example: "resource \"aws_elasticache_replication_group\" \"cache\" {\n  snapshot_retention_limit = 7\n}",
		},
	}
}

func (ElastiCacheBackupRetention) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "snapshot_retention_limit"
	min := c.Int("min_days")
	if r.Type != "aws_elasticache_cluster" {
		return []evaluator.Finding{evaluator.RequireAtLeast(c, r, attr, min, int64(0))}
	}
	group := r.After("replication_group_id")
	if s, ok := group.Str(); group.State == tfplan.Unknown || (ok && s != "") {
		return nil
	}
	engine := r.After("engine")
	if s, ok := engine.Str(); ok && strings.EqualFold(s, "memcached") {
		return nil
	}
	f := evaluator.RequireAtLeast(c, r, attr, min, int64(0))
	if engine.State == tfplan.Unknown && f.Status == evaluator.StatusFail {
		return []evaluator.Finding{c.Unknown(r, "engine",
			`"memcached", or snapshot_retention_limit >= `+strconv.FormatInt(min, 10))}
	}
	return []evaluator.Finding{f}
}

// ElastiCacheAtRestEncryption requires encryption at rest on replication groups.
type ElastiCacheAtRestEncryption struct{}

func (ElastiCacheAtRestEncryption) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-elasticache-at-rest-encryption",
		Title:         "ElastiCache replication groups are encrypted at rest",
		Severity:      evaluator.SeverityHigh,
		Category:      "encryption",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_elasticache_replication_group"},
		References:    []string{"CKV_AWS_29", "AVD-AWS-0045", "AWS FSBP ElastiCache.4"},
		Doc: evaluator.RuleDoc{
			Summary: "At-rest encryption covers the data ElastiCache writes to disk: swap, backups and snapshots, which " +
				"outlive the cache. It can only be chosen when the group is created. The provider's default depends on the " +
				"engine: false for \"redis\", true for \"valkey\". Not judged (no finding): destroyed or forgotten " +
				"replication groups (the lifecycle rules cover them).",
			Pass: "aws_elasticache_replication_group that will exist after apply (create, update, no-op, replace) with " +
				"at_rest_encryption_enabled = true (the provider may write it as the string \"true\"), or not set with " +
				"engine \"valkey\" (provider default true).",
			Fail: "at_rest_encryption_enabled = false; or not set while engine is \"redis\", not set or known only after " +
				"apply (judged as the provider default false).",
			Unknown: "at_rest_encryption_enabled is known only after apply because the configuration sets it from a value " +
				"not yet known.",
			Remediation: "Set `at_rest_encryption_enabled = true` (optionally with `kms_key_id`) when creating the group; an " +
				"existing group must be rebuilt from a snapshot.",
			Example: "resource \"aws_elasticache_replication_group\" \"cache\" {\n  at_rest_encryption_enabled = true\n}",
		},
	}
}

func (ElastiCacheAtRestEncryption) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	def := false
	if engine, ok := r.After("engine").Str(); ok && strings.EqualFold(engine, "valkey") {
		def = true
	}
	return []evaluator.Finding{evaluator.RequireBool(c, r, "at_rest_encryption_enabled", true, def)}
}
