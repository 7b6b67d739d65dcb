package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
)

// markdownRenderer writes GitHub-flavoured Markdown for PR comments and
// results pages. Report text is escaped so it cannot add markup, links or
// HTML of its own or break a table; code spans the rule authors wrote in
// backticks are kept as code.
type markdownRenderer struct {
	w    io.Writer
	opts Options
}

func (m *markdownRenderer) Render(r *evaluator.Report) error {
	if r == nil {
		return errNilReport
	}
	bw := bufio.NewWriter(m.w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	c := tallyOf(r)
	p("## prodgate: gate %s\n\n", verdictPhrase(r, c))
	p("- **Standard:** %s\n", mdText(orNone(r.Standard), false))
	p("- **Scope:** %s\n", mdText(scopePhrase(r), false))
	p("- **Plan:** %s\n", mdText(planPhrase(r.Plan), false))
	if m.opts.ResultsURL != "" {
		p("- **Results:** [full results](%s)\n", mdURL(m.opts.ResultsURL))
	}
	p("\n")

	for _, n := range r.Notes {
		p("> **Note:** %s\n\n", mdText(n, false))
	}
	if !passed(r) && len(r.Reasons) > 0 {
		p("**Why the gate failed**\n\n")
		for _, reason := range r.Reasons {
			p("- %s\n", mdText(reason, false))
		}
		p("\n")
	}

	p("| Checks | Blocking | Advisory | Waived | Passed |\n")
	p("|---:|---:|---:|---:|---:|\n")
	p("| %d | %d | %d | %d | %d |\n", c.total, c.blocking, c.advisory, c.waived, c.passed)

	sorted := Sorted(r.Findings)
	var problems, warnings, waived, passes []evaluator.Finding
	for _, f := range sorted {
		switch {
		case f.Status == evaluator.StatusPass:
			passes = append(passes, f)
		case f.Status == evaluator.StatusWaived:
			waived = append(waived, f)
		case f.Blocking || !knownStatus(f.Status):
			problems = append(problems, f)
		default:
			warnings = append(warnings, f)
		}
	}

	if len(problems) > 0 {
		p("\n### Blocking (%d)\n\n", len(problems))
		m.problemTable(bw, problems)
	}
	if len(warnings) > 0 {
		p("\n### Advisory: warnings, not blocking (%d)\n\n", len(warnings))
		m.problemTable(bw, warnings)
	}
	if fixes := append(append([]evaluator.Finding(nil), problems...), warnings...); len(fixes) > 0 {
		m.fixes(bw, fixes)
	}

	if len(waived) > 0 {
		p("\n### Waived (%d)\n\n", len(waived))
		p("| Severity | Resource | Rule | Problem | Waiver | Owner | Until | Reason |\n")
		p("|---|---|---|---|---|---|---|---|\n")
		for _, f := range waived {
			w := f.Waiver
			if w == nil {
				w = &evaluator.Waiver{}
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %s |\n",
				f.Severity, mdCode(addressOf(f), true), mdCode(f.RuleID, true), mdText(f.Message, true),
				mdCode(w.ID, true), mdText(w.Owner, true), mdText(w.Expires, true), mdText(w.Reason, true))
		}
	}

	if len(r.UnusedWaivers) > 0 {
		p("\n### Waivers not applied (%d)\n\n", len(r.UnusedWaivers))
		p("| Waiver | State | Rule | Resource | Owner | Expires | Defined at |\n")
		p("|---|---|---|---|---|---|---|\n")
		for _, u := range r.UnusedWaivers {
			state := "matched nothing"
			if u.Expired {
				state = "expired"
				if u.Matched > 0 {
					state += ", matches " + plural(u.Matched, "finding")
				}
			}
			p("| %s | %s | %s | %s | %s | %s | %s |\n",
				mdCode(u.ID, true), state, mdCode(u.Rule, true), mdCode(u.Address, true),
				mdText(u.Owner, true), mdText(u.Expires, true), mdCode(u.Where, true))
		}
	}

	if len(passes) > 0 || r.OmittedPasses > 0 {
		if m.opts.ShowPassed && r.OmittedPasses == 0 {
			p("\n<details><summary>Passed (%d)</summary>\n\n", len(passes))
			p("| Severity | Resource | Rule | Check |\n")
			p("|---|---|---|---|\n")
			for _, f := range passes {
				p("| %s | %s | %s | %s |\n", f.Severity, mdCode(addressOf(f), true), mdCode(f.RuleID, true), mdText(f.Message, true))
			}
			p("\n</details>\n")
		} else {
			p("\n%s not listed.\n", plural(len(passes)+r.OmittedPasses, "passing check"))
		}
	}

	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	return nil
}

func (m *markdownRenderer) problemTable(bw *bufio.Writer, fs []evaluator.Finding) {
	fmt.Fprint(bw, "| Severity | Resource | Rule | Problem | Expected | Actual |\n")
	fmt.Fprint(bw, "|---|---|---|---|---|---|\n")
	for _, f := range fs {
		sev := f.Severity.String()
		if f.Blocking {
			sev = "**" + sev + "** (blocking)"
		}
		problem := mdText(f.Message, true)
		if f.Status == evaluator.StatusUnknown {
			problem = "unknown: " + problem
		}
		for _, rel := range f.Related {
			problem += "<br>same cause: " + mdCode(rel.RuleID, true) + " " + mdText(rel.Message, true)
		}
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s |\n",
			sev, mdCode(addressOf(f), true), mdCode(f.RuleID, true), problem, mdCode(f.Expected, true), mdCode(f.Actual, true))
	}
}

// fixes lists each rule's remediation once, with the resources it applies
// to and any note the engine made about a finding's status.
func (m *markdownRenderer) fixes(bw *bufio.Writer, fs []evaluator.Finding) {
	var order []string
	byRule := map[string][]evaluator.Finding{}
	for _, f := range fs {
		if _, ok := byRule[f.RuleID]; !ok {
			order = append(order, f.RuleID)
		}
		byRule[f.RuleID] = append(byRule[f.RuleID], f)
	}
	fmt.Fprintf(bw, "\n<details><summary>How to fix</summary>\n\n")
	for _, id := range order {
		group := byRule[id]
		first := group[0]
		title := ""
		if t := oneLine(first.Title); t != "" {
			title = ": " + mdText(t, false)
		}
		fmt.Fprintf(bw, "#### %s%s\n\n", mdCode(id, false), title)
		fix := ""
		for _, f := range group {
			if fix = oneLine(f.Remediation); fix != "" {
				break
			}
		}
		if fix != "" {
			fmt.Fprintf(bw, "%s\n\n", mdText(fix, false))
		}
		for _, f := range group {
			fmt.Fprintf(bw, "- %s", mdCode(addressOf(f), false))
			if n := oneLine(f.Note); n != "" {
				fmt.Fprintf(bw, ": %s", mdText(n, false))
			}
			fmt.Fprint(bw, "\n")
		}
		fmt.Fprint(bw, "\n")
	}
	fmt.Fprint(bw, "</details>\n")
}

// mdEscaped are the characters that could start markup, a link, HTML or a
// table cell boundary in GitHub-flavoured Markdown.
const mdEscaped = "\\`*_[]<>|~"

// mdText makes report text inert in Markdown. Text is put on one line, and
// markup characters are backslash-escaped, except that a complete code span
// (`like this`) is kept as code, which cannot hold markup. In a table cell,
// "|" is escaped inside code spans too, as GFM requires.
func mdText(s string, inTable bool) string {
	s = oneLine(s)
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '`' {
			n := runLen(s, i, '`')
			if end := findRun(s, i+n, n); end >= 0 {
				code := s[i : end+n]
				if inTable {
					code = strings.ReplaceAll(code, "|", "\\|")
				}
				b.WriteString(code)
				i = end + n
				continue
			}
			b.WriteString(strings.Repeat("\\`", n))
			i += n
			continue
		}
		if strings.IndexByte(mdEscaped, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// mdCode shows s as a code span whatever it contains: the fence is longer
// than any run of backticks inside. Empty text shows as nothing.
func mdCode(s string, inTable bool) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	longest := 0
	for i := 0; i < len(s); {
		if s[i] == '`' {
			n := runLen(s, i, '`')
			longest = max(longest, n)
			i += n
			continue
		}
		i++
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", "\\|")
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	fence := strings.Repeat("`", longest+1)
	return fence + s + fence
}

// runLen is the length of the run of c starting at s[i].
func runLen(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// findRun finds, from s[from:], a run of exactly n backticks and returns its start or -1.
func findRun(s string, from, n int) int {
	for i := from; i < len(s); {
		if s[i] == '`' {
			k := runLen(s, i, '`')
			if k == n {
				return i
			}
			i += k
			continue
		}
		i++
	}
	return -1
}

// mdURL makes a link destination that cannot end the link early.
func mdURL(u string) string {
	u = oneLine(u)
	r := strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "`", "%60", "\\", "%5C", "|", "%7C")
	return r.Replace(u)
}
