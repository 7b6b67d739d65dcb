package tfplan

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// scanValid reports whether the scanner accepts data as one JSON value.
func scanValid(data []byte) bool {
	s := scanner{data: data}
	if _, err := s.validate(); err != nil {
		return false
	}
	return s.atEnd()
}

var validityCases = []string{
	`{}`, `[]`, `{"a":1}`, `{"a":[1,2,{"b":null}]}`, `"x"`, `-0.5e+10`, `0`, `1E5`, `true`, `false`, `null`,
	`{"a":"\u00e9\n\"\\/"}`, ` { "a" : [ ] } `, `[1,2,3]`, `{"a":{"b":{"c":{}}}}`,
	`{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `tru`, `nul`,
	`"abc`, `"a\x"`, `"\u12G4"`, "\"a\x01b\"", `{"a":1}{`, `{"a" 1}`, `{1:2}`, `[1 2]`, `"\`, ``, ` `,
}

func TestScannerAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range validityCases {
		if got, want := scanValid([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("%q: scanner valid=%v, encoding/json valid=%v", c, got, want)
		}
	}
}

// TestScannerAgreesOnMutations truncates and corrupts a real-looking plan
// at many places; the scanner must refuse exactly what encoding/json refuses.
func TestScannerAgreesOnMutations(t *testing.T) {
	doc := []byte(`{"format_version":"1.2","resource_changes":[{"address":"module.m[\"k\"].aws_db_instance.x[0]","mode":"managed",` +
		`"type":"aws_db_instance","name":"x","change":{"actions":["delete","create"],"before":{"a":1.5e3,"b":[true,false,null],"c":"\u00e9"},` +
		`"after":{"settings":[{"backup":[{"enabled":true}]}]},"after_unknown":{"id":true},"before_sensitive":{},"after_sensitive":{"p":true}}}],` +
		`"planned_values":{"root_module":{}},"complete":true}`)
	if !scanValid(doc) {
		t.Fatal("the base document must be valid")
	}
	for i := 0; i < len(doc); i++ {
		if scanValid(doc[:i]) {
			t.Errorf("truncated at %d accepted", i)
		}
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte(`{}[]",:\ 0-.eEtfnu1a` + "\x01")
	for i := 0; i < 20000; i++ {
		m := append([]byte(nil), doc...)
		m[rng.Intn(len(m))] = alphabet[rng.Intn(len(alphabet))]
		if got, want := scanValid(m), json.Valid(m); got != want {
			t.Fatalf("mutation %q: scanner valid=%v, encoding/json valid=%v", m, got, want)
		}
	}
}

// TestScannerDepthLimit: the scanner accepts what encoding/json accepts up to
// MaxPlanDepth levels, and nothing deeper (encoding/json allows 10,000).
func TestScannerDepthLimit(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want bool
	}{
		{lists(MaxPlanDepth), true},
		{lists(MaxPlanDepth + 1), false},
		{objects(MaxPlanDepth), true},
		{objects(MaxPlanDepth + 1), false},
		{strings.Repeat(`[{"a":`, MaxPlanDepth/2) + "1" + strings.Repeat("}]", MaxPlanDepth/2), true},
		{"[" + strings.Repeat(`[{"a":`, MaxPlanDepth/2) + "1" + strings.Repeat("}]", MaxPlanDepth/2) + "]", false},
	} {
		if !json.Valid([]byte(c.doc)) {
			t.Fatalf("encoding/json refuses a document %d levels deep", MaxPlanDepth+1)
		}
		if got := scanValid([]byte(c.doc)); got != c.want {
			deepest, _ := nestingOf([]byte(c.doc), MaxPlanDepth)
			t.Errorf("%d levels: scanner valid=%v, want %v", deepest, got, c.want)
		}
	}
}

func FuzzScannerAgreesWithEncodingJSON(f *testing.F) {
	for _, c := range validityCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(lists(MaxPlanDepth)))
	f.Add([]byte(lists(MaxPlanDepth + 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		// encoding/json allows 10,000 levels; the scanner MaxPlanDepth.
		deepest, _ := nestingOf(data, MaxPlanDepth)
		if got, want := scanValid(data), json.Valid(data) && deepest <= MaxPlanDepth; got != want {
			t.Fatalf("%q: scanner valid=%v, encoding/json valid=%v, %d levels deep", data, got, json.Valid(data), deepest)
		}
		if json.Valid(data) && deepest <= MaxPlanDepth {
			var want any
			_ = json.Unmarshal(data, &want)
			s := scanner{data: data}
			raw, _ := s.validate()
			// reflect.DeepEqual first: cmp.Diff's search for the smallest
			// difference takes time exponential in the nesting of lists.
			if got := decodeRaw(raw); !reflect.DeepEqual(want, got) {
				t.Fatalf("decodeRaw differs from encoding/json:\n%s", cmp.Diff(want, got))
			}
		}
	})
}

func TestSpecialBytesFindsTheFirstSpecialByte(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	interesting := []byte{'"', '\\', 0x00, 0x1f, 0x20, 0x21, 'a', 0x7f, 0x80, 0xff, 0xe9, '!', '#', '[', ']', 0x5b, 0x5d}
	for i := 0; i < 200000; i++ {
		var b [8]byte
		for j := range b {
			b[j] = interesting[rng.Intn(len(interesting))]
		}
		want := -1
		for j, c := range b {
			if c == '"' || c == '\\' || c < 0x20 {
				want = j
				break
			}
		}
		m := specialBytes(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56)
		got := -1
		if m != 0 {
			for j := 0; j < 8; j++ {
				if m&(0x80<<(8*j)) != 0 {
					got = j
					break
				}
			}
		}
		if got != want {
			t.Fatalf("%q: first special byte %d, specialBytes says %d", b, want, got)
		}
	}
}
