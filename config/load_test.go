package config_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prodgate/prodgate/config"
)

func TestStarterPolicyParses(t *testing.T) {
	p, err := config.Parse("prodgate.yaml", config.Starter)
	if err != nil {
		t.Fatalf("the starter policy `prodgate init` writes must be valid: %v", err)
	}
	if len(p.Scopes) != 2 || p.Scopes[0].Name != "production" || p.Scopes[1].Enforce != "advisory" {
		t.Errorf("unexpected scopes %+v", p.Scopes)
	}
	if got := p.Scopes[0].Rules["aws-rds-backup-retention"].Params["min_days"].Value; got != int64(14) {
		t.Errorf("production min_days = %v, want 14", got)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"an empty file", "", []string{"prodgate.yaml: the policy file is empty; run `prodgate init` for a starter file"}},
		{"invalid YAML names the line", "version: 1\nrules: [\n", []string{"prodgate.yaml:2: invalid YAML: did not find expected node content"}},
		{"a missing version", "standard: x\n", []string{"prodgate.yaml:1: version: missing; add `version: 1` at the top"}},
		{"a future version", "version: 2\n", []string{"prodgate.yaml:1: version: version 2 is not supported by this prodgate (it reads version 1)"}},
		{"an unknown top-level key lists the known ones", "version: 1\nfail-on: high\n", []string{
			`prodgate.yaml:2: fail-on: unknown field "fail-on" (known: custom_rules, fail_on, max_waiver_days, rules, scopes, standard, unknown, version, waivers)`}},
		{"a bad enum", "version: 1\nfail_on: hgh\n", []string{`prodgate.yaml:2: fail_on: "hgh" is not one of critical, high, medium, low`}},
		{"a scope without a name", "version: 1\nscopes:\n  - match: {workspace: x}\n", []string{
			"prodgate.yaml:3: scopes[0].name: every scope needs a name (it is shown in every result)"}},
		{"a bad match key", "version: 1\nscopes:\n  - name: p\n    match: {workpace: x}\n", []string{
			`prodgate.yaml:4: scopes[0].match.workpace: unknown field "workpace" (known: directory, organization, project, workspace)`}},
		{"a waiver without owner, reason or expiry", "version: 1\nwaivers:\n  - rule: aws-rds-deletion-protection\n", []string{
			"prodgate.yaml:3: waivers[0].reason: required: why the exception is acceptable",
			"prodgate.yaml:3: waivers[0].owner: required: who answers for it",
			"prodgate.yaml:3: waivers[0].expires: required: every waiver ends (YYYY-MM-DD); renew it deliberately"}},
		{"a waiver with a bad date", "version: 1\nwaivers:\n  - rule: r\n    reason: x\n    owner: o\n    expires: 31/12/2026\n", []string{
			`prodgate.yaml:6: waivers[0].expires: "31/12/2026" is not a date in the form YYYY-MM-DD`}},
		{"a waiver naming a scope that does not exist", "version: 1\nwaivers:\n  - rule: r\n    reason: x\n    owner: o\n    expires: 2026-12-01\n    scope: prod\n", []string{
			`prodgate.yaml:7: waivers[0].scope: no scope is named "prod"`}},
		{"a custom rule without condition", "version: 1\ncustom_rules:\n  - id: a\n    title: t\n    severity: low\n    resource_types: [x]\n", []string{
			"prodgate.yaml:3: custom_rules[0].condition: required"}},
		{"a rule's enforce takes blocking or advisory", "version: 1\nrules:\n  r:\n    enforce: mandatory\n", []string{
			`prodgate.yaml:4: rules.r.enforce: "mandatory" is not one of blocking, advisory: a rule is blocking or advisory; mandatory is for a scope's enforce`}},
		{"a scope's enforce takes mandatory or advisory", "version: 1\nscopes:\n  - name: p\n    enforce: blocking\n", []string{
			`prodgate.yaml:4: scopes[0].enforce: "blocking" is not one of mandatory, advisory: a scope is mandatory or advisory; blocking is for a rule's enforce (rules: <id>: {enforce: blocking})`}},
		{"a custom rule's enforce", "version: 1\ncustom_rules:\n  - id: a\n    title: t\n    severity: low\n    enforce: soft\n    resource_types: [x]\n    condition: 'true'\n", []string{
			`prodgate.yaml:6: custom_rules[0].enforce: "soft" is not one of blocking, advisory`}},
		{"a param that is a float", "version: 1\nrules:\n  r:\n    params: {min_days: 1.5}\n", []string{
			`prodgate.yaml:4: rules.r.params.min_days: "1.5": parameters take whole numbers`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("prodgate.yaml", []byte(tc.yaml))
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

func TestLoadMissingFile(t *testing.T) {
	_, err := config.Load("testdata/does-not-exist.yaml")
	if err == nil || !strings.Contains(err.Error(), "testdata/does-not-exist.yaml: policy file not found") {
		t.Fatalf("got %v", err)
	}
}
