// Package evaltest builds small plans for rule tests. Plans go through the real
// JSON decoder, so tests exercise exactly what `prodgate check` reads.
package evaltest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// Change describes one resource change of a test plan. Unset fields get
// sensible values: Address defaults to Type + ".this", Actions to ["create"].
type Change struct {
	Address       string
	ModuleAddress string
	Type          string
	Actions       []string
	ActionReason  string
	ReplacePaths  [][]any
	Before        map[string]any
	After         map[string]any
	// AfterUnknown marks attributes known only after apply: {"attr": true}.
	AfterUnknown    map[string]any
	AfterSensitive  map[string]any
	BeforeSensitive map[string]any
	// Config is the resource's configuration expressions, e.g.
	// {"bucket": {"references": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]}}.
	// Nil means the plan has no configuration entry for this resource.
	Config map[string]any
	// ForEach is the references of the resource's for_each expression in
	// configuration (e.g. ["azurerm_postgresql_flexible_server.db"]).
	ForEach []string
	// Drift, when set, adds a resource_drift entry with these before/after objects.
	DriftBefore, DriftAfter map[string]any
	// Deposed marks the change as concerning a deposed object.
	Deposed string
	// StateOnly puts the resource in prior_state (with After as its values)
	// instead of resource_changes, as a targeted plan would leave it.
	StateOnly bool
}

// Plan builds plan JSON from changes and parses it with tfplan.ParsePlan.
func Plan(t testing.TB, changes ...Change) *tfplan.Plan {
	t.Helper()
	return ParseDoc(t, PlanJSON(changes...))
}

// ParseDoc marshals a plan document (from PlanJSON, edited further) and
// parses it with tfplan.ParsePlan.
func ParseDoc(t testing.TB, doc map[string]any) *tfplan.Plan {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("marshal test plan: %v", err)
	}
	p, err := tfplan.ParsePlan(data)
	if err != nil {
		t.Fatalf("parse test plan: %v", err)
	}
	return p
}

// PlanJSON returns the plan document as a map, for tests that edit it further.
func PlanJSON(changes ...Change) map[string]any {
	var rcs, drift []any
	var cfgResources []any
	cfgModules := map[string][]any{}
	var stateRoot []any
	stateModules := map[string][]any{}
	for _, c := range changes {
		addr := c.Address
		if addr == "" {
			addr = c.Type + ".this"
		}
		actions := c.Actions
		if actions == nil {
			actions = []string{"create"}
		}
		name := addr[strings.LastIndex(addr, ".")+1:]
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		if c.StateOnly {
			res := map[string]any{"address": addr, "mode": "managed", "type": c.Type, "name": name,
				"provider_name": "registry.terraform.io/hashicorp/test", "values": c.After, "sensitive_values": orEmpty(c.AfterSensitive)}
			if c.ModuleAddress == "" {
				stateRoot = append(stateRoot, res)
			} else {
				stateModules[c.ModuleAddress] = append(stateModules[c.ModuleAddress], res)
			}
			continue
		}
		change := map[string]any{
			"actions":          actions,
			"before":           nilIfEmpty(c.Before),
			"after":            nilIfEmpty(c.After),
			"after_unknown":    orEmpty(c.AfterUnknown),
			"before_sensitive": orFalse(c.BeforeSensitive),
			"after_sensitive":  orFalse(c.AfterSensitive),
		}
		if len(actions) == 1 && actions[0] == "delete" {
			change["after"] = nil
		}
		if len(c.ReplacePaths) > 0 {
			change["replace_paths"] = c.ReplacePaths
		}
		rc := map[string]any{
			"address": addr, "mode": "managed", "type": c.Type, "name": name,
			"provider_name": "registry.terraform.io/hashicorp/test", "change": change,
		}
		if c.ModuleAddress != "" {
			rc["module_address"] = c.ModuleAddress
		}
		if c.Deposed != "" {
			rc["deposed"] = c.Deposed
		}
		if c.ActionReason != "" {
			rc["action_reason"] = c.ActionReason
		}
		rcs = append(rcs, rc)
		if c.DriftBefore != nil || c.DriftAfter != nil {
			drift = append(drift, map[string]any{
				"address": addr, "mode": "managed", "type": c.Type, "name": name,
				"change": map[string]any{"actions": []string{"update"}, "before": c.DriftBefore, "after": c.DriftAfter},
			})
		}
		if c.Config != nil {
			res := map[string]any{"address": c.Type + "." + name, "mode": "managed", "type": c.Type, "name": name, "expressions": c.Config}
			if c.ForEach != nil {
				res["for_each_expression"] = map[string]any{"references": c.ForEach}
			}
			if c.ModuleAddress == "" {
				cfgResources = append(cfgResources, res)
			} else {
				path := moduleNames(c.ModuleAddress)
				key := strings.Join(path, ".")
				cfgModules[key] = append(cfgModules[key], res)
			}
		}
	}
	root := map[string]any{"resources": cfgResources}
	for key, resources := range cfgModules {
		nestModule(root, strings.Split(key, "."), resources)
	}
	doc := map[string]any{
		"format_version":    "1.2",
		"terraform_version": "1.11.0",
		"resource_changes":  rcs,
		"configuration":     map[string]any{"root_module": root},
		// Terraform writes planned_values in every plan; without it (and with
		// no resource changes) the document would not be a plan.
		"planned_values": map[string]any{"root_module": map[string]any{}},
	}
	if stateRoot != nil || len(stateModules) > 0 {
		var children []any
		for addr, resources := range stateModules {
			children = append(children, map[string]any{"address": addr, "resources": resources})
		}
		doc["prior_state"] = map[string]any{"format_version": "1.0", "values": map[string]any{
			"root_module": map[string]any{"resources": stateRoot, "child_modules": children}}}
	}
	if drift != nil {
		doc["resource_drift"] = drift
	}
	return doc
}

func nilIfEmpty(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

func orEmpty(m map[string]any) any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func orFalse(m map[string]any) any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// moduleNames turns module.a["x"].module.b[0] into [a, b].
func moduleNames(moduleAddress string) []string {
	var names []string
	for _, part := range strings.Split(moduleAddress, "module.") {
		part = strings.TrimSuffix(part, ".")
		if i := strings.IndexByte(part, '['); i >= 0 {
			part = part[:i]
		}
		if part != "" {
			names = append(names, part)
		}
	}
	return names
}

// nestModule places resources in the configuration's module_calls tree.
func nestModule(module map[string]any, path []string, resources []any) {
	calls, _ := module["module_calls"].(map[string]any)
	if calls == nil {
		calls = map[string]any{}
		module["module_calls"] = calls
	}
	call, _ := calls[path[0]].(map[string]any)
	if call == nil {
		call = map[string]any{"module": map[string]any{}}
		calls[path[0]] = call
	}
	child := call["module"].(map[string]any)
	if len(path) == 1 {
		existing, _ := child["resources"].([]any)
		child["resources"] = append(existing, resources...)
		return
	}
	nestModule(child, path[1:], resources)
}
