package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prodgate/prodgate/evaluator"
)

// TestStandardDocMatchesTheRules holds docs/standard.md to the rules: the
// rules it names under "Blocking core" are exactly the blocking ones, under
// "Advisory by default" exactly the advisory ones, and its thresholds table
// has every parameter with a default, at that default.
func TestStandardDocMatchesTheRules(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "standard.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	section := func(from, to string) string {
		i, j := strings.Index(doc, "\n## "+from), strings.Index(doc, "\n## "+to)
		if i < 0 || j < i {
			t.Fatalf("docs/standard.md lacks the sections %q then %q", from, to)
		}
		return doc[i:j]
	}
	reg := Registry()
	ids := regexp.MustCompile("`([a-z0-9]+(?:-[a-z0-9]+)+)`")
	named := func(text string) []string {
		var out []string
		for _, m := range ids.FindAllStringSubmatch(text, -1) {
			if _, ok := reg.Lookup(m[1]); ok && !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
		slices.Sort(out)
		return out
	}
	var blocking, advisory []string
	for _, r := range reg.Rules() {
		if m := r.Meta(); m.Enforcement == evaluator.EnforceBlocking {
			blocking = append(blocking, m.ID)
		} else {
			advisory = append(advisory, m.ID)
		}
	}
	if diff := cmp.Diff(blocking, named(section("Blocking core", "Advisory by default"))); diff != "" {
		t.Errorf("the blocking core in docs/standard.md differs from the blocking rules (-rules +doc):\n%s", diff)
	}
	if diff := cmp.Diff(advisory, named(section("Advisory by default", "Thresholds"))); diff != "" {
		t.Errorf("the advisory list in docs/standard.md differs from the advisory rules (-rules +doc):\n%s", diff)
	}

	row := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\| `([a-z_]+)` \\| ([^|]+) \\|")
	rows := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(section("Thresholds", "Provider defaults prodgate assumes"), -1) {
		rows[m[1]+" "+m[2]] = strings.TrimSpace(m[3])
	}
	want := map[string]string{}
	for _, r := range reg.Rules() {
		m := r.Meta()
		for _, p := range m.Params {
			var text string
			switch d := p.Default.(type) {
			case []string:
				if len(d) == 0 {
					continue // nothing by default (extra_types, keys): not a threshold
				}
				text = strings.Join(d, ", ")
			default:
				text = fmt.Sprint(d)
			}
			want[m.ID+" "+p.Name] = text
		}
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("the thresholds table in docs/standard.md differs from the rules' parameter defaults (-rules +doc):\n%s", diff)
	}
}
