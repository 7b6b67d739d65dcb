package evaluator

import "time"

// Verdict is the gate's answer.
type Verdict string

const (
	VerdictPassed Verdict = "passed"
	VerdictFailed Verdict = "failed"
)

// ScopeEnforcement says whether a scope's findings can fail the gate at all;
// within a mandatory scope each rule's Enforcement decides.
type ScopeEnforcement string

const (
	ScopeMandatory ScopeEnforcement = "mandatory"
	// ScopeAdvisory: every finding is reported and none blocks (development).
	ScopeAdvisory ScopeEnforcement = "advisory"
)

// RunContext identifies where the plan comes from, for scope and waiver matching.
type RunContext struct {
	Organization string `json:"organization,omitempty"`
	Workspace    string `json:"workspace,omitempty"`
	Project      string `json:"project,omitempty"`
	Directory    string `json:"directory,omitempty"`
	Repository   string `json:"repository,omitempty"`
}

// Counts tallies findings by status.
type Counts struct {
	Total   int `json:"total"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Warned  int `json:"warned"`
	Unknown int `json:"unknown"`
	Waived  int `json:"waived"`
	// Blocking is the number of findings that fail the gate.
	Blocking int `json:"blocking"`
	// Advisory is the number of findings reported without blocking: warnings
	// and unknowns the policy does not block on (waived ones not included).
	Advisory int `json:"advisory"`
}

// PlanFacts summarises the plan that was judged.
type PlanFacts struct {
	FormatVersion    string `json:"format_version"`
	TerraformVersion string `json:"terraform_version,omitempty"`
	ResourceChanges  int    `json:"resource_changes"`
	Creates          int    `json:"creates"`
	Updates          int    `json:"updates"`
	Deletes          int    `json:"deletes"`
	Replaces         int    `json:"replaces"`
	Forgets          int    `json:"forgets"`
	// Errored: Terraform failed while planning; the gate fails.
	Errored bool `json:"errored,omitempty"`
	// Incomplete: changes were deferred or -target was used; the plan does not
	// show everything apply will do.
	Incomplete      bool `json:"incomplete,omitempty"`
	DeferredChanges int  `json:"deferred_changes,omitempty"`
}

// WaiverUse reports a policy waiver that matched nothing or has expired.
type WaiverUse struct {
	Waiver
	Rule    string `json:"rule"`
	Address string `json:"address"`
	Where   string `json:"where"` // policy file:line
	Expired bool   `json:"expired"`
	Matched int    `json:"matched"`
}

// Report is the whole result of judging one plan; every renderer and the
// run-task service work from it.
type Report struct {
	Verdict  Verdict `json:"verdict"`
	Standard string  `json:"standard"`
	// Scope is the name of the policy scope that matched ("default" when none did).
	Scope       string           `json:"scope"`
	Environment string           `json:"environment,omitempty"`
	Enforcement ScopeEnforcement `json:"enforcement"`
	// FailOn is the scope's severity floor for blocking: a finding of a
	// blocking rule below it is reported as a warning, unless the policy
	// names the rule's enforcement itself.
	FailOn Severity   `json:"fail_on"`
	Run    RunContext `json:"run"`
	Plan   PlanFacts  `json:"plan"`
	// Reasons explains a failed verdict in a sentence each, most important first.
	Reasons []string `json:"reasons,omitempty"`
	// Notes are things a reader must know that are not findings (incomplete plan, …).
	Notes []string `json:"notes,omitempty"`
	// RulesRun lists, in registry order, the ids of the rules this run's
	// scope had on: the rules a passing resource was judged against.
	RulesRun []string  `json:"rules_run,omitempty"`
	Findings []Finding `json:"findings"`
	// OmittedPasses counts passing findings left out of Findings because the
	// caller asked for them not to be kept (Options.OmitPasses); Counts
	// includes them.
	OmittedPasses int    `json:"omitted_passes,omitempty"`
	Counts        Counts `json:"counts"`
	// UnusedWaivers lists waivers that matched no finding in this run.
	UnusedWaivers []WaiverUse   `json:"unused_waivers,omitempty"`
	EvaluatedAt   time.Time     `json:"evaluated_at"`
	Duration      time.Duration `json:"duration_ns"`
}
