//go:build !checkonly

package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs `prodgate demo` to its end (--exit): it judges runs through
// the real protocol and prints the pages' links and a token.
func TestDemo(t *testing.T) {
	r := prodgate(t, "", nil, "", "demo", "--listen", "127.0.0.1:0", "--days", "2", "--exit")
	if r.code != 0 {
		t.Fatalf("prodgate demo exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`\n10 runs judged\. Open:`),
		regexp.MustCompile(`history     http://127\.0\.0\.1:\d+/\n`),
		regexp.MustCompile(`scorecard   http://127\.0\.0\.1:\d+/scorecard\n`),
		regexp.MustCompile(`run page    http://127\.0\.0\.1:\d+/runs/taskrs-\w+\?sig=[0-9a-f]{32}   \(latest run of payments-prod`),
		regexp.MustCompile(`\n  pgt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n`),
	} {
		if !want.MatchString(r.stdout) {
			t.Errorf("prodgate demo's output lacks %s:\n%s", want, r.stdout)
		}
	}
	if r := prodgate(t, t.TempDir(), nil, "", "demo", "--exit"); r.code != exitBadInput || !strings.Contains(r.stderr, "--plans") {
		t.Errorf("prodgate demo away from the example plans: exit %d, %q; want 2 naming --plans", r.code, r.stderr)
	}
}

func TestTokenCommand(t *testing.T) {
	db := "--database-url=" + filepath.Join(t.TempDir(), "prodgate.db")
	if r := prodgate(t, "", nil, "", "token", "create", db); r.code != exitBadInput || !strings.Contains(r.stderr, `"name" not set`) {
		t.Errorf("token create without --name: exit %d, %q", r.code, r.stderr)
	}
	created := prodgate(t, "", nil, "", "token", "create", "--name", "ci dashboard", db)
	token := strings.TrimSpace(created.stdout)
	id := regexp.MustCompile(`^pgt_([0-9a-f]{12})_`).FindStringSubmatch(token)
	if created.code != 0 || id == nil || !strings.Contains(created.stderr, "shown only now") {
		t.Fatalf("token create: exit %d, stdout %q, stderr %q", created.code, created.stdout, created.stderr)
	}
	list := prodgate(t, "", nil, "", "token", "list", db)
	if list.code != 0 || !regexp.MustCompile(`(?m)^`+id[1]+` +ci dashboard +\d{4}-\d\d-\d\d +never +active$`).MatchString(list.stdout) || strings.Contains(list.stdout, token) {
		t.Errorf("token list:\n%s", list.stdout)
	}
	// The database URL can come from the environment, as for serve.
	env := []string{"PRODGATE_DATABASE_URL=" + strings.TrimPrefix(db, "--database-url=")}
	if r := prodgate(t, "", env, "", "token", "revoke", id[1]); r.code != 0 {
		t.Fatalf("token revoke: exit %d, %q", r.code, r.stderr)
	}
	if r := prodgate(t, "", nil, "", "token", "list", db); !strings.Contains(r.stdout, "revoked ") {
		t.Errorf("the revoked token is not listed as revoked:\n%s", r.stdout)
	}
	if r := prodgate(t, "", nil, "", "token", "revoke", id[1], db); r.code != exitBadInput || !strings.Contains(r.stderr, "no such token") {
		t.Errorf("revoking twice: exit %d, %q", r.code, r.stderr)
	}
}
