package evaluator

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// Standard is the name of the standard the engine enforces.
func (e *Engine) Standard() string { return e.standard }

// MatchScope returns the first policy scope whose match fits the run, or the
// default scope (mandatory, top-level settings) when none does.
func (e *Engine) matchScope(run RunContext) *compiledScope {
	for i := range e.scopes {
		if matchRun(e.scopes[i].match, run) {
			return &e.scopes[i]
		}
	}
	return &e.defaultScope
}

// matchRun reports whether every field the match sets fits the run.
func matchRun(m config.Match, run RunContext) bool {
	for _, f := range []struct{ pattern, value string }{
		{m.Workspace, run.Workspace}, {m.Organization, run.Organization},
		{m.Project, run.Project}, {m.Directory, run.Directory},
	} {
		if f.pattern != "" && !globMatch(f.pattern, f.value) {
			return false
		}
	}
	return true
}

// Options tune EvaluateWith.
type Options struct {
	// OmitPasses leaves passing findings out of Report.Findings (they are
	// still counted, in Counts and OmittedPasses): a report that will not
	// list them need not keep, sort and merge thousands of them.
	OmitPasses bool
	// Workers is how many goroutines judge a large plan; 0 means one per CPU.
	Workers int
	// Release, when set, is called with byte ranges of the plan that the
	// evaluation has finished judging (see ParseOptions.Release): a caller
	// holding the plan in a file mapping can drop their pages. Rules and
	// reports may still read those bytes; the caller must be able to bring
	// the pages back. Calls may come from several goroutines at once.
	Release func(start, end int)
}

// Evaluate judges plan for one run, keeping every finding. It never returns
// a passing report for a plan it could not fully judge: an errored plan
// fails, and a rule that panics fails the gate with an internal-error
// finding.
func (e *Engine) Evaluate(plan *tfplan.Plan, run RunContext, now time.Time) *Report {
	return e.EvaluateWith(plan, run, now, Options{})
}

// EvaluateWith is Evaluate with options.
func (e *Engine) EvaluateWith(plan *tfplan.Plan, run RunContext, now time.Time, opts Options) *Report {
	start := time.Now()
	scope := e.matchScope(run)
	rep := &Report{
		Standard:    e.standard,
		Scope:       scope.name,
		Environment: scope.environment,
		Enforcement: scope.enforce,
		FailOn:      scope.failOn,
		Run:         run,
		Plan:        planFacts(plan),
		EvaluatedAt: now.UTC(),
	}

	// Each enabled rule bound to its context, indexed by resource type once per
	// evaluation, so each resource meets only the rules for its type.
	byType := make(map[string][]boundRule)
	var anyType []boundRule
	others := func(id string) (RuleSetting, bool) {
		s, ok := scope.rules[id]
		return RuleSetting{Enabled: s.enabled, Enforcement: s.enforcement, params: s.params}, ok
	}
	for i, r := range e.rules {
		m := &e.metas[i]
		s := scope.rules[m.ID]
		if !s.enabled {
			continue
		}
		rep.RulesRun = append(rep.RulesRun, m.ID)
		b := boundRule{rule: r, ctx: &Context{Plan: plan, meta: m, severity: s.severity, params: s.params, others: others}}
		for _, t := range m.ResourceTypes {
			if t == "*" {
				anyType = append(anyType, b)
			} else {
				byType[t] = append(byType[t], b)
			}
		}
	}

	used := make([]int, len(e.waivers))
	var omitted atomic.Int64
	// Passes are dropped as rules return them where nobody prints them;
	// settle may still turn an unknown into a pass, dropped in finish.
	keep := func(f *Finding) bool {
		if opts.OmitPasses && f.Status == StatusPass {
			omitted.Add(1)
			return false
		}
		return true
	}
	rep.Findings = e.checkAll(opts, keep, plan.Resources, byType, anyType, func(fs []Finding, used []int) []Finding {
		for i := range fs {
			e.settle(&fs[i], scope, run, now, used)
		}
		if opts.OmitPasses {
			kept := fs[:0]
			for i := range fs {
				if keep(&fs[i]) {
					kept = append(kept, fs[i])
				}
			}
			clear(fs[len(kept):]) // drop the passes' strings for the collector
			fs = kept
		}
		sortFindings(fs)
		return fs
	}, used)
	rep.OmittedPasses = int(omitted.Load())
	rep.Findings = foldRelated(rep.Findings)
	for i, w := range e.waivers {
		expired := dateOf(now).After(w.Expires)
		if used[i] == 0 || expired {
			rep.UnusedWaivers = append(rep.UnusedWaivers, WaiverUse{
				Waiver: Waiver{ID: w.ID, Owner: w.Owner, Reason: w.Reason, Expires: w.Expires.Format(time.DateOnly)},
				Rule:   w.Rule, Address: w.Address, Where: w.where, Expired: expired, Matched: used[i],
			})
		}
	}
	e.conclude(rep, plan, scope)
	rep.Duration = time.Since(start)
	return rep
}

// parallelFrom is the plan size from which resources are judged on every
// CPU; below it the goroutines cost more than they save.
const parallelFrom = 2048

// checkAll runs the rules over the resources and hands each part's findings
// to finish (settle and sort, with its own waiver counters, added to used),
// split across CPUs for large plans; sorted parts are then merged, so the
// result is the same whatever the split.
func (e *Engine) checkAll(opts Options, keep func(*Finding) bool, resources []*tfplan.Resource, byType map[string][]boundRule, anyType []boundRule,
	finish func(fs []Finding, used []int) []Finding, used []int) []Finding {
	check := func(part []*tfplan.Resource, used []int) []Finding {
		// About one finding per resource change (under half without the
		// passes): sized once instead of grown by doubling through tens of
		// thousands of findings.
		size := len(part)
		if opts.OmitPasses {
			size /= 2
		}
		out := make([]Finding, 0, size)
		done := releaser{release: opts.Release}
		for _, res := range part {
			for _, list := range [2][]boundRule{byType[res.Type], anyType} {
				for _, b := range list {
					// By index: keep(&f) on a range variable moved every
					// finding to the heap once more (a 288-byte garbage copy
					// each, 7 MB on the real-shape 20k plan).
					fs := e.runRule(b.rule, b.ctx, res)
					for i := range fs {
						if keep(&fs[i]) {
							out = append(out, fs[i])
						}
					}
				}
			}
			done.judged(res.ByteRange())
		}
		done.flush()
		return finish(out, used)
	}
	workers := opts.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if len(resources) < parallelFrom || workers < 2 {
		return check(resources, used)
	}
	parts := make([][]Finding, workers)
	counts := make([][]int, workers)
	var wg sync.WaitGroup
	size := (len(resources) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*size, min((w+1)*size, len(resources))
		if lo >= hi {
			break
		}
		counts[w] = make([]int, len(used))
		wg.Go(func() { parts[w] = check(resources[lo:hi], counts[w]) })
	}
	wg.Wait()
	for _, c := range counts {
		for i, n := range c {
			used[i] += n
		}
	}
	return mergeSorted(parts)
}

// releaser hands the byte ranges of judged resource changes to a release
// function, a megabyte or more at a time (pages are dropped whole, so a
// resource at a time would drop almost nothing), as long as they follow
// each other in the plan: consecutive resource changes are apart by a comma
// and, in an indented plan, some whitespace.
type releaser struct {
	release    func(start, end int)
	start, end int
}

const (
	releaseJudgedEvery = 1 << 20
	releaseJudgedGap   = 4 << 10
)

func (r *releaser) judged(start, end int) {
	if r.release == nil || end <= start {
		return
	}
	if gap := start - r.end; r.end > r.start && (gap < 0 || gap > releaseJudgedGap) {
		r.flush()
	}
	if r.end <= r.start {
		r.start = start
	}
	r.end = end
	if r.end-r.start >= releaseJudgedEvery {
		r.flush()
	}
}

func (r *releaser) flush() {
	if r.release != nil && r.end > r.start {
		r.release(r.start, r.end)
	}
	r.start, r.end = 0, 0
}

// mergeSorted merges findings lists each sorted by CompareFindings; on ties
// the earlier list (earlier in the plan) comes first, as a stable sort would.
func mergeSorted(parts [][]Finding) []Finding {
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	out := make([]Finding, 0, total)
	next := make([]int, len(parts))
	for len(out) < total {
		best := -1
		for i, p := range parts {
			if next[i] >= len(p) {
				continue
			}
			if best < 0 || compareFindings(&p[next[i]], &parts[best][next[best]]) < 0 {
				best = i
			}
		}
		out = append(out, parts[best][next[best]])
		next[best]++
	}
	return out
}

type boundRule struct {
	rule Rule
	ctx  *Context
}

// runRule calls a rule and turns a panic into a blocking finding: a broken
// rule must never make the gate pass.
func (e *Engine) runRule(r Rule, c *Context, res *tfplan.Resource) (out []Finding) {
	defer func() {
		if p := recover(); p != nil {
			f := c.Finding(res, StatusFail, "", fmt.Sprintf("internal error in rule %s: %v; the gate fails closed", c.meta.ID, p))
			f.Severity, f.Internal = SeverityCritical, true
			out = []Finding{f}
		}
	}()
	return r.Check(c, res)
}

// settle applies the policy to a rule's raw result: unknown treatment, the
// rule's enforcement, fail_on, advisory scopes and waivers. It sets Blocking,
// the only input to the verdict; a failure that does not block becomes a
// warning, so "fail" always means "blocks".
func (e *Engine) settle(f *Finding, scope *compiledScope, run RunContext, now time.Time, used []int) {
	if f.Internal {
		f.Blocking = true // a crashed rule fails the gate whatever the policy says
		return
	}
	settings := scope.rules[f.RuleID]
	switch f.Status {
	case StatusPass:
		return
	case StatusUnknown:
		switch settings.unknown {
		case unknownPass:
			f.Status = StatusPass
			f.Note = "value known only after apply; the policy treats unknown as pass for this rule"
			return
		case unknownWarn:
			f.Note = "value known only after apply; the policy treats unknown as a warning"
		default:
			f.Blocking = true
		}
	case StatusFail:
		f.Blocking = true
	}
	switch {
	case !f.Blocking:
	case settings.enforcement == EnforceAdvisory:
		f.Note = "advisory rule: reported, never blocking (the policy can promote it: `enforce: blocking`)"
		if settings.demotedAt != "" {
			f.Note = "made advisory by the policy (" + settings.demotedAt + "): reported, not blocking"
		}
		advise(f)
	case f.Severity < scope.failOn && !settings.enforceWritten:
		f.Note = fmt.Sprintf("severity %s is below the policy's fail_on %s: reported, not blocking", f.Severity, scope.failOn)
		advise(f)
	case scope.enforce == ScopeAdvisory:
		f.Note = fmt.Sprintf("scope %q is advisory: reported, not blocking", scope.name)
		advise(f)
	}
	e.applyWaivers(f, scope, run, now, used)
}

// advise makes a finding advisory: it no longer blocks, and a failure reads
// as a warning.
func advise(f *Finding) {
	f.Blocking = false
	if f.Status == StatusFail {
		f.Status = StatusWarn
	}
}

// foldRelated moves each finding that another one folds (Finding.Folds) into
// that finding's Related list: one cause, one finding. A finding is folded
// only into one that blocks at least as much, so folding never hides a
// block; waived and passing findings are left where they are. fs is sorted
// and stays so.
func foldRelated(fs []Finding) []Finding {
	var folding []int
	for i := range fs {
		if len(fs[i].Folds) > 0 {
			folding = append(folding, i)
		}
	}
	if len(folding) == 0 {
		return fs
	}
	type key struct{ address, attribute string }
	byKey := make(map[key][]int)
	for i := range fs {
		if s := fs[i].Status; s == StatusFail || s == StatusWarn || s == StatusUnknown {
			byKey[key{fs[i].Address, fs[i].Attribute}] = append(byKey[key{fs[i].Address, fs[i].Attribute}], i)
		}
	}
	folded := make([]bool, len(fs))
	for _, i := range folding {
		cause := &fs[i]
		if folded[i] || cause.Status == StatusPass || cause.Status == StatusWaived {
			continue
		}
		for _, ref := range cause.Folds {
			for _, j := range byKey[key{ref.Address, ref.Attribute}] {
				other := &fs[j]
				if j == i || folded[j] || !ref.matches(other) || (other.Blocking && !cause.Blocking) {
					continue
				}
				folded[j] = true
				cause.Related = append(cause.Related, *other)
			}
		}
	}
	kept := fs[:0]
	for i := range fs {
		if !folded[i] {
			kept = append(kept, fs[i])
		}
	}
	clear(fs[len(kept):])
	return kept
}

func (e *Engine) applyWaivers(f *Finding, scope *compiledScope, run RunContext, now time.Time, used []int) {
	for i, w := range e.waivers {
		if w.Rule != f.RuleID || !globMatch(cmp.Or(w.Address, "*"), f.Address) {
			continue
		}
		if w.Scope != "" && w.Scope != scope.name {
			continue
		}
		if w.Match != nil && !matchRun(*w.Match, run) {
			continue
		}
		used[i]++
		if dateOf(now).After(w.Expires) {
			f.Note = fmt.Sprintf("waiver %s (owner %s) expired on %s and no longer applies", w.ID, w.Owner, w.Expires.Format(time.DateOnly))
			continue
		}
		f.Status, f.Blocking = StatusWaived, false
		f.Waiver = &Waiver{ID: w.ID, Owner: w.Owner, Reason: w.Reason, Expires: w.Expires.Format(time.DateOnly)}
		f.Note = fmt.Sprintf("waived by %s (owner %s) until %s: %s", w.ID, w.Owner, w.Expires.Format(time.DateOnly), w.Reason)
		return
	}
}

// conclude counts findings and decides the verdict.
func (e *Engine) conclude(rep *Report, plan *tfplan.Plan, scope *compiledScope) {
	rep.Counts.Total += rep.OmittedPasses
	rep.Counts.Passed += rep.OmittedPasses
	for _, f := range rep.Findings {
		rep.Counts.Total++
		switch f.Status {
		case StatusPass:
			rep.Counts.Passed++
		case StatusFail:
			rep.Counts.Failed++
		case StatusWarn:
			rep.Counts.Warned++
		case StatusUnknown:
			rep.Counts.Unknown++
		case StatusWaived:
			rep.Counts.Waived++
		}
		switch {
		case f.Blocking:
			rep.Counts.Blocking++
		case f.Status == StatusWarn || f.Status == StatusUnknown || f.Status == StatusFail:
			rep.Counts.Advisory++
		}
	}
	if plan.Errored {
		rep.Reasons = append(rep.Reasons, "Terraform reported errors while planning (errored: true); an errored plan never passes")
	}
	if rep.Counts.Blocking > 0 {
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("%d finding(s) break the standard %q in scope %q", rep.Counts.Blocking, rep.Standard, rep.Scope))
	}
	if plan.Incomplete() {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the plan is incomplete (complete: false, %d deferred change(s)): apply may make changes this verdict has not seen", plan.DeferredChanges))
	}
	if plan.EmptyActions > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d resource change(s) had an empty actions list and were treated as no-op", plan.EmptyActions))
	}
	if rep.Enforcement == ScopeAdvisory {
		rep.Notes = append(rep.Notes, fmt.Sprintf("scope %q is advisory: findings are reported, none blocks", rep.Scope))
	}
	if scope.loosened != "" {
		rep.Notes = append(rep.Notes, scope.loosened)
	}
	rep.Verdict = VerdictPassed
	if len(rep.Reasons) > 0 {
		rep.Verdict = VerdictFailed
	}
}

func planFacts(p *tfplan.Plan) PlanFacts {
	f := PlanFacts{
		FormatVersion: p.FormatVersion, TerraformVersion: p.TerraformVersion,
		ResourceChanges: len(p.Resources), Errored: p.Errored, Incomplete: p.Incomplete(), DeferredChanges: p.DeferredChanges,
	}
	for _, r := range p.Resources {
		a := r.Actions()
		switch {
		case a.Replace():
			f.Replaces++
		case a.Create():
			f.Creates++
		case a.Update():
			f.Updates++
		case a.Delete():
			f.Deletes++
		case r.Forgets():
			f.Forgets++
		}
	}
	return f
}

// statusRank orders statuses most-needing-attention first.
func statusRank(s Status) int {
	switch s {
	case StatusFail:
		return 0
	case StatusUnknown:
		return 1
	case StatusWarn:
		return 2
	case StatusWaived:
		return 3
	case StatusPass:
		return 5
	}
	return 4 // a status this package does not know sorts before passes
}

// CompareFindings is the order every report uses: blocking first, then
// status (fail, unknown, warn, waived, pass), severity (most severe first),
// address, rule id, attribute and message.
func CompareFindings(a, b Finding) int { return compareFindings(&a, &b) }

// compareFindings is CompareFindings without copying the findings, for sorting.
func compareFindings(a, b *Finding) int {
	if a.Blocking != b.Blocking {
		if a.Blocking {
			return -1
		}
		return 1
	}
	if d := statusRank(a.Status) - statusRank(b.Status); d != 0 {
		return d
	}
	if a.Severity != b.Severity {
		if a.Severity > b.Severity {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.Address, b.Address); c != 0 {
		return c
	}
	if c := strings.Compare(a.RuleID, b.RuleID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Attribute, b.Attribute); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}

// sortFindings puts findings in CompareFindings order; ties keep plan order.
// It sorts positions with the unstable pdqsort, using the position itself to
// break ties, then moves the findings once: cheaper than a stable sort of the
// large Finding values.
func sortFindings(fs []Finding) {
	order := make([]int32, len(fs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := compareFindings(&fs[a], &fs[b]); c != 0 {
			return c
		}
		return int(a - b)
	})
	// Apply the permutation in place, cycle by cycle: no second copy of the
	// findings. order[i] is where the finding for position i is now.
	for i := range order {
		if order[i] < 0 {
			continue
		}
		tmp := fs[i]
		j := i
		for {
			k := int(order[j])
			order[j] = -1
			if k == i {
				fs[j] = tmp
				break
			}
			fs[j] = fs[k]
			j = k
		}
	}
}
