package tfplan

import (
	"strings"
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

// configIndex maps configuration addresses to their expressions. It is built
// while the scanner validates the configuration section (readConfiguration),
// so the section is walked once; each resource's expressions stay the plan's
// own bytes, read only when a rule asks about that resource.
//
// Decoding the section with encoding/json took 53 % of the CPU time of
// `prodgate check` on bench/compare.sh's real shape at 20,000 resource changes
// (issue 17). Walking the validated section a second time on the first
// question, as the index then did, cost 7.5 % of the instructions of that
// check (cachegrind, 1,987 M against 1,837 M); the memory stays the same,
// since rules read most resources' expressions back anyway.
type configIndex struct {
	// resources maps "module.a.aws_s3_bucket.b" to the bytes of its
	// expressions object ("{}" when the configuration has none).
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

// configIndex is nil when the plan has no usable configuration section.
func (p *Plan) configIndex() *configIndex { return p.config }

// configReader validates the configuration section at its scanner exactly as
// scanner.validate would, and indexes the last root_module on the way. A part
// that does not have the shape Terraform writes (a string where an object
// belongs, …) is validated all the same and makes the index unusable: nothing
// is then said from the configuration, as when it is absent.
type configReader struct {
	sc  *scanner
	ci  *configIndex
	bad bool
}

// readConfiguration reads the configuration section at sc; the index is nil
// when the section gives none.
func readConfiguration(sc *scanner) (*configIndex, error) {
	cr := &configReader{sc: sc}
	var last *configIndex // the last root_module, as encoding/json keeps
	err := cr.object(func(key string) error {
		if key != "root_module" {
			return cr.skip()
		}
		if sc.peek() == 'n' {
			last = nil
			return sc.literal("null")
		}
		cr.ci = &configIndex{
			resources: make(map[string][]byte),
			forEach:   make(map[string][]string),
			outputs:   make(map[string][]string),
			repeated:  make(map[string]bool),
		}
		cr.bad = false
		if err := cr.module(""); err != nil {
			return err
		}
		last = cr.ci
		if cr.bad {
			last = nil
		}
		return nil
	})
	if err != nil || cr.bad {
		return nil, err
	}
	return last, nil
}

// module indexes the configuration module at the scanner, its resources and
// outputs under prefix ("" or "module.a.module.b."). It recurses once per
// level of module_calls, which the scanner's object bounds by MaxPlanDepth.
func (cr *configReader) module(prefix string) error {
	return cr.object(func(key string) error {
		switch key {
		case "resources":
			return cr.array(func() error { return cr.resource(prefix) })
		case "outputs":
			return cr.object(func(name string) error {
				return cr.object(func(key string) error {
					if key != "expression" {
						return cr.skip()
					}
					refs, found, err := cr.references()
					if found {
						cr.ci.outputs[ownJoin(prefix, name)] = refs
					}
					return err
				})
			})
		case "module_calls":
			return cr.object(func(name string) error {
				path := prefix + "module." + name + "."
				return cr.object(func(key string) error {
					switch key {
					case "module":
						return cr.module(path)
					case "for_each_expression", "count_expression":
						_, found, err := cr.references()
						if found {
							cr.ci.repeated[path] = true
						}
						return err
					}
					return cr.skip()
				})
			})
		}
		return cr.skip()
	})
}

// emptyExpressions stands for a resource whose configuration has none.
var emptyExpressions = []byte("{}")

// resource indexes the configuration resource at the scanner.
func (cr *configReader) resource(prefix string) error {
	sc := cr.sc
	var address, mode string
	var forEach []string
	hasForEach := false
	exprs := emptyExpressions
	err := cr.object(func(key string) error {
		var err error
		switch key {
		case "address":
			address, err = cr.str()
		case "mode":
			mode, err = cr.str()
		case "expressions":
			switch sc.peek() {
			case 'n':
				exprs = emptyExpressions
				return sc.literal("null")
			case '{':
				exprs, err = sc.validate()
			default:
				cr.bad = true
				return cr.skip()
			}
		case "for_each_expression":
			forEach, hasForEach, err = cr.references()
		default:
			err = cr.skip()
		}
		return err
	})
	if err != nil || mode == "data" {
		return err
	}
	key := ownJoin(prefix, address)
	cr.ci.resources[key] = exprs
	if hasForEach {
		cr.ci.forEach[key] = forEach
	}
	return nil
}

// references reads the references of the expression object at the scanner;
// found is false when the expression is null (absent). The strings are
// copies, so the plan's pages can be dropped (ParseOptions.Release).
func (cr *configReader) references() (refs []string, found bool, err error) {
	if cr.sc.peek() == 'n' {
		return nil, false, cr.sc.literal("null")
	}
	err = cr.object(func(key string) error {
		if key != "references" {
			return cr.skip()
		}
		refs = nil
		return cr.array(func() error {
			s, err := cr.str()
			refs = append(refs, strings.Clone(s))
			return err
		})
	})
	return refs, true, err
}

// object walks the object at the scanner (null is an empty object; any other
// value is validated and makes the index unusable), calling member with each
// key, unquoted; member must consume the value. A key that appears twice is
// given twice, so a caller that keeps the last one agrees with encoding/json.
func (cr *configReader) object(member func(key string) error) error {
	switch cr.sc.peek() {
	case 'n':
		return cr.sc.literal("null")
	case '{':
		return cr.sc.object(func(key []byte, escaped bool) error { return member(unquote(key, escaped)) })
	}
	cr.bad = true
	return cr.skip()
}

// array walks the array at the scanner as object walks an object.
func (cr *configReader) array(element func() error) error {
	switch cr.sc.peek() {
	case 'n':
		return cr.sc.literal("null")
	case '[':
		return cr.sc.array(element)
	}
	cr.bad = true
	return cr.skip()
}

// str reads a string ("" for null) at the scanner; the result may share the
// plan's bytes.
func (cr *configReader) str() (string, error) {
	switch cr.sc.peek() {
	case '"', 'n':
		return cr.sc.stringValue("")
	}
	cr.bad = true
	return "", cr.skip()
}

// skip validates a value the index does not read.
func (cr *configReader) skip() error {
	_, err := cr.sc.validate()
	return err
}

// ownJoin is prefix+name in memory of its own: a name read from the plan
// shares its bytes, whose pages the caller may drop.
func ownJoin(prefix, name string) string {
	if prefix == "" {
		return strings.Clone(name)
	}
	return prefix + name
}

func (ci *configIndex) expressions(r *Resource) ([]byte, bool) {
	if ci == nil {
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
	rawMembers(raw, func(k span, escaped bool, v span) bool {
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
	return expressionReferences(exprs, attr)
}

// expressionReferences lists the references of attr's expression in a
// resource's expressions object (empty, not nil, when it has none).
func expressionReferences(exprs []byte, attr string) []string {
	expr, _ := rawMember(exprs, attr)
	refsRaw, _ := rawMember(expr, "references")
	out := []string{}
	if len(refsRaw) == 0 || refsRaw[0] != '[' {
		return out
	}
	rawElements(refsRaw, func(ref []byte) {
		if ref[0] == '"' {
			end, escaped := skipString(ref, 0)
			out = append(out, unquote(ref[1:end-1], escaped))
		}
	})
	return out
}

// referencesResource reports whether refs (from ConfigReferences of a resource
// in the same module) point at target.
func referencesResource(refs []string, target *Resource) bool {
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
	return r.ModuleAddress == target.ModuleAddress && referencesResource(r.ConfigReferences(attr), target)
}
