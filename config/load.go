package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load reads and parses a policy file.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, Problems{{File: path, Msg: "policy file not found"}}
		}
		return nil, fmt.Errorf("read policy %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse reads a policy from data; file names it in problems. Enums, required
// fields, types and dates are checked here; rule ids, parameters and CEL are
// checked by the evaluator, which knows the rules. When the YAML itself is
// readable, the policy is returned along with any Problems, so callers can
// collect the evaluator's problems too and report everything at once.
func Parse(file string, data []byte) (*Policy, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Problems{{File: file, Msg: "the policy file is empty; run `prodgate init` for a starter file"}}
		}
		return nil, Problems{yamlProblem(file, err)}
	}
	d := &decoder{file: file}
	p := Default()
	p.File = file
	p.Version = 0
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	d.policy(doc, p)
	if p.Version == 0 && len(d.problems) == 0 {
		d.add(doc, "version", fmt.Sprintf("missing; add `version: %d` at the top", CurrentVersion))
	}
	return p, d.problems.Err()
}

func yamlProblem(file string, err error) Problem {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, after, found := strings.Cut(rest, ":")
		if n, err := strconv.Atoi(num); err == nil && found {
			line, msg = n, strings.TrimSpace(after)
		}
	}
	return Problem{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

type decoder struct {
	file     string
	problems Problems
}

func (d *decoder) add(n *yaml.Node, field, msg string) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Field: field, Msg: msg})
}

// fields walks a mapping node, calling the handler registered for each key and
// reporting unknown keys with the list of known ones. It returns key → line.
func (d *decoder) fields(n *yaml.Node, path string, handlers map[string]func(v *yaml.Node, field string)) map[string]int {
	if n.Kind != yaml.MappingNode {
		d.add(n, path, "want a mapping of keys to values, found "+kindName(n))
		return nil
	}
	lines := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := joinField(path, k.Value)
		if _, dup := lines[k.Value]; dup {
			d.add(k, field, "set twice")
			continue
		}
		lines[k.Value] = k.Line
		h, ok := handlers[k.Value]
		if !ok {
			d.add(k, field, fmt.Sprintf("unknown field %q (known: %s)", k.Value, knownKeys(handlers)))
			continue
		}
		h(v, field)
	}
	return lines
}

func joinField(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func knownKeys(handlers map[string]func(*yaml.Node, string)) string {
	keys := make([]string, 0, len(handlers))
	for k := range handlers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing (null)"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

func (d *decoder) str(dst *string) func(*yaml.Node, string) {
	return func(v *yaml.Node, field string) {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			d.add(v, field, "want a text value, found "+kindName(v))
			return
		}
		*dst = v.Value
	}
}

func (d *decoder) enum(dst *string, allowed ...string) func(*yaml.Node, string) {
	return func(v *yaml.Node, field string) {
		var s string
		d.str(&s)(v, field)
		for _, a := range allowed {
			if s == a {
				*dst = s
				return
			}
		}
		if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
			d.add(v, field, fmt.Sprintf("%q is not one of %s", s, strings.Join(allowed, ", ")))
		}
	}
}

// enforcement reads a rule's enforce (blocking|advisory) or a scope's
// (mandatory|advisory); the two words sets are easy to mix up, so the other
// set's word gets a hint.
func (d *decoder) enforcement(dst *string, forScope bool) func(*yaml.Node, string) {
	allowed, other, hint := []string{"blocking", "advisory"}, "mandatory",
		"a rule is blocking or advisory; mandatory is for a scope's enforce"
	if forScope {
		allowed, other, hint = []string{"mandatory", "advisory"}, "blocking",
			"a scope is mandatory or advisory; blocking is for a rule's enforce (rules: <id>: {enforce: blocking})"
	}
	return func(v *yaml.Node, field string) {
		if v.Kind == yaml.ScalarNode && v.Value == other {
			d.add(v, field, fmt.Sprintf("%q is not one of %s: %s", v.Value, strings.Join(allowed, ", "), hint))
			return
		}
		d.enum(dst, allowed...)(v, field)
	}
}

func (d *decoder) integer(dst *int) func(*yaml.Node, string) {
	return func(v *yaml.Node, field string) {
		if v.Kind != yaml.ScalarNode || v.Tag != "!!int" {
			d.add(v, field, "want a whole number, found "+kindName(v))
			return
		}
		n, err := strconv.Atoi(v.Value)
		if err != nil {
			d.add(v, field, "want a whole number, found "+kindName(v))
			return
		}
		*dst = n
	}
}

func (d *decoder) boolean(dst **bool) func(*yaml.Node, string) {
	return func(v *yaml.Node, field string) {
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
			d.add(v, field, "want true or false, found "+kindName(v))
			return
		}
		b := v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
		*dst = &b
	}
}

func (d *decoder) strList(dst *[]string) func(*yaml.Node, string) {
	return func(v *yaml.Node, field string) {
		if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
			*dst = []string{v.Value}
			return
		}
		if v.Kind != yaml.SequenceNode {
			d.add(v, field, "want a list of text values, found "+kindName(v))
			return
		}
		for i, item := range v.Content {
			var s string
			d.str(&s)(item, fmt.Sprintf("%s[%d]", field, i))
			*dst = append(*dst, s)
		}
	}
}

func (d *decoder) date(dst *time.Time) func(*yaml.Node, string) {
	return func(v *yaml.Node, field string) {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			d.add(v, field, "want a date YYYY-MM-DD, found "+kindName(v))
			return
		}
		t, err := time.Parse("2006-01-02", v.Value)
		if err != nil {
			d.add(v, field, fmt.Sprintf("%q is not a date in the form YYYY-MM-DD", v.Value))
			return
		}
		*dst = t
	}
}

func (d *decoder) policy(n *yaml.Node, p *Policy) {
	p.Lines = d.fields(n, "", map[string]func(*yaml.Node, string){
		"version": func(v *yaml.Node, field string) {
			d.integer(&p.Version)(v, field)
			if p.Version != 0 && p.Version != CurrentVersion {
				d.add(v, field, fmt.Sprintf("version %d is not supported by this prodgate (it reads version %d)", p.Version, CurrentVersion))
			}
		},
		"standard":        d.str(&p.Standard),
		"fail_on":         d.enum(&p.FailOn, "critical", "high", "medium", "low"),
		"unknown":         d.enum(&p.Unknown, "fail", "warn", "pass"),
		"max_waiver_days": d.positive(&p.MaxWaiverDays),
		"rules":           func(v *yaml.Node, field string) { p.Rules = d.ruleMap(v, field) },
		"scopes":          func(v *yaml.Node, field string) { p.Scopes = d.scopes(v, field) },
		"waivers":         func(v *yaml.Node, field string) { p.Waivers = d.waivers(v, field) },
		"custom_rules":    func(v *yaml.Node, field string) { p.CustomRules = d.customRules(v, field) },
	})
	d.checkScopeNames(p)
}

func (d *decoder) positive(dst *int) func(*yaml.Node, string) {
	return func(v *yaml.Node, field string) {
		d.integer(dst)(v, field)
		if *dst < 1 && v.Tag == "!!int" {
			d.add(v, field, "must be at least 1")
		}
	}
}

func (d *decoder) ruleMap(n *yaml.Node, path string) map[string]RuleSettings {
	if n.Kind != yaml.MappingNode {
		d.add(n, path, "want a mapping of rule id to settings, found "+kindName(n))
		return nil
	}
	out := make(map[string]RuleSettings, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := path + "." + k.Value
		if _, dup := out[k.Value]; dup {
			d.add(k, field, "rule configured twice")
			continue
		}
		rs := RuleSettings{Line: k.Line}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
			// Short form: `aws-rds-multi-az: false` turns a rule off.
			d.boolean(&rs.Enabled)(v, field)
			out[k.Value] = rs
			continue
		}
		rs.Lines = d.fields(v, field, map[string]func(*yaml.Node, string){
			"enabled":  d.boolean(&rs.Enabled),
			"severity": d.enum(&rs.Severity, "critical", "high", "medium", "low", "info"),
			"enforce":  d.enforcement(&rs.Enforce, false),
			"unknown":  d.enum(&rs.Unknown, "fail", "warn", "pass"),
			"params":   func(v *yaml.Node, field string) { rs.Params = d.params(v, field) },
		})
		out[k.Value] = rs
	}
	return out
}

func (d *decoder) params(n *yaml.Node, path string) map[string]Param {
	if n.Kind != yaml.MappingNode {
		d.add(n, path, "want a mapping of parameter names to values, found "+kindName(n))
		return nil
	}
	out := make(map[string]Param, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := path + "." + k.Value
		val, err := scalarValue(v)
		if err != nil {
			d.add(v, field, err.Error())
			continue
		}
		out[k.Value] = Param{Value: val, Line: v.Line}
	}
	return out
}

// scalarValue reads a parameter: a number, a boolean, a text or a list of texts.
func scalarValue(v *yaml.Node) (any, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		switch v.Tag {
		case "!!int":
			n, err := strconv.ParseInt(v.Value, 0, 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a whole number", v.Value)
			}
			return n, nil
		case "!!bool":
			var b bool
			if err := v.Decode(&b); err != nil {
				return nil, err
			}
			return b, nil
		case "!!null":
			return nil, errors.New("a parameter needs a value")
		case "!!float":
			return nil, fmt.Errorf("%q: parameters take whole numbers", v.Value)
		}
		return v.Value, nil
	case yaml.SequenceNode:
		list := make([]string, 0, len(v.Content))
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, errors.New("a list parameter holds text values only")
			}
			list = append(list, item.Value)
		}
		return list, nil
	}
	return nil, fmt.Errorf("want a number, true/false, text or a list of texts, found %s", kindName(v))
}

func (d *decoder) match(n *yaml.Node, path string) Match {
	m := Match{Line: n.Line}
	d.fields(n, path, map[string]func(*yaml.Node, string){
		"workspace":    d.str(&m.Workspace),
		"organization": d.str(&m.Organization),
		"project":      d.str(&m.Project),
		"directory":    d.str(&m.Directory),
	})
	return m
}

func (d *decoder) list(n *yaml.Node, path, what string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		d.add(n, path, fmt.Sprintf("want a list of %s, found %s", what, kindName(n)))
		return nil
	}
	return n.Content
}

func (d *decoder) scopes(n *yaml.Node, path string) []Scope {
	var out []Scope
	for i, item := range d.list(n, path, "scopes") {
		field := fmt.Sprintf("%s[%d]", path, i)
		s := Scope{Line: item.Line}
		s.Lines = d.fields(item, field, map[string]func(*yaml.Node, string){
			"name":        d.str(&s.Name),
			"match":       func(v *yaml.Node, f string) { s.Match = d.match(v, f) },
			"environment": d.str(&s.Environment),
			"enforce":     d.enforcement(&s.Enforce, true),
			"fail_on":     d.enum(&s.FailOn, "critical", "high", "medium", "low"),
			"unknown":     d.enum(&s.Unknown, "fail", "warn", "pass"),
			"rules":       func(v *yaml.Node, f string) { s.Rules = d.ruleMap(v, f) },
		})
		if s.Lines != nil && s.Name == "" {
			d.add(item, field+".name", "every scope needs a name (it is shown in every result)")
		}
		out = append(out, s)
	}
	return out
}

func (d *decoder) checkScopeNames(p *Policy) {
	seen := map[string]bool{}
	for i, s := range p.Scopes {
		if s.Name == "" {
			continue
		}
		if seen[s.Name] {
			d.add(&yaml.Node{Line: s.Line}, fmt.Sprintf("scopes[%d].name", i), fmt.Sprintf("scope name %q used twice", s.Name))
		}
		seen[s.Name] = true
	}
	for i, w := range p.Waivers {
		if w.Scope != "" && !seen[w.Scope] {
			d.add(&yaml.Node{Line: w.Lines["scope"]}, fmt.Sprintf("waivers[%d].scope", i), fmt.Sprintf("no scope is named %q", w.Scope))
		}
	}
}

func (d *decoder) waivers(n *yaml.Node, path string) []Waiver {
	var out []Waiver
	ids := map[string]bool{}
	for i, item := range d.list(n, path, "waivers") {
		field := fmt.Sprintf("%s[%d]", path, i)
		w := Waiver{Line: item.Line}
		w.Lines = d.fields(item, field, map[string]func(*yaml.Node, string){
			"id":      d.str(&w.ID),
			"rule":    d.str(&w.Rule),
			"address": d.str(&w.Address),
			"scope":   d.str(&w.Scope),
			"match": func(v *yaml.Node, f string) {
				m := d.match(v, f)
				w.Match = &m
			},
			"reason":  d.str(&w.Reason),
			"owner":   d.str(&w.Owner),
			"expires": d.date(&w.Expires),
			"created": d.date(&w.Created),
		})
		if w.Lines == nil {
			continue
		}
		for _, req := range []struct{ name, value, why string }{
			{"rule", w.Rule, "the rule id it exempts"},
			{"reason", w.Reason, "why the exception is acceptable"},
			{"owner", w.Owner, "who answers for it"},
		} {
			if strings.TrimSpace(req.value) == "" {
				d.add(item, field+"."+req.name, "required: "+req.why)
			}
		}
		if _, ok := w.Lines["expires"]; !ok {
			d.add(item, field+".expires", "required: every waiver ends (YYYY-MM-DD); renew it deliberately")
		}
		if w.Scope != "" && w.Match != nil {
			d.add(item, field, "give either scope or match, not both")
		}
		if !w.Created.IsZero() && !w.Expires.IsZero() && w.Expires.Before(w.Created) {
			d.add(item, field+".expires", "is before created")
		}
		if w.ID == "" {
			w.ID = fmt.Sprintf("%s[%d]", path, i)
		} else if ids[w.ID] {
			d.add(item, field+".id", fmt.Sprintf("waiver id %q used twice", w.ID))
		}
		ids[w.ID] = true
		out = append(out, w)
	}
	return out
}

func (d *decoder) customRules(n *yaml.Node, path string) []CustomRule {
	var out []CustomRule
	for i, item := range d.list(n, path, "custom rules") {
		field := fmt.Sprintf("%s[%d]", path, i)
		cr := CustomRule{Line: item.Line}
		cr.Lines = d.fields(item, field, map[string]func(*yaml.Node, string){
			"id":             d.str(&cr.ID),
			"title":          d.str(&cr.Title),
			"severity":       d.enum(&cr.Severity, "critical", "high", "medium", "low", "info"),
			"enforce":        d.enforcement(&cr.Enforce, false),
			"resource_types": d.strList(&cr.ResourceTypes),
			"actions":        d.strList(&cr.Actions),
			"condition": func(v *yaml.Node, f string) {
				d.str(&cr.Condition)(v, f)
				cr.ConditionLine = v.Line
				if v.Style == yaml.LiteralStyle || v.Style == yaml.FoldedStyle {
					cr.ConditionLine = v.Line + 1 // block scalars start on the next line
				}
			},
			"message":     d.str(&cr.Message),
			"remediation": d.str(&cr.Remediation),
		})
		if cr.Lines == nil {
			continue
		}
		for _, req := range []struct{ name, value string }{
			{"id", cr.ID}, {"title", cr.Title}, {"severity", cr.Severity}, {"condition", cr.Condition},
		} {
			if strings.TrimSpace(req.value) == "" {
				d.add(item, field+"."+req.name, "required")
			}
		}
		if len(cr.ResourceTypes) == 0 {
			d.add(item, field+".resource_types", "required: which resource types (globs such as aws_db_*) the rule checks")
		}
		for j, a := range cr.Actions {
			switch a {
			case "create", "update", "delete", "replace", "no-op", "forget":
			default:
				d.add(item, fmt.Sprintf("%s.actions[%d]", field, j), fmt.Sprintf("%q is not one of create, update, delete, replace, no-op, forget", a))
			}
		}
		out = append(out, cr)
	}
	return out
}
