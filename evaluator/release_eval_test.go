package evaluator_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// syntheticPlan is a plan of n database instances, some breaking the
// built-in standard, large enough to be judged on several goroutines.
func syntheticPlan(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"format_version":"1.2","resource_changes":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"address":"aws_db_instance.db%d","mode":"managed","type":"aws_db_instance","name":"db%d",`+
			`"change":{"actions":["create"],"before":null,"after":{"deletion_protection":%t,"backup_retention_period":%d,`+
			`"storage_encrypted":true,"skip_final_snapshot":false,"tags":{"owner":"team-%d"}},"after_unknown":{"id":true}}}`,
			i, i, i%2 == 0, i%20, i%7)
	}
	b.WriteString(`],"complete":true}`)
	return []byte(b.String())
}

// TestEvaluateReleasesJudgedRanges: with Options.Release, the evaluation
// hands back ranges of the plan that cover every resource change it judged,
// inside the plan and not overlapping, and the report is the same as
// without.
func TestEvaluateReleasesJudgedRanges(t *testing.T) {
	const n = 3000 // judged on several goroutines
	compact := syntheticPlan(n)
	var indented bytes.Buffer
	if err := json.Indent(&indented, compact, "", "    "); err != nil {
		t.Fatal(err)
	}
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), today)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ranges [][2]int
	release := func(start, end int) {
		mu.Lock()
		defer mu.Unlock()
		ranges = append(ranges, [2]int{start, end})
	}
	for _, tc := range []struct {
		data []byte
		omit bool
	}{{compact, false}, {compact, true}, {indented.Bytes(), true}} {
		data, omit := tc.data, tc.omit
		plan, err := tfplan.ParsePlan(data)
		if err != nil {
			t.Fatal(err)
		}
		ranges = nil
		want := engine.EvaluateWith(plan, evaluator.RunContext{}, today, evaluator.Options{OmitPasses: omit, Workers: 2})
		got := engine.EvaluateWith(plan, evaluator.RunContext{}, today, evaluator.Options{OmitPasses: omit, Workers: 2, Release: release})
		want.Duration, got.Duration = 0, 0
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("omit passes %v: the report changes with Release:\n%s", omit, diff)
		}
		if want.Verdict != evaluator.VerdictFailed || len(want.Findings) == 0 {
			t.Fatalf("the synthetic plan should fail the standard: %s, %d findings", want.Verdict, len(want.Findings))
		}
		if len(ranges) < 2 || len(ranges) > len(data)/(1<<20)+4 {
			t.Fatalf("%d ranges released for %d resources on two goroutines: want a few of a megabyte or more", len(ranges), n)
		}
		sort.Slice(ranges, func(i, j int) bool { return ranges[i][0] < ranges[j][0] })
		for i, r := range ranges {
			if r[0] < 0 || r[1] > len(data) || r[0] >= r[1] || (i > 0 && r[0] < ranges[i-1][1]) {
				t.Fatalf("range %d %v is outside the plan (%d bytes), empty, or overlaps %v", i, r, len(data), ranges[max(i-1, 0)])
			}
		}
		from := 0 // the resources are in plan order
		for i := range n {
			addr := []byte(fmt.Sprintf(`"aws_db_instance.db%d"`, i))
			start := bytes.LastIndexByte(data[:from+bytes.Index(data[from:], addr)], '{')
			end := start + bytes.Index(data[start:], []byte(`"after_unknown"`))
			from = end
			k := sort.Search(len(ranges), func(k int) bool { return ranges[k][1] >= end })
			if k == len(ranges) || ranges[k][0] > start {
				t.Fatalf("db%d (bytes %d-%d) was judged but not released: %v", i, start, end, ranges)
			}
		}
	}
}
