package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
)

// atlantisRenderer writes plain lines for the ```diff block Atlantis puts
// custom workflow output in. The first character of each line picks its
// colour there: "-" (red) for whatever blocks the gate, "!" for warnings
// (every advisory finding), "#" for waived findings and other information,
// "+" (green) for passes. Then comes a conftest-style summary and a last line
// with the gate's answer.
//
// Atlantis decides from this text alone whether a custom policy check
// passed, in two ways: before v0.39 any "fail" in the output, in any case,
// fails it (`strings.Contains(strings.ToLower(output), "fail")`); from v0.39
// a count of failures above zero ("1 failure") or output starting with FAIL
// does, and the summary it quotes must read
// "N tests, P passed, W warnings, F failures, E exceptions". So a failed gate
// always counts at least one failure, and a passed gate's output contains
// no "fail" at all: its summary leaves the failures count out, and any
// "fail" inside report text (a rule about automatic failover, a scope named
// by the team) gets a zero-width non-joiner after "fa", which changes
// nothing a reader sees.
type atlantisRenderer struct {
	w    io.Writer
	opts Options
}

func (a *atlantisRenderer) Render(r *evaluator.Report) error {
	if r == nil {
		return errNilReport
	}
	bw := bufio.NewWriter(a.w)
	pass := passed(r)
	safe := func(s string) string {
		s = atlantisSafe(s)
		if pass {
			s = withoutFail(s)
		}
		return s
	}
	wrote := false
	// writeLine writes one line. Text that neither atlantisSafe nor
	// withoutFail would change (nearly all of it) is written as it is, with
	// no string made of it: a string per finding line (fmt.Sprintf, then
	// Fprintf) was 2.4 of the 32 MB judging a generated 20k plan allocates,
	// all of it garbage still held at the peak, since check runs without a
	// collection.
	writeLine := func(marker string, text []byte) {
		bw.WriteString(marker)
		bw.WriteByte(' ')
		if bytes.Contains(text, codeFence) || pass && hasFail(text) {
			bw.WriteString(safe(string(text)))
		} else {
			bw.Write(text)
		}
		bw.WriteByte('\n')
		wrote = true
	}
	line := func(marker, s string) { writeLine(marker, []byte(s)) }

	for _, n := range r.Notes {
		line("!", "NOTE: "+oneLine(n))
	}
	if !passed(r) {
		for _, reason := range r.Reasons {
			line("-", "REASON: "+oneLine(reason))
		}
	}
	var buf []byte // one buffer for every finding's line
	for _, f := range Sorted(r.Findings) {
		if f.Status == evaluator.StatusPass && !a.opts.ShowPassed {
			continue
		}
		buf = appendAtlantisFinding(buf[:0], f)
		writeLine(atlantisMarker(f), buf)
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
	if wrote {
		bw.WriteString("\n")
	}
	fmt.Fprintf(bw, "%s\n", ConftestSummary(r))
	fmt.Fprintf(bw, "prodgate: gate %s (standard %s, scope %s)\n",
		verdictPhrase(r, tallyOf(r)), safe(orNone(r.Standard)), safe(orNone(r.Scope)))
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

// appendAtlantisFinding appends a finding's line, which reads
// "FAIL [critical] aws_db_instance.main: deletion_protection is false (aws-rds-deletion-protection)".
func appendAtlantisFinding(b []byte, f evaluator.Finding) []byte {
	b = append(b, statusLabel(f)...)
	b = append(b, " ["...)
	b = append(b, f.Severity.String()...)
	b = append(b, "] "...)
	b = append(b, addressOf(f)...)
	b = append(b, ": "...)
	b = append(b, findingMessage(f)...)
	b = append(b, " ("...)
	b = append(b, oneLine(f.RuleID)...)
	b = append(b, ')')
	if ph := waiverPhrase(f.Waiver); ph != "" {
		b = append(b, " ("...)
		b = append(b, ph...)
		b = append(b, ')')
	}
	return b
}

// ConftestSummary is the conftest-style tally of a report's findings:
// "12 tests, 7 passed, 2 warnings, 2 failures, 1 exception". Failures are
// blocking findings, warnings the advisory ones, exceptions the waived ones.
// Like conftest it says "1 test", "1 warning", "1 failure". A failed gate
// counts at least one failure (the gate itself, when it failed without a
// blocking finding: an errored plan, say), so Atlantis never reads it as a
// pass; a passed gate's summary has no failures count, so it holds no
// "fail" (see atlantisRenderer): "12 tests, 10 passed, 2 warnings, 0 exceptions".
func ConftestSummary(r *evaluator.Report) string {
	var t tally
	if r != nil {
		t = tallyOf(r)
	}
	if r != nil && passed(r) {
		return fmt.Sprintf("%s, %d passed, %s, %s", plural(t.total, "test"), t.passed, plural(t.advisory, "warning"), plural(t.waived, "exception"))
	}
	failures := t.blocking
	if failures == 0 {
		failures, t.total = 1, t.total+1
	}
	return fmt.Sprintf("%s, %d passed, %s, %s, %s", plural(t.total, "test"), t.passed, plural(t.advisory, "warning"),
		plural(failures, "failure"), plural(t.waived, "exception"))
}

// withoutFail puts a zero-width non-joiner after "fa" in every "fail", in
// any case, so that text stays readable but no longer contains the word.
// Only ASCII letters lower-case to ASCII letters, so comparing bytes is
// enough to find every "fail" that strings.ToLower would show.
func withoutFail(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i+4 <= len(s); i++ {
		if strings.EqualFold(s[i:i+4], "fail") {
			b.WriteString(s[last : i+2])
			b.WriteString("\u200c")
			last = i + 2
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// hasFail says whether withoutFail would change b (it finds the same
// "fail" in any case).
func hasFail(b []byte) bool {
	for i := 0; i+4 <= len(b); i++ {
		if bytes.EqualFold(b[i:i+4], failWord) {
			return true
		}
	}
	return false
}

var (
	codeFence = []byte("```")
	failWord  = []byte("fail")
)

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
