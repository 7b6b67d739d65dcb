package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prodgate/prodgate/evaluator"
)

// manyFindings has n findings over 40 rules: mostly blocking failures, some
// unknowns, warnings, waived findings and passes, as a large plan gives.
func manyFindings(n int) *evaluator.Report {
	r := &evaluator.Report{Verdict: evaluator.VerdictFailed, Standard: "Acme", Scope: "production",
		Reasons: []string{"many findings"}, EvaluatedAt: evaluatedAt}
	for i := range n {
		f := evaluator.Finding{
			RuleID: fmt.Sprintf("aws-rule-%02d", i%40), Title: "A rule", Address: fmt.Sprintf("module.shard[%d].aws_db_instance.main", i),
			Severity: evaluator.Severity(i % 5), Message: "deletion_protection is not set (provider default false)",
			Expected: "true", Actual: "false", Remediation: "Set `deletion_protection = true`.",
		}
		switch i % 10 {
		case 0, 1, 2, 3, 4:
			f.Status, f.Blocking = evaluator.StatusFail, true
		case 5:
			f.Status, f.Blocking = evaluator.StatusUnknown, true
		case 6:
			f.Status = evaluator.StatusWarn
		case 7:
			f.Status, f.Waiver = evaluator.StatusWaived, &evaluator.Waiver{ID: "w", Owner: "team", Reason: "why", Expires: "2026-12-31"}
		default:
			f.Status = evaluator.StatusPass
		}
		r.Findings = append(r.Findings, f)
	}
	return withCounts(r)
}

var (
	tableRow   = regexp.MustCompile(`(?m)^\| (\*\*)?(critical|high|medium|low|info)`)
	summaryRow = regexp.MustCompile("(?m)^\\| `aws-rule-\\d+` \\| (\\d+) \\|")
)

// TestMarkdownFitsTheCommentLimit: 20,000 findings render under GitHub's
// limit, the report says it summarised, and every finding that is not a
// pass is either listed or counted under "Not listed here".
func TestMarkdownFitsTheCommentLimit(t *testing.T) {
	rep := manyFindings(20000)
	var buf bytes.Buffer
	r, _ := New(FormatMarkdown, &buf, Options{})
	if err := r.Render(rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if len(out) > MarkdownLimit {
		t.Fatalf("markdown is %d bytes, over the %d limit", len(out), MarkdownLimit)
	}
	if len(out) < MarkdownLimit*9/10 {
		t.Errorf("markdown is %d bytes: the limit is %d, so more findings would have fit", len(out), MarkdownLimit)
	}
	if !strings.Contains(out, "to stay under GitHub's 65,536-character comment limit") {
		t.Errorf("the report does not say it was summarised:\n%.600s", out)
	}
	listed := len(tableRow.FindAllString(out, -1))
	counted := 0
	for _, m := range summaryRow.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		counted += n
	}
	notPasses := rep.Counts.Total - rep.Counts.Passed
	if listed == 0 || listed+counted != notPasses {
		t.Errorf("%d findings listed and %d counted, want them to add up to the %d that are not passes", listed, counted, notPasses)
	}
	if m := regexp.MustCompile(`lists (\d+) of the (\d+) findings`).FindStringSubmatch(out); m == nil || m[1] != strconv.Itoa(listed) || m[2] != strconv.Itoa(notPasses) {
		t.Errorf("the note says %v; want %d of %d", m, listed, notPasses)
	}
}

// TestMarkdownLimited is the failing fixture under a small limit.
func TestMarkdownLimited(t *testing.T) {
	for _, limit := range []int{2500, 4000} {
		var buf bytes.Buffer
		r, _ := New(FormatMarkdown, &buf, Options{MarkdownLimit: limit})
		if err := r.Render(failingReport()); err != nil {
			t.Fatal(err)
		}
		if buf.Len() > limit {
			t.Errorf("limit %d: %d bytes", limit, buf.Len())
		}
		golden(t, fmt.Sprintf("failing.markdown.limit%d", limit), buf.Bytes())
	}
	// A limit below what the summary needs still holds, and says it cut.
	var buf bytes.Buffer
	r, _ := New(FormatMarkdown, &buf, Options{MarkdownLimit: 300})
	if err := r.Render(failingReport()); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 300 || !strings.HasSuffix(buf.String(), "(cut to fit the comment limit)**\n") {
		t.Errorf("limit 300: %d bytes:\n%s", buf.Len(), buf.String())
	}
	// A negative limit is no limit.
	buf.Reset()
	r, _ = New(FormatMarkdown, &buf, Options{MarkdownLimit: -1})
	if err := r.Render(manyFindings(2000)); err != nil {
		t.Fatal(err)
	}
	if buf.Len() <= MarkdownLimit || strings.Contains(buf.String(), "Not listed here") {
		t.Errorf("without a limit: %d bytes, summarised %v", buf.Len(), strings.Contains(buf.String(), "Not listed here"))
	}
}
