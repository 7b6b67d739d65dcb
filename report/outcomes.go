package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
)

// Limits HCP Terraform sets on run-task results. Lengths are checked in
// bytes, which is never less than characters.
const (
	MaxMessageLen     = 1000
	MaxOutcomeIDLen   = 64
	MaxDescriptionLen = 1000
	MaxBodyLen        = 10000
	MaxTagLabelLen    = 32
)

// Outcome is one detailed result of a run task, as HCP Terraform shows it
// under the task's summary. The JSON names are the API's.
type Outcome struct {
	// OutcomeID is unique within one result and stable across runs for the
	// same rule, resource and attribute: "<rule-id>:<8 hex digits>".
	OutcomeID string `json:"outcome-id"`
	// Description is one line: the resource address and the message.
	Description string `json:"description"`
	// Body is Markdown: expected vs actual, the fix, any waiver.
	Body string `json:"body,omitempty"`
	// URL is left empty by Outcomes; the caller may link a results page.
	URL  string           `json:"url,omitempty"`
	Tags map[string][]Tag `json:"tags,omitempty"`
}

// Tag is one labelled, coloured value of an outcome tag. Level is one of
// "none", "info", "warning", "error".
type Tag struct {
	Label string `json:"label"`
	Level string `json:"level,omitempty"`
}

// Outcomes turns every finding that is not a pass into an outcome, blocking
// first, most severe first, and returns at most max of them (none when max
// is 0 or less). Everything in them comes from the report and fits the
// limits above.
func Outcomes(r *evaluator.Report, max int) []Outcome {
	if r == nil || max <= 0 {
		return nil
	}
	var out []Outcome
	seen := map[string]bool{}
	for _, f := range Sorted(r.Findings) {
		if len(out) == max {
			break
		}
		if f.Status == evaluator.StatusPass {
			continue
		}
		id := outcomeID(f, seen)
		seen[id] = true
		out = append(out, Outcome{
			OutcomeID:   id,
			Description: truncate(outcomeDescription(f), MaxDescriptionLen),
			Body:        outcomeBody(f),
			Tags: map[string][]Tag{
				"Status":   {statusTag(f)},
				"Severity": {severityTag(f.Severity)},
			},
		})
	}
	return out
}

// OutcomeIDs returns the outcome id of every finding of Sorted(r.Findings)
// that is not a pass, in that order: the ids Outcomes gives, without its
// limit, so a results page can carry the anchors outcome links point at.
func OutcomeIDs(r *evaluator.Report) []string {
	var ids []string
	seen := map[string]bool{}
	for _, f := range Sorted(r.Findings) {
		if f.Status == evaluator.StatusPass {
			continue
		}
		id := outcomeID(f, seen)
		seen[id] = true
		ids = append(ids, id)
	}
	return ids
}

// Message is the run task's one-line summary, e.g. "prodgate: 3 blocking
// findings (2 critical, 1 high) against Acme production standard (scope
// production)". It fits MaxMessageLen.
func Message(r *evaluator.Report) string {
	return truncate(Summary(r), MaxMessageLen)
}

// outcomeID is "<rule-id>:<hash>", where the hash covers rule, address and
// attribute so the id survives reruns; collisions within one result get
// "-2", "-3", …. The rule id is shortened to keep the whole within
// MaxOutcomeIDLen.
func outcomeID(f evaluator.Finding, seen map[string]bool) string {
	sum := sha256.Sum256([]byte(f.RuleID + "\x00" + f.Address + "\x00" + f.Attribute))
	hash := hex.EncodeToString(sum[:4])
	rule := oneLine(f.RuleID)
	if rule == "" {
		rule = "finding"
	}
	for n := 1; ; n++ {
		suffix := ":" + hash
		if n > 1 {
			suffix += fmt.Sprintf("-%d", n)
		}
		id := cutBytes(rule, MaxOutcomeIDLen-len(suffix)) + suffix
		if !seen[id] {
			return id
		}
	}
}

// cutBytes shortens s to at most n bytes at a rune boundary, with no marker.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func outcomeDescription(f evaluator.Finding) string {
	msg := findingMessage(f)
	if f.Address == "" {
		return msg
	}
	return oneLine(f.Address) + ": " + msg
}

// outcomeBody is the Markdown detail of one finding, cut to MaxBodyLen.
func outcomeBody(f evaluator.Finding) string {
	var b strings.Builder
	state := statusTag(f).Label
	if f.Blocking {
		state += ", blocking"
	}
	fmt.Fprintf(&b, "**%s** (%s, %s)", mdText(orNone(f.Title), false), f.Severity, state)
	fmt.Fprintf(&b, "\n\n- **Rule:** %s", mdCode(orNone(f.RuleID), false))
	fmt.Fprintf(&b, "\n- **Resource:** %s", mdCode(addressOf(f), false))
	if a := oneLine(f.Attribute); a != "" {
		fmt.Fprintf(&b, "\n- **Attribute:** %s", mdCode(a, false))
	}
	if m := findingMessage(f); m != "" && f.Message != "" {
		fmt.Fprintf(&b, "\n\n%s", mdText(m, false))
	}
	for _, rel := range f.Related {
		fmt.Fprintf(&b, "\n\nSame cause: %s %s", mdCode(rel.RuleID, false), mdText(rel.Message, false))
	}
	if f.Expected != "" || f.Actual != "" {
		b.WriteString("\n\n| Expected | Actual |\n|---|---|\n")
		fmt.Fprintf(&b, "| %s | %s |", mdCode(f.Expected, true), mdCode(f.Actual, true))
	}
	if n := oneLine(f.Note); n != "" {
		fmt.Fprintf(&b, "\n\n**Note:** %s", mdText(n, false))
	}
	if w := f.Waiver; w != nil {
		fmt.Fprintf(&b, "\n\n**Waiver:** %s", mdCode(orNone(w.ID), false))
		if ph := waiverPhrase(w); ph != "" {
			fmt.Fprintf(&b, " (%s)", mdText(ph, false))
		}
		if reason := oneLine(w.Reason); reason != "" {
			fmt.Fprintf(&b, ": %s", mdText(reason, false))
		}
	}
	if needsFix(f) {
		if fix := oneLine(f.Remediation); fix != "" {
			fmt.Fprintf(&b, "\n\n**How to fix:** %s", mdText(fix, false))
		}
	}
	s := b.String()
	if len(s) > MaxBodyLen {
		const cut = "\n\n(truncated)"
		s = cutBytes(s, MaxBodyLen-len(cut)) + cut
	}
	return s
}

// statusTag labels a finding's status; blocking findings are errors, and
// every advisory finding (unknowns the policy does not block on included) is
// a "Warning", as HCP Terraform shows a passed task's remarks.
func statusTag(f evaluator.Finding) Tag {
	var label string
	switch {
	case advisory(f) && knownStatus(f.Status):
		label = "Warning"
	case f.Status == evaluator.StatusFail:
		label = "Failed"
	case f.Status == evaluator.StatusUnknown:
		label = "Unknown"
	case f.Status == evaluator.StatusWaived:
		label = "Waived"
	case f.Status == evaluator.StatusPass:
		label = "Passed"
	default:
		label = truncate(orNone(string(f.Status)), MaxTagLabelLen)
	}
	level := "warning"
	switch {
	case f.Blocking:
		level = "error"
	case f.Status == evaluator.StatusWaived:
		level = "none"
	case f.Status == evaluator.StatusPass:
		level = "info"
	}
	return Tag{Label: label, Level: level}
}

// severityTag: critical and high are errors, medium a warning, the rest info.
func severityTag(s evaluator.Severity) Tag {
	level := "info"
	switch {
	case s >= evaluator.SeverityHigh:
		level = "error"
	case s == evaluator.SeverityMedium:
		level = "warning"
	}
	name := s.String()
	return Tag{Label: truncate(strings.ToUpper(name[:1])+name[1:], MaxTagLabelLen), Level: level}
}
