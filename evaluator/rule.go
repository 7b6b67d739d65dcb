package evaluator

import (
	"fmt"
	"strings"

	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// Severity says how bad a finding is. It orders findings and, through the
// policy's fail_on, can keep low-severity findings of blocking rules from
// blocking; it never makes a finding block (that is Enforcement).
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

// Enforcement is what a rule's findings do to the gate. Every rule declares a
// default; the policy overrides it per rule and per scope
// (`rules: <id>: {enforce: blocking|advisory}`).
type Enforcement string

const (
	// EnforceBlocking: a failure fails the gate, and so does a value known
	// only after apply when the policy's unknown setting is fail.
	EnforceBlocking Enforcement = "blocking"
	// EnforceAdvisory: findings are reported as warnings, counted, and never
	// fail the gate.
	EnforceAdvisory Enforcement = "advisory"
)

// Enforcements lists the enforcement names in the order help texts show them.
func Enforcements() []Enforcement { return []Enforcement{EnforceBlocking, EnforceAdvisory} }

// ParseEnforcement reads an enforcement name.
func ParseEnforcement(name string) (Enforcement, error) {
	for _, e := range Enforcements() {
		if strings.EqualFold(string(e), name) {
			return e, nil
		}
	}
	return "", fmt.Errorf("unknown enforcement %q (want blocking or advisory)", name)
}

// Status is the result of one check on one resource.
type Status string

const (
	StatusPass Status = "pass"
	StatusFail Status = "fail"
	// StatusWarn: reported, never blocks: a failure of an advisory rule, or of
	// any rule in an advisory scope or below fail_on, and a rule's own
	// observations (a protection lowered that still meets the standard).
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
	// Blocking is true when this finding alone makes the gate fail. A
	// finding with status fail always blocks: every failure the policy keeps
	// from blocking is turned into a warning.
	Blocking    bool   `json:"blocking"`
	Message     string `json:"message"`
	Expected    string `json:"expected,omitempty"`
	Actual      string `json:"actual,omitempty"`
	Remediation string `json:"remediation,omitempty"`
	// Note explains a status the engine changed: waiver, advisory scope,
	// below fail_on, or how unknown values are treated.
	Note   string  `json:"note,omitempty"`
	Waiver *Waiver `json:"waiver,omitempty"`
	// Internal is set on the finding of a rule that crashed: it blocks
	// whatever the policy says (the gate fails closed).
	Internal bool `json:"internal,omitempty"`
	// Related holds findings of other rules that have the same cause as this
	// one and were folded into it, so that one cause gives one blocking
	// finding (a plan switching deletion_protection off is one finding, not
	// that and "deletion_protection is false"). They are not counted on
	// their own.
	Related []Finding `json:"related,omitempty"`
	// Folds names the findings this one stands for when they come up in the
	// same run; the engine moves them into Related. Rules set it; it is not
	// part of a stored report.
	Folds []FindingRef `json:"-"`
}

// FindingRef names a finding by rule, address and attribute; an empty
// RuleID matches any rule.
type FindingRef struct {
	RuleID, Address, Attribute string
}

func (ref FindingRef) matches(f *Finding) bool {
	return (ref.RuleID == "" || ref.RuleID == f.RuleID) && ref.Address == f.Address && ref.Attribute == f.Attribute
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
	// Enforcement is the rule's default: blocking for the readiness core
	// (deletion protection, backups, encryption at rest, …), advisory for
	// the rest. Every rule is on; the policy can switch one off, and that
	// shows in every result.
	Enforcement Enforcement
	// FormerIDs are ids the rule had before a rename; a policy naming one
	// is told the new id.
	FormerIDs  []string
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
	Check(c *Context, r *tfplan.Resource) []Finding
}

// Context is what a rule's Check sees besides the resource: the whole plan (for
// cross-resource questions) and the effective parameters for this run's scope.
type Context struct {
	Plan     *tfplan.Plan
	meta     *RuleMeta
	severity Severity
	params   map[string]any
	// others answers OtherRule; nil outside an Engine (RunRule).
	others func(id string) (RuleSetting, bool)
}

// RuleSetting is how a rule is set in the scope of one run.
type RuleSetting struct {
	Enabled     bool
	Enforcement Enforcement
	params      map[string]any
}

// Int returns an int parameter's effective value.
func (s RuleSetting) Int(name string) int64 { v, _ := s.params[name].(int64); return v }

// DefaultSetting is a rule's setting with no policy: on, its default
// enforcement and parameters.
func DefaultSetting(r Rule) RuleSetting {
	m := r.Meta()
	return RuleSetting{Enabled: true, Enforcement: m.Enforcement, params: defaultParams(&m)}
}

// OtherRule says how another rule is set in this run's scope, for rules that
// judge a change against another rule's standard (lifecycle-protection-lowered
// asks whether a lowered backup retention still meets
// aws-rds-backup-retention's min_days). ok is false when the rule is not
// known here, as when a rule runs alone through RunRule.
func (c *Context) OtherRule(id string) (RuleSetting, bool) {
	if c.others == nil {
		return RuleSetting{}, false
	}
	return c.others(id)
}

// RuleID is the id of the rule this context runs.
func (c *Context) RuleID() string { return c.meta.ID }

// Int returns an int parameter's effective value.
func (c *Context) Int(name string) int64 { v, _ := c.params[name].(int64); return v }

// Bool returns a bool parameter's effective value.
func (c *Context) Bool(name string) bool { v, _ := c.params[name].(bool); return v }

// String returns a string parameter's effective value.
func (c *Context) String(name string) string { v, _ := c.params[name].(string); return v }

// Strings returns a list parameter's effective value.
func (c *Context) Strings(name string) []string { v, _ := c.params[name].([]string); return v }

// Finding starts a finding for r with the rule's identity and effective severity.
func (c *Context) Finding(r *tfplan.Resource, status Status, attribute, message string) Finding {
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
func (c *Context) Pass(r *tfplan.Resource, attribute, message string) Finding {
	return c.Finding(r, StatusPass, attribute, message)
}

// Fail records that r breaks the rule, with what was wanted and found.
func (c *Context) Fail(r *tfplan.Resource, attribute, message, expected, actual string) Finding {
	f := c.Finding(r, StatusFail, attribute, message)
	f.Expected, f.Actual = expected, actual
	return f
}

// Unknown records that the attribute's value is known only after apply.
func (c *Context) Unknown(r *tfplan.Resource, attribute, expected string) Finding {
	return c.UnknownBecause(r, attribute, attribute+" is known only after apply, so the plan cannot show it meets the standard", expected)
}

// UnknownBecause records an unknown result whose cause message says which
// value (possibly on another resource) is known only after apply.
func (c *Context) UnknownBecause(r *tfplan.Resource, attribute, message, expected string) Finding {
	f := c.Finding(r, StatusUnknown, attribute, message)
	f.Expected, f.Actual = expected, "(known after apply)"
	return f
}

// Warn records an advisory observation.
func (c *Context) Warn(r *tfplan.Resource, attribute, message string) Finding {
	return c.Finding(r, StatusWarn, attribute, message)
}
