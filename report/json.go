package report

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/prodgate/prodgate/evaluator"
)

// SchemaVersion is the version of the JSON document FormatJSON writes. It
// changes only when a field is renamed, removed or changes meaning; new
// fields may appear without a change.
const SchemaVersion = 1

// jsonRenderer writes the Report as indented JSON: schema_version first, then
// the Report's own fields in struct order, then derived fields.
type jsonRenderer struct {
	w    io.Writer
	opts Options
}

// jsonDocument is what FormatJSON writes. The embedded Report's fields are
// promoted to the top level.
type jsonDocument struct {
	SchemaVersion int `json:"schema_version"`
	*evaluator.Report
	// DurationMS is Report.Duration (duration_ns) in whole milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// ResultsURL is Options.ResultsURL, when set.
	ResultsURL string `json:"results_url,omitempty"`
}

func (j *jsonRenderer) Render(r *evaluator.Report) error {
	if r == nil {
		return errNilReport
	}
	// Everything but the findings goes through encoding/json; the findings,
	// tens of thousands on a large plan and most of the document, are written
	// by appendFinding into the place encoding/json left for them.
	// appendFinding writes exactly what encoding/json would: the golden files
	// and TestJSONFindingsMatchEncodingJSON hold it to that.
	rc := *r
	rc.Findings = []evaluator.Finding{}
	doc := jsonDocument{
		SchemaVersion: SchemaVersion,
		Report:        &rc,
		DurationMS:    r.Duration.Milliseconds(),
		ResultsURL:    j.opts.ResultsURL,
	}
	head, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	const slot = "\n  \"findings\": []"
	at := bytes.Index(head, []byte(slot))
	if at < 0 {
		return fmt.Errorf("write json report: no findings member in %.80q", head)
	}
	at += len(slot) - 1 // at the closing bracket
	// Written in pieces of about flushAt bytes: the document of a large plan
	// runs to tens of megabytes and need not be held whole.
	const flushAt = 256 << 10
	out := make([]byte, 0, flushAt+4096)
	out = append(out, head[:at]...)
	for i := range r.Findings {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, "\n    "...)
		if out, err = appendFinding(out, &r.Findings[i]); err != nil {
			return fmt.Errorf("write json report: %w", err)
		}
		if len(out) >= flushAt {
			if _, err := j.w.Write(out); err != nil {
				return fmt.Errorf("write json report: %w", err)
			}
			out = out[:0]
		}
	}
	if len(r.Findings) > 0 {
		out = append(out, "\n  "...)
	}
	out = append(out, head[at:]...)
	out = append(out, '\n')
	if _, err := j.w.Write(out); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// appendFinding writes one finding as encoding/json's MarshalIndent would at
// the findings' depth (fields indented by six spaces).
func appendFinding(out []byte, f *evaluator.Finding) ([]byte, error) {
	field := func(name string, first bool) {
		if !first {
			out = append(out, ',')
		}
		out = append(out, "\n      \""...)
		out = append(out, name...)
		out = append(out, "\": "...)
	}
	str := func(name, value string, omitEmpty bool) {
		if omitEmpty && value == "" {
			return
		}
		field(name, false)
		out = appendJSONString(out, value)
	}
	out = append(out, '{')
	field("rule_id", true)
	out = appendJSONString(out, f.RuleID)
	str("title", f.Title, false)
	str("address", f.Address, true)
	str("resource_type", f.ResourceType, true)
	str("attribute", f.Attribute, true)
	severity, err := f.Severity.MarshalText()
	if err != nil {
		return nil, err
	}
	str("severity", string(severity), false)
	str("status", string(f.Status), false)
	field("blocking", false)
	out = strconv.AppendBool(out, f.Blocking)
	str("message", f.Message, false)
	str("expected", f.Expected, true)
	str("actual", f.Actual, true)
	str("remediation", f.Remediation, true)
	str("note", f.Note, true)
	if f.Waiver != nil {
		field("waiver", false)
		waiver, err := json.MarshalIndent(f.Waiver, "      ", "  ")
		if err != nil {
			return nil, err
		}
		out = append(out, waiver...)
	}
	if f.Internal {
		field("internal", false)
		out = append(out, "true"...)
	}
	if len(f.Related) > 0 {
		field("related", false)
		related, err := json.MarshalIndent(f.Related, "      ", "  ")
		if err != nil {
			return nil, err
		}
		out = append(out, related...)
	}
	out = append(out, "\n    }"...)
	return out, nil
}

// htmlSafeByte marks the ASCII bytes appendJSONString copies as they are:
// all but control characters, the quote, the backslash, <, > and &.
var htmlSafeByte = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// needsLook flags (in the byte's high bit) the bytes of w, read little-endian,
// that appendJSONString may have to escape: control characters, the quote,
// the backslash, &, <, = and > (= comes with the test for < and >, and is
// then copied), and every byte of a multi-byte UTF-8 sequence. Bytes above
// the lowest flagged one may be flagged wrongly by borrows: only the lowest
// is exact.
func needsLook(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quoteOrControl := w ^ (ones * 0x02) // '"' becomes 0x20, controls stay below it
	backslash := w ^ (ones * '\\')
	amp := w ^ (ones * '&')
	angle := w ^ (ones * '<') // '<', '=', '>' become 0, 1, 2
	return ((quoteOrControl-ones*0x21)&^quoteOrControl |
		(backslash-ones)&^backslash |
		(amp-ones)&^amp |
		(angle-ones*0x03)&^angle |
		w) & highs
}

// appendJSONString is encoding/json's string encoding with HTML escaping
// (its default): quotes, backslashes, control characters, <, > and & are
// escaped, invalid UTF-8 becomes U+FFFD, and U+2028/U+2029 are escaped.
//
// Bytes that need nothing are skipped eight at a time (needsLook), then
// through a table: on the real shape at 20k this function is 95 M of check
// --format json's 1,709 M instructions; the byte loop with six comparisons a
// byte it replaced was 282 M of 1,883 M.
func appendJSONString(out []byte, s string) []byte {
	const hex = "0123456789abcdef"
	out = append(out, '"')
	start := 0
	base := unsafe.Pointer(unsafe.StringData(s))
	for i := 0; i < len(s); {
		for i+8 <= len(s) {
			m := needsLook(binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(base, i))[:]))
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		if htmlSafeByte[s[i]] {
			i++
			continue
		}
		if b := s[i]; b < utf8.RuneSelf {
			out = append(out, s[start:i]...)
			switch b {
			case '\\', '"':
				out = append(out, '\\', b)
			case '\b':
				out = append(out, '\\', 'b')
			case '\f':
				out = append(out, '\\', 'f')
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			default:
				out = append(out, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			out = append(out, s[start:i]...)
			out = append(out, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			out = append(out, s[start:i]...)
			out = append(out, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}
