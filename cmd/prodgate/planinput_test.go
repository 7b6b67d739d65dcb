package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const makePlanJSON = "make a plan JSON with `terraform plan -out=tfplan` then `terraform show -json tfplan > plan.json`"

// TestCheckRefusesWhatIsNotAPlan runs the real binary on documents that are
// not plans (the state and no-state files come from real terraform runs) and
// on plans with nothing to change: only the plans may pass.
func TestCheckRefusesWhatIsNotAPlan(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	stub := write("stub.json", `{"format_version":"1.2","terraform_version":"1.11.4"}`)
	array := write("array.json", "[1,2,3]\n")
	tests := []struct {
		name, plan string
		wantCode   int
		wantErr    string
		wantOut    string
	}{
		{name: "the state terraform show -json prints without a plan file", plan: "testdata/notplans/terraform-data-state.json", wantCode: 2,
			wantErr: `prodgate: testdata/notplans/terraform-data-state.json: this is a Terraform state, not a plan (it has "values" and none of "planned_values", "resource_changes" or "output_changes"): ` +
				"`terraform show -json` without a plan file prints the state; " + makePlanJSON + "\n"},
		{name: "terraform show -json before anything is applied", plan: "testdata/notplans/terraform-no-state.json", wantCode: 2,
			wantErr: `prodgate: testdata/notplans/terraform-no-state.json: JSON that is not a plan: it has none of a plan's "planned_values", "resource_changes" or "output_changes"; ` + makePlanJSON + "\n"},
		{name: "a hand-made stub", plan: stub, wantCode: 2,
			wantErr: "prodgate: " + stub + `: JSON that is not a plan: it has none of a plan's "planned_values", "resource_changes" or "output_changes"; ` + makePlanJSON + "\n"},
		{name: "a JSON array", plan: array, wantCode: 2,
			wantErr: "prodgate: " + array + ": JSON that is not a plan: the document is a JSON array, and a plan is an object; " + makePlanJSON + "\n"},
		{name: "a real plan with no changes passes", plan: "testdata/plans/terraform-data-no-changes.json", wantCode: 0, wantOut: "prodgate PASSED"},
		{name: "a real plan with only outputs passes", plan: "testdata/plans/terraform-outputs-only.json", wantCode: 0, wantOut: "prodgate PASSED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := prodgate(t, "", nil, "", "check", "--plan", tc.plan)
			if r.code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.wantCode, r.stdout, r.stderr)
			}
			if diff := cmp.Diff(tc.wantErr, r.stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if !strings.Contains(r.stdout, tc.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tc.wantOut, r.stdout)
			}
		})
	}
}

// TestCheckRefusesAHostileDepth is issue 13's plan: replace_paths nested ten
// million levels deep (20 MB) ended the process with a stack overflow. The
// real binary refuses it as bad input, from a file (mapped) and from a pipe.
func TestCheckRefusesAHostileDepth(t *testing.T) {
	const levels = 10_000_000
	prefix := `{"format_version":"1.2","resource_changes":[{"address":"aws_db_instance.x","mode":"managed","type":"aws_db_instance","name":"x",` +
		`"change":{"actions":["delete","create"],"before":{},"after":{},"replace_paths":`
	plan := prefix + strings.Repeat("[", levels) + strings.Repeat("]", levels) + `}}]}`
	// The document is at level 4 where replace_paths starts, so its 509th
	// bracket is the 513th level.
	column := len(prefix) + 509
	path := filepath.Join(t.TempDir(), "deep.json")
	if err := os.WriteFile(path, []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	const why = "objects and arrays nest deeper than 512 levels; no Terraform plan nests that deep, so prodgate refuses it rather than walk it"
	for _, tc := range []struct {
		name, plan, stdin, wantErr string
	}{
		{"a file", path, "", fmt.Sprintf("prodgate: %s: line 1, column %d: %s\n", path, column, why)},
		{"stdin", "-", plan, fmt.Sprintf("prodgate: plan on stdin: line 1, column %d: %s\n", column, why)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := prodgate(t, "", nil, tc.stdin, "check", "--plan", tc.plan)
			if r.code != 2 {
				t.Errorf("exit code %d, want 2 (bad input)\nstderr:\n%.2000s", r.code, r.stderr)
			}
			if diff := cmp.Diff(tc.wantErr, r.stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%.4000s", diff)
			}
		})
	}
}
