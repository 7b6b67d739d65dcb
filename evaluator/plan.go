// Package evaluator judges a Terraform plan against a compiled production-ready
// standard. It is pure: plan, policy and run context in, report out; no network,
// no files, and no clock except the injected time used for waiver expiry.
package evaluator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"

	tfjson "github.com/hashicorp/terraform-json"
)

// SupportedFormatMajor is the plan JSON format_version major this build understands.
// Terraform promises that a change of major version is incompatible, so a plan with
// another major is refused instead of being half-read (the gate fails closed).
const SupportedFormatMajor = 1

// ephemeralMode marks ephemeral resources (Terraform 1.10+), which live only
// during a run and are never stored in state.
const ephemeralMode tfjson.ResourceMode = "ephemeral"

// InputError marks a plan or policy the user must fix (exit code 2), as opposed to
// an internal failure. Either way the gate never passes.
type InputError struct {
	What string // "plan" or "policy", and the file name where known
	Err  error
}

func (e *InputError) Error() string { return e.What + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Plan is the part of `terraform show -json` output that rules read. It is
// decoded once; the large sections no rule reads (planned_values, outputs,
// variables) are skipped by the decoder, and configuration is kept raw and only
// indexed when a rule asks whether an attribute was written by the user.
type Plan struct {
	FormatVersion    string
	TerraformVersion string
	// Errored is true when Terraform failed part-way through planning
	// (format 1.2+). Such a plan never passes the gate.
	Errored bool
	// Complete is nil before Terraform 1.8; false when changes were deferred or
	// -target was used, so the plan does not describe everything.
	Complete        *bool
	DeferredChanges int
	// Resources holds every managed resource change in plan order. Data
	// sources (mode "data") are left out: they change nothing.
	Resources []*Resource
	// EmptyActions counts changes whose actions list was empty (hand-written
	// fixtures); they are treated as no-op.
	EmptyActions int

	drift     map[string]*tfjson.ResourceChange
	byType    map[string][]*Resource
	rawConfig json.RawMessage
	config    *configIndex
}

// planJSON mirrors only the top-level members prodgate reads.
type planJSON struct {
	FormatVersion    string                   `json:"format_version"`
	TerraformVersion string                   `json:"terraform_version"`
	ResourceChanges  []*tfjson.ResourceChange `json:"resource_changes"`
	ResourceDrift    []*tfjson.ResourceChange `json:"resource_drift"`
	DeferredChanges  []json.RawMessage        `json:"deferred_changes"`
	Complete         *bool                    `json:"complete"`
	Errored          bool                     `json:"errored"`
	Configuration    json.RawMessage          `json:"configuration"`
}

// ReadPlan decodes plan JSON from r. It accepts UTF-8 with or without a byte
// order mark and UTF-16 with a byte order mark (what Windows PowerShell's `>`
// writes), and refuses anything it cannot judge with an *InputError.
func ReadPlan(r io.Reader) (*Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return ParsePlan(data)
}

// ParsePlan decodes plan JSON held in memory. See ReadPlan.
func ParsePlan(data []byte) (*Plan, error) {
	data, err := toUTF8(data)
	if err != nil {
		return nil, &InputError{What: "plan", Err: err}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &InputError{What: "plan", Err: errors.New("the file is empty; expected the output of `terraform show -json PLANFILE`")}
	}
	if trimmed[0] != '{' {
		return nil, &InputError{What: "plan", Err: errors.New("not JSON: expected the output of `terraform show -json PLANFILE` (a binary plan file must be converted first)")}
	}
	var pj planJSON
	if err := json.Unmarshal(trimmed, &pj); err != nil {
		return nil, &InputError{What: "plan", Err: describeJSONError(trimmed, err)}
	}
	if err := checkFormatVersion(pj.FormatVersion); err != nil {
		return nil, &InputError{What: "plan", Err: err}
	}
	p := &Plan{
		FormatVersion:    pj.FormatVersion,
		TerraformVersion: pj.TerraformVersion,
		Errored:          pj.Errored,
		Complete:         pj.Complete,
		DeferredChanges:  len(pj.DeferredChanges),
		rawConfig:        pj.Configuration,
		byType:           make(map[string][]*Resource),
	}
	if len(pj.ResourceDrift) > 0 {
		p.drift = make(map[string]*tfjson.ResourceChange, len(pj.ResourceDrift))
		for i, d := range pj.ResourceDrift {
			if d == nil || d.Change == nil {
				continue
			}
			if err := validateActions(d.Change.Actions); err != nil {
				return nil, &InputError{What: "plan", Err: fmt.Errorf("resource_drift[%d] (%s): %w", i, d.Address, err)}
			}
			p.drift[d.Address] = d
		}
	}
	for i, rc := range pj.ResourceChanges {
		if rc == nil {
			return nil, &InputError{What: "plan", Err: fmt.Errorf("resource_changes[%d] is null", i)}
		}
		if rc.Change == nil {
			return nil, &InputError{What: "plan", Err: fmt.Errorf("resource_changes[%d] (%s) has no \"change\" object", i, rc.Address)}
		}
		switch rc.Mode {
		case tfjson.DataResourceMode, ephemeralMode:
			// Data sources and ephemeral resources (Terraform 1.10+, actions
			// such as "open") change no infrastructure.
			continue
		case tfjson.ManagedResourceMode, "":
		default:
			return nil, &InputError{What: "plan", Err: fmt.Errorf("resource_changes[%d] (%s): unknown mode %q (known: managed, data, ephemeral)", i, rc.Address, rc.Mode)}
		}
		if err := validateActions(rc.Change.Actions); err != nil {
			return nil, &InputError{What: "plan", Err: fmt.Errorf("resource_changes[%d] (%s): %w", i, rc.Address, err)}
		}
		if len(rc.Change.Actions) == 0 {
			p.EmptyActions++
		}
		res := newResource(p, rc)
		p.Resources = append(p.Resources, res)
		p.byType[rc.Type] = append(p.byType[rc.Type], res)
	}
	return p, nil
}

// ResourcesOfType returns the managed resource changes of one type, in plan order.
func (p *Plan) ResourcesOfType(resourceType string) []*Resource { return p.byType[resourceType] }

// Incomplete says whether the plan does not describe every change Terraform will make.
func (p *Plan) Incomplete() bool {
	return (p.Complete != nil && !*p.Complete) || p.DeferredChanges > 0
}

func checkFormatVersion(v string) error {
	if v == "" {
		return errors.New(`missing "format_version": this does not look like the output of ` + "`terraform show -json PLANFILE`")
	}
	majorText, _, _ := strings.Cut(v, ".")
	major, err := strconv.Atoi(majorText)
	if err != nil {
		return fmt.Errorf("format_version %q is not a version number", v)
	}
	// 0.x is the pre-1.0 format, a compatible subset of 1.x.
	if major != 0 && major != SupportedFormatMajor {
		return fmt.Errorf("unsupported plan format_version %q: this prodgate reads 0.x and %d.x; upgrade prodgate", v, SupportedFormatMajor)
	}
	return nil
}

var knownActions = map[tfjson.Action]bool{
	tfjson.ActionNoop: true, tfjson.ActionCreate: true, tfjson.ActionRead: true,
	tfjson.ActionUpdate: true, tfjson.ActionDelete: true, tfjson.ActionForget: true,
}

// validateActions refuses action words prodgate does not know: guessing what an
// unknown action does could let a destroy through.
func validateActions(actions tfjson.Actions) error {
	for _, a := range actions {
		if !knownActions[a] {
			return fmt.Errorf("unknown action %q (known: no-op, create, read, update, delete, forget)", a)
		}
	}
	return nil
}

// toUTF8 removes a UTF-8 byte order mark and converts UTF-16 text that starts
// with a byte order mark.
func toUTF8(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		little := data[0] == 0xFF
		body := data[2:]
		if len(body)%2 != 0 {
			return nil, errors.New("UTF-16 text with an odd number of bytes (the file is truncated)")
		}
		units := make([]uint16, len(body)/2)
		for i := range units {
			if little {
				units[i] = uint16(body[2*i]) | uint16(body[2*i+1])<<8
			} else {
				units[i] = uint16(body[2*i])<<8 | uint16(body[2*i+1])
			}
		}
		return []byte(string(utf16.Decode(units))), nil
	}
	return data, nil
}

// describeJSONError turns a decoder error into one that names the line and column.
func describeJSONError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		line, col := lineCol(data, syntax.Offset)
		if syntax.Offset >= int64(len(data)) {
			return fmt.Errorf("the JSON ends early at line %d (truncated file?)", line)
		}
		return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, syntax)
	case errors.As(err, &typeErr):
		line, col := lineCol(data, typeErr.Offset)
		return fmt.Errorf("field %q at line %d, column %d: got JSON %s, want %s", typeErr.Field, line, col, typeErr.Value, typeErr.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the JSON ends early (truncated file?)")
	}
	return fmt.Errorf("invalid plan JSON: %w", err)
}

func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	// offset counts the offending byte itself; columns start at 1.
	col = int(offset) - 1 - bytes.LastIndexByte(before, '\n')
	return line, col
}
