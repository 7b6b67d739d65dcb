package stmtcache

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"
)

// counting wraps a connector to count the statements the real driver
// prepares and finalizes.
type counting struct {
	driver.Connector
	prepared, closed atomic.Int64
}

func (c *counting) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, counts: c}, nil
}

// countingConn offers what the SQLite driver's connection offers that
// stmtcache uses, and the direct query methods it must hide.
type countingConn struct {
	driver.Conn
	counts *counting
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.counts.prepared.Add(1)
	return &countingStmt{Stmt: s, counts: c.counts}, nil
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

type countingStmt struct {
	driver.Stmt
	counts *counting
}

func (s *countingStmt) Close() error {
	s.counts.closed.Add(1)
	return s.Stmt.Close()
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func open(t *testing.T, size int) (*sql.DB, *counting) {
	t.Helper()
	base, err := sqlite.NewConnector("file:" + filepath.Join(t.TempDir(), "t.db") + "?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	counts := &counting{Connector: base}
	db := sql.OpenDB(NewConnector(counts, size))
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return db, counts
}

func TestStatementsArePreparedOnce(t *testing.T) {
	db, counts := open(t, 8)
	before := counts.prepared.Load()
	for i := range 100 {
		if _, err := db.Exec(`INSERT INTO kv (k, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
		var v string
		if err := db.QueryRow(`SELECT v FROM kv WHERE k = ?`, i).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint("v", i); v != want {
			t.Fatalf("row %d: got %q, want %q", i, v, want)
		}
	}
	if got := counts.prepared.Load() - before; got != 2 {
		t.Errorf("prepared %d statements for 200 queries of two texts, want 2", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if p, c := counts.prepared.Load(), counts.closed.Load(); p != c {
		t.Errorf("after Close: %d statements prepared, %d finalized", p, c)
	}
}

// A query run again while its rows are still being read gets a statement
// of its own; the first one's rows are unharmed.
func TestNestedUseOfTheSameText(t *testing.T) {
	db, _ := open(t, 8)
	for i := range 5 {
		if _, err := db.Exec(`INSERT INTO kv (k, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT k, v FROM kv WHERE k >= ? ORDER BY k`
	rows, err := tx.Query(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	var outer []int
	for rows.Next() {
		var k int
		var v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, k)
		var inner int
		if err := tx.QueryRow(`SELECT count(*) FROM (`+q+`)`, k).Scan(&inner); err != nil {
			t.Fatal(err)
		}
		inner2, err := tx.Query(q, k)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for inner2.Next() {
			n++
		}
		if err := inner2.Close(); err != nil {
			t.Fatal(err)
		}
		if n != inner || n != 5-k {
			t.Fatalf("from %d: %d rows (count says %d), want %d", k, n, inner, 5-k)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(outer) != "[0 1 2 3 4]" {
		t.Fatalf("outer rows %v", outer)
	}
}

func TestEvictionKeepsAtMostSize(t *testing.T) {
	db, counts := open(t, 2)
	texts := []string{`SELECT 1 + ?`, `SELECT 2 + ?`, `SELECT 3 + ?`}
	before := counts.prepared.Load()
	for round := range 3 {
		for i, q := range texts {
			var got int
			if err := db.QueryRow(q, round).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != i+1+round {
				t.Fatalf("%s with %d: %d", q, round, got)
			}
		}
	}
	// Three texts cycled through two places: every query prepares anew.
	if got := counts.prepared.Load() - before; got != 9 {
		t.Errorf("prepared %d, want 9", got)
	}
	if kept := counts.prepared.Load() - counts.closed.Load(); kept > 2 {
		t.Errorf("%d statements kept, want at most 2", kept)
	}
}

// A statement whose last run failed is reset and works again; a rolled
// back transaction leaves the kept statements working.
func TestStatementsSurviveErrorsAndRollback(t *testing.T) {
	db, counts := open(t, 8)
	const insert = `INSERT INTO kv (k, v) VALUES (?, ?)`
	if _, err := db.Exec(insert, 1, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(insert, 1, "b"); err == nil {
		t.Fatal("duplicate key accepted")
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(insert, 2, "c"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(insert, 3, "d"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM kv`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d rows, want 2 (1 and 3)", n)
	}
	if counts.prepared.Load() > 3 { // CREATE TABLE, INSERT, SELECT
		t.Errorf("prepared %d statements", counts.prepared.Load())
	}
}

func TestCanceledQueryLeavesTheStatementUsable(t *testing.T) {
	db, _ := open(t, 8)
	const q = `SELECT count(*) FROM kv WHERE k > ?`
	var n int
	if err := db.QueryRow(q, 0).Scan(&n); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.QueryRowContext(ctx, q, 0).Scan(&n); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled query: %v", err)
	}
	if err := db.QueryRow(q, -1).Scan(&n); err != nil {
		t.Fatal(err)
	}
}

// The direct query methods must stay hidden, or database/sql would bypass
// the cache.
func TestDirectQueriesAreHidden(t *testing.T) {
	var conn driver.Conn = &cachingConn{}
	if _, ok := conn.(driver.QueryerContext); ok {
		t.Error("cachingConn answers queries directly")
	}
	if _, ok := conn.(driver.ExecerContext); ok {
		t.Error("cachingConn executes directly")
	}
}
