package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/prodgate/prodgate/evaluator"
)

// The run page's template and stylesheet. The stylesheet is inlined into
// every page (a report file must open anywhere, offline, and the service's
// pages allow no other source: its Content-Security-Policy is
// default-src 'none'; style-src 'unsafe-inline'); there is no script.
var (
	//go:embed html.tmpl
	htmlTemplateText string
	//go:embed html.css
	htmlCSS string
)

// PageCSS is the stylesheet of the run page, for the service's other pages
// (history, scorecard) to look the same.
func PageCSS() template.CSS { return template.CSS(htmlCSS) }

// htmlTemplate is parsed on first use: every `prodgate check` would
// otherwise pay for a page few runs write.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("run").Funcs(template.FuncMap{
		"css":  PageCSS,
		"num":  thousands,
		"code": codeSpans,
	}).Parse(htmlTemplateText))
})

// DefaultHTMLRowsPerControl is how many findings of one control the run
// page lists before it counts the rest: a 20,000-resource plan has rules
// with thousands of findings, and a page listing every one weighs tens of
// megabytes that no reader scrolls through (the JSON report has them all).
const DefaultHTMLRowsPerControl = 50

// Link is a labelled link the HTML page shows in its header.
type Link struct {
	Label, URL string
}

// htmlRenderer writes the run page: one self-contained HTML document
// (stylesheet inlined, no script, no external resource) that `prodgate
// check --output html=FILE` writes and the service serves as /runs/<id>.
// Every value from the report is escaped by html/template.
type htmlRenderer struct {
	w    io.Writer
	opts Options
}

func (h *htmlRenderer) Render(r *evaluator.Report) error {
	if r == nil {
		return errNilReport
	}
	page := buildHTMLPage(r, h.opts)
	bw := bufio.NewWriterSize(h.w, 64<<10)
	if err := htmlTemplate().Execute(bw, page); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// htmlPage is what the template draws; every string is plain text that the
// template escapes, and every URL is checked by html/template's URL
// filter (a javascript: URL from an option becomes "#ZgotmplZ").
type htmlPage struct {
	Title, Verdict, Headline, Summary string
	Passed                            bool
	Standard, PolicyHash, Scope       string
	ScopeWhy, Enforcement, FailOn     string
	Environment                       string
	Run                               evaluator.RunContext
	Nav                               []Link
	RunURL, WorkspaceURL, ResultsURL  string
	Reasons, Notes                    []string
	Counts                            htmlCounts
	BySeverity                        []htmlSeverityRow
	Plan                              evaluator.PlanFacts
	PlanPhrase                        string
	Destroys, Drift, Unknowns         htmlRows
	Controls                          []*htmlControl
	Waivers                           []htmlWaiver
	Passes                            []htmlPassRow
	OmittedPasses                     int
	RulesRun                          int
	EvaluatedAt, Duration             string
	ToolVersion                       string
}

type htmlCounts struct {
	Total, Blocking, Advisory, Waived, Passed int
}

type htmlSeverityRow struct {
	Severity                   string
	Blocking, Advisory, Waived int
}

// htmlRow is one finding as the page lists it.
type htmlRow struct {
	ID, Status, StatusClass, Severity string
	Blocking                          bool
	RuleID, DocURL                    string
	Address, Attribute, Place         string
	Message, Expected, Actual, Note   string
	Waiver                            string
	Related                           []string
}

// htmlRows is a capped list: Rows shown, More counted. ShowRule names each
// row's rule: lists that are not one control's.
type htmlRows struct {
	Rows     []htmlRow
	More     int
	ShowRule bool
}

func (l *htmlRows) add(row htmlRow, limit int) {
	if limit >= 0 && len(l.Rows) >= limit {
		l.More++
		return
	}
	l.Rows = append(l.Rows, row)
}

// Len is every row, shown or counted.
func (l htmlRows) Len() int { return len(l.Rows) + l.More }

// htmlControl is one rule's findings, the page's unit: one fix, one doc.
type htmlControl struct {
	RuleID, Title, Severity, Category string
	DocURL, Fix                       string
	Blocking, Advisory, Waived        int
	Findings                          htmlRows
}

type htmlWaiver struct {
	ID, Rule, Address, Owner, Expires, Reason, Where string
	State                                            string // applied, unused, expired
	Matched                                          int
}

type htmlPassRow struct {
	RuleID, Title, DocURL string
	Passed                int
}

// Rules whose findings are planned destruction and drift: the page lists
// them apart, first and last. report_test checks these ids are registered.
var (
	destroyRules = map[string]bool{"lifecycle-stateful-destroy": true, "lifecycle-forget": true}
	driftRules   = map[string]bool{"lifecycle-drift-protected": true}
)

func buildHTMLPage(r *evaluator.Report, opts Options) *htmlPage {
	limit := opts.HTMLRowsPerControl
	if limit == 0 {
		limit = DefaultHTMLRowsPerControl
	}
	metas := make(map[string]*evaluator.RuleMeta, len(opts.Rules))
	for i := range opts.Rules {
		metas[opts.Rules[i].ID] = &opts.Rules[i]
	}
	docsBase := opts.RuleDocsURL
	if docsBase == "" {
		docsBase = DefaultRuleDocsURL
	}
	docURL := func(id string) string {
		if m := metas[id]; m != nil && m.Category == "custom" {
			return "" // team-written: its text is in the policy, not rules.md
		}
		return docsBase + "#" + id
	}

	t := tallyOf(r)
	p := &htmlPage{
		Verdict: "failed", Headline: "Gate " + verdictPhrase(r, t), Summary: Summary(r), Passed: passed(r),
		Standard: orNone(r.Standard), PolicyHash: oneLine(opts.PolicyHash), Scope: orNone(r.Scope),
		ScopeWhy: oneLine(opts.ScopeMatch), Enforcement: string(r.Enforcement), FailOn: r.FailOn.String(),
		Environment: oneLine(r.Environment), Run: r.Run, Nav: opts.Nav,
		RunURL: opts.RunURL, WorkspaceURL: opts.WorkspaceURL, ResultsURL: opts.ResultsURL,
		Reasons: r.Reasons, Notes: r.Notes, Plan: r.Plan, PlanPhrase: planPhrase(r.Plan),
		OmittedPasses: r.OmittedPasses, RulesRun: len(r.RulesRun), ToolVersion: oneLine(opts.ToolVersion),
	}
	p.Counts = htmlCounts{Total: t.total, Blocking: t.blocking, Advisory: t.advisory, Waived: t.waived, Passed: t.passed}
	p.Destroys.ShowRule, p.Drift.ShowRule, p.Unknowns.ShowRule = true, true, true
	if p.Passed {
		p.Verdict = "passed"
	}
	if p.ScopeWhy == "" {
		p.ScopeWhy = scopeWhy(r)
	}
	p.Title = "prodgate · " + p.Verdict
	if ws := oneLine(r.Run.Workspace); ws != "" {
		p.Title += " · " + ws
	}
	if !r.EvaluatedAt.IsZero() {
		p.EvaluatedAt = r.EvaluatedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	switch d := r.Duration; {
	case d >= time.Millisecond:
		p.Duration = d.Round(time.Millisecond).String()
	case d > 0:
		p.Duration = d.Round(time.Microsecond).String() // "412µs", not "0s"
	}

	sev := map[evaluator.Severity]*htmlSeverityRow{}
	for s := evaluator.SeverityCritical; s >= evaluator.SeverityInfo; s-- {
		row := &htmlSeverityRow{Severity: s.String()}
		sev[s] = row
	}
	controls := map[string]*htmlControl{}
	passes := map[string]*htmlPassRow{}
	var passOrder []string
	ids := OutcomeIDs(r)
	n := 0
	for _, f := range Sorted(r.Findings) {
		row := sev[f.Severity]
		if row == nil { // a severity from a newer prodgate: counted under info
			row = sev[evaluator.SeverityInfo]
		}
		if f.Status == evaluator.StatusPass {
			pr := passes[f.RuleID]
			if pr == nil {
				pr = &htmlPassRow{RuleID: f.RuleID, Title: oneLine(f.Title), DocURL: docURL(f.RuleID)}
				passes[f.RuleID] = pr
				passOrder = append(passOrder, f.RuleID)
			}
			pr.Passed++
			continue
		}
		switch {
		case f.Blocking:
			row.Blocking++
		case f.Status == evaluator.StatusWaived:
			row.Waived++
		default:
			row.Advisory++
		}
		hr := htmlRowOf(f, opts)
		hr.ID = ids[n]
		hr.DocURL = docURL(f.RuleID)
		n++
		if f.Waiver != nil {
			p.Waivers = append(p.Waivers, htmlWaiver{ID: oneLine(f.Waiver.ID), Rule: f.RuleID, Address: addressOf(f),
				Owner: oneLine(f.Waiver.Owner), Expires: oneLine(f.Waiver.Expires), Reason: oneLine(f.Waiver.Reason), State: "applied", Matched: 1})
		}
		switch {
		case destroyRules[f.RuleID]:
			p.Destroys.add(hr, limit)
			continue
		case driftRules[f.RuleID]:
			p.Drift.add(hr, limit)
			continue
		case f.Status == evaluator.StatusUnknown:
			p.Unknowns.add(hr, limit)
			continue
		}
		c := controls[f.RuleID]
		if c == nil {
			c = &htmlControl{RuleID: f.RuleID, Title: oneLine(f.Title), Severity: f.Severity.String(), DocURL: hr.DocURL,
				Fix: oneLine(f.Remediation)}
			if m := metas[f.RuleID]; m != nil {
				c.Category = m.Category
				if c.Title == "" {
					c.Title = m.Title
				}
			}
			controls[f.RuleID] = c
			p.Controls = append(p.Controls, c) // most severe first: findings are sorted
		}
		switch {
		case f.Blocking:
			c.Blocking++
		case f.Status == evaluator.StatusWaived:
			c.Waived++
		default:
			c.Advisory++
		}
		c.Findings.add(hr, limit)
	}
	for s := evaluator.SeverityCritical; s >= evaluator.SeverityInfo; s-- {
		if row := sev[s]; row.Blocking+row.Advisory+row.Waived > 0 {
			p.BySeverity = append(p.BySeverity, *row)
		}
	}
	p.Waivers = mergeWaivers(p.Waivers)
	for _, u := range r.UnusedWaivers {
		state := "unused"
		if u.Expired {
			state = "expired"
		}
		p.Waivers = append(p.Waivers, htmlWaiver{ID: oneLine(u.ID), Rule: oneLine(u.Rule), Address: oneLine(u.Address),
			Owner: oneLine(u.Owner), Expires: oneLine(u.Expires), Reason: oneLine(u.Reason), Where: oneLine(u.Where), State: state, Matched: u.Matched})
	}
	for _, id := range passOrder {
		p.Passes = append(p.Passes, *passes[id])
	}
	return p
}

func htmlRowOf(f evaluator.Finding, opts Options) htmlRow {
	row := htmlRow{
		Status: statusLabel(f), Severity: f.Severity.String(), Blocking: f.Blocking,
		RuleID: oneLine(f.RuleID), Address: addressOf(f), Attribute: oneLine(f.Attribute),
		Message: findingMessage(f), Expected: oneLine(f.Expected), Actual: oneLine(f.Actual),
	}
	if f.Waiver == nil { // a waived finding's note only repeats the waiver
		row.Note = oneLine(f.Note)
	}
	row.StatusClass = strings.ToLower(row.Status)
	if l, ok := locate(opts, f); ok {
		row.Place = oneLine(l.String())
	}
	if w := f.Waiver; w != nil {
		row.Waiver = oneLine(w.ID)
		if ph := waiverPhrase(w); ph != "" {
			row.Waiver += " (" + ph + ")"
		}
	}
	for _, rel := range f.Related {
		row.Related = append(row.Related, oneLine(rel.RuleID)+": "+oneLine(rel.Message))
	}
	return row
}

// mergeWaivers turns one entry per waived finding into one per waiver,
// counting the findings it covered.
func mergeWaivers(in []htmlWaiver) []htmlWaiver {
	var out []htmlWaiver
	at := map[string]int{}
	for _, w := range in {
		key := w.ID + "\x00" + w.Rule
		if i, ok := at[key]; ok {
			out[i].Matched++
			if out[i].Address != w.Address {
				out[i].Address = "(several resources)"
			}
			continue
		}
		at[key] = len(out)
		out = append(out, w)
	}
	return out
}

// scopeWhy says why the scope applies when the caller could not say which
// of the policy's match patterns chose it (Options.ScopeMatch).
func scopeWhy(r *evaluator.Report) string {
	if r.Scope == "" || r.Scope == "default" {
		return "no scope of the policy matched this run, so its top-level settings apply"
	}
	var parts []string
	for _, f := range []struct{ name, value string }{
		{"organization", r.Run.Organization}, {"workspace", r.Run.Workspace},
		{"project", r.Run.Project}, {"directory", r.Run.Directory},
	} {
		if v := oneLine(f.value); v != "" {
			parts = append(parts, f.name+" "+v)
		}
	}
	if len(parts) == 0 {
		return "the first scope of the policy whose match fits this run"
	}
	return "the first scope of the policy whose match fits this run (" + strings.Join(parts, ", ") + ")"
}

// codeSpans escapes s and shows the spans rule authors wrote in backticks
// as code, as the markdown format does: "Set `x = 1`" reads Set <code>x =
// 1</code>. An unpaired backtick stays as it is.
func codeSpans(s string) template.HTML {
	var b strings.Builder
	for {
		open := strings.IndexByte(s, '`')
		if open < 0 {
			break
		}
		end := strings.IndexByte(s[open+1:], '`')
		if end < 0 {
			break
		}
		b.WriteString(template.HTMLEscapeString(s[:open]))
		b.WriteString("<code>" + template.HTMLEscapeString(s[open+1:open+1+end]) + "</code>")
		s = s[open+1+end+1:]
	}
	b.WriteString(template.HTMLEscapeString(s))
	return template.HTML(b.String())
}

// thousands writes 20000 as "20,000".
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
