// Package pgtest gives tests a fresh PostgreSQL database on the throwaway
// server scripts/test.sh starts (PRODGATE_TEST_DATABASE_URL).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the server's URL.
const EnvVar = "PRODGATE_TEST_DATABASE_URL"

// NewDatabase creates an empty database for one test and drops it afterwards.
// Without a server it skips, saying why, except in CI, where a missing server
// is a failure: the multi-replica tests must run there.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvVar)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set in CI; scripts/test.sh starts a throwaway PostgreSQL server", EnvVar)
		}
		t.Skipf("%s is not set; run scripts/test.sh, which starts a throwaway PostgreSQL server", EnvVar)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvVar, err)
	}
	defer admin.Close(ctx)
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "prodgate_test_" + hex.EncodeToString(buf)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvVar, err)
	}
	u.Path = "/" + name
	return u.String()
}
