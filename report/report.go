// Package report renders an evaluator.Report for people and machines: a
// terminal, an Atlantis comment, a Markdown PR comment or results page, JSON,
// SARIF for code scanning, JUnit XML for CI test reports, and HCP Terraform
// run-task outcomes.
//
// Renderers only rearrange what is in the Report. Sensitive values are masked
// by the evaluator before a Report exists; nothing here looks at a plan.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/prodgate/prodgate/evaluator"
)

// Format names an output format. The names are what users type after --format.
type Format string

const (
	// FormatText is human terminal output; colour only when Options.Color.
	FormatText Format = "text"
	// FormatAtlantis is plain lines meant for the ```diff block Atlantis wraps
	// custom-step output in, ending with a conftest-style summary line.
	FormatAtlantis Format = "atlantis"
	// FormatMarkdown is for PR comments and results pages.
	FormatMarkdown Format = "markdown"
	// FormatJSON is the Report itself as JSON, with a schema_version
	// (docs/report.schema.json).
	FormatJSON Format = "json"
	// FormatSARIF is SARIF 2.1.0 as GitHub code scanning reads it.
	FormatSARIF Format = "sarif"
	// FormatJUnit is JUnit XML, one test case per rule and resource, for CI
	// test reports (GitLab, Jenkins, …).
	FormatJUnit Format = "junit"
	// FormatHTML is the run page as one self-contained HTML file (no script,
	// no external resource): what the service shows at /runs/<id>.
	FormatHTML Format = "html"
)

// Formats lists every format New accepts, in the order flag help shows them.
func Formats() []Format {
	return []Format{FormatText, FormatAtlantis, FormatMarkdown, FormatJSON, FormatSARIF, FormatJUnit, FormatHTML}
}

// NeedsPasses reports whether a format lists passing checks whatever
// Options.ShowPassed says, so the evaluator must keep them: JSON holds every
// finding, JUnit makes each pass a test case, and the HTML page counts the
// resources passing each control.
func NeedsPasses(f Format) bool { return f == FormatJSON || f == FormatJUnit || f == FormatHTML }

// FormatNames is Formats joined for flag help and error messages: "text, atlantis, markdown, json, sarif, junit, html".
func FormatNames() string {
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// ParseFormat reads a format name as typed by a user; unknown names are an error.
func ParseFormat(name string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(name)))
	if slices.Contains(Formats(), f) {
		return f, nil
	}
	return "", fmt.Errorf("unknown report format %q (want one of %s)", name, FormatNames())
}

// Options tune a renderer. The zero value is plain output without passes.
type Options struct {
	// Color turns on ANSI colour in the text format. The caller decides,
	// typically when stdout is a terminal and NO_COLOR is unset.
	Color bool
	// ShowPassed lists passing checks too; otherwise they are only counted.
	ShowPassed bool
	// ResultsURL, when set, is linked as the full results page.
	ResultsURL string
	// Locator, when set, places findings in the Terraform source: text and
	// markdown show file:line beside the address, SARIF results get a
	// physical location. Without it findings carry the address alone.
	Locator Locator
	// Rules describes the rules the engine knows (built-in and team-written),
	// for formats that describe rules as well as results: SARIF lists them as
	// the tool's rules, JUnit groups test cases by their category. A finding
	// whose rule is not here is described from the finding itself.
	Rules []evaluator.RuleMeta
	// RuleDocsURL is the page rule documentation anchors hang from (SARIF
	// helpUri: RuleDocsURL + "#" + rule id); DefaultRuleDocsURL when empty.
	RuleDocsURL string
	// ToolVersion is prodgate's version, as SARIF's tool.driver.version.
	ToolVersion string
	// WorkingDir, when set, is the absolute directory that relative source
	// and plan paths are relative to: SARIF then gives absolute file URIs,
	// which GitHub code scanning turns into paths relative to the checkout
	// whatever directory prodgate ran in.
	WorkingDir string
	// PlanFile is the plan as the user named it. SARIF results whose
	// resource has no source location point at it (line 1), because code
	// scanning shows no result without a file.
	PlanFile string
	// PolicyHash is the content hash of the policy the plan was judged
	// against; the HTML page says "not recorded" without it.
	PolicyHash string
	// ScopeMatch says why the report's scope applies ("workspace matches
	// *-prod, prodgate.yaml:14"); without it the HTML page names the run's
	// organization, workspace, project and directory.
	ScopeMatch string
	// RunURL and WorkspaceURL link the HTML page back to the run and the
	// workspace in HCP Terraform (run_app_url, workspace_app_url).
	RunURL, WorkspaceURL string
	// Nav are links the HTML page shows in its header (the service's
	// history and scorecard).
	Nav []Link
	// HTMLRowsPerControl caps the findings the HTML page lists per control
	// (and per list of destroys, unknowns and drift); the rest are counted.
	// 0 means DefaultHTMLRowsPerControl; a negative value, no cap.
	HTMLRowsPerControl int
	// MarkdownLimit caps the markdown format in bytes: findings past the cap
	// are counted per rule instead of listed, and the report says so. 0 means
	// MarkdownLimit (GitHub's comment limit); a negative value, no cap.
	MarkdownLimit int
}

// DefaultRuleDocsURL is the rule reference (docs/rules.md) that SARIF links
// each built-in rule's help to.
const DefaultRuleDocsURL = "https://github.com/prodgate/prodgate/blob/main/docs/rules.md"

// SourceLocation is where a finding is written in the Terraform
// configuration: the attribute the finding is about when the block writes
// it, else the resource block's header. Lines and columns count from 1; the
// end column is the one after the last character, as in SARIF and HCL.
type SourceLocation struct {
	// File is the path as it should be shown, relative to the working
	// directory unless the user gave an absolute --source-dir; always with
	// forward slashes.
	File               string
	Line, Column       int
	EndLine, EndColumn int
}

// String reads "modules/db/main.tf:12".
func (l SourceLocation) String() string { return fmt.Sprintf("%s:%d", l.File, l.Line) }

// Locator finds where a resource (and one of its attributes) is written.
// Instances of count and for_each resolve to their one block; resources in
// remote modules, and plan-wide findings (empty address), have no location.
type Locator interface {
	Locate(address, attribute string) (SourceLocation, bool)
}

// Renderer writes one Report to the writer it was made with.
type Renderer interface {
	Render(r *evaluator.Report) error
}

// New returns the renderer for format, writing to w. An unknown format is an
// error naming the valid ones, never a fallback.
func New(format Format, w io.Writer, opts Options) (Renderer, error) {
	if w == nil {
		return nil, fmt.Errorf("new %s renderer: nil writer", format)
	}
	switch format {
	case FormatText:
		return &textRenderer{w: w, opts: opts}, nil
	case FormatAtlantis:
		return &atlantisRenderer{w: w, opts: opts}, nil
	case FormatMarkdown:
		return &markdownRenderer{w: w, opts: opts}, nil
	case FormatJSON:
		return &jsonRenderer{w: w, opts: opts}, nil
	case FormatSARIF:
		return &sarifRenderer{w: w, opts: opts}, nil
	case FormatJUnit:
		return &junitRenderer{w: w, opts: opts}, nil
	case FormatHTML:
		return &htmlRenderer{w: w, opts: opts}, nil
	}
	return nil, fmt.Errorf("unknown report format %q (want one of %s)", format, FormatNames())
}

// errNilReport is returned by every renderer given a nil report.
var errNilReport = fmt.Errorf("render report: nil report")

// Sorted returns findings ordered most severe first (see
// evaluator.CompareFindings), for reading only. Reports from the evaluator are
// already in that order, which is checked in one pass, and then findings
// itself is returned; otherwise a sorted copy, so the input is never changed.
func Sorted(findings []evaluator.Finding) []evaluator.Finding {
	if slices.IsSortedFunc(findings, evaluator.CompareFindings) {
		return findings
	}
	out := slices.Clone(findings)
	slices.SortStableFunc(out, evaluator.CompareFindings)
	return out
}

// tally counts what the renderers list. It is taken from the findings
// themselves (plus the passes the evaluator was asked not to keep) so that
// every summary line agrees with the lines above it.
type tally struct {
	total, passed, failed, warned, unknown, waived int
	// blocking findings fail the gate; advisory ones are every other finding
	// that is neither a pass nor waived (conftest's "warnings").
	blocking, advisory int
	// blockingBySeverity counts blocking findings per severity.
	blockingBySeverity map[evaluator.Severity]int
}

func tallyOf(r *evaluator.Report) tally {
	t := tally{total: len(r.Findings) + r.OmittedPasses, passed: r.OmittedPasses, blockingBySeverity: map[evaluator.Severity]int{}}
	for _, f := range r.Findings {
		switch f.Status {
		case evaluator.StatusPass:
			t.passed++
		case evaluator.StatusFail:
			t.failed++
		case evaluator.StatusWarn:
			t.warned++
		case evaluator.StatusUnknown:
			t.unknown++
		case evaluator.StatusWaived:
			t.waived++
		}
		switch {
		case f.Blocking:
			t.blocking++
			t.blockingBySeverity[f.Severity]++
		case advisory(f):
			t.advisory++
		}
	}
	return t
}

// advisory reports whether a finding is reported without blocking: a
// warning, or an unknown (or failure) the policy does not block on.
func advisory(f evaluator.Finding) bool {
	return !f.Blocking && f.Status != evaluator.StatusPass && f.Status != evaluator.StatusWaived
}

// severityBreakdown reads "2 critical, 1 high" for blocking findings.
func (t tally) severityBreakdown() string {
	var parts []string
	for s := evaluator.SeverityCritical; s >= evaluator.SeverityInfo; s-- {
		if n := t.blockingBySeverity[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return strings.Join(parts, ", ")
}

// passed reports whether the verdict is exactly "passed"; anything else,
// including an empty or unfamiliar verdict, is shown as failed.
func passed(r *evaluator.Report) bool { return r.Verdict == evaluator.VerdictPassed }

// verdictPhrase is the gate's answer in a few words: "passed", "passed with
// 3 advisory findings", "failed".
func verdictPhrase(r *evaluator.Report, t tally) string {
	switch {
	case !passed(r):
		return "failed"
	case t.advisory > 0:
		return "passed with " + plural(t.advisory, "advisory finding")
	}
	return "passed"
}

// standardPhrase names the standard: the name as written when it says
// "standard" itself ("ACME production-ready standard v1"), otherwise with the
// word added ("Acme production standard"); "the standard" when unnamed.
func standardPhrase(name string) string {
	name = oneLine(name)
	switch {
	case name == "":
		return "the standard"
	case slices.Contains(strings.Fields(strings.ToLower(name)), "standard"):
		return name
	}
	return name + " standard"
}

// plural returns "1 finding" or "3 findings".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Summary is one line saying what the gate decided and why, e.g.
// "prodgate: 3 blocking findings (2 critical, 1 high) against Acme production standard (scope production)"
// or "prodgate: gate passed with 3 advisory findings against Acme production standard (scope production): 40 checks".
func Summary(r *evaluator.Report) string {
	if r == nil {
		return "prodgate: gate failed: no report"
	}
	t := tallyOf(r)
	scope := ""
	if s := oneLine(r.Scope); s != "" {
		scope = " (scope " + s
		if r.Enforcement == evaluator.ScopeAdvisory {
			scope += ", advisory"
		}
		scope += ")"
	}
	var b strings.Builder
	b.WriteString("prodgate: ")
	switch {
	case !passed(r) && t.blocking > 0:
		fmt.Fprintf(&b, "%s (%s) against %s%s", plural(t.blocking, "blocking finding"), t.severityBreakdown(), standardPhrase(r.Standard), scope)
		if t.advisory > 0 {
			fmt.Fprintf(&b, "; %s", plural(t.advisory, "advisory finding"))
		}
	case !passed(r):
		fmt.Fprintf(&b, "gate failed against %s%s", standardPhrase(r.Standard), scope)
		if len(r.Reasons) > 0 {
			b.WriteString(": " + oneLine(r.Reasons[0]))
		}
	default:
		fmt.Fprintf(&b, "gate %s against %s%s: %s", verdictPhrase(r, t), standardPhrase(r.Standard), scope, plural(t.total, "check"))
		if t.waived > 0 {
			fmt.Fprintf(&b, ", %d waived", t.waived)
		}
	}
	if r.Plan.Errored {
		b.WriteString("; the plan errored")
	} else if r.Plan.Incomplete {
		b.WriteString("; the plan is incomplete")
	}
	return b.String()
}

// statusLabel is the upper-case word for a finding: FAIL, UNKNOWN (a
// blocking unknown), WARN (everything advisory, unknowns included), WAIVED,
// PASS.
func statusLabel(f evaluator.Finding) string {
	switch {
	case f.Status == "":
		return "UNKNOWN-STATUS"
	case advisory(f) && knownStatus(f.Status):
		return "WARN"
	}
	return strings.ToUpper(oneLine(string(f.Status)))
}

// findingMessage is the finding's message, or its title when it has none,
// with "unknown: " in front of an advisory unknown (it is listed as a
// warning, and must still say why).
func findingMessage(f evaluator.Finding) string {
	msg := oneLine(f.Message)
	if msg == "" {
		msg = oneLine(f.Title)
	}
	if f.Status == evaluator.StatusUnknown && !f.Blocking {
		msg = "unknown: " + msg
	}
	return msg
}

// addressOf names what a finding is about; plan-wide findings have no address.
func addressOf(f evaluator.Finding) string {
	if f.Address == "" {
		return "(plan)"
	}
	return oneLine(f.Address)
}

// locate is where the finding's resource is written, when a Locator knows.
func locate(opts Options, f evaluator.Finding) (SourceLocation, bool) {
	if opts.Locator == nil || f.Address == "" {
		return SourceLocation{}, false
	}
	return opts.Locator.Locate(f.Address, f.Attribute)
}

// placeOf is " (main.tf:12)" for a finding whose source is known, else "".
func placeOf(opts Options, f evaluator.Finding) string {
	if l, ok := locate(opts, f); ok {
		return " (" + oneLine(l.String()) + ")"
	}
	return ""
}

// waiverPhrase reads "team-data, until 2026-12-31" from a waiver.
func waiverPhrase(w *evaluator.Waiver) string {
	if w == nil {
		return ""
	}
	var parts []string
	if o := oneLine(w.Owner); o != "" {
		parts = append(parts, o)
	}
	if e := oneLine(w.Expires); e != "" {
		parts = append(parts, "until "+e)
	}
	return strings.Join(parts, ", ")
}

// planPhrase reads "10 changes: 3 to create, 4 to update, 1 to delete, 2 to
// replace; 5 unchanged; Terraform 1.9.5". No-ops (and reads) are not changes.
func planPhrase(p evaluator.PlanFacts) string {
	var b strings.Builder
	changes := p.Creates + p.Updates + p.Deletes + p.Replaces + p.Forgets
	if changes == 0 {
		b.WriteString("no changes")
	} else {
		b.WriteString(plural(changes, "change"))
	}
	var parts []string
	for _, c := range []struct {
		n    int
		verb string
	}{{p.Creates, "create"}, {p.Updates, "update"}, {p.Deletes, "delete"}, {p.Replaces, "replace"}, {p.Forgets, "forget"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", c.n, c.verb))
		}
	}
	if len(parts) > 0 {
		b.WriteString(": " + strings.Join(parts, ", "))
	}
	if unchanged := p.ResourceChanges - changes; unchanged > 0 {
		fmt.Fprintf(&b, "; %d unchanged", unchanged)
	}
	if p.DeferredChanges > 0 {
		fmt.Fprintf(&b, "; %d deferred", p.DeferredChanges)
	}
	if v := oneLine(p.TerraformVersion); v != "" {
		b.WriteString("; Terraform " + v)
	}
	return b.String()
}

// oneLine makes s safe to print on one line: runs of whitespace (newlines
// included) become one space, and control characters and bidi overrides,
// which could move a terminal's cursor, recolour it or reorder text, are
// shown escaped (\x1b, \u202e).
func oneLine(s string) string {
	if cleanLine(s) {
		return s // nearly every message: nothing to fold or escape
	}
	var b strings.Builder
	pendingSpace := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			pendingSpace = b.Len() > 0
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		switch {
		case r < 0x100 && unicode.IsControl(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		case unicode.IsControl(r) || isBidiControl(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanLine reports whether s is printable ASCII with single inner spaces.
func cleanLine(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
			continue
		}
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// truncate shortens s to at most max bytes at a rune boundary, ending with
// "…" when it had to cut.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ellipsis = "…"
	cut := max - len(ellipsis)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if max < len(ellipsis) {
		return s[:cut]
	}
	return s[:cut] + ellipsis
}
