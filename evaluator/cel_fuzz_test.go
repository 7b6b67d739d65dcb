package evaluator_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// FuzzCELOverPlanValues evaluates a team rule (the fuzzer's condition) over
// a resource whose planned values and unknown marks the fuzzer writes too,
// beside a sensitive attribute whose tail the fuzzer writes as well (regular
// expression syntax in a secret once showed in an error message). Whatever the
// condition and the values:
// evaluation must not panic; the rule's findings pass, fail or are unknown
// (an error fails closed); a resource with no unknown value is never judged
// unknown; and the sensitive value appears nowhere in the report.
func FuzzCELOverPlanValues(f *testing.F) {
	for _, seed := range []struct{ condition, after, unknown string }{
		{`has(after.v) && after.v.size() > 0`, `{"a":[1,2,{"b":null}]}`, `{}`},
		{`after.v.a[2].b == null`, `{"a":[1,2,{"b":null}]}`, `{"v":{"a":[false,false,{"b":true}]}}`},
		{`after.password == "x"`, `1`, `{}`},
		{`int(after.password) > 1`, `1`, `{}`},
		{`after.password + 1 == 2`, `"s"`, `{}`},
		{`after.v.all(k, after.v[k] != null)`, `{"x":1,"y":"z"}`, `{"v":{"y":true}}`},
		{`after.v.exists(x, x > 3)`, `[1,5,-1e300]`, `{"v":[true]}`},
		{`string(after.v) == after.password`, `"\u00e9\ud83d\ude00"`, `true`},
		{`type == "test_db" && "create" in actions`, `null`, `{"v":true}`},
		{`after.v.matches(after.password)`, `"abc"`, `{}`},
		{`before == after`, `{}`, `[]`},
	} {
		f.Add(seed.condition, []byte(seed.after), []byte(seed.unknown), "")
	}
	f.Fuzz(func(t *testing.T, condition string, after, unknown []byte, tail string) {
		// The secret starts with a hash of the inputs, so the condition
		// cannot spell it: any copy of it in the report came from the plan.
		sum := sha256.Sum256([]byte(condition + "\x00" + string(after) + "\x00" + string(unknown) + "\x00" + tail))
		secretJSON, err := json.Marshal("secret-" + hex.EncodeToString(sum[:12]) + tail)
		if err != nil {
			return // not UTF-8
		}
		secret := string(secretJSON[1 : len(secretJSON)-1])
		doc := `{"format_version":"1.2","resource_changes":[{"address":"test_db.a","mode":"managed","type":"test_db","name":"a",` +
			`"change":{"actions":["create"],"before":null,"after":{"password":` + string(secretJSON) + `,"v":` + string(after) + `},` +
			`"after_unknown":` + string(unknown) + `,"before_sensitive":false,"after_sensitive":{"password":true}}}]}`
		plan, err := tfplan.ParsePlan([]byte(doc))
		if err != nil {
			return // not a plan; the scanner's own fuzz targets cover refusals
		}
		policy := "version: 1\ncustom_rules:\n  - id: fuzz-rule\n    title: fuzz\n    severity: high\n    resource_types: [test_db]\n    condition: |\n      " +
			strings.ReplaceAll(condition, "\n", "\n      ") + "\n"
		p, err := config.Parse("prodgate.yaml", []byte(policy))
		if err != nil {
			return
		}
		reg, err := evaluator.NewRegistry()
		if err != nil {
			t.Fatal(err)
		}
		engine, err := evaluator.Compile(p, reg, today)
		if err != nil {
			return // conditions that do not compile are refused at load
		}
		rep := engine.Evaluate(plan, evaluator.RunContext{}, today)
		anyUnknown := hasTrue(unknown)
		for _, f := range rep.Findings {
			if f.RuleID != "fuzz-rule" {
				continue
			}
			switch f.Status {
			case evaluator.StatusPass, evaluator.StatusFail:
			case evaluator.StatusUnknown:
				if !anyUnknown {
					t.Fatalf("judged unknown with no value unknown: %+v", f)
				}
			default:
				t.Fatalf("status %q from a team rule", f.Status)
			}
		}
		out, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), secret) {
			t.Fatalf("the sensitive value is in the report:\n%s", out)
		}
	})
}

// hasTrue reports whether an after_unknown document marks anything unknown.
func hasTrue(unknown []byte) bool {
	var v any
	if json.Unmarshal(unknown, &v) != nil {
		return true // the scanner read it differently; do not judge
	}
	stack := []any{v}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch t := top.(type) {
		case bool:
			if t {
				return true
			}
		case map[string]any:
			for _, e := range t {
				stack = append(stack, e)
			}
		case []any:
			stack = append(stack, t...)
		}
	}
	return false
}
