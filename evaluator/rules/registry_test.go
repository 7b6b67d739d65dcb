package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodgate/prodgate/evaluator"
)

// TestEveryRuleIsComplete keeps the standard honest: a rule without doc text,
// an example, a reference list entry point or a table test does not ship.
func TestEveryRuleIsComplete(t *testing.T) {
	reg := Registry()
	tests := readTestSources(t)
	for _, rule := range reg.Rules() {
		m := rule.Meta()
		t.Run(m.ID, func(t *testing.T) {
			for field, text := range map[string]string{
				"Title": m.Title, "Category": m.Category, "Provider": m.Provider,
				"Doc.Summary": m.Doc.Summary, "Doc.Pass": m.Doc.Pass, "Doc.Fail": m.Doc.Fail,
				"Doc.Unknown": m.Doc.Unknown, "Doc.Remediation": m.Doc.Remediation, "Doc.Example": m.Doc.Example,
			} {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s is empty", field)
				}
			}
			if !strings.Contains(tests, `"`+m.ID+`"`) {
				t.Errorf("no table test mentions %q", m.ID)
			}
			for _, p := range m.Params {
				if p.Source == "" || p.Doc == "" {
					t.Errorf("param %s needs Doc and the Source of its default", p.Name)
				}
				if !defaultMatchesKind(p) {
					t.Errorf("param %s: default %#v is not a %s", p.Name, p.Default, p.Kind)
				}
			}
		})
	}
}

func defaultMatchesKind(p evaluator.ParamSpec) bool {
	switch p.Kind {
	case evaluator.ParamInt:
		_, ok := p.Default.(int64)
		return ok
	case evaluator.ParamBool:
		_, ok := p.Default.(bool)
		return ok
	case evaluator.ParamString:
		_, ok := p.Default.(string)
		return ok
	case evaluator.ParamStringList:
		_, ok := p.Default.([]string)
		return ok
	}
	return false
}

func readTestSources(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range files {
		if f == "registry_test.go" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}
