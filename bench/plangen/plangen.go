// Package plangen writes large, realistic Terraform plans for benchmarks: it
// clones real resource changes (from ../shared/corpus/plans, or from the
// repository's own example plans) into unique module instances. The output
// depends only on the inputs and n, so runs are comparable.
package plangen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Template is one resource change to clone.
type Template struct {
	rc     map[string]any // the resource change
	values any            // its planned values (after), for planned_values
	// ids are the identifier values (id, arn) of all templates: each round of
	// clones gets its own copy of them, so that cross-resource references
	// stay consistent within a round and unique across rounds, as in a real
	// estate where no two resources share an id.
	ids map[string]bool
}

// Templates loads the resource changes to clone from the plan files under dirs.
func Templates(dirs ...string) ([]Template, error) {
	files, err := planFiles(dirs)
	if err != nil {
		return nil, err
	}
	var templates []Template
	for _, f := range files {
		ts, err := templatesFrom(f)
		if err != nil {
			continue // broken-on-purpose corpus files are skipped
		}
		templates = append(templates, ts...)
	}
	ids := map[string]bool{}
	for i := range templates {
		templates[i].ids = ids
		change, _ := templates[i].rc["change"].(map[string]any)
		for _, side := range []string{"before", "after"} {
			values, _ := change[side].(map[string]any)
			for _, key := range []string{"id", "arn"} {
				if s, ok := values[key].(string); ok && len(s) > 3 {
					ids[s] = true
				}
			}
		}
	}
	if len(templates) == 0 {
		return nil, fmt.Errorf("no resource changes found in %d files under %v", len(files), dirs)
	}
	return templates, nil
}

// DefaultDirs is where templates come from: the shared corpus when it is
// beside the repository (root is the repository root), else the repository's
// own plans.
func DefaultDirs(root string) []string {
	corpus := filepath.Join(root, "..", "shared", "corpus", "plans")
	if _, err := os.Stat(corpus); err == nil {
		return []string{corpus}
	}
	return []string{filepath.Join(root, "examples", "plans"), filepath.Join(root, "testdata", "plans")}
}

// Write writes a plan of n resource changes (with planned_values) to w.
func Write(w io.Writer, n int, templates []Template) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := write(bw, n, templates); err != nil {
		return err
	}
	return bw.Flush()
}

func planFiles(dirs []string) ([]string, error) {
	var files []string
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(path string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.HasSuffix(path, ".json") {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	return files, nil
}

func templatesFrom(path string) ([]Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var plan struct {
		ResourceChanges []map[string]any `json:"resource_changes"`
	}
	if err := json.Unmarshal(data, &plan); err != nil {
		return nil, err
	}
	var out []Template
	for _, rc := range plan.ResourceChanges {
		if rc["mode"] != "managed" {
			continue
		}
		change, _ := rc["change"].(map[string]any)
		actions, _ := change["actions"].([]any)
		if len(actions) == 0 || !knownActions(actions) {
			continue
		}
		out = append(out, Template{rc: rc, values: change["after"]})
	}
	return out, nil
}

func knownActions(actions []any) bool {
	for _, a := range actions {
		switch a {
		case "no-op", "create", "read", "update", "delete", "forget":
		default:
			return false
		}
	}
	return true
}

// write streams the plan: resource_changes then planned_values, one clone at
// a time, so the generator itself needs little memory.
func write(w *bufio.Writer, n int, templates []Template) error {
	enc := func(v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	w.WriteString(`{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			w.WriteByte(',')
		}
		if err := enc(clone(i, len(templates), templates[i%len(templates)])); err != nil {
			return err
		}
	}
	w.WriteString(`],"planned_values":{"root_module":{"child_modules":[`)
	first := true
	for i := 0; i < n; i++ {
		t := templates[i%len(templates)]
		rc := clone(i, len(templates), t)
		if t.values == nil {
			continue
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		if err := enc(map[string]any{
			"address": rc["module_address"],
			"resources": []any{map[string]any{
				"address": rc["address"], "mode": "managed", "type": rc["type"], "name": rc["name"],
				"provider_name": rc["provider_name"], "schema_version": 0, "values": renameIDs(t.values, t.ids, roundSuffix(i, len(templates))),
				"sensitive_values": map[string]any{},
			}},
		}); err != nil {
			return err
		}
	}
	w.WriteString(`]}},"complete":true}`)
	return nil
}

// clone puts template t in module instance shard[i], so every address is
// unique, with its identifiers renamed for its round of clones.
func clone(i, templates int, t Template) map[string]any {
	rc := make(map[string]any, len(t.rc)+1)
	for k, v := range t.rc {
		rc[k] = v
	}
	rc["change"] = renameIDs(t.rc["change"], t.ids, roundSuffix(i, templates))
	prefix := fmt.Sprintf("module.shard[%d]", i)
	if m, _ := t.rc["module_address"].(string); m != "" {
		rc["module_address"] = prefix + "." + m
	} else {
		rc["module_address"] = prefix
	}
	rc["address"] = prefix + "." + t.rc["address"].(string)
	return rc
}

func roundSuffix(i, templates int) string {
	if round := i / templates; round > 0 {
		return fmt.Sprintf("-r%d", round)
	}
	return ""
}

// renameIDs copies v, appending suffix to every string that is a known identifier.
func renameIDs(v any, ids map[string]bool, suffix string) any {
	if suffix == "" {
		return v
	}
	switch t := v.(type) {
	case string:
		if ids[t] {
			return t + suffix
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = renameIDs(x, ids, suffix)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = renameIDs(x, ids, suffix)
		}
		return out
	}
	return v
}
