package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/prodgate/prodgate/evaluator"
)

// MaxSARIFResults is the most results one SARIF run may hold: GitHub code
// scanning rejects a whole file with more (and shows only the first 5,000,
// most severe first). Findings past it are left out, most severe kept, and
// a tool notification says how many.
const MaxSARIFResults = 25000

// toolURI is prodgate's home, SARIF's tool.driver.informationUri.
const toolURI = "https://github.com/prodgate/prodgate"

// sarifRenderer writes SARIF 2.1.0 with the properties GitHub code scanning
// requires and uses (docs.github.com, "SARIF support for code scanning"):
// the rules that ran with descriptions, help and security-severity, one
// result per finding that is not a pass, a logical location (the resource
// address) and, where known, a physical one, and a stable
// partialFingerprints.primaryLocationLineHash per finding.
type sarifRenderer struct {
	w    io.Writer
	opts Options
}

func (s *sarifRenderer) Render(r *evaluator.Report) error {
	if r == nil {
		return errNilReport
	}
	findings := Sorted(r.Findings)
	run := sarif.NewRunWithInformationURI("prodgate", toolURI)
	driver := run.Tool.Driver.WithFullName("prodgate production-readiness gate for Terraform plans")
	if v := oneLine(s.opts.ToolVersion); v != "" {
		driver.WithVersion(v)
	}

	rules := sarifRules(s.opts.Rules, r.RulesRun, findings)
	index := make(map[string]int, len(rules))
	for i, rd := range rules {
		index[rd.id] = i
		driver.AddRule(s.descriptor(rd))
	}

	inv := sarif.NewInvocation().WithExecutionSuccessful(true)
	if s.opts.WorkingDir != "" {
		inv.WithWorkingDirectory(sarif.NewArtifactLocation().WithURI(fileURI(s.opts.WorkingDir, true)))
	}
	for _, reason := range r.Reasons {
		inv.AddToolExecutionNotification(notification(sarif.LevelError, reason))
	}
	for _, note := range r.Notes {
		inv.AddToolExecutionNotification(notification(sarif.LevelWarning, note))
	}

	seen := map[string]int{}
	listed, left := 0, 0
	for _, f := range findings {
		if f.Status == evaluator.StatusPass {
			continue
		}
		if listed == MaxSARIFResults {
			left++
			continue
		}
		listed++
		run.AddResult(s.result(f, index[f.RuleID], seen))
	}
	if left > 0 {
		inv.AddToolExecutionNotification(notification(sarif.LevelWarning, fmt.Sprintf(
			"%d more findings are left out: GitHub code scanning accepts at most %d results per run; the JSON report lists every finding", left, MaxSARIFResults)))
	}
	run.AddInvocation(inv)

	t := tallyOf(r)
	run.WithProperties(sarif.NewPropertyBag().
		Add("verdict", string(r.Verdict)).
		Add("standard", oneLine(r.Standard)).
		Add("scope", oneLine(r.Scope)).
		Add("summary", Summary(r)).
		Add("counts", map[string]int{
			"total": t.total, "passed": t.passed, "failed": t.failed, "warned": t.warned,
			"unknown": t.unknown, "waived": t.waived, "blocking": t.blocking,
		}))

	log := sarif.NewReport()
	log.AddRun(run)
	// Compact: indenting took about 40% of the time on a 20,000-resource
	// plan (bench BenchmarkRender/format=sarif) and nobody reads it raw.
	if err := log.Write(s.w); err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	if _, err := io.WriteString(s.w, "\n"); err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	return nil
}

// sarifRule is one rule as SARIF describes it: its metadata, and the
// severity its findings carry in this run (a policy may raise or lower it).
type sarifRule struct {
	id       string
	meta     evaluator.RuleMeta
	known    bool // meta came from Options.Rules
	severity evaluator.Severity
}

// sarifRules lists the rules that ran: every rule in metas that the scope had
// on (rulesRun; a report without that list counts every rule in metas), every
// rule with a finding, and, described from their findings, rules metas does
// not know. Known rules keep the registry's order; the others follow, by id.
func sarifRules(metas []evaluator.RuleMeta, rulesRun []string, findings []evaluator.Finding) []sarifRule {
	found := map[string]*evaluator.Finding{}
	for i := range findings {
		if _, ok := found[findings[i].RuleID]; !ok {
			found[findings[i].RuleID] = &findings[i]
		}
	}
	var out []sarifRule
	known := map[string]bool{}
	for _, m := range metas {
		f, ran := found[m.ID]
		if known[m.ID] || (rulesRun != nil && !ran && !slices.Contains(rulesRun, m.ID)) {
			continue
		}
		known[m.ID] = true
		rd := sarifRule{id: m.ID, meta: m, known: true, severity: m.Severity}
		if ran {
			rd.severity = f.Severity
		}
		out = append(out, rd)
	}
	var unknown []sarifRule
	for id, f := range found {
		if known[id] {
			continue
		}
		unknown = append(unknown, sarifRule{id: id, severity: f.Severity, meta: evaluator.RuleMeta{
			ID: id, Title: f.Title, Severity: f.Severity, Doc: evaluator.RuleDoc{Remediation: f.Remediation},
		}})
	}
	slices.SortFunc(unknown, func(a, b sarifRule) int { return strings.Compare(a.id, b.id) })
	return append(out, unknown...)
}

func (s *sarifRenderer) descriptor(rd sarifRule) *sarif.ReportingDescriptor {
	m := rd.meta
	title := firstNonBlank(oneLine(m.Title), oneLine(rd.id), "prodgate rule")
	full := firstNonBlank(oneLine(m.Doc.Summary), title)
	text, markdown := ruleHelp(m, title)
	desc := sarif.NewRule(rd.id).
		WithName(truncate(title, 255)).
		WithShortDescription(sarif.NewMultiformatMessageString().WithText(truncate(title, 1024))).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(full)).
		WithHelp(sarif.NewMultiformatMessageString().WithText(text).WithMarkdown(markdown))
	if rd.known && m.Category != "custom" {
		docs := s.opts.RuleDocsURL
		if docs == "" {
			docs = DefaultRuleDocsURL
		}
		desc.WithHelpURI(docs + "#" + url.PathEscape(rd.id))
	}
	level := sarif.LevelError
	if m.Enforcement == evaluator.EnforceAdvisory {
		level = sarif.LevelWarning
	}
	desc.WithDefaultConfiguration(sarif.NewReportingConfiguration().WithEnabled(true).WithLevel(level))

	props := sarif.NewPropertyBag().
		Add("precision", "very-high").
		Add("problem.severity", level).
		Add("prodgate.severity", rd.severity.String())
	if ss := securitySeverity(rd.severity); ss != "" {
		props.Add("security-severity", ss)
	}
	if len(m.References) > 0 {
		props.Add("prodgate.references", m.References)
	}
	tags := []string{"prodgate", "terraform", "production-readiness"}
	for _, t := range []string{m.Category, m.Provider} {
		if t = oneLine(t); t != "" && t != "any" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if rd.severity >= evaluator.SeverityLow {
		// security-severity only counts for rules tagged security.
		tags = append(tags, "security")
	}
	props.WithTags(tags)
	return desc.WithProperties(props)
}

// ruleHelp is the rule's documentation as plain text and as Markdown.
func ruleHelp(m evaluator.RuleMeta, title string) (text, markdown string) {
	var t, md strings.Builder
	t.WriteString(title)
	md.WriteString("**" + mdText(title, false) + "**")
	if s := oneLine(m.Doc.Summary); s != "" {
		t.WriteString("\n\n" + s)
		md.WriteString("\n\n" + mdText(s, false))
	}
	for _, part := range []struct{ label, text string }{
		{"Passes", m.Doc.Pass}, {"Fails", m.Doc.Fail}, {"Unknown", m.Doc.Unknown}, {"Fix", m.Doc.Remediation},
	} {
		if s := oneLine(part.text); s != "" {
			fmt.Fprintf(&t, "\n%s: %s", part.label, s)
			fmt.Fprintf(&md, "\n- **%s:** %s", part.label, mdText(s, false))
		}
	}
	if ex := strings.TrimSpace(m.Doc.Example); ex != "" && !strings.Contains(ex, "```") {
		fmt.Fprintf(&t, "\n\nCompliant example:\n%s", ex)
		fmt.Fprintf(&md, "\n\nCompliant example:\n\n```hcl\n%s\n```", ex)
	}
	return t.String(), md.String()
}

// securitySeverity is GitHub's 0–10 score for a severity: over 9.0 reads as
// critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. Info has none.
func securitySeverity(s evaluator.Severity) string {
	switch {
	case s >= evaluator.SeverityCritical:
		return "9.5"
	case s == evaluator.SeverityHigh:
		return "8.0"
	case s == evaluator.SeverityMedium:
		return "5.5"
	case s == evaluator.SeverityLow:
		return "3.0"
	}
	return ""
}

func (s *sarifRenderer) result(f evaluator.Finding, ruleIndex int, seen map[string]int) *sarif.Result {
	res := sarif.NewRuleResult(f.RuleID).WithRuleIndex(ruleIndex)
	switch {
	case f.Blocking:
		res.WithLevel(sarif.LevelError)
	case f.Status == evaluator.StatusWaived:
		res.WithLevel(sarif.LevelNote)
	default: // warn, and unknown or fail that the policy does not let block
		res.WithLevel(sarif.LevelWarning)
	}
	res.WithMessage(sarif.NewTextMessage(sarifMessage(f)))

	loc := sarif.NewLocation().WithID(0)
	if f.Address != "" {
		loc.AddLogicalLocation(sarif.NewLogicalLocation().WithFullyQualifiedName(oneLine(f.Address)).WithKind("resource"))
	}
	if pl := s.physical(f); pl != nil {
		loc.WithPhysicalLocation(pl)
	}
	res.AddLocation(loc)

	// GitHub matches alerts across runs by primaryLocationLineHash (and the
	// rule and file). It is made from what identifies the finding, not from
	// a line, so an alert stays one alert when the file around it moves.
	sum := sha256.Sum256([]byte(f.RuleID + "\x00" + f.Address + "\x00" + f.Attribute))
	hash := hex.EncodeToString(sum[:])
	seen[hash]++
	res.WithPartialFingerprints(map[string]string{
		"primaryLocationLineHash": fmt.Sprintf("%s:%d", hash[:16], seen[hash]),
		"prodgateFinding/v1":      hash,
	})

	props := sarif.NewPropertyBag().
		Add("severity", f.Severity.String()).
		Add("status", oneLine(string(f.Status))).
		Add("blocking", f.Blocking)
	for _, kv := range []struct{ key, value string }{
		{"address", f.Address}, {"resourceType", f.ResourceType}, {"attribute", f.Attribute},
		{"expected", f.Expected}, {"actual", f.Actual}, {"note", f.Note},
	} {
		if v := oneLine(kv.value); v != "" {
			props.Add(kv.key, v)
		}
	}
	if needsFix(f) {
		if fix := oneLine(f.Remediation); fix != "" {
			props.Add("remediation", fix)
		}
	}
	res.WithProperties(props)

	if w := f.Waiver; w != nil && f.Status == evaluator.StatusWaived {
		justification := firstNonBlank(oneLine(w.Reason), "waived")
		if ph := waiverPhrase(w); ph != "" {
			justification += " (" + ph + ")"
		}
		res.AddSuppression(sarif.NewSuppression().
			WithKind("external").
			WithStatus("accepted").
			WithJustification(justification).
			WithProperties(sarif.NewPropertyBag().
				Add("waiver", oneLine(w.ID)).
				Add("owner", oneLine(w.Owner)).
				Add("expires", oneLine(w.Expires))))
	}
	return res
}

// physical is the file the finding belongs to: its resource's block (or
// attribute) when the Locator knows it, else the plan file at line 1, else
// nothing (GitHub then shows no alert for the result).
func (s *sarifRenderer) physical(f evaluator.Finding) *sarif.PhysicalLocation {
	if l, ok := locate(s.opts, f); ok {
		region := sarif.NewRegion().WithStartLine(l.Line)
		if l.Column > 0 {
			region.WithStartColumn(l.Column)
		}
		if l.EndLine >= l.Line {
			region.WithEndLine(l.EndLine)
			if l.EndColumn > 0 {
				region.WithEndColumn(l.EndColumn)
			}
		}
		return sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewArtifactLocation().WithURI(s.uri(l.File))).
			WithRegion(region)
	}
	if p := s.opts.PlanFile; p != "" && p != "-" {
		return sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewArtifactLocation().WithURI(s.uri(filepath.ToSlash(p)))).
			WithRegion(sarif.NewRegion().WithStartLine(1))
	}
	return nil
}

// uri is a file's artifact URI: relative to the working directory as given,
// or absolute (file://) when Options.WorkingDir says where that is.
func (s *sarifRenderer) uri(file string) string {
	if path.IsAbs(file) || filepath.IsAbs(file) {
		return fileURI(file, false)
	}
	if s.opts.WorkingDir != "" {
		return fileURI(filepath.Join(s.opts.WorkingDir, filepath.FromSlash(file)), false)
	}
	return (&url.URL{Path: file}).String()
}

// fileURI makes an absolute path a file:// URI (a directory's ends with "/").
func fileURI(p string, dir bool) string {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: C:/x becomes /C:/x
	}
	if dir && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// sarifMessage is the alert's title: "aws_db_instance.main: deletion_protection
// is false (expected true, found false)".
func sarifMessage(f evaluator.Finding) string {
	msg := firstNonBlank(oneLine(f.Message), oneLine(f.Title), oneLine(f.RuleID))
	if f.Address != "" {
		msg = oneLine(f.Address) + ": " + msg
	}
	if e, a := oneLine(f.Expected), oneLine(f.Actual); e != "" || a != "" {
		msg += fmt.Sprintf(" (expected %s, found %s)", orNone(e), orNone(a))
	}
	return msg
}

func notification(level, text string) *sarif.Notification {
	n := sarif.NewNotification().WithMessage(sarif.NewTextMessage(oneLine(text)))
	n.Level = level
	return n
}

// firstNonBlank returns the first non-empty value.
func firstNonBlank(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
