package tfplan

import (
	"sort"
	"strings"
	"sync"
)

// Cross-resource questions ("which aws_s3_bucket_public_access_block points at
// this bucket?") are asked once per resource. Scanning every resource of the
// other type each time makes large plans quadratic, so the plan answers them
// from indexes built on first use: by the attribute's known values and by the
// configuration references of the expression that sets it.

type refIndexKey struct {
	fromType, attr string
	all            bool // every planned change, not only resources that exist after apply
}

type valueIndexKey struct {
	toType string
	keys   string
}

type refIndex struct {
	byValue map[string][]*Resource // a known string value (or list element) of attr
	byRef   map[string][]*Resource // module instance + "\x00" + referenced type.name
}

type valueIndex struct {
	byValue map[string][]*Resource // a known value of one of the keys
	byAddr  map[string][]*Resource // module instance + "\x00" + type.name
}

type planIndexes struct {
	mu       sync.Mutex
	existing map[string][]*Resource
	refs     map[refIndexKey]*refIndex
	values   map[valueIndexKey]*valueIndex
}

func (p *Plan) indexes() *planIndexes {
	p.idxOnce.Do(func() {
		p.idx = &planIndexes{
			existing: make(map[string][]*Resource),
			refs:     make(map[refIndexKey]*refIndex),
			values:   make(map[valueIndexKey]*valueIndex),
		}
	})
	return p.idx
}

// Existing returns every resource of a type that exists after this plan:
// planned resources that will exist, and resources recorded in prior_state
// that the plan does not mention (a targeted plan leaves them out). The
// result is shared: do not modify it.
func (p *Plan) Existing(resourceType string) []*Resource {
	idx := p.indexes()
	idx.mu.Lock()
	defer idx.mu.Unlock()
	if list, ok := idx.existing[resourceType]; ok {
		return list
	}
	var out []*Resource
	for _, r := range p.byType[resourceType] {
		if r.Exists() {
			out = append(out, r)
		}
	}
	out = append(out, p.state[resourceType]...)
	idx.existing[resourceType] = out
	return out
}

// Pointing returns the resources of fromType that exist after this plan and
// whose attribute attr points at target, as Resource.Targets decides.
func (p *Plan) Pointing(fromType, attr string, target *Resource, targetKeys ...string) []*Resource {
	return p.pointing(refIndexKey{fromType, attr, false}, target, targetKeys)
}

// PointingAny is Pointing over every planned change of fromType, including
// ones being destroyed (matched by their value before the plan), plus
// prior_state resources the plan does not mention.
func (p *Plan) PointingAny(fromType, attr string, target *Resource, targetKeys ...string) []*Resource {
	return p.pointing(refIndexKey{fromType, attr, true}, target, targetKeys)
}

func (p *Plan) pointing(key refIndexKey, target *Resource, targetKeys []string) []*Resource {
	ri := p.refIndexFor(key)
	// A known value equal to one of the target's keys is a match by
	// Targets' own rule; only reference candidates need checking.
	var matched []*Resource
	for _, k := range targetKeys {
		if v, ok := target.After(k).Str(); ok && v != "" {
			matched = append(matched, ri.byValue[v]...)
		}
	}
	refs := ri.byRef[target.ModuleAddress+"\x00"+target.Type+"."+target.Name]
	return confirmed(matched, refs, func(r *Resource) bool { return r.Targets(key.attr, target, targetKeys...) })
}

func (p *Plan) refIndexFor(key refIndexKey) *refIndex {
	idx := p.indexes()
	idx.mu.Lock()
	if ri, ok := idx.refs[key]; ok {
		idx.mu.Unlock()
		return ri
	}
	idx.mu.Unlock()
	var from []*Resource
	if key.all {
		from = append(append(from, p.byType[key.fromType]...), p.state[key.fromType]...)
	} else {
		from = p.Existing(key.fromType)
	}
	ri := &refIndex{byValue: make(map[string][]*Resource), byRef: make(map[string][]*Resource)}
	for _, r := range from {
		v := r.After(key.attr)
		if !r.Exists() {
			v = r.Before(key.attr)
		}
		if s, ok := v.Str(); ok && s != "" {
			ri.byValue[s] = append(ri.byValue[s], r)
		} else if list, ok := v.List(); ok {
			for _, item := range list {
				if s, ok := item.(string); ok && s != "" {
					ri.byValue[s] = append(ri.byValue[s], r)
				}
			}
		}
		for _, ref := range r.ConfigReferences(key.attr) {
			ri.byRef[r.ModuleAddress+"\x00"+refTarget(ref)] = append(ri.byRef[r.ModuleAddress+"\x00"+refTarget(ref)], r)
		}
	}
	idx.mu.Lock()
	defer idx.mu.Unlock()
	if existing, ok := idx.refs[key]; ok {
		return existing
	}
	idx.refs[key] = ri
	return ri
}

// PointedAt returns the resources of toType (existing after the plan) that
// from's attribute attr points at, the reverse question of Pointing: "which
// aws_instance does this aws_volume_attachment attach to?"
func (p *Plan) PointedAt(from *Resource, attr, toType string, targetKeys ...string) []*Resource {
	vi := p.valueIndexFor(valueIndexKey{toType, strings.Join(targetKeys, "\x00")}, targetKeys)
	v := from.After(attr)
	if !from.Exists() {
		v = from.Before(attr)
	}
	var matched, refs []*Resource
	if s, ok := v.Str(); ok && s != "" {
		matched = append(matched, vi.byValue[s]...)
	} else if list, ok := v.List(); ok {
		for _, item := range list {
			if s, ok := item.(string); ok {
				matched = append(matched, vi.byValue[s]...)
			}
		}
	}
	for _, ref := range from.ConfigReferences(attr) {
		refs = append(refs, vi.byAddr[from.ModuleAddress+"\x00"+refTarget(ref)]...)
	}
	return confirmed(matched, refs, func(t *Resource) bool { return from.Targets(attr, t, targetKeys...) })
}

func (p *Plan) valueIndexFor(key valueIndexKey, targetKeys []string) *valueIndex {
	idx := p.indexes()
	idx.mu.Lock()
	if vi, ok := idx.values[key]; ok {
		idx.mu.Unlock()
		return vi
	}
	idx.mu.Unlock()
	vi := &valueIndex{byValue: make(map[string][]*Resource), byAddr: make(map[string][]*Resource)}
	for _, t := range p.Existing(key.toType) {
		for _, k := range targetKeys {
			if s, ok := t.After(k).Str(); ok && s != "" {
				vi.byValue[s] = append(vi.byValue[s], t)
			}
		}
		addr := t.ModuleAddress + "\x00" + t.Type + "." + t.Name
		vi.byAddr[addr] = append(vi.byAddr[addr], t)
	}
	idx.mu.Lock()
	defer idx.mu.Unlock()
	if existing, ok := idx.values[key]; ok {
		return existing
	}
	idx.values[key] = vi
	return vi
}

// refTarget turns a reference such as aws_s3_bucket.logs.id or
// aws_s3_bucket.logs[0] into the resource it names (aws_s3_bucket.logs).
func refTarget(ref string) string {
	parts := strings.SplitN(ref, ".", 3)
	if len(parts) < 2 {
		return ref
	}
	name := parts[1]
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	return parts[0] + "." + name
}

// confirmed returns the value matches and the reference candidates that ok
// accepts, each once, in plan order.
func confirmed(matched, candidates []*Resource, ok func(*Resource) bool) []*Resource {
	if len(matched)+len(candidates) == 0 {
		return nil
	}
	out := make([]*Resource, 0, len(matched))
	seen := make(map[*Resource]bool, len(matched)+len(candidates))
	for _, c := range matched {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, c := range candidates {
		if seen[c] {
			continue
		}
		seen[c] = true
		if ok(c) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out
}
