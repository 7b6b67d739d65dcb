package plangen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// RealCorpora are the corpus folders whose plans make the "real" shape: the
// plans of issue 17, written by checkov, infracost and terraform-validator,
// with configuration sections, data sources, modules and drift-free changes
// as Terraform wrote them.
var RealCorpora = []string{
	"bridgecrewio-checkov",
	"infracost-infracost",
	"GoogleCloudPlatform-terraform-validator",
}

// RealDirs returns the RealCorpora folders under corpus (the corpus plans
// folder), or an error when none is there.
func RealDirs(corpus string) ([]string, error) {
	var dirs []string
	for _, name := range RealCorpora {
		d := filepath.Join(corpus, name)
		if _, err := os.Stat(d); err == nil {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("none of %v under %s", RealCorpora, corpus)
	}
	return dirs, nil
}

// Unit is one whole real plan to clone. The "real" shape clones plans, not
// resource changes, so that everything a plan says about itself stays true in
// each copy: the configuration entry of each change, the references between
// resources in the configuration, planned_values and the module tree.
type Unit struct {
	changes []any          // resource_changes, as read
	values  map[string]any // planned_values.root_module
	config  map[string]any // configuration.root_module
	// providers is configuration.provider_config, merged into the output's.
	providers map[string]any
	// ids are the identifier values (id, arn) of this plan's changes; each
	// copy renames them, so no two copies share an id.
	ids map[string]bool
}

// Units loads the plans under dirs that have resource changes; a file that is
// not UTF-8 JSON (the corpus has UTF-16 plans on purpose) is skipped.
func Units(dirs ...string) ([]Unit, error) {
	files, err := planFiles(dirs)
	if err != nil {
		return nil, err
	}
	var units []Unit
	for _, f := range files {
		u, ok, err := unitFrom(f)
		if err != nil {
			return nil, err
		}
		if ok {
			units = append(units, u)
		}
	}
	if len(units) == 0 {
		return nil, fmt.Errorf("no plans with resource changes in %d files under %v", len(files), dirs)
	}
	return units, nil
}

func unitFrom(path string) (Unit, bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Unit{}, false, fmt.Errorf("read template plan: %w", err)
	}
	var plan struct {
		ResourceChanges []map[string]any `json:"resource_changes"`
		PlannedValues   struct {
			RootModule map[string]any `json:"root_module"`
		} `json:"planned_values"`
		Configuration struct {
			ProviderConfig map[string]any `json:"provider_config"`
			RootModule     map[string]any `json:"root_module"`
		} `json:"configuration"`
	}
	if err := json.Unmarshal(data, &plan); err != nil || len(plan.ResourceChanges) == 0 {
		return Unit{}, false, nil // not a UTF-8 plan with changes: not a template
	}
	u := Unit{values: plan.PlannedValues.RootModule, config: plan.Configuration.RootModule,
		providers: plan.Configuration.ProviderConfig, ids: map[string]bool{}}
	for _, rc := range plan.ResourceChanges {
		u.changes = append(u.changes, rc)
		change, _ := rc["change"].(map[string]any)
		for _, side := range []string{"before", "after"} {
			values, _ := change[side].(map[string]any)
			for _, key := range []string{"id", "arn"} {
				if s, ok := values[key].(string); ok && len(s) > 3 {
					u.ids[s] = true
				}
			}
		}
	}
	return u, true, nil
}

// WriteReal writes a plan of n resource changes made of whole copies of the
// units, each copy in its own module call (module.u<copy>), with
// resource_changes, planned_values and configuration. The last copy is cut
// short to make n changes exactly; its planned_values and configuration stay
// whole, as when a plan targets part of a module.
func WriteReal(w io.Writer, n int, units []Unit) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := writeReal(bw, n, units); err != nil {
		return err
	}
	return bw.Flush()
}

// realCopy is copy i of a unit: its module name and how many of its changes
// the plan keeps.
type realCopy struct {
	unit    *Unit
	module  string // "module.u<i>"
	call    string // "u<i>"
	suffix  string // appended to each renamed id
	changes int
}

func copies(n int, units []Unit) []realCopy {
	var out []realCopy
	for i := 0; n > 0; i++ {
		u := &units[i%len(units)]
		k := min(len(u.changes), n)
		n -= k
		out = append(out, realCopy{unit: u, module: fmt.Sprintf("module.u%d", i), call: fmt.Sprintf("u%d", i),
			suffix: fmt.Sprintf("-u%d", i), changes: k})
	}
	return out
}

func writeReal(w *bufio.Writer, n int, units []Unit) error {
	enc := func(v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode plan part: %w", err)
		}
		_, err = w.Write(data)
		return err
	}
	cs := copies(n, units)
	w.WriteString(`{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[`)
	first := true
	for _, c := range cs {
		for _, rc := range c.unit.changes[:c.changes] {
			if !first {
				w.WriteByte(',')
			}
			first = false
			if err := enc(c.change(rc.(map[string]any))); err != nil {
				return err
			}
		}
	}
	w.WriteString(`],"planned_values":{"root_module":{"child_modules":[`)
	first = true
	for _, c := range cs {
		if c.unit.values == nil {
			continue
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		if err := enc(c.valuesModule(c.unit.values, "")); err != nil {
			return err
		}
	}
	providers := map[string]any{}
	for _, u := range units {
		for k, v := range u.providers {
			if _, ok := providers[k]; !ok {
				providers[k] = v
			}
		}
	}
	w.WriteString(`]}},"configuration":{"provider_config":`)
	if err := enc(providers); err != nil {
		return err
	}
	w.WriteString(`,"root_module":{"module_calls":{`)
	for i, c := range cs {
		if i > 0 {
			w.WriteByte(',')
		}
		if err := enc(c.call); err != nil {
			return err
		}
		w.WriteByte(':')
		module := c.unit.config
		if module == nil {
			module = map[string]any{}
		}
		if err := enc(map[string]any{"source": "./" + c.call, "module": renameIDs(module, c.unit.ids, c.suffix)}); err != nil {
			return err
		}
	}
	w.WriteString(`}}},"complete":true}`)
	return nil
}

// prefix puts a module-relative address (or "" for the root) under the copy's module.
func (c realCopy) prefix(address string) string {
	if address == "" {
		return c.module
	}
	return c.module + "." + address
}

func (c realCopy) change(rc map[string]any) map[string]any {
	out := make(map[string]any, len(rc)+1)
	for k, v := range rc {
		out[k] = v
	}
	out["change"] = renameIDs(rc["change"], c.unit.ids, c.suffix)
	out["address"] = c.prefix(rc["address"].(string))
	m, _ := rc["module_address"].(string)
	out["module_address"] = c.prefix(m)
	if prev, ok := rc["previous_address"].(string); ok {
		out["previous_address"] = c.prefix(prev)
	}
	return out
}

// valuesModule copies a planned_values module (address "" for the root) into the copy's module.
func (c realCopy) valuesModule(m map[string]any, address string) map[string]any {
	out := map[string]any{"address": c.prefix(address)}
	var resources []any
	rs, _ := m["resources"].([]any)
	for _, r := range rs {
		r, _ := r.(map[string]any)
		if r == nil {
			continue
		}
		cp := make(map[string]any, len(r))
		for k, v := range r {
			cp[k] = v
		}
		if a, ok := r["address"].(string); ok {
			cp["address"] = c.prefix(a)
		}
		cp["values"] = renameIDs(r["values"], c.unit.ids, c.suffix)
		resources = append(resources, cp)
	}
	if resources != nil {
		out["resources"] = resources
	}
	var children []any
	cms, _ := m["child_modules"].([]any)
	for _, cm := range cms {
		cm, _ := cm.(map[string]any)
		if a, ok := cm["address"].(string); ok {
			children = append(children, c.valuesModule(cm, a))
		}
	}
	if children != nil {
		out["child_modules"] = children
	}
	return out
}

// Shapes are the plan shapes the generator writes.
const (
	ShapeGenerated = "generated" // resource changes from the whole corpus, planned_values, no configuration
	ShapeReal      = "real"      // whole RealCorpora plans, configuration and all
)

// WriteShape writes a plan of n resource changes of the given shape, with
// templates from corpus (the corpus plans folder; "" for DefaultDirs(root)).
func WriteShape(w io.Writer, shape string, n int, root, corpus string) error {
	switch shape {
	case ShapeGenerated:
		dirs := DefaultDirs(root)
		if corpus != "" {
			dirs = []string{corpus}
		}
		templates, err := Templates(dirs...)
		if err != nil {
			return err
		}
		return Write(w, n, templates)
	case ShapeReal:
		if corpus == "" {
			corpus = filepath.Join(root, "..", "shared", "corpus", "plans")
		}
		dirs, err := RealDirs(corpus)
		if err != nil {
			return err
		}
		units, err := Units(dirs...)
		if err != nil {
			return err
		}
		return WriteReal(w, n, units)
	}
	return fmt.Errorf("unknown shape %q (want %s)", shape, strings.Join([]string{ShapeGenerated, ShapeReal}, " or "))
}
