// Package tfplan reads the JSON of `terraform show -json PLANFILE`: it
// validates the document once, keeps each resource change's values as bytes
// of the document, indexes the configuration and answers what rules ask of a
// resource (Resource.After, Before, Drift, Configured, cross-resource
// references) from those bytes. It knows nothing of rules or verdicts; the
// evaluator package judges what it reads.
//
// The reader is hand-made (json.go describes its one JSON engine), and each
// part names the figure that earns it, all at 20,000 resource changes: the
// validating scanner instead of encoding/json into terraform-json's types took
// parsing from ~1.7 s to 53 ms; walking validated bytes without validating
// them again took evaluation from 57-62 to 45 ms (rawwalk.go); the AVX2
// classifier took skipping the plan from 41 to 4.6-5.5 ms (skipContainer);
// indexing the configuration while it is validated saved 7.5 % of check's
// instructions on the real shape (configindex.go); the parallel splitter
// gains 27 % wall time on bench/compare.sh's generated shape on the 2-core
// machines and nothing measurable on its real shape (parallelparse.go),
// above the 10 % it must gain to stay. docs/performance-history.md says how
// each was measured.
package tfplan

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unsafe"

	tfjson "github.com/hashicorp/terraform-json"
)

// SupportedFormatMajor is the plan JSON format_version major this build understands.
// Terraform promises that a change of major version is incompatible, so a plan with
// another major is refused instead of being half-read (the gate fails closed).
const SupportedFormatMajor = 1

// ephemeralMode marks ephemeral resources (Terraform 1.10+), which live only
// during a run and are never stored in state.
const ephemeralMode tfjson.ResourceMode = "ephemeral"

// InputError marks a plan the user must fix (exit code 2), as opposed to an
// internal failure. Either way the gate never passes.
type InputError struct {
	What string // "plan"
	Err  error
}

func (e *InputError) Error() string { return e.What + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Plan is the part of `terraform show -json` output that rules read. The
// document is validated once and kept as bytes; each resource change keeps
// sub-slices of its before/after values, which rules read attribute by
// attribute. Sections no rule reads (planned_values, prior_state, outputs)
// are validated and skipped; configuration is indexed as it is validated,
// each resource's expressions kept as bytes for the rules that ask whether
// the user wrote an attribute.
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
	// sources and ephemeral resources are left out: they change nothing.
	Resources []*Resource
	// EmptyActions counts changes whose actions list was empty (hand-written
	// fixtures); they are treated as no-op.
	EmptyActions int
	// Outputs holds the root module's output changes (output_changes) in
	// plan order.
	Outputs []*OutputChange

	// sections records which top-level members that tell a plan from other
	// documents were present and not null (see checkIsPlan).
	sections sectionSet
	// entries counts the resources read from resource_changes,
	// resource_drift and prior_state, against maxEntries (MaxPlanResources).
	entries, maxEntries int

	drift map[string]*rawResourceChange
	// state holds managed resources recorded in prior_state, by type; those
	// also in resource_changes are dropped once parsing ends.
	state   map[string][]*Resource
	byType  map[string][]*Resource
	config  *configIndex // nil without a usable configuration section
	idxOnce sync.Once
	idx     *planIndexes
	ordinal int
}

// OutputChange is one planned change of a root module output.
type OutputChange struct {
	Name   string
	change rawChange
}

// Actions returns the output's planned actions.
func (o *OutputChange) Actions() tfjson.Actions { return o.change.actions }

// Sensitive reports whether Terraform marked the output's new value sensitive.
func (o *OutputChange) Sensitive() bool { return rawIsTrue(o.change.afterSensitive) }

// MaxPlanResources bounds how many resources one plan may list in
// resource_changes, resource_drift and prior_state together. Each costs the
// reader about half a kilobyte however small its JSON is, so without a bound a
// 256 MiB document of minimal entries (about 30 bytes each) would cost gigabytes
// before any rule ran. Real plans are far below it: the project's 100,000
// resource benchmark plan is 154 MiB, and a plan repeats each existing
// resource at most three times (change, drift, prior state).
const MaxPlanResources = 1_000_000

// MaxAddressBytes bounds a resource's address and the other names that
// identify it (type, name, module address, deposed key, mode, action reason).
// An address is repeated in every finding about its resource, in every output
// format and in the service's stored report, so one multi-megabyte for_each key
// would be multiplied by the number of rules. 16 KiB holds any real address,
// for_each keys that are long ARNs (at most 2,048 bytes) in nested modules
// included.
const MaxAddressBytes = 16 << 10

// sectionSet is a set of top-level members (section…).
type sectionSet uint8

const (
	sectionPlannedValues sectionSet = 1 << iota
	sectionResourceChanges
	sectionOutputChanges
	sectionStateValues // "values": what `terraform show -json` prints for a state
)

// noteSection records a top-level member that tells what kind of document
// this is, unless its value is null.
func (p *Plan) noteSection(key string, next byte) {
	if next == 'n' {
		return
	}
	switch key {
	case "planned_values":
		p.sections |= sectionPlannedValues
	case "resource_changes":
		p.sections |= sectionResourceChanges
	case "output_changes":
		p.sections |= sectionOutputChanges
	case "values":
		p.sections |= sectionStateValues
	}
}

// countEntry counts one more resource against MaxPlanResources; offset is
// where its object starts.
func (p *Plan) countEntry(offset int) error {
	p.entries++
	if p.entries > p.maxEntries {
		return tooManyResources(offset, p.maxEntries)
	}
	return nil
}

func tooManyResources(offset, limit int) error {
	return &limitError{offset: offset, msg: fmt.Sprintf("the plan lists more than %d resources (resource_changes, resource_drift and prior_state together), more than prodgate judges", limit)}
}

// makePlanCommand is what the refusals of documents that are not plans tell
// the user to run.
const makePlanCommand = "`terraform plan -out=tfplan` then `terraform show -json tfplan > plan.json`"

// checkIsPlan refuses a document without a plan's own sections: only a plan
// can pass the gate, and a state or a stub judged as "no changes" would.
// Terraform writes planned_values in every plan (an empty one too) since
// format 0.1; resource_changes and output_changes when there are any.
func checkIsPlan(p *Plan) error {
	if p.sections&(sectionPlannedValues|sectionResourceChanges|sectionOutputChanges) != 0 {
		return nil
	}
	if p.sections&sectionStateValues != 0 {
		return errors.New("this is a Terraform state, not a plan (it has \"values\" and none of \"planned_values\", \"resource_changes\" or \"output_changes\"): " +
			"`terraform show -json` without a plan file prints the state; make a plan JSON with " + makePlanCommand)
	}
	return errors.New("JSON that is not a plan: it has none of a plan's \"planned_values\", \"resource_changes\" or \"output_changes\"; make a plan JSON with " + makePlanCommand)
}

// stateOrderBase puts prior_state resources after every planned change.
const stateOrderBase = 1 << 40

func (p *Plan) nextOrder(fromState bool) int {
	p.ordinal++
	if fromState {
		return stateOrderBase + p.ordinal
	}
	return p.ordinal
}

// rawResourceChange is one element of resource_changes or resource_drift
// (or a resource of prior_state).
type rawResourceChange struct {
	// Resource is what rules see of it: the plan hands out a pointer to
	// this one rather than allocating a second object per resource.
	Resource
	fromState, hasChange bool
	mode                 string
	change               rawChange
}

// rawChange holds the change's actions and the bytes of its values.
type rawChange struct {
	// start and end are the byte range, in the plan, of the resource
	// change object this change belongs to (0, 0 when unknown).
	start, end                                    int
	afterTop, beforeTop                           topIndex
	actions                                       tfjson.Actions
	before, after, afterUnknown                   []byte
	beforeSensitive, afterSensitive, replacePaths []byte
}

// ParseOptions tune ParsePlanWith.
type ParseOptions struct {
	// Release, when set, is called with byte ranges [start, end) the parser
	// will not read again; a caller holding the plan in a file mapping can
	// drop those pages from memory. Parts the plan keeps (resource values)
	// may be read again later, so the caller must only drop pages it can
	// bring back (a file-backed mapping can). Calls may come from several
	// goroutines at once.
	Release func(start, end int)
	// Workers is how many goroutines validate a large plan; 0 means one per
	// CPU, 1 parses on the calling goroutine only.
	Workers int
	// maxResources replaces MaxPlanResources when set (tests lower it).
	maxResources int
}

func (o ParseOptions) resourceLimit() int { return cmp.Or(o.maxResources, MaxPlanResources) }

// releaseEvery is how often, in bytes, the scanner reports progress to Release.
const releaseEvery = 4 << 20

// ParsePlan decodes plan JSON held in memory. It accepts UTF-8 with or
// without a byte order mark and UTF-16 with a byte order mark (what Windows
// PowerShell's `>` writes), and refuses anything it cannot judge with an
// *InputError. The plan keeps references into data, which must not be
// changed afterwards.
func ParsePlan(data []byte) (*Plan, error) { return ParsePlanWith(data, ParseOptions{}) }

// ParsePlanWith is ParsePlan with options.
func ParsePlanWith(data []byte, opts ParseOptions) (*Plan, error) {
	data, err := toUTF8(data)
	if err != nil {
		return nil, &InputError{What: "plan", Err: err}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &InputError{What: "plan", Err: errors.New("the file is empty; expected the output of `terraform show -json PLANFILE`")}
	}
	if trimmed[0] != '{' {
		return nil, &InputError{What: "plan", Err: notAnObject(data)}
	}
	p, err := decodePlan(data, opts)
	if err != nil {
		return nil, &InputError{What: "plan", Err: describeJSONError(data, err)}
	}
	// A format this prodgate cannot read is said first: a later format may
	// not have the sections checkIsPlan looks for.
	versionErr := checkFormatVersion(p.FormatVersion)
	if versionErr != nil && p.FormatVersion != "" {
		return nil, &InputError{What: "plan", Err: versionErr}
	}
	if err := checkIsPlan(p); err != nil {
		return nil, &InputError{What: "plan", Err: err}
	}
	if versionErr != nil {
		return nil, &InputError{What: "plan", Err: versionErr}
	}
	return p, nil
}

// notAnObject explains a document that does not start with an object: JSON
// of another kind, or not JSON at all.
func notAnObject(data []byte) error {
	sc := &scanner{data: data}
	kind := "value"
	switch sc.peek() {
	case '[':
		kind = "array"
	case '"':
		kind = "string"
	case 't', 'f':
		kind = "boolean"
	case 'n':
		kind = "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		kind = "number"
	}
	if _, err := sc.validate(); err == nil && sc.atEnd() {
		return fmt.Errorf("JSON that is not a plan: the document is a JSON %s, and a plan is an object; make a plan JSON with %s", kind, makePlanCommand)
	} else if _, deep := err.(*limitError); deep {
		return describeJSONError(data, err)
	}
	return errors.New("not JSON: expected the output of `terraform show -json PLANFILE` (a binary plan file must be converted first)")
}

// decode reads the top-level object on one core (see decodeParallel).
func (p *Plan) decode(sc *scanner) error {
	if sc.peek() != '{' {
		return sc.fail("expected a JSON object")
	}
	err := sc.object(func(key []byte, escaped bool) error {
		k := string(keyBytes(key, escaped))
		p.noteSection(k, sc.peek())
		if ok, err := p.readFact(sc, k); ok {
			return err
		}
		var err error
		switch k {
		case "configuration":
			p.config, err = readConfiguration(sc)
		case "prior_state":
			err = readPriorState(sc, p.countEntry, p.addState)
		case "resource_changes":
			err = sc.arrayOf("resource_changes", func(i int) error { return p.addChange(sc, i) })
		case "resource_drift":
			err = sc.arrayOf("resource_drift", func(i int) error { return p.addDrift(sc, i) })
		case "output_changes":
			err = readOutputChanges(sc, p.addOutput)
		default:
			_, err = sc.validate()
		}
		return err
	})
	if err != nil {
		return err
	}
	if !sc.atEnd() {
		return sc.fail("invalid character after top-level value")
	}
	p.dropPlannedFromState()
	return nil
}

// readFact reads a top-level member that describes the plan itself
// (versions, errored, complete, deferred changes); ok is false for the
// sections holding resources and values.
func (p *Plan) readFact(sc *scanner, key string) (ok bool, err error) {
	switch key {
	case "format_version":
		p.FormatVersion, err = sc.stringValue("format_version")
	case "terraform_version":
		p.TerraformVersion, err = sc.stringValue("terraform_version")
	case "errored":
		p.Errored, err = sc.boolValue("errored")
	case "complete":
		if sc.peek() == 'n' {
			return true, sc.literal("null")
		}
		var b bool
		b, err = sc.boolValue("complete")
		p.Complete = &b
	case "deferred_changes":
		p.DeferredChanges, err = sc.countElements("deferred_changes")
	default:
		return false, nil
	}
	return true, err
}

func (p *Plan) addChange(sc *scanner, i int) error {
	sc.ws()
	if err := p.countEntry(sc.pos); err != nil {
		return err
	}
	rc, err := readResourceChange(sc, "resource_changes", i)
	if err != nil {
		return err
	}
	return p.addReadChange(rc, i)
}

// addReadChange adds element i of resource_changes, once read.
func (p *Plan) addReadChange(rc *rawResourceChange, i int) error {
	if !rc.hasChange {
		return &planError{fmt.Sprintf("resource_changes[%d] (%s) has no \"change\" object", i, rc.Address)}
	}
	switch tfjson.ResourceMode(rc.mode) {
	case tfjson.DataResourceMode, ephemeralMode:
		// Data sources and ephemeral resources (Terraform 1.10+, actions
		// such as "open") change no infrastructure.
		return nil
	case tfjson.ManagedResourceMode, "":
	default:
		return &planError{fmt.Sprintf("resource_changes[%d] (%s): unknown mode %q (known: managed, data, ephemeral)", i, rc.Address, rc.mode)}
	}
	if err := validateActions(rc.change.actions); err != nil {
		return &planError{fmt.Sprintf("resource_changes[%d] (%s): %v", i, rc.Address, err)}
	}
	if len(rc.change.actions) == 0 {
		p.EmptyActions++
	}
	res := newResource(p, rc)
	p.Resources = append(p.Resources, res)
	p.byType[rc.Type] = append(p.byType[rc.Type], res)
	return nil
}

func (p *Plan) addDrift(sc *scanner, i int) error {
	sc.ws()
	if err := p.countEntry(sc.pos); err != nil {
		return err
	}
	rc, err := readResourceChange(sc, "resource_drift", i)
	if err != nil {
		return err
	}
	return p.addReadDrift(rc, i)
}

// addReadDrift adds element i of resource_drift, once read.
func (p *Plan) addReadDrift(rc *rawResourceChange, i int) error {
	if !rc.hasChange {
		return nil
	}
	if err := validateActions(rc.change.actions); err != nil {
		return &planError{fmt.Sprintf("resource_drift[%d] (%s): %v", i, rc.Address, err)}
	}
	if p.drift == nil {
		p.drift = make(map[string]*rawResourceChange)
	}
	p.drift[rc.Address] = rc
	return nil
}

// planError is a structural problem in an otherwise well-formed document.
type planError struct{ msg string }

func (e *planError) Error() string { return e.msg }

// readResourceChange reads element i of section. Field names for errors are
// built only when there is an error: this runs once per resource.
func readResourceChange(sc *scanner, section string, i int) (*rawResourceChange, error) {
	if sc.peek() == 'n' {
		return nil, &planError{fmt.Sprintf("%s[%d] is null", section, i)}
	}
	if sc.peek() != '{' {
		return nil, prefixField(sc.typeError("", "object"), fmt.Sprintf("%s[%d]", section, i))
	}
	rc := &rawResourceChange{}
	rc.change.start = sc.pos
	err := sc.object(func(key []byte, escaped bool) error {
		var err error
		switch string(keyBytes(key, escaped)) {
		case "address":
			rc.Address, err = sc.stringValue("address")
		case "module_address":
			rc.ModuleAddress, err = sc.stringValue("module_address")
		case "mode":
			rc.mode, err = sc.stringValue("mode")
		case "type":
			rc.Type, err = sc.stringValue("type")
		case "name":
			rc.Name, err = sc.stringValue("name")
		case "deposed":
			rc.Deposed, err = sc.stringValue("deposed")
		case "action_reason":
			var reason string
			reason, err = sc.stringValue("action_reason")
			rc.actionReason = tfjson.ActionReason(reason)
		case "change":
			if sc.peek() == 'n' {
				return sc.literal("null")
			}
			rc.hasChange = true
			err = prefixField(readChange(sc, &rc.change), "change")
		default:
			_, err = sc.validate()
		}
		return err
	})
	if err != nil {
		return nil, prefixField(err, fmt.Sprintf("%s[%d]", section, i))
	}
	rc.change.end = sc.pos
	if err := rc.checkNames(section, i); err != nil {
		return nil, err
	}
	rc.ownStrings(sc.data)
	return rc, nil
}

// checkNames refuses names longer than MaxAddressBytes. The message names the
// resource as element index of section, or (index < 0) as a prior_state
// resource by its address; it is only built on error, as this runs once per
// resource.
func (rc *rawResourceChange) checkNames(section string, index int) error {
	for _, f := range [...]struct {
		field string
		value string
	}{
		{"address", rc.Address}, {"module_address", rc.ModuleAddress}, {"type", rc.Type}, {"name", rc.Name},
		{"deposed", rc.Deposed}, {"mode", rc.mode}, {"action_reason", string(rc.actionReason)},
	} {
		if len(f.value) > MaxAddressBytes {
			where := fmt.Sprintf("%s[%d]", section, index)
			if index < 0 {
				where = fmt.Sprintf("%s resource %q", section, rc.Address[:min(len(rc.Address), 200)])
			}
			return &limitError{offset: rc.change.start, msg: fmt.Sprintf("%s.%s is %d bytes long, more than the %d bytes prodgate reads in a resource's names",
				where, f.field, len(f.value), MaxAddressBytes)}
		}
	}
	return nil
}

// ownStrings replaces the strings read from the plan by copies that do not
// point into its bytes: a caller can then drop the plan's pages from memory
// (ParseOptions.Release, Options.Release) without every later look at an
// address or a type bringing them back. Values stay in the plan's bytes.
// Strings that do not point into data (unquoted from escapes, such as
// module.x["eu"], or joined) are copies already and are kept: copying them
// again was 0.7 MB of garbage at 20,000 resources, held at the peak since
// check runs without a collection.
func (rc *rawResourceChange) ownStrings(data []byte) {
	reason := string(rc.actionReason)
	fields := [...]*string{&rc.Address, &rc.ModuleAddress, &rc.Name, &rc.Deposed, &rc.Type, &rc.mode, &reason}
	var borrowed [len(fields)]bool
	// One allocation for all of them.
	n := 0
	for i, f := range fields {
		if borrowed[i] = pointsInto(*f, data); borrowed[i] {
			n += len(*f)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for i, f := range fields {
		if borrowed[i] {
			b.WriteString(*f)
		}
	}
	all := b.String()
	for i, f := range fields {
		if borrowed[i] {
			*f, all = all[:len(*f)], all[len(*f):]
		}
	}
	rc.actionReason = tfjson.ActionReason(reason)
	for i, a := range rc.change.actions {
		rc.change.actions[i] = ownAction(a)
	}
}

// pointsInto says whether s shares memory with data (an empty string
// holds nothing).
func pointsInto(s string, data []byte) bool {
	if len(s) == 0 || len(data) == 0 {
		return false
	}
	p, start := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	return p >= start && p < start+uintptr(len(data))
}

// ownAction is a copy of an action: the constant, for the actions Terraform
// writes.
func ownAction(a tfjson.Action) tfjson.Action {
	for _, known := range [...]tfjson.Action{tfjson.ActionNoop, tfjson.ActionCreate, tfjson.ActionRead,
		tfjson.ActionUpdate, tfjson.ActionDelete, tfjson.ActionForget} {
		if a == known {
			return known
		}
	}
	return tfjson.Action(strings.Clone(string(a)))
}

func readChange(sc *scanner, ch *rawChange) error {
	if sc.peek() != '{' {
		return sc.typeError("", "object")
	}
	return sc.object(func(key []byte, escaped bool) error {
		var err error
		switch string(keyBytes(key, escaped)) {
		case "actions":
			err = sc.arrayOf("actions", func(int) error {
				a, err := sc.stringValue("actions")
				ch.actions = append(ch.actions, tfjson.Action(a))
				return err
			})
		case "before":
			ch.before, err = sc.validate()
		case "after":
			ch.after, err = sc.validate()
		case "after_unknown":
			ch.afterUnknown, err = sc.validate()
		case "before_sensitive":
			ch.beforeSensitive, err = sc.validate()
		case "after_sensitive":
			ch.afterSensitive, err = sc.validate()
		case "replace_paths":
			ch.replacePaths, err = sc.validate()
		default:
			_, err = sc.validate()
		}
		return err
	})
}

// readPriorState hands each managed resource of prior_state.values to emit,
// so that cross-resource rules can see objects a targeted plan (-target)
// leaves out of resource_changes. count is called for each resource before
// it is read (MaxPlanResources).
func readPriorState(sc *scanner, count func(offset int) error, emit func(*rawResourceChange)) error {
	if sc.peek() != '{' {
		_, err := sc.validate()
		return err
	}
	sr := stateReader{sc: sc, count: count}
	err := sc.object(func(key []byte, escaped bool) error {
		if string(keyBytes(key, escaped)) != "values" || sc.peek() != '{' {
			_, err := sc.validate()
			return err
		}
		return sc.object(func(key []byte, escaped bool) error {
			if string(keyBytes(key, escaped)) != "root_module" || sc.peek() != '{' {
				_, err := sc.validate()
				return err
			}
			return sr.module()
		})
	})
	if err != nil {
		return err
	}
	for _, m := range sr.modules {
		for _, rc := range m {
			emit(rc)
		}
	}
	return nil
}

// stateReader reads the module tree of prior_state.
type stateReader struct {
	sc    *scanner
	count func(offset int) error
	// modules holds each module's resources, modules in pre-order (a module
	// before its children), which is the order they are handed on in.
	modules [][]*rawResourceChange
}

// module reads one module object, its children included. Terraform writes a
// module's "resources" before its "address", so its resources are finished
// (given their module address) once the whole object has been read. It
// recurses once per level of child_modules, which the scanner's object and
// array bound by MaxPlanDepth.
func (sr *stateReader) module() error {
	sc := sr.sc
	slot := len(sr.modules)
	sr.modules = append(sr.modules, nil)
	var address string
	var own []*rawResourceChange
	err := sc.object(func(key []byte, escaped bool) error {
		var err error
		switch string(keyBytes(key, escaped)) {
		case "address":
			address, err = sc.stringValue("prior_state module address")
		case "resources":
			err = sc.arrayOf("prior_state resources", func(int) error {
				sc.ws()
				if err := sr.count(sc.pos); err != nil {
					return err
				}
				rc, err := readStateResource(sc)
				if rc != nil {
					own = append(own, rc)
				}
				return err
			})
		case "child_modules":
			err = sc.arrayOf("prior_state child_modules", func(int) error {
				if sc.peek() != '{' {
					_, err := sc.validate()
					return err
				}
				return sr.module()
			})
		default:
			_, err = sc.validate()
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, rc := range own {
		rc.ModuleAddress = address
		// Terraform 0.12 wrote child-module resource addresses without the
		// module prefix; add it so the address matches resource_changes.
		if address != "" && !strings.HasPrefix(rc.Address, address+".") {
			rc.Address = address + "." + rc.Address
		}
		if err := rc.checkNames("prior_state", -1); err != nil {
			return err
		}
		rc.ownStrings(sc.data)
	}
	sr.modules[slot] = own
	return nil
}

// readStateResource reads one resource of a prior_state module; rc is nil for
// what the plan does not keep (data sources, deposed objects).
func readStateResource(sc *scanner) (*rawResourceChange, error) {
	if sc.peek() != '{' {
		_, err := sc.validate()
		return nil, err
	}
	rc := &rawResourceChange{fromState: true, change: rawChange{actions: tfjson.Actions{tfjson.ActionNoop}, start: sc.pos}}
	err := sc.object(func(key []byte, escaped bool) error {
		var err error
		switch string(keyBytes(key, escaped)) {
		case "address":
			rc.Address, err = sc.stringValue("prior_state resource address")
		case "mode":
			rc.mode, err = sc.stringValue("prior_state resource mode")
		case "type":
			rc.Type, err = sc.stringValue("prior_state resource type")
		case "name":
			rc.Name, err = sc.stringValue("prior_state resource name")
		case "deposed_key":
			rc.Deposed, err = sc.stringValue("prior_state resource deposed_key")
		case "values":
			rc.change.before, err = sc.validate()
			rc.change.after = rc.change.before
		case "sensitive_values":
			rc.change.beforeSensitive, err = sc.validate()
			rc.change.afterSensitive = rc.change.beforeSensitive
		default:
			_, err = sc.validate()
		}
		return err
	})
	if err != nil || (rc.mode != "" && rc.mode != string(tfjson.ManagedResourceMode)) || rc.Deposed != "" {
		return nil, err
	}
	rc.change.end = sc.pos
	return rc, nil
}

// readOutputChanges hands each member of output_changes to emit.
func readOutputChanges(sc *scanner, emit func(*OutputChange)) error {
	switch sc.peek() {
	case 'n':
		return sc.literal("null")
	case '{':
	default:
		return sc.typeError("output_changes", "object")
	}
	return sc.object(func(key []byte, escaped bool) error {
		o := &OutputChange{Name: strings.Clone(unquote(key, escaped))}
		if sc.peek() != '{' {
			return prefixField(sc.typeError("", "object"), "output_changes."+o.Name)
		}
		o.change.start = sc.pos
		if err := readChange(sc, &o.change); err != nil {
			return prefixField(err, "output_changes."+o.Name)
		}
		o.change.end = sc.pos
		for i, a := range o.change.actions {
			o.change.actions[i] = ownAction(a)
		}
		emit(o)
		return nil
	})
}

func (p *Plan) addOutput(o *OutputChange) { p.Outputs = append(p.Outputs, o) }

// addState keeps a managed resource of prior_state.
func (p *Plan) addState(rc *rawResourceChange) {
	if p.state == nil {
		p.state = make(map[string][]*Resource)
	}
	p.state[rc.Type] = append(p.state[rc.Type], newResource(p, rc))
}

// dropPlannedFromState keeps in state only what resource_changes lacks.
func (p *Plan) dropPlannedFromState() {
	for typ, list := range p.state {
		planned := make(map[string]bool, len(p.byType[typ]))
		for _, r := range p.byType[typ] {
			planned[r.Address] = true
		}
		kept := list[:0]
		for _, r := range list {
			if !planned[r.Address] {
				kept = append(kept, r)
			}
		}
		p.state[typ] = kept
	}
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

// describeJSONError turns a scanner error into one that names the line and column.
func describeJSONError(data []byte, err error) error {
	var syntax *syntaxError
	var typeErr *fieldTypeError
	var structural *planError
	var limit *limitError
	switch {
	case errors.As(err, &structural):
		return structural
	case errors.As(err, &limit):
		line, col := lineCol(data, limit.offset)
		return fmt.Errorf("line %d, column %d: %s", line, col, limit.msg)
	case errors.As(err, &typeErr):
		line, col := lineCol(data, typeErr.offset)
		return fmt.Errorf("field %q at line %d, column %d: got JSON %s, want %s", typeErr.field, line, col, typeErr.got, typeErr.want)
	case errors.As(err, &syntax):
		line, col := lineCol(data, syntax.offset)
		if syntax.offset >= len(data) {
			return fmt.Errorf("the JSON ends early at line %d (truncated file?)", line)
		}
		return fmt.Errorf("invalid JSON at line %d, column %d: %s", line, col, syntax.msg)
	}
	return fmt.Errorf("invalid plan JSON: %w", err)
}
