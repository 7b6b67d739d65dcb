package tfplan

import (
	"bytes"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prodgate/prodgate/bench/plangen"
)

var (
	benchPlanOnce sync.Once
	benchPlan     []byte
)

// plan20k is bench/gen's plan of 20,000 resource changes (30 MiB), made once.
func plan20k(b *testing.B) []byte {
	benchPlanOnce.Do(func() {
		root, err := filepath.Abs("../..")
		if err != nil {
			b.Fatal(err)
		}
		templates, err := plangen.Templates(plangen.DefaultDirs(root)...)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := plangen.Write(&buf, 20000, templates); err != nil {
			b.Fatal(err)
		}
		benchPlan = buf.Bytes()
	})
	return benchPlan
}

// BenchmarkScan measures the scanner alone (validating and skipping the whole
// document as one value) and the plan reader on one core and on every CPU,
// on a 20k-resource plan. The nesting limit is checked on every container.
//
//	go test ./evaluator -run XXX -bench Scan -count 5
func BenchmarkScan(b *testing.B) {
	data := plan20k(b)
	b.Run("validate", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			s := scanner{data: data}
			if _, err := s.validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse-one-core", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := ParsePlanWith(data, ParseOptions{Workers: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse-every-cpu", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := ParsePlan(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLookupThroughDeepLists reads settings.k from an attribute that is
// a 1 MiB object inside 500 nested one-element lists: every lookup step into
// a list used to search for the end of each first element, scanning the
// value 500 times over.
func BenchmarkLookupThroughDeepLists(b *testing.B) {
	const levels = 500
	payload := `{"pad":"` + strings.Repeat("x", 1<<20) + `","k":true}`
	doc := []byte(`{"format_version":"1.2","planned_values":{},"resource_changes":[{"address":"t.x","type":"t","name":"x","change":{"actions":["create"],` +
		`"after":{"settings":` + strings.Repeat("[", levels) + payload + strings.Repeat("]", levels) + `}}}]}`)
	p, err := ParsePlan(doc)
	if err != nil {
		b.Fatal(err)
	}
	r := p.Resources[0]
	if v, ok := r.After("settings.k").Bool(); !ok || !v {
		b.Fatalf("settings.k = %+v", r.After("settings.k"))
	}
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		r.After("settings.k")
	}
}
