// Package stmtcache keeps a connection's prepared statements for reuse.
//
// database/sql prepares and finalizes a statement for every query when a
// driver answers queries directly (driver.QueryerContext), and the job
// queue's SQLite driver sends every statement that way: SQLite then parses
// and plans the same few dozen statements again for every job, which was
// about a fifth of prodgate serve's CPU on the embedded database. Wrapped
// here, a connection hides its direct query methods, so database/sql
// prepares through it, and it hands back the statement it prepared for the
// same text before.
package stmtcache

import (
	"context"
	"database/sql/driver"
	"errors"
)

// NewConnector wraps base so that each connection it makes keeps up to size
// prepared statements, the least recently used going first.
func NewConnector(base driver.Connector, size int) driver.Connector {
	return &connector{base: base, size: size}
}

type connector struct {
	base driver.Connector
	size int
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{base: conn, size: c.size, stmts: make(map[string]*cachedStmt)}, nil
}

func (c *connector) Driver() driver.Driver { return c.base.Driver() }

// cachingConn is used by one goroutine at a time (database/sql's contract
// for a driver.Conn), so it needs no lock.
type cachingConn struct {
	base  driver.Conn
	size  int
	stmts map[string]*cachedStmt
	clock uint64
}

// cachedStmt is a prepared statement the connection keeps. A statement in
// use (handed out and not yet closed: its rows may still be read) is never
// handed out twice; a second user of the same text at once gets a statement
// of its own.
type cachedStmt struct {
	driver.Stmt
	query    string
	inUse    bool
	lastUsed uint64
}

// Close gives the statement back to its connection, which keeps it.
func (s *cachedStmt) Close() error {
	s.inUse = false
	return nil
}

func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	values, err := plainValues(args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the driver has nothing newer
	return s.Stmt.Exec(values)
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	values, err := plainValues(args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the driver has nothing newer
	return s.Stmt.Query(values)
}

// plainValues is database/sql's own fallback for drivers without the
// context methods: positional arguments only.
func plainValues(args []driver.NamedValue) ([]driver.Value, error) {
	values := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("stmtcache: the driver does not support named arguments")
		}
		values[i] = a.Value
	}
	return values, nil
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.clock++
	if s, ok := c.stmts[query]; ok && !s.inUse {
		s.inUse, s.lastUsed = true, c.clock
		return s, nil
	}
	stmt, err := c.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, taken := c.stmts[query]; taken || !c.makeRoom() {
		return stmt, nil // used once, finalized by its Close
	}
	s := &cachedStmt{Stmt: stmt, query: query, inUse: true, lastUsed: c.clock}
	c.stmts[query] = s
	return s, nil
}

func (c *cachingConn) prepare(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.base.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.base.Prepare(query)
}

// makeRoom evicts the least recently used statement not in use when the
// cache is full; it reports whether there is room for one more.
func (c *cachingConn) makeRoom() bool {
	if len(c.stmts) < c.size {
		return true
	}
	var oldest *cachedStmt
	for _, s := range c.stmts {
		if !s.inUse && (oldest == nil || s.lastUsed < oldest.lastUsed) {
			oldest = s
		}
	}
	if oldest == nil {
		return false
	}
	delete(c.stmts, oldest.query)
	_ = oldest.Stmt.Close() // a statement that fails to finalize is gone all the same
	return true
}

// Close finalizes every kept statement, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for query, s := range c.stmts {
		errs = append(errs, s.Stmt.Close())
		delete(c.stmts, query)
	}
	errs = append(errs, c.base.Close())
	return errors.Join(errs...)
}

func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.base.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	if opts != (driver.TxOptions{}) {
		return nil, errors.New("stmtcache: the driver does not support transaction options")
	}
	//lint:ignore SA1019 the driver has nothing newer
	return c.base.Begin()
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.base.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.base.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.base.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}
