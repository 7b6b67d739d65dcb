package report_test

import (
	"encoding/xml"
	"strings"
	"testing"

	gojunit "github.com/joshdk/go-junit"
	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/report"
)

// TestJUnitParses reads the fixture's JUnit with an independent parser (the
// one CI tools in Go use) and by decoding it into the writer's structs, and
// checks the counts against the report: a test case per finding plus the
// verdict, failures exactly the blocking findings and the failed gate,
// skipped exactly the findings that do not block.
func TestJUnitParses(t *testing.T) {
	rep := e2eReport(t)
	data := renderE2E(t, report.FormatJUnit, e2eOptions(t))

	var blocking, skipped int
	categories := map[string]bool{"prodgate": true}
	metas := map[string]string{}
	for _, m := range e2eOptions(t).Rules {
		metas[m.ID] = m.Category
	}
	for _, f := range rep.Findings {
		switch {
		case f.Blocking:
			blocking++
		case f.Status != evaluator.StatusPass:
			skipped++
		}
		categories[metas[f.RuleID]] = true
	}

	suites, err := gojunit.Ingest(data)
	if err != nil {
		t.Fatalf("go-junit cannot read the report: %v", err)
	}
	var tests, failed, skip, passed int
	for _, s := range suites {
		if !categories[s.Name] {
			t.Errorf("suite %q is no rule category of the findings", s.Name)
		}
		delete(categories, s.Name)
		tests += s.Totals.Tests
		failed += s.Totals.Failed
		skip += s.Totals.Skipped
		passed += s.Totals.Passed
		for _, tc := range s.Tests {
			if tc.Status == gojunit.StatusFailed && tc.Classname != "prodgate" && (tc.Error == nil || !strings.Contains(tc.SystemOut+tc.Error.Error(), "fix:")) {
				t.Errorf("failure %s %s carries no fix: %+v", tc.Classname, tc.Name, tc)
			}
		}
	}
	if len(categories) > 0 {
		t.Errorf("categories with findings but no suite: %v", categories)
	}
	if tests != len(rep.Findings)+1 || failed != blocking+1 || skip != skipped || passed != len(rep.Findings)-blocking-skipped {
		t.Errorf("go-junit counts %d tests, %d failed, %d skipped, %d passed; want %d, %d, %d, %d",
			tests, failed, skip, passed, len(rep.Findings)+1, blocking+1, skipped, len(rep.Findings)-blocking-skipped)
	}

	var doc junit.Testsuites
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != tests || doc.Failures != failed || doc.Skipped != skip {
		t.Errorf("<testsuites> says %d tests, %d failures, %d skipped; the test cases say %d, %d, %d", doc.Tests, doc.Failures, doc.Skipped, tests, failed, skip)
	}
	var waived *junit.Testcase
	for _, s := range doc.Suites {
		for i, tc := range s.Testcases {
			if tc.Classname == "aws-s3-versioning" {
				waived = &s.Testcases[i]
			}
		}
	}
	if waived == nil || waived.Skipped == nil || !strings.Contains(waived.Skipped.Message, "platform@acme.example") || !strings.Contains(waived.Skipped.Message, "CHG-2210") {
		t.Errorf("the waived finding is not skipped with its waiver's owner and reason: %+v", waived)
	}
}

// TestJUnitFailsAFailedGateWithoutFindings: an errored plan has no finding,
// and the test report must fail all the same.
func TestJUnitFailsAFailedGateWithoutFindings(t *testing.T) {
	rep := &evaluator.Report{Verdict: evaluator.VerdictFailed, Standard: "S", Reasons: []string{"Terraform reported errors while planning"}}
	var buf strings.Builder
	r, _ := report.New(report.FormatJUnit, &buf, report.Options{})
	if err := r.Render(rep); err != nil {
		t.Fatal(err)
	}
	suites, err := gojunit.Ingest([]byte(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(suites) != 1 || suites[0].Totals.Failed != 1 || !strings.Contains(suites[0].Tests[0].Error.Error(), "Terraform reported errors") {
		t.Errorf("want one failed verdict test naming the reason; got %+v", suites)
	}
}

// TestJUnitKeepsXMLValid: control characters and XML-breaking text from a
// report never make the document unreadable.
func TestJUnitKeepsXMLValid(t *testing.T) {
	rep := &evaluator.Report{Verdict: evaluator.VerdictFailed, Findings: []evaluator.Finding{{
		RuleID: "r<&>", Address: `a.b["]]>\x00"]`, Status: evaluator.StatusFail, Blocking: true,
		Message: "bad \x1b[31m ]]> <x/> \uffff \x00", Remediation: "]]>",
	}}}
	var buf strings.Builder
	r, _ := report.New(report.FormatJUnit, &buf, report.Options{})
	if err := r.Render(rep); err != nil {
		t.Fatal(err)
	}
	var doc junit.Testsuites
	if err := xml.Unmarshal([]byte(buf.String()), &doc); err != nil {
		t.Fatalf("the XML does not parse: %v\n%s", err, buf.String())
	}
	if _, err := gojunit.Ingest([]byte(buf.String())); err != nil {
		t.Fatalf("go-junit cannot read it: %v", err)
	}
	got := doc.Suites[1].Testcases[0]
	if got.Classname != "r<&>" || !strings.Contains(got.Failure.Data, "]]>") {
		t.Errorf("text was lost instead of escaped: %+v", got)
	}
}
