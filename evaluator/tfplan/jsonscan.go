package tfplan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// scanner is the validating mode of the JSON engine (json.go): an
// allocation-free JSON reader over a byte slice. Plans run to tens of megabytes and rules read a few attributes of each
// resource, so prodgate validates the whole document once, keeps sub-slices
// of what it needs (before, after, …) and reads attributes from those bytes
// on demand instead of decoding every value into maps.
type scanner struct {
	data  []byte
	pos   int
	stack []byte // open containers while skipping a value
	// depth counts the containers open around pos that object and array
	// are walking; value adds its own stack to it. Both refuse to open a
	// container beyond MaxPlanDepth (see there).
	depth int
	// release, when set, learns every releaseEvery bytes how far the scan has
	// come (see ParseOptions.Release).
	release  func(start, end int)
	released int
}

// progress reports scan progress to release. It is called for every value,
// so it stays small enough to be inlined; the report itself is not.
func (s *scanner) progress() {
	if s.release != nil && s.pos-s.released >= releaseEvery {
		s.reportProgress()
	}
}

//go:noinline
func (s *scanner) reportProgress() {
	s.release(s.released, s.pos)
	s.released = s.pos
}

// MaxPlanDepth is how deep objects and arrays may nest in a plan document,
// counting the top-level object as 1. The scanner refuses a deeper document
// where it first goes past the limit, so that nothing after it (the walkers
// in rawwalk.go, decodeValidated, CEL's conversion of values, configuration
// indexing) ever sees one: a plan nested ten million levels deep (20 MB) once
// ended the process with a stack overflow, which no recover can catch.
//
// Terraform's own documents stay far below it: the deepest of the 131 real
// plans in the project's corpus nests 21 levels (module trees and nested
// blocks included; a plan adds about 3 levels per module in "configuration"
// and 2 in "prior_state"), so 512 leaves room for 20 levels of modules around
// values nested 400 deep. It is the same order as simdjson's default (1,024)
// and well under encoding/json's 10,000, which exists for the same reason.
// Walkers that recurse over plan values do so at most MaxPlanDepth deep,
// which costs tens of kilobytes of stack.
const MaxPlanDepth = 512

// limitError is a document that goes past one of the plan reader's bounds
// (MaxPlanDepth, MaxPlanResources, MaxAddressBytes) at a byte offset.
type limitError struct {
	offset int
	msg    string
}

func (e *limitError) Error() string { return e.msg }

var errTooDeep = fmt.Sprintf("objects and arrays nest deeper than %d levels; no Terraform plan nests that deep, so prodgate refuses it rather than walk it", MaxPlanDepth)

// tooDeep reports whether opening a container at pos, with open containers
// open already, goes past MaxPlanDepth.
func (s *scanner) tooDeep(open int) error {
	if open < MaxPlanDepth {
		return nil
	}
	return &limitError{offset: s.pos, msg: errTooDeep}
}

// syntaxError is a JSON syntax error at a byte offset.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string { return e.msg }

func (s *scanner) fail(msg string) error { return &syntaxError{offset: s.pos, msg: msg} }

func (s *scanner) failf(format string, args ...any) error {
	return &syntaxError{offset: s.pos, msg: fmt.Sprintf(format, args...)}
}

// isSpace is JSON's whitespace set.
var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// plainStringByte marks bytes that can appear in a string without further
// checks: everything but control characters, the quote and the backslash.
var plainStringByte = func() (t [256]bool) {
	for i := 0x20; i < 256; i++ {
		t[i] = i != '"' && i != '\\'
	}
	return t
}()

func (s *scanner) ws() {
	for s.pos < len(s.data) && isSpace[s.data[s.pos]] {
		s.pos++
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// atEnd reports whether only whitespace is left.
func (s *scanner) atEnd() bool {
	s.ws()
	return s.pos >= len(s.data)
}

func (s *scanner) eof() error {
	if s.pos < len(s.data) {
		return s.failf("invalid character %q", s.data[s.pos])
	}
	return s.fail("unexpected end of JSON input")
}

// validate validates and skips one value, returning its bytes. It is
// iterative (a small stack of open containers) because most of a plan is
// skipped through here: values rules never read, planned_values, prior_state.
func (s *scanner) validate() ([]byte, error) {
	if s.peek() == 0 && s.pos >= len(s.data) {
		return nil, s.eof()
	}
	start := s.pos
	// The stack's storage is kept for the next value (on errors it need not
	// be: parsing stops).
	stack := s.stack[:0]
	for {
		s.progress()
		// A value is expected here.
		switch c := s.peek(); {
		case c == '{':
			if err := s.tooDeep(s.depth + len(stack)); err != nil {
				return nil, err
			}
			s.pos++
			if s.peek() == '}' {
				s.pos++
				break
			}
			stack = append(stack, '{')
			if err := s.memberKey(); err != nil {
				return nil, err
			}
			continue
		case c == '[':
			if err := s.tooDeep(s.depth + len(stack)); err != nil {
				return nil, err
			}
			s.pos++
			if s.peek() == ']' {
				s.pos++
				break
			}
			stack = append(stack, '[')
			continue
		case c == '"':
			if _, _, err := s.str(); err != nil {
				return nil, err
			}
		case c == 't':
			if err := s.literal("true"); err != nil {
				return nil, err
			}
		case c == 'f':
			if err := s.literal("false"); err != nil {
				return nil, err
			}
		case c == 'n':
			if err := s.literal("null"); err != nil {
				return nil, err
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if err := s.number(); err != nil {
				return nil, err
			}
		case c == 0 && s.pos >= len(s.data):
			return nil, s.eof()
		default:
			return nil, s.failf("invalid character %q looking for beginning of value", c)
		}
		// A value ended: close containers until one continues.
		for {
			if len(stack) == 0 {
				s.stack = stack
				return s.data[start:s.pos], nil
			}
			top := stack[len(stack)-1]
			c := s.peek()
			if c == ',' {
				s.pos++
				if top == '{' {
					if err := s.memberKey(); err != nil {
						return nil, err
					}
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				s.pos++
				stack = stack[:len(stack)-1]
				continue
			}
			if c == 0 && s.pos >= len(s.data) {
				return nil, s.eof()
			}
			if top == '{' {
				return nil, s.fail("invalid character after object key:value pair")
			}
			return nil, s.fail("invalid character after array element")
		}
	}
}

// memberKey reads `"key":` inside an object.
func (s *scanner) memberKey() error {
	switch s.peek() {
	case '"':
	case 0:
		if s.pos >= len(s.data) {
			return s.eof()
		}
		fallthrough
	default:
		return s.fail("invalid character looking for beginning of object key string")
	}
	if _, _, err := s.str(); err != nil {
		return err
	}
	switch s.peek() {
	case ':':
		s.pos++
		return nil
	case 0:
		if s.pos >= len(s.data) {
			return s.eof()
		}
	}
	return s.fail("invalid character after object key")
}

func (s *scanner) literal(word string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(word)) {
		if len(s.data)-s.pos < len(word) && bytes.HasPrefix([]byte(word), s.data[s.pos:]) {
			s.pos = len(s.data)
			return s.eof()
		}
		return s.failf("invalid literal, expected %q", word)
	}
	s.pos += len(word)
	return nil
}

func (s *scanner) number() error {
	d := s.data
	if s.pos < len(d) && d[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos >= len(d):
		return s.eof()
	case d[s.pos] == '0':
		s.pos++
	case d[s.pos] >= '1' && d[s.pos] <= '9':
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
		}
	default:
		return s.fail("invalid character in numeric literal")
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if s.pos >= len(d) || d[s.pos] < '0' || d[s.pos] > '9' {
			return s.fail("invalid character after decimal point in numeric literal")
		}
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if s.pos >= len(d) || d[s.pos] < '0' || d[s.pos] > '9' {
			return s.fail("invalid character in exponent of numeric literal")
		}
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
		}
	}
	return nil
}

// str validates a string at pos and returns its contents (between the
// quotes) and whether it holds escapes.
//
// Most strings of a plan are short (70 % under 16 bytes) and plain, so what
// is done once per string counts as much as the loop: this fast path only
// finds the closing quote eight bytes at a time; a string with an escape, a
// control character or near the end of the data goes to strFull.
func (s *scanner) str() (content []byte, escaped bool, err error) {
	d := s.data
	start := s.pos + 1 // after the opening quote
	pos := start
	for ; pos+8 <= len(d); pos += 8 {
		// Flags the quotes, backslashes and control characters; the lowest
		// flagged byte is exact.
		if m := specialBytes(binary.LittleEndian.Uint64(d[pos:])); m != 0 {
			pos += bits.TrailingZeros64(m) >> 3
			if d[pos] != '"' {
				break
			}
			s.pos = pos + 1
			return d[start:pos], false, nil
		}
	}
	return s.strFull(start, pos)
}

// strFull is str for any string that starts at start and holds only plain
// bytes before pos.
func (s *scanner) strFull(start, pos int) (content []byte, escaped bool, err error) {
	d := s.data
	for {
		if pos+8 <= len(d) {
			m := specialBytes(binary.LittleEndian.Uint64(d[pos:]))
			if m == 0 {
				pos += 8
				continue
			}
			pos += bits.TrailingZeros64(m) >> 3
		} else {
			for pos < len(d) && plainStringByte[d[pos]] {
				pos++
			}
			if pos >= len(d) {
				s.pos = pos
				return nil, false, s.eof()
			}
		}
		switch d[pos] {
		case '"':
			s.pos = pos + 1
			return d[start:pos], escaped, nil
		case '\\':
		default:
			s.pos = pos
			return nil, false, s.fail("invalid character in string literal (control characters must be escaped)")
		}
		escaped = true
		pos++
		if pos >= len(d) {
			s.pos = pos
			return nil, false, s.eof()
		}
		switch d[pos] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			pos++
		case 'u':
			if len(d)-pos < 5 {
				s.pos = len(d)
				return nil, false, s.eof()
			}
			for _, h := range d[pos+1 : pos+5] {
				if !isHex(h) {
					s.pos = pos
					return nil, false, s.fail("invalid character in \\u hexadecimal character escape")
				}
			}
			pos += 5
		default:
			s.pos = pos
			return nil, false, s.fail("invalid character in string escape code")
		}
	}
}

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// specialBytes flags (in the byte's high bit) each byte of w that is a quote,
// a backslash or below 0x20. Bytes above the lowest flagged one may be
// flagged wrongly by borrows; callers use only the lowest.
func specialBytes(w uint64) uint64 {
	quote := w ^ (swarOnes * '"')
	backslash := w ^ (swarOnes * '\\')
	zeroQuote := (quote - swarOnes) &^ quote
	zeroBackslash := (backslash - swarOnes) &^ backslash
	control := (w - swarOnes*0x20) &^ w
	return (zeroQuote | zeroBackslash | control) & swarHighs
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// object walks the members of an object at pos; member must consume the value.
// Callers that recurse through object and array (readStateModule) are bounded
// by MaxPlanDepth, checked here.
func (s *scanner) object(member func(key []byte, escaped bool) error) error {
	if err := s.tooDeep(s.depth); err != nil {
		return err
	}
	s.depth++
	err := s.members(member)
	s.depth--
	return err
}

func (s *scanner) members(member func(key []byte, escaped bool) error) error {
	s.pos++ // {
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		switch s.peek() {
		case '"':
		case 0:
			return s.eof()
		default:
			return s.fail("invalid character looking for beginning of object key string")
		}
		key, escaped, err := s.str()
		if err != nil {
			return err
		}
		switch s.peek() {
		case ':':
			s.pos++
		case 0:
			return s.eof()
		default:
			return s.fail("invalid character after object key")
		}
		if err := member(key, escaped); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		case 0:
			return s.eof()
		default:
			return s.fail("invalid character after object key:value pair")
		}
	}
}

// array walks the elements of an array at pos; element must consume one value.
func (s *scanner) array(element func() error) error {
	if err := s.tooDeep(s.depth); err != nil {
		return err
	}
	s.depth++
	err := s.elements(element)
	s.depth--
	return err
}

func (s *scanner) elements(element func() error) error {
	s.pos++ // [
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for {
		s.progress()
		if err := element(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		case 0:
			return s.eof()
		default:
			return s.fail("invalid character after array element")
		}
	}
}

// stringValue reads a string or null (as "") at pos.
func (s *scanner) stringValue(field string) (string, error) {
	switch s.peek() {
	case '"':
		content, escaped, err := s.str()
		if err != nil {
			return "", err
		}
		return unquote(content, escaped), nil
	case 'n':
		return "", s.literal("null")
	}
	return "", s.typeError(field, "string")
}

// typeError reports a value of the wrong JSON type for a known field.
func (s *scanner) typeError(field, want string) error {
	got := "value"
	switch s.peek() {
	case 0:
		return s.eof()
	case '{':
		got = "object"
	case '[':
		got = "array"
	case '"':
		got = "string"
	case 't', 'f':
		got = "bool"
	case 'n':
		got = "null"
	default:
		got = "number"
	}
	return &fieldTypeError{offset: s.pos, field: field, got: got, want: want}
}

type fieldTypeError struct {
	offset           int
	field, got, want string
}

// prefixField adds the path of the enclosing value to a type error's field.
func prefixField(err error, prefix string) error {
	if fte, ok := err.(*fieldTypeError); ok {
		if fte.field == "" {
			fte.field = prefix
		} else if !strings.HasPrefix(fte.field, prefix) {
			fte.field = prefix + "." + fte.field
		}
	}
	return err
}

func (e *fieldTypeError) Error() string {
	return fmt.Sprintf("field %q: got JSON %s, want %s", e.field, e.got, e.want)
}

// unquote turns string contents into a Go string. Contents without escapes
// (nearly all of a plan) are used in place.
func unquote(content []byte, escaped bool) string {
	if !escaped && utf8.Valid(content) {
		if len(content) == 0 {
			return ""
		}
		// Zero-copy: the plan's bytes are never modified after parsing
		// (ParsePlan's contract), so strings may share them.
		return unsafe.String(&content[0], len(content))
	}
	// Escapes, or invalid UTF-8, which encoding/json replaces with U+FFFD.
	out := make([]byte, 0, len(content))
	for i := 0; i < len(content); {
		c := content[i]
		switch {
		case c == '\\' && i+1 < len(content):
			i++
			switch e := content[i]; e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, size := decodeEscapedRune(content[i-1:])
				out = utf8.AppendRune(out, r)
				i += size - 2
			default: // " \ /
				out = append(out, e)
			}
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(content[i:])
			out = utf8.AppendRune(out, r) // invalid bytes become U+FFFD
			i += size
		}
	}
	return string(out)
}

// decodeEscapedRune reads \uXXXX (and a following low surrogate) at the start
// of b, returning the rune and the bytes used; bad surrogates give U+FFFD as
// encoding/json does.
func decodeEscapedRune(b []byte) (rune, int) {
	r1, ok := hex4(b)
	if !ok {
		return utf8.RuneError, 2
	}
	if !utf16.IsSurrogate(r1) {
		return r1, 6
	}
	if len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
		if r2, ok := hex4(b[6:]); ok {
			if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
				return r, 12
			}
		}
	}
	return utf8.RuneError, 6
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 6 {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// keyBytes returns an object key's text; switching on string(keyBytes(…))
// does not allocate for the common unescaped key.
func keyBytes(key []byte, escaped bool) []byte {
	if !escaped {
		return key
	}
	return []byte(unquote(key, true))
}

// keyIs compares an object key with a plain field name.
func keyIs(key []byte, escaped bool, name string) bool {
	if !escaped {
		return string(key) == name
	}
	return unquote(key, true) == name
}

// decodeRaw turns a validated value's bytes into Go values as encoding/json
// would (objects become map[string]any, numbers float64).
func decodeRaw(raw []byte) any {
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case 'n':
		return nil
	case 't':
		return true
	case 'f':
		return false
	case '"':
		end, escaped := skipString(raw, 0)
		return unquote(raw[1:end-1], escaped)
	case '{', '[':
		v, _, ok := decodeValidated(raw, 0)
		if !ok {
			return nil // as encoding/json's error did: a number out of range
		}
		return v
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return nil
	}
	return f
}

// decodeValidated decodes the validated value at raw[i:] as encoding/json
// decodes into an interface (objects map[string]any with the last of
// duplicate keys, arrays []any, numbers float64), without reflection or a
// second validation. It returns the position after the value; ok is false
// for a number float64 cannot hold. It recurses once per level of nesting,
// which the scanner has bounded by MaxPlanDepth.
func decodeValidated(raw []byte, i int) (v any, end int, ok bool) {
	i = skipSpace(raw, i)
	if i >= len(raw) {
		return nil, i, true
	}
	switch raw[i] {
	case '{':
		m := map[string]any{}
		c := openCursor(raw, i)
		for {
			key, escaped, more := c.key()
			if !more {
				break
			}
			var member any
			if member, end, ok = decodeValidated(raw, c.pos); !ok {
				return nil, end, false
			}
			m[unquote(raw[key.start:key.end], escaped)] = member
			c.next(end)
		}
		return m, c.pos + 1, true // past '}'
	case '[':
		list := []any{}
		c := openCursor(raw, i)
		for c.element() {
			var element any
			if element, end, ok = decodeValidated(raw, c.pos); !ok {
				return nil, end, false
			}
			list = append(list, element)
			c.next(end)
		}
		return list, c.pos + 1, true // past ']'
	case '"':
		end, escaped := skipString(raw, i)
		return unquote(raw[i+1:end-1], escaped), end, true
	case 't':
		return true, i + 4, true
	case 'f':
		return false, i + 5, true
	case 'n':
		return nil, i + 4, true
	}
	end = skipValue(raw, i)
	f, err := strconv.ParseFloat(string(raw[i:end]), 64)
	return f, end, err == nil
}

// rawFind walks one path step into a validated value: a key into an object
// (into the first element when the value is a list, as Terraform renders
// single nested blocks), or an index into a list. ok is false when the step
// leads nowhere. It stops at the first match (see rawwalk.go).
//
// A key step goes down through leading lists in place, without finding where
// each first element ends: in [[[…{"k":…}…]]] every such search would scan
// the rest of the value again, so a deeply nested list made one lookup cost
// depth × size.
func rawFind(raw []byte, step pathStep) (sub []byte, ok bool) {
	if step.isIdx {
		return rawIndex(raw, step.index)
	}
	i := skipSpace(raw, 0)
	for i < len(raw) && raw[i] == '[' {
		i = skipSpace(raw, i+1)
	}
	if i >= len(raw) || raw[i] != '{' {
		return nil, false // not an object, or an empty list
	}
	// cursor.member's step written out: rawFind runs for every attribute a
	// rule reads and every mark it consults, and calling cursor.member for
	// each member cost 1.0 % more instructions of a whole check (cachegrind,
	// bench/gen's real shape at 20,000 resource changes).
	i++
	for {
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] != '"' {
			return nil, false
		}
		keyEnd, escaped := skipString(raw, i)
		start := skipSpace(raw, skipSpace(raw, keyEnd)+1) // past ':'
		end := skipValue(raw, start)
		if keyIs(raw[i+1:keyEnd-1], escaped, step.key) {
			return raw[start:end], true
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			return nil, false
		}
		i++
	}
}

// rawIndex returns element index of the validated array raw.
func rawIndex(raw []byte, index int) ([]byte, bool) {
	for c, n := arrayCursor(raw), 0; ; n++ {
		v, ok := c.nextElement()
		if !ok {
			return nil, false
		}
		if n == index {
			return raw[v.start:v.end], true
		}
	}
}

// rawIsTrue reports whether a value's bytes are the literal true.
func rawIsTrue(raw []byte) bool { return string(raw) == "true" }

// rawIsNull reports whether a value is absent or the literal null.
func rawIsNull(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int) (line, col int) {
	if offset > len(data) {
		offset = len(data)
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// boolValue reads true or false at pos.
func (s *scanner) boolValue(field string) (bool, error) {
	switch s.peek() {
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	}
	return false, s.typeError(field, "bool")
}

// arrayOf walks an array (or null) at pos, calling element with each index.
func (s *scanner) arrayOf(field string, element func(i int) error) error {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case '[':
	default:
		return s.typeError(field, "array")
	}
	i := 0
	return s.array(func() error {
		err := element(i)
		i++
		return err
	})
}

// countElements counts the elements of an array (or null) at pos.
func (s *scanner) countElements(field string) (int, error) {
	n := 0
	err := s.arrayOf(field, func(int) error {
		n++
		_, err := s.validate()
		return err
	})
	return n, err
}
