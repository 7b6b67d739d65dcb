package evaluator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
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

// parsePath reads "settings.backup_configuration.enabled",
// "settings.0.ip_configuration" or `tags["Name"]`.
func parsePath(path string) []pathStep {
	var steps []pathStep
	for _, part := range splitPath(path) {
		if n, err := strconv.Atoi(part); err == nil {
			steps = append(steps, pathStep{index: n, isIdx: true})
			continue
		}
		steps = append(steps, pathStep{key: part})
	}
	return steps
}

func splitPath(path string) []string {
	var parts []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '.':
			flush()
		case '[':
			flush()
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				cur.WriteString(path[i+1:])
				i = len(path)
				continue
			}
			inner := path[i+1 : i+end]
			if unq, err := strconv.Unquote(inner); err == nil {
				inner = unq
			}
			parts = append(parts, inner)
			i += end
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return parts
}

// lookup reads path from a value's bytes together with its parallel
// unknown and sensitive marks. A key step applied to a list descends into its
// first element, because Terraform renders single nested blocks (MaxItems 1)
// as one-element lists; an empty list means the block is absent.
func lookup(value, unknown, sensitive []byte, path string) Value {
	v := Value{Path: path}
	if rawIsTrue(sensitive) {
		v.Sensitive = true
	}
	if rawIsTrue(unknown) {
		v.State = Unknown
		return v
	}
	cur := value
	for _, step := range parsePath(path) {
		unknown, sensitive = markAt(unknown, step), markAt(sensitive, step)
		if rawIsTrue(sensitive) {
			v.Sensitive = true
		}
		if rawIsTrue(unknown) {
			v.State = Unknown
			return v
		}
		next, ok := rawFind(cur, step)
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
	sub, _ := rawFind(marks, step)
	return sub
}
