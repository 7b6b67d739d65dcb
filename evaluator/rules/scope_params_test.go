package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// TestThresholdsDifferByScope demonstrates issue 5's promise through the real
// engine and the real built-in registry: thresholds are params whose defaults
// cite their source, and one policy can set them differently per environment
// scope. The same plan (an RDS instance keeping 7 days of backups) fails in
// production (14 days required), passes in development (1 day required) and
// passes the built-in default (7 days, AWS FSBP RDS.11).
func TestThresholdsDifferByScope(t *testing.T) {
	const rule = "aws-rds-backup-retention"
	const addr = "aws_db_instance.orders"
	const policy = `version: 1
scopes:
  - name: prod
    environment: production
    match: {workspace: "*-prod"}
    rules:
      aws-rds-backup-retention:
        params: {min_days: 14}
  - name: dev
    environment: development
    match: {workspace: "*-dev"}
    rules:
      aws-rds-backup-retention:
        params: {min_days: 1}
`
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	plan := func(t *testing.T) *tfplan.Plan {
		return evaltest.Plan(t, evaltest.Change{Address: addr, Type: "aws_db_instance",
			After: map[string]any{"backup_retention_period": 7, "deletion_protection": true, "skip_final_snapshot": false,
				"final_snapshot_identifier": "orders-final", "storage_encrypted": true}})
	}
	compile := func(t *testing.T, p *config.Policy) *evaluator.Engine {
		e, err := evaluator.Compile(p, Registry(), now)
		if err != nil {
			t.Fatalf("compile: %v", err)
		}
		return e
	}
	parsed, err := config.Parse("prodgate.yaml", []byte(policy))
	if err != nil {
		t.Fatalf("parse policy: %v", err)
	}

	// The fields compared: the rule's verdict on this resource and whether it
	// blocks the gate. Other rules' findings on the same plan are not this
	// test's concern (the library grows), so they are filtered out.
	type outcome struct {
		Scope              string
		Status             evaluator.Status
		Blocking           bool
		Message            string
		Expected, Actual   string
		FindingsOfThisRule int
	}
	judge := func(t *testing.T, e *evaluator.Engine, workspace string) outcome {
		rep := e.Evaluate(plan(t), evaluator.RunContext{Workspace: workspace}, now)
		o := outcome{Scope: rep.Scope}
		for _, f := range rep.Findings {
			if f.RuleID != rule || f.Address != addr {
				continue
			}
			o.FindingsOfThisRule++
			o.Status, o.Blocking, o.Message, o.Expected, o.Actual = f.Status, f.Blocking, f.Message, f.Expected, f.Actual
		}
		return o
	}

	for _, tc := range []struct {
		name      string
		policy    *config.Policy
		workspace string
		want      outcome
	}{
		{
			name: "production requires 14 days, so 7 fails and blocks", policy: parsed, workspace: "orders-prod",
			want: outcome{Scope: "prod", Status: evaluator.StatusFail, Blocking: true,
				Message:  "backup_retention_period is 7, below the minimum of 14",
				Expected: ">= 14", Actual: "7", FindingsOfThisRule: 1},
		},
		{
			name: "development requires 1 day, so the same plan passes", policy: parsed, workspace: "orders-dev",
			want: outcome{Scope: "dev", Status: evaluator.StatusPass, Message: "backup_retention_period is 7", FindingsOfThisRule: 1},
		},
		{
			name: "a workspace no scope matches keeps the built-in 7 days", policy: parsed, workspace: "orders-sandbox",
			want: outcome{Scope: "default", Status: evaluator.StatusPass, Message: "backup_retention_period is 7", FindingsOfThisRule: 1},
		},
		{
			name: "without a policy file the built-in 7 days apply", policy: config.Default(), workspace: "orders-prod",
			want: outcome{Scope: "default", Status: evaluator.StatusPass, Message: "backup_retention_period is 7", FindingsOfThisRule: 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, judge(t, compile(t, tc.policy), tc.workspace)); diff != "" {
				t.Errorf("outcome mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("the default of 7 days cites AWS FSBP RDS.11", func(t *testing.T) {
		r, ok := Registry().Lookup(rule)
		if !ok {
			t.Fatalf("%s is not registered", rule)
		}
		var spec *evaluator.ParamSpec
		for i, p := range r.Meta().Params {
			if p.Name == "min_days" {
				spec = &r.Meta().Params[i]
			}
		}
		if spec == nil {
			t.Fatal("min_days is not a parameter")
		}
		if spec.Default != int64(7) {
			t.Errorf("min_days default = %#v, want 7", spec.Default)
		}
		if !strings.Contains(spec.Source, "RDS.11") {
			t.Errorf("min_days Source %q does not cite AWS FSBP RDS.11", spec.Source)
		}
	})

	t.Run("one day less than the default fails without a policy", func(t *testing.T) {
		rep := compile(t, config.Default()).Evaluate(evaltest.Plan(t, evaltest.Change{Address: addr, Type: "aws_db_instance",
			After: map[string]any{"backup_retention_period": 6}}), evaluator.RunContext{}, now)
		for _, f := range rep.Findings {
			if f.RuleID == rule {
				if f.Status != evaluator.StatusFail || !f.Blocking || f.Expected != ">= 7" {
					t.Errorf("got %s (blocking %v, expected %q), want a blocking fail expecting >= 7", f.Status, f.Blocking, f.Expected)
				}
				return
			}
		}
		t.Errorf("no %s finding", rule)
	})
}
