package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
)

// textRenderer writes human terminal output. Colour is ANSI and only when
// Options.Color is set; every value from the report goes through oneLine so
// it cannot carry its own escape sequences.
type textRenderer struct {
	w    io.Writer
	opts Options
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

func (t *textRenderer) paint(code, s string) string {
	if !t.opts.Color || s == "" {
		return s
	}
	return code + s + ansiReset
}

// findingColour is red for anything that blocks, yellow for other problems,
// cyan for waived and green for passes.
func findingColour(f evaluator.Finding) string {
	switch {
	case f.Blocking:
		return ansiRed
	case f.Status == evaluator.StatusWaived:
		return ansiCyan
	case f.Status == evaluator.StatusPass:
		return ansiGreen
	}
	return ansiYellow
}

// textGroups are the groups findings are listed in, in order: what blocks
// (failures, then unknowns), then every advisory finding as a warning,
// waived findings and passes.
var textGroups = []string{"FAIL", "UNKNOWN", "WARN", "WAIVED", "PASS"}

func (t *textRenderer) Render(r *evaluator.Report) error {
	if r == nil {
		return errNilReport
	}
	bw := bufio.NewWriter(t.w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	// Header.
	c := tallyOf(r)
	verdict := t.paint(ansiBold+ansiRed, "FAILED")
	if passed(r) {
		verdict = t.paint(ansiBold+ansiGreen, "PASSED")
		if c.advisory > 0 {
			verdict += " with " + plural(c.advisory, "advisory finding")
		}
	}
	p("prodgate %s  %s\n", verdict, standardPhrase(r.Standard))
	p("%s %s\n", t.paint(ansiDim, "scope:"), scopePhrase(r))
	p("%s %s\n", t.paint(ansiDim, "plan: "), planPhrase(r.Plan))
	for _, n := range r.Notes {
		p("%s %s\n", t.paint(ansiYellow, "note: "), oneLine(n))
	}
	if !passed(r) {
		for _, reason := range r.Reasons {
			p("%s %s\n", t.paint(ansiRed, "why:  "), oneLine(reason))
		}
	}

	// Findings, grouped, most severe first within each group.
	sorted := Sorted(r.Findings)
	groups := map[string][]evaluator.Finding{}
	var other []evaluator.Finding
	for _, f := range sorted {
		if !knownStatus(f.Status) {
			other = append(other, f)
			continue
		}
		label := statusLabel(f)
		groups[label] = append(groups[label], f)
	}
	for _, label := range textGroups {
		fs := groups[label]
		omitted := 0
		if label == "PASS" {
			omitted = r.OmittedPasses
		}
		if len(fs)+omitted == 0 {
			continue
		}
		if label == "PASS" && (!t.opts.ShowPassed || omitted > 0) {
			p("\n%s\n", t.paint(ansiDim, plural(len(fs)+omitted, "passing check")+" not listed"))
			continue
		}
		t.group(bw, label, fs)
	}
	if len(other) > 0 {
		t.group(bw, "OTHER", other)
	}

	// Waivers that did nothing this run.
	if len(r.UnusedWaivers) > 0 {
		p("\n%s\n", t.paint(ansiBold, fmt.Sprintf("WAIVERS NOT APPLIED (%d)", len(r.UnusedWaivers))))
		for _, u := range r.UnusedWaivers {
			state := "unused:  "
			if u.Expired {
				state = "expired: "
			}
			p("  %s\n", t.paint(waiverUseColour(u), state+waiverUseLine(u)))
			if reason := oneLine(u.Reason); reason != "" {
				p("      %s %s\n", t.paint(ansiDim, "reason:"), reason)
			}
		}
	}

	// Counts.
	p("\n%s: %s\n", plural(c.total, "check"), t.countsPhrase(c))
	if t.opts.ResultsURL != "" {
		p("results: %s\n", oneLine(t.opts.ResultsURL))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

func (t *textRenderer) group(bw *bufio.Writer, label string, fs []evaluator.Finding) {
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("\n%s\n", t.paint(ansiBold, fmt.Sprintf("%s (%d)", label, len(fs))))
	for _, f := range fs {
		colour := findingColour(f)
		head := fmt.Sprintf("[%s] %s%s  %s", f.Severity, addressOf(f), placeOf(t.opts, f), oneLine(f.RuleID))
		if f.Blocking {
			head += "  (blocking)"
		}
		p("  %s\n", t.paint(colour, head))
		if m := findingMessage(f); m != "" {
			p("      %s\n", m)
		}
		if f.Expected != "" || f.Actual != "" {
			p("      %s %s\n", t.paint(ansiDim, "expected:"), oneLine(f.Expected))
			p("      %s %s\n", t.paint(ansiDim, "actual:  "), oneLine(f.Actual))
		}
		if w := f.Waiver; w != nil {
			p("      %s %s", t.paint(ansiCyan, "waived:  "), oneLine(w.ID))
			if ph := waiverPhrase(w); ph != "" {
				p(" (%s)", ph)
			}
			if reason := oneLine(w.Reason); reason != "" {
				p(": %s", reason)
			}
			p("\n")
		}
		if n := oneLine(f.Note); n != "" {
			p("      %s %s\n", t.paint(ansiDim, "note:    "), n)
		}
		for _, rel := range f.Related {
			p("      %s %s: %s\n", t.paint(ansiDim, "same cause:"), oneLine(rel.RuleID), oneLine(rel.Message))
		}
		if needsFix(f) {
			if fix := oneLine(f.Remediation); fix != "" {
				p("      %s %s\n", t.paint(ansiDim, "fix:     "), fix)
			}
		}
	}
}

// needsFix reports whether a finding's remediation is worth showing: it is a
// problem that nobody has waived.
func needsFix(f evaluator.Finding) bool {
	return f.Status != evaluator.StatusPass && f.Status != evaluator.StatusWaived
}

// scopePhrase reads "production (environment prod, mandatory, fail_on low)".
// fail_on is the severity below which a blocking rule only warns.
func scopePhrase(r *evaluator.Report) string {
	name := oneLine(r.Scope)
	if name == "" {
		name = "(none)"
	}
	var parts []string
	if e := oneLine(r.Environment); e != "" {
		parts = append(parts, "environment "+e)
	}
	if e := oneLine(string(r.Enforcement)); e != "" {
		parts = append(parts, e)
	}
	parts = append(parts, "fail_on "+r.FailOn.String())
	return name + " (" + strings.Join(parts, ", ") + ")"
}

// countsPhrase reads "2 blocking, 3 advisory, 1 waived, 7 passed" (blocking
// in red when there are any).
func (t *textRenderer) countsPhrase(c tally) string {
	blocking := fmt.Sprintf("%d blocking", c.blocking)
	if c.blocking > 0 {
		blocking = t.paint(ansiRed, blocking)
	}
	return fmt.Sprintf("%s, %d advisory, %d waived, %d passed", blocking, c.advisory, c.waived, c.passed)
}

// waiverUseLine reads "w-3 aws-rds-backup-retention on aws_db_instance.old (prodgate.yaml:40; team-data, until 2025-01-31)".
func waiverUseLine(u evaluator.WaiverUse) string {
	var b strings.Builder
	b.WriteString(oneLine(u.ID))
	if rule := oneLine(u.Rule); rule != "" {
		b.WriteString(" " + rule)
	}
	if addr := oneLine(u.Address); addr != "" {
		b.WriteString(" on " + addr)
	}
	var meta []string
	if where := oneLine(u.Where); where != "" {
		meta = append(meta, where)
	}
	if ph := waiverPhrase(&u.Waiver); ph != "" {
		meta = append(meta, ph)
	}
	if u.Expired && u.Matched > 0 {
		meta = append(meta, "matches "+plural(u.Matched, "finding"))
	}
	if len(meta) > 0 {
		b.WriteString(" (" + strings.Join(meta, "; ") + ")")
	}
	return b.String()
}

func waiverUseColour(u evaluator.WaiverUse) string {
	if u.Expired {
		return ansiYellow
	}
	return ansiDim
}

// knownStatus reports whether the renderer has a group for the status.
func knownStatus(s evaluator.Status) bool {
	switch s {
	case evaluator.StatusFail, evaluator.StatusUnknown, evaluator.StatusWarn, evaluator.StatusWaived, evaluator.StatusPass:
		return true
	}
	return false
}
