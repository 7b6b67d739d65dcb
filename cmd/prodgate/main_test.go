package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/prodgate/prodgate/report"
)

// binary is the real prodgate built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "prodgate-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "prodgate")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	// The same flags as the test binary (GOFLAGS from scripts/test.sh), so
	// the build reuses its compiled packages.
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build prodgate: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// prodgate runs the real binary in dir (the repository root when "") with a
// clean Atlantis-free environment plus env.
func prodgate(t *testing.T, dir string, env []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	if dir == "" {
		dir = repoRoot(t)
	}
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run prodgate: %v", err)
	}
	return result{code, out.String(), errOut.String()}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestCheckExitCodesAndFormats(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      []string
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		{"an unsafe plan fails the gate with exit 1", []string{"check", "--plan", "examples/plans/unsafe.json"}, nil, 1,
			[]string{"prodgate FAILED", "aws_db_instance.orders", "deletion_protection is false", "backup_retention_period is 1, below the minimum of 7"}, ""},
		{"a compliant plan passes with exit 0", []string{"check", "--plan", "examples/plans/compliant.json"}, nil, 0,
			[]string{"prodgate PASSED", "passing checks not listed"}, ""},
		{"--exit-zero reports a failure with exit 0", []string{"check", "--plan", "examples/plans/unsafe.json", "--exit-zero", "--format", "atlantis"}, nil, 0,
			[]string{"- FAIL [critical] aws_db_instance.orders: deletion_protection is false (aws-rds-deletion-protection)", " failures", "prodgate: gate failed"}, ""},
		{"--show-passed lists passes in atlantis output", []string{"check", "--plan", "examples/plans/compliant.json", "--format", "atlantis", "--show-passed"}, nil, 0,
			[]string{"+ PASS [critical] aws_db_instance.orders: deletion_protection is true (aws-rds-deletion-protection)"}, ""},
		{"Atlantis variables select the scope", []string{"check", "--plan", "examples/plans/unsafe.json", "--policy", "examples/prodgate.yaml", "--format", "atlantis"},
			[]string{"WORKSPACE=orders-prod", "PROJECT_NAME=orders", "REPO_REL_DIR=envs/prod", "BASE_REPO_OWNER=acme", "BASE_REPO_NAME=infra"}, 1,
			[]string{"below the minimum of 14", "# WAIVED [critical] aws_dynamodb_table.sessions", "scope production"}, ""},
		{"an advisory scope reports but passes", []string{"check", "--plan", "examples/plans/unsafe.json", "--policy", "examples/prodgate.yaml", "--workspace", "orders-dev"}, nil, 0,
			[]string{"prodgate PASSED", "advisory"}, ""},
		{"PRODGATE_POLICY names the policy", []string{"check", "--plan", "examples/plans/unsafe.json", "--format", "atlantis"}, []string{"PRODGATE_POLICY=examples/prodgate.yaml", "WORKSPACE=x-prod"}, 1,
			[]string{"ACME production-ready standard v1"}, ""},
		{"SHOWFILE is the default plan in Atlantis", []string{"check", "--format", "atlantis"}, []string{"SHOWFILE=examples/plans/compliant.json"}, 0,
			[]string{"gate passed"}, ""},
		{"a missing plan is bad input that says how to make one", []string{"check", "--plan", "nope.json"}, nil, 2, nil,
			"prodgate: read plan: nope.json does not exist; write it with `terraform plan -out=tfplan` then `terraform show -json tfplan > nope.json`"},
		{"no plan at all is bad input", []string{"check"}, nil, 2, nil, "no plan given"},
		{"an unknown format is bad input", []string{"check", "--plan", "examples/plans/unsafe.json", "--format", "yaml"}, nil, 2, nil, "yaml"},
		{"an invalid policy is bad input naming file and line", []string{"check", "--plan", "examples/plans/unsafe.json", "--policy", "cmd/prodgate/testdata/invalid-policy.yaml"}, nil, 2, nil,
			"cmd/prodgate/testdata/invalid-policy.yaml:4: rules.aws-rds-backup-retention.params.min_days: want a whole number"},
		{"a deliberately broken plan is refused", []string{"check", "--plan", "cmd/prodgate/testdata/invalid-action.json"}, nil, 2, nil,
			`cmd/prodgate/testdata/invalid-action.json: resource_changes[0] (aws_db_instance.x): unknown action "obliterate"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := prodgate(t, "", tc.env, "", tc.args...)
			checkConftestSummary(t, r.stdout)
			if r.code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.wantCode, r.stdout, r.stderr)
			}
			for _, want := range tc.wantOut {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			if !strings.Contains(r.stderr, tc.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantErr, r.stderr)
			}
		})
	}
}

var summaryLine = regexp.MustCompile(`(?m)^(\d+) tests?, (\d+) passed, (\d+) warnings?, (\d+) failures?`)

// checkConftestSummary checks that an atlantis summary line, where there is
// one, counts exactly the blocking lines above it.
func checkConftestSummary(t *testing.T, out string) {
	t.Helper()
	m := summaryLine.FindStringSubmatch(out)
	if m == nil {
		return
	}
	failures := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "- FAIL ") || strings.HasPrefix(line, "- UNKNOWN ") {
			failures++
		}
	}
	if fmt.Sprint(failures) != m[4] {
		t.Errorf("summary says %s failures, output lists %d:\n%s", m[4], failures, out)
	}
}

func TestCheckReadsStdinAndWritesJSON(t *testing.T) {
	plan, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "plans", "unsafe.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := prodgate(t, "", nil, string(plan), "check", "--plan", "-", "--format", "json")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		SchemaVersion int    `json:"schema_version"`
		Verdict       string `json:"verdict"`
		Counts        struct{ Blocking, Total int }
		Findings      []struct {
			RuleID   string `json:"rule_id"`
			Blocking bool   `json:"blocking"`
			Related  []struct {
				RuleID string `json:"rule_id"`
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	blocking, rules := 0, map[string]bool{}
	for _, f := range doc.Findings {
		if f.Blocking {
			blocking++
		}
		rules[f.RuleID] = true
		for _, r := range f.Related { // folded into a finding of the same cause
			rules[r.RuleID] = true
		}
	}
	if doc.SchemaVersion != 1 || doc.Verdict != "failed" || blocking == 0 || doc.Counts.Blocking != blocking || doc.Counts.Total != len(doc.Findings) {
		t.Errorf("unexpected report %+v", doc)
	}
	for _, id := range []string{"aws-rds-deletion-protection", "aws-rds-backup-retention", "lifecycle-stateful-destroy", "aws-dynamodb-pitr"} {
		if !rules[id] {
			t.Errorf("the JSON report lacks a %s finding", id)
		}
	}
}

// TestSensitiveValuesNeverPrinted: the example plan holds a password marked
// sensitive; no output format may contain it.
func TestSensitiveValuesNeverPrinted(t *testing.T) {
	for _, format := range report.Formats() {
		r := prodgate(t, "", nil, "", "check", "--plan", "examples/plans/unsafe.json", "--format", string(format), "--show-passed")
		if strings.Contains(r.stdout+r.stderr, "not-a-real-password") {
			t.Errorf("%s output prints the sensitive password", format)
		}
	}
}

// TestBinaryPlanFile makes a real binary plan with terraform (terraform_data
// needs no provider download) and checks it, so the `terraform show -json`
// path is exercised for real.
func TestBinaryPlanFile(t *testing.T) {
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on PATH; the binary plan path needs it")
	}
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata", "terraform", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	tf := func(args ...string) {
		cmd := exec.Command("terraform", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "TF_CLI_CONFIG_FILE=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("terraform %v: %v\n%s", args, err, out)
		}
	}
	tf("init", "-input=false", "-no-color")
	tf("plan", "-input=false", "-no-color", "-out", "tfplan")
	policy := filepath.Join(dir, "prodgate.yaml")
	if err := os.WriteFile(policy, []byte("version: 1\nrules:\n  lifecycle-stateful-destroy:\n    params: {extra_types: [terraform_data]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := prodgate(t, dir, nil, "", "check", "--plan", "tfplan", "--format", "atlantis", "--show-passed")
	if r.code != 0 || !strings.Contains(r.stdout, "+ PASS [critical] terraform_data.db") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}

	r = prodgate(t, dir, []string{"PATH=/nonexistent"}, "", "check", "--plan", "tfplan")
	if r.code != 2 || !strings.Contains(r.stderr, "terraform is not on PATH") {
		t.Errorf("without terraform: exit %d, stderr %s", r.code, r.stderr)
	}
}

// TestRealTerraformReplace judges a plan made by a real terraform run that
// replaces a resource the policy declares stateful.
func TestRealTerraformReplace(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "prodgate.yaml")
	if err := os.WriteFile(policy, []byte("version: 1\nrules:\n  lifecycle-stateful-destroy:\n    params: {extra_types: [terraform_data]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := prodgate(t, "", nil, "", "check", "--plan", "testdata/plans/terraform-data-replace.json", "--policy", policy, "--format", "atlantis")
	want := "- FAIL [critical] terraform_data.db: replace (destroy, then create) because an attribute that cannot be updated in place changed (forced by: triggers_replace)"
	if r.code != 1 || !strings.Contains(r.stdout, want) {
		t.Errorf("exit %d, want 1 and %q in:\n%s%s", r.code, want, r.stdout, r.stderr)
	}
}

func TestRulesMarkdownIsInSync(t *testing.T) {
	checkGeneratedDoc(t, "docs/rules.md", "rules", "--format", "markdown")
}

// checkGeneratedDoc fails the test when doc (relative to the repository
// root) is not what `prodgate args…` writes.
func checkGeneratedDoc(t *testing.T, doc string, args ...string) {
	t.Helper()
	r := prodgate(t, "", nil, "", args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	onDisk, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(doc)))
	if err != nil {
		t.Fatal(err)
	}
	if string(onDisk) != r.stdout {
		t.Errorf("%s is stale: run `go run ./cmd/prodgate %s > %s`", doc, strings.Join(args, " "), doc)
	}
}

func TestExplainValidateInitVersion(t *testing.T) {
	r := prodgate(t, "", nil, "", "explain", "aws-rds-backup-retention")
	for _, want := range []string{"Passes:", "Fails:", "Unknown:", "min_days", "RDS.11"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := prodgate(t, "", nil, "", "explain", "aws-rds-nope"); r.code != 2 || !strings.Contains(r.stderr, `no rule "aws-rds-nope"`) {
		t.Errorf("explain of an unknown rule: exit %d %s", r.code, r.stderr)
	}
	if r := prodgate(t, "", nil, "", "explain", "aws-rds-deletion-protecton"); r.code != 2 ||
		!strings.Contains(r.stderr, `did you mean "aws-rds-deletion-protection"?`) {
		t.Errorf("explain of a mistyped rule must suggest the right one: exit %d %s", r.code, r.stderr)
	}
	if r := prodgate(t, "", nil, "", "explain", "azure-db-delete-lock"); r.code != 0 || !strings.HasPrefix(r.stdout, "azure-delete-lock\n") ||
		!strings.Contains(r.stderr, "is now azure-delete-lock") {
		t.Errorf("explain of a renamed rule must explain the new one and say so: exit %d %s %s", r.code, r.stdout, r.stderr)
	}

	dir := t.TempDir()
	if r := prodgate(t, dir, nil, "", "init"); r.code != 0 {
		t.Fatalf("init: exit %d %s", r.code, r.stderr)
	}
	if r := prodgate(t, dir, nil, "", "init"); r.code != 2 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("second init must refuse to overwrite: exit %d %s", r.code, r.stderr)
	}
	if r := prodgate(t, dir, nil, "", "validate"); r.code != 0 || !strings.Contains(r.stdout, "prodgate.yaml: valid") {
		t.Errorf("validate of the starter: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := prodgate(t, "", nil, "", "validate", "--policy", "cmd/prodgate/testdata/invalid-policy.yaml"); r.code != 2 || !strings.Contains(r.stderr, "invalid-policy.yaml:6: waivers[0].owner: required") {
		t.Errorf("validate of a broken policy: exit %d %s", r.code, r.stderr)
	}
	if r := prodgate(t, "", nil, "", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "prodgate ") {
		t.Errorf("version: %d %s", r.code, r.stdout)
	}
}

// TestRulesFitsAHundredColumns: the default table wraps titles to fit a
// 100-column terminal and shows each rule's enforcement; --wide is one line per rule.
func TestRulesFitsAHundredColumns(t *testing.T) {
	r := prodgate(t, "", nil, "", "rules")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	for _, line := range lines {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
	if !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(lines[0], "ENFORCEMENT") ||
		!regexp.MustCompile(`(?m)^aws-rds-deletion-protection +blocking +critical +RDS`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^aws-rds-log-exports +advisory +low `).MatchString(r.stdout) {
		t.Errorf("unexpected table:\n%s", r.stdout)
	}
	wide := prodgate(t, "", nil, "", "rules", "--wide")
	if got, want := strings.Count(wide.stdout, "\n"), strings.Count(r.stdout, "\nazure-")+strings.Count(r.stdout, "\naws-")+
		strings.Count(r.stdout, "\ngoogle-")+strings.Count(r.stdout, "\nlifecycle-")+strings.Count(r.stdout, "\ntags-")+1; got != want {
		t.Errorf("--wide has %d lines, want one per rule plus the header (%d)", got, want)
	}
	if !strings.Contains(wide.stdout, "CATEGORY") || !strings.Contains(wide.stdout, "RESOURCE TYPES") {
		t.Errorf("--wide lacks columns:\n%s", wide.stdout[:200])
	}
}

// TestCoverageDocNamesRealRules keeps docs/coverage.md honest: every prodgate
// rule id it mentions must exist.
func TestCoverageDocNamesRealRules(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "coverage.md"))
	if err != nil {
		t.Fatal(err)
	}
	r := prodgate(t, "", nil, "", "rules")
	for _, id := range regexp.MustCompile("`((?:aws|google|azure|lifecycle|tags)-[a-z0-9-]+)`").FindAllStringSubmatch(string(doc), -1) {
		if !strings.Contains(r.stdout, id[1]+" ") {
			t.Errorf("docs/coverage.md names %s, which is not a rule", id[1])
		}
	}
}

// TestCheckReadsLargePlansFromFileStdinAndPipe: a plan above the mapping
// threshold gives the same verdict read from a file, from stdin redirected
// from that file (mapped too), and through a pipe.
func TestCheckReadsLargePlansFromFileStdinAndPipe(t *testing.T) {
	plan, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "plans", "unsafe.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Padding in a member no rule reads makes the file larger than mapThreshold.
	padded := append([]byte(`{"prodgate_test_padding":"`+strings.Repeat("x", mapThreshold+1024)+`",`), bytes.TrimPrefix(bytes.TrimSpace(plan), []byte("{"))...)
	path := filepath.Join(t.TempDir(), "large.json")
	if err := os.WriteFile(path, padded, 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile := prodgate(t, "", nil, "", "check", "--plan", path, "--format", "atlantis", "--as-of", "2026-11-25")
	if fromFile.code != 1 || !strings.Contains(fromFile.stdout, "aws-rds-deletion-protection") {
		t.Fatalf("--plan FILE: exit %d\n%s%s", fromFile.code, fromFile.stdout, fromFile.stderr)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(binary, "check", "--plan", "-", "--format", "atlantis", "--as-of", "2026-11-25")
	cmd.Dir, cmd.Stdin = repoRoot(t), f
	redirected, _ := cmd.Output()
	piped := prodgate(t, "", nil, string(padded), "check", "--plan", "-", "--format", "atlantis", "--as-of", "2026-11-25")
	for name, out := range map[string]string{"stdin from the file": string(redirected), "stdin through a pipe": piped.stdout} {
		if out != fromFile.stdout {
			t.Errorf("%s gives a different report:\n%s\n--- from the file:\n%s", name, out, fromFile.stdout)
		}
	}
}

// TestCheckOnlyBuild builds prodgate with -tags checkonly: it judges a plan
// exactly as the full build does, links none of the service's dependencies,
// and says so when asked to serve.
func TestCheckOnlyBuild(t *testing.T) {
	slim := filepath.Join(t.TempDir(), "prodgate-check")
	build := exec.Command("go", "build", "-tags", "checkonly", "-o", slim, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags checkonly: %v\n%s", err, out)
	}
	args := []string{"check", "--plan", filepath.Join(repoRoot(t), "examples", "plans", "unsafe.json"), "--format", "atlantis", "--as-of", "2026-11-25"}
	full := prodgate(t, "", nil, "", args...)
	cmd := exec.Command(slim, args...)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != full.code {
		t.Fatalf("check-only build: %v, want exit %d like the full build", err, full.code)
	}
	if string(out) != full.stdout {
		t.Errorf("check-only build reports differently:\n%s\n--- full build:\n%s", out, full.stdout)
	}
	deps, err := exec.Command("go", "version", "-m", slim).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, module := range []string{"github.com/gin-gonic/gin", "github.com/riverqueue/river", "modernc.org/sqlite", "github.com/jackc/pgx/v5", "github.com/prometheus/client_golang"} {
		if strings.Contains(string(deps), "\t"+module+"\t") {
			t.Errorf("the check-only build links %s", module)
		}
	}
	serve := exec.Command(slim, "serve")
	msg, err := serve.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(msg), "full build") {
		t.Errorf("serve in a check-only build: %v %s; want exit 2 pointing at the full build", err, msg)
	}
	version, _ := exec.Command(slim, "version").Output()
	if !strings.Contains(string(version), "check-only build") {
		t.Errorf("version = %q, want it to name the check-only build", version)
	}
}
