package tfplan

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nestingOf is the tests' own count of a JSON document's nesting, written
// apart from the scanner: the deepest level of objects and arrays (the
// top-level value is level 1), and the offset of the first bracket that opens
// a level past limit, or -1.
func nestingOf(data []byte, limit int) (deepest, firstPast int) {
	firstPast = -1
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
			if depth > limit && firstPast < 0 {
				firstPast = i
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest, firstPast
}

// lists is n arrays, each the only element of the one around it.
func lists(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// objects is n objects, each the member "a" of the one around it.
func objects(n int) string {
	if n == 0 {
		return "null"
	}
	return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1)
}

// configModules is a configuration module holding n levels of module calls,
// each with a resource.
func configModules(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"resources":[{"address":"t.x%d","mode":"managed","type":"t","name":"x%d","expressions":{"a":{"references":["t.y"]}}}],"module_calls":{"m":{"module":`, i, i)
	}
	b.WriteString("{}" + strings.Repeat("}}}", n))
	return b.String()
}

// childModules is n levels of prior_state child modules, each holding a resource.
func childModules(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"resources":[{"address":"module.m%d.t.x","mode":"managed","type":"t","name":"x","values":{}}],"address":"module.m%d","child_modules":[`, i, i)
	}
	b.WriteString(strings.Repeat("]}", n))
	return b.String()
}

const deepChange = `{"address":"aws_db_instance.x","mode":"managed","type":"aws_db_instance","name":"x","change":{"actions":["delete","create"],`

// deepPlans put a value nested n levels deep in each part of a plan that is
// read, kept or skipped.
var deepPlans = []struct {
	name  string
	build func(n int) string
}{
	{"replace_paths", func(n int) string {
		return `{"format_version":"1.2","resource_changes":[` + deepChange + `"before":{},"after":{},"replace_paths":` + lists(n) + `}}]}`
	}},
	{"after", func(n int) string {
		return `{"format_version":"1.2","resource_changes":[` + deepChange + `"before":{},"after":{"settings":` + objects(n) + `}}}]}`
	}},
	{"before", func(n int) string {
		return `{"format_version":"1.2","resource_changes":[` + deepChange + `"before":{"settings":` + lists(n) + `},"after":{}}}]}`
	}},
	{"after_unknown", func(n int) string {
		return `{"format_version":"1.2","resource_changes":[` + deepChange + `"after":{},"after_unknown":{"settings":` + objects(n) + `}}}]}`
	}},
	{"after_sensitive", func(n int) string {
		return `{"format_version":"1.2","resource_changes":[` + deepChange + `"after":{},"after_sensitive":` + lists(n) + `}}]}`
	}},
	{"an unread member of a change", func(n int) string {
		return `{"format_version":"1.2","resource_changes":[` + deepChange + `"importing":` + objects(n) + `}}]}`
	}},
	{"resource_drift", func(n int) string {
		return `{"format_version":"1.2","planned_values":{},"resource_drift":[` + deepChange + `"before":{},"after":` + objects(n) + `}}]}`
	}},
	{"configuration", func(n int) string {
		return `{"format_version":"1.2","planned_values":{},"configuration":{"root_module":` + objects(n) + `}}`
	}},
	{"configuration module_calls", func(n int) string {
		return `{"format_version":"1.2","planned_values":{},"configuration":{"root_module":` + configModules(n) + `}}`
	}},
	{"prior_state values", func(n int) string {
		return `{"format_version":"1.2","planned_values":{},"prior_state":{"values":{"root_module":{"resources":[{"address":"t.x","mode":"managed","type":"t","name":"x","values":` + objects(n) + `}]}}}}`
	}},
	{"prior_state child_modules", func(n int) string {
		return `{"format_version":"1.2","planned_values":{},"prior_state":{"values":{"root_module":{"child_modules":[` + childModules(n) + `]}}}}`
	}},
	{"planned_values", func(n int) string {
		return `{"format_version":"1.2","planned_values":{"root_module":` + lists(n) + `}}`
	}},
	{"output_changes", func(n int) string {
		return `{"format_version":"1.2","output_changes":{"o":{"actions":["create"],"before":null,"after":` + lists(n) + `}}}`
	}},
	{"an unknown top-level member", func(n int) string {
		return `{"format_version":"1.2","planned_values":{},"future":` + objects(n) + `}`
	}},
}

// TestNestingLimit puts a value as deep as MaxPlanDepth allows, and one level
// deeper, in every part of a plan: the first is read by the one-core and the
// parallel parsers alike, the second refused by both with the line and column
// of the bracket that goes past the limit.
func TestNestingLimit(t *testing.T) {
	for _, tc := range deepPlans {
		t.Run(tc.name, func(t *testing.T) {
			n := 1
			for deepest, _ := nestingOf([]byte(tc.build(n)), MaxPlanDepth); deepest <= MaxPlanDepth; n++ {
				deepest, _ = nestingOf([]byte(tc.build(n+1)), MaxPlanDepth)
			}
			atLimit, past := []byte(tc.build(n-1)), []byte(tc.build(n))
			if deepest, _ := nestingOf(atLimit, MaxPlanDepth); deepest < MaxPlanDepth-2 {
				t.Fatalf("the plan at the limit nests only %d levels", deepest)
			}

			want, err := parseOneCore(atLimit)
			if err != nil {
				t.Fatalf("a plan nested %d levels deep is refused: %v", MaxPlanDepth, err)
			}
			for _, chunk := range []int{1, 64, 1 << 20} {
				got, err := decodeParallel(atLimit, 3, chunk, ParseOptions{})
				if err != nil {
					t.Fatalf("parallel parser (chunk %d) refuses the plan at the limit: %v", chunk, err)
				}
				if diff := cmp.Diff(planSummary(want), planSummary(got)); diff != "" {
					t.Fatalf("parallel parser (chunk %d) reads the plan at the limit differently:\n%s", chunk, diff)
				}
			}

			_, offset := nestingOf(past, MaxPlanDepth)
			wantErr := fmt.Sprintf("plan: line 1, column %d: objects and arrays nest deeper than 512 levels; no Terraform plan nests that deep, so prodgate refuses it rather than walk it", offset+1)
			_, err = ParsePlanWith(past, ParseOptions{Workers: 1})
			if err == nil {
				t.Fatal("a plan nested past the limit is accepted")
			}
			if diff := cmp.Diff(wantErr, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Errorf("want an *InputError (exit 2, task failed), got %T", err)
			}
			for _, chunk := range []int{1, 64, 1 << 20} {
				if _, err := decodeParallel(past, 3, chunk, ParseOptions{}); err == nil {
					t.Errorf("parallel parser (chunk %d) accepts a plan nested past the limit", chunk)
				}
			}
		})
	}
}

// TestNestingLimitOnTheDocumentItself: a top-level array nested past the
// limit is named as too deep, not as "not JSON".
func TestNestingLimitOnTheDocumentItself(t *testing.T) {
	_, err := ParsePlan([]byte(lists(MaxPlanDepth + 1)))
	want := fmt.Sprintf("plan: line 1, column %d: objects and arrays nest deeper than 512 levels; no Terraform plan nests that deep, so prodgate refuses it rather than walk it", MaxPlanDepth+1)
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestHostileDepth is the plan of issue 13: replace_paths nested ten million
// levels deep (20 MB), which ended the process with a stack overflow. It is
// refused on one core and on several, at the first bracket past the limit.
func TestHostileDepth(t *testing.T) {
	const levels = 10_000_000
	data := []byte(`{"format_version":"1.2","resource_changes":[` + deepChange + `"before":{},"after":{},"replace_paths":` + lists(levels) + `}}]}`)
	_, offset := nestingOf(data, MaxPlanDepth)
	want := fmt.Sprintf("plan: line 1, column %d: objects and arrays nest deeper than 512 levels; no Terraform plan nests that deep, so prodgate refuses it rather than walk it", offset+1)
	for _, workers := range []int{1, 4} {
		_, err := ParsePlanWith(data, ParseOptions{Workers: workers})
		if err == nil {
			t.Fatalf("%d workers: a plan nested %d levels deep is accepted", workers, levels)
		}
		if diff := cmp.Diff(want, err.Error()); diff != "" {
			t.Errorf("%d workers: error (-want +got):\n%s", workers, diff)
		}
	}
}

// TestValuesAtTheNestingLimit reads values as deep as a plan may hold through
// every walker that follows them: attribute lookups (with their unknown and
// sensitive marks), decoding for CEL and rules, replace_paths.
func TestValuesAtTheNestingLimit(t *testing.T) {
	// The value starts at level 6: plan, resource_changes, the change's
	// element, change, after, settings.
	n := MaxPlanDepth - 5
	deepPath := strings.TrimSuffix(strings.Repeat("a.", n-1), ".")
	data := []byte(`{"format_version":"1.2","resource_changes":[` + deepChange +
		`"before":{"settings":` + lists(n) + `},"after":{"settings":` + objects(n) + `},` +
		`"after_unknown":{"settings":` + objects(n) + `},"after_sensitive":{"settings":` + objects(n) + `},` +
		`"replace_paths":[` + lists(n-1) + `]}}]}`)
	p, err := ParsePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Resources[0]
	if got := r.After("settings." + deepPath); got.State != Known || got.Display() != "object with 0 attributes" {
		t.Errorf("after.settings.%s… = %+v, want a known empty object", deepPath[:10], got)
	}
	if got := r.Before("settings.a"); got.State != NotSet {
		t.Errorf("before.settings.a through %d nested lists = %+v, want not set", n, got)
	}
	depth := 0
	for v := decodeRaw(r.change.after).(map[string]any)["settings"]; v != nil; depth++ {
		v = v.(map[string]any)["a"]
	}
	if depth != n {
		t.Errorf("decoded after.settings nests %d levels, want %d", depth, n)
	}
	if got := r.ReplacePaths(); len(got) != 1 || got[0] != "" {
		t.Errorf("ReplacePaths() = %q, want one path with no names", got)
	}
}

// TestResourceLimit counts resources over resource_changes, resource_drift and
// prior_state; the one past the limit is named by its line and column.
func TestResourceLimit(t *testing.T) {
	const limit = 3
	change := func(i int) string {
		return fmt.Sprintf(`{"address":"t.r%d","mode":"managed","type":"t","name":"r%d","change":{"actions":["create"],"after":{}}}`, i, i)
	}
	state := func(i int) string {
		return fmt.Sprintf(`{"address":"t.s%d","mode":"managed","type":"t","name":"s%d","values":{}}`, i, i)
	}
	plan := func(changes, drift, states int) string {
		var rc, rd, ps []string
		for i := range changes {
			rc = append(rc, change(i))
		}
		for i := range drift {
			rd = append(rd, change(i))
		}
		for i := range states {
			ps = append(ps, state(i))
		}
		return "{\"format_version\":\"1.2\",\n\"resource_changes\":[\n" + strings.Join(rc, ",\n") + "],\n\"resource_drift\":[\n" + strings.Join(rd, ",\n") +
			"],\n\"prior_state\":{\"values\":{\"root_module\":{\"resources\":[\n" + strings.Join(ps, ",\n") + "]}}}}"
	}
	tests := []struct {
		name                    string
		changes, drift, states  int
		wantLine, wantColumn    int
		wantErr                 bool
		wantResources, wantDrft int
	}{
		{name: "at the limit in resource_changes", changes: 3, wantResources: 3},
		{name: "at the limit over the three sections", changes: 1, drift: 1, states: 1, wantResources: 1, wantDrft: 1},
		{name: "past it in resource_changes", changes: 4, wantErr: true, wantLine: 6, wantColumn: 1},
		{name: "past it in resource_drift", changes: 2, drift: 2, wantErr: true, wantLine: 7, wantColumn: 1},
		{name: "past it in prior_state", changes: 2, states: 2, wantErr: true, wantLine: 9, wantColumn: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(plan(tc.changes, tc.drift, tc.states))
			opts := ParseOptions{Workers: 1, maxResources: limit}
			p, err := ParsePlanWith(data, opts)
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Resources) != tc.wantResources || len(p.drift) != tc.wantDrft {
					t.Errorf("%d resources and %d drift entries, want %d and %d", len(p.Resources), len(p.drift), tc.wantResources, tc.wantDrft)
				}
				return
			}
			want := fmt.Sprintf("plan: line %d, column %d: the plan lists more than 3 resources (resource_changes, resource_drift and prior_state together), more than prodgate judges", tc.wantLine, tc.wantColumn)
			if err == nil || err.Error() != want {
				t.Errorf("got %v\nwant %s", err, want)
			}
			for _, chunk := range []int{1, 1 << 20} {
				if _, err := decodeParallel(data, 3, chunk, opts); err == nil {
					t.Errorf("parallel parser (chunk %d) accepts more resources than the limit", chunk)
				}
			}
		})
	}
}

// TestNameLimit: a resource's names may be MaxAddressBytes long, not longer.
func TestNameLimit(t *testing.T) {
	long := strings.Repeat("k", MaxAddressBytes-len(`t.x[""]`))
	tooLong := long + "k"
	stateTypeDoc := `{"format_version":"1.2","planned_values":{},"prior_state":{"values":{"root_module":{"resources":[{"address":"t.x","mode":"managed","type":"` + strings.Repeat("t", MaxAddressBytes+1) + `","name":"x","values":{}}]}}}}`
	stateDoc := `{"format_version":"1.2","planned_values":{},"prior_state":{"values":{"root_module":{"child_modules":[{"resources":[{"address":"t.x","mode":"managed","type":"t","name":"x","values":{}}],"address":"module.` + tooLong + `"}]}}}}`
	tests := []struct {
		name, doc, want string
	}{
		{"an address at the limit", `{"format_version":"1.2","resource_changes":[{"address":"t.x[\"` + long + `\"]","type":"t","name":"x","change":{"actions":["create"]}}]}`, ""},
		{"an address past it", `{"format_version":"1.2","resource_changes":[{"address":"t.x[\"` + tooLong + `\"]","type":"t","name":"x","change":{"actions":["create"]}}]}`,
			"plan: line 1, column 45: resource_changes[0].address is 16385 bytes long, more than the 16384 bytes prodgate reads in a resource's names"},
		{"a type past it in resource_drift", "{\"format_version\":\"1.2\",\"planned_values\":{},\n\"resource_drift\":[{},\n{\"address\":\"t.x\",\"type\":\"" + strings.Repeat("t", MaxAddressBytes+1) + `","change":{"actions":["update"]}}]}`,
			"plan: line 3, column 1: resource_drift[1].type is 16385 bytes long, more than the 16384 bytes prodgate reads in a resource's names"},
		{"a prior_state type past it", stateTypeDoc,
			fmt.Sprintf(`plan: line 1, column %d: prior_state resource "t.x".type is 16385 bytes long, more than the 16384 bytes prodgate reads in a resource's names`,
				strings.Index(stateTypeDoc, `{"address":"t.x"`)+1)},
		// The module's address is given to its resources, which Terraform 0.12
		// wrote without the module prefix: the prefixed address is too long.
		{"a prior_state module address past it", stateDoc,
			fmt.Sprintf(`plan: line 1, column %d: prior_state resource "module.%s".address is 16389 bytes long, more than the 16384 bytes prodgate reads in a resource's names`,
				strings.Index(stateDoc, `{"address":"t.x"`)+1, strings.Repeat("k", 193))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePlan([]byte(tc.doc))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPriorStateModules reads prior_state modules as Terraform writes them:
// a module's resources come before its address, and Terraform 0.12 wrote
// resource addresses without the module prefix.
func TestPriorStateModules(t *testing.T) {
	doc := `{"format_version":"0.1","planned_values":{},"prior_state":{"values":{"root_module":{
		"resources":[{"address":"t.root","mode":"managed","type":"t","name":"root","values":{"id":"r"}}],
		"child_modules":[
			{"resources":[{"address":"module.a.t.x","mode":"managed","type":"t","name":"x","values":{"id":"ax"}}],"address":"module.a",
			 "child_modules":[{"resources":[{"address":"t.y","mode":"managed","type":"t","name":"y","values":{"id":"aby"}}],"address":"module.a.module.b"}]},
			{"resources":[{"address":"t.z","mode":"managed","type":"t","name":"z","values":{"id":"cz"}},
			              {"address":"data.t.d","mode":"data","type":"t","name":"d","values":{}},
			              {"address":"t.old","mode":"managed","type":"t","name":"old","deposed_key":"00ab","values":{}}],"address":"module.c"}]}}}}`
	p, err := ParsePlan([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range p.Existing("t") {
		got = append(got, fmt.Sprintf("%s module=%q id=%s", r.Address, r.ModuleAddress, r.After("id").Display()))
	}
	want := []string{
		`t.root module="" id="r"`,
		`module.a.t.x module="module.a" id="ax"`,
		`module.a.module.b.t.y module="module.a.module.b" id="aby"`,
		`module.c.t.z module="module.c" id="cz"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("prior_state resources (-want +got):\n%s", diff)
	}
}
