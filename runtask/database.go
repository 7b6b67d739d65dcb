package runtask

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"go.uber.org/zap"
	"modernc.org/sqlite" // pure-Go SQLite: the embedded default needs no cgo

	"github.com/prodgate/prodgate/internal/stmtcache"
)

// jobQueue is the durable work queue: River over SQLite (embedded default) or
// PostgreSQL (several replicas). One job model serves both; only the River
// client's transaction type differs, which this interface hides.
type jobQueue interface {
	enqueueMany(ctx context.Context, args []evaluateArgs) (duplicates []bool, err error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
}

type riverQueue[TTx any] struct{ client *river.Client[TTx] }

func (q *riverQueue[TTx]) enqueueMany(ctx context.Context, args []evaluateArgs) ([]bool, error) {
	params := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		params[i] = river.InsertManyParams{Args: a}
	}
	res, err := q.client.InsertMany(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("enqueue %d tasks: %w", len(args), err)
	}
	dups := make([]bool, len(args))
	for i := range res {
		if i < len(dups) {
			dups[i] = res[i].UniqueSkippedAsDuplicate
		}
	}
	return dups, nil
}

func (q *riverQueue[TTx]) start(ctx context.Context) error { return q.client.Start(ctx) }
func (q *riverQueue[TTx]) stop(ctx context.Context) error  { return q.client.Stop(ctx) }

// database is everything the service keeps: the task store and the job queue.
type database struct {
	store   *store
	inbox   inbox
	queue   jobQueue
	kind    string // "sqlite" or "postgres", for logs and /readyz
	closeFn func()
}

// queueSettings tunes River for the run-task budget.
type queueSettings struct {
	workers int
	worker  river.Worker[evaluateArgs]
	logger  *slog.Logger
	// log gets the database's own notes (the inbox's recovery).
	log *zap.Logger
	// poll is how often idle workers look for jobs that came due (retries);
	// 0 means a second. New jobs are fetched when they are enqueued.
	poll time.Duration
}

// openDatabase opens the store and queue named by url: "postgres://…" or
// "postgresql://…" for PostgreSQL, "sqlite://PATH", "file:PATH" or a plain path
// for SQLite.
func openDatabase(ctx context.Context, url string, qs queueSettings) (*database, error) {
	if qs.log == nil {
		qs.log = zap.NewNop()
	}
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return openPostgres(ctx, url, qs)
	}
	return openSQLite(ctx, url, qs)
}

func riverConfig(qs queueSettings) *river.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, qs.worker)
	return &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: qs.workers}},
		Workers: workers,
		Logger:  qs.logger,
		// A run task must answer within HCP Terraform's limits (progress within
		// 10 minutes, done within 60); jobs time out well before, and a job left
		// running by a dead replica is rescued after that.
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: jobTimeout + 2*time.Minute,
		MaxAttempts:          maxAttempts,
		FetchCooldown:        5 * time.Millisecond,
		FetchPollInterval:    cmp.Or(qs.poll, time.Second),
		// Graceful stop: finish running jobs for a while, then cancel them so
		// River hands them back as available for the next process.
		SoftStopTimeout: 20 * time.Second,
	}
}

func openSQLite(ctx context.Context, url string, qs queueSettings) (*database, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "file:")
	if path == "" {
		path = "prodgate.db"
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database directory %s: %w", dir, err)
		}
	}
	// The inbox's lock comes first: a second process must be turned away
	// before it touches the database (below, jobs a previous process left
	// running are handed back, which would take the first process's).
	in, err := openInboxLog(path+"-inbox.log", qs.log)
	if err != nil {
		return nil, err
	}
	connector, err := sqlite.NewConnector(sqliteDSN(path))
	if err != nil {
		in.close()
		return nil, fmt.Errorf("open SQLite database %s: %w", path, err)
	}
	// The job queue's statements are prepared once per connection, not for
	// every job (see package stmtcache).
	db := sql.OpenDB(stmtcache.NewConnector(connector, 128))
	// River's SQLite driver wants a single connection (SQLite allows one
	// writer; more connections give SQLITE_BUSY under River's parallel work).
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	if err := migrateRiver(ctx, driver); err != nil {
		db.Close()
		in.close()
		return nil, err
	}
	st := &store{db: db, dialect: dialectSQLite}
	if err := st.migrate(ctx); err != nil {
		db.Close()
		in.close()
		return nil, err
	}
	// The embedded default is one process by definition: a job still marked
	// running belongs to a process that died, so hand it back at once instead
	// of waiting for River's stuck-job rescue.
	if _, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`); err != nil {
		db.Close()
		in.close()
		return nil, fmt.Errorf("release jobs of a previous process: %w", err)
	}
	// Jobs are only ever inserted by this process, which tells its own
	// fetcher at once; the poll is a backstop (retries come due).
	client, err := river.NewClient(localSQLiteDriver{driver}, riverConfig(qs))
	if err != nil {
		db.Close()
		in.close()
		return nil, fmt.Errorf("create job queue: %w", err)
	}
	return &database{store: st, inbox: in, queue: &riverQueue[*sql.Tx]{client: client}, kind: "sqlite",
		closeFn: func() { in.close(); db.Close() }}, nil
}

// localSQLiteDriver is River's SQLite driver for a queue only this process
// writes to (the embedded default is one process: its inbox log is locked).
// River's SQLite driver emulates LISTEN/NOTIFY by writing every insert to a
// table that each client polls every 50 ms: ~3 % of a CPU when idle, and 25
// ms on average before a new job is fetched. A driver without a listener has
// River hand the client's own inserts to its fetcher straight away instead.
type localSQLiteDriver struct{ *riversqlite.Driver }

func (localSQLiteDriver) SupportsListener() bool     { return false }
func (localSQLiteDriver) SupportsListenNotify() bool { return false }

// sqliteDSN opens a SQLite file in WAL mode, waiting up to 10 s for a lock.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"
}

func openPostgres(ctx context.Context, url string, qs queueSettings) (*database, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	// pgx's default pool (4 connections on a small machine) is less than the
	// workers, the queue's own upkeep and the inbox need at once; a URL that
	// sets pool_max_conns is taken as it is.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, int32(qs.workers)+4)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	// The inbox has connections of its own, so a POST never waits for one
	// that a worker holds.
	inboxCfg := cfg.Copy()
	inboxCfg.MaxConns, inboxCfg.MinConns = 2, 1
	inboxPool, err := pgxpool.NewWithConfig(ctx, inboxCfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open PostgreSQL for the inbox: %w", err)
	}
	driver := riverpgxv5.New(pool)
	db := stdlib.OpenDBFromPool(pool)
	st := &store{db: db, dialect: dialectPostgres}
	in := &pgInbox{pool: inboxPool}
	// Several replicas may start at once; one migrates while the others wait.
	if err := withAdvisoryLock(ctx, pool, func() error {
		if err := migrateRiver(ctx, driver); err != nil {
			return err
		}
		if err := st.migrate(ctx); err != nil {
			return err
		}
		return in.migrate(ctx)
	}); err != nil {
		in.close()
		db.Close()
		pool.Close()
		return nil, err
	}
	client, err := river.NewClient(driver, riverConfig(qs))
	if err != nil {
		in.close()
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("create job queue: %w", err)
	}
	return &database{store: st, inbox: in, queue: &riverQueue[pgx.Tx]{client: client}, kind: "postgres",
		closeFn: func() { in.close(); db.Close(); pool.Close() }}, nil
}

// migrationLockID is an arbitrary constant naming prodgate's migration lock.
const migrationLockID = 7_240_115_091

func withAdvisoryLock(ctx context.Context, pool *pgxpool.Pool, fn func() error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection for migrations: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		// A fresh context: the unlock must happen even when ctx is done.
		_, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLockID)
	}()
	return fn()
}

func migrateRiver[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("prepare job queue migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue tables: %w", err)
	}
	return nil
}

func (d *database) close() {
	if d.closeFn != nil {
		d.closeFn()
	}
}

// pending counts run tasks accepted and not yet called back with a final
// result: those still in the inbox and those in the store. A request the
// mover has recorded but not yet removed from the inbox counts twice for
// that moment.
func (d *database) pending(ctx context.Context) (int, error) {
	inInbox, err := d.inbox.count(ctx)
	if err != nil {
		return 0, err
	}
	unfinished, err := d.store.unfinished(ctx)
	if err != nil {
		return 0, err
	}
	return inInbox + unfinished, nil
}

func (d *database) ping(ctx context.Context) error {
	if d.store.db == nil {
		return errors.New("no database")
	}
	return d.store.db.PingContext(ctx)
}
