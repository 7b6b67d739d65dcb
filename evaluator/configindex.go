package evaluator

import (
	"errors"
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
//
// It keeps each resource's expressions as the plan's own bytes and reads them
// only when a rule asks about that resource: the section was validated by the
// scanner, so the index is built by walking it (rawwalk.go) rather than by
// decoding every expression of every resource. Decoding it with encoding/json
// took 53 % of the CPU time of `prodgate check` on bench/compare.sh's real
// shape at 20,000 resource changes (issue 17).
type configIndex struct {
	once sync.Once
	// resources maps "module.a.aws_s3_bucket.b" to the bytes of its
	// expressions object ("{}" when the configuration has none); nil when the
	// plan has no usable configuration section.
	resources map[string][]byte
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

// errConfigShape says the configuration section does not have the shape
// Terraform writes (a string where an object belongs, …): nothing is then
// said from it, as when it is absent.
var errConfigShape = errors.New("configuration section of an unexpected shape")

func (p *Plan) configIndex() *configIndex {
	if p.config == nil {
		p.config = &configIndex{}
	}
	p.config.once.Do(func() {
		if len(p.rawConfig) == 0 {
			return
		}
		var root []byte
		if err := rawObject(p.rawConfig, func(key string, value []byte) error {
			if key == "root_module" {
				root = value
			}
			return nil
		}); err != nil || rawIsNull(root) {
			return
		}
		ci := &configIndex{
			resources: make(map[string][]byte),
			forEach:   make(map[string][]string),
			outputs:   make(map[string][]string),
			repeated:  make(map[string]bool),
		}
		if err := ci.add("", root); err != nil {
			return
		}
		p.config.resources, p.config.forEach, p.config.outputs, p.config.repeated =
			ci.resources, ci.forEach, ci.outputs, ci.repeated
	})
	return p.config
}

// add indexes the configuration module whose validated bytes are m, its
// resources and outputs under prefix ("" or "module.a.module.b.").
func (ci *configIndex) add(prefix string, m []byte) error {
	return rawObject(m, func(key string, value []byte) error {
		switch key {
		case "resources":
			return rawArray(value, func(r []byte) error { return ci.addResource(prefix, r) })
		case "outputs":
			return rawObject(value, func(name string, out []byte) error {
				var refs []string
				found := false
				err := rawObject(out, func(key string, expr []byte) error {
					if key != "expression" {
						return nil
					}
					var err error
					refs, found, err = rawReferences(expr)
					return err
				})
				if found {
					ci.outputs[prefix+name] = refs
				}
				return err
			})
		case "module_calls":
			return rawObject(value, func(name string, call []byte) error {
				path := prefix + "module." + name + "."
				var module []byte
				err := rawObject(call, func(key string, v []byte) error {
					switch key {
					case "module":
						module = v
					case "for_each_expression", "count_expression":
						if _, found, err := rawReferences(v); err != nil {
							return err
						} else if found {
							ci.repeated[path] = true
						}
					}
					return nil
				})
				if err != nil || rawIsNull(module) {
					return err
				}
				return ci.add(path, module)
			})
		}
		return nil
	})
}

func (ci *configIndex) addResource(prefix string, r []byte) error {
	var address, mode string
	var forEach []string
	hasForEach := false
	exprs := []byte("{}")
	err := rawObject(r, func(key string, v []byte) error {
		var err error
		switch key {
		case "address":
			address, err = rawString(v)
		case "mode":
			mode, err = rawString(v)
		case "expressions":
			if rawIsNull(v) {
				exprs = []byte("{}")
			} else if v[0] != '{' {
				return errConfigShape
			} else {
				exprs = v
			}
		case "for_each_expression":
			forEach, hasForEach, err = rawReferences(v)
		}
		return err
	})
	if err != nil || mode == "data" {
		return err
	}
	ci.resources[prefix+address] = exprs
	if hasForEach {
		ci.forEach[prefix+address] = forEach
	}
	return nil
}

// rawObject calls member with each key and value of the validated object raw;
// null is an empty object and any other value errConfigShape. A key that
// appears twice is given twice, so a caller that keeps the last one agrees
// with encoding/json.
func rawObject(raw []byte, member func(key string, value []byte) error) error {
	if rawIsNull(raw) {
		return nil
	}
	if raw[0] != '{' {
		return errConfigShape
	}
	var err error
	eachMember(raw, func(key span, escaped bool, value span) bool {
		err = member(unquote(raw[key.start:key.end], escaped), raw[value.start:value.end])
		return err == nil
	})
	return err
}

// rawArray calls element with each element of the validated array raw; null
// is an empty array and any other value errConfigShape.
func rawArray(raw []byte, element func(value []byte) error) error {
	if rawIsNull(raw) {
		return nil
	}
	if raw[0] != '[' {
		return errConfigShape
	}
	for i := skipSpace(raw, 1); i < len(raw) && raw[i] != ']'; {
		end := skipValue(raw, i)
		if err := element(raw[i:end]); err != nil {
			return err
		}
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return nil
}

// rawString reads a validated string ("" for null).
func rawString(raw []byte) (string, error) {
	if rawIsNull(raw) {
		return "", nil
	}
	if raw[0] != '"' {
		return "", errConfigShape
	}
	end, escaped := skipString(raw, 0)
	return unquote(raw[1:end-1], escaped), nil
}

// rawReferences reads the references of an expression object; found is false
// when the expression is null (absent).
func rawReferences(expr []byte) (refs []string, found bool, err error) {
	if rawIsNull(expr) {
		return nil, false, nil
	}
	err = rawObject(expr, func(key string, v []byte) error {
		if key != "references" {
			return nil
		}
		refs = nil
		return rawArray(v, func(ref []byte) error {
			s, err := rawString(ref)
			refs = append(refs, s)
			return err
		})
	})
	return refs, true, err
}

func (ci *configIndex) expressions(r *Resource) ([]byte, bool) {
	if ci.resources == nil {
		return nil, false
	}
	e, ok := ci.resources[r.ConfigAddress()]
	return e, ok
}

// presence walks nested blocks: expressions render a block as a list of
// objects, each holding its own attribute expressions. A key step into a list
// goes into its first element, as for planned values.
func (ci *configIndex) presence(r *Resource, path string) ConfigPresence {
	cur, ok := ci.expressions(r)
	if !ok {
		return ConfigUnavailable
	}
	for i := 0; ; {
		step, next, ok := nextStep(path, i)
		if !ok {
			return ConfigSet
		}
		i = next
		if step.isIdx {
			cur, ok = rawIndex(cur, step.index)
		} else {
			if cur[0] == '[' {
				if cur, ok = rawIndex(cur, 0); !ok {
					return ConfigNotSet
				}
			}
			cur, ok = rawMember(cur, step.key)
		}
		if !ok || rawIsNull(cur) {
			return ConfigNotSet
		}
	}
}

// rawMember returns the value of key in the validated object raw (the last
// one when the key repeats, as encoding/json keeps); ok is false when raw is
// not an object or has no such key.
func rawMember(raw []byte, key string) (value []byte, ok bool) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	eachMember(raw, func(k span, escaped bool, v span) bool {
		if keyIs(raw[k.start:k.end], escaped, key) {
			value, ok = raw[v.start:v.end], true
		}
		return true
	})
	return value, ok
}

func (ci *configIndex) references(r *Resource, attr string) []string {
	exprs, ok := ci.expressions(r)
	if !ok {
		return nil
	}
	expr, _ := rawMember(exprs, attr)
	refsRaw, _ := rawMember(expr, "references")
	out := []string{}
	if len(refsRaw) == 0 || refsRaw[0] != '[' {
		return out
	}
	rawArray(refsRaw, func(ref []byte) error {
		if ref[0] == '"' {
			s, _ := rawString(ref)
			out = append(out, s)
		}
		return nil
	})
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
