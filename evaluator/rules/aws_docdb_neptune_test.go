package rules

import (
	"strconv"
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

// awsBoolCases are the table rows every "attribute must be want" rule shares:
// the wanted value passes, the other fails, an unset value (null, or shown as
// known after apply while the configuration does not write it) is judged at
// the provider default def, a value set from something not yet known is
// unknown, a replacement is judged on its new object, and destroyed or
// forgotten resources get no finding. extra holds attributes every row needs
// (e.g. an engine).
func awsBoolCases(id, typ, attr string, want, def bool, extra map[string]any) []ruleCase {
	addr := typ + ".this"
	with := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range extra {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	wantS, otherS := strconv.FormatBool(want), strconv.FormatBool(!want)
	defaulted := "not set (provider default " + strconv.FormatBool(def) + ")"
	unset := fail(id, addr, attr, attr+" is "+defaulted, wantS, defaulted)
	if def == want {
		unset = pass(id, addr, attr, attr+" is "+defaulted)
	}
	return []ruleCase{
		{
			name:   attr + " = " + wantS + " passes",
			change: evaltest.Change{Type: typ, After: with(map[string]any{attr: want})},
			want:   []evaluator.Finding{pass(id, addr, attr, attr+" is "+wantS)},
		},
		{
			name:   attr + " = " + otherS + " fails",
			change: evaltest.Change{Type: typ, After: with(map[string]any{attr: !want})},
			want:   []evaluator.Finding{fail(id, addr, attr, attr+" is "+otherS, wantS, otherS)},
		},
		{
			name:   "an absent attribute is judged at the provider default " + strconv.FormatBool(def),
			change: evaltest.Change{Type: typ, After: with(map[string]any{attr: nil})},
			want:   []evaluator.Finding{unset},
		},
		{
			name: "an unwritten attribute shown as known after apply is judged at the provider default",
			change: evaltest.Change{Type: typ, After: with(nil), AfterUnknown: map[string]any{attr: true},
				Config: map[string]any{}},
			want: []evaluator.Finding{unset},
		},
		{
			name: "a value set from something known only after apply is unknown",
			change: evaltest.Change{Type: typ, After: with(nil), AfterUnknown: map[string]any{attr: true},
				Config: map[string]any{attr: map[string]any{"references": []any{"var.flag"}}}},
			want: []evaluator.Finding{unknown(id, addr, attr, wantS)},
		},
		{
			name: "a replacement is judged on the new object",
			change: evaltest.Change{Type: typ, Actions: []string{"delete", "create"},
				Before: with(map[string]any{attr: want}), After: with(map[string]any{attr: !want})},
			want: []evaluator.Finding{fail(id, addr, attr, attr+" is "+otherS, wantS, otherS)},
		},
		{
			name:   "a destroyed resource is left to the lifecycle rules",
			change: evaltest.Change{Type: typ, Actions: []string{"delete"}, Before: with(map[string]any{attr: !want})},
			want:   nil,
		},
		{
			name: "a forgotten resource is left to the lifecycle rules",
			change: evaltest.Change{Type: typ, Actions: []string{"forget"},
				Before: with(map[string]any{attr: !want}), After: with(map[string]any{attr: !want})},
			want: nil,
		},
	}
}

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

func TestDocDBDeletionProtection(t *testing.T) {
	runRuleCases(t, DocDBDeletionProtection{},
		awsBoolCases("aws-docdb-deletion-protection", "aws_docdb_cluster", "deletion_protection", true, false, nil))
}

func TestNeptuneDeletionProtection(t *testing.T) {
	const id = "aws-neptune-deletion-protection"
	tests := awsBoolCases(id, "aws_neptune_cluster", "deletion_protection", true, false, nil)
	tests = append(tests, ruleCase{
		name: "a cluster in a module is reported at its full address",
		change: evaltest.Change{Type: "aws_neptune_cluster", Address: "module.graph.aws_neptune_cluster.main[0]",
			ModuleAddress: "module.graph", After: map[string]any{"deletion_protection": true}},
		want: []evaluator.Finding{pass(id, "module.graph.aws_neptune_cluster.main[0]", "deletion_protection",
			"deletion_protection is true")},
	})
	runRuleCases(t, NeptuneDeletionProtection{}, tests)
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

func TestDocDBStorageEncrypted(t *testing.T) {
	runRuleCases(t, DocDBStorageEncrypted{},
		awsBoolCases("aws-docdb-storage-encrypted", "aws_docdb_cluster", "storage_encrypted", true, false, nil))
}

func TestNeptuneStorageEncrypted(t *testing.T) {
	runRuleCases(t, NeptuneStorageEncrypted{},
		awsBoolCases("aws-neptune-storage-encrypted", "aws_neptune_cluster", "storage_encrypted", true, false, nil))
}
