package evaluator

import (
	"encoding/json"
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
