package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prodgate/prodgate/evaluator"
)

var update = flag.Bool("update", false, "rewrite report/testdata/*.golden from the current output")

// golden compares got with testdata/<name>.golden, or rewrites it with -update.
// SARIF is written compact; its golden files are indented to be read.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if strings.Contains(name, ".sarif") {
		var indented bytes.Buffer
		if err := json.Indent(&indented, got, "", "  "); err != nil {
			t.Fatalf("%s: not JSON: %v", name, err)
		}
		got = indented.Bytes()
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run `go test ./report -update` to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got); if the change is intended run `go test ./report -update`:\n%s", path, diff)
	}
}

var fixtures = []struct {
	name   string
	report func() *evaluator.Report
}{
	{"passing", passingReport},
	{"failing", failingReport},
	{"errored", erroredReport},
	{"advisory", advisoryReport},
}

func TestRenderGolden(t *testing.T) {
	variants := []struct {
		suffix string
		opts   Options
	}{
		{"", Options{}},
		{".all", Options{Color: true, ShowPassed: true, ResultsURL: "https://prodgate.example.com/runs/run-abc123 (x)"}},
	}
	for _, fx := range fixtures {
		for _, format := range Formats() {
			for _, v := range variants {
				name := fx.name + "." + string(format) + v.suffix
				t.Run(name, func(t *testing.T) {
					var buf bytes.Buffer
					r, err := New(format, &buf, v.opts)
					if err != nil {
						t.Fatal(err)
					}
					rep := fx.report()
					before := fx.report()
					if err := r.Render(rep); err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(before, rep); diff != "" {
						t.Errorf("Render changed its input (-before +after):\n%s", diff)
					}
					golden(t, name, buf.Bytes())
				})
			}
		}
		t.Run(fx.name+".outcomes", func(t *testing.T) {
			got, err := json.MarshalIndent(struct {
				Message  string    `json:"message"`
				Outcomes []Outcome `json:"outcomes"`
			}{Message(fx.report()), Outcomes(fx.report(), 50)}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, fx.name+".outcomes", append(got, '\n'))
		})
	}
}

func TestNewUnknownFormat(t *testing.T) {
	for _, name := range []Format{"", "sarif-ish", "TEXT", "yaml"} {
		r, err := New(name, &bytes.Buffer{}, Options{})
		if err == nil || r != nil {
			t.Fatalf("New(%q) = %v, %v; want an error", name, r, err)
		}
		for _, f := range Formats() {
			if !strings.Contains(err.Error(), string(f)) {
				t.Errorf("New(%q) error %q does not name format %q", name, err, f)
			}
		}
	}
	if _, err := New(FormatText, nil, Options{}); err == nil {
		t.Error("New with a nil writer: want an error")
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats() {
		got, err := ParseFormat(" " + strings.ToUpper(string(f)) + " ")
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if _, err := ParseFormat("sarif-2"); err == nil || !strings.Contains(err.Error(), FormatNames()) {
		t.Errorf("ParseFormat(sarif-2) error = %v; want one naming %s", err, FormatNames())
	}
}

func TestRenderNilReport(t *testing.T) {
	for _, f := range Formats() {
		r, err := New(f, &bytes.Buffer{}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Render(nil); err == nil {
			t.Errorf("%s: Render(nil) succeeded", f)
		}
	}
}

func TestSorted(t *testing.T) {
	f := func(status evaluator.Status, blocking bool, sev evaluator.Severity, addr, rule string) evaluator.Finding {
		return evaluator.Finding{Status: status, Blocking: blocking, Severity: sev, Address: addr, RuleID: rule}
	}
	in := []evaluator.Finding{
		f(evaluator.StatusPass, false, evaluator.SeverityCritical, "a", "r"),
		f(evaluator.StatusWaived, false, evaluator.SeverityCritical, "a", "r"),
		f(evaluator.StatusWarn, false, evaluator.SeverityCritical, "a", "r"),
		f(evaluator.StatusUnknown, false, evaluator.SeverityCritical, "a", "r"),
		f(evaluator.StatusFail, true, evaluator.SeverityLow, "a", "r"),
		f(evaluator.StatusUnknown, true, evaluator.SeverityCritical, "a", "r"),
		f(evaluator.StatusFail, true, evaluator.SeverityCritical, "b", "r"),
		f(evaluator.StatusFail, true, evaluator.SeverityCritical, "a", "s"),
		f(evaluator.StatusFail, true, evaluator.SeverityCritical, "a", "r"),
	}
	want := []evaluator.Finding{
		f(evaluator.StatusFail, true, evaluator.SeverityCritical, "a", "r"),
		f(evaluator.StatusFail, true, evaluator.SeverityCritical, "a", "s"),
		f(evaluator.StatusFail, true, evaluator.SeverityCritical, "b", "r"),
		f(evaluator.StatusFail, true, evaluator.SeverityLow, "a", "r"),
		f(evaluator.StatusUnknown, true, evaluator.SeverityCritical, "a", "r"),
		f(evaluator.StatusUnknown, false, evaluator.SeverityCritical, "a", "r"),
		f(evaluator.StatusWarn, false, evaluator.SeverityCritical, "a", "r"),
		f(evaluator.StatusWaived, false, evaluator.SeverityCritical, "a", "r"),
		f(evaluator.StatusPass, false, evaluator.SeverityCritical, "a", "r"),
	}
	orig := append([]evaluator.Finding(nil), in...)
	if diff := cmp.Diff(want, Sorted(in)); diff != "" {
		t.Errorf("Sorted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(orig, in); diff != "" {
		t.Errorf("Sorted changed its input:\n%s", diff)
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		name   string
		report *evaluator.Report
		want   string
	}{
		{"failing names blocking findings by severity", failingReport(),
			"prodgate: 3 blocking findings (1 critical, 2 high) against Acme production standard (scope production); 3 advisory findings"},
		{"passing says how many advisory findings", passingReport(),
			"prodgate: gate passed with 3 advisory findings against Acme production standard (scope production): 5 checks"},
		{"a name that says standard is not repeated", &evaluator.Report{Verdict: evaluator.VerdictPassed, Standard: "ACME production-ready standard v1", Scope: "default"},
			"prodgate: gate passed against ACME production-ready standard v1 (scope default): 0 checks"},
		{"errored plan gives the first reason", erroredReport(),
			"prodgate: gate failed against Acme production standard (scope production): Terraform reported errors while planning, so the plan cannot be judged; the plan errored"},
		{"advisory scope says so and does not repeat standard", advisoryReport(),
			"prodgate: gate passed with 2 advisory findings against Acme production standard (scope dev, advisory): 3 checks"},
		{"an unfamiliar verdict is shown as failed", &evaluator.Report{Verdict: "maybe"},
			"prodgate: gate failed against the standard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summary(tt.report); got != tt.want {
				t.Errorf("Summary =\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}

func TestAtlantisSummaryLine(t *testing.T) {
	f := func(status evaluator.Status, blocking bool) evaluator.Finding {
		return evaluator.Finding{RuleID: "r", Address: "a", Status: status, Blocking: blocking}
	}
	tests := []struct {
		name     string
		findings []evaluator.Finding
		want     string
	}{
		{"a failed gate without findings counts itself as the failure", nil, "1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions"},
		{"one of each, singular words", []evaluator.Finding{
			f(evaluator.StatusPass, false), f(evaluator.StatusWarn, false), f(evaluator.StatusFail, true), f(evaluator.StatusWaived, false),
		}, "4 tests, 1 passed, 1 warning, 1 failure, 1 exception"},
		{"blocking unknowns are failures, non-blocking ones warnings", []evaluator.Finding{
			f(evaluator.StatusUnknown, true), f(evaluator.StatusUnknown, false), f(evaluator.StatusFail, false), f(evaluator.StatusWarn, false), f(evaluator.StatusPass, false),
		}, "5 tests, 1 passed, 3 warnings, 1 failure, 0 exceptions"},
		{"failing fixture", failingReport().Findings, "9 tests, 2 passed, 3 warnings, 3 failures, 1 exception"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := withCounts(&evaluator.Report{Verdict: evaluator.VerdictFailed, Standard: "S", Scope: "x", Findings: tt.findings})
			if got := ConftestSummary(r); got != tt.want {
				t.Errorf("ConftestSummary = %q, want %q", got, tt.want)
			}
			var buf bytes.Buffer
			a, _ := New(FormatAtlantis, &buf, Options{ShowPassed: true})
			if err := a.Render(r); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if len(tt.findings) == 0 {
				// Nothing above the summary: no blank line to start with.
				lines = append([]string{""}, lines...)
			}
			if len(lines) < 3 || lines[len(lines)-3] != "" || lines[0] == "" && len(tt.findings) > 0 {
				t.Fatalf("want the findings, a blank line, the summary and the gate line; got\n%s", buf.String())
			}
			if got := lines[len(lines)-2]; got != tt.want {
				t.Errorf("summary line = %q, want %q", got, tt.want)
			}
			if got, want := lines[len(lines)-1], "prodgate: gate failed (standard S, scope x)"; got != want {
				t.Errorf("last line = %q, want %q", got, want)
			}
			// Every finding is listed (ShowPassed), one line each.
			if got := len(lines) - 3; got != len(tt.findings) {
				t.Errorf("listed %d findings, want %d", got, len(tt.findings))
			}
		})
	}
}

// Atlantis' two ways of reading a custom policy check's output, copied from
// runatlantis/atlantis server/events/project_command_runner.go: before v0.39
// any "fail" fails it; from v0.39 a failure count above zero or a leading
// FAIL does. Its PolicyCheckResults.Summary quotes the line matching
// atlantisSummary.
var (
	atlantisFailures = regexp.MustCompile(`([1-9][0-9]* failure|failures": \[)`)
	atlantisSummary  = regexp.MustCompile(`\d+ tests?, \d+ passed, \d+ warnings?, \d+ failures?, \d+ exceptions?(, \d skipped)?`)
)

func atlantisBefore039Passed(out string) bool { return !strings.Contains(strings.ToLower(out), "fail") }

func atlantisSince039Passed(out string) bool {
	return !atlantisFailures.MatchString(out) && !strings.HasPrefix(strings.TrimSpace(out), "FAIL")
}

// TestAtlantisReadsTheVerdict: both Atlantis parsers read every fixture's
// atlantis output as the gate decided, and a failed gate's summary is one
// Atlantis quotes.
func TestAtlantisReadsTheVerdict(t *testing.T) {
	extra := func() *evaluator.Report {
		// A passing run whose team-written names and messages say "fail".
		return withCounts(&evaluator.Report{Verdict: evaluator.VerdictPassed, Standard: "FAILSAFE standard", Scope: "no-failures",
			Notes:    []string{"Failover drills run weekly"},
			Findings: []evaluator.Finding{{RuleID: "acme-failover", Address: "x.y", Status: evaluator.StatusWarn, Message: "would FAIL in prod"}}})
	}
	for _, fx := range append(fixtures, struct {
		name   string
		report func() *evaluator.Report
	}{"team-text", extra}) {
		for _, opts := range []Options{{}, {ShowPassed: true, ResultsURL: "https://prodgate.example.com/fail"}} {
			var buf bytes.Buffer
			r, _ := New(FormatAtlantis, &buf, opts)
			rep := fx.report()
			if err := r.Render(rep); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			want := rep.Verdict == evaluator.VerdictPassed
			if got := atlantisBefore039Passed(out); got != want {
				t.Errorf("%s: Atlantis before v0.39 reads passed=%v, want %v:\n%s", fx.name, got, want, out)
			}
			if got := atlantisSince039Passed(out); got != want {
				t.Errorf("%s: Atlantis v0.39+ reads passed=%v, want %v:\n%s", fx.name, got, want, out)
			}
			if !want && !atlantisSummary.MatchString(out) {
				t.Errorf("%s: no summary line Atlantis quotes:\n%s", fx.name, out)
			}
			if strings.HasPrefix(out, "\n") {
				t.Errorf("%s: output starts with a blank line", fx.name)
			}
		}
	}
}

func TestAtlantisMarkers(t *testing.T) {
	tests := []struct {
		finding evaluator.Finding
		want    string
	}{
		{evaluator.Finding{RuleID: "aws-rds-deletion-protection", Address: "aws_db_instance.main", Severity: evaluator.SeverityCritical, Status: evaluator.StatusFail, Blocking: true, Message: "deletion_protection is false"},
			"- FAIL [critical] aws_db_instance.main: deletion_protection is false (aws-rds-deletion-protection)"},
		{evaluator.Finding{RuleID: "r", Address: "a.b", Severity: evaluator.SeverityHigh, Status: evaluator.StatusUnknown, Blocking: true, Message: "m"},
			"- UNKNOWN [high] a.b: m (r)"},
		{evaluator.Finding{RuleID: "r", Address: "a.b", Severity: evaluator.SeverityMedium, Status: evaluator.StatusUnknown, Message: "m"},
			"! WARN [medium] a.b: unknown: m (r)"},
		{evaluator.Finding{RuleID: "r", Address: "a.b", Severity: evaluator.SeverityLow, Status: evaluator.StatusWarn, Message: "m"},
			"! WARN [low] a.b: m (r)"},
		{evaluator.Finding{RuleID: "r", Address: "a.b", Severity: evaluator.SeverityHigh, Status: evaluator.StatusWaived, Message: "m", Waiver: &evaluator.Waiver{ID: "w", Owner: "team-data", Expires: "2026-12-31"}},
			"# WAIVED [high] a.b: m (r) (team-data, until 2026-12-31)"},
		{evaluator.Finding{RuleID: "r", Address: "a.b", Severity: evaluator.SeverityInfo, Status: evaluator.StatusPass, Message: "m"},
			"+ PASS [info] a.b: m (r)"},
		{evaluator.Finding{RuleID: "r", Severity: evaluator.SeverityHigh, Status: evaluator.StatusFail, Blocking: true, Message: "```\nbreak out"},
			"- FAIL [high] (plan): ''' break out (r)"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		a, _ := New(FormatAtlantis, &buf, Options{ShowPassed: true})
		if err := a.Render(&evaluator.Report{Findings: []evaluator.Finding{tt.finding}}); err != nil {
			t.Fatal(err)
		}
		if got := strings.SplitN(buf.String(), "\n", 2)[0]; got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

// TestNoEscapesFromReportText checks that text from the report cannot
// colour a terminal or add markup: the failing fixture carries an ANSI
// escape, HTML and a pipe in a message.
func TestNoEscapesFromReportText(t *testing.T) {
	for _, f := range Formats() {
		var buf bytes.Buffer
		r, _ := New(f, &buf, Options{ShowPassed: true})
		if err := r.Render(failingReport()); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if f != FormatJSON && strings.ContainsRune(out, '\x1b') {
			t.Errorf("%s output contains a raw ESC byte", f)
		}
		if f == FormatMarkdown && strings.Contains(out, "<b>") {
			t.Errorf("markdown output contains unescaped HTML from the report")
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	tests := []struct {
		in              string
		inTable         bool
		wantText, wantC string
	}{
		{"plain words", true, "plain words", "`plain words`"},
		{"a|b", true, `a\|b`, "`a\\|b`"},
		{"a|b", false, `a\|b`, "`a|b`"},
		{"set `x = 1` now", false, "set `x = 1` now", "``set `x = 1` now``"},
		{"set `x|y` now", true, "set `x\\|y` now", "``set `x\\|y` now``"},
		{"lone ` tick", true, "lone \\` tick", "``lone ` tick``"},
		{"<script>*x*_y_[l](u)~z~", false, `\<script\>\*x\*\_y\_\[l\](u)\~z\~`, "`<script>*x*_y_[l](u)~z~`"},
		{"two\nlines", true, "two lines", "`two lines`"},
		{"``double``", false, "``double``", "``` ``double`` ```"},
		{"", true, "", ""},
	}
	for _, tt := range tests {
		if got := mdText(tt.in, tt.inTable); got != tt.wantText {
			t.Errorf("mdText(%q, %v) = %q, want %q", tt.in, tt.inTable, got, tt.wantText)
		}
		if got := mdCode(tt.in, tt.inTable); got != tt.wantC {
			t.Errorf("mdCode(%q, %v) = %q, want %q", tt.in, tt.inTable, got, tt.wantC)
		}
	}
}

func TestOneLine(t *testing.T) {
	tests := map[string]string{
		"  a \n\t b  ":        "a b",
		"red\x1b[31m":         `red\x1b[31m`,
		"rtl\u202eevil":       `rtl\u202eevil`,
		"line\u2028separator": "line separator",
		"café ✓":              "café ✓",
	}
	for in, want := range tests {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONDocument(t *testing.T) {
	var buf bytes.Buffer
	r, _ := New(FormatJSON, &buf, Options{})
	if err := r.Render(erroredReport()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "{\n  \"schema_version\": 1,\n  \"verdict\": \"failed\",") {
		t.Errorf("JSON does not start with schema_version then the report:\n%s", buf.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"findings": []any{}, "duration_ms": 3.0, "duration_ns": 3e6, "schema_version": 1.0}
	got := map[string]any{}
	for k := range want {
		got[k] = doc[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON fields (-want +got):\n%s", diff)
	}
}

func TestPlanPhrase(t *testing.T) {
	tests := []struct {
		name  string
		facts evaluator.PlanFacts
		want  string
	}{
		{"no-ops are not changes", evaluator.PlanFacts{ResourceChanges: 12, Creates: 1, Updates: 2, TerraformVersion: "1.9.5"},
			"3 changes: 1 to create, 2 to update; 9 unchanged; Terraform 1.9.5"},
		{"a plan of no-ops has no changes", evaluator.PlanFacts{ResourceChanges: 4}, "no changes; 4 unchanged"},
		{"an empty plan", evaluator.PlanFacts{}, "no changes"},
		{"one change", evaluator.PlanFacts{ResourceChanges: 1, Replaces: 1, DeferredChanges: 2}, "1 change: 1 to replace; 2 deferred"},
	}
	for _, tt := range tests {
		if got := planPhrase(tt.facts); got != tt.want {
			t.Errorf("%s: planPhrase = %q, want %q", tt.name, got, tt.want)
		}
	}
}
