package rules

import (
	"strconv"
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

// awsRetentionCases are the shared rows of "whole number >= min_days" rules.
func awsRetentionCases(id, typ, attr string, min, def int64) []ruleCase {
	addr := typ + ".this"
	minS, defS := strconv.FormatInt(min, 10), strconv.FormatInt(def, 10)
	below := min - 1
	belowS := strconv.FormatInt(below, 10)
	return []ruleCase{
		{
			name:   "a retention at the minimum passes",
			change: evaltest.Change{Type: typ, After: map[string]any{attr: min}},
			want:   []evaluator.Finding{pass(id, addr, attr, attr+" is "+minS)},
		},
		{
			name:   "a retention one day below the minimum fails",
			change: evaltest.Change{Type: typ, After: map[string]any{attr: below}},
			want: []evaluator.Finding{fail(id, addr, attr,
				attr+" is "+belowS+", below the minimum of "+minS, ">= "+minS, belowS)},
		},
		{
			name:   "an absent retention is judged at the provider default of " + defS,
			change: evaltest.Change{Type: typ, After: map[string]any{attr: nil}},
			want: []evaluator.Finding{fail(id, addr, attr,
				attr+" is not set (provider default "+defS+"), below the minimum of "+minS, ">= "+minS,
				"not set (provider default "+defS+")")},
		},
		{
			name:   "a policy lowering min_days to the default passes an absent retention",
			change: evaltest.Change{Type: typ, After: map[string]any{}},
			params: map[string]any{"min_days": def},
			want:   []evaluator.Finding{pass(id, addr, attr, attr+" is not set (provider default "+defS+")")},
		},
		{
			name: "a retention set from a value known only after apply is unknown",
			change: evaltest.Change{Type: typ, After: map[string]any{}, AfterUnknown: map[string]any{attr: true},
				Config: map[string]any{attr: map[string]any{"references": []any{"var.days"}}}},
			want: []evaluator.Finding{unknown(id, addr, attr, ">= "+minS)},
		},
		{
			name:   "a destroyed resource is left to the lifecycle rules",
			change: evaltest.Change{Type: typ, Actions: []string{"delete"}, Before: map[string]any{attr: 0}},
			want:   nil,
		},
	}
}

func TestDocDBBackupRetention(t *testing.T) {
	runRuleCases(t, DocDBBackupRetention{},
		awsRetentionCases("aws-docdb-backup-retention", "aws_docdb_cluster", "backup_retention_period", 7, 1))
}

func TestNeptuneBackupRetention(t *testing.T) {
	const id = "aws-neptune-backup-retention"
	tests := awsRetentionCases(id, "aws_neptune_cluster", "backup_retention_period", 7, 1)
	tests = append(tests, ruleCase{
		name:   "a policy asking for 14 days fails a 7-day cluster",
		change: evaltest.Change{Type: "aws_neptune_cluster", After: map[string]any{"backup_retention_period": 7}},
		params: map[string]any{"min_days": int64(14)},
		want: []evaluator.Finding{fail(id, "aws_neptune_cluster.this", "backup_retention_period",
			"backup_retention_period is 7, below the minimum of 14", ">= 14", "7")},
	})
	runRuleCases(t, NeptuneBackupRetention{}, tests)
}
