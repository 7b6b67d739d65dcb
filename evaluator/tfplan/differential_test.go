package tfplan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	tfjson "github.com/hashicorp/terraform-json"
)

// Corpus files whose plans are read differently on purpose, or that
// terraform-json itself refuses, with the reason. A file missing from here
// that either reader refuses fails the test, and so does an entry that no
// longer applies.
var (
	// prodgate refuses these; terraform-json reads them.
	refusedByProdgate = map[string]string{
		"jond3k-tfplan-validator/invalid-actions.json": `unknown action`, // a deliberately invalid action word (MANIFEST notes)
	}
	// terraform-json refuses these; prodgate reads them.
	refusedByTerraformJSON = map[string]string{
		// OpenTofu's fixture of a plan that errored: its prior_state is {}, no
		// format_version, which terraform-json's State requires (MANIFEST:
		// "errored=true plan, no resource_changes, empty planned_values").
		// prodgate reads it and fails the gate because the plan errored.
		"opentofu-opentofu/show-json-plan-error-errored.json": "unexpected state input, format version is missing",
	}
)

// TestScannerAgreesWithTerraformJSON reads every plan of the corpus (and the
// repository's own) twice: with prodgate's scanner, and with terraform-json's
// Plan decoded by encoding/json, the reference every Go tool of the field uses.
// What the rules can see must be the same: each resource change (address,
// type, mode, actions, action reason, before/after/unknown/sensitive values,
// replace_paths), drift, the prior state's resources, output changes, the
// configuration index, and the facts about the plan.
func TestScannerAgreesWithTerraformJSON(t *testing.T) {
	files := planFiles()
	corpus := 0
	for _, f := range files {
		if strings.Contains(f, "shared/corpus") {
			corpus++
		}
	}
	if corpus == 0 {
		t.Log("plan corpus not found at ../../../shared/corpus/plans (it lives in ../shared beside the repository); comparing the repository's own plans only")
	}
	for _, file := range files {
		name := filepath.ToSlash(file)
		if i := strings.Index(name, "corpus/plans/"); i >= 0 {
			name = name[i+len("corpus/plans/"):]
		}
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			// Two corpus files are UTF-16 with a byte order mark, which
			// encoding/json does not read: both readers get the UTF-8 text.
			data, err := toUTF8(raw)
			if err != nil {
				t.Fatal(err)
			}
			ours, ourErr := ParsePlan(raw)
			var ref tfjson.Plan
			refErr := json.Unmarshal(data, &ref)

			if want, ok := refusedByProdgate[name]; ok {
				if ourErr == nil || !strings.Contains(ourErr.Error(), want) {
					t.Fatalf("want prodgate to refuse it (%s), got %v", want, ourErr)
				}
				if refErr != nil {
					t.Fatalf("terraform-json refuses it too: %v", refErr)
				}
				return
			}
			if want, ok := refusedByTerraformJSON[name]; ok {
				if refErr == nil || !strings.Contains(refErr.Error(), want) {
					t.Fatalf("want terraform-json to refuse it (%s), got %v", want, refErr)
				}
				if ourErr != nil {
					t.Fatalf("prodgate refuses it too: %v", ourErr)
				}
				return
			}
			if ourErr != nil || refErr != nil {
				t.Fatalf("prodgate: %v; terraform-json: %v", ourErr, refErr)
			}
			var facts struct {
				Errored bool `json:"errored"`
			}
			if err := json.Unmarshal(data, &facts); err != nil {
				t.Fatal(err)
			}

			if diff := cmp.Diff(referenceFacts(&ref, facts.Errored), scannedFacts(ours)); diff != "" {
				t.Errorf("facts (-terraform-json +prodgate):\n%s", diff)
			}
			if diff := cmp.Diff(referenceChanges(&ref), scannedChanges(ours)); diff != "" {
				t.Errorf("resource changes (-terraform-json +prodgate):\n%s", diff)
			}
			if diff := cmp.Diff(referenceDrift(&ref), scannedDrift(ours)); diff != "" {
				t.Errorf("resource drift (-terraform-json +prodgate):\n%s", diff)
			}
			if diff := cmp.Diff(referenceState(&ref), scannedState(ours)); diff != "" {
				t.Errorf("prior state (-terraform-json +prodgate):\n%s", diff)
			}
			if diff := cmp.Diff(referenceOutputs(&ref), scannedOutputs(ours)); diff != "" {
				t.Errorf("output changes (-terraform-json +prodgate):\n%s", diff)
			}
			if diff := cmp.Diff(referenceConfig(&ref), scannedConfig(ours), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("configuration index (-terraform-json +prodgate):\n%s", diff)
			}
		})
	}
}

// docFacts is what a plan says about itself.
type docFacts struct {
	FormatVersion, TerraformVersion string
	Errored                         bool
	Complete                        *bool
	DeferredChanges                 int
}

func referenceFacts(p *tfjson.Plan, errored bool) docFacts {
	return docFacts{p.FormatVersion, p.TerraformVersion, errored, p.Complete, len(p.DeferredChanges)}
}

func scannedFacts(p *Plan) docFacts {
	return docFacts{p.FormatVersion, p.TerraformVersion, p.Errored, p.Complete, p.DeferredChanges}
}

// change is one change as the rules see it; values are decoded as
// encoding/json decodes into an interface.
type change struct {
	Address, ModuleAddress, Type, Name, Deposed, ActionReason    string
	Actions                                                      []string
	Before, After, AfterUnknown, BeforeSensitive, AfterSensitive any
	ReplacePaths                                                 any
}

func referenceChange(rc *tfjson.ResourceChange) change {
	c := rc.Change
	return change{
		Address: rc.Address, ModuleAddress: rc.ModuleAddress, Type: rc.Type, Name: rc.Name, Deposed: rc.DeposedKey,
		ActionReason: string(rc.ActionReason), Actions: actionStrings(c.Actions),
		Before: c.Before, After: c.After, AfterUnknown: c.AfterUnknown, BeforeSensitive: c.BeforeSensitive, AfterSensitive: c.AfterSensitive,
		ReplacePaths: nilIfNone(c.ReplacePaths),
	}
}

func scannedChange(r *Resource, c *rawChange) change {
	return change{
		Address: r.Address, ModuleAddress: r.ModuleAddress, Type: r.Type, Name: r.Name, Deposed: r.Deposed,
		ActionReason: string(r.actionReason), Actions: actionStrings(c.actions),
		Before: decodeRaw(c.before), After: decodeRaw(c.after), AfterUnknown: decodeRaw(c.afterUnknown),
		BeforeSensitive: decodeRaw(c.beforeSensitive), AfterSensitive: decodeRaw(c.afterSensitive), ReplacePaths: decodeRaw(c.replacePaths),
	}
}

// referenceChanges lists the managed resource changes: data sources and
// ephemeral resources change nothing, and rules never see them.
func referenceChanges(p *tfjson.Plan) []change {
	var out []change
	for _, rc := range p.ResourceChanges {
		if rc.Mode == tfjson.DataResourceMode || rc.Mode == ephemeralMode {
			continue
		}
		out = append(out, referenceChange(rc))
	}
	return out
}

func scannedChanges(p *Plan) []change {
	var out []change
	for _, r := range p.Resources {
		out = append(out, scannedChange(r, r.change))
	}
	return out
}

// referenceDrift is each address's drift (the last entry for it) that has a
// change.
func referenceDrift(p *tfjson.Plan) map[string]change {
	out := map[string]change{}
	for _, rc := range p.ResourceDrift {
		if rc.Change != nil {
			out[rc.Address] = referenceChange(rc)
		}
	}
	return out
}

func scannedDrift(p *Plan) map[string]change {
	out := map[string]change{}
	for addr, rc := range p.drift {
		out[addr] = scannedChange(&rc.Resource, &rc.change)
	}
	return out
}

// stateResource is a prior_state resource as cross-resource rules see it.
type stateResource struct {
	Address, ModuleAddress, Type, Name string
	Values, SensitiveValues            any
}

// referenceState lists the managed, current (not deposed) objects of
// prior_state, a module's resources before its children's, with the module's
// address (and Terraform 0.12's unprefixed addresses prefixed with it), less
// those resource_changes plans a change for.
func referenceState(p *tfjson.Plan) []stateResource {
	if p.PriorState == nil || p.PriorState.Values == nil || p.PriorState.Values.RootModule == nil {
		return nil
	}
	planned := map[string]bool{}
	for _, rc := range p.ResourceChanges {
		if rc.Mode == tfjson.ManagedResourceMode || rc.Mode == "" {
			planned[rc.Type+"\x00"+rc.Address] = true
		}
	}
	var out []stateResource
	var walk func(m *tfjson.StateModule)
	walk = func(m *tfjson.StateModule) {
		for _, r := range m.Resources {
			if (r.Mode != "" && r.Mode != tfjson.ManagedResourceMode) || r.DeposedKey != "" {
				continue
			}
			addr := r.Address
			if m.Address != "" && !strings.HasPrefix(addr, m.Address+".") {
				addr = m.Address + "." + addr
			}
			if planned[r.Type+"\x00"+addr] {
				continue
			}
			var values any
			if r.AttributeValues != nil {
				values = map[string]any(r.AttributeValues)
			}
			var sensitive any
			if len(r.SensitiveValues) > 0 {
				if err := json.Unmarshal(r.SensitiveValues, &sensitive); err != nil {
					panic(err)
				}
			}
			out = append(out, stateResource{addr, m.Address, r.Type, r.Name, values, sensitive})
		}
		for _, child := range m.ChildModules {
			walk(child)
		}
	}
	walk(p.PriorState.Values.RootModule)
	return out
}

func scannedState(p *Plan) []stateResource {
	var all []*Resource
	for _, list := range p.state {
		all = append(all, list...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].order < all[j].order })
	var out []stateResource
	for _, r := range all {
		out = append(out, stateResource{r.Address, r.ModuleAddress, r.Type, r.Name, decodeRaw(r.change.before), decodeRaw(r.change.beforeSensitive)})
	}
	return out
}

// output is one output change.
type output struct {
	Actions                                                      []string
	Before, After, AfterUnknown, BeforeSensitive, AfterSensitive any
}

func referenceOutputs(p *tfjson.Plan) map[string]output {
	out := map[string]output{}
	for name, c := range p.OutputChanges {
		out[name] = output{actionStrings(c.Actions), c.Before, c.After, c.AfterUnknown, c.BeforeSensitive, c.AfterSensitive}
	}
	return out
}

func scannedOutputs(p *Plan) map[string]output {
	out := map[string]output{}
	for _, o := range p.Outputs {
		c := &o.change
		out[o.Name] = output{actionStrings(c.actions), decodeRaw(c.before), decodeRaw(c.after), decodeRaw(c.afterUnknown),
			decodeRaw(c.beforeSensitive), decodeRaw(c.afterSensitive)}
	}
	return out
}

func actionStrings(actions tfjson.Actions) []string {
	var out []string
	for _, a := range actions {
		out = append(out, string(a))
	}
	return out
}

// nilIfNone turns a missing list into an untyped nil, as decodeRaw gives
// for a missing member.
func nilIfNone(list []any) any {
	if list == nil {
		return nil
	}
	return list
}

// configFacts is what the configuration index answers: by configuration
// address, the attributes each managed resource's expressions set with their
// references; the references of for_each expressions and of module outputs;
// the module calls made with for_each or count.
type configFacts struct {
	Resources map[string]map[string][]string
	ForEach   map[string][]string
	Outputs   map[string][]string
	Repeated  map[string]bool
}

func expressionRefs(e *tfjson.Expression) []string {
	if e == nil || e.ExpressionData == nil {
		return nil
	}
	return e.References
}

func referenceConfig(p *tfjson.Plan) *configFacts {
	if p.Config == nil || p.Config.RootModule == nil {
		return nil
	}
	out := &configFacts{map[string]map[string][]string{}, map[string][]string{}, map[string][]string{}, map[string]bool{}}
	var walk func(prefix string, m *tfjson.ConfigModule)
	walk = func(prefix string, m *tfjson.ConfigModule) {
		for _, r := range m.Resources {
			if r.Mode == tfjson.DataResourceMode {
				continue
			}
			attrs := map[string][]string{}
			for attr, e := range r.Expressions {
				attrs[attr] = expressionRefs(e)
			}
			out.Resources[prefix+r.Address] = attrs
			if r.ForEachExpression != nil {
				out.ForEach[prefix+r.Address] = expressionRefs(r.ForEachExpression)
			}
		}
		for name, o := range m.Outputs {
			if o != nil && o.Expression != nil {
				out.Outputs[prefix+name] = expressionRefs(o.Expression)
			}
		}
		for name, call := range m.ModuleCalls {
			path := prefix + "module." + name + "."
			if call.ForEachExpression != nil || call.CountExpression != nil {
				out.Repeated[path] = true
			}
			if call.Module != nil {
				walk(path, call.Module)
			}
		}
	}
	walk("", p.Config.RootModule)
	return out
}

func scannedConfig(p *Plan) *configFacts {
	ci := p.configIndex()
	if ci == nil {
		return nil
	}
	out := &configFacts{map[string]map[string][]string{}, ci.forEach, ci.outputs, ci.repeated}
	for addr, exprs := range ci.resources {
		attrs := map[string][]string{}
		rawMembers(exprs, func(k span, escaped bool, _ span) bool {
			attr := unquote(exprs[k.start:k.end], escaped)
			attrs[attr] = expressionReferences(exprs, attr)
			return true
		})
		out.Resources[addr] = attrs
	}
	return out
}
