package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/evaluator/tfplan"
	"github.com/prodgate/prodgate/report"
)

const schemaFile = "../docs/report.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("report.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("report.schema.json")
	if err != nil {
		t.Fatalf("%s does not compile: %v", schemaFile, err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, name string, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not JSON: %v", name, err)
	}
	return sch.Validate(inst)
}

// TestJSONMatchesSchema validates real JSON reports against
// docs/report.schema.json: the golden files, and a fresh report of every
// plan the repository and the shared corpus hold. The schema forbids fields
// it does not describe, so a new field fails here until it is documented.
func TestJSONMatchesSchema(t *testing.T) {
	sch := compileSchema(t)

	var raw map[string]any
	data, _ := os.ReadFile(schemaFile)
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	version := raw["properties"].(map[string]any)["schema_version"].(map[string]any)["const"]
	if version != float64(report.SchemaVersion) || !strings.Contains(raw["title"].(string), "schema_version 1") {
		t.Errorf("the schema describes schema_version %v; report.SchemaVersion is %d", version, report.SchemaVersion)
	}

	goldens, _ := filepath.Glob("testdata/*.json*.golden")
	if len(goldens) < 5 {
		t.Fatalf("found %d JSON golden files", len(goldens))
	}
	for _, g := range goldens {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, sch, g, data); err != nil {
			t.Errorf("%s: %v", g, err)
		}
	}

	engine, err := evaluator.Compile(config.Default(), rules.Registry(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	judged := 0
	report.JudgeablePlans(t, func(file string, plan *tfplan.Plan) {
		judged++
		var buf bytes.Buffer
		r, _ := report.New(report.FormatJSON, &buf, report.Options{})
		if err := r.Render(engine.Evaluate(plan, evaluator.RunContext{Workspace: "w"}, time.Now())); err != nil {
			t.Fatal(err)
		}
		if err := validate(t, sch, file, buf.Bytes()); err != nil {
			t.Errorf("the report of %s: %v", file, err)
		}
	})
	if judged < 5 {
		t.Errorf("only %d plans judged", judged)
	}
}

// TestSchemaRejects: the schema is strict enough to fail the drift it
// exists to catch.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	good, err := os.ReadFile("testdata/e2e.json.golden")
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, sch, "e2e", good); err != nil {
		t.Fatalf("the golden report does not validate: %v", err)
	}
	for name, edit := range map[string]func(map[string]any){
		"an undocumented top-level field": func(d map[string]any) { d["surprise"] = true },
		"an undocumented finding field":   func(d map[string]any) { d["findings"].([]any)[0].(map[string]any)["file"] = "main.tf" },
		"a missing verdict":               func(d map[string]any) { delete(d, "verdict") },
		"an unknown status":               func(d map[string]any) { d["findings"].([]any)[0].(map[string]any)["status"] = "maybe" },
		"another schema_version":          func(d map[string]any) { d["schema_version"] = 2 },
		"a time that is no time":          func(d map[string]any) { d["evaluated_at"] = "yesterday" },
	} {
		var doc map[string]any
		if err := json.Unmarshal(good, &doc); err != nil {
			t.Fatal(err)
		}
		edit(doc)
		data, _ := json.Marshal(doc)
		if err := validate(t, sch, name, data); err == nil {
			t.Errorf("%s validates", name)
		}
	}
}
