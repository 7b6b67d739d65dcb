package runtask

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prodgate/prodgate/evaluator"
	"go.uber.org/zap"
)

// Options configure the service. Zero values get the documented defaults.
type Options struct {
	// Listen is the address to serve on (default ":8080"); port 0 picks a free one.
	Listen string
	// Path is where HCP Terraform POSTs run-task requests (default /runtask).
	Path string
	// HMACKeys are the run task's HMAC keys: the current one first, optionally
	// the previous one while a rotation is under way.
	HMACKeys []string
	// InsecureNoHMAC accepts unsigned requests. Only for local experiments.
	InsecureNoHMAC bool
	// DatabaseURL is postgres://… for several replicas, or a SQLite path
	// (default prodgate.db) for the embedded single-process default.
	DatabaseURL string
	// Policy is the policy plans are judged against from the start, with
	// the hash every task records and the file it may be reloaded from.
	Policy *Policy
	// Engine, when Policy is nil, is the policy plans are judged against;
	// it is not identified (tasks record no policy hash) and never reloaded.
	Engine *evaluator.Engine
	// CompilePolicy compiles Policy.File again when ReloadPolicy is called
	// (cmd/prodgate calls it on SIGHUP) or, with WatchPolicy, when the file
	// changes. A policy that does not compile is refused and the one in
	// force kept. Without it the policy is never reloaded.
	CompilePolicy PolicyCompiler
	// WatchPolicy reloads Policy.File whenever it changes (see
	// policyKeeper.watch: editors' saves and Kubernetes ConfigMap updates
	// included).
	WatchPolicy bool
	// AllowedHosts are the hosts the run's token may be sent to (default app.terraform.io).
	AllowedHosts []string
	// ArchiveHosts are the hosts, besides the plan URL's own, that a plan
	// download may be redirected to, without the token (default
	// archivist.terraform.io, where HCP Terraform keeps plans).
	ArchiveHosts []string
	// ExternalURL is how HCP Terraform users reach this service, for
	// results-page links (default http://<listen address>).
	ExternalURL string
	// Workers is how many tasks are judged at once per process (default 10).
	Workers int
	// MaxPlanBytes caps a plan download (default 256 MiB).
	MaxPlanBytes int64
	// MaxRequestBytes caps a run-task request body (default 1 MiB).
	MaxRequestBytes int64
	// MaxQueuedTasks caps the tasks accepted and not yet called back; beyond
	// it a POST is answered 503 with a message HCP Terraform shows (default
	// 1000; negative: no cap).
	MaxQueuedTasks int
	// UnsyncedAccept answers a POST once its request is committed to the
	// operating system rather than to disk: a process crash still loses
	// nothing, a power cut can lose what was accepted in the last moments
	// (SQLite synchronous=NORMAL, PostgreSQL synchronous_commit=off for the
	// accepting transaction). The default syncs before the 200.
	UnsyncedAccept bool
	// PlanFetchTimeout bounds the plan download, all attempts and waits
	// between them together (default 2m).
	PlanFetchTimeout time.Duration
	// PlanAttemptTimeout bounds one HTTP exchange with HCP Terraform, body
	// included: a plan download attempt or a callback (default 1m).
	PlanAttemptTimeout time.Duration
	// JudgeTimeout bounds judging a downloaded plan, the wait for a judging
	// slot included (default 2m).
	JudgeTimeout time.Duration
	// ProgressInterval is how often a task being worked tells HCP Terraform
	// it is running; HCP Terraform errors a task without progress for 10
	// minutes (default 2m).
	ProgressInterval time.Duration
	// ShutdownTimeout bounds a graceful stop from start to end (default
	// 25s: inside Kubernetes' default grace period of 30 s, after which the
	// process is killed). Running tasks get all of it but a fifth (at most
	// 5 s) to finish; then they are cancelled and handed back to the queue
	// as they were, for the next process or another replica. Stop takes
	// stopHardWait more only when a task does not give way.
	ShutdownTimeout time.Duration
	// ShutdownDelay is how long, once Stop begins, the service goes on
	// answering requests (and queueing run tasks) while /readyz answers
	// 503, so that load balancers stop sending before the port closes
	// (default none; cmd/prodgate's is 5s). It is part of ShutdownTimeout
	// and must be shorter; running tasks go on meanwhile, no new one starts.
	ShutdownDelay time.Duration
	// IdleTimeout closes kept-alive connections idle this long (default 90s).
	IdleTimeout time.Duration
	// Retention is how long finished tasks and their results pages are kept
	// (default 90 days; negative keeps them for ever).
	Retention time.Duration
	Logger    *zap.Logger
	// HTTPClient talks to HCP Terraform (default: one idle connection kept
	// per worker); its Timeout is set to PlanAttemptTimeout.
	HTTPClient *http.Client
	// Now is the clock for waiver expiry and timestamps (default time.Now).
	Now func() time.Time
	// Version is prodgate's version, shown at the foot of run pages.
	Version string
	// OIDC configures single sign-on for the history, scorecard and API;
	// API tokens work with or without it.
	OIDC OIDCOptions
	// TestOnlyJudgingHook is for tests only: "crash:MARKER" ends the process
	// when a plan containing MARKER is judged, "stall:MARKER" never finishes
	// judging it.
	TestOnlyJudgingHook string
}

// maxHeaderBytes bounds a request's header: HCP Terraform's are a few
// hundred bytes.
const maxHeaderBytes = 32 << 10

// callbackBudget is the part of a job's timeout left for the final
// callback and the database once the plan is fetched and judged.
const callbackBudget = time.Minute

// stopHardWait is how long Stop waits, once ShutdownTimeout has run out (or
// its caller gave up), for cancelled tasks to be handed back before it
// closes the database regardless; a task left behind is taken up by the
// next process as one of a crashed process is.
const stopHardWait = 2 * time.Second

// Service is the run-task service: HTTP front door, durable queue, workers.
// New wires it, Start returns once it is listening, Stop tears it down in
// reverse order and is safe to call more than once.
type Service struct {
	opts     Options
	log      *zap.Logger
	signer   *Signer
	secrets  *secrets
	policies *policyKeeper
	tfc      *TFCClient
	db       *database
	acceptor *acceptor
	// judging holds a token per plan being parsed and evaluated: one fewer
	// than the CPUs (at least one), and each plan is judged on that many
	// goroutines, so answering POSTs never waits for a core.
	judging chan struct{}
	// jobTimeout bounds one attempt of a task: fetch, judging, callbacks.
	jobTimeout time.Duration
	// finalCallbackGrace is how long a final callback under way may go on
	// once its job is cancelled (see process).
	finalCallbackGrace time.Duration
	judgingHook        func(plan []byte)
	metrics            *metrics
	auth               *auth
	http               *http.Server
	listener           net.Listener
	now                func() time.Time

	// draining is set once Stop begins: /readyz answers 503.
	draining atomic.Bool
	// stopWatch ends the policy file watch, if any.
	stopWatch func()

	stopOnce sync.Once
	stopErr  error
	started  bool
}

// New opens the database, migrates it and prepares the queue and handlers.
func New(ctx context.Context, opts Options) (*Service, error) {
	policy := opts.Policy
	if policy == nil && opts.Engine != nil {
		policy = &Policy{Engine: opts.Engine}
	}
	if policy == nil || policy.Engine == nil {
		return nil, errors.New("runtask: no policy engine")
	}
	opts = withDefaults(opts)
	if opts.PlanAttemptTimeout > opts.PlanFetchTimeout {
		return nil, fmt.Errorf("runtask: the plan attempt timeout (%s) is longer than the whole plan fetch timeout (%s)", opts.PlanAttemptTimeout, opts.PlanFetchTimeout)
	}
	if opts.ShutdownDelay >= opts.ShutdownTimeout {
		return nil, fmt.Errorf("runtask: the shutdown delay (%s) is not shorter than the shutdown timeout (%s), of which it is a part", opts.ShutdownDelay, opts.ShutdownTimeout)
	}
	hook, err := judgingHookFor(opts.TestOnlyJudgingHook)
	if err != nil {
		return nil, fmt.Errorf("runtask: %w", err)
	}
	// Running tasks get the stop's budget but a reserve, in which those that
	// did not finish are cancelled and handed back.
	stopReserve := min(5*time.Second, opts.ShutdownTimeout/5)
	s := &Service{opts: opts, log: opts.Logger, now: opts.Now, judgingHook: hook,
		judging:            make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1)),
		jobTimeout:         opts.PlanFetchTimeout + opts.JudgeTimeout + callbackBudget,
		finalCallbackGrace: stopReserve / 2}
	if opts.InsecureNoHMAC {
		s.log.Warn("accepting run-task requests without an HMAC signature (--insecure-no-hmac): anyone who can reach this port can submit work")
	} else {
		signer, err := NewSigner(opts.HMACKeys...)
		if err != nil {
			return nil, fmt.Errorf("runtask: %w; set --hmac-key (PRODGATE_HMAC_KEY) to the run task's HMAC key", err)
		}
		s.signer = signer
	}
	s.secrets = newSecrets(opts.HMACKeys)
	s.tfc = &TFCClient{HTTP: opts.HTTPClient, Hosts: HostPolicy{Allowed: opts.AllowedHosts},
		ArchiveHosts: HostPolicy{Allowed: opts.ArchiveHosts}, MaxPlanBytes: opts.MaxPlanBytes, FetchTimeout: opts.PlanFetchTimeout, Logger: s.log}

	riverLog := slog.New(zapSlogHandler{log: s.log.Named("queue")})
	db, err := openDatabase(ctx, opts.DatabaseURL, queueSettings{workers: opts.Workers, worker: &evaluateWorker{svc: s},
		jobTimeout: s.jobTimeout, softStop: opts.ShutdownTimeout - stopReserve, unsyncedAccept: opts.UnsyncedAccept,
		maxWaiting: max(opts.MaxQueuedTasks, 0), retention: opts.Retention, now: opts.Now, logger: riverLog, log: s.log})
	if err != nil {
		return nil, err
	}
	s.db = db
	s.acceptor = newAcceptor(db.queue.accept, acceptTimeout)
	s.metrics = newMetrics(db.store.unfinished)
	s.policies = newPolicyKeeper(policy, opts.CompilePolicy, s.log, s.metrics, s.now)
	s.auth = newAuth(s.secrets, db.store.tokens(), opts.ExternalURL, s.externalBase, opts.OIDC, opts.Now, s.log)
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: opts.IdleTimeout, MaxHeaderBytes: maxHeaderBytes}
	return s, nil
}

func withDefaults(o Options) Options {
	if o.Listen == "" {
		o.Listen = ":8080"
	}
	if o.Path == "" {
		o.Path = "/runtask"
	}
	if !strings.HasPrefix(o.Path, "/") {
		o.Path = "/" + o.Path
	}
	if o.DatabaseURL == "" {
		o.DatabaseURL = "prodgate.db"
	}
	if len(o.AllowedHosts) == 0 {
		o.AllowedHosts = []string{"app.terraform.io"}
	}
	if len(o.ArchiveHosts) == 0 {
		o.ArchiveHosts = []string{DefaultArchiveHost}
	}
	if o.Workers <= 0 {
		o.Workers = 10
	}
	if o.MaxPlanBytes <= 0 {
		o.MaxPlanBytes = 256 << 20
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = 1 << 20
	}
	o.PlanFetchTimeout = cmp.Or(max(o.PlanFetchTimeout, 0), DefaultFetchTimeout)
	o.PlanAttemptTimeout = cmp.Or(max(o.PlanAttemptTimeout, 0), DefaultAttemptTimeout)
	o.JudgeTimeout = cmp.Or(max(o.JudgeTimeout, 0), 2*time.Minute)
	o.ProgressInterval = cmp.Or(max(o.ProgressInterval, 0), 2*time.Minute)
	o.ShutdownTimeout = cmp.Or(max(o.ShutdownTimeout, 0), 25*time.Second)
	o.ShutdownDelay = max(o.ShutdownDelay, 0)
	o.IdleTimeout = cmp.Or(max(o.IdleTimeout, 0), 90*time.Second)
	if o.MaxQueuedTasks == 0 {
		o.MaxQueuedTasks = 1000
	}
	if o.Retention == 0 {
		o.Retention = 90 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.HTTPClient == nil {
		// Every worker downloads a plan and sends callbacks at the same
		// time; Go's default keeps two idle connections per host, so over
		// HTTP/1.1 (a Terraform Enterprise behind a proxy, loopback) most
		// of them would dial, and shake hands, anew for every request.
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConnsPerHost = o.Workers + 2
		o.HTTPClient = &http.Client{Transport: transport}
	}
	// One exchange, body included, whoever made the client.
	client := *o.HTTPClient
	client.Timeout = o.PlanAttemptTimeout
	o.HTTPClient = &client
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Start listens, starts the workers and serves in the background.
func (s *Service) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opts.Listen, err)
	}
	if s.opts.WatchPolicy && s.opts.CompilePolicy != nil {
		if s.stopWatch, err = s.policies.watch(); err != nil {
			ln.Close()
			return err
		}
	}
	// The queue's context is not the caller's: Stop decides when work ends.
	if err := s.db.queue.start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		if s.stopWatch != nil {
			s.stopWatch()
			s.stopWatch = nil
		}
		return fmt.Errorf("start job queue: %w", err)
	}
	s.started = true
	// Only a service that serves has requests to drain at Stop.
	s.listener = ln
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("HTTP server stopped", zap.Error(err))
		}
	}()
	policy := s.policies.policy()
	s.log.Info("prodgate serve listening", zap.String("addr", ln.Addr().String()), zap.String("path", s.opts.Path),
		zap.String("database", s.db.kind), zap.String("standard", policy.Engine.Standard()), zap.String("policy_hash", policy.Hash),
		zap.String("policy_file", policy.File), zap.Strings("allowed_hosts", s.opts.AllowedHosts), zap.Strings("archive_hosts", s.opts.ArchiveHosts))
	return nil
}

// ReloadPolicy reads the policy file again and takes the new policy if it
// compiles; otherwise the policy in force is kept and the error says why,
// with file and line. Tasks already being worked keep the policy they
// started with.
func (s *Service) ReloadPolicy() error { return s.policies.reload(reloadOnDemand) }

// Addr is the address the service listens on, once started.
func (s *Service) Addr() string {
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Stop is the graceful stop, within ShutdownTimeout. At once: /readyz
// answers 503 and no new task starts, while running ones go on. After
// ShutdownDelay the port closes; requests under way are answered (a run
// task accepted is a run task stored). Running tasks that have not
// finished when all but the reserve of the budget is spent are cancelled
// and River hands them back as they were (the attempt does not count), for
// the next process or another replica. Then the database closes. When ctx
// ends first, what is still running is cancelled at once. Stop is safe to
// call more than once.
func (s *Service) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		began := time.Now()
		ctx, cancel := context.WithTimeout(ctx, s.opts.ShutdownTimeout)
		defer cancel()
		s.draining.Store(true)
		s.log.Info("stopping: /readyz answers 503, no new task starts, running tasks may finish",
			zap.Duration("shutdown_delay", s.opts.ShutdownDelay), zap.Duration("shutdown_timeout", s.opts.ShutdownTimeout))
		if s.stopWatch != nil {
			s.stopWatch()
		}
		var errs []error
		// River stops fetching at once and lets running jobs finish until
		// its soft stop timeout (riverConfig), then cancels them.
		queueStopped := make(chan error, 1)
		if s.started {
			go func() { queueStopped <- s.db.queue.stop(ctx) }()
		} else {
			queueStopped <- nil
		}
		if s.listener != nil {
			if s.opts.ShutdownDelay > 0 {
				delay := time.NewTimer(s.opts.ShutdownDelay)
				select {
				case <-delay.C:
				case <-ctx.Done():
					delay.Stop()
				}
			}
			if err := s.http.Shutdown(ctx); err != nil {
				s.http.Close()
				errs = append(errs, fmt.Errorf("stop HTTP server: %w", err))
			}
		}
		// Requests whose batch is being written wait for it: their tasks are
		// stored or answered 500, never lost in between.
		if err := s.acceptor.stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("store the last accepted requests: %w", err))
		}
		if err := <-queueStopped; err != nil {
			// Out of time, or the caller gave up: cancel what still runs.
			hard, cancelHard := context.WithTimeout(context.WithoutCancel(ctx), stopHardWait)
			if err := s.db.queue.stopAndCancel(hard); err != nil {
				errs = append(errs, fmt.Errorf("stop job queue: tasks still running are left to the next process: %w", err))
			}
			cancelHard()
		}
		s.db.close()
		s.stopErr = errors.Join(errs...)
		s.log.Info("prodgate serve stopped", zap.Duration("took", time.Since(began).Round(time.Millisecond)))
	})
	return s.stopErr
}

// resultsURL is the signed link to a task's results page.
func (s *Service) resultsURL(taskResultID string) string {
	base := strings.TrimRight(s.opts.ExternalURL, "/")
	if base == "" {
		base = "http://" + s.Addr()
	}
	return base + "/runs/" + taskResultID + "?sig=" + s.secrets.linkSignature(taskResultID)
}

// routes are the service's handlers. gin's mode is the process's to set
// (cmd/prodgate sets release mode), not a constructor's.
func (s *Service) routes() http.Handler {
	r := gin.New()
	r.Use(gin.Recovery())
	r.POST(s.opts.Path, s.handleRunTask)
	r.GET("/runs/:id", s.handleResults)
	s.pageRoutes(r)
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/readyz", s.handleReady)
	r.GET("/metrics", gin.WrapH(promHandler(s.metrics.registry)))
	return r
}
