package tfplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// ValueState says what the plan knows about one attribute.
type ValueState int

const (
	// NotSet: the attribute is null or missing, so the provider's default applies.
	NotSet ValueState = iota
	// Known: the plan holds the value.
	Known
	// Unknown: the value is "known after apply". Unknown is never treated as
	// absent: rules report it with status unknown and the policy decides.
	Unknown
)

func (s ValueState) String() string {
	switch s {
	case Known:
		return "known"
	case Unknown:
		return "unknown"
	}
	return "not set"
}

// Value is one attribute read from a resource's before or after object.
type Value struct {
	Path  string
	State ValueState
	// Sensitive is true when Terraform marked the value (or a parent) sensitive.
	// Its content must never be printed: Display masks it.
	Sensitive bool
	raw       any
}

// KnownValue is a known value holding raw, a decoded JSON value or a rule's
// own default, so that it is read (Bool, Int) and shown (Display) as plan
// values are.
func KnownValue(raw any) Value { return Value{State: Known, raw: raw} }

// Raw returns the decoded JSON value (nil unless State is Known). Rules may
// compare it but must print it only through Display.
func (v Value) Raw() any { return v.raw }

// Bool returns the value as a bool; ok is false when it is not a known bool.
func (v Value) Bool() (b, ok bool) {
	if v.State != Known {
		return false, false
	}
	switch t := v.raw.(type) {
	case bool:
		return t, true
	case string: // providers using string-typed flags
		b, err := strconv.ParseBool(t)
		return b, err == nil
	}
	return false, false
}

// Int returns a whole number; ok is false when the value is not a known number.
func (v Value) Int() (n int64, ok bool) {
	if v.State != Known {
		return 0, false
	}
	switch t := v.raw.(type) {
	case float64:
		return int64(t), t == float64(int64(t))
	case json.Number:
		n, err := t.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(t, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// Str returns a known string value.
func (v Value) Str() (s string, ok bool) {
	if v.State != Known {
		return "", false
	}
	s, ok = v.raw.(string)
	return s, ok
}

// List returns a known list value.
func (v Value) List() ([]any, bool) {
	if v.State != Known {
		return nil, false
	}
	l, ok := v.raw.([]any)
	return l, ok
}

// Display renders the value for a finding: sensitive values are masked,
// unknown and unset values are said in words.
func (v Value) Display() string {
	switch {
	case v.Sensitive:
		return "(sensitive value)"
	case v.State == Unknown:
		return "(known after apply)"
	case v.State == NotSet:
		return "not set"
	}
	return formatScalar(v.raw)
}

func formatScalar(raw any) string {
	switch t := raw.(type) {
	case string:
		return strconv.Quote(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return "null"
	case []any:
		return fmt.Sprintf("list of %d", len(t))
	case map[string]any:
		return fmt.Sprintf("object with %d attributes", len(t))
	}
	return fmt.Sprint(raw)
}

// pathStep is one step of an attribute path: a map key or a list index.
type pathStep struct {
	key   string
	index int
	isIdx bool
}

// nextStep reads the path step that starts at byte i of a path such as
// "settings.backup_configuration.enabled", "settings.0.ip_configuration" or
// `tags["Name"]`, without allocating
// for plain keys and indexes (lookups run for every resource and rule).
func nextStep(path string, i int) (step pathStep, next int, ok bool) {
	for i < len(path) && path[i] == '.' {
		i++
	}
	if i >= len(path) {
		return pathStep{}, i, false
	}
	if path[i] == '[' {
		end := strings.IndexByte(path[i:], ']')
		if end < 0 {
			return makeStep(path[i+1:]), len(path), true
		}
		inner := path[i+1 : i+end]
		if unq, err := strconv.Unquote(inner); err == nil {
			inner = unq
		}
		return makeStep(inner), i + end + 1, true
	}
	j := i
	for j < len(path) && path[j] != '.' && path[j] != '[' {
		j++
	}
	return makeStep(path[i:j]), j, true
}

func makeStep(s string) pathStep {
	if s != "" && len(s) < 10 {
		n := 0
		digits := true
		for k := 0; k < len(s); k++ {
			if s[k] < '0' || s[k] > '9' {
				digits = false
				break
			}
			n = n*10 + int(s[k]-'0')
		}
		if digits {
			return pathStep{index: n, isIdx: true}
		}
	}
	return pathStep{key: s}
}

// lookup reads path from a value's bytes together with its parallel
// unknown and sensitive marks. A key step applied to a list descends into its
// first element, because Terraform renders single nested blocks (MaxItems 1)
// as one-element lists; an empty list means the block is absent.
func lookup(value []byte, top *topIndex, unknown, sensitive []byte, path string) Value {
	v := Value{Path: path}
	if rawIsTrue(sensitive) {
		v.Sensitive = true
	}
	if rawIsTrue(unknown) {
		v.State = Unknown
		return v
	}
	cur := value
	first := true
	for i := 0; ; {
		step, nextPos, more := nextStep(path, i)
		if !more {
			break
		}
		i = nextPos
		unknown, sensitive = markAt(unknown, step), markAt(sensitive, step)
		if rawIsTrue(sensitive) {
			v.Sensitive = true
		}
		if rawIsTrue(unknown) {
			v.State = Unknown
			return v
		}
		var next []byte
		var ok bool
		if first && top != nil && !step.isIdx {
			next, ok = top.find(value, step.key)
		} else {
			next, ok = rawFind(cur, step)
		}
		first = false
		if !ok || rawIsNull(next) {
			return v
		}
		cur = next
	}
	if rawIsNull(cur) {
		return v
	}
	v.State = Known
	v.raw = decodeRaw(cur)
	return v
}

// markAt follows one step into an unknown or sensitive mark tree. A mark of
// true covers everything below it.
func markAt(marks []byte, step pathStep) []byte {
	if len(marks) == 0 || rawIsTrue(marks) {
		return marks
	}
	if !step.isIdx && marks[0] == '[' {
		first, ok := rawIndex(marks, 0)
		if !ok || rawIsTrue(first) {
			return first
		}
		marks = first
	}
	if !step.isIdx && len(marks) > 64 && !mayHoldKey(marks, step.key) {
		return nil
	}
	sub, _ := rawFind(marks, step)
	return sub
}

// mayHoldKey is a quick negative test before walking an object for a key:
// every lookup consults the unknown and sensitive marks, which are large
// objects whose keys are mostly not the one asked for, and a vectorised
// search for the key's text is far cheaper than the walk. A key written with
// escapes would not be found by its text, so any backslash means "maybe".
func mayHoldKey(raw []byte, key string) bool {
	if key == "" || bytes.IndexByte(raw, '\\') >= 0 {
		return true
	}
	text := unsafe.String(&raw[0], len(raw))
	for off := 0; ; {
		i := strings.Index(text[off:], key)
		if i < 0 {
			return false
		}
		at := off + i
		if at > 0 && text[at-1] == '"' && at+len(key) < len(text) && text[at+len(key)] == '"' {
			return true
		}
		off = at + 1
	}
}

// topIndex lists the members of a resource's top-level object, built on the
// first lookup: rules read several attributes of the same object, and
// finding each by scanning the object's bytes again costs more than the scan
// that builds this once. Members are byte offsets into the object (16 bytes
// each), so the index stays small next to the plan itself. The fields are
// in this order for size: once (12 bytes) next to escaped makes it 40 bytes,
// not 48, which with two per resource takes rawResourceChange from 424 to
// 408 bytes, a 416-byte allocation instead of 448 (640 KB less at 20,000
// resources).
type topIndex struct {
	members []topMember
	once    sync.Once
	// escaped is set when a key holds escapes; lookups then scan the bytes.
	escaped bool
}

type topMember struct{ keyStart, keyEnd, valStart, valEnd uint32 }

var topScratch = sync.Pool{New: func() any { return new([]topMember) }}

func (t *topIndex) find(raw []byte, key string) ([]byte, bool) {
	t.once.Do(func() {
		if int64(len(raw)) > 1<<31 {
			t.escaped = true
			return
		}
		// Gathered in a reused buffer and copied once at their final size:
		// growing each index by doubling was a tenth of what judging a plan
		// allocates.
		scratch := topScratch.Get().(*[]topMember)
		members := (*scratch)[:0]
		for c := objectCursor(raw); ; {
			k, escaped, v, ok := c.member()
			if !ok {
				break
			}
			if escaped {
				t.escaped = true
				break
			}
			members = append(members, topMember{
				keyStart: uint32(k.start), keyEnd: uint32(k.end),
				valStart: uint32(v.start), valEnd: uint32(v.end),
			})
		}
		if !t.escaped && len(members) > 0 {
			t.members = append([]topMember(nil), members...)
		}
		*scratch = members
		topScratch.Put(scratch)
	})
	if t.escaped {
		return rawFind(raw, pathStep{key: key})
	}
	for _, m := range t.members {
		if string(raw[m.keyStart:m.keyEnd]) == key {
			return raw[m.valStart:m.valEnd], true
		}
	}
	return nil, false
}
