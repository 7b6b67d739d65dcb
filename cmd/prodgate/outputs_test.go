package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gojunit "github.com/joshdk/go-junit"

	"github.com/prodgate/prodgate/bench/plangen"
	"github.com/prodgate/prodgate/report"
)

// The report fixture: blocking, advisory, waived, unknown and sensitive
// values, and the .tf tree behind it.
const (
	e2ePlan      = "report/testdata/e2e/plan.json"
	e2ePolicy    = "report/testdata/e2e/policy.yaml"
	e2eSource    = "report/testdata/e2e/tf"
	e2eSensitive = "hunter2-sensitive-7c1d"
)

// TestCheckWritesEveryOutputFromOneEvaluation: --output files are the
// reports --format would print, all from one evaluation (the JSON on stdout
// and in the file agree to the nanosecond of the evaluation's duration), and
// no file holds the sensitive password.
func TestCheckWritesEveryOutputFromOneEvaluation(t *testing.T) {
	dir := t.TempDir()
	args := []string{"check", "--plan", e2ePlan, "--policy", e2ePolicy, "--source-dir", e2eSource, "--as-of", "2026-06-01", "--format", "json"}
	for _, f := range report.Formats() {
		args = append(args, "--output", string(f)+"="+filepath.Join(dir, "report."+string(f)))
	}
	r := prodgate(t, "", nil, "", args...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (the gate fails)\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, e2eSensitive) {
		t.Error("stdout or stderr holds the sensitive password")
	}
	files := map[report.Format]string{}
	for _, f := range report.Formats() {
		data, err := os.ReadFile(filepath.Join(dir, "report."+string(f)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), e2eSensitive) {
			t.Errorf("the %s report holds the sensitive password", f)
		}
		files[f] = string(data)
	}
	if files[report.FormatJSON] != r.stdout {
		t.Error("the JSON file and the JSON on stdout differ: not one evaluation")
	}
	// Each file is what --format prints (formats without timings).
	for _, f := range []report.Format{report.FormatText, report.FormatMarkdown, report.FormatAtlantis, report.FormatSARIF} {
		alone := prodgate(t, "", nil, "", "check", "--plan", e2ePlan, "--policy", e2ePolicy, "--source-dir", e2eSource, "--as-of", "2026-06-01", "--format", string(f))
		if alone.stdout != files[f] {
			t.Errorf("--output %s differs from --format %s", f, f)
		}
	}
	if !strings.Contains(files[report.FormatText], "module.orders_db.aws_db_instance.this (report/testdata/e2e/tf/modules/db/main.tf:20)") {
		t.Errorf("the text report lacks the finding's file:line:\n%s", files[report.FormatText])
	}
	root := repoRoot(t)
	if want := "file://" + filepath.ToSlash(root) + "/report/testdata/e2e/tf/modules/db/main.tf"; !strings.Contains(files[report.FormatSARIF], want) {
		t.Errorf("the SARIF report does not point at %s", want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != len(report.Formats()) {
		t.Errorf("%d files in the output directory, want %d (no temporary files left)", len(entries), len(report.Formats()))
	}
}

func TestCheckOutputErrors(t *testing.T) {
	dir := t.TempDir()
	taken := filepath.Join(dir, "a-directory")
	if err := os.Mkdir(taken, 0o755); err != nil {
		t.Fatal(err)
	}
	base := []string{"check", "--plan", e2ePlan, "--policy", e2ePolicy}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"an unknown format is bad input", []string{"--output", "yaml=x.yaml"}, 2, `--output "yaml=x.yaml": unknown report format "yaml"`},
		{"a value without a file is bad input", []string{"--output", "sarif"}, 2, "want FORMAT=FILE"},
		{"stdout is not an output file", []string{"--output", "json=-"}, 2, "standard output is for --format"},
		{"two reports in one file is bad input", []string{"--output", "sarif=" + dir + "/x", "--output", "junit=" + dir + "/x"}, 2, "is already the file of --output sarif="},
		{"a directory that does not exist is found before the plan is read", []string{"--plan", "missing.json", "--output", "sarif=" + dir + "/no/such/dir/x.sarif"}, 2, "--output sarif=" + dir + "/no/such/dir/x.sarif"},
		{"a report that cannot be put in place is an internal error", []string{"--output", "sarif=" + taken}, 3, "write sarif report " + taken},
		{"a missing source directory is bad input", []string{"--source-dir", dir + "/nope"}, 2, "--source-dir: read terraform source"},
		{"a negative markdown limit is bad input", []string{"--markdown-limit", "-1"}, 2, "--markdown-limit -1"},
		{"an unknown --format is bad input", []string{"--format", "sarif2"}, 2, `--format: unknown report format "sarif2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := prodgate(t, "", nil, "", append(append([]string(nil), base...), tt.args...)...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "a-directory" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestLargePlanReports judges a generated 20,000-resource plan once, with
// every report: the markdown fits a GitHub comment and says it summarised,
// SARIF holds one result per finding that is not a pass, within GitHub's
// limits, and the JUnit report parses with the right number of failures.
func TestLargePlanReports(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and judges a 20,000-resource plan")
	}
	dir := t.TempDir()
	templates, err := plangen.Templates(plangen.DefaultDirs(repoRoot(t))...)
	if err != nil {
		t.Fatal(err)
	}
	planPath := filepath.Join(dir, "plan.json")
	f, err := os.Create(planPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := plangen.Write(f, 20000, templates); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out := func(name string) string { return filepath.Join(dir, name) }
	r := prodgate(t, "", nil, "", "check", "--plan", planPath, "--format", "atlantis",
		"--output", "markdown="+out("r.md"), "--output", "sarif="+out("r.sarif"), "--output", "junit="+out("r.xml"), "--output", "json="+out("r.json"))
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	read := func(name string) []byte {
		data, err := os.ReadFile(out(name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	var doc struct {
		Counts   struct{ Total, Passed, Blocking int }
		Findings []json.RawMessage
	}
	if err := json.Unmarshal(read("r.json"), &doc); err != nil {
		t.Fatal(err)
	}
	notPasses := doc.Counts.Total - doc.Counts.Passed
	if doc.Counts.Total < 10000 || notPasses < 1000 {
		t.Fatalf("a 20,000-resource plan gave %+v: too few findings to test limits with", doc.Counts)
	}

	md := read("r.md")
	if len(md) > report.MarkdownLimit || !strings.Contains(string(md), "to stay under GitHub's 65,536-character comment limit") {
		t.Errorf("markdown: %d bytes; want at most %d, saying it summarised", len(md), report.MarkdownLimit)
	}

	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct{ Rules []json.RawMessage }
			}
			Results []struct{ Level string }
		}
	}
	if err := json.Unmarshal(read("r.sarif"), &log); err != nil {
		t.Fatal(err)
	}
	results := log.Runs[0].Results
	if len(results) != min(notPasses, report.MaxSARIFResults) || len(log.Runs[0].Tool.Driver.Rules) > 25000 {
		t.Errorf("SARIF: %d results for %d findings that are not passes", len(results), notPasses)
	}

	suites, err := gojunit.Ingest(read("r.xml"))
	if err != nil {
		t.Fatal(err)
	}
	tests, failed := 0, 0
	for _, s := range suites {
		tests += s.Totals.Tests
		failed += s.Totals.Failed
	}
	if tests != doc.Counts.Total+1 || failed != doc.Counts.Blocking+1 {
		t.Errorf("JUnit: %d tests, %d failed; want %d and %d", tests, failed, doc.Counts.Total+1, doc.Counts.Blocking+1)
	}
	t.Logf("20,000 resources: %d findings (%d not passes, %d blocking); markdown %d B, SARIF %d B, JUnit %d B, JSON %d B",
		doc.Counts.Total, notPasses, doc.Counts.Blocking, len(md), len(read("r.sarif")), len(read("r.xml")), len(read("r.json")))
}
