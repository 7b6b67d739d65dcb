package tfplan

import (
	"strings"
)

// maxReferenceDepth bounds how many module outputs and for_each expressions
// ConfigTargets follows from one attribute (a module output that names
// another module's output, …); configuration cannot loop, but a hand-made
// plan can.
const maxReferenceDepth = 8

// ConfigTargets resolves the expression that sets a top-level attribute of r
// to the managed resources it names, through the configuration: a resource
// of r's module instance ("azurerm_postgresql_flexible_server.main.id"), one
// instance of it ("azurerm_x.y[\"eu\"].id"), the for_each value of r
// ("each.value.id" with for_each = azurerm_x.y gives the instance with r's
// own key) and a module's output ("module.db.server_id", "module.db[\"eu\"].id",
// followed into the module). Candidates are planned changes and resources
// only in prior_state. complete is false when some reference names something
// else (a variable, a local, a data source, count, a module instance that
// cannot be told) or the plan has no configuration for r: then a resource
// not in targets may still be what the attribute names.
func (r *Resource) ConfigTargets(attr string) (targets []*Resource, complete bool) {
	ci := r.plan.configIndex()
	if _, ok := ci.expressions(r); !ok {
		return nil, false
	}
	list := ci.references(r, attr)
	if len(list) == 0 {
		return nil, false // a literal would be a known value; nothing to follow
	}
	res := refResolver{plan: r.plan, ci: ci}
	targets = res.resolve(list, r.ModuleAddress, r, 0)
	return targets, res.complete()
}

type refResolver struct {
	plan       *Plan
	ci         *configIndex
	incomplete bool
}

func (rr *refResolver) complete() bool { return !rr.incomplete }

// resolve follows refs made in module instance moduleAddr; from is the
// resource whose expression they are (for each.*), nil inside a module output.
func (rr *refResolver) resolve(refs []string, moduleAddr string, from *Resource, depth int) []*Resource {
	if depth > maxReferenceDepth {
		rr.incomplete = true
		return nil
	}
	// Terraform lists a reference with every shorter form of it
	// ("azurerm_x.y[\"a\"].id", "azurerm_x.y[\"a\"]", "azurerm_x.y"); only the
	// most specific of each resource or module says which instance is meant.
	keys := map[string]map[string]bool{} // "type.name" → instance keys named ("" for none)
	var order []string
	var modules []string
	for _, ref := range refs {
		first, _, _ := strings.Cut(ref, ".")
		switch first {
		case "each":
			rr.eachTargets(ref, moduleAddr, from, depth, &order, keys)
		case "module":
			modules = append(modules, ref)
		case "var", "local", "data", "count", "self", "path", "terraform":
			rr.incomplete = true
		default:
			typeName, key, ok := splitResourceRef(ref)
			if !ok {
				rr.incomplete = true
				continue
			}
			if keys[typeName] == nil {
				keys[typeName] = map[string]bool{}
				order = append(order, typeName)
			}
			keys[typeName][key] = true
		}
	}
	var out []*Resource
	for _, typeName := range order {
		named := keys[typeName]
		if len(named) > 1 {
			delete(named, "") // a keyed form says which instance
		}
		typ, name, _ := strings.Cut(typeName, ".")
		for _, cand := range rr.candidates(typ) {
			if cand.ModuleAddress == moduleAddr && cand.Name == name && (named[""] || named[instanceKey(cand)]) {
				out = append(out, cand)
			}
		}
	}
	return append(out, rr.moduleTargets(modules, moduleAddr, depth)...)
}

// eachTargets resolves each.value / each.key through from's for_each: the
// instance of a resource iterated over that has from's own key.
func (rr *refResolver) eachTargets(ref, moduleAddr string, from *Resource, depth int, order *[]string, keys map[string]map[string]bool) {
	if from == nil {
		rr.incomplete = true
		return
	}
	forEach := rr.ci.forEach[from.ConfigAddress()]
	if len(forEach) == 0 {
		rr.incomplete = true
		return
	}
	key := instanceKey(from)
	for _, fe := range forEach {
		typeName, feKey, ok := splitResourceRef(fe)
		first, _, _ := strings.Cut(fe, ".")
		if !ok || feKey != "" || first == "module" || first == "var" || first == "local" || first == "data" || first == "each" {
			// Iterating over something other than a whole resource (a map
			// literal, a variable): the key does not say which resource.
			rr.incomplete = true
			continue
		}
		if keys[typeName] == nil {
			keys[typeName] = map[string]bool{}
			*order = append(*order, typeName)
		}
		keys[typeName][key] = true
	}
}

// moduleTargets follows "module.NAME[KEY].OUTPUT" references into the
// module's output expressions.
func (rr *refResolver) moduleTargets(refs []string, moduleAddr string, depth int) []*Resource {
	// The most specific form wins, as for resources: keep refs that no other
	// ref extends.
	var out []*Resource
	for _, ref := range refs {
		extended := false
		for _, other := range refs {
			if other != ref && strings.HasPrefix(other, ref) {
				extended = true
				break
			}
		}
		if extended {
			continue
		}
		rest := strings.TrimPrefix(ref, "module.")
		name, key, output := splitModuleRef(rest)
		prefix := configModulePath(moduleAddr)
		path := prefix + "module." + name + "."
		if output == "" || (key == "" && rr.ci.repeated[path]) {
			rr.incomplete = true // the whole module, or one instance of several not named
			continue
		}
		inner := "module." + name + key
		if moduleAddr != "" {
			inner = moduleAddr + "." + inner
		}
		outRefs, ok := rr.ci.outputs[path+output]
		if !ok {
			rr.incomplete = true
			continue
		}
		out = append(out, rr.resolve(outRefs, inner, nil, depth+1)...)
	}
	return out
}

// candidates are the planned changes and prior_state resources of a type.
func (rr *refResolver) candidates(typ string) []*Resource {
	return append(append([]*Resource(nil), rr.plan.byType[typ]...), rr.plan.state[typ]...)
}

// splitResourceRef reads "type.name", "type.name.attr" or
// "type.name[KEY]..." into "type.name" and the literal instance key
// ("[\"eu\"]", "[0]" or ""). ok is false for what is not a resource reference.
func splitResourceRef(ref string) (typeName, key string, ok bool) {
	typ, rest, found := strings.Cut(ref, ".")
	if !found || typ == "" || rest == "" {
		return "", "", false
	}
	end := strings.IndexAny(rest, ".[")
	if end < 0 {
		return ref, "", true
	}
	name := rest[:end]
	if rest[end] == '[' {
		if close := indexKeyEnd(rest[end:]); close > 0 {
			key = rest[end : end+close]
		}
	}
	return typ + "." + name, key, name != ""
}

// splitModuleRef reads `NAME`, `NAME.OUTPUT`, `NAME["k"]` or `NAME["k"].OUTPUT`.
func splitModuleRef(rest string) (name, key, output string) {
	end := strings.IndexAny(rest, ".[")
	if end < 0 {
		return rest, "", ""
	}
	name, rest = rest[:end], rest[end:]
	if strings.HasPrefix(rest, "[") {
		close := indexKeyEnd(rest)
		if close < 0 {
			return name, "", ""
		}
		key, rest = rest[:close], rest[close:]
	}
	output, _, _ = strings.Cut(strings.TrimPrefix(rest, "."), ".")
	return name, key, output
}

// indexKeyEnd is the length of the index at the start of s (`["a.b"]`,
// `[0]`), or -1.
func indexKeyEnd(s string) int {
	inQuote := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == ']':
			return i + 1
		}
	}
	return -1
}

// instanceKey is a resource instance's own key in its address ("[\"eu\"]",
// "[0]") or "".
func instanceKey(r *Resource) string {
	base := r.Type + "." + r.Name
	if r.ModuleAddress != "" {
		base = r.ModuleAddress + "." + base
	}
	return strings.TrimPrefix(r.Address, base)
}
