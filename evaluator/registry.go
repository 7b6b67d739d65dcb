package evaluator

import (
	"fmt"
	"regexp"
	"sort"
)

var ruleIDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Registry holds the available rules by id and by resource type, so that the
// engine calls only the rules that apply to each resource.
type Registry struct {
	rules  []Rule
	byID   map[string]Rule
	byType map[string][]Rule
	any    []Rule
}

// NewRegistry indexes rules; ids must be unique lowercase-dashed words.
func NewRegistry(rules ...Rule) (*Registry, error) {
	reg := &Registry{byID: make(map[string]Rule), byType: make(map[string][]Rule)}
	for _, r := range rules {
		if err := reg.add(r); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

func (reg *Registry) add(r Rule) error {
	m := r.Meta()
	if !ruleIDPattern.MatchString(m.ID) {
		return fmt.Errorf("rule id %q: want lowercase words joined by dashes", m.ID)
	}
	if _, dup := reg.byID[m.ID]; dup {
		return fmt.Errorf("rule id %q registered twice", m.ID)
	}
	if len(m.ResourceTypes) == 0 {
		return fmt.Errorf("rule %s: no resource types", m.ID)
	}
	reg.rules = append(reg.rules, r)
	reg.byID[m.ID] = r
	for _, t := range m.ResourceTypes {
		if t == "*" {
			reg.any = append(reg.any, r)
			continue
		}
		reg.byType[t] = append(reg.byType[t], r)
	}
	return nil
}

// Rules returns every rule sorted by id.
func (reg *Registry) Rules() []Rule {
	out := append([]Rule(nil), reg.rules...)
	sort.Slice(out, func(i, j int) bool { return out[i].Meta().ID < out[j].Meta().ID })
	return out
}

// Lookup finds a rule by id.
func (reg *Registry) Lookup(id string) (Rule, bool) {
	r, ok := reg.byID[id]
	return r, ok
}

// defaultParams returns the declared defaults of a rule's parameters.
func defaultParams(m *RuleMeta) map[string]any {
	params := make(map[string]any, len(m.Params))
	for _, p := range m.Params {
		params[p.Name] = p.Default
	}
	return params
}

// RunRule runs one rule over every matching resource of plan with its default
// severity and parameters, overridden by params. Tests and `prodgate explain`
// use it; gate verdicts come from Engine.Evaluate.
func RunRule(rule Rule, plan *Plan, params map[string]any) []Finding {
	m := rule.Meta()
	c := &Context{Plan: plan, meta: &m, severity: m.Severity, params: defaultParams(&m)}
	for k, v := range params {
		c.params[k] = v
	}
	var out []Finding
	for _, r := range plan.Resources {
		if appliesTo(&m, r.Type) {
			out = append(out, rule.Check(c, r)...)
		}
	}
	return out
}

func appliesTo(m *RuleMeta, resourceType string) bool {
	for _, t := range m.ResourceTypes {
		if t == "*" || t == resourceType {
			return true
		}
	}
	return false
}
