package tfplan_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/prodgate/prodgate/evaluator/evaltest"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

func TestParsePlanRefusals(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"empty input", "  \n", "the file is empty"},
		{"not JSON", "Terraform will perform the following actions", "not JSON"},
		{"truncated JSON", `{"format_version": "1.2", "resource_changes": [`, "ends early"},
		{"syntax error names line and column", "{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [}\n}", "line 3, column 24"},
		{"wrong type names the field", `{"format_version": "1.2", "resource_changes": {}}`, `field "resource_changes"`},
		{"missing format_version", `{"resource_changes": []}`, `missing "format_version"`},
		{"unsupported major version", `{"format_version": "2.0"}`, `unsupported plan format_version "2.0"`},
		{"unknown action", `{"format_version": "1.2", "resource_changes": [{"address": "a.b", "mode": "managed", "type": "a", "change": {"actions": ["destroy"]}}]}`, `resource_changes[0] (a.b): unknown action "destroy"`},
		{"unknown mode", `{"format_version": "1.2", "resource_changes": [{"address": "a.b", "mode": "weird", "type": "a", "change": {"actions": ["create"]}}]}`, `unknown mode "weird"`},
		{"change missing", `{"format_version": "1.2", "resource_changes": [{"address": "a.b", "mode": "managed", "type": "a"}]}`, `has no "change" object`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tfplan.ParsePlan([]byte(tc.input))
			var ie *tfplan.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want *InputError, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// TestOnlyAPlanIsAPlan: documents without a plan's own sections are refused
// with a message naming the command that makes a plan JSON, whatever else they
// hold; the state and the no-state output come from real terraform runs
// (testdata/generate.sh).
func TestOnlyAPlanIsAPlan(t *testing.T) {
	const makePlan = "make a plan JSON with `terraform plan -out=tfplan` then `terraform show -json tfplan > plan.json`"
	const notAPlan = `plan: JSON that is not a plan: it has none of a plan's "planned_values", "resource_changes" or "output_changes"; ` + makePlan
	tests := []struct {
		name, file, input, want string
	}{
		{name: "the state terraform show -json prints without a plan file", file: "../../testdata/notplans/terraform-data-state.json",
			want: `plan: this is a Terraform state, not a plan (it has "values" and none of "planned_values", "resource_changes" or "output_changes"): ` +
				"`terraform show -json` without a plan file prints the state; " + makePlan},
		{name: "what terraform show -json prints before anything is applied", file: "../../testdata/notplans/terraform-no-state.json", want: notAPlan},
		{name: "a hand-made stub", input: `{"format_version":"1.2","terraform_version":"1.11.4"}`, want: notAPlan},
		{name: "an empty object", input: `{}`, want: notAPlan},
		{name: "a plan's sections, all null", input: `{"format_version":"1.2","planned_values":null,"resource_changes":null,"output_changes":null}`, want: notAPlan},
		{name: "a JSON array", input: `[1,2,3]`, want: "plan: JSON that is not a plan: the document is a JSON array, and a plan is an object; " + makePlan},
		{name: "a JSON string", input: ` "plan.json" `, want: "plan: JSON that is not a plan: the document is a JSON string, and a plan is an object; " + makePlan},
		{name: "JSON null", input: `null`, want: "plan: JSON that is not a plan: the document is a JSON null, and a plan is an object; " + makePlan},
		{name: "an array that is not JSON", input: `[1,2`, want: "plan: not JSON: expected the output of `terraform show -json PLANFILE` (a binary plan file must be converted first)"},
		{name: "a future format is said before the missing sections", input: `{"format_version":"2.0"}`,
			want: `plan: unsupported plan format_version "2.0": this prodgate reads 0.x and 1.x; upgrade prodgate`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := fileOr(t, tc.file, tc.input)
			_, err := tfplan.ParsePlan(data)
			var ie *tfplan.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want *InputError, got %v", err)
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePlanEncodings(t *testing.T) {
	plain, err := json.Marshal(evaltest.PlanJSON(evaltest.Change{Type: "test_db", After: map[string]any{"protect": true}}))
	if err != nil {
		t.Fatal(err)
	}
	utf16le := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(string(plain))) {
		utf16le = append(utf16le, byte(u), byte(u>>8))
	}
	utf16be := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(string(plain))) {
		utf16be = append(utf16be, byte(u>>8), byte(u))
	}
	for name, data := range map[string][]byte{
		"utf-8": plain, "utf-8 with BOM": append([]byte{0xEF, 0xBB, 0xBF}, plain...),
		"utf-16le with BOM": utf16le, "utf-16be with BOM": utf16be,
	} {
		t.Run(name, func(t *testing.T) {
			p, err := tfplan.ParsePlan(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Resources) != 1 || p.Resources[0].Address != "test_db.this" {
				t.Errorf("resources %+v", p.Resources)
			}
		})
	}
}

func TestDataSourcesAreNotResources(t *testing.T) {
	doc := evaltest.PlanJSON(evaltest.Change{Type: "test_db", After: map[string]any{}})
	rcs := doc["resource_changes"].([]any)
	rcs = append(rcs, map[string]any{"address": "data.test_db.x", "mode": "data", "type": "test_db", "name": "x",
		"change": map[string]any{"actions": []string{"read"}, "before": nil, "after": map[string]any{}}})
	doc["resource_changes"] = rcs
	p := evaltest.ParseDoc(t, doc)
	if len(p.Resources) != 1 || p.Resources[0].Address != "test_db.this" {
		t.Errorf("want only the managed resource, got %d", len(p.Resources))
	}
}

func TestValueLookup(t *testing.T) {
	p := evaltest.Plan(t, evaltest.Change{
		Address: `module.db["eu"].test_db.main[0]`, ModuleAddress: `module.db["eu"]`, Type: "test_db",
		After: map[string]any{
			"settings": []any{map[string]any{"backup": []any{map[string]any{"enabled": true}}, "flags": []any{}}},
			"password": "hunter2", "tags": map[string]any{"Name": "x"}, "count": 3.0,
		},
		AfterUnknown:   map[string]any{"endpoint": true, "settings": []any{map[string]any{"backup": []any{map[string]any{"window": true}}}}},
		AfterSensitive: map[string]any{"password": true},
	})
	r := p.Resources[0]
	tests := []struct {
		path    string
		state   tfplan.ValueState
		display string
	}{
		{"settings.backup.enabled", tfplan.Known, "true"},
		{"settings.0.backup.0.enabled", tfplan.Known, "true"},
		{"settings.backup.window", tfplan.Unknown, "(known after apply)"},
		{"settings.flags.x", tfplan.NotSet, "not set"},
		{"endpoint", tfplan.Unknown, "(known after apply)"},
		{"password", tfplan.Known, "(sensitive value)"},
		{`tags["Name"]`, tfplan.Known, `"x"`},
		{"count", tfplan.Known, "3"},
		{"missing", tfplan.NotSet, "not set"},
	}
	for _, tc := range tests {
		v := r.After(tc.path)
		if v.State != tc.state || v.Display() != tc.display {
			t.Errorf("After(%q) = %v %q, want %v %q", tc.path, v.State, v.Display(), tc.state, tc.display)
		}
	}
	if got := r.ConfigAddress(); got != "module.db.test_db.main" {
		t.Errorf("ConfigAddress = %q", got)
	}
}

// TestDriftDeletedOutsideTerraform: Terraform writes after_unknown as {} even
// when the drifted object is gone (after: null).
func TestDriftDeletedOutsideTerraform(t *testing.T) {
	doc := evaltest.PlanJSON(evaltest.Change{Address: "test_db.a", Type: "test_db", After: map[string]any{"protect": true}})
	doc["resource_drift"] = []any{map[string]any{
		"address": "test_db.a", "mode": "managed", "type": "test_db", "name": "a",
		"change": map[string]any{"actions": []string{"delete"}, "before": map[string]any{"protect": true}, "after": nil,
			"after_unknown": map[string]any{}, "before_sensitive": map[string]any{}, "after_sensitive": false},
	}}
	d := evaltest.ParseDoc(t, doc).Resources[0].Drift()
	if d == nil || !d.Deleted() {
		t.Fatalf("want a drift that says the object was deleted, got %+v", d)
	}
}

// fileOr returns the file's bytes, or input when file is "".
func fileOr(t *testing.T, file, input string) []byte {
	t.Helper()
	if file == "" {
		return []byte(input)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
