package config_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
)

// FuzzLoadPolicy feeds arbitrary bytes to policy loading as `prodgate check`
// does it: config.Parse, then evaluator.Compile (rule ids, parameters, scopes,
// waivers, CEL). Whatever the file holds, loading must not panic or hang, and
// a refusal must be config.Problems naming the file, so the user is told what
// to fix and where (the CLI exits 2, the service refuses to start).
func FuzzLoadPolicy(f *testing.F) {
	for _, file := range []string{"starter.yaml", "../examples/prodgate.yaml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		"version: 1\n",
		"version: 1\nfail_on: high\nunknown: warn\n",
		"version: 1\nrules:\n  aws-rds-backup-retention:\n    params:\n      min_days: 14\n  aws-s3-versioning:\n    enabled: false\n",
		"version: 1\nscopes:\n  - name: prod\n    match:\n      workspaces: ['*-prod']\n    enforce: mandatory\n  - name: dev\n    match:\n      workspaces: ['*-dev']\n    enforce: advisory\n",
		"version: 1\nwaivers:\n  - rule: aws-rds-deletion-protection\n    address: aws_db_instance.x\n    reason: migration\n    expires: 2030-01-01\n",
		"version: 1\ncustom_rules:\n  - id: acme-x\n    title: x\n    severity: low\n    resource_types: ['*']\n    condition: has(after.tags) && 'owner' in after.tags\n",
		"version: 1\ncustom_rules:\n  - id: acme-y\n    title: y\n    severity: high\n    resource_types: [aws_db_instance]\n    actions: [delete, replace]\n    condition: |\n      after.size >\n",
		"a: &a [*a, *a]\n",
		"version: [1\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	reg := rules.Registry()
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := config.Parse("prodgate.yaml", data)
		if err != nil {
			checkProblems(t, err)
		}
		if p == nil {
			if err == nil {
				t.Fatal("no policy and no error")
			}
			return
		}
		if _, err := evaluator.Compile(p, reg, now); err != nil {
			checkProblems(t, err)
		}
	})
}

// checkProblems fails unless err is config.Problems, each naming the file.
func checkProblems(t *testing.T, err error) {
	t.Helper()
	var probs config.Problems
	if !errors.As(err, &probs) {
		t.Fatalf("error %T is not config.Problems: %v", err, err)
	}
	if len(probs) == 0 {
		t.Fatal("an empty config.Problems was returned as an error")
	}
	for _, p := range probs {
		if p.File != "prodgate.yaml" || strings.TrimSpace(p.Msg) == "" {
			t.Fatalf("problem %+v does not name the file or say what is wrong", p)
		}
	}
}
