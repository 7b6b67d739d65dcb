package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
)

// atlantisRenderer writes plain lines for the ```diff block Atlantis puts
// custom workflow output in. The first character of each line picks its
// colour there: "-" (red) for whatever blocks the gate, "!" for warnings and
// non-blocking unknowns, "#" for waived findings and other information, "+"
// (green) for passes. Then comes a conftest-style summary and a last line
// with the gate's answer.
type atlantisRenderer struct {
	w    io.Writer
	opts Options
}

func (a *atlantisRenderer) Render(r *evaluator.Report) error {
	if r == nil {
		return errNilReport
	}
	bw := bufio.NewWriter(a.w)
	line := func(marker, s string) { fmt.Fprintf(bw, "%s %s\n", marker, atlantisSafe(s)) }

	for _, n := range r.Notes {
		line("!", "NOTE: "+oneLine(n))
	}
	if !passed(r) {
		for _, reason := range r.Reasons {
			line("-", "REASON: "+oneLine(reason))
		}
	}
	for _, f := range Sorted(r.Findings) {
		if f.Status == evaluator.StatusPass && !a.opts.ShowPassed {
			continue
		}
		line(atlantisMarker(f), atlantisFinding(f))
	}
	for _, u := range r.UnusedWaivers {
		if u.Expired {
			line("!", "WAIVER EXPIRED "+waiverUseLine(u))
		} else {
			line("#", "WAIVER UNUSED "+waiverUseLine(u))
		}
	}
	if a.opts.ResultsURL != "" {
		line("#", "results: "+oneLine(a.opts.ResultsURL))
	}
	fmt.Fprintf(bw, "\n%s\n", ConftestSummary(r))
	fmt.Fprintf(bw, "prodgate: gate %s (standard %s, scope %s)\n",
		verdictWord(r), atlantisSafe(orNone(r.Standard)), atlantisSafe(orNone(r.Scope)))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write atlantis report: %w", err)
	}
	return nil
}

// atlantisMarker picks the diff marker for a finding.
func atlantisMarker(f evaluator.Finding) string {
	switch {
	case f.Blocking:
		return "-"
	case f.Status == evaluator.StatusPass:
		return "+"
	case f.Status == evaluator.StatusWaived:
		return "#"
	}
	return "!"
}

// atlantisFinding reads
// "FAIL [critical] aws_db_instance.main: deletion_protection is false (aws-rds-deletion-protection)".
func atlantisFinding(f evaluator.Finding) string {
	msg := oneLine(f.Message)
	if msg == "" {
		msg = oneLine(f.Title)
	}
	s := fmt.Sprintf("%s [%s] %s: %s (%s)", statusLabel(f.Status), f.Severity, addressOf(f), msg, oneLine(f.RuleID))
	if ph := waiverPhrase(f.Waiver); ph != "" {
		s += " (" + ph + ")"
	}
	return s
}

// ConftestSummary is the conftest-style tally of a report's findings:
// "12 tests, 7 passed, 2 warnings, 2 failures, 1 exception". Failures are
// blocking findings, warnings every other finding that is neither a pass
// nor waived, exceptions the waived ones (left out when there are none).
// Like conftest it says "1 test", "1 warning", "1 failure".
func ConftestSummary(r *evaluator.Report) string {
	var t tally
	if r != nil {
		t = tallyOf(r)
	}
	s := fmt.Sprintf("%s, %d passed, %s, %s", plural(t.total, "test"), t.passed, plural(t.warnings, "warning"), plural(t.blocking, "failure"))
	if t.waived > 0 {
		s += ", " + plural(t.waived, "exception")
	}
	return s
}

// atlantisSafe keeps report text from closing the code block Atlantis wraps
// the output in.
func atlantisSafe(s string) string {
	return strings.ReplaceAll(s, "```", "'''")
}

func orNone(s string) string {
	if s = oneLine(s); s == "" {
		return "(none)"
	}
	return s
}
