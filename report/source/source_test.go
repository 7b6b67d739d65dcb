package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tidwall/gjson"

	"github.com/prodgate/prodgate/report"
)

// The configuration and the plan terraform made from it (testdata/generate.sh).
const (
	tree     = "../../testdata/terraform-modules"
	planFile = "../../testdata/plans/terraform-data-modules.json"
)

func loadPlan(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func loadTree(t *testing.T, modules Modules) *Index {
	t.Helper()
	idx, err := Load(tree, modules)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func at(file string, line, col, endLine, endCol int) report.SourceLocation {
	return report.SourceLocation{File: tree + "/" + file, Line: line, Column: col, EndLine: endLine, EndColumn: endCol}
}

func TestLocate(t *testing.T) {
	modules, err := PlanModules(loadPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	idx := loadTree(t, modules)
	tests := []struct {
		name, address, attribute string
		want                     report.SourceLocation
		wantOK                   bool
	}{
		{"a root resource is its block header", "terraform_data.db", "",
			at("main.tf", 10, 1, 10, 31), true},
		{"an attribute the block writes is the attribute, all its lines", "terraform_data.db", "input.deletion_protection",
			at("main.tf", 11, 3, 14, 4), true},
		{"an attribute the block does not write is the header", "terraform_data.db", "output",
			at("main.tf", 10, 1, 10, 31), true},
		{"a for_each instance is the one block", `terraform_data.config["eu"]`, "",
			at("main.tf", 18, 1, 18, 35), true},
		{"a local module's resource is in the module's file", "module.storage.terraform_data.bucket", "input",
			at("modules/storage/main.tf", 6, 3, 9, 4), true},
		{"an instance of a module made by count is the module's block", "module.regional[1].terraform_data.bucket", "",
			at("modules/storage/main.tf", 5, 1, 5, 35), true},
		{"a nested local module (source relative to its caller) is followed", "module.regional[0].module.backup.terraform_data.vault[1]", "triggers_replace",
			at("modules/backup/main.tf", 9, 3, 9, 34), true},
		{"a resource in JSON syntax is found", "terraform_data.from_json", "input",
			at("extra.tf.json", 5, 9, 5, 42), true},
		{"a resource the configuration lacks has no location", "terraform_data.nope", "", report.SourceLocation{}, false},
		{"a module the configuration lacks has no location", "module.nope.terraform_data.db", "", report.SourceLocation{}, false},
		{"a plan-wide finding has no location", "", "", report.SourceLocation{}, false},
		{"an address that does not parse has no location", "terraform_data.[", "", report.SourceLocation{}, false},
		{"a module address alone is not a resource", "module.storage", "", report.SourceLocation{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := idx.Locate(tt.address, tt.attribute)
			if ok != tt.wantOK {
				t.Fatalf("Locate(%q, %q) ok = %v, want %v (%+v)", tt.address, tt.attribute, ok, tt.wantOK, got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Locate(%q, %q) (-want +got):\n%s", tt.address, tt.attribute, diff)
			}
		})
	}
}

// TestEveryPlannedResourceIsLocated: every resource change terraform planned
// from the tree maps to a block, whether the module tree comes from the
// plan's configuration or from the module blocks, and both agree.
func TestEveryPlannedResourceIsLocated(t *testing.T) {
	plan := loadPlan(t)
	modules, err := PlanModules(plan)
	if err != nil {
		t.Fatal(err)
	}
	fromPlan, fromBlocks := loadTree(t, modules), loadTree(t, nil)
	// 3 root blocks, and 2 in each of the two calls of modules/storage.
	if fromPlan.Len() != 7 || fromBlocks.Len() != 7 {
		t.Errorf("indexed %d and %d blocks, want 7 configuration addresses", fromPlan.Len(), fromBlocks.Len())
	}
	addresses := gjson.GetBytes(plan, "resource_changes.#.address").Array()
	if len(addresses) != 13 {
		t.Fatalf("the plan has %d resource changes, want 13", len(addresses))
	}
	for _, a := range addresses {
		got, ok := fromPlan.Locate(a.String(), "")
		if !ok {
			t.Errorf("%s: no location", a)
			continue
		}
		if other, _ := fromBlocks.Locate(a.String(), ""); other != got {
			t.Errorf("%s: %v from the plan's module tree, %v from the module blocks", a, got, other)
		}
	}
}

// TestRemoteModulesHaveNoLocation: a call whose source is not a local path is
// not followed (its code is not in the repository); the local calls beside it
// still are.
func TestRemoteModulesHaveNoLocation(t *testing.T) {
	modules := Modules{
		"storage": {Source: "./modules/storage"},
		"vpc":     {Source: "terraform-aws-modules/vpc/aws"},
		"git":     {Source: "git::https://example.com/modules.git//db?ref=v1"},
	}
	idx := loadTree(t, modules)
	for _, addr := range []string{"module.vpc.aws_vpc.this", "module.git.aws_db_instance.main"} {
		if l, ok := idx.Locate(addr, ""); ok {
			t.Errorf("%s: located at %v, want no location", addr, l)
		}
	}
	if _, ok := idx.Locate("module.storage.terraform_data.bucket", ""); !ok {
		t.Error("module.storage.terraform_data.bucket: the local module beside remote ones is not followed")
	}
	// The plan's module tree decides: module.storage's own call to ./backup
	// is not in this tree, so it is not followed.
	if _, ok := idx.Locate("module.storage.module.backup.terraform_data.vault[0]", ""); ok {
		t.Error("a call the plan's module tree does not name was followed")
	}
}

func TestLoadErrors(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, text := range files {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	tests := []struct {
		name    string
		files   map[string]string
		modules Modules
		want    string
	}{
		{"a file that does not parse names its file and line",
			map[string]string{"main.tf": "resource \"a\" \"b\" {\n  x = \n}\n"}, nil, "main.tf:2,7"},
		{"a JSON file that does not parse names its file",
			map[string]string{"main.tf.json": `{"resource": `}, nil, "main.tf.json:1"},
		{"a local module whose directory is missing names the module",
			map[string]string{"main.tf": "module \"db\" {\n  source = \"./modules/db\"\n}\n"}, nil, `module "module.db" (source "./modules/db")`},
		{"a module the plan says is local must exist",
			map[string]string{"main.tf": ""}, Modules{"x": {Source: "../elsewhere"}}, `module "module.x"`},
		{"a module that loads itself stops",
			map[string]string{"main.tf": "module \"self\" {\n  source = \"./\"\n}\n"}, nil, "nested more than 32 deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(write(t, tt.files), tt.modules)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "absent"), nil); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("Load of a missing directory: %v", err)
	}
	if _, err := Load(planFile, nil); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Load of a file: %v", err)
	}
}

func TestOverrideFilesAreSkipped(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"main.tf":            "resource \"a\" \"b\" {\n  x = 1\n}\n",
		"override.tf":        "\n\nresource \"a\" \"b\" {\n  x = 2\n}\n",
		"b_override.tf.json": `{"resource": {"a": {"c": {}}}}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := idx.Locate("a.b", "x")
	if want := (report.SourceLocation{File: filepath.ToSlash(filepath.Join(dir, "main.tf")), Line: 2, Column: 3, EndLine: 2, EndColumn: 8}); !ok || got != want {
		t.Errorf("Locate(a.b, x) = %v, %v; want %v from main.tf", got, ok, want)
	}
	if _, ok := idx.Locate("a.c", ""); ok {
		t.Error("a block only an override file defines was indexed")
	}
}

func TestConfigAddress(t *testing.T) {
	tests := map[string]string{
		"aws_db_instance.main":                                 "aws_db_instance.main",
		"aws_db_instance.main[0]":                              "aws_db_instance.main",
		`aws_s3_bucket.assets["a.b[c]"]`:                       "aws_s3_bucket.assets",
		`module.db["eu"].module.inner[2].aws_rds_cluster.x[0]`: "module.db.module.inner.aws_rds_cluster.x",
		"data.aws_iam_policy_document.p":                       "data.aws_iam_policy_document.p",
		"module.a.data.aws_caller_identity.me":                 "module.a.data.aws_caller_identity.me",
	}
	for in, want := range tests {
		if got, ok := configAddress(in); !ok || got != want {
			t.Errorf("configAddress(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "aws_db_instance", "module.a", "a.b.c", "a.b[", "module.a.b.c.d"} {
		if got, ok := configAddress(bad); ok {
			t.Errorf("configAddress(%q) = %q, want no address", bad, got)
		}
	}
}

func TestPlanModules(t *testing.T) {
	got, err := PlanModules(loadPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{}
	var walk func(prefix string, m Modules)
	walk = func(prefix string, m Modules) {
		for name, call := range m {
			sources[prefix+name] = call.Source
			walk(prefix+name+".", call.Module.ModuleCalls)
		}
	}
	walk("", got)
	want := map[string]string{
		"storage": "./modules/storage", "storage.backup": "../backup",
		"regional": "./modules/storage", "regional.backup": "../backup",
	}
	if diff := cmp.Diff(want, sources); diff != "" {
		t.Errorf("module tree (-want +got):\n%s", diff)
	}
	if m, err := PlanModules([]byte(`{"format_version":"1.2","resource_changes":[]}`)); err != nil || len(m) != 0 {
		t.Errorf("a plan without configuration: %v, %v; want an empty tree", m, err)
	}
	if _, err := PlanModules([]byte(`{"configuration":{"root_module":{"module_calls":{"a":{"source":7}}}}}`)); err == nil {
		t.Error("a module call whose source is a number: want an error")
	}
}
