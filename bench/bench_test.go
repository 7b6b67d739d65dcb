// Package bench measures prodgate on large plans of two shapes (see
// plangen.WriteShape; the real one is skipped without the corpus): parse,
// evaluate and render separately and end to end, at 1k, 20k and 100k
// resource changes.
//
//	go test ./bench -run XXX -bench . -benchmem
//	go test ./bench -run XXX -bench 'Parse/shape=real' -cpuprofile cpu.prof -memprofile mem.prof
package bench

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prodgate/prodgate/bench/plangen"
	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/evaluator/tfplan"
	"github.com/prodgate/prodgate/report"
)

var (
	sizes  = []int{1000, 20000, 100000}
	shapes = []string{plangen.ShapeGenerated, plangen.ShapeReal}
)

type planKey struct {
	shape string
	n     int
}

var (
	plansMu sync.Mutex
	plans   = map[planKey][]byte{}
)

// planOf generates (once) a plan of the shape with n resource changes; the
// real shape is skipped when the corpus is not beside the repository.
func planOf(b *testing.B, shape string, n int) []byte {
	b.Helper()
	plansMu.Lock()
	defer plansMu.Unlock()
	if data, ok := plans[planKey{shape, n}]; ok {
		return data
	}
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := plangen.WriteShape(&buf, shape, n, root, ""); err != nil {
		if shape == plangen.ShapeReal {
			b.Skipf("real shape needs the corpus beside the repository: %v", err)
		}
		b.Fatal(err)
	}
	plans[planKey{shape, n}] = buf.Bytes()
	return buf.Bytes()
}

// eachShape runs f as sub-benchmarks shape=…/resources=… for every size.
func eachShape(b *testing.B, sizes []int, f func(b *testing.B, data []byte)) {
	for _, shape := range shapes {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("shape=%s/resources=%d", shape, n), func(b *testing.B) {
				f(b, planOf(b, shape, n))
			})
		}
	}
}

func engine(b *testing.B) *evaluator.Engine {
	b.Helper()
	e, err := evaluator.Compile(config.Default(), rules.Registry(), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func BenchmarkParse(b *testing.B) {
	eachShape(b, sizes, func(b *testing.B, data []byte) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := tfplan.ParsePlan(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParseOneCore is BenchmarkParse without the parallel splitter
// (parallelparse.go): the two side by side say what it gains.
func BenchmarkParseOneCore(b *testing.B) {
	eachShape(b, sizes[1:], func(b *testing.B, data []byte) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := tfplan.ParsePlanWith(data, tfplan.ParseOptions{Workers: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEvaluate(b *testing.B) {
	e := engine(b)
	eachShape(b, sizes, func(b *testing.B, data []byte) {
		plan, err := tfplan.ParsePlan(data)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			e.Evaluate(plan, evaluator.RunContext{}, time.Now())
		}
	})
}

func BenchmarkRender(b *testing.B) {
	e := engine(b)
	for _, format := range report.Formats() {
		b.Run(fmt.Sprintf("format=%s/resources=20000", format), func(b *testing.B) {
			plan, err := tfplan.ParsePlan(planOf(b, plangen.ShapeGenerated, 20000))
			if err != nil {
				b.Fatal(err)
			}
			rep := e.Evaluate(plan, evaluator.RunContext{}, time.Now())
			b.ResetTimer()
			for b.Loop() {
				r, err := report.New(format, io.Discard, report.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if err := r.Render(rep); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEndToEnd is what `prodgate check --format atlantis` does after
// reading the file: parse, evaluate, render.
func BenchmarkEndToEnd(b *testing.B) {
	e := engine(b)
	eachShape(b, sizes, func(b *testing.B, data []byte) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			plan, err := tfplan.ParsePlan(data)
			if err != nil {
				b.Fatal(err)
			}
			rep := e.Evaluate(plan, evaluator.RunContext{}, time.Now())
			r, _ := report.New(report.FormatAtlantis, io.Discard, report.Options{})
			if err := r.Render(rep); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParseAndEvaluate is what check does before rendering: a fresh
// parse, then evaluation with every per-plan index built from cold.
func BenchmarkParseAndEvaluate(b *testing.B) {
	e := engine(b)
	data := planOf(b, plangen.ShapeGenerated, 20000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		plan, err := tfplan.ParsePlan(data)
		if err != nil {
			b.Fatal(err)
		}
		e.Evaluate(plan, evaluator.RunContext{}, time.Now())
	}
}
