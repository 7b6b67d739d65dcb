package config

import "time"

// CurrentVersion is the policy file format this build writes and reads.
const CurrentVersion = 1

// Default values used where the policy file is silent. They make the built-in
// standard strict: relaxing it must be a decision written in the file.
const (
	DefaultStandard      = "prodgate built-in production-ready standard"
	DefaultFailOn        = "low"
	DefaultUnknown       = "fail"
	DefaultMaxWaiverDays = 90
	DefaultScopeName     = "default"
)

// Policy is a parsed prodgate.yaml. Fields hold what the file says; the
// evaluator resolves defaults and checks rule ids, params and CEL.
type Policy struct {
	// File is the path the policy was read from ("(built-in)" for the default).
	File     string
	Version  int
	Standard string
	// FailOn is the severity floor for blocking: findings of blocking rules
	// below it are reported as warnings (critical|high|medium|low; default
	// low, so every blocking rule blocks). It never makes an advisory rule
	// block, and a rule whose enforce the policy writes ignores it.
	FailOn string
	// Unknown says how values known only after apply are treated by default: fail|warn|pass.
	Unknown       string
	MaxWaiverDays int
	Rules         map[string]RuleSettings
	Scopes        []Scope
	Waivers       []Waiver
	CustomRules   []CustomRule
	// Lines maps top-level keys to the line they are on.
	Lines map[string]int
}

// RuleSettings adjusts one rule, at the top level or inside a scope.
type RuleSettings struct {
	Enabled  *bool  // nil: unchanged
	Severity string // "": unchanged
	// Enforce is blocking or advisory ("": the rule's default or the
	// enclosing level's setting).
	Enforce string
	Unknown string // "": unchanged
	Params  map[string]Param
	Line    int
	Lines   map[string]int
}

// Param is one parameter value as written, with its position.
type Param struct {
	// Value is int64, bool, string or []string as written in YAML.
	Value any
	Line  int
}

// Match selects runs by glob (`*` matches any run of characters, `?` one).
// Every field that is set must match; an empty Match matches every run.
type Match struct {
	Workspace    string
	Organization string
	Project      string
	Directory    string
	Line         int
}

// Scope is one entry of the ordered scope list; the first that matches a run applies.
type Scope struct {
	Name        string
	Match       Match
	Environment string
	// Enforce is mandatory (findings fail the gate) or advisory (they are reported only).
	Enforce string
	FailOn  string
	Unknown string
	Rules   map[string]RuleSettings
	Line    int
	Lines   map[string]int
}

// Waiver is a written, owned and expiring exception for one rule on matching resources.
type Waiver struct {
	ID      string
	Rule    string
	Address string // glob over resource addresses; "" or "*" for every resource
	// Scope names a scope the waiver is limited to; Match limits it by run instead.
	Scope   string
	Match   *Match
	Reason  string
	Owner   string
	Expires time.Time // the last day the waiver applies (UTC date)
	// Created, when given, is when the waiver was granted; max_waiver_days is
	// measured from it, otherwise from the evaluation date.
	Created time.Time
	Line    int
	Lines   map[string]int
}

// CustomRule is a team-written rule whose condition is a CEL expression that
// must be true for a compliant resource.
type CustomRule struct {
	ID       string
	Title    string
	Severity string
	// Enforce is blocking (the default: a team's own rule is its standard)
	// or advisory.
	Enforce       string
	ResourceTypes []string // globs, e.g. aws_db_*
	// Actions limits the rule to changes with one of these actions (create,
	// update, delete, replace, no-op, forget); empty means resources that will exist.
	Actions     []string
	Condition   string
	Message     string
	Remediation string
	Line        int
	// ConditionLine is the line where the condition's text starts.
	ConditionLine int
	Lines         map[string]int
}

// Default is the policy used when there is no policy file: the built-in
// standard, every rule on, one mandatory scope for every workspace.
func Default() *Policy {
	return &Policy{
		File:          "(built-in default policy)",
		Version:       CurrentVersion,
		Standard:      DefaultStandard,
		FailOn:        DefaultFailOn,
		Unknown:       DefaultUnknown,
		MaxWaiverDays: DefaultMaxWaiverDays,
	}
}
