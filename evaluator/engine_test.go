package evaluator_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// protectRule is a minimal rule for engine tests: test_db must have protect = true.
type protectRule struct{}

func (protectRule) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID: "test-protect", Title: "test databases are protected", Severity: evaluator.SeverityCritical,
		Category: "deletion-protection", Provider: "test", ResourceTypes: []string{"test_db"}, Enforcement: evaluator.EnforceBlocking,
		FormerIDs: []string{"test-guard"},
		Params:    []evaluator.ParamSpec{{Name: "min_days", Kind: evaluator.ParamInt, Default: int64(7), Source: "test", Doc: "retention"}},
	}
}

func (protectRule) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	return []evaluator.Finding{
		evaluator.RequireBool(c, r, "protect", true, false),
		evaluator.RequireAtLeast(c, r, "retention", c.Int("min_days"), nil),
	}
}

// noticeRule is an advisory rule whose failures are only warnings.
type noticeRule struct{}

func (noticeRule) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{ID: "test-notice", Title: "notice", Severity: evaluator.SeverityHigh, Category: "exposure",
		Provider: "test", ResourceTypes: []string{"test_lb"}, Enforcement: evaluator.EnforceAdvisory}
}

func (noticeRule) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	return []evaluator.Finding{c.Fail(r, "public", "load balancer is internet-facing", "false", "true")}
}

// lowerRule reports protect switched off in the plan and folds the state
// rule's finding on the same attribute into its own.
type lowerRule struct{}

func (lowerRule) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{ID: "test-lowered", Title: "protection lowered", Severity: evaluator.SeverityCritical, Category: "lifecycle",
		Provider: "test", ResourceTypes: []string{"test_db"}, Enforcement: evaluator.EnforceBlocking}
}

func (lowerRule) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	before, _ := r.Before("protect").Bool()
	after, _ := r.After("protect").Bool()
	if !r.Existed() || !before || after {
		return nil
	}
	f := c.Fail(r, "protect", "protect changes from true to false", "true", "false")
	f.Folds = []evaluator.FindingRef{{Address: r.Address, Attribute: "protect"}}
	return []evaluator.Finding{f}
}

// panicRule proves a broken rule fails the gate instead of passing it.
type panicRule struct{}

func (panicRule) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{ID: "test-panic", Title: "panics", Severity: evaluator.SeverityLow, Category: "custom",
		Provider: "test", ResourceTypes: []string{"test_boom"}, Enforcement: evaluator.EnforceAdvisory}
}

func (panicRule) Check(*evaluator.Context, *tfplan.Resource) []evaluator.Finding { panic("boom") }

var today = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func testRegistry(t *testing.T) *evaluator.Registry {
	t.Helper()
	reg, err := evaluator.NewRegistry(protectRule{}, noticeRule{}, panicRule{}, lowerRule{})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func compile(t *testing.T, policyYAML string) *evaluator.Engine {
	t.Helper()
	p := config.Default()
	if policyYAML != "" {
		var err error
		p, err = config.Parse("prodgate.yaml", []byte(policyYAML))
		if err != nil {
			t.Fatalf("parse policy: %v", err)
		}
	}
	e, err := evaluator.Compile(p, testRegistry(t), today)
	if err != nil {
		t.Fatalf("compile policy: %v", err)
	}
	return e
}

// brief is the part of a finding engine tests compare.
type brief struct {
	Rule, Address, Attribute string
	Status                   evaluator.Status
	Blocking                 bool
}

func briefs(fs []evaluator.Finding) []brief {
	out := make([]brief, len(fs))
	for i, f := range fs {
		out[i] = brief{f.RuleID, f.Address, f.Attribute, f.Status, f.Blocking}
	}
	return out
}

func db(address string, after map[string]any) evaltest.Change {
	return evaltest.Change{Address: address, Type: "test_db", After: after}
}

func TestEngineVerdicts(t *testing.T) {
	good := map[string]any{"protect": true, "retention": 14}
	unprotected := map[string]any{"protect": false, "retention": 14}
	tests := []struct {
		name        string
		policy      string
		run         evaluator.RunContext
		changes     []evaltest.Change
		wantVerdict evaluator.Verdict
		want        []brief
		wantScope   string
	}{
		{
			name:        "a compliant plan passes under the built-in default",
			changes:     []evaltest.Change{db("test_db.a", good)},
			wantVerdict: evaluator.VerdictPassed, wantScope: "default",
			want: []brief{{"test-protect", "test_db.a", "protect", "pass", false}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
		{
			name:        "a failure blocks under the built-in default",
			changes:     []evaltest.Change{db("test_db.a", unprotected)},
			wantVerdict: evaluator.VerdictFailed, wantScope: "default",
			want: []brief{{"test-protect", "test_db.a", "protect", "fail", true}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
		{
			name:        "params from a matching scope override the top level",
			policy:      "version: 1\nrules:\n  test-protect:\n    params: {min_days: 3}\nscopes:\n  - name: prod\n    match: {workspace: '*-prod'}\n    rules:\n      test-protect:\n        params: {min_days: 30}\n",
			run:         evaluator.RunContext{Workspace: "pay-prod"},
			changes:     []evaltest.Change{db("test_db.a", good)},
			wantVerdict: evaluator.VerdictFailed, wantScope: "prod",
			want: []brief{{"test-protect", "test_db.a", "retention", "fail", true}, {"test-protect", "test_db.a", "protect", "pass", false}},
		},
		{
			name:        "a run no scope matches gets the top-level settings, mandatory",
			policy:      "version: 1\nrules:\n  test-protect:\n    params: {min_days: 3}\nscopes:\n  - name: prod\n    match: {workspace: '*-prod'}\n    rules:\n      test-protect:\n        params: {min_days: 30}\n",
			run:         evaluator.RunContext{Workspace: "pay-dev"},
			changes:     []evaltest.Change{db("test_db.a", good)},
			wantVerdict: evaluator.VerdictPassed, wantScope: "default",
			want: []brief{{"test-protect", "test_db.a", "protect", "pass", false}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
		{
			name:        "an advisory scope reports failures without failing the gate",
			policy:      "version: 1\nscopes:\n  - name: dev\n    match: {workspace: '*-dev'}\n    enforce: advisory\n",
			run:         evaluator.RunContext{Workspace: "pay-dev"},
			changes:     []evaltest.Change{db("test_db.a", unprotected)},
			wantVerdict: evaluator.VerdictPassed, wantScope: "dev",
			want: []brief{{"test-protect", "test_db.a", "protect", "warn", false}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
		{
			name:        "a blocking rule the policy makes advisory reports a warning",
			policy:      "version: 1\nrules:\n  test-protect:\n    enforce: advisory\n",
			changes:     []evaltest.Change{db("test_db.a", unprotected)},
			wantVerdict: evaluator.VerdictPassed, wantScope: "default",
			want: []brief{{"test-protect", "test_db.a", "protect", "warn", false}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
		{
			name:        "an advisory rule the policy promotes blocks",
			policy:      "version: 1\nrules:\n  test-notice:\n    enforce: blocking\n",
			changes:     []evaltest.Change{{Address: "test_lb.a", Type: "test_lb", After: map[string]any{}}},
			wantVerdict: evaluator.VerdictFailed, wantScope: "default",
			want: []brief{{"test-notice", "test_lb.a", "public", "fail", true}},
		},
		{
			name: "a promotion in a scope holds only there",
			policy: "version: 1\nscopes:\n  - name: prod\n    match: {workspace: '*-prod'}\n    rules:\n      test-notice: {enforce: blocking}\n" +
				"  - name: rest\n",
			run:         evaluator.RunContext{Workspace: "pay-dev"},
			changes:     []evaltest.Change{{Address: "test_lb.a", Type: "test_lb", After: map[string]any{}}},
			wantVerdict: evaluator.VerdictPassed, wantScope: "rest",
			want: []brief{{"test-notice", "test_lb.a", "public", "warn", false}},
		},
		{
			name:        "a promoted rule blocks even below fail_on",
			policy:      "version: 1\nfail_on: critical\nrules:\n  test-notice: {enforce: blocking}\n",
			changes:     []evaltest.Change{{Address: "test_lb.a", Type: "test_lb", After: map[string]any{}}},
			wantVerdict: evaluator.VerdictFailed, wantScope: "default",
			want: []brief{{"test-notice", "test_lb.a", "public", "fail", true}},
		},
		{
			name:        "fail_on never makes an advisory rule block",
			policy:      "version: 1\nfail_on: low\n",
			changes:     []evaltest.Change{{Address: "test_lb.a", Type: "test_lb", After: map[string]any{}}},
			wantVerdict: evaluator.VerdictPassed, wantScope: "default",
			want: []brief{{"test-notice", "test_lb.a", "public", "warn", false}},
		},
		{
			name:   "an unknown value of an advisory rule does not block",
			policy: "version: 1\nrules:\n  test-protect: {enforce: advisory}\n",
			changes: []evaltest.Change{{Address: "test_db.a", Type: "test_db", After: map[string]any{"retention": 14},
				AfterUnknown: map[string]any{"protect": true}, Config: map[string]any{"protect": map[string]any{"references": []any{"var.x"}}}}},
			wantVerdict: evaluator.VerdictPassed, wantScope: "default",
			want: []brief{{"test-protect", "test_db.a", "protect", "unknown", false}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
		{
			name:        "findings below fail_on become warnings",
			policy:      "version: 1\nfail_on: high\nrules:\n  test-protect:\n    severity: medium\n",
			changes:     []evaltest.Change{db("test_db.a", unprotected)},
			wantVerdict: evaluator.VerdictPassed, wantScope: "default",
			want: []brief{{"test-protect", "test_db.a", "protect", "warn", false}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
		{
			name:        "a disabled rule produces nothing",
			policy:      "version: 1\nrules:\n  test-protect: false\n",
			changes:     []evaltest.Change{db("test_db.a", unprotected)},
			wantVerdict: evaluator.VerdictPassed, wantScope: "default",
			want: []brief{},
		},
		{
			name: "an unknown value fails by default",
			changes: []evaltest.Change{{Address: "test_db.a", Type: "test_db", After: map[string]any{"retention": 14},
				AfterUnknown: map[string]any{"protect": true}, Config: map[string]any{"protect": map[string]any{"references": []any{"var.x"}}}}},
			wantVerdict: evaluator.VerdictFailed, wantScope: "default",
			want: []brief{{"test-protect", "test_db.a", "protect", "unknown", true}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
		{
			name:   "unknown: warn keeps the status but does not block",
			policy: "version: 1\nrules:\n  test-protect:\n    unknown: warn\n",
			changes: []evaltest.Change{{Address: "test_db.a", Type: "test_db", After: map[string]any{"retention": 14},
				AfterUnknown: map[string]any{"protect": true}, Config: map[string]any{"protect": map[string]any{"references": []any{"var.x"}}}}},
			wantVerdict: evaluator.VerdictPassed, wantScope: "default",
			want: []brief{{"test-protect", "test_db.a", "protect", "unknown", false}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
		{
			name:        "an advisory rule only warns",
			changes:     []evaltest.Change{{Address: "test_lb.a", Type: "test_lb", After: map[string]any{}}},
			wantVerdict: evaluator.VerdictPassed, wantScope: "default",
			want: []brief{{"test-notice", "test_lb.a", "public", "warn", false}},
		},
		{
			name:        "a rule that panics fails the gate, even an advisory rule in an advisory scope",
			policy:      "version: 1\nscopes:\n  - name: dev\n    enforce: advisory\n",
			changes:     []evaltest.Change{{Address: "test_boom.a", Type: "test_boom", After: map[string]any{}}},
			wantVerdict: evaluator.VerdictFailed, wantScope: "dev",
			want: []brief{{"test-panic", "test_boom.a", "", "fail", true}},
		},
		{
			name:        "a rule that panics fails the gate",
			changes:     []evaltest.Change{{Address: "test_boom.a", Type: "test_boom", After: map[string]any{}}},
			wantVerdict: evaluator.VerdictFailed, wantScope: "default",
			want: []brief{{"test-panic", "test_boom.a", "", "fail", true}},
		},
		{
			name:        "a current waiver covers matching addresses only",
			policy:      "version: 1\nwaivers:\n  - id: legacy\n    rule: test-protect\n    address: 'module.legacy.*'\n    reason: migrating\n    owner: data@acme\n    expires: 2026-12-31\n",
			changes:     []evaltest.Change{{Address: `module.legacy.test_db.a["x"]`, ModuleAddress: "module.legacy", Type: "test_db", After: unprotected}, db("test_db.b", unprotected)},
			wantVerdict: evaluator.VerdictFailed, wantScope: "default",
			want: []brief{
				{"test-protect", "test_db.b", "protect", "fail", true},
				{"test-protect", `module.legacy.test_db.a["x"]`, "protect", "waived", false},
				{"test-protect", `module.legacy.test_db.a["x"]`, "retention", "pass", false},
				{"test-protect", "test_db.b", "retention", "pass", false},
			},
		},
		{
			name:        "an expired waiver no longer applies",
			policy:      "version: 1\nwaivers:\n  - id: old\n    rule: test-protect\n    reason: migrating\n    owner: data@acme\n    created: 2026-09-01\n    expires: 2026-11-24\n",
			changes:     []evaltest.Change{db("test_db.a", unprotected)},
			wantVerdict: evaluator.VerdictFailed, wantScope: "default",
			want: []brief{{"test-protect", "test_db.a", "protect", "fail", true}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
		{
			name:        "a waiver limited to another scope does not apply",
			policy:      "version: 1\nscopes:\n  - name: prod\n    match: {workspace: prod}\n  - name: other\nwaivers:\n  - rule: test-protect\n    scope: prod\n    reason: r\n    owner: o\n    expires: 2026-12-01\n",
			run:         evaluator.RunContext{Workspace: "staging"},
			changes:     []evaltest.Change{db("test_db.a", unprotected)},
			wantVerdict: evaluator.VerdictFailed, wantScope: "other",
			want: []brief{{"test-protect", "test_db.a", "protect", "fail", true}, {"test-protect", "test_db.a", "retention", "pass", false}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := compile(t, tc.policy).Evaluate(evaltest.Plan(t, tc.changes...), tc.run, today)
			if rep.Verdict != tc.wantVerdict {
				t.Errorf("verdict %s, want %s (reasons %v)", rep.Verdict, tc.wantVerdict, rep.Reasons)
			}
			if rep.Scope != tc.wantScope {
				t.Errorf("scope %q, want %q", rep.Scope, tc.wantScope)
			}
			if diff := cmp.Diff(tc.want, briefs(rep.Findings)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOneCauseOneFinding: protection switched off gives one blocking finding,
// the lowering, with the state rule's finding kept in Related, and the counts
// see one.
func TestOneCauseOneFinding(t *testing.T) {
	off := evaltest.Change{Address: "test_db.a", Type: "test_db", Actions: []string{"update"},
		Before: map[string]any{"protect": true, "retention": 14}, After: map[string]any{"protect": false, "retention": 14}}
	tests := []struct {
		name        string
		policy      string
		want        []brief
		wantRelated []brief
		wantCounts  evaluator.Counts
	}{
		{
			name:        "the state rule's finding folds into the lowering",
			want:        []brief{{"test-lowered", "test_db.a", "protect", "fail", true}, {"test-protect", "test_db.a", "retention", "pass", false}},
			wantRelated: []brief{{"test-protect", "test_db.a", "protect", "fail", true}},
			wantCounts:  evaluator.Counts{Total: 2, Passed: 1, Failed: 1, Blocking: 1},
		},
		{
			name:   "a blocking finding never folds into an advisory one",
			policy: "version: 1\nrules:\n  test-lowered: {enforce: advisory}\n",
			want: []brief{{"test-protect", "test_db.a", "protect", "fail", true}, {"test-lowered", "test_db.a", "protect", "warn", false},
				{"test-protect", "test_db.a", "retention", "pass", false}},
			wantCounts: evaluator.Counts{Total: 3, Passed: 1, Failed: 1, Warned: 1, Blocking: 1, Advisory: 1},
		},
		{
			name:   "a waived finding stays on its own",
			policy: "version: 1\nwaivers:\n  - rule: test-protect\n    reason: r\n    owner: o\n    expires: 2026-12-01\n",
			want: []brief{{"test-lowered", "test_db.a", "protect", "fail", true}, {"test-protect", "test_db.a", "protect", "waived", false},
				{"test-protect", "test_db.a", "retention", "pass", false}},
			wantCounts: evaluator.Counts{Total: 3, Passed: 1, Failed: 1, Waived: 1, Blocking: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := compile(t, tc.policy).Evaluate(evaltest.Plan(t, off), evaluator.RunContext{}, today)
			if diff := cmp.Diff(tc.want, briefs(rep.Findings)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			var related []evaluator.Finding
			for _, f := range rep.Findings {
				related = append(related, f.Related...)
			}
			if diff := cmp.Diff(tc.wantRelated, briefs(related), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("related (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantCounts, rep.Counts); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLooseningIsSaid: every rule the policy switches off or makes advisory
// is named, with its line, in the report's notes.
func TestLooseningIsSaid(t *testing.T) {
	policy := "version: 1\nrules:\n  test-protect:\n    enforce: advisory\n" +
		"scopes:\n  - name: dev\n    match: {workspace: '*-dev'}\n    rules:\n      test-lowered: false\n  - name: prod\n    rules:\n      test-protect: {enforce: blocking}\n"
	e := compile(t, policy)
	plan := evaltest.Plan(t, db("test_db.a", map[string]any{"protect": true, "retention": 14}))
	for _, tc := range []struct {
		workspace string
		want      []string
	}{
		{"pay-dev", []string{`the policy loosens the standard in scope "dev": it switches off test-lowered (prodgate.yaml:9); it makes advisory test-protect (prodgate.yaml:4)`}},
		{"pay-prod", nil},
	} {
		rep := e.Evaluate(plan, evaluator.RunContext{Workspace: tc.workspace}, today)
		if diff := cmp.Diff(tc.want, rep.Notes); diff != "" {
			t.Errorf("%s: notes (-want +got):\n%s", tc.workspace, diff)
		}
	}
}

func TestWaiverReporting(t *testing.T) {
	policy := "version: 1\nwaivers:\n" +
		"  - id: used\n    rule: test-protect\n    address: test_db.a\n    reason: r\n    owner: alice\n    expires: 2026-12-31\n" +
		"  - id: unused\n    rule: test-protect\n    address: test_db.nothing\n    reason: r\n    owner: bob\n    expires: 2026-12-31\n" +
		"  - id: expired\n    rule: test-protect\n    address: test_db.b\n    reason: r\n    owner: carol\n    created: 2026-10-01\n    expires: 2026-11-01\n"
	rep := compile(t, policy).Evaluate(evaltest.Plan(t,
		db("test_db.a", map[string]any{"protect": false, "retention": 9}),
		db("test_db.b", map[string]any{"protect": false, "retention": 9}),
	), evaluator.RunContext{}, today)
	var waived, expiredNote *evaluator.Finding
	for i, f := range rep.Findings {
		if f.Address == "test_db.a" && f.Attribute == "protect" {
			waived = &rep.Findings[i]
		}
		if f.Address == "test_db.b" && f.Attribute == "protect" {
			expiredNote = &rep.Findings[i]
		}
	}
	if waived == nil || waived.Status != evaluator.StatusWaived || waived.Waiver == nil || waived.Waiver.Owner != "alice" {
		t.Errorf("test_db.a: want waived by alice, got %+v", waived)
	}
	if expiredNote == nil || expiredNote.Status != evaluator.StatusFail || !strings.Contains(expiredNote.Note, "expired on 2026-11-01") {
		t.Errorf("test_db.b: want a failure naming the expired waiver, got %+v", expiredNote)
	}
	got := map[string]bool{}
	for _, w := range rep.UnusedWaivers {
		got[w.ID] = w.Expired
	}
	if diff := cmp.Diff(map[string]bool{"unused": false, "expired": true}, got); diff != "" {
		t.Errorf("unused/expired waivers (-want +got):\n%s", diff)
	}
	if !strings.Contains(rep.UnusedWaivers[0].Where, "prodgate.yaml:") {
		t.Errorf("waiver position %q should name the policy file", rep.UnusedWaivers[0].Where)
	}
}

func TestCompileProblems(t *testing.T) {
	tests := []struct {
		name, policy string
		want         []string
	}{
		{"an unknown rule id suggests the closest", "version: 1\nrules:\n  test-protekt:\n    enabled: true\n",
			[]string{`prodgate.yaml:3: rules.test-protekt: no rule "test-protekt"; did you mean "test-protect"? (` + "`prodgate rules`" + ` lists them)`}},
		{"a parameter of the wrong type", "version: 1\nrules:\n  test-protect:\n    params:\n      min_days: lots\n",
			[]string{`prodgate.yaml:5: rules.test-protect.params.min_days: want a whole number, found "lots"`}},
		{"an unknown parameter lists the known ones", "version: 1\nscopes:\n  - name: p\n    rules:\n      test-protect:\n        params: {days: 3}\n",
			[]string{`prodgate.yaml:6: scopes[0].rules.test-protect.params.days: rule test-protect has no parameter "days" (it takes: min_days)`}},
		{"a waiver longer than max_waiver_days", "version: 1\nmax_waiver_days: 30\nwaivers:\n  - rule: test-protect\n    reason: r\n    owner: o\n    expires: 2027-06-01\n",
			[]string{`prodgate.yaml:7: waivers[0].expires: 2027-06-01 is 188 days after 2026-11-25; waivers may last at most 30 days (max_waiver_days)`}},
		{"a renamed rule says its new id", "version: 1\nrules:\n  test-guard: false\n",
			[]string{`prodgate.yaml:3: rules.test-guard: rule "test-guard" is now "test-protect"; rename it here`}},
		{"a waiver for a rule that does not exist", "version: 1\nwaivers:\n  - rule: nope\n    reason: r\n    owner: o\n    expires: 2026-12-01\n",
			[]string{`prodgate.yaml:3: waivers[0].rule: no rule "nope" (` + "`prodgate rules`" + ` lists them)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := config.Parse("prodgate.yaml", []byte(tc.policy))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			_, err = evaluator.Compile(p, testRegistry(t), today)
			probs, ok := err.(config.Problems)
			if !ok {
				t.Fatalf("want config.Problems, got %v", err)
			}
			var got []string
			for _, p := range probs {
				got = append(got, p.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanFacts(t *testing.T) {
	doc := evaltest.PlanJSON(
		evaltest.Change{Address: "test_db.new", Type: "test_db", After: map[string]any{"protect": true, "retention": 9}},
		evaltest.Change{Address: "test_db.gone", Type: "test_db", Actions: []string{"delete"}, Before: map[string]any{"protect": true}},
		evaltest.Change{Address: "test_db.swap", Type: "test_db", Actions: []string{"delete", "create"}, Before: map[string]any{}, After: map[string]any{"protect": true, "retention": 9}},
	)
	doc["complete"] = false
	doc["errored"] = true
	rep := compile(t, "").Evaluate(evaltest.ParseDoc(t, doc), evaluator.RunContext{}, today)
	want := evaluator.PlanFacts{FormatVersion: "1.2", TerraformVersion: "1.11.0", ResourceChanges: 3, Creates: 1, Deletes: 1, Replaces: 1, Errored: true, Incomplete: true}
	if diff := cmp.Diff(want, rep.Plan); diff != "" {
		t.Errorf("plan facts (-want +got):\n%s", diff)
	}
	if rep.Verdict != evaluator.VerdictFailed || len(rep.Reasons) == 0 || !strings.Contains(rep.Reasons[0], "errored") {
		t.Errorf("an errored plan must fail with the reason said first; got %s %v", rep.Verdict, rep.Reasons)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "incomplete") {
		t.Errorf("an incomplete plan must be said; notes %v", rep.Notes)
	}
}

// TestParallelEvaluationKeepsPlanOrder judges a plan large enough to be split
// across CPUs: findings must come out as a sequential run would order them.
// scripts/test.sh also runs it under the race detector.
func TestParallelEvaluationKeepsPlanOrder(t *testing.T) {
	const n = 5000
	changes := make([]evaltest.Change, n)
	for i := range changes {
		changes[i] = db(fmt.Sprintf("test_db.r%05d", i), map[string]any{"protect": i%3 != 0, "retention": 9})
	}
	rep := compile(t, "").Evaluate(evaltest.Plan(t, changes...), evaluator.RunContext{}, today)
	if len(rep.Findings) != 2*n {
		t.Fatalf("%d findings, want %d", len(rep.Findings), 2*n)
	}
	failed := 0
	for _, f := range rep.Findings {
		if f.Status == evaluator.StatusFail {
			failed++
		}
	}
	if want := (n + 2) / 3; failed != want || rep.Counts.Blocking != want {
		t.Errorf("%d failures (%d blocking), want %d", failed, rep.Counts.Blocking, want)
	}
	// Sorted output groups by status, then address: within the passes the
	// addresses must be strictly increasing.
	last := ""
	for _, f := range rep.Findings {
		if f.Status != evaluator.StatusPass || f.Attribute != "protect" {
			continue
		}
		if f.Address <= last {
			t.Fatalf("findings out of order: %s after %s", f.Address, last)
		}
		last = f.Address
	}
}
