package evaluator

import (
	"fmt"
	"strings"
)

// Severity orders findings; the policy's fail_on names the lowest that fails the gate.
type Severity int

const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = []string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(n, name) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", name, strings.Join(severityNames, ", "))
}

// MarshalText makes severities read as words in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity word, so stored reports round-trip.
func (s *Severity) UnmarshalText(text []byte) error {
	v, err := ParseSeverity(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Status is the result of one check on one resource.
type Status string

const (
	StatusPass Status = "pass"
	StatusFail Status = "fail"
	// StatusWarn: reported, never blocks (advisory rules, advisory scopes,
	// findings below fail_on).
	StatusWarn Status = "warn"
	// StatusUnknown: the value is known only after apply; the policy's
	// `unknown` setting decides whether it blocks.
	StatusUnknown Status = "unknown"
	// StatusWaived: a current waiver covers the finding.
	StatusWaived Status = "waived"
)

// Finding is one rule's verdict on one resource (or on the plan as a whole,
// where Address is empty). Expected and Actual never hold sensitive values.
type Finding struct {
	RuleID       string   `json:"rule_id"`
	Title        string   `json:"title"`
	Address      string   `json:"address,omitempty"`
	ResourceType string   `json:"resource_type,omitempty"`
	Attribute    string   `json:"attribute,omitempty"`
	Severity     Severity `json:"severity"`
	Status       Status   `json:"status"`
	// Blocking is true when this finding alone makes the gate fail.
	Blocking    bool   `json:"blocking"`
	Message     string `json:"message"`
	Expected    string `json:"expected,omitempty"`
	Actual      string `json:"actual,omitempty"`
	Remediation string `json:"remediation,omitempty"`
	// Note explains a status the engine changed: waiver, advisory scope,
	// below fail_on, or how unknown values are treated.
	Note   string  `json:"note,omitempty"`
	Waiver *Waiver `json:"waiver,omitempty"`
}

// Waiver is a policy's written, owned, expiring exception.
type Waiver struct {
	ID      string `json:"id"`
	Owner   string `json:"owner"`
	Reason  string `json:"reason"`
	Expires string `json:"expires"` // YYYY-MM-DD, last day it applies
}

// ParamKind is the type of a rule parameter.
type ParamKind string

const (
	ParamInt        ParamKind = "int"
	ParamBool       ParamKind = "bool"
	ParamString     ParamKind = "string"
	ParamStringList ParamKind = "list(string)"
)

// ParamSpec declares a rule parameter, its default and where the default comes from.
type ParamSpec struct {
	Name    string
	Kind    ParamKind
	Default any // int64, bool, string or []string, matching Kind
	// Source says why the default is what it is ("7 days: AWS FSBP RDS.11").
	Source string
	Doc    string
}

// RuleDoc is the rule's documentation. Verdicts on plans prodgate has never
// seen are derived from it, so Pass, Fail and Unknown must be exact.
type RuleDoc struct {
	Summary     string // why it matters for production
	Pass        string // exactly what passes
	Fail        string // exactly what fails
	Unknown     string // exactly when the result is unknown
	Remediation string // how to fix it
	Example     string // compliant Terraform
}

// RuleMeta is a rule's identity and documentation; it is code, not prose kept elsewhere.
type RuleMeta struct {
	ID       string
	Title    string
	Severity Severity
	Category string // deletion-protection, backup, resilience, lifecycle, encryption, exposure, logging, drift, tagging, custom
	Provider string // aws, google, azurerm, any
	// ResourceTypes are the types the engine calls Check for; "*" means all.
	ResourceTypes []string
	Params        []ParamSpec
	// Advisory rules report warnings and never fail the gate.
	Advisory bool
	// Optional rules are off unless the policy turns them on (for example
	// only in a production scope); the standard without a policy skips them.
	Optional   bool
	References []string // CKV_AWS_293, AVD-AWS-0177, AWS FSBP RDS.8, …
	Doc        RuleDoc
}

// Rule is a built-in or team-written check. Check is called once for every
// resource change whose type is in Meta().ResourceTypes and must be
// deterministic and safe to call from several goroutines at once (large
// plans are judged in parallel); it returns pass findings too, so reports can
// count tests.
type Rule interface {
	Meta() RuleMeta
	Check(c *Context, r *Resource) []Finding
}

// Context is what a rule's Check sees besides the resource: the whole plan (for
// cross-resource questions) and the effective parameters for this run's scope.
type Context struct {
	Plan     *Plan
	meta     *RuleMeta
	severity Severity
	params   map[string]any
}

// Int returns an int parameter's effective value.
func (c *Context) Int(name string) int64 { v, _ := c.params[name].(int64); return v }

// Bool returns a bool parameter's effective value.
func (c *Context) Bool(name string) bool { v, _ := c.params[name].(bool); return v }

// String returns a string parameter's effective value.
func (c *Context) String(name string) string { v, _ := c.params[name].(string); return v }

// Strings returns a list parameter's effective value.
func (c *Context) Strings(name string) []string { v, _ := c.params[name].([]string); return v }

// Finding starts a finding for r with the rule's identity and effective severity.
func (c *Context) Finding(r *Resource, status Status, attribute, message string) Finding {
	f := Finding{
		RuleID:      c.meta.ID,
		Title:       c.meta.Title,
		Attribute:   attribute,
		Severity:    c.severity,
		Status:      status,
		Message:     message,
		Remediation: c.meta.Doc.Remediation,
	}
	if r != nil {
		f.Address, f.ResourceType = r.Address, r.Type
	}
	return f
}

// Pass records that r meets the rule.
func (c *Context) Pass(r *Resource, attribute, message string) Finding {
	return c.Finding(r, StatusPass, attribute, message)
}

// Fail records that r breaks the rule, with what was wanted and found.
func (c *Context) Fail(r *Resource, attribute, message, expected, actual string) Finding {
	f := c.Finding(r, StatusFail, attribute, message)
	f.Expected, f.Actual = expected, actual
	return f
}

// Unknown records that the attribute's value is known only after apply.
func (c *Context) Unknown(r *Resource, attribute, expected string) Finding {
	return c.UnknownBecause(r, attribute, attribute+" is known only after apply, so the plan cannot show it meets the standard", expected)
}

// UnknownBecause records an unknown result whose cause message says which
// value (possibly on another resource) is known only after apply.
func (c *Context) UnknownBecause(r *Resource, attribute, message, expected string) Finding {
	f := c.Finding(r, StatusUnknown, attribute, message)
	f.Expected, f.Actual = expected, "(known after apply)"
	return f
}

// Warn records an advisory observation.
func (c *Context) Warn(r *Resource, attribute, message string) Finding {
	return c.Finding(r, StatusWarn, attribute, message)
}
