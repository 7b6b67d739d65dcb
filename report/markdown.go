package report

import (
	"bytes"
	"fmt"
	"io"
	"slices"
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

// MarkdownLimit is the longest markdown report, in bytes: GitHub's limit on
// a pull request comment is 65,536 characters, and a character is never
// less than a byte.
const MarkdownLimit = 65536

// Render writes the whole report when it fits Options.MarkdownLimit. When it
// does not, it lists as many findings as fit, most severe first, counts the
// rest per rule at the end, and says so at the top; the largest number that
// fits is found by bisection (each try writes at most the limit's worth of
// rows again, about a dozen tries for tens of thousands of findings).
func (m *markdownRenderer) Render(r *evaluator.Report) error {
	if r == nil {
		return errNilReport
	}
	// Sorted once here, so that each try below finds them in order.
	sorted := *r
	sorted.Findings = Sorted(r.Findings)
	r = &sorted
	limit := m.opts.MarkdownLimit
	if limit == 0 {
		limit = MarkdownLimit
	}
	var out bytes.Buffer
	m.render(&out, r, -1, limit)
	if limit > 0 && out.Len() > limit {
		// lo rows fit (or nothing does: checked below); hi rows do not.
		// A listed row takes more than 16 bytes, so no more than limit/16 fit.
		lo, hi := 0, min(len(r.Findings)+len(r.UnusedWaivers), limit/16)+1
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			out.Reset()
			m.render(&out, r, mid, limit)
			if out.Len() <= limit {
				lo = mid
			} else {
				hi = mid
			}
		}
		out.Reset()
		m.render(&out, r, lo, limit)
		if out.Len() > limit {
			// Not even the summary fits (thousands of rules, or huge
			// reasons): cut it, and say that it was cut.
			const cut = "\n\n**(cut to fit the comment limit)**\n"
			b := cutBytes(out.String(), limit-len(cut)) + cut
			out.Reset()
			out.WriteString(b)
		}
	}
	if _, err := m.w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	return nil
}

// render writes the report listing at most rows findings and unapplied
// waivers (all of them when rows < 0); limit is only named in the note.
func (m *markdownRenderer) render(w *bytes.Buffer, r *evaluator.Report, rows, limit int) {
	bw := w
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

	list := listing{left: rows}
	if rows >= 0 {
		listable := 0
		for _, f := range r.Findings {
			if f.Status != evaluator.StatusPass {
				listable++
			}
		}
		p("> **Note:** this comment lists %d of the %d findings and unapplied waivers to stay under %s; the rest are counted by rule at the end.",
			min(rows, listable+len(r.UnusedWaivers)), listable+len(r.UnusedWaivers), limitPhrase(limit))
		if m.opts.ResultsURL != "" {
			p(" The [full results](%s) list every one.", mdURL(m.opts.ResultsURL))
		} else {
			p(" The JSON, SARIF or JUnit report lists every one.")
		}
		p("\n\n")
	}

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
	// Sized from the counts: this runs a dozen times for a report that
	// must be cut, and regrowing tens of thousands of findings dominates.
	problems := make([]evaluator.Finding, 0, c.failed+c.unknown)
	warnings := make([]evaluator.Finding, 0, c.warned)
	waived := make([]evaluator.Finding, 0, c.waived)
	var passes []evaluator.Finding
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

	nProblems, nWarnings, nWaived := len(problems), len(warnings), len(waived)
	problems, warnings, waived = list.take(problems), list.take(warnings), list.take(waived)
	if nProblems > 0 {
		p("\n### Blocking (%d)\n\n", nProblems)
		if len(problems) > 0 {
			m.problemTable(bw, problems)
		}
		list.more(bw, nProblems-len(problems))
	}
	if nWarnings > 0 {
		p("\n### Advisory: warnings, not blocking (%d)\n\n", nWarnings)
		if len(warnings) > 0 {
			m.problemTable(bw, warnings)
		}
		list.more(bw, nWarnings-len(warnings))
	}
	if fixes := append(append([]evaluator.Finding(nil), problems...), warnings...); len(fixes) > 0 {
		m.fixes(bw, fixes)
	}

	if nWaived > 0 {
		p("\n### Waived (%d)\n\n", nWaived)
		if len(waived) > 0 {
			p("| Severity | Resource | Rule | Problem | Waiver | Owner | Until | Reason |\n")
			p("|---|---|---|---|---|---|---|---|\n")
			for _, f := range waived {
				w := f.Waiver
				if w == nil {
					w = &evaluator.Waiver{}
				}
				p("| %s | %s | %s | %s | %s | %s | %s | %s |\n",
					f.Severity, m.resource(f, true), mdCode(f.RuleID, true), mdText(f.Message, true),
					mdCode(w.ID, true), mdText(w.Owner, true), mdText(w.Expires, true), mdText(w.Reason, true))
			}
		}
		list.more(bw, nWaived-len(waived))
	}

	if len(r.UnusedWaivers) > 0 {
		unused := list.takeWaivers(r.UnusedWaivers)
		p("\n### Waivers not applied (%d)\n\n", len(r.UnusedWaivers))
		if len(unused) > 0 {
			p("| Waiver | State | Rule | Resource | Owner | Expires | Defined at |\n")
			p("|---|---|---|---|---|---|---|\n")
		}
		for _, u := range unused {
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
		list.more(bw, len(r.UnusedWaivers)-len(unused))
	}

	if len(passes) > 0 || r.OmittedPasses > 0 {
		if m.opts.ShowPassed && r.OmittedPasses == 0 && rows < 0 {
			p("\n<details><summary>Passed (%d)</summary>\n\n", len(passes))
			p("| Severity | Resource | Rule | Check |\n")
			p("|---|---|---|---|\n")
			for _, f := range passes {
				p("| %s | %s | %s | %s |\n", f.Severity, m.resource(f, true), mdCode(f.RuleID, true), mdText(f.Message, true))
			}
			p("\n</details>\n")
		} else {
			p("\n%s not listed.\n", plural(len(passes)+r.OmittedPasses, "passing check"))
		}
	}
	list.summary(bw)
}

// listing hands out the rows a report may list and counts, per rule, the
// findings it left out.
type listing struct {
	left           int // rows still to hand out; < 0: no limit
	omitted        map[string]*omittedCounts
	order          []string // rules in the order their first omission came
	omittedTotal   int
	omittedWaivers int
}

type omittedCounts struct{ findings, blocking, failed, unknown, warned, waived int }

// take returns the findings of fs that may be listed.
func (l *listing) take(fs []evaluator.Finding) []evaluator.Finding {
	if l.left < 0 {
		return fs
	}
	k := min(l.left, len(fs))
	l.left -= k
	if l.omitted == nil && k < len(fs) {
		l.omitted = map[string]*omittedCounts{}
	}
	for i := k; i < len(fs); i++ {
		f := &fs[i]
		c, ok := l.omitted[f.RuleID]
		if !ok {
			c = &omittedCounts{}
			l.omitted[f.RuleID] = c
			l.order = append(l.order, f.RuleID)
		}
		c.findings++
		l.omittedTotal++
		if f.Blocking {
			c.blocking++
		}
		switch f.Status {
		case evaluator.StatusFail:
			c.failed++
		case evaluator.StatusUnknown:
			c.unknown++
		case evaluator.StatusWarn:
			c.warned++
		case evaluator.StatusWaived:
			c.waived++
		}
	}
	return fs[:k]
}

func (l *listing) takeWaivers(ws []evaluator.WaiverUse) []evaluator.WaiverUse {
	if l.left < 0 {
		return ws
	}
	k := min(l.left, len(ws))
	l.left -= k
	l.omittedWaivers += len(ws) - k
	return ws[:k]
}

// more ends a table that was cut.
func (l *listing) more(w *bytes.Buffer, n int) {
	if n > 0 {
		fmt.Fprintf(w, "\n…and %d more, counted under **Not listed here**.\n", n)
	}
}

// summary counts what was left out, per rule, most blocking first.
func (l *listing) summary(w *bytes.Buffer) {
	if l.omittedTotal == 0 && l.omittedWaivers == 0 {
		return
	}
	slices.SortStableFunc(l.order, func(a, b string) int { return l.omitted[b].blocking - l.omitted[a].blocking })
	fmt.Fprintf(w, "\n### Not listed here (%d)\n\n", l.omittedTotal+l.omittedWaivers)
	if len(l.order) > 0 {
		fmt.Fprint(w, "| Rule | Findings | Blocking | Failed | Unknown | Warned | Waived |\n")
		fmt.Fprint(w, "|---|---:|---:|---:|---:|---:|---:|\n")
		for _, id := range l.order {
			c := l.omitted[id]
			fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d |\n", mdCode(orNone(id), true), c.findings, c.blocking, c.failed, c.unknown, c.warned, c.waived)
		}
	}
	if l.omittedWaivers > 0 {
		fmt.Fprintf(w, "\nAnd %s not applied.\n", plural(l.omittedWaivers, "waiver"))
	}
}

// limitPhrase reads "GitHub's 65,536-character comment limit".
func limitPhrase(limit int) string {
	n := fmt.Sprint(limit)
	for i := len(n) - 3; i > 0; i -= 3 {
		n = n[:i] + "," + n[i:]
	}
	if limit == MarkdownLimit {
		return "GitHub's " + n + "-character comment limit"
	}
	return "a limit of " + n + " characters"
}

func (m *markdownRenderer) problemTable(bw *bytes.Buffer, fs []evaluator.Finding) {
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
			sev, m.resource(f, true), mdCode(f.RuleID, true), problem, mdCode(f.Expected, true), mdCode(f.Actual, true))
	}
}

// fixes lists each rule's remediation once, with the resources it applies
// to and any note the engine made about a finding's status.
func (m *markdownRenderer) fixes(bw *bytes.Buffer, fs []evaluator.Finding) {
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
			fmt.Fprintf(bw, "- %s", m.resource(f, false))
			if n := oneLine(f.Note); n != "" {
				fmt.Fprintf(bw, ": %s", mdText(n, false))
			}
			fmt.Fprint(bw, "\n")
		}
		fmt.Fprint(bw, "\n")
	}
	fmt.Fprint(bw, "</details>\n")
}

// resource is the finding's address as code, and its file:line when known.
func (m *markdownRenderer) resource(f evaluator.Finding, inTable bool) string {
	code := mdCode(addressOf(f), inTable)
	if l, ok := locate(m.opts, f); ok {
		return code + " (" + mdText(l.String(), inTable) + ")"
	}
	return code
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
