package tfplan

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestSkipValue(t *testing.T) {
	for _, doc := range []string{
		`"plain"`, `"a\"b"`, `"ends in backslash\\"`, `"\\\\\""`, `""`,
		`{}`, `[]`, `{"a":[1,2,{"b":"}]"}],"c":null}`, `[" ]",["[",{"{":"}"}]]`,
		`123`, `-1.5e+3`, `true`, `false`, `null`,
		` { "spaced" : [ 1 , 2 ] } `,
	} {
		start := skipSpace([]byte(doc), 0)
		end := skipValue([]byte(doc), 0)
		got := doc[start:end]
		var want json.RawMessage
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("bad test document %s: %v", doc, err)
		}
		if got != string(want) && got != trimJSONSpace(doc) {
			t.Errorf("skipValue(%s) = %q", doc, got)
		}
	}
}

func trimJSONSpace(s string) string {
	b := []byte(s)
	i := skipSpace(b, 0)
	j := len(b)
	for j > i && isSpace[b[j-1]] {
		j--
	}
	return string(b[i:j])
}

func TestRawFindStopsAtKeyAndSkipsTrickyValues(t *testing.T) {
	doc := []byte(`{"x":"a\"b\\","y":{"k":"]}"},"z":[1,{"w":2}],"d":1,"d":2}`)
	tests := []struct {
		step pathStep
		want string
		ok   bool
	}{
		{pathStep{key: "x"}, `"a\"b\\"`, true},
		{pathStep{key: "y"}, `{"k":"]}"}`, true},
		{pathStep{key: "z"}, `[1,{"w":2}]`, true},
		{pathStep{key: "d"}, `1`, true}, // the first of duplicate keys, as before
		{pathStep{key: "missing"}, ``, false},
		{pathStep{index: 0, isIdx: true}, ``, false},
	}
	for _, tt := range tests {
		got, ok := rawFind(doc, tt.step)
		if string(got) != tt.want || ok != tt.ok {
			t.Errorf("rawFind(%+v) = %q, %v; want %q, %v", tt.step, got, ok, tt.want, tt.ok)
		}
	}
	list := []byte(`[ {"w":"a"} , "s\"" , 3 ]`)
	for i, want := range []string{`{"w":"a"}`, `"s\""`, `3`} {
		if got, ok := rawIndex(list, i); !ok || string(got) != want {
			t.Errorf("rawIndex(%d) = %q, %v; want %q", i, got, ok, want)
		}
	}
	if _, ok := rawIndex(list, 3); ok {
		t.Error("rawIndex past the end found something")
	}
	// A key step on a list reads its first element (single nested blocks).
	if got, ok := rawFind([]byte(`[{"w":"a"}]`), pathStep{key: "w"}); !ok || string(got) != `"a"` {
		t.Errorf("rawFind into a one-element list = %q, %v", got, ok)
	}
}

// TestSkipContainerVectorMatchesScalar skips every object and array of real
// plans, and of random documents full of escapes, with both skippers.
func TestSkipContainerVectorMatchesScalar(t *testing.T) {
	if !haveClassify64 {
		t.Skip("no vector classifier on this CPU; the scalar skipper is the only one")
	}
	var docs [][]byte
	for _, f := range planFiles() {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, data)
	}
	rng := rand.New(rand.NewSource(4))
	for range 300 {
		docs = append(docs, randomJSON(rng))
	}
	checked := 0
	for _, d := range docs {
		if !json.Valid(d) {
			continue
		}
		in, esc := false, false // whether d[i] is inside a string
		for i, c := range d {
			switch {
			case esc:
				esc = false
				continue
			case in && c == '\\':
				esc = true
				continue
			case c == '"':
				in = !in
				continue
			case in || c != '{' && c != '[':
				continue
			}
			want, _ := skipContainerScalar(d, i, len(d))
			got, whole := skipContainer(d, i, len(d))
			if got != want || !whole {
				t.Fatalf("skip at %d of %.80q…: vector %d, scalar %d", i, d[i:], got, want)
			}
			// With a limit, a container reported whole must still end right.
			if got, whole := skipContainer(d, i, i+100); whole && got != want {
				t.Fatalf("limited skip at %d: %d, want %d", i, got, want)
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d containers checked", checked)
	}
}

// randomJSON builds a valid document with nested containers, long strings,
// escaped quotes, backslash runs and brackets inside strings.
func randomJSON(rng *rand.Rand) []byte {
	var b strings.Builder
	var value func(depth int)
	str := func() {
		b.WriteByte('"')
		for n := rng.Intn(90); n > 0; n-- {
			switch rng.Intn(10) {
			case 0:
				b.WriteString(`\"`)
			case 1:
				b.WriteString(strings.Repeat(`\\`, 1+rng.Intn(3)))
			case 2:
				b.WriteString(`{[}]`[rng.Intn(4):][:1])
			default:
				b.WriteByte(byte('a' + rng.Intn(26)))
			}
		}
		b.WriteByte('"')
	}
	value = func(depth int) {
		switch k := rng.Intn(4); {
		case depth > 5 || k == 0:
			str()
		case k == 1:
			b.WriteString(strconv.Itoa(rng.Intn(1000)))
		case k == 2:
			b.WriteByte('[')
			for n := rng.Intn(6); n > 0; n-- {
				value(depth + 1)
				if n > 1 {
					b.WriteByte(',')
				}
			}
			b.WriteByte(']')
		default:
			b.WriteByte('{')
			for n := rng.Intn(6); n > 0; n-- {
				str()
				b.WriteByte(':')
				value(depth + 1)
				if n > 1 {
					b.WriteByte(',')
				}
			}
			b.WriteByte('}')
		}
	}
	b.WriteByte('[')
	for n := 3 + rng.Intn(20); n > 0; n-- {
		value(0)
		if n > 1 {
			b.WriteByte(',')
		}
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// TestEscapedKeysAreFound: a key written with escapes anywhere (not only
// before a quote) is compared by its value.
func TestEscapedKeysAreFound(t *testing.T) {
	doc := []byte(`{"a\u0062":1,"tab\tkey":2,"q\"":3}`)
	for key, want := range map[string]string{"ab": "1", "tab\tkey": "2", `q"`: "3"} {
		if got, ok := rawFind(doc, pathStep{key: key}); !ok || string(got) != want {
			t.Errorf("rawFind(%q) = %q, %v; want %s", key, got, ok, want)
		}
		var top topIndex
		if got, ok := top.find(doc, key); !ok || string(got) != want {
			t.Errorf("topIndex.find(%q) = %q, %v; want %s", key, got, ok, want)
		}
	}
}

// TestMayHoldKeyNeverHidesAKey: the quick test may say "maybe" wrongly, but
// never "no" for a key the object has.
func TestMayHoldKeyNeverHidesAKey(t *testing.T) {
	obj := []byte(`{"arn":true,"mykey":true,"tags":{"key":true},"list":[{"id":true}],"value":"key","esc\u0061ped":true,"last":true}`)
	for key, want := range map[string]bool{
		"arn": true, "mykey": true, "tags": true, "last": true, "list": true,
		"key":    true, // nested and as a value: "maybe"
		"id":     true, // nested: "maybe"
		"absent": false, "ar": false, "ta": false,
	} {
		plain := bytes.ReplaceAll(obj, []byte(`,"esc\u0061ped":true`), nil) // no backslash: the text test applies
		if got := mayHoldKey(plain, key); got != want {
			t.Errorf("mayHoldKey(%q) = %v, want %v", key, got, want)
		}
		if !mayHoldKey(obj, key) {
			t.Errorf("with an escaped key present, mayHoldKey(%q) must say maybe", key)
		}
	}
	// Wherever rawFind finds a member, mayHoldKey says maybe.
	rng := rand.New(rand.NewSource(6))
	for range 200 {
		doc := randomJSON(rng)
		for i := 0; i < len(doc); i++ {
			if doc[i] != '{' {
				continue
			}
			end := skipValue(doc, i)
			if end <= i || !json.Valid(doc[i:end]) {
				continue
			}
			o := doc[i:end]
			rawMembers(o, func(k span, escaped bool, _ span) bool {
				if key := unquote(o[k.start:k.end], escaped); !mayHoldKey(o, key) {
					t.Fatalf("mayHoldKey(%.60q, %q) = false for a member", o, key)
				}
				return true
			})
		}
	}
}
