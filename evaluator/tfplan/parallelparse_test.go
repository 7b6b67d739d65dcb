package tfplan

import (
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// planSummary lists everything parsing produces, in order, for comparing the
// one-core and parallel parsers.
func planSummary(p *Plan) []string {
	config := "none"
	if ci := p.config; ci != nil {
		// fmt prints maps sorted by key.
		config = fmt.Sprintf("resources=%q forEach=%q outputs=%q repeated=%v", ci.resources, ci.forEach, ci.outputs, ci.repeated)
	}
	out := []string{fmt.Sprintf("facts %q %q errored=%v complete=%v deferred=%d empty=%d sections=%b config=%s",
		p.FormatVersion, p.TerraformVersion, p.Errored, p.Complete != nil && *p.Complete, p.DeferredChanges, p.EmptyActions, p.sections, config)}
	for _, o := range p.Outputs {
		c := &o.change
		out = append(out, fmt.Sprintf("output %q actions=%v before=%s after=%s unknown=%s bs=%s as=%s",
			o.Name, c.actions, c.before, c.after, c.afterUnknown, c.beforeSensitive, c.afterSensitive))
	}
	describe := func(what string, r *Resource) string {
		c := r.change
		return fmt.Sprintf("%s %s %s %s module=%q deposed=%q order=%d reason=%q actions=%v before=%s after=%s unknown=%s bs=%s as=%s rp=%s",
			what, r.Address, r.Type, r.Name, r.ModuleAddress, r.Deposed, r.order, r.actionReason, c.actions,
			c.before, c.after, c.afterUnknown, c.beforeSensitive, c.afterSensitive, c.replacePaths)
	}
	for _, r := range p.Resources {
		out = append(out, describe("change", r))
	}
	for _, typ := range slices.Sorted(mapsKeys(p.state)) {
		for _, r := range p.state[typ] {
			out = append(out, describe("state", r))
		}
	}
	for _, addr := range slices.Sorted(mapsKeys(p.drift)) {
		out = append(out, fmt.Sprintf("drift %s %v %s", addr, p.drift[addr].change.actions, p.drift[addr].change.after))
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// parseOneCore is the reference: the sequential parser.
func parseOneCore(data []byte) (*Plan, error) {
	return decodePlan(data, ParseOptions{Workers: 1})
}

// TestParallelParseMatchesOneCore parses real plans with the parallel parser
// cut into very small runs (so every path of the splitter is taken) and
// compares the result with the one-core parser's.
func TestParallelParseMatchesOneCore(t *testing.T) {
	files := planFiles()
	if len(files) == 0 {
		t.Fatal("no plans found")
	}
	corpus := 0
	for _, file := range files {
		if strings.Contains(file, "shared/corpus") {
			corpus++
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		want, wantErr := parseOneCore(data)
		for _, chunk := range []int{1, 200, 1 << 20} {
			got, err := decodeParallel(data, 3, chunk, ParseOptions{})
			if wantErr != nil {
				if err == nil {
					t.Errorf("%s (chunk %d): the parallel parser accepted a plan the one-core parser refuses (%v)", file, chunk, wantErr)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s (chunk %d): the parallel parser fell back (%v) on a plan the one-core parser reads", file, chunk, err)
				continue
			}
			if diff := cmp.Diff(planSummary(want), planSummary(got)); diff != "" {
				t.Errorf("%s (chunk %d): parallel parse differs:\n%s", file, chunk, diff)
			}
		}
	}
	if corpus == 0 {
		t.Log("../shared/corpus/plans not found beside the repository: compared the repository's own plans only")
	}
}

// TestParallelParseNeverAcceptsWhatOneCoreRefuses corrupts a plan at random
// places: wherever the one-core parser refuses the result, the parallel
// parser must too (it then hands over to the one-core parser for the message),
// and wherever both accept, they must agree.
func TestParallelParseNeverAcceptsWhatOneCoreRefuses(t *testing.T) {
	doc := []byte(`{"format_version":"1.2","planned_values":{"root_module":{"resources":[{"address":"a.b","values":{"x":[1,2,{"y":"z\""}]}}],` +
		`"child_modules":[{"resources":[]}]}},"resource_changes":[{"address":"aws_db_instance.x","mode":"managed","type":"aws_db_instance",` +
		`"name":"x","change":{"actions":["delete","create"],"before":{"a":1.5e3,"b":[true,false,null],"c":"\u00e9"},"after":{"s":[{"e":true}]},` +
		`"after_unknown":{"id":true},"before_sensitive":{},"after_sensitive":{"p":true}}},{"address":"aws_s3_bucket.b","mode":"managed",` +
		`"type":"aws_s3_bucket","name":"b","change":{"actions":["create"],"before":null,"after":{"bucket":"b\\"},"after_unknown":{}}}],` +
		`"prior_state":{"values":{"root_module":{"resources":[{"address":"aws_s3_bucket.old","mode":"managed","type":"aws_s3_bucket",` +
		`"name":"old","values":{"bucket":"old"}}]}}},"configuration":{"root_module":{}},"complete":true}`)
	if _, err := parseOneCore(doc); err != nil {
		t.Fatalf("the base document must parse: %v", err)
	}
	check := func(m []byte) {
		t.Helper()
		want, wantErr := parseOneCore(m)
		for _, chunk := range []int{1, 40} {
			got, err := decodeParallel(m, 2, chunk, ParseOptions{})
			if err != nil {
				continue // falls back to the one-core parser: same result by construction
			}
			if wantErr != nil {
				t.Fatalf("chunk %d: parallel parser accepted %q, which the one-core parser refuses: %v", chunk, m, wantErr)
			}
			if diff := cmp.Diff(planSummary(want), planSummary(got)); diff != "" {
				t.Fatalf("chunk %d: %q parses differently:\n%s", chunk, m, diff)
			}
		}
	}
	for i := 0; i <= len(doc); i++ {
		check(doc[:i])
	}
	rng := rand.New(rand.NewSource(2))
	alphabet := []byte(`{}[]",:\ 0-.eEtfnu1a` + "\x01")
	for i := 0; i < 20000; i++ {
		m := append([]byte(nil), doc...)
		for n := 1 + rng.Intn(2); n > 0; n-- {
			m[rng.Intn(len(m))] = alphabet[rng.Intn(len(alphabet))]
		}
		check(m)
	}
}

// TestLargePlanParsesOnEveryCPU checks that ParsePlan takes the parallel path
// for a large plan and reads it as the one-core parser does.
func TestLargePlanParsesOnEveryCPU(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"format_version":"1.2","resource_changes":[`)
	for i := 0; b.Len() < parallelParseFrom+(1<<20); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"address":"aws_db_instance.db%d","mode":"managed","type":"aws_db_instance","name":"db%d",`+
			`"change":{"actions":["create"],"before":null,"after":{"deletion_protection":%v,"tags":{"n":"%d"}},"after_unknown":{"id":true}}}`, i, i, i%2 == 0, i)
	}
	b.WriteString(`],"planned_values":{"root_module":{"resources":[]}}}`)
	data := []byte(b.String())
	want, err := parseOneCore(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeParallel(data, 4, max(len(data)/64, 64<<10), ParseOptions{})
	if err != nil {
		t.Fatalf("parallel parse of a valid large plan fell back: %v", err)
	}
	if diff := cmp.Diff(planSummary(want), planSummary(got)); diff != "" {
		t.Fatalf("parallel parse differs:\n%s", diff)
	}
	released := 0
	if _, err := ParsePlanWith(data, ParseOptions{Workers: 4, Release: func(start, end int) { released += end - start }}); err != nil {
		t.Fatal(err)
	}
	if released == 0 {
		t.Error("nothing was released, though planned_values is never read again")
	}
}

func FuzzParallelParseAgreesWithOneCore(f *testing.F) {
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"a","change":{"actions":["create"],"after":{"x":1}}}],"planned_values":{"root_module":{}}}`))
	f.Add([]byte(`{"resource_changes":[],"prior_state":{"values":{"root_module":{"resources":[{"address":"a.b","type":"a","values":{}}]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := parseOneCore(data)
		got, err := decodeParallel(data, 2, 8, ParseOptions{})
		if err != nil {
			return
		}
		if wantErr != nil {
			t.Fatalf("parallel parser accepted %q, which the one-core parser refuses: %v", data, wantErr)
		}
		if diff := cmp.Diff(planSummary(want), planSummary(got)); diff != "" {
			t.Fatalf("%q parses differently:\n%s", data, diff)
		}
	})
}
