package evaluator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/types"
	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// celCostLimit bounds the work one condition may do on one resource, so a
// team rule that loops over a huge list cannot stall the gate.
const celCostLimit = 1_000_000

// celRule is a team-written rule from the policy's custom_rules. It behaves as
// any other Rule; its condition must be true for a compliant resource.
type celRule struct {
	meta    RuleMeta
	types   []string
	actions []string
	message string
	program cel.Program
}

func newCELEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("before", cel.DynType),
		cel.Variable("after", cel.DynType),
		cel.Variable("actions", cel.ListType(cel.StringType)),
		cel.Variable("address", cel.StringType),
		cel.Variable("type", cel.StringType),
	)
}

// compileCELRule compiles a custom rule once, at policy load. Compile errors
// name the policy file and the line of the condition, with cel-go's caret.
func compileCELRule(env *cel.Env, file string, index int, cr config.CustomRule) (*celRule, config.Problems) {
	field := fmt.Sprintf("custom_rules[%d]", index)
	var probs config.Problems
	sev, err := ParseSeverity(cr.Severity)
	if err != nil {
		probs = append(probs, config.Problem{File: file, Line: cr.Lines["severity"], Field: field + ".severity", Msg: err.Error()})
	}
	enforcement := EnforceBlocking
	if cr.Enforce != "" {
		if enforcement, err = ParseEnforcement(cr.Enforce); err != nil {
			probs = append(probs, config.Problem{File: file, Line: cr.Lines["enforce"], Field: field + ".enforce", Msg: err.Error()})
		}
	}
	if !ruleIDPattern.MatchString(cr.ID) {
		probs = append(probs, config.Problem{File: file, Line: cr.Lines["id"], Field: field + ".id", Msg: fmt.Sprintf("%q: want lowercase words joined by dashes", cr.ID)})
	}
	src := common.NewStringSource(cr.Condition, file)
	ast, iss := env.CompileSource(src)
	if iss != nil && iss.Err() != nil {
		for _, e := range iss.Errors() {
			// cel-go's display is "ERROR: <src>:<line>:<col>: <message>" followed by
			// the source line and a caret; keep the message and the caret lines.
			_, caret, _ := strings.Cut(e.ToDisplayString(src), "\n")
			msg := fmt.Sprintf("column %d: %s", e.Location.Column()+1, e.Message)
			if caret != "" {
				msg += "\n" + caret
			}
			probs = append(probs, config.Problem{
				File: file, Line: cr.ConditionLine + e.Location.Line() - 1, Field: field + ".condition", Msg: msg,
			})
		}
		return nil, probs
	}
	if out := ast.OutputType(); out != cel.BoolType && out != cel.DynType {
		probs = append(probs, config.Problem{File: file, Line: cr.ConditionLine, Field: field + ".condition",
			Msg: fmt.Sprintf("must be a true/false expression, but it gives %s", out)})
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptPartialEval, cel.OptTrackCost), cel.CostLimit(celCostLimit))
	if err != nil {
		probs = append(probs, config.Problem{File: file, Line: cr.ConditionLine, Field: field + ".condition", Msg: err.Error()})
	}
	if len(probs) > 0 {
		return nil, probs
	}
	msg := cr.Message
	if msg == "" {
		msg = cr.Title
	}
	return &celRule{
		meta: RuleMeta{
			ID: cr.ID, Title: cr.Title, Severity: sev, Category: "custom", Provider: "any",
			ResourceTypes: []string{"*"}, Enforcement: enforcement,
			Doc: RuleDoc{
				Summary:     fmt.Sprintf("Team-written rule from %s:%d.", file, cr.Line),
				Pass:        "the condition is true: " + cr.Condition,
				Fail:        "the condition is false, or cannot be evaluated (for example a missing attribute without has())",
				Unknown:     "the condition depends on a value known only after apply",
				Remediation: cr.Remediation,
			},
		},
		types: cr.ResourceTypes, actions: cr.Actions, message: msg, program: prg,
	}, nil
}

func (r *celRule) Meta() RuleMeta { return r.meta }

func (r *celRule) appliesTo(res *tfplan.Resource) bool {
	typeOK := false
	for _, t := range r.types {
		if globMatch(t, res.Type) {
			typeOK = true
			break
		}
	}
	if !typeOK {
		return false
	}
	if len(r.actions) == 0 {
		return res.Exists()
	}
	a := res.Actions()
	for _, want := range r.actions {
		switch want {
		case "create":
			if a.Create() {
				return true
			}
		case "update":
			if a.Update() {
				return true
			}
		case "delete":
			if a.Delete() {
				return true
			}
		case "replace":
			if a.Replace() {
				return true
			}
		case "no-op":
			if a.NoOp() || len(a) == 0 {
				return true
			}
		case "forget":
			if res.Forgets() {
				return true
			}
		}
	}
	return false
}

func (r *celRule) Check(c *Context, res *tfplan.Resource) []Finding {
	if !r.appliesTo(res) {
		return nil
	}
	actions := make([]string, len(res.Actions()))
	for i, a := range res.Actions() {
		actions[i] = string(a)
	}
	vars := map[string]any{
		"before":  orEmptyMap(res.DecodeBefore()),
		"after":   orEmptyMap(res.DecodeAfter()),
		"actions": actions,
		"address": res.Address,
		"type":    res.Type,
	}
	// Values known only after apply become CEL unknowns, never null, so a
	// condition that depends on them yields unknown instead of a guess.
	activation, err := cel.PartialVars(vars, unknownPatterns(res.DecodeAfterUnknown())...)
	if err != nil {
		return []Finding{c.Fail(res, "", "custom rule could not be evaluated: "+err.Error(), "condition true", "error")}
	}
	out, _, err := r.program.ContextEval(context.Background(), activation)
	switch {
	case err != nil:
		msg := err.Error()
		switch {
		case strings.Contains(msg, "cost limit") || errors.Is(err, context.DeadlineExceeded):
			msg = "the condition exceeded its evaluation budget"
		case res.HoldsSensitive():
			// CEL's errors quote the values they met (a sensitive string
			// used as a regular expression showed in full), so the error of
			// a resource with sensitive values is not shown.
			msg = "the error is not shown, as it may quote one of this resource's sensitive values"
		}
		return []Finding{c.Fail(res, "", "custom rule could not be evaluated: "+msg+"; the gate fails closed", "condition true", "error")}
	case types.IsUnknown(out):
		return []Finding{c.UnknownBecause(res, "", r.message+": depends on values known only after apply", "condition true")}
	}
	ok, isBool := out.Value().(bool)
	switch {
	case !isBool:
		return []Finding{c.Fail(res, "", fmt.Sprintf("custom rule condition gave %s, not true/false; the gate fails closed", out.Type()), "condition true", "not a boolean")}
	case ok:
		return []Finding{c.Pass(res, "", r.message)}
	}
	return []Finding{c.Fail(res, "", r.message, "condition true", "condition false")}
}

func orEmptyMap(v any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}

// maxUnknownSteps bounds the path steps of the CEL unknown patterns made for
// one resource. Each unknown value becomes a pattern holding its whole path,
// so an after_unknown tree of many marks deep down (a million true leaves
// under 500 levels, in 20 MB) would cost hundreds of millions of steps. Real
// resources have tens of unknown values a few levels deep; past the bound
// the whole planned object is unknown, which is what the marks say in bulk.
const maxUnknownSteps = 1 << 16

// unknownPatterns turns an after_unknown tree into CEL attribute patterns, or
// one pattern covering all of "after" when the tree is too large to follow.
func unknownPatterns(unknown any) []*cel.AttributePatternType {
	var out []*cel.AttributePatternType
	budget := maxUnknownSteps
	if !collectUnknownPatterns(unknown, nil, &out, &budget) {
		return []*cel.AttributePatternType{cel.AttributePattern("after")}
	}
	return out
}

// collectUnknownPatterns adds a pattern for each true mark of unknown below
// path, spending the steps of each pattern from budget; false means the
// budget ran out. path is one stack shared by the whole walk (a pattern copies
// it when made), so marks that are false cost nothing per level. It recurses
// once per level of the tree, which the scanner has bounded by MaxPlanDepth.
func collectUnknownPatterns(unknown any, path []any, out *[]*cel.AttributePatternType, budget *int) bool {
	switch t := unknown.(type) {
	case bool:
		if t {
			*budget -= len(path) + 1
			if *budget < 0 {
				return false
			}
			p := cel.AttributePattern("after")
			for _, step := range path {
				switch s := step.(type) {
				case string:
					p = p.QualString(s)
				case int64:
					p = p.QualInt(s)
				}
			}
			*out = append(*out, p)
		}
	case map[string]any:
		for k, v := range t {
			if !collectUnknownPatterns(v, append(path, k), out, budget) {
				return false
			}
		}
	case []any:
		for i, v := range t {
			if !collectUnknownPatterns(v, append(path, int64(i)), out, budget) {
				return false
			}
		}
	}
	return true
}
