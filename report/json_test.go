package report

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/prodgate/prodgate/evaluator"
)

// TestJSONFindingsMatchEncodingJSON: the hand-written findings encoder
// writes byte for byte what encoding/json writes for the whole document,
// for strings with every kind of escape, empty optional fields and waivers.
func TestJSONFindingsMatchEncodingJSON(t *testing.T) {
	tricky := []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "tab\tnew\nline\r\b\f\x01\x1f",
		"caf\u00e9 \u2028 \u2029 \U0001F600", "bad \xff\xfe utf8", "`backticks` and 'quotes'", strings.Repeat("long ", 40)}
	rng := rand.New(rand.NewSource(5))
	pick := func() string { return tricky[rng.Intn(len(tricky))] }
	for round := 0; round < 50; round++ {
		rep := &evaluator.Report{Verdict: evaluator.VerdictFailed, Standard: pick(), Scope: "prod",
			EvaluatedAt: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Duration: 1234567}
		for n := rng.Intn(6); n > 0; n-- {
			f := evaluator.Finding{RuleID: pick(), Title: pick(), Address: pick(), ResourceType: pick(), Attribute: pick(),
				Severity: evaluator.Severity(rng.Intn(4)), Status: evaluator.StatusFail, Blocking: rng.Intn(2) == 0,
				Message: pick(), Expected: pick(), Actual: pick(), Remediation: pick(), Note: pick()}
			if rng.Intn(3) == 0 {
				f.Waiver = &evaluator.Waiver{ID: pick(), Owner: pick(), Reason: pick(), Expires: "2026-12-31"}
			}
			f.Internal = rng.Intn(4) == 0
			if rng.Intn(3) == 0 {
				f.Related = []evaluator.Finding{{RuleID: pick(), Title: pick(), Address: pick(), Status: evaluator.StatusFail,
					Blocking: true, Message: pick(), Folds: []evaluator.FindingRef{{Address: pick()}}}}
			}
			rep.Findings = append(rep.Findings, f)
		}
		var got bytes.Buffer
		r, err := New(FormatJSON, &got, Options{ResultsURL: "https://prodgate.example.com/runs/x?a=1&b=2"})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Render(rep); err != nil {
			t.Fatal(err)
		}
		rc := *rep
		if rc.Findings == nil {
			rc.Findings = []evaluator.Finding{}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(jsonDocument{SchemaVersion: SchemaVersion, Report: &rc, DurationMS: 1,
			ResultsURL: "https://prodgate.example.com/runs/x?a=1&b=2"}); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("round %d: output differs from encoding/json\n--- got\n%s\n--- want\n%s", round, got.String(), want.String())
		}
	}
}

// TestAppendJSONStringMatchesEncodingJSON: every byte value, at every offset
// of the eight-byte words appendJSONString skips, and random strings of the
// bytes it treats specially, encode as encoding/json encodes them.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	check := func(s string) {
		t.Helper()
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s; want %s", s, got, want)
		}
	}
	for b := 0; b < 256; b++ {
		for offset := 0; offset < 17; offset++ {
			pad := strings.Repeat("a", offset)
			check(pad + string(rune(b)) + pad)         // the code point
			check(pad + string([]byte{byte(b)}) + pad) // the byte, often invalid UTF-8
		}
	}
	pieces := []string{"a", "z", "=", "<", ">", "&", `"`, `\`, "\x00", "\x1f", " ", "!", "#", "\x7f", "é", "\u2028", "\u2029", "\xff", "\xe2\x80", "€", "😀"}
	r := rand.New(rand.NewSource(17))
	for n := 0; n < 20000; n++ {
		var sb strings.Builder
		for k := r.Intn(40); k > 0; k-- {
			sb.WriteString(pieces[r.Intn(len(pieces))])
		}
		check(sb.String())
	}
}
