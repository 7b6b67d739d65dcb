// Package evaluator judges a Terraform plan against a compiled production-ready
// standard. It is pure: plan, policy and run context in, report out; no network,
// no files, and no clock except the injected time used for waiver expiry.
package evaluator

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prodgate/prodgate/config"
)

// unknownTreatment is how a policy handles values known only after apply.
type unknownTreatment string

const (
	unknownFail unknownTreatment = "fail"
	unknownWarn unknownTreatment = "warn"
	unknownPass unknownTreatment = "pass"
)

// ruleSettings are a rule's effective settings within one scope.
type ruleSettings struct {
	enabled     bool
	severity    Severity
	enforcement Enforcement
	// enforceWritten: the policy names this rule's enforcement, which then
	// holds whatever fail_on says.
	enforceWritten bool
	unknown        unknownTreatment
	params         map[string]any
	// disabledAt and demotedAt are the policy lines (file:line) that switch
	// the rule off or make a blocking rule advisory, for the report's note.
	disabledAt, demotedAt string
}

type compiledScope struct {
	name        string
	environment string
	match       config.Match
	enforce     ScopeEnforcement
	failOn      Severity
	rules       map[string]ruleSettings
	// loosened is the note saying which rules the policy switches off or
	// makes advisory in this scope ("" when none): a loosening always shows.
	loosened string
}

type compiledWaiver struct {
	config.Waiver
	where string
}

// Engine is a policy compiled against the rules it names. It is immutable and
// safe to share between goroutines; build it once per policy load.
type Engine struct {
	standard     string
	policyFile   string
	rules        []Rule
	metas        []RuleMeta // rules[i].Meta(), computed once: Meta may build docs
	scopes       []compiledScope
	defaultScope compiledScope
	waivers      []compiledWaiver
}

// Compile checks a policy against the rule registry and builds an Engine.
// Every problem is reported, with file and line: unknown rule ids, parameters
// of the wrong name or type, CEL that does not compile, waivers that are too
// long or name no rule. now is used only to measure waiver length when a waiver
// gives no created date.
func Compile(p *config.Policy, reg *Registry, now time.Time) (*Engine, error) {
	var probs config.Problems
	problem := func(line int, field, msg string) {
		probs = append(probs, config.Problem{File: p.File, Line: line, Field: field, Msg: msg})
	}
	rules := reg.Rules()
	known := make(map[string]Rule, len(rules))
	for _, r := range rules {
		known[r.Meta().ID] = r
	}
	ids := ruleIndex{known: known, renamed: reg.renamed}

	if len(p.CustomRules) > 0 {
		env, err := newCELEnv()
		if err != nil {
			return nil, fmt.Errorf("set up CEL environment: %w", err)
		}
		for i, cr := range p.CustomRules {
			rule, ps := compileCELRule(env, p.File, i, cr)
			probs = append(probs, ps...)
			if rule == nil {
				continue
			}
			if _, dup := known[cr.ID]; dup {
				problem(cr.Lines["id"], fmt.Sprintf("custom_rules[%d].id", i), fmt.Sprintf("%q is already a rule id; choose another", cr.ID))
				continue
			}
			known[cr.ID] = rule
			rules = append(rules, rule)
		}
	}

	failOn, err := ParseSeverity(cmp.Or(p.FailOn, config.DefaultFailOn))
	if err != nil {
		problem(p.Lines["fail_on"], "fail_on", err.Error())
	}
	unknown := unknownTreatment(cmp.Or(p.Unknown, config.DefaultUnknown))
	base := make(map[string]ruleSettings, len(rules))
	metas := make([]RuleMeta, len(rules))
	for i, r := range rules {
		m := r.Meta()
		metas[i] = m
		base[m.ID] = ruleSettings{enabled: true, severity: m.Severity, enforcement: m.Enforcement, unknown: unknown, params: defaultParams(&m)}
	}
	top := applyRuleSettings(base, p.Rules, p.File, "rules", ids, problem)

	e := &Engine{
		standard:   cmp.Or(p.Standard, config.DefaultStandard),
		policyFile: p.File,
		rules:      rules,
		metas:      metas,
		defaultScope: compiledScope{
			name: config.DefaultScopeName, enforce: ScopeMandatory, failOn: failOn, rules: top,
		},
	}
	e.defaultScope.loosened = loosenedNote(&e.defaultScope, metas)
	for i, s := range p.Scopes {
		field := fmt.Sprintf("scopes[%d]", i)
		cs := compiledScope{name: s.Name, environment: s.Environment, match: s.Match, enforce: ScopeMandatory, failOn: failOn}
		if s.Enforce == string(ScopeAdvisory) {
			cs.enforce = ScopeAdvisory
		}
		if s.FailOn != "" {
			if cs.failOn, err = ParseSeverity(s.FailOn); err != nil {
				problem(s.Lines["fail_on"], field+".fail_on", err.Error())
			}
		}
		scoped := top
		if s.Unknown != "" {
			scoped = withUnknown(top, unknownTreatment(s.Unknown))
		}
		cs.rules = applyRuleSettings(scoped, s.Rules, p.File, field+".rules", ids, problem)
		cs.loosened = loosenedNote(&cs, metas)
		e.scopes = append(e.scopes, cs)
	}

	maxDays := p.MaxWaiverDays
	if maxDays == 0 {
		maxDays = config.DefaultMaxWaiverDays
	}
	for i, w := range p.Waivers {
		field := fmt.Sprintf("waivers[%d]", i)
		if _, ok := known[w.Rule]; !ok && w.Rule != "" {
			problem(w.Lines["rule"], field+".rule", ids.unknownMessage(w.Rule))
		}
		start := w.Created
		if start.IsZero() {
			start = dateOf(now)
		}
		if days := int(w.Expires.Sub(start).Hours() / 24); !w.Expires.IsZero() && days > maxDays {
			problem(w.Lines["expires"], field+".expires", fmt.Sprintf("%s is %d days after %s; waivers may last at most %d days (max_waiver_days)",
				w.Expires.Format(time.DateOnly), days, start.Format(time.DateOnly), maxDays))
		}
		e.waivers = append(e.waivers, compiledWaiver{Waiver: w, where: fmt.Sprintf("%s:%d", p.File, w.Line)})
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

// ruleIndex answers "which rule is this id?" for policy checks, including
// ids that rules had before a rename.
type ruleIndex struct {
	known   map[string]Rule
	renamed map[string]string // former id → current id
}

// applyRuleSettings layers a policy's rules: section over inherited settings.
func applyRuleSettings(inherited map[string]ruleSettings, overrides map[string]config.RuleSettings, file, field string,
	ids ruleIndex, problem func(int, string, string)) map[string]ruleSettings {
	out := maps.Clone(inherited)
	for _, id := range slices.Sorted(maps.Keys(overrides)) {
		o := overrides[id]
		rule, ok := ids.known[id]
		if !ok {
			problem(o.Line, field+"."+id, ids.unknownMessage(id))
			continue
		}
		s := out[id]
		s.params = maps.Clone(s.params)
		where := fmt.Sprintf("%s:%d", file, o.Line)
		if o.Enabled != nil {
			s.enabled = *o.Enabled
			s.disabledAt = ""
			if !s.enabled {
				s.disabledAt = where
			}
		}
		if o.Severity != "" {
			sev, err := ParseSeverity(o.Severity)
			if err != nil {
				problem(o.Lines["severity"], field+"."+id+".severity", err.Error())
			}
			s.severity = sev
		}
		meta := rule.Meta()
		if o.Enforce != "" {
			enf, err := ParseEnforcement(o.Enforce)
			if err != nil {
				problem(o.Lines["enforce"], field+"."+id+".enforce", err.Error())
			}
			s.enforcement, s.enforceWritten, s.demotedAt = enf, true, ""
			if enf == EnforceAdvisory && meta.Enforcement == EnforceBlocking {
				s.demotedAt = fmt.Sprintf("%s:%d", file, o.Lines["enforce"])
			}
		}
		if o.Unknown != "" {
			s.unknown = unknownTreatment(o.Unknown)
		}
		for name, val := range o.Params {
			i := slices.IndexFunc(meta.Params, func(p ParamSpec) bool { return p.Name == name })
			if i < 0 {
				problem(val.Line, field+"."+id+".params."+name, paramListMessage(name, meta))
				continue
			}
			v, err := coerceParam(meta.Params[i], val.Value)
			if err != nil {
				problem(val.Line, field+"."+id+".params."+name, err.Error())
				continue
			}
			s.params[name] = v
		}
		out[id] = s
	}
	return out
}

// loosenedNote says which rules a scope switches off or makes advisory,
// with the policy lines that do it, in rule order.
func loosenedNote(s *compiledScope, metas []RuleMeta) string {
	var off, advisory []string
	for _, m := range metas {
		rs := s.rules[m.ID]
		switch {
		case rs.disabledAt != "":
			off = append(off, m.ID+" ("+rs.disabledAt+")")
		case rs.demotedAt != "":
			advisory = append(advisory, m.ID+" ("+rs.demotedAt+")")
		}
	}
	var parts []string
	if len(off) > 0 {
		parts = append(parts, "switches off "+strings.Join(off, ", "))
	}
	if len(advisory) > 0 {
		parts = append(parts, "makes advisory "+strings.Join(advisory, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("the policy loosens the standard in scope %q: it %s", s.name, strings.Join(parts, "; it "))
}

func withUnknown(in map[string]ruleSettings, u unknownTreatment) map[string]ruleSettings {
	out := make(map[string]ruleSettings, len(in))
	for id, s := range in {
		s.unknown = u
		out[id] = s
	}
	return out
}

func paramListMessage(name string, m RuleMeta) string {
	if len(m.Params) == 0 {
		return fmt.Sprintf("rule %s takes no parameters", m.ID)
	}
	names := make([]string, len(m.Params))
	for i, p := range m.Params {
		names[i] = p.Name
	}
	return fmt.Sprintf("rule %s has no parameter %q (it takes: %s)", m.ID, name, strings.Join(names, ", "))
}

func coerceParam(spec ParamSpec, v any) (any, error) {
	switch spec.Kind {
	case ParamInt:
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("want a whole number, found %s", describeParam(v))
		}
		if n < 0 {
			return nil, fmt.Errorf("want a whole number of at least 0, found %d", n)
		}
		return n, nil
	case ParamBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("want true or false, found %s", describeParam(v))
	case ParamString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("want text, found %s", describeParam(v))
	case ParamStringList:
		switch t := v.(type) {
		case []string:
			return t, nil
		case string:
			return []string{t}, nil
		}
		return nil, fmt.Errorf("want a list of texts, found %s", describeParam(v))
	}
	return nil, fmt.Errorf("parameter kind %s is not supported", spec.Kind)
}

func describeParam(v any) string {
	switch t := v.(type) {
	case string:
		return fmt.Sprintf("%q", t)
	case []string:
		return "a list"
	}
	return fmt.Sprint(v)
}

// unknownMessage explains an id that names no rule: the rule's new id when it
// was renamed, else the closest id by edit distance.
func (ids ruleIndex) unknownMessage(id string) string {
	if now, ok := ids.renamed[id]; ok {
		return fmt.Sprintf("rule %q is now %q; rename it here", id, now)
	}
	return UnknownRuleMessage(id, slices.Collect(maps.Keys(ids.known)))
}

// UnknownRuleMessage says that id names no rule and suggests the closest of
// known (an edit distance of at most 3), as policy checks and `prodgate
// explain` do.
func UnknownRuleMessage(id string, known []string) string {
	if best := ClosestRuleID(id, known); best != "" {
		return fmt.Sprintf("no rule %q; did you mean %q? (`prodgate rules` lists them)", id, best)
	}
	return fmt.Sprintf("no rule %q (`prodgate rules` lists them)", id)
}

// ClosestRuleID is the id of known nearest to id, or "" when none is within
// an edit distance of 3; ties go to the first in sorted order.
func ClosestRuleID(id string, known []string) string {
	best, bestDist := "", 4
	for _, k := range known {
		if d := editDistance(id, k); d < bestDist || (d == bestDist && k < best) {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
