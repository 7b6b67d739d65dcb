package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestElastiCacheBackupRetention(t *testing.T) {
	const id = "aws-elasticache-backup-retention"
	const attr = "snapshot_retention_limit"
	tests := []ruleCase{
		{
			name:   "a replication group keeping snapshots passes",
			change: evaltest.Change{Type: "aws_elasticache_replication_group", After: map[string]any{attr: 5}},
			want:   []evaluator.Finding{pass(id, "aws_elasticache_replication_group.this", attr, "snapshot_retention_limit is 5")},
		},
		{
			name:   "a replication group with snapshots off fails",
			change: evaltest.Change{Type: "aws_elasticache_replication_group", After: map[string]any{attr: 0}},
			want: []evaluator.Finding{fail(id, "aws_elasticache_replication_group.this", attr,
				"snapshot_retention_limit is 0, below the minimum of 1", ">= 1", "0")},
		},
		{
			name:   "a stand-alone redis cluster without the attribute fails with the default of zero",
			change: evaltest.Change{Type: "aws_elasticache_cluster", After: map[string]any{"engine": "redis"}},
			want: []evaluator.Finding{fail(id, "aws_elasticache_cluster.this", attr,
				"snapshot_retention_limit is not set (provider default 0), below the minimum of 1", ">= 1", "not set (provider default 0)")},
		},
		{
			name:   "a policy asking for seven days fails a three-day valkey cluster",
			change: evaltest.Change{Type: "aws_elasticache_cluster", After: map[string]any{"engine": "valkey", attr: 3}},
			params: map[string]any{"min_days": int64(7)},
			want: []evaluator.Finding{fail(id, "aws_elasticache_cluster.this", attr,
				"snapshot_retention_limit is 3, below the minimum of 7", ">= 7", "3")},
		},
		{
			name: "a retention set from a value known only after apply is unknown",
			change: evaltest.Change{Type: "aws_elasticache_replication_group", After: map[string]any{},
				AfterUnknown: map[string]any{attr: true},
				Config:       map[string]any{attr: map[string]any{"references": []any{"var.days"}}}},
			want: []evaluator.Finding{unknown(id, "aws_elasticache_replication_group.this", attr, ">= 1")},
		},
		{
			name:   "a memcached cluster is not judged because memcached cannot snapshot",
			change: evaltest.Change{Type: "aws_elasticache_cluster", After: map[string]any{"engine": "memcached"}},
			want:   nil,
		},
		{
			name: "a cluster that is a member of a replication group is governed by the group",
			change: evaltest.Change{Type: "aws_elasticache_cluster",
				After: map[string]any{"replication_group_id": "cache", attr: 0}},
			want: nil,
		},
		{
			name: "a member of a replication group created in the same plan is governed by the group",
			change: evaltest.Change{Type: "aws_elasticache_cluster", After: map[string]any{},
				AfterUnknown: map[string]any{"replication_group_id": true}},
			want: nil,
		},
		{
			name: "an engine known only after apply without snapshots is unknown on the engine",
			change: evaltest.Change{Type: "aws_elasticache_cluster", After: map[string]any{attr: 0},
				AfterUnknown: map[string]any{"engine": true}},
			want: []evaluator.Finding{unknown(id, "aws_elasticache_cluster.this", "engine", `"memcached", or snapshot_retention_limit >= 1`)},
		},
		{
			name: "an engine known only after apply with snapshots kept passes",
			change: evaltest.Change{Type: "aws_elasticache_cluster", After: map[string]any{attr: 2},
				AfterUnknown: map[string]any{"engine": true}},
			want: []evaluator.Finding{pass(id, "aws_elasticache_cluster.this", attr, "snapshot_retention_limit is 2")},
		},
		{
			name:   "a destroyed replication group is left to the lifecycle rules",
			change: evaltest.Change{Type: "aws_elasticache_replication_group", Actions: []string{"delete"}, Before: map[string]any{attr: 0}},
			want:   nil,
		},
	}
	runRuleCases(t, ElastiCacheBackupRetention{}, tests)
}

func TestElastiCacheAtRestEncryption(t *testing.T) {
	const id = "aws-elasticache-at-rest-encryption"
	const typ, addr, attr = "aws_elasticache_replication_group", "aws_elasticache_replication_group.this", "at_rest_encryption_enabled"
	tests := flagCases(id, typ, attr, true, false, map[string]any{"engine": "redis"})
	tests = append(tests,
		ruleCase{
			name:   "an unset value on a valkey group is the provider default true",
			change: evaltest.Change{Type: typ, After: map[string]any{"engine": "valkey"}},
			want:   []evaluator.Finding{pass(id, addr, attr, "at_rest_encryption_enabled is not set (provider default true)")},
		},
		ruleCase{
			name:   "the provider's string form \"true\" passes",
			change: evaltest.Change{Type: typ, After: map[string]any{"engine": "redis", attr: "true"}},
			want:   []evaluator.Finding{pass(id, addr, attr, `at_rest_encryption_enabled is "true"`)},
		},
		ruleCase{
			name:   "an explicit false on a valkey group fails",
			change: evaltest.Change{Type: typ, After: map[string]any{"engine": "valkey", attr: false}},
			want:   []evaluator.Finding{fail(id, addr, attr, "at_rest_encryption_enabled is false", "true", "false")},
		},
	)
	runRuleCases(t, ElastiCacheAtRestEncryption{}, tests)
}
