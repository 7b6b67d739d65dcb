package tfplan

import (
	"bytes"
	"fmt"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// Resource is one managed resource change as rules see it. It answers the
// questions every rule asks (what happens, what the value is before and after,
// did it drift) so that no rule walks raw plan JSON.
type Resource struct {
	Address string // absolute instance address, e.g. module.db["eu"].aws_db_instance.main[0]
	Type    string
	Name    string
	// ModuleAddress is the module instance path ("" in the root module).
	ModuleAddress string
	// Deposed is set when the change concerns a deposed object of a
	// create_before_destroy replacement rather than the current one.
	Deposed string

	actionReason tfjson.ActionReason
	change       *rawChange
	plan         *Plan
	// order sorts cross-resource answers as the plan lists them: planned
	// changes first, in plan order, then resources only in prior_state.
	order int
}

// newResource readies the Resource of a change the plan keeps; call it once
// per change.
func newResource(p *Plan, rc *rawResourceChange) *Resource {
	r := &rc.Resource
	r.change, r.plan, r.order = &rc.change, p, p.nextOrder(rc.fromState)
	return r
}

// Actions returns the planned actions, read through predicates such as
// Actions().Replace(); an empty list (hand-written fixtures) behaves as no-op.
func (r *Resource) Actions() tfjson.Actions { return r.change.actions }

// ActionWords renders the actions for people: "create", "update", "destroy",
// "replace (destroy then create)", "forget", "no change".
func (r *Resource) ActionWords() string {
	a := r.change.actions
	switch {
	case a.DestroyBeforeCreate():
		return "replace (destroy, then create)"
	case a.CreateBeforeDestroy():
		return "replace (create, then destroy)"
	case a.Delete():
		return "destroy"
	case a.Create():
		return "create"
	case a.Update():
		return "update"
	case a.Forget():
		return "forget (remove from state, keep the real object)"
	case a.Read():
		return "read"
	}
	return "no change"
}

// Deletes is true when the real object is destroyed, alone or as part of a replace.
func (r *Resource) Deletes() bool {
	for _, a := range r.change.actions {
		if a == tfjson.ActionDelete {
			return true
		}
	}
	return false
}

// Forgets is true when the object leaves Terraform's state but keeps running
// (Terraform 1.7+ `removed { lifecycle { destroy = false } }`).
func (r *Resource) Forgets() bool {
	for _, a := range r.change.actions {
		if a == tfjson.ActionForget {
			return true
		}
	}
	return false
}

// Exists is true when an object will exist after apply: create, update, no-op
// and replace. Rules about the end state look only at such resources.
func (r *Resource) Exists() bool {
	a := r.change.actions
	if r.Deposed != "" || a.Delete() || a.Forget() || a.Read() {
		return false
	}
	return !rawIsNull(r.change.after) || !rawIsNull(r.change.afterUnknown)
}

// Existed is true when an object existed before this plan.
func (r *Resource) Existed() bool { return !rawIsNull(r.change.before) }

// ActionReason explains in words why Terraform chose the actions, or "".
func (r *Resource) ActionReason() string {
	return actionReasonWords(r.actionReason)
}

// ReplacePaths lists the attributes that force the replacement, as dotted paths.
func (r *Resource) ReplacePaths() []string {
	var out []string
	paths, _ := decodeRaw(r.change.replacePaths).([]any)
	for _, p := range paths {
		steps, ok := p.([]any)
		if !ok {
			continue
		}
		var b strings.Builder
		for i, s := range steps {
			switch t := s.(type) {
			case string:
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(t)
			case float64:
				fmt.Fprintf(&b, "[%d]", int(t))
			}
		}
		out = append(out, b.String())
	}
	return out
}

// After reads an attribute of the planned object.
func (r *Resource) After(path string) Value {
	return lookup(r.change.after, &r.change.afterTop, r.change.afterUnknown, r.change.afterSensitive, path)
}

// Before reads an attribute of the object as it was before this plan.
func (r *Resource) Before(path string) Value {
	return lookup(r.change.before, &r.change.beforeTop, nil, r.change.beforeSensitive, path)
}

// Drift is the change Terraform detected outside of Terraform for this address
// (resource_drift), or nil. Drift never replaces the planned change: it is what
// happened to the real object since the last apply.
func (r *Resource) Drift() *DriftChange {
	d, ok := r.plan.drift[r.Address]
	if !ok {
		return nil
	}
	return &DriftChange{change: &d.change}
}

// DriftChange is an out-of-band change to a resource.
type DriftChange struct{ change *rawChange }

// Before is the value recorded in state at the last apply.
func (d *DriftChange) Before(path string) Value {
	return lookup(d.change.before, &d.change.beforeTop, nil, d.change.beforeSensitive, path)
}

// After is the value found on the real object now.
func (d *DriftChange) After(path string) Value {
	return lookup(d.change.after, &d.change.afterTop, d.change.afterUnknown, d.change.afterSensitive, path)
}

// Deleted is true when the object was deleted outside Terraform.
func (d *DriftChange) Deleted() bool {
	// after_unknown may still be an empty object ({}), as Terraform writes it.
	return !rawIsNull(d.change.before) && rawIsNull(d.change.after)
}

// Configured says whether the user's configuration writes the attribute
// (top-level or nested path). It answers ConfigUnavailable when the plan has no
// configuration section. Rules use it to tell "left to the provider default"
// from "computed from something not yet known".
func (r *Resource) Configured(path string) ConfigPresence {
	return r.plan.configIndex().presence(r, path)
}

// ConfigReferences lists the references of the expression that sets a
// top-level attribute, e.g. ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"].
func (r *Resource) ConfigReferences(attr string) []string {
	return r.plan.configIndex().references(r, attr)
}

// ConfigAddress is the resource's address in configuration: module instance
// keys and the resource index removed ("module.db.aws_db_instance.main").
func (r *Resource) ConfigAddress() string {
	return configModulePath(r.ModuleAddress) + r.Type + "." + r.Name
}

// configModulePath strips instance keys: module.a["x"].module.b[0] → "module.a.module.b.".
func configModulePath(moduleAddress string) string {
	if moduleAddress == "" {
		return ""
	}
	var b strings.Builder
	depth := 0
	inQuote := false
	for i := 0; i < len(moduleAddress); i++ {
		c := moduleAddress[i]
		switch {
		case inQuote:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQuote = false
			}
		case c == '"' && depth > 0:
			inQuote = true
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String() + "."
}

func actionReasonWords(reason tfjson.ActionReason) string {
	switch reason {
	case tfjson.ActionReasonReplaceBecauseCannotUpdate:
		return "an attribute that cannot be updated in place changed"
	case tfjson.ActionReasonReplaceBecauseTainted:
		return "the object is tainted"
	case tfjson.ActionReasonReplaceByRequest:
		return "replacement was requested (-replace)"
	case tfjson.ActionReasonReplaceByTriggers:
		return "replace_triggered_by fired"
	case tfjson.ActionReasonDeleteBecauseNoResourceConfig:
		return "the resource was removed from the configuration"
	case tfjson.ActionReasonDeleteBecauseWrongRepetition:
		return "count/for_each was added or removed"
	case tfjson.ActionReasonDeleteBecauseCountIndex:
		return "its count index is beyond the new count"
	case tfjson.ActionReasonDeleteBecauseEachKey:
		return "its for_each key is no longer in the map"
	case tfjson.ActionReasonDeleteBecauseNoModule:
		return "its module was removed from the configuration"
	case tfjson.ActionReasonDeleteBecauseNoMoveTarget:
		return "a moved block points at a resource that no longer exists"
	case "":
		return ""
	}
	return string(reason)
}

// ByteRange is where the resource's change object lies in the plan's bytes,
// [start, end); (0, 0) when unknown. A caller that holds the plan in a file
// mapping drops these pages once the resource is judged.
func (r *Resource) ByteRange() (start, end int) { return r.change.start, r.change.end }

// DecodeBefore decodes the whole object as it was before this plan, as
// encoding/json would (nil when there was none). It builds maps of the
// entire value, so rules read attributes through Before instead.
func (r *Resource) DecodeBefore() any { return decodeRaw(r.change.before) }

// DecodeAfter decodes the whole planned object (see DecodeBefore).
func (r *Resource) DecodeAfter() any { return decodeRaw(r.change.after) }

// DecodeAfterUnknown decodes the after_unknown marks: true where a value is
// known only after apply, objects and lists of marks around them.
func (r *Resource) DecodeAfterUnknown() any { return decodeRaw(r.change.afterUnknown) }

// HoldsSensitive reports whether Terraform marked any value of the resource
// sensitive. A sensitivity tree holds only objects, arrays and booleans, so
// any "true" in its bytes (a key spelled "true" included, which only errs
// towards hiding) is a mark.
func (r *Resource) HoldsSensitive() bool {
	return bytes.Contains(r.change.afterSensitive, []byte("true")) || bytes.Contains(r.change.beforeSensitive, []byte("true"))
}
