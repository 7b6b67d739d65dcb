package evaluator

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/prodgate/prodgate/evaluator/tfplan"
)

var ruleIDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Registry holds the available rules by id and by resource type, so that the
// engine calls only the rules that apply to each resource.
type Registry struct {
	rules   []Rule
	byID    map[string]Rule
	byType  map[string][]Rule
	any     []Rule
	renamed map[string]string // former id → current id
}

// NewRegistry indexes rules; ids must be unique lowercase-dashed words.
func NewRegistry(rules ...Rule) (*Registry, error) {
	reg := &Registry{byID: make(map[string]Rule), byType: make(map[string][]Rule), renamed: make(map[string]string)}
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
	if !slices.Contains(Enforcements(), m.Enforcement) {
		return fmt.Errorf("rule %s: enforcement %q: want blocking or advisory", m.ID, m.Enforcement)
	}
	for _, old := range m.FormerIDs {
		if prev, dup := reg.renamed[old]; dup {
			return fmt.Errorf("rule %s: former id %q is already claimed by %s", m.ID, old, prev)
		}
		reg.renamed[old] = m.ID
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
	return slices.SortedFunc(slices.Values(reg.rules), func(a, b Rule) int { return cmp.Compare(a.Meta().ID, b.Meta().ID) })
}

// IDs returns every rule id, sorted.
func (reg *Registry) IDs() []string { return slices.Sorted(maps.Keys(reg.byID)) }

// Lookup finds a rule by id.
func (reg *Registry) Lookup(id string) (Rule, bool) {
	r, ok := reg.byID[id]
	return r, ok
}

// Renamed returns the current id of a rule that id named before a rename.
func (reg *Registry) Renamed(id string) (string, bool) {
	now, ok := reg.renamed[id]
	return now, ok
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
func RunRule(rule Rule, plan *tfplan.Plan, params map[string]any) []Finding {
	m := rule.Meta()
	c := &Context{Plan: plan, meta: &m, severity: m.Severity, params: defaultParams(&m)}
	maps.Copy(c.params, params)
	var out []Finding
	for _, r := range plan.Resources {
		if appliesTo(&m, r.Type) {
			out = append(out, rule.Check(c, r)...)
		}
	}
	return out
}

func appliesTo(m *RuleMeta, resourceType string) bool {
	return slices.Contains(m.ResourceTypes, "*") || slices.Contains(m.ResourceTypes, resourceType)
}
