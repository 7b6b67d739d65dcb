package evaluator

import (
	"encoding/json"
	"strings"
	"sync"
)

// ConfigPresence says whether the configuration writes an attribute.
type ConfigPresence int

const (
	// ConfigUnavailable: the plan has no configuration section, or it does not
	// describe this resource, so nothing can be said.
	ConfigUnavailable ConfigPresence = iota
	ConfigSet
	ConfigNotSet
)

// configIndex maps configuration addresses to their expressions. It is built at
// most once per plan, on the first question, so plans whose rules never ask pay
// nothing for the (often large) configuration section.
type configIndex struct {
	once      sync.Once
	resources map[string]map[string]any // "module.a.aws_s3_bucket.b" → expressions
	// forEach holds the references of a resource's for_each expression, by
	// configuration address.
	forEach map[string][]string
	// outputs holds the references of a module's output expressions:
	// "module.a." + "id" → references inside module a.
	outputs map[string][]string
	// repeated marks module paths called with for_each or count
	// ("module.a."): their instances have keys.
	repeated map[string]bool
}

type configExpression struct {
	References []string `json:"references"`
}

type configModule struct {
	Resources []struct {
		Address     string            `json:"address"`
		Mode        string            `json:"mode"`
		Expressions map[string]any    `json:"expressions"`
		ForEach     *configExpression `json:"for_each_expression"`
	} `json:"resources"`
	Outputs map[string]struct {
		Expression *configExpression `json:"expression"`
	} `json:"outputs"`
	ModuleCalls map[string]struct {
		Module  *configModule     `json:"module"`
		ForEach *configExpression `json:"for_each_expression"`
		Count   *configExpression `json:"count_expression"`
	} `json:"module_calls"`
}

func (p *Plan) configIndex() *configIndex {
	if p.config == nil {
		p.config = &configIndex{}
	}
	p.config.once.Do(func() {
		if len(p.rawConfig) == 0 {
			return
		}
		var cfg struct {
			RootModule *configModule `json:"root_module"`
		}
		if err := json.Unmarshal(p.rawConfig, &cfg); err != nil || cfg.RootModule == nil {
			return
		}
		p.config.resources = make(map[string]map[string]any)
		p.config.forEach = make(map[string][]string)
		p.config.outputs = make(map[string][]string)
		p.config.repeated = make(map[string]bool)
		p.config.add("", cfg.RootModule)
	})
	return p.config
}

func (ci *configIndex) add(prefix string, m *configModule) {
	for _, r := range m.Resources {
		if r.Mode == "data" {
			continue
		}
		exprs := r.Expressions
		if exprs == nil {
			exprs = map[string]any{}
		}
		ci.resources[prefix+r.Address] = exprs
		if r.ForEach != nil {
			ci.forEach[prefix+r.Address] = r.ForEach.References
		}
	}
	for name, out := range m.Outputs {
		if out.Expression != nil {
			ci.outputs[prefix+name] = out.Expression.References
		}
	}
	for name, call := range m.ModuleCalls {
		path := prefix + "module." + name + "."
		if call.ForEach != nil || call.Count != nil {
			ci.repeated[path] = true
		}
		if call.Module != nil {
			ci.add(path, call.Module)
		}
	}
}

func (ci *configIndex) expressions(r *Resource) (map[string]any, bool) {
	if ci.resources == nil {
		return nil, false
	}
	e, ok := ci.resources[r.ConfigAddress()]
	return e, ok
}

// presence walks nested blocks: expressions render a block as a list of
// objects, each holding its own attribute expressions.
func (ci *configIndex) presence(r *Resource, path string) ConfigPresence {
	exprs, ok := ci.expressions(r)
	if !ok {
		return ConfigUnavailable
	}
	var cur any = exprs
	for _, step := range parsePath(path) {
		if step.isIdx {
			cur = index(cur, step.index)
		} else {
			if list, ok := cur.([]any); ok {
				if len(list) == 0 {
					return ConfigNotSet
				}
				cur = list[0]
			}
			cur = member(cur, step.key)
		}
		if cur == nil {
			return ConfigNotSet
		}
	}
	return ConfigSet
}

func (ci *configIndex) references(r *Resource, attr string) []string {
	exprs, ok := ci.expressions(r)
	if !ok {
		return nil
	}
	expr, _ := exprs[attr].(map[string]any)
	refs, _ := expr["references"].([]any)
	out := make([]string, 0, len(refs))
	for _, ref := range refs {
		if s, ok := ref.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// ReferencesResource reports whether refs (from ConfigReferences of a resource
// in the same module) point at target.
func ReferencesResource(refs []string, target *Resource) bool {
	want := target.Type + "." + target.Name
	for _, ref := range refs {
		if ref == want || strings.HasPrefix(ref, want+".") || strings.HasPrefix(ref, want+"[") {
			return true
		}
	}
	return false
}

func member(x any, key string) any {
	if m, ok := x.(map[string]any); ok {
		return m[key]
	}
	return nil
}

func index(x any, i int) any {
	if l, ok := x.([]any); ok && i >= 0 && i < len(l) {
		return l[i]
	}
	return nil
}

// Targets reports whether r points at target through its attribute attr
// (e.g. an aws_s3_bucket_versioning's "bucket" at an aws_s3_bucket). Known
// values decide when both sides have them: r's attr equals one of target's
// keys (e.g. "bucket", "id", "arn"). Otherwise the configuration reference
// decides, within the same module instance. r's planned value is used, or
// its value before the plan when r is being destroyed.
func (r *Resource) Targets(attr string, target *Resource, targetKeys ...string) bool {
	v := r.After(attr)
	if !r.Exists() {
		v = r.Before(attr)
	}
	if name, ok := v.Str(); ok && name != "" {
		for _, key := range targetKeys {
			if t, ok := target.After(key).Str(); ok && t != "" {
				if t == name {
					return true
				}
			}
		}
		for _, key := range targetKeys {
			if t, ok := target.After(key).Str(); ok && t != "" {
				return false
			}
		}
	}
	if values, ok := v.List(); ok {
		for _, item := range values {
			for _, key := range targetKeys {
				if t, ok := target.After(key).Str(); ok && t != "" && item == t {
					return true
				}
			}
		}
	}
	return r.ModuleAddress == target.ModuleAddress && ReferencesResource(r.ConfigReferences(attr), target)
}
