// Package bench measures prodgate on large generated plans: parse, evaluate
// and render separately and end to end, at 1k, 20k and 100k resource changes.
//
//	go test ./bench -run XXX -bench . -benchmem
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
	"github.com/prodgate/prodgate/report"
)

var sizes = []int{1000, 20000, 100000}

var (
	plansMu sync.Mutex
	plans   = map[int][]byte{}
)

// planOf generates (once) a plan with n resource changes.
func planOf(b *testing.B, n int) []byte {
	b.Helper()
	plansMu.Lock()
	defer plansMu.Unlock()
	if data, ok := plans[n]; ok {
		return data
	}
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	templates, err := plangen.Templates(plangen.DefaultDirs(root)...)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := plangen.Write(&buf, n, templates); err != nil {
		b.Fatal(err)
	}
	plans[n] = buf.Bytes()
	return buf.Bytes()
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
	for _, n := range sizes {
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			data := planOf(b, n)
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for b.Loop() {
				if _, err := evaluator.ParsePlan(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEvaluate(b *testing.B) {
	e := engine(b)
	for _, n := range sizes {
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			data := planOf(b, n)
			plan, err := evaluator.ParsePlan(data)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for b.Loop() {
				e.Evaluate(plan, evaluator.RunContext{}, time.Now())
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	e := engine(b)
	for _, format := range report.Formats() {
		b.Run(fmt.Sprintf("format=%s/resources=20000", format), func(b *testing.B) {
			plan, err := evaluator.ParsePlan(planOf(b, 20000))
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
	for _, n := range sizes {
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			data := planOf(b, n)
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for b.Loop() {
				plan, err := evaluator.ParsePlan(data)
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
}

// BenchmarkParseAndEvaluate is what check does before rendering: a fresh
// parse, then evaluation with every per-plan index built from cold.
func BenchmarkParseAndEvaluate(b *testing.B) {
	e := engine(b)
	data := planOf(b, 20000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		plan, err := evaluator.ParsePlan(data)
		if err != nil {
			b.Fatal(err)
		}
		e.Evaluate(plan, evaluator.RunContext{}, time.Now())
	}
}
