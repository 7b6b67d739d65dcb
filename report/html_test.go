package report_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/report"
)

func renderHTML(t *testing.T, rep *evaluator.Report, opts report.Options) string {
	t.Helper()
	var buf bytes.Buffer
	r, err := report.New(report.FormatHTML, &buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Render(rep); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestHTMLListedApartRulesExist: the page lists destroys and drift by rule
// id; a renamed rule would silently move them back among the controls.
func TestHTMLListedApartRulesExist(t *testing.T) {
	known := map[string]bool{}
	for _, r := range rules.Registry().Rules() {
		known[r.Meta().ID] = true
	}
	for _, id := range report.HTMLListedApartRules() {
		if !known[id] {
			t.Errorf("the HTML page lists rule %s apart, but no rule has that id", id)
		}
	}
}

// TestHTMLIsSelfContained: the page loads nothing (no script, image, font,
// stylesheet or frame), so it opens offline, under the service's
// Content-Security-Policy, and leaks no visit to a third party; its only
// links are anchors, the rule reference and the links it was given.
func TestHTMLIsSelfContained(t *testing.T) {
	opts := e2eOptions(t)
	opts.RunURL = "https://app.terraform.io/app/acme/orders-prod/runs/run-1"
	opts.WorkspaceURL = "https://app.terraform.io/app/acme/orders-prod"
	opts.Nav = []report.Link{{Label: "History", URL: "/"}}
	page := renderHTML(t, e2eReport(t), opts)
	for _, banned := range []string{"<script", "<img", "<link", "<iframe", "<object", "src=", "url(", "@import", "@font-face"} {
		if strings.Contains(strings.ToLower(page), banned) {
			t.Errorf("the page contains %q: it must load nothing", banned)
		}
	}
	hrefs := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(hrefs) == 0 {
		t.Fatal("no links at all: the rule documentation links are missing")
	}
	for _, m := range hrefs {
		href := m[1]
		switch {
		case href == "/", href == opts.RunURL, href == opts.WorkspaceURL,
			strings.HasPrefix(href, report.DefaultRuleDocsURL+"#"):
		default:
			t.Errorf("unexpected link %q", href)
		}
	}
	for _, want := range []string{`href="` + opts.RunURL + `">this run</a>`, `href="` + opts.WorkspaceURL + `">the workspace</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

// TestHTMLEscapesReportText: text from a plan or policy cannot add markup
// or a script, and a link option cannot be a javascript: URL.
func TestHTMLEscapesReportText(t *testing.T) {
	rep := &evaluator.Report{Verdict: evaluator.VerdictFailed, Standard: "<i>std</i>", Scope: "prod",
		Findings: []evaluator.Finding{{RuleID: "r<x>", Title: "T", Address: `aws_s3_bucket.b["<script>alert(1)</script>"]`,
			Severity: evaluator.SeverityHigh, Status: evaluator.StatusFail, Blocking: true,
			Message: "see `<b>code</b>` and <img src=x onerror=alert(1)>", Expected: "\"><script>", Actual: "x",
			Remediation: "Set `a = \"<b>\"`"}}}
	page := renderHTML(t, rep, report.Options{RunURL: "javascript:alert(1)", Nav: []report.Link{{Label: "<b>h</b>", URL: "javascript:x"}}})
	for _, bad := range []string{"<script>alert", "<img", "<b>code", "<i>std", "javascript:", "<b>h</b>", `"><script>`} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q unescaped", bad)
		}
	}
	for _, want := range []string{"<code>&lt;b&gt;code&lt;/b&gt;</code>", "#ZgotmplZ", "Set <code>a = &#34;&lt;b&gt;&#34;</code>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestHTMLCapsRowsPerControl: a control with thousands of findings lists
// the first ones and counts the rest, so a huge plan gives a page a browser
// opens; a negative cap lists every one.
func TestHTMLCapsRowsPerControl(t *testing.T) {
	rep := &evaluator.Report{Verdict: evaluator.VerdictFailed, Scope: "default"}
	for i := range 120 {
		rep.Findings = append(rep.Findings, evaluator.Finding{RuleID: "aws-s3-versioning", Title: "S3 versioning",
			Address: fmt.Sprintf("aws_s3_bucket.b%03d", i), Severity: evaluator.SeverityHigh, Status: evaluator.StatusFail, Blocking: true, Message: "versioning is off"})
		rep.Findings = append(rep.Findings, evaluator.Finding{RuleID: "aws-s3-encryption", Title: "S3 encryption",
			Address: fmt.Sprintf("aws_s3_bucket.b%03d", i), Severity: evaluator.SeverityHigh, Status: evaluator.StatusPass, Message: "encrypted"})
	}
	rows := regexp.MustCompile(`<tr id="aws-s3-versioning:`)
	tests := []struct {
		cap, rows int
		more      string
	}{
		{0, report.DefaultHTMLRowsPerControl, "… and 70 more"},
		{10, 10, "… and 110 more"},
		{-1, 120, ""},
	}
	for _, tt := range tests {
		page := renderHTML(t, rep, report.Options{HTMLRowsPerControl: tt.cap})
		got := struct {
			Rows int
			More bool
		}{len(rows.FindAllString(page, -1)), tt.more != "" && strings.Contains(page, tt.more)}
		want := struct {
			Rows int
			More bool
		}{tt.rows, tt.more != ""}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("cap %d (-want +got):\n%s", tt.cap, diff)
		}
		if !strings.Contains(page, `<td class="n">120</td>`) {
			t.Errorf("cap %d: the passes of aws-s3-encryption are not counted as 120", tt.cap)
		}
	}
}

// TestHTMLSections: the e2e fixture's destroy, unknown and blocking
// findings land in their sections, with their anchors (outcome ids), and
// the policy hash is shown or said to be missing.
func TestHTMLSections(t *testing.T) {
	rep := e2eReport(t)
	ids := report.OutcomeIDs(rep)
	page := renderHTML(t, rep, report.Options{PolicyHash: "sha256:abc123"})
	section := func(id string) string {
		start := strings.Index(page, `<section id="`+id+`">`)
		if start < 0 {
			t.Fatalf("no section %s", id)
		}
		end := strings.Index(page[start:], "</section>")
		return page[start : start+end]
	}
	for i, f := range report.Sorted(rep.Findings) {
		_ = i
		if f.Status == evaluator.StatusPass {
			continue
		}
		var where string
		switch {
		case f.RuleID == "lifecycle-stateful-destroy":
			where = "destroys"
		case f.Status == evaluator.StatusUnknown:
			where = "unknown"
		default:
			where = "findings"
		}
		id := ids[0]
		ids = ids[1:]
		if !strings.Contains(section(where), `<tr id="`+id+`">`) {
			t.Errorf("finding %s on %s (%s) is not in section %s", f.RuleID, f.Address, id, where)
		}
	}
	if !strings.Contains(section("run"), "<code>sha256:abc123</code>") {
		t.Error("the policy hash is not shown")
	}
	if page := renderHTML(t, rep, report.Options{}); !strings.Contains(page, "not recorded") {
		t.Error("without a policy hash the page does not say it was not recorded")
	}
}
