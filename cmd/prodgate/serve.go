//go:build !checkonly

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prodgate/prodgate/runtask"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// checkOnlyBuild is true in builds without the service (serve_checkonly.go).
const checkOnlyBuild = false

type serveOptions struct {
	listen, path, policy, databaseURL, externalURL, logLevel, addrFile string
	testOnlyJudgingHook                                                string
	oidcIssuer, oidcClientID, oidcClientSecret, oidcClientSecretFile   string
	oidcRedirectURL                                                    string
	oidcAllowedDomains                                                 []string
	hmacKey, hmacKeyPrevious, hmacKeyFile                              string
	allowedHosts, archiveHosts                                         []string
	insecureNoHMAC, generateKey, syncAccepted, watchPolicy             bool
	workers, maxQueuedTasks                                            int
	maxPlanBytes                                                       int64
	shutdownTimeout, shutdownDelay, retention                          time.Duration
	planFetchTimeout, planAttemptTimeout, judgeTimeout, progressEvery  time.Duration
}

func newServeCommand() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HCP Terraform / Terraform Enterprise run-task service",
		Long: `Run the HCP Terraform / Terraform Enterprise run-task service.

HCP Terraform POSTs a signed request to --path for every run of a workspace that has
prodgate attached as a run task. prodgate answers 200 at once, keeps the request as a
durable job, downloads the plan with the run's token, judges it against the policy and
PATCHes passed or failed with one outcome per finding and a link to a results page.

By default everything lives in one SQLite file (--database-url prodgate.db): no other
service is needed. For several replicas, point them all at one PostgreSQL database
(--database-url postgres://…).

Every flag can also be set with an environment variable: PRODGATE_ followed by the flag
name in capitals with _ for - (e.g. PRODGATE_HMAC_KEY, PRODGATE_DATABASE_URL).

Without an HMAC key the service refuses to start, unless --insecure-no-hmac is given. On
a developer's terminal (or with --generate-hmac-key) it generates one, saves it beside the
database and prints it once, to paste into HCP Terraform.

The policy file is read again when it changes (--watch-policy) and on SIGHUP. A policy
that does not compile is refused: the one in force is kept, the problems are logged with
file and line and shown by /readyz. Every task records the sha256 of the policy that
judged it; its callbacks and results page name it.

SIGTERM (or Ctrl-C) stops gracefully within --shutdown-timeout: /readyz answers 503 at
once and no new task starts; requests are still answered for --shutdown-delay, so that
load balancers stop sending; running tasks may finish, and those that cannot in time are
handed back to the queue for the next process or another replica. A second signal stops
at once, handing running tasks back.`,
		Example: `  prodgate serve --hmac-key "$RUN_TASK_HMAC_KEY" --policy prodgate.yaml
  PRODGATE_DATABASE_URL=postgres://prodgate@db/prodgate prodgate serve --external-url https://prodgate.example.com
  prodgate serve --allowed-hosts tfe.example.com --external-url https://prodgate.example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", ":8080", "address to listen on (port 0 picks a free port)")
	f.StringVar(&o.path, "path", "/runtask", "path HCP Terraform POSTs run-task requests to")
	f.StringVar(&o.policy, "policy", "", "policy file (default ./prodgate.yaml if present, else the built-in standard)")
	f.StringVar(&o.databaseURL, "database-url", "prodgate.db", "SQLite file path, or postgres://… shared by several replicas")
	f.StringVar(&o.hmacKey, "hmac-key", "", "the run task's HMAC key")
	f.StringVar(&o.hmacKeyPrevious, "hmac-key-previous", "", "the previous HMAC key, still accepted while a rotation is under way")
	f.StringVar(&o.hmacKeyFile, "hmac-key-file", "", "read the HMAC key from this file")
	f.BoolVar(&o.insecureNoHMAC, "insecure-no-hmac", false, "accept unsigned requests (local experiments only)")
	f.BoolVar(&o.generateKey, "generate-hmac-key", false, "generate an HMAC key when none is configured, save it beside the database and print it once")
	f.StringSliceVar(&o.allowedHosts, "allowed-hosts", []string{"app.terraform.io"}, "hosts the run's token may be sent to (plan download and callback); add your Terraform Enterprise host")
	f.StringSliceVar(&o.archiveHosts, "archive-hosts", []string{runtask.DefaultArchiveHost}, "hosts besides the plan URL's own that a plan download may be redirected to, without the token (HCP Terraform's archivist; Terraform Enterprise redirects to itself)")
	f.StringVar(&o.externalURL, "external-url", "", "base URL users reach this service at, for results-page links (default http://<listen address>)")
	f.IntVar(&o.workers, "workers", 10, "tasks judged at once by this process")
	f.IntVar(&o.maxQueuedTasks, "max-queued-tasks", 1000, "tasks accepted and not yet called back beyond which a run-task POST is answered 503, with a message HCP Terraform shows (negative: no limit)")
	f.Int64Var(&o.maxPlanBytes, "max-plan-bytes", 256<<20, "largest plan JSON accepted, in bytes")
	f.BoolVar(&o.syncAccepted, "sync-accepted", true, "answer a run-task POST only once its request is on disk (SQLite synchronous=FULL, PostgreSQL synchronous_commit=on for that commit); false answers once the operating system has it: a crash of prodgate loses nothing, a power cut can lose the last requests")
	f.DurationVar(&o.planFetchTimeout, "plan-fetch-timeout", runtask.DefaultFetchTimeout, "how long downloading a plan may take, every attempt and wait between them together; then the task fails")
	f.DurationVar(&o.planAttemptTimeout, "plan-attempt-timeout", runtask.DefaultAttemptTimeout, "how long one exchange with HCP Terraform may take, body included (a plan download attempt, a callback)")
	f.DurationVar(&o.judgeTimeout, "judge-timeout", 2*time.Minute, "how long judging a downloaded plan may take, waiting for a judging slot included; then the task fails")
	f.DurationVar(&o.progressEvery, "progress-interval", 2*time.Minute, "how often a task being judged tells HCP Terraform it is running (HCP Terraform errors a task without progress for 10 minutes)")
	f.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 25*time.Second, "how long a graceful stop (SIGTERM) may take in all; keep it below the pod's terminationGracePeriodSeconds (30s by default). Running tasks may finish until a fifth of it (at most 5s) is left, then are handed back to the queue")
	f.DurationVar(&o.shutdownDelay, "shutdown-delay", 5*time.Second, "how long after SIGTERM requests are still answered, /readyz answering 503, so that load balancers stop sending before the port closes; part of --shutdown-timeout (0 on a machine without a load balancer)")
	f.BoolVar(&o.watchPolicy, "watch-policy", true, "reload the policy file when it changes (its directory is watched, so editors' saves and Kubernetes ConfigMap updates count); SIGHUP reloads it either way")
	f.DurationVar(&o.retention, "retention", 90*24*time.Hour, "how long finished tasks and their results pages are kept (negative: for ever)")
	f.StringVar(&o.logLevel, "log-level", "info", "debug|info|warn|error")
	f.StringVar(&o.addrFile, "addr-file", "", "write the address the service listens on to this file once it listens")
	f.StringVar(&o.oidcIssuer, "oidc-issuer", "", "OpenID Connect issuer URL for single sign-on to the history, scorecard and API (API tokens work without it)")
	f.StringVar(&o.oidcClientID, "oidc-client-id", "", "OpenID Connect client id registered for this service")
	f.StringVar(&o.oidcClientSecret, "oidc-client-secret", "", "OpenID Connect client secret")
	f.StringVar(&o.oidcClientSecretFile, "oidc-client-secret-file", "", "read the OpenID Connect client secret from this file")
	f.StringVar(&o.oidcRedirectURL, "oidc-redirect-url", "", "callback URL registered with the provider (default <external URL>/auth/callback)")
	f.StringSliceVar(&o.oidcAllowedDomains, "oidc-allowed-domains", nil, "admit only users whose verified e-mail is in these domains (default: anyone the provider signs in)")
	// For tests only (hidden): makes judging a plan that contains a marker
	// crash the process or never end; see runtask.Options.TestOnlyJudgingHook.
	f.StringVar(&o.testOnlyJudgingHook, "test-only-judging-hook", "", "crash:MARKER or stall:MARKER (tests only)")
	_ = f.MarkHidden("test-only-judging-hook")
	documentEnv(f)
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd.Flags()) }
	return cmd
}

// envName is the PRODGATE_* variable that sets a flag.
func envName(flag string) string {
	return "PRODGATE_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func documentEnv(f *pflag.FlagSet) {
	f.VisitAll(func(fl *pflag.Flag) { fl.Usage += " [$" + envName(fl.Name) + "]" })
}

// bindEnv sets every flag not given on the command line from its PRODGATE_* variable.
func bindEnv(f *pflag.FlagSet) error {
	var errs []error
	f.VisitAll(func(fl *pflag.Flag) {
		if fl.Changed {
			return
		}
		if v, ok := os.LookupEnv(envName(fl.Name)); ok {
			if err := f.Set(fl.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", envName(fl.Name), v, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return badInput(err)
	}
	return nil
}

func runServe(cmd *cobra.Command, o serveOptions) error {
	log, err := newLogger(o.logLevel)
	if err != nil {
		return badInput(err)
	}
	defer func() { _ = log.Sync() }()
	hup, stopSIGHUP := notifySIGHUP()
	defer stopSIGHUP()
	policy, compile, err := servePolicy(o.policy)
	if err != nil {
		return err
	}
	oidcOpts, err := o.oidcOptions()
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		defer holdHeapFloor(serveHeapFloor)()
	}
	keys, err := hmacKeys(cmd, o)
	if err != nil {
		return err
	}
	// gin's mode is process-wide state: the command, not the service's
	// constructor, decides it (debug mode prints every route at start).
	gin.SetMode(gin.ReleaseMode)
	svc, err := runtask.New(cmd.Context(), runtask.Options{
		Listen: o.listen, Path: o.path, HMACKeys: keys, InsecureNoHMAC: o.insecureNoHMAC,
		DatabaseURL: o.databaseURL, Policy: policy, CompilePolicy: compile, WatchPolicy: o.watchPolicy,
		AllowedHosts: o.allowedHosts, ArchiveHosts: o.archiveHosts, ExternalURL: o.externalURL,
		Workers: o.workers, MaxPlanBytes: o.maxPlanBytes, ShutdownTimeout: o.shutdownTimeout, ShutdownDelay: o.shutdownDelay,
		Retention: o.retention, Logger: log,
		PlanFetchTimeout: o.planFetchTimeout, PlanAttemptTimeout: o.planAttemptTimeout, JudgeTimeout: o.judgeTimeout, ProgressInterval: o.progressEvery,
		UnsyncedAccept: !o.syncAccepted, MaxQueuedTasks: o.maxQueuedTasks,
		TestOnlyJudgingHook: o.testOnlyJudgingHook,
		Version:             buildVersion(), OIDC: oidcOpts,
	})
	if err != nil {
		return err
	}
	if err := svc.Start(cmd.Context()); err != nil {
		_ = svc.Stop(cmd.Context())
		return err
	}
	if o.addrFile != "" {
		if err := os.WriteFile(o.addrFile, []byte(svc.Addr()+"\n"), 0o644); err != nil {
			_ = svc.Stop(cmd.Context())
			return fmt.Errorf("write --addr-file: %w", err)
		}
	}
	stopReloads := reloadOnSIGHUP(hup, svc, log)
	<-cmd.Context().Done()
	stopReloads()
	stopCtx, release := stopContext(cmd.Context(), log)
	defer release()
	return svc.Stop(stopCtx)
}

// stopContext is the context a graceful stop runs in: it outlives the
// signal that ended ctx, and ends at a second SIGINT or SIGTERM, which
// stops at once.
func stopContext(ctx context.Context, log *zap.Logger) (context.Context, context.CancelFunc) {
	stopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	go func() {
		defer signal.Stop(again)
		select {
		case sig := <-again:
			log.Warn("second signal: stopping at once; running tasks are handed back to the queue", zap.String("signal", sig.String()))
			cancel()
		case <-stopCtx.Done():
		}
	}()
	return stopCtx, cancel
}

// hmacKeys resolves the keys: flags and environment first, then a key file,
// then (on a terminal or when asked) a generated key saved beside the database.
func hmacKeys(cmd *cobra.Command, o serveOptions) ([]string, error) {
	current := o.hmacKey
	if current == "" && o.hmacKeyFile != "" {
		data, err := os.ReadFile(o.hmacKeyFile)
		if err != nil {
			return nil, badInput(fmt.Errorf("read --hmac-key-file: %w", err))
		}
		current = strings.TrimSpace(string(data))
	}
	if current != "" {
		return nonEmpty(current, o.hmacKeyPrevious), nil
	}
	if o.insecureNoHMAC {
		return nil, nil
	}
	if strings.Contains(o.databaseURL, "://") && !strings.HasPrefix(o.databaseURL, "sqlite://") {
		return nil, badInput(errors.New("no HMAC key: set --hmac-key or PRODGATE_HMAC_KEY to the run task's HMAC key (or --insecure-no-hmac for local experiments)"))
	}
	keyFile := filepath.Join(filepath.Dir(strings.TrimPrefix(o.databaseURL, "sqlite://")), "prodgate.hmac-key")
	if data, err := os.ReadFile(keyFile); err == nil {
		return []string{strings.TrimSpace(string(data))}, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, badInput(fmt.Errorf("read %s: %w", keyFile, err))
	}
	if !o.generateKey && !isTerminal(os.Stdin) {
		return nil, badInput(errors.New("no HMAC key: set --hmac-key or PRODGATE_HMAC_KEY to the run task's HMAC key, --generate-hmac-key to create one, or --insecure-no-hmac for local experiments"))
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("generate HMAC key: %w", err)
	}
	key := hex.EncodeToString(buf)
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("save generated HMAC key: %w", err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "prodgate: generated an HMAC key and saved it to %s (shown once):\n\n    %s\n\nUse it as the run task's HMAC key in HCP Terraform.\n\n", keyFile, key)
	return []string{key}, nil
}

func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func newLogger(level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	cfg.EncoderConfig.TimeKey = "time"
	cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	cfg.Sampling = nil
	return cfg.Build()
}

// oidcOptions reads the single sign-on flags: all of issuer, client id and
// secret, or none.
func (o serveOptions) oidcOptions() (runtask.OIDCOptions, error) {
	secret := o.oidcClientSecret
	if secret == "" && o.oidcClientSecretFile != "" {
		data, err := os.ReadFile(o.oidcClientSecretFile)
		if err != nil {
			return runtask.OIDCOptions{}, badInput(fmt.Errorf("read --oidc-client-secret-file: %w", err))
		}
		secret = strings.TrimSpace(string(data))
	}
	opts := runtask.OIDCOptions{Issuer: o.oidcIssuer, ClientID: o.oidcClientID, ClientSecret: secret,
		RedirectURL: o.oidcRedirectURL, AllowedDomains: o.oidcAllowedDomains}
	if opts.Issuer == "" && opts.ClientID == "" && secret == "" {
		return opts, nil
	}
	if opts.Issuer == "" || opts.ClientID == "" || secret == "" {
		return runtask.OIDCOptions{}, badInput(errors.New("single sign-on needs --oidc-issuer, --oidc-client-id and --oidc-client-secret (or --oidc-client-secret-file) together"))
	}
	return opts, nil
}
