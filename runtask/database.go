package runtask

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"
	"modernc.org/sqlite" // pure-Go SQLite: the embedded default needs no cgo

	"github.com/prodgate/prodgate/internal/stmtcache"
)

// jobQueue is the durable work queue: River over SQLite (the embedded
// default) or PostgreSQL (several replicas). One job model serves both; only
// the River client's transaction type differs, which this interface hides.
type jobQueue interface {
	// accept records new tasks and enqueues their jobs in one transaction
	// (see acceptBatch) and says what became of each request.
	accept(ctx context.Context, items []acceptItem) ([]acceptOutcome, error)
	start(ctx context.Context) error
	// stop stops fetching jobs and waits for running ones, which are
	// cancelled at the soft stop timeout (riverConfig) and handed back.
	stop(ctx context.Context) error
	// stopAndCancel cancels running jobs at once and waits for them to be
	// handed back.
	stopAndCancel(ctx context.Context) error
}

type riverQueue[TTx any] struct {
	client *river.Client[TTx]
	// begin starts the transaction a batch is accepted in.
	begin      func(ctx context.Context) (acceptTx[TTx], error)
	maxWaiting int
}

// acceptTx is the transaction a batch of requests is accepted in: the task
// rows through txDB, the jobs through River with tx().
type acceptTx[TTx any] interface {
	txDB
	tx() TTx
	commit(ctx context.Context) error
	// rollback ends the transaction if commit did not; it may be called after
	// commit.
	rollback()
}

func (q *riverQueue[TTx]) accept(ctx context.Context, items []acceptItem) ([]acceptOutcome, error) {
	out, err := q.acceptOnce(ctx, items)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgUniqueViolation {
		// Another replica enqueued one of these tasks between this
		// transaction's look-up and its insert (a delivery sent to both);
		// now its task is recorded, and this batch sees a duplicate.
		out, err = q.acceptOnce(ctx, items)
	}
	return out, err
}

// pgUniqueViolation is PostgreSQL's SQLSTATE for a unique key violation.
const pgUniqueViolation = "23505"

func (q *riverQueue[TTx]) acceptOnce(ctx context.Context, items []acceptItem) ([]acceptOutcome, error) {
	tx, err := q.begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin accepting %d requests: %w", len(items), err)
	}
	defer tx.rollback()
	out, err := acceptBatch(ctx, tx, items, q.maxWaiting, func(params []river.InsertManyParams) (int, error) {
		return q.client.InsertManyFastTx(ctx, tx.tx(), params)
	})
	if err != nil {
		return nil, err
	}
	if err := tx.commit(ctx); err != nil {
		return nil, fmt.Errorf("commit %d accepted requests: %w", len(items), err)
	}
	return out, nil
}

func (q *riverQueue[TTx]) start(ctx context.Context) error { return q.client.Start(ctx) }
func (q *riverQueue[TTx]) stop(ctx context.Context) error  { return q.client.Stop(ctx) }

// stopAndCancel also ends a stop already under way: River cancels the jobs'
// contexts either way, and then its client stops.
func (q *riverQueue[TTx]) stopAndCancel(ctx context.Context) error {
	if err := q.client.StopAndCancel(ctx); err != nil {
		return err
	}
	select {
	case <-q.client.Stopped():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// database is everything the service keeps: the task store and the job queue.
type database struct {
	store   *store
	queue   jobQueue
	kind    string // "sqlite" or "postgres", for logs and /readyz
	closeFn func()
}

// queueSettings tunes River and the accept path.
type queueSettings struct {
	workers int
	worker  river.Worker[evaluateArgs]
	// jobTimeout bounds one attempt of a job; a job a dead process left
	// running is taken over a minute after that (see riverConfig).
	jobTimeout time.Duration
	// softStop is how long Stop lets running jobs finish before it cancels
	// them and River hands them back as available.
	softStop time.Duration
	// retention is how long finished tasks are kept (negative: for ever);
	// River's leader enqueues the purge hourly (see pruneWorker).
	retention time.Duration
	now       func() time.Time
	// maxWaiting caps the tasks not yet called back with a final result;
	// requests beyond it are refused (0: no cap).
	maxWaiting int
	// unsyncedAccept answers a POST once its batch is committed to the
	// operating system (SQLite synchronous=NORMAL, PostgreSQL
	// synchronous_commit=off) instead of once it is on disk.
	unsyncedAccept bool
	logger         *slog.Logger
	// log gets the database's own notes.
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
	if qs.now == nil {
		qs.now = time.Now
	}
	if qs.jobTimeout <= 0 {
		qs.jobTimeout = defaultJobTimeout
	}
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return openPostgres(ctx, url, qs)
	}
	return openSQLite(ctx, url, qs)
}

func riverConfig(qs queueSettings, st *store) *river.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, qs.worker)
	river.AddWorker(workers, &pruneWorker{store: st, retention: qs.retention, now: qs.now, log: qs.log})
	var periodic []*river.PeriodicJob
	if qs.retention >= 0 {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return pruneArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	return &river.Config{
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: qs.workers}},
		Workers:      workers,
		PeriodicJobs: periodic,
		Logger:       qs.logger,
		// A job's attempt is bounded by the time budgets (see Options); one
		// left running by a replica that died is rescued a minute after it
		// would have timed out, by whichever replica leads the queue.
		JobTimeout:           qs.jobTimeout,
		RescueStuckJobsAfter: qs.jobTimeout + time.Minute,
		MaxAttempts:          maxAttempts,
		FetchCooldown:        5 * time.Millisecond,
		FetchPollInterval:    cmp.Or(qs.poll, time.Second),
		// Graceful stop: finish running jobs for a while, then cancel them;
		// River sets a job its stop cancelled back to available, the attempt
		// not counted, for the next process or another replica.
		SoftStopTimeout: cmp.Or(qs.softStop, 20*time.Second),
	}
}

func openSQLite(ctx context.Context, url string, qs queueSettings) (_ *database, err error) {
	path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "file:")
	if path == "" {
		path = "prodgate.db"
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database directory %s: %w", dir, err)
		}
	}
	var cleanup []func()
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		}
	}()
	// The lock comes first: a second process must be turned away before it
	// touches the database (below, jobs a previous process left running are
	// handed back, which would take the first process's).
	lock, err := lockDatabase(path)
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { lock.Close() })
	if err := restrictDatabaseFiles(path); err != nil {
		return nil, err
	}
	connector, err := sqlite.NewConnector(sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open SQLite database %s: %w", path, err)
	}
	// The job queue's statements are prepared once per connection, not for
	// every job (see package stmtcache).
	db := sql.OpenDB(stmtcache.NewConnector(connector, 128))
	cleanup = append(cleanup, func() { db.Close() })
	// River's SQLite driver wants a single connection (SQLite allows one
	// writer; more connections give SQLITE_BUSY under River's parallel work).
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	if err := migrateRiver(ctx, driver); err != nil {
		return nil, err
	}
	st := &store{db: db, dialect: dialectSQLite}
	if err := st.migrate(ctx); err != nil {
		return nil, err
	}
	if err := st.migrateAccess(ctx); err != nil {
		return nil, err
	}
	released, err := releaseJobsOfDeadProcess(ctx, driver.GetExecutor(), qs.now())
	if err != nil {
		return nil, fmt.Errorf("hand back the jobs of a previous process: %w", err)
	}
	if released > 0 {
		qs.log.Info("jobs a previous process left running are available again", zap.Int("jobs", released))
	}
	client, err := river.NewClient(driver, riverConfig(qs, st))
	if err != nil {
		return nil, fmt.Errorf("create job queue: %w", err)
	}
	queue := &riverQueue[*sql.Tx]{client: client, maxWaiting: qs.maxWaiting,
		begin: func(ctx context.Context) (acceptTx[*sql.Tx], error) {
			return beginSQLiteAccept(ctx, db, !qs.unsyncedAccept)
		}}
	return &database{store: st, queue: queue, kind: "sqlite", closeFn: func() { db.Close(); lock.Close() }}, nil
}

// sqliteDSN opens a SQLite file in WAL mode, waiting up to 10 s for a lock.
// synchronous=NORMAL: a commit survives the process crashing (it is in the
// write-ahead log, in the kernel's page cache) but not a power cut until the
// log is synced; the accept transaction syncs it (beginSQLiteAccept).
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"
}

// restrictDatabaseFiles creates the SQLite file readable by its owner only,
// or makes it so: it holds the sealed requests and every result. SQLite gives
// its write-ahead log and shared-memory files the database file's mode.
func restrictDatabaseFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open SQLite database %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("make %s readable by its owner only: %w", p, err)
		}
	}
	return nil
}

// lockDatabase takes the embedded default's lock file (PATH.lock): one
// process serves a SQLite database (several replicas share PostgreSQL).
func lockDatabase(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s.lock: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("database %s is in use by another process (the embedded SQLite default serves one prodgate process; several replicas share a PostgreSQL database): %w", path, err)
	}
	return f, nil
}

// sqliteAccept is the accept transaction on SQLite, on a connection of its
// own for its length. When sync is set it commits with synchronous=FULL,
// which syncs the write-ahead log (and so every commit before it) to disk,
// and sets the connection back to NORMAL after: the promise of durability
// is made by the 200 answer, so only the commit behind it pays for a sync.
type sqliteAccept struct {
	conn *sql.Conn
	sqlTx
	sync, done bool
}

func beginSQLiteAccept(ctx context.Context, db *sql.DB, sync bool) (acceptTx[*sql.Tx], error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if sync {
		if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
			conn.Close()
			return nil, err
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		restoreSynchronous(conn, sync)
		conn.Close()
		return nil, err
	}
	return &sqliteAccept{conn: conn, sqlTx: sqlTx{t: tx, dialect: dialectSQLite}, sync: sync}, nil
}

func (a *sqliteAccept) tx() *sql.Tx { return a.t }

func (a *sqliteAccept) commit(context.Context) error {
	a.done = true
	err := a.t.Commit()
	restoreSynchronous(a.conn, a.sync)
	a.conn.Close()
	return err
}

func (a *sqliteAccept) rollback() {
	if a.done {
		return
	}
	a.done = true
	_ = a.t.Rollback()
	restoreSynchronous(a.conn, a.sync)
	a.conn.Close()
}

// restoreSynchronous sets a connection back to the DSN's NORMAL; should it
// fail, the connection stays FULL, which only costs time.
func restoreSynchronous(conn *sql.Conn, wasSet bool) {
	if wasSet {
		_, _ = conn.ExecContext(context.Background(), "PRAGMA synchronous = NORMAL")
	}
}

// sqlTx is txDB over a database/sql transaction.
type sqlTx struct {
	t       *sql.Tx
	dialect dialect
}

func (t sqlTx) knownTasks(ctx context.Context, ids []string) (map[string]bool, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := t.t.QueryContext(ctx, rebind(t.dialect, `SELECT task_result_id FROM prodgate_task WHERE task_result_id IN (`+placeholders(len(ids))+`)`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	known := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		known[id] = true
	}
	return known, rows.Err()
}

func (t sqlTx) waiting(ctx context.Context) (int, error) {
	var n int
	err := t.t.QueryRowContext(ctx, countUnfinished).Scan(&n)
	return n, err
}

func (t sqlTx) insertTasks(ctx context.Context, tasks []Task) error {
	query, args := insertTasks(t.dialect, tasks)
	_, err := t.t.ExecContext(ctx, query, args...)
	return err
}

// releaseJobsOfDeadProcess makes the jobs a previous process left running
// available again at once, and returns how many there were.
//
// The embedded default is one process (lockDatabase), so a job marked
// running when it opens belongs to a process that died. River's own rescuer
// would take such a job back only once it had been running longer than
// RescueStuckJobsAfter (the job timeout and a minute: 6 minutes by
// default), after this process had become the queue's leader (up to 15 s
// after a killed one), and would then schedule it by the retry policy (16 s
// after a second attempt, 81 s after a third): the run in HCP Terraform
// would wait all that time. This does what that rescuer does, with River's
// own driver calls (JobGetStuck, JobRescueMany: the attempt's error
// recorded, MaxAttempts honoured), when the process starts and with no
// wait. TestSQLiteReleasesJobsOfADeadProcess fails if a River upgrade
// changes what it relies on.
func releaseJobsOfDeadProcess(ctx context.Context, exec riverdriver.Executor, now time.Time) (int, error) {
	now = now.UTC()
	// Every running job, whatever clock skew its attempt was stamped with.
	horizon := now.Add(24 * time.Hour)
	jobs, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{Max: 10_000, StuckHorizon: horizon})
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	params := &riverdriver.JobRescueManyParams{StuckHorizon: horizon}
	for _, job := range jobs {
		attemptErr, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: job.Attempt,
			Error: "the process working this job stopped before the job ended (found by the next process at start)"})
		if err != nil {
			return 0, err
		}
		state, finalized := rivertype.JobStateAvailable, (*time.Time)(nil)
		if job.Attempt >= job.MaxAttempts {
			state, finalized = rivertype.JobStateDiscarded, &now
		}
		params.ID = append(params.ID, job.ID)
		params.Error = append(params.Error, attemptErr)
		params.FinalizedAt = append(params.FinalizedAt, finalized)
		params.ScheduledAt = append(params.ScheduledAt, job.ScheduledAt) // its place in the queue
		params.State = append(params.State, string(state))
	}
	if _, err := exec.JobRescueMany(ctx, params); err != nil {
		return 0, err
	}
	return len(jobs), nil
}

func openPostgres(ctx context.Context, url string, qs queueSettings) (_ *database, err error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	var cleanup []func()
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		}
	}()
	// pgx's default pool (4 connections on a small machine) is less than the
	// workers and the queue's own upkeep need at once; a URL that sets
	// pool_max_conns is taken as it is.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, int32(qs.workers)+4)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	cleanup = append(cleanup, pool.Close)
	if err := pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	// Accepting has connections of its own, so a POST never waits for one
	// that a worker holds.
	acceptCfg := cfg.Copy()
	acceptCfg.MaxConns, acceptCfg.MinConns = 2, 1
	acceptPool, err := pgxpool.NewWithConfig(ctx, acceptCfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL for accepting requests: %w", err)
	}
	cleanup = append(cleanup, acceptPool.Close)
	driver := riverpgxv5.New(pool)
	db := stdlib.OpenDBFromPool(pool)
	cleanup = append(cleanup, func() { db.Close() })
	st := &store{db: db, dialect: dialectPostgres}
	// Several replicas may start at once; one migrates while the others wait.
	if err := withAdvisoryLock(ctx, pool, func() error {
		if err := migrateRiver(ctx, driver); err != nil {
			return err
		}
		if err := st.migrate(ctx); err != nil {
			return err
		}
		return st.migrateAccess(ctx)
	}); err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver, riverConfig(qs, st))
	if err != nil {
		return nil, fmt.Errorf("create job queue: %w", err)
	}
	commitMode := "on"
	if qs.unsyncedAccept {
		commitMode = "off"
	}
	queue := &riverQueue[pgx.Tx]{client: client, maxWaiting: qs.maxWaiting,
		begin: func(ctx context.Context) (acceptTx[pgx.Tx], error) {
			tx, err := acceptPool.Begin(ctx)
			if err != nil {
				return nil, err
			}
			// Whatever the server's setting: the 200 answer promises what
			// --sync-accepted says.
			if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit TO "+commitMode); err != nil {
				_ = tx.Rollback(ctx)
				return nil, err
			}
			return pgxTx{t: tx}, nil
		}}
	return &database{store: st, queue: queue, kind: "postgres",
		closeFn: func() { acceptPool.Close(); db.Close(); pool.Close() }}, nil
}

// pgxTx is the accept transaction on PostgreSQL.
type pgxTx struct{ t pgx.Tx }

func (t pgxTx) tx() pgx.Tx                       { return t.t }
func (t pgxTx) commit(ctx context.Context) error { return t.t.Commit(ctx) }
func (t pgxTx) rollback()                        { _ = t.t.Rollback(context.Background()) }

func (t pgxTx) knownTasks(ctx context.Context, ids []string) (map[string]bool, error) {
	rows, err := t.t.Query(ctx, `SELECT task_result_id FROM prodgate_task WHERE task_result_id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	known := make(map[string]bool, len(found))
	for _, id := range found {
		known[id] = true
	}
	return known, err
}

func (t pgxTx) waiting(ctx context.Context) (int, error) {
	var n int
	err := t.t.QueryRow(ctx, countUnfinished).Scan(&n)
	return n, err
}

func (t pgxTx) insertTasks(ctx context.Context, tasks []Task) error {
	query, args := insertTasks(dialectPostgres, tasks)
	_, err := t.t.Exec(ctx, query, args...)
	return err
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

func (d *database) ping(ctx context.Context) error {
	if d.store.db == nil {
		return errors.New("no database")
	}
	return d.store.db.PingContext(ctx)
}
