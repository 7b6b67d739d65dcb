package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/prodgate/prodgate/evaluator"
)

// junitRenderer writes JUnit XML for CI test reports: one test suite per
// rule category (deletion-protection, backup, …), one test case per rule and
// resource (classname the rule id, name the address). Blocking findings are
// failures carrying the message and the fix; findings that do not block
// (warnings, advisory or non-blocking unknowns, waived) are skipped with the
// reason; passes are plain test cases. A first suite, "prodgate", holds one
// test case for the gate's verdict, so a gate that failed for a reason that
// is no finding (an errored plan) still fails the test report.
type junitRenderer struct {
	w    io.Writer
	opts Options
}

// junitGateSuite names the suite holding the verdict test case.
const junitGateSuite = "prodgate"

func (j *junitRenderer) Render(r *evaluator.Report) error {
	if r == nil {
		return errNilReport
	}
	category := make(map[string]string, len(j.opts.Rules))
	for _, m := range j.opts.Rules {
		category[m.ID] = oneLine(m.Category)
	}
	timestamp := r.EvaluatedAt.UTC().Format("2006-01-02T15:04:05Z")

	suites := junit.Testsuites{Name: "prodgate: " + standardPhrase(r.Standard), Time: seconds(r.Duration.Seconds())}
	suites.AddSuite(j.gateSuite(r, timestamp))

	bySuite := map[string]*junit.Testsuite{}
	var names []string
	for _, f := range Sorted(r.Findings) {
		name := firstNonBlank(category[f.RuleID], "other")
		s, ok := bySuite[name]
		if !ok {
			s = &junit.Testsuite{Name: name, Time: seconds(0), Timestamp: timestamp}
			bySuite[name] = s
			names = append(names, name)
		}
		s.AddTestcase(j.testcase(f))
	}
	slices.Sort(names)
	for i, name := range names {
		s := bySuite[name]
		s.ID = i + 1
		if r.OmittedPasses > 0 {
			s.AddProperty("passes_not_listed", "true")
		}
		suites.AddSuite(*s)
	}
	if _, err := io.WriteString(j.w, xml.Header); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	if err := suites.WriteXML(j.w); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	return nil
}

// gateSuite holds the verdict, the run's context and what the policy says
// about waivers that did nothing.
func (j *junitRenderer) gateSuite(r *evaluator.Report, timestamp string) junit.Testsuite {
	s := junit.Testsuite{Name: junitGateSuite, Time: seconds(r.Duration.Seconds()), Timestamp: timestamp}
	for _, p := range []struct{ name, value string }{
		{"standard", r.Standard}, {"scope", r.Scope}, {"environment", r.Environment},
		{"enforcement", string(r.Enforcement)}, {"fail_on", r.FailOn.String()},
		{"workspace", r.Run.Workspace}, {"plan", planPhrase(r.Plan)},
	} {
		if v := xmlLine(p.value); v != "" {
			s.AddProperty(p.name, v)
		}
	}
	tc := junit.Testcase{Name: "gate verdict", Classname: junitGateSuite}
	var out []string
	for _, n := range r.Notes {
		out = append(out, "note: "+xmlLine(n))
	}
	for _, u := range r.UnusedWaivers {
		state := "unused waiver: "
		if u.Expired {
			state = "expired waiver: "
		}
		out = append(out, state+xmlLine(waiverUseLine(u)))
	}
	if !passed(r) {
		var data []string
		for _, reason := range r.Reasons {
			data = append(data, "why: "+xmlLine(reason))
		}
		tc.Failure = &junit.Result{Message: xmlLine(Summary(r)), Type: "gate failed", Data: strings.Join(append(data, out...), "\n")}
	} else if len(out) > 0 {
		tc.SystemOut = &junit.Output{Data: strings.Join(out, "\n")}
	}
	s.AddTestcase(tc)
	return s
}

func (j *junitRenderer) testcase(f evaluator.Finding) junit.Testcase {
	tc := junit.Testcase{Name: xmlLine(addressOf(f)), Classname: firstNonBlank(xmlLine(f.RuleID), "(no rule)")}
	if f.Status == evaluator.StatusPass {
		return tc
	}
	detail := j.detail(f)
	switch {
	case f.Blocking:
		tc.Failure = &junit.Result{Message: xmlLine(f.Message), Type: statusLabel(f) + " " + f.Severity.String(), Data: detail}
	case f.Status == evaluator.StatusWaived:
		reason := "waived"
		if w := f.Waiver; w != nil {
			reason = "waived by " + xmlLine(firstNonBlank(w.ID, "a waiver"))
			if ph := waiverPhrase(w); ph != "" {
				reason += " (" + xmlLine(ph) + ")"
			}
			if why := xmlLine(w.Reason); why != "" {
				reason += ": " + why
			}
		}
		tc.Skipped = &junit.Result{Message: reason}
		tc.SystemOut = &junit.Output{Data: detail}
	default:
		reason := firstNonBlank(xmlLine(f.Note), "reported, does not block the gate")
		tc.Skipped = &junit.Result{Message: strings.ToLower(statusLabel(f)) + ": " + reason}
		tc.SystemOut = &junit.Output{Data: detail}
	}
	return tc
}

// detail is the finding in lines: what, where, expected and actual, the fix.
func (j *junitRenderer) detail(f evaluator.Finding) string {
	lines := []string{xmlLine(firstNonBlank(f.Message, f.Title))}
	add := func(label, value string) {
		if v := xmlLine(value); v != "" {
			lines = append(lines, label+v)
		}
	}
	rule := f.RuleID
	if t := oneLine(f.Title); t != "" {
		rule += " (" + t + ")"
	}
	add("rule:     ", rule)
	sev := f.Severity.String() + ", " + strings.ToLower(statusLabel(f))
	if f.Blocking {
		sev += ", blocking"
	}
	add("severity: ", sev)
	add("resource: ", addressOf(f)+placeOf(j.opts, f))
	add("expected: ", f.Expected)
	add("actual:   ", f.Actual)
	add("note:     ", f.Note)
	if needsFix(f) {
		add("fix:      ", f.Remediation)
	}
	return strings.Join(lines, "\n")
}

// xmlLine is oneLine with the two code points XML 1.0 forbids that oneLine
// lets through (U+FFFE, U+FFFF) replaced: report text must not make the XML
// unreadable.
func xmlLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0xFFFE || r == 0xFFFF {
			return 0xFFFD
		}
		return r
	}, oneLine(s))
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
