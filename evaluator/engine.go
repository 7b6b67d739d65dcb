package evaluator

import (
	"fmt"
	"sort"
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
	enabled  bool
	severity Severity
	unknown  unknownTreatment
	params   map[string]any
}

type compiledScope struct {
	name        string
	environment string
	match       config.Match
	enforce     Enforcement
	failOn      Severity
	rules       map[string]ruleSettings
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
	metas        []RuleMeta      // rules[i].Meta(), computed once: Meta may build docs
	advisory     map[string]bool // rule ids whose failures are only warnings
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
	rules := append([]Rule(nil), reg.Rules()...)
	known := make(map[string]Rule, len(rules))
	for _, r := range rules {
		known[r.Meta().ID] = r
	}

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

	failOn, err := ParseSeverity(orDefault(p.FailOn, config.DefaultFailOn))
	if err != nil {
		problem(p.Lines["fail_on"], "fail_on", err.Error())
	}
	base := make(map[string]ruleSettings, len(rules))
	for _, r := range rules {
		m := r.Meta()
		base[m.ID] = ruleSettings{enabled: !m.Optional, severity: m.Severity, unknown: unknownTreatment(orDefault(p.Unknown, config.DefaultUnknown)), params: defaultParams(&m)}
	}
	top := applyRuleSettings(base, p.Rules, "", "rules", known, problem)

	e := &Engine{
		standard:   orDefault(p.Standard, config.DefaultStandard),
		policyFile: p.File,
		rules:      rules,
		advisory:   make(map[string]bool),
		defaultScope: compiledScope{
			name: config.DefaultScopeName, enforce: EnforceMandatory, failOn: failOn, rules: top,
		},
	}
	for _, r := range rules {
		m := r.Meta()
		e.metas = append(e.metas, m)
		if m.Advisory {
			e.advisory[m.ID] = true
		}
	}
	for i, s := range p.Scopes {
		cs := compiledScope{name: s.Name, environment: s.Environment, match: s.Match, enforce: EnforceMandatory, failOn: failOn}
		if s.Enforce == string(EnforceAdvisory) {
			cs.enforce = EnforceAdvisory
		}
		if s.FailOn != "" {
			cs.failOn, _ = ParseSeverity(s.FailOn)
		}
		scoped := top
		if s.Unknown != "" {
			scoped = withUnknown(top, unknownTreatment(s.Unknown))
		}
		cs.rules = applyRuleSettings(scoped, s.Rules, s.Name, fmt.Sprintf("scopes[%d].rules", i), known, problem)
		e.scopes = append(e.scopes, cs)
	}

	maxDays := p.MaxWaiverDays
	if maxDays == 0 {
		maxDays = config.DefaultMaxWaiverDays
	}
	for i, w := range p.Waivers {
		field := fmt.Sprintf("waivers[%d]", i)
		if _, ok := known[w.Rule]; !ok && w.Rule != "" {
			problem(w.Lines["rule"], field+".rule", unknownRuleMessage(w.Rule, known))
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

// applyRuleSettings layers a policy's rules: section over inherited settings.
func applyRuleSettings(inherited map[string]ruleSettings, overrides map[string]config.RuleSettings, scope, field string,
	known map[string]Rule, problem func(int, string, string)) map[string]ruleSettings {
	out := make(map[string]ruleSettings, len(inherited))
	for id, s := range inherited {
		out[id] = s
	}
	ids := make([]string, 0, len(overrides))
	for id := range overrides {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		o := overrides[id]
		rule, ok := known[id]
		if !ok {
			problem(o.Line, field+"."+id, unknownRuleMessage(id, known))
			continue
		}
		s := out[id]
		s.params = copyParams(s.params)
		if o.Enabled != nil {
			s.enabled = *o.Enabled
		}
		if o.Severity != "" {
			s.severity, _ = ParseSeverity(o.Severity)
		}
		if o.Unknown != "" {
			s.unknown = unknownTreatment(o.Unknown)
		}
		meta := rule.Meta()
		for name, val := range o.Params {
			spec, ok := findParam(meta.Params, name)
			if !ok {
				problem(val.Line, field+"."+id+".params."+name, paramListMessage(name, meta))
				continue
			}
			v, err := coerceParam(spec, val.Value)
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

func withUnknown(in map[string]ruleSettings, u unknownTreatment) map[string]ruleSettings {
	out := make(map[string]ruleSettings, len(in))
	for id, s := range in {
		s.unknown = u
		out[id] = s
	}
	return out
}

func copyParams(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func findParam(specs []ParamSpec, name string) (ParamSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return ParamSpec{}, false
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

func unknownRuleMessage(id string, known map[string]Rule) string {
	best, bestDist := "", 4
	for k := range known {
		if d := editDistance(id, k); d < bestDist || (d == bestDist && k < best) {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("no rule %q; did you mean %q? (`prodgate rules` lists them)", id, best)
	}
	return fmt.Sprintf("no rule %q (`prodgate rules` lists them)", id)
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

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
