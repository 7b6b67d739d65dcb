package tfplan

import (
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Large plans are validated on every CPU. A first pass walks the document's
// structure (top-level keys, array and object separators) with the
// validating scanner but jumps over values with the non-validating skipper,
// cutting the document into runs of consecutive values; workers then
// validate and read each run with the full scanner, and the results are
// added to the plan in document order. Every byte is validated exactly as on
// one core: by the first pass (structure) or by a worker (values), and a run
// must end exactly where the first pass said it does.
//
// Any error, in either pass, sends the whole document through the one-core
// parser, so a broken plan gets the same message whatever the machine.
//
// What it gains on the project's shared 2-core machines (December 2026,
// `prodgate check --format atlantis` at 20,000 resource changes, 8 turns
// taking turns with a one-core build, medians): 27 % less wall time on
// bench/compare.sh's generated shape (0.225 s against 0.31 s), none on its
// real shape (0.56 s against 0.52 s, within noise), at 0-5 % more CPU time
// (the whole check on the real shape, parse and judging on two cores: 3.4 %
// more instructions than with GOMAXPROCS=1, cachegrind). On a quiet machine
// (load ~1) it cuts parsing the real shape at 20k from 150-168 ms to
// 122-134 ms (BenchmarkParse against BenchmarkParseOneCore). The real shape's
// configuration section (39 % of its bytes) is one value, so one worker
// validates and indexes it alone (readConfiguration) and finishes last;
// splitting module_calls, each run indexing its own, would be the next step.

// parallelParseFrom is the plan size from which parsing uses every CPU;
// below it the goroutines cost more than they save.
const parallelParseFrom = 2 << 20

// errResplit makes decodePlan parse again on one core.
var errResplit = errors.New("parallel parse disagreed; parsing on one core")

// decodePlan parses data on opts.Workers goroutines (one per CPU by default),
// falling back to one core for small plans and for any error.
func decodePlan(data []byte, opts ParseOptions) (*Plan, error) {
	workers := opts.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > 1 && len(data) >= parallelParseFrom {
		chunk := max(len(data)/(workers*16), 64<<10)
		if p, err := decodeParallel(data, workers, chunk, opts); err == nil {
			return p, nil
		}
	}
	p := &Plan{byType: make(map[string][]*Resource), maxEntries: opts.resourceLimit()}
	if err := p.decode(&scanner{data: data, release: opts.Release}); err != nil {
		return nil, err
	}
	return p, nil
}

// unitKind says what a worker does with a run of values.
type unitKind uint8

const (
	unitValidate   unitKind = iota // validate; the bytes are not kept
	unitConfig                     // validate and index as the configuration
	unitPriorState                 // read prior_state's resources
	unitChanges                    // read resource_changes elements
	unitDrift                      // read resource_drift elements
	unitOutputs                    // read output_changes
)

// parseUnit is a run of consecutive values of one array or object:
// data[start:end] holds the values with their separators (and, in an
// object, the keys between them).
type parseUnit struct {
	start, end int
	kind       unitKind
	object     bool // the values are members of an object
	first      int  // array index of the first value (for error messages)
	// depth is how many containers are open around the values, so that a
	// worker counts nesting against MaxPlanDepth as the one-core parser does.
	depth   int
	read    []*rawResourceChange
	outputs []*OutputChange
	config  *configIndex
}

func decodeParallel(data []byte, workers, chunk int, opts ParseOptions) (*Plan, error) {
	release := opts.Release
	limit := int64(opts.resourceLimit())
	p := &Plan{byType: make(map[string][]*Resource), maxEntries: int(limit)}
	// Workers start on the first runs while the splitter is still cutting.
	// A short queue: the splitter, several times faster than the workers,
	// would otherwise bring the whole file into memory ahead of them.
	queue := make(chan *parseUnit, 2*workers)
	var failed atomic.Bool
	// entries counts resources across workers against MaxPlanResources, so
	// that the workers stop near the limit instead of reading every entry of
	// a hostile document first; the one-core parser then says where.
	var entries atomic.Int64
	count := func(int) error {
		if entries.Add(1) > limit {
			return errResplit
		}
		return nil
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for u := range queue {
				if failed.Load() {
					continue
				}
				if err := u.run(data, count); err != nil {
					failed.Store(true)
					continue
				}
				// Every run's pages can go once read: the resource values
				// the plan keeps come back from the file when a rule reads
				// them, and the names it keeps are copies (ownStrings).
				if release != nil {
					release(u.start, u.end)
				}
			}
		})
	}
	sp := &splitter{data: data, sc: &scanner{data: data}, chunk: chunk, queue: queue}
	err := sp.top(p)
	close(queue)
	wg.Wait()
	if err != nil || failed.Load() {
		return nil, errResplit
	}
	// Sized once: grown by doubling, the list left some 600 KB of garbage
	// behind at 20,000 resources, still held at the peak (check runs without
	// a collection). Data sources, skipped below, make it an upper bound.
	// The lists by type likewise (506 KB allocated for them at 20k).
	changes := 0
	byType := make(map[string]int)
	for _, u := range sp.units {
		if u.kind == unitChanges {
			changes += len(u.read)
			for _, rc := range u.read {
				byType[rc.Type]++
			}
		}
	}
	p.Resources = slices.Grow(p.Resources, changes)
	for t, n := range byType {
		p.byType[t] = make([]*Resource, 0, n)
	}
	// Add what the workers read in document order, as the one-core parser would.
	for _, u := range sp.units {
		for j, rc := range u.read {
			var err error
			switch u.kind {
			case unitChanges:
				err = p.addReadChange(rc, u.first+j)
			case unitDrift:
				err = p.addReadDrift(rc, u.first+j)
			case unitPriorState:
				p.addState(rc)
			}
			if err != nil {
				return nil, err
			}
		}
		switch u.kind {
		case unitConfig:
			p.config = u.config
		case unitOutputs:
			p.Outputs = append(p.Outputs, u.outputs...)
		}
	}
	p.dropPlannedFromState()
	return p, nil
}

// run validates (and reads) the unit's values with the full scanner; count
// is called for each resource before it is read.
func (u *parseUnit) run(data []byte, count func(offset int) error) error {
	sc := &scanner{data: data, pos: u.start, depth: u.depth}
	for i := u.first; ; i++ {
		var err error
		switch u.kind {
		case unitChanges, unitDrift:
			section := "resource_changes"
			if u.kind == unitDrift {
				section = "resource_drift"
			}
			if err = count(sc.pos); err != nil {
				return err
			}
			var rc *rawResourceChange
			if rc, err = readResourceChange(sc, section, i); err == nil {
				u.read = append(u.read, rc)
			}
		case unitPriorState:
			err = readPriorState(sc, count, func(rc *rawResourceChange) { u.read = append(u.read, rc) })
		case unitOutputs:
			err = readOutputChanges(sc, func(o *OutputChange) { u.outputs = append(u.outputs, o) })
		case unitConfig:
			u.config, err = readConfiguration(sc)
		default:
			_, err = sc.validate()
		}
		if err != nil {
			return err
		}
		if sc.pos == u.end {
			return nil
		}
		if sc.peek() != ',' || sc.pos >= u.end {
			return errResplit
		}
		sc.pos++
		if u.object {
			if err := sc.memberKey(); err != nil {
				return err
			}
		}
	}
}

// splitter cuts a document into parse units.
type splitter struct {
	data  []byte
	sc    *scanner
	chunk int
	units []*parseUnit // in document order
	queue chan<- *parseUnit
}

// emit hands a unit to the workers.
func (sp *splitter) emit(u *parseUnit) {
	sp.units = append(sp.units, u)
	sp.queue <- u
}

// top walks the top-level object: facts are read at once, sections become units.
func (sp *splitter) top(p *Plan) error {
	sc := sp.sc
	if sc.peek() != '{' {
		return errResplit
	}
	err := sc.object(func(key []byte, escaped bool) error {
		k := string(keyBytes(key, escaped))
		p.noteSection(k, sc.peek())
		if ok, err := p.readFact(sc, k); ok {
			return err
		}
		switch k {
		case "resource_changes", "resource_drift":
			if sc.peek() != '[' {
				return errResplit // null or a wrong type: the one-core parser says which
			}
			kind := unitChanges
			if k == "resource_drift" {
				kind = unitDrift
			}
			return sp.container(kind, false)
		case "configuration":
			return sp.single(unitConfig)
		case "prior_state":
			return sp.single(unitPriorState)
		case "output_changes":
			return sp.single(unitOutputs)
		}
		if c := sc.peek(); c == '{' || c == '[' {
			return sp.container(unitValidate, true)
		}
		return sp.single(unitValidate)
	})
	if err != nil {
		return err
	}
	if !sc.atEnd() {
		return errResplit
	}
	return nil
}

// single makes the value at the scanner one unit.
func (sp *splitter) single(kind unitKind) error {
	start := skipSpace(sp.data, sp.sc.pos)
	end := skipValue(sp.data, start)
	if end <= start {
		return errResplit
	}
	sp.emit(&parseUnit{start: start, end: end, kind: kind, depth: sp.sc.depth})
	sp.sc.pos = end
	return nil
}

// container walks the array or object at the scanner, its keys and
// separators validated by the scanner and its values jumped over, and cuts
// its values into runs of about chunk bytes. With split, a value larger than
// chunk is cut further: container recurses once per level of such values,
// which the scanner's object and array bound by MaxPlanDepth.
func (sp *splitter) container(kind unitKind, split bool) error {
	sc := sp.sc
	var cur *parseUnit
	flush := func() {
		if cur != nil {
			sp.emit(cur)
			cur = nil
		}
	}
	index := 0
	visit := func(object bool) error {
		start := skipSpace(sp.data, sc.pos)
		limit := len(sp.data)
		if split {
			limit = sp.chunk
		}
		// A value larger than a chunk is cut further (when split) as soon as
		// the skipper has seen a chunk of it, so no byte is skipped twice
		// over more than a chunk.
		end, whole := skipValueWithin(sp.data, start, limit)
		switch {
		case !whole:
			flush()
			sc.pos = start
			if err := sp.container(kind, true); err != nil {
				return err
			}
		case end <= start:
			return errResplit
		default:
			if cur != nil && end-cur.start > sp.chunk {
				flush()
			}
			if cur == nil {
				cur = &parseUnit{start: start, kind: kind, object: object, first: index, depth: sc.depth}
			}
			cur.end = end
			sc.pos = end
		}
		index++
		return nil
	}
	var err error
	switch sc.peek() {
	case '{':
		err = sc.object(func([]byte, bool) error { return visit(true) })
	case '[':
		err = sc.array(func() error { return visit(false) })
	default:
		return errResplit
	}
	flush()
	return err
}
