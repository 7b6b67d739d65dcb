package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/evaluator/tfplan"
	"github.com/prodgate/prodgate/report"
	"github.com/prodgate/prodgate/report/source"
)

// The end-to-end fixture: a plan with blocking, advisory, waived, unknown
// and sensitive values, the policy that judges it and the .tf tree behind
// it (a local module, and a remote one whose resource has no file).
const (
	e2eDir    = "testdata/e2e"
	sensitive = "hunter2-sensitive-7c1d" // the database password in plan.json
)

var e2eNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// e2eReport evaluates the fixture as `prodgate check` does.
func e2eReport(t *testing.T) *evaluator.Report {
	t.Helper()
	policy, err := config.Load(filepath.Join(e2eDir, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	policy.File = "policy.yaml" // as the golden files show it, wherever the test runs
	engine, err := evaluator.Compile(policy, rules.Registry(), e2eNow)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(e2eDir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := tfplan.ParsePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	rep := engine.Evaluate(plan, evaluator.RunContext{Workspace: "orders-prod"}, e2eNow)
	rep.Duration = 0
	return rep
}

// e2eOptions are the options the CLI would pass with --source-dir, without
// a working directory (so SARIF paths stay relative and golden).
func e2eOptions(t *testing.T) report.Options {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2eDir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	modules, err := source.PlanModules(data)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := source.Load(filepath.Join(e2eDir, "tf"), modules)
	if err != nil {
		t.Fatal(err)
	}
	var metas []evaluator.RuleMeta
	for _, r := range rules.Registry().Rules() {
		metas = append(metas, r.Meta())
	}
	return report.Options{Locator: idx, Rules: metas, ToolVersion: "v1.0.0-test", PlanFile: e2eDir + "/plan.json"}
}

// renderE2E renders the fixture in one format.
func renderE2E(t *testing.T, format report.Format, opts report.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	r, err := report.New(format, &buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Render(e2eReport(t)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEndToEndGolden renders the evaluated fixture in every format, with
// source locations, and checks that the sensitive value is in none of them.
func TestEndToEndGolden(t *testing.T) {
	rep := e2eReport(t)
	kinds := map[string]bool{}
	for _, f := range rep.Findings {
		switch {
		case f.Blocking && f.Status == evaluator.StatusUnknown:
			kinds["blocking unknown"] = true
		case f.Blocking:
			kinds["blocking"] = true
		case f.Status == evaluator.StatusUnknown:
			kinds["advisory unknown"] = true
		case f.Status == evaluator.StatusWarn:
			kinds["advisory"] = true
		case f.Status == evaluator.StatusWaived:
			kinds["waived"] = true
		}
		if f.Actual == "(sensitive value)" {
			kinds["sensitive"] = true
		}
	}
	if len(kinds) != 6 {
		t.Fatalf("the fixture must have blocking, advisory, waived, unknown (both ways) and sensitive findings; it has %v", kinds)
	}
	opts := e2eOptions(t)
	for _, format := range report.Formats() {
		t.Run(string(format), func(t *testing.T) {
			got := renderE2E(t, format, opts)
			if bytes.Contains(got, []byte(sensitive)) {
				t.Errorf("the %s report contains the sensitive password", format)
			}
			report.Golden(t, "e2e."+string(format), got)
		})
	}
	// The source locations are the tree's: the local module's file, and
	// nothing for the remote module's resource.
	text := string(renderE2E(t, report.FormatText, opts))
	for _, want := range []string{
		"module.orders_db.aws_db_instance.this (testdata/e2e/tf/modules/db/main.tf:20)  aws-rds-deletion-protection",
		"aws_lb.public (testdata/e2e/tf/main.tf:10)  aws-lb-internet-facing",
		"module.network.aws_security_group.default  aws-security-group-open-admin-ports",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
}
