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
		d := p.rawConfig
		if len(d) == 0 {
			return
		}
		root := -1 // the last root_module, as encoding/json keeps
		if _, err := objectAt(d, 0, func(key string, at int) (int, error) {
			if key == "root_module" {
				root = at
			}
			return skipValue(d, at), nil
		}); err != nil || root < 0 || d[root] == 'n' {
			return
		}
		ci := &configIndex{
			resources: make(map[string][]byte),
			forEach:   make(map[string][]string),
			outputs:   make(map[string][]string),
			repeated:  make(map[string]bool),
		}
		if _, err := ci.add("", d, root); err != nil {
			return
		}
		p.config.resources, p.config.forEach, p.config.outputs, p.config.repeated =
			ci.resources, ci.forEach, ci.outputs, ci.repeated
	})
	return p.config
}

// add indexes the configuration module at d[at:], its resources and outputs
// under prefix ("" or "module.a.module.b."), and returns the position after
// it. Each level walks its values in place, so the section is skipped over
// once, not once per level of nesting (resources sit five levels deep in a
// child module).
func (ci *configIndex) add(prefix string, d []byte, at int) (int, error) {
	return objectAt(d, at, func(key string, at int) (int, error) {
		switch key {
		case "resources":
			return arrayAt(d, at, func(at int) (int, error) { return ci.addResource(prefix, d, at) })
		case "outputs":
			return objectAt(d, at, func(name string, at int) (int, error) {
				return objectAt(d, at, func(key string, at int) (int, error) {
					if key != "expression" {
						return skipValue(d, at), nil
					}
					refs, found, end, err := referencesAt(d, at)
					if found {
						ci.outputs[prefix+name] = refs
					}
					return end, err
				})
			})
		case "module_calls":
			return objectAt(d, at, func(name string, at int) (int, error) {
				path := prefix + "module." + name + "."
				return objectAt(d, at, func(key string, at int) (int, error) {
					switch key {
					case "module":
						if d[at] == 'n' {
							return at + 4, nil
						}
						return ci.add(path, d, at)
					case "for_each_expression", "count_expression":
						_, found, end, err := referencesAt(d, at)
						if found {
							ci.repeated[path] = true
						}
						return end, err
					}
					return skipValue(d, at), nil
				})
			})
		}
		return skipValue(d, at), nil
	})
}

// addResource indexes the configuration resource at d[at:] and returns the
// position after it.
func (ci *configIndex) addResource(prefix string, d []byte, at int) (int, error) {
	var address, mode string
	var forEach []string
	hasForEach := false
	exprs := []byte("{}")
	end, err := objectAt(d, at, func(key string, at int) (int, error) {
		end := skipValue(d, at)
		var err error
		switch key {
		case "address":
			address, err = rawString(d[at:end])
		case "mode":
			mode, err = rawString(d[at:end])
		case "expressions":
			switch d[at] {
			case 'n':
				exprs = []byte("{}")
			case '{':
				exprs = d[at:end]
			default:
				return 0, errConfigShape
			}
		case "for_each_expression":
			forEach, hasForEach, end, err = referencesAt(d, at)
		}
		return end, err
	})
	if err != nil || mode == "data" {
		return end, err
	}
	ci.resources[prefix+address] = exprs
	if hasForEach {
		ci.forEach[prefix+address] = forEach
	}
	return end, nil
}

// objectAt walks the validated object at d[at:] (null is an empty object, any
// other value errConfigShape), calling member with each key and the position
// of its value; member returns the position after that value (skipValue for
// one it does not read). A key that appears twice is given twice, so a caller
// that keeps the last one agrees with encoding/json. It returns the position
// after the object.
func objectAt(d []byte, at int, member func(key string, at int) (int, error)) (int, error) {
	i := skipSpace(d, at)
	if d[i] == 'n' {
		return i + 4, nil
	}
	if d[i] != '{' {
		return 0, errConfigShape
	}
	for i = skipSpace(d, i+1); d[i] == '"'; {
		keyEnd, escaped := skipString(d, i)
		end, err := member(unquote(d[i+1:keyEnd-1], escaped), skipSpace(d, skipSpace(d, keyEnd)+1))
		if err != nil {
			return 0, err
		}
		if i = skipSpace(d, end); d[i] == ',' {
			i = skipSpace(d, i+1)
		}
	}
	return i + 1, nil // past '}'
}

// arrayAt walks the validated array at d[at:] as objectAt walks an object.
func arrayAt(d []byte, at int, element func(at int) (int, error)) (int, error) {
	i := skipSpace(d, at)
	if d[i] == 'n' {
		return i + 4, nil
	}
	if d[i] != '[' {
		return 0, errConfigShape
	}
	for i = skipSpace(d, i+1); d[i] != ']'; {
		end, err := element(i)
		if err != nil {
			return 0, err
		}
		if i = skipSpace(d, end); d[i] == ',' {
			i = skipSpace(d, i+1)
		}
	}
	return i + 1, nil // past ']'
}

// referencesAt reads the references of the expression object at d[at:];
// found is false when the expression is null (absent).
func referencesAt(d []byte, at int) (refs []string, found bool, end int, err error) {
	if d[at] == 'n' {
		return nil, false, at + 4, nil
	}
	end, err = objectAt(d, at, func(key string, at int) (int, error) {
		if key != "references" {
			return skipValue(d, at), nil
		}
		refs = nil
		return arrayAt(d, at, func(at int) (int, error) {
			end := skipValue(d, at)
			s, err := rawString(d[at:end])
			refs = append(refs, s)
			return end, err
		})
	})
	return refs, true, end, err
}

// rawArray calls element with each element of the validated array raw.
func rawArray(raw []byte, element func(value []byte)) {
	arrayAt(raw, 0, func(at int) (int, error) {
		end := skipValue(raw, at)
		element(raw[at:end])
		return end, nil
	})
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
	rawArray(refsRaw, func(ref []byte) {
		if ref[0] == '"' {
			s, _ := rawString(ref)
			out = append(out, s)
		}
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
