package tfplan

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// resourceNames lists what parsing keeps of each resource besides its values,
// as copies.
func resourceNames(p *Plan) []string {
	var out []string
	add := func(r *Resource) {
		out = append(out, strings.Clone(strings.Join([]string{r.Address, r.Type, r.Name, r.ModuleAddress, r.Deposed,
			string(r.actionReason), r.ActionWords(), fmt.Sprint(r.Actions())}, "|")))
	}
	for _, r := range p.Resources {
		add(r)
	}
	for _, list := range p.state {
		for _, r := range list {
			add(r)
		}
	}
	sort.Strings(out)
	return out
}

// TestParsedNamesDoNotPointIntoThePlan: the names parsing keeps (addresses,
// types, actions, …) are copies, so the caller may drop the plan's pages
// from memory without every later look at them bringing the pages back.
// Overwriting the plan's bytes after parsing must leave them as they were.
func TestParsedNamesDoNotPointIntoThePlan(t *testing.T) {
	files := planFiles()
	checked := 0
	for _, file := range files {
		original, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, parser := range []struct {
			name  string
			parse func([]byte) (*Plan, error)
		}{
			{"one core", parseOneCore},
			{"parallel", func(d []byte) (*Plan, error) { return decodeParallel(d, 2, 64, ParseOptions{}) }},
		} {
			data := bytes.Clone(original)
			p, err := parser.parse(data)
			if err != nil {
				continue // plans broken on purpose
			}
			before := resourceNames(p)
			for i := range data {
				data[i] = 'x'
			}
			if diff := cmp.Diff(before, resourceNames(p)); diff != "" {
				t.Fatalf("%s (%s parser): names changed with the plan's bytes:\n%s", file, parser.name, diff)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no plan parsed")
	}
}
