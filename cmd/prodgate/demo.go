//go:build !checkonly

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prodgate/prodgate/internal/tfcfake"
	"github.com/prodgate/prodgate/runtask"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
)

type demoOptions struct {
	listen, databaseURL, policy, plans, addrFile string
	days                                         int
	exit                                         bool
}

func newDemoCommand() *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show the service's pages filled with example runs, without HCP Terraform",
		Long: `Start the run-task service on this machine and send it example runs through the real
run-task protocol, so the run pages, the history and the scorecard can be seen at once.

prodgate plays HCP Terraform itself on 127.0.0.1: it signs each run-task request with a
fresh HMAC key, serves the example plans (--plans, default examples/plans) to the
service's download with the run's token, and takes the service's callbacks. The runs are
spread over the last --days days (the demo's service runs on a clock it moves back), over
a few workspaces, so the history has pages and the workspace trend has a point per day.

It prints the links and an API token to sign in with, then serves until interrupted.
Nothing leaves the machine; the database is a temporary directory unless --database-url
names one.`,
		Example: `  go run ./cmd/prodgate demo
  prodgate demo --listen 127.0.0.1:8080 --days 21`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to serve the pages on (port 0 picks a free port)")
	f.StringVar(&o.databaseURL, "database-url", "", "database to fill (default: a new SQLite file in a temporary directory, removed on exit)")
	f.StringVar(&o.policy, "policy", "", "policy to judge with (default examples/prodgate.yaml when present, else the built-in standard)")
	f.StringVar(&o.plans, "plans", "examples/plans", "directory of plan JSON files the runs use")
	f.IntVar(&o.days, "days", 14, "days of history to make up")
	f.StringVar(&o.addrFile, "addr-file", "", "write the address the service listens on to this file once the runs are judged")
	f.BoolVar(&o.exit, "exit", false, "exit once the runs are judged and the links printed, instead of serving")
	return cmd
}

// demoWorkspace is one workspace of the made-up estate and how its runs
// go: plan(day) names the plan of its runs that day, day 0 the oldest.
type demoWorkspace struct {
	org, name string
	perDay    int
	plan      func(day, days int) string
}

const (
	demoUnsafe    = "unsafe.json"
	demoCompliant = "compliant.json"
)

// demoEstate tells a story a reader can check on the pages: payments-prod
// was fixed half-way through, orders-prod slips now and then, search-dev
// is a development workspace (advisory: it passes whatever it plans), and
// ml-prod has never met the standard.
var demoEstate = []demoWorkspace{
	{"acme", "payments-prod", 2, func(day, days int) string {
		if day < days/2 {
			return demoUnsafe
		}
		return demoCompliant
	}},
	{"acme", "orders-prod", 1, func(day, _ int) string {
		if day%4 == 3 {
			return demoUnsafe
		}
		return demoCompliant
	}},
	{"acme", "search-dev", 1, func(day, _ int) string {
		if day%2 == 0 {
			return demoUnsafe
		}
		return demoCompliant
	}},
	{"acme-labs", "ml-prod", 1, func(int, int) string { return demoUnsafe }},
}

// demoClock is the service's clock, moved back to make up past days.
type demoClock struct{ offset atomic.Int64 }

func (c *demoClock) now() time.Time      { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *demoClock) set(d time.Duration) { c.offset.Store(int64(d)) }

func runDemo(cmd *cobra.Command, o demoOptions) error {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	if o.days < 1 || o.days > 90 {
		return badInput(fmt.Errorf("--days %d: want 1 to 90", o.days))
	}
	plans := map[string][]byte{}
	for _, name := range []string{demoUnsafe, demoCompliant} {
		data, err := os.ReadFile(filepath.Join(o.plans, name))
		if err != nil {
			return badInput(fmt.Errorf("read the example plan %s (run the demo from a clone of prodgate, or set --plans): %w", name, err))
		}
		plans[name] = data
	}
	if o.policy == "" {
		if _, err := os.Stat(filepath.Join("examples", "prodgate.yaml")); err == nil {
			o.policy = filepath.Join("examples", "prodgate.yaml")
		} else if !errors.Is(err, fs.ErrNotExist) {
			return badInput(err)
		}
	}
	policy, _, err := servePolicy(o.policy)
	if err != nil {
		return err
	}
	if o.databaseURL == "" {
		dir, err := os.MkdirTemp("", "prodgate-demo-")
		if err != nil {
			return fmt.Errorf("make the demo's database directory: %w", err)
		}
		defer os.RemoveAll(dir)
		o.databaseURL = filepath.Join(dir, "prodgate.db")
	}

	fake, err := tfcfake.New()
	if err != nil {
		return fmt.Errorf("start the stand-in HCP Terraform: %w", err)
	}
	defer fake.Close()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	hmacKey := hex.EncodeToString(key)
	clock := &demoClock{}
	gin.SetMode(gin.ReleaseMode)
	svc, err := runtask.New(ctx, runtask.Options{
		Listen: o.listen, HMACKeys: []string{hmacKey}, DatabaseURL: o.databaseURL, Policy: policy,
		AllowedHosts: []string{"127.0.0.1"}, ArchiveHosts: []string{"127.0.0.2", "localhost"},
		Version: buildVersion(), Logger: zap.NewNop(), Now: clock.now, Workers: 4,
	})
	if err != nil {
		return err
	}
	if err := svc.Start(ctx); err != nil {
		_ = svc.Stop(context.WithoutCancel(ctx))
		return err
	}
	defer func() { _ = svc.Stop(context.WithoutCancel(ctx)) }()
	base := "http://" + svc.Addr()

	fmt.Fprintf(out, "prodgate demo: the service listens on %s; playing HCP Terraform for %d days of runs…\n", base, o.days)
	latest := map[string]string{} // workspace → latest task's run page
	runs := 0
	for day := o.days - 1; day >= 0; day-- {
		for _, ws := range demoEstate {
			for n := range ws.perDay {
				// Mid-morning and afternoon of that day.
				clock.set(-time.Duration(day)*24*time.Hour - time.Duration(n)*5*time.Hour)
				plan := plans[ws.plan(o.days-1-day, o.days)]
				url, err := demoRun(ctx, fake, base, hmacKey, ws, plan)
				if err != nil {
					return err
				}
				latest[ws.name] = url
				runs++
			}
		}
	}
	clock.set(0)
	token, _, err := runtask.CreateToken(ctx, o.databaseURL, "prodgate demo")
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\n%d runs judged. Open:\n\n", runs)
	fmt.Fprintf(out, "  history     %s/\n", base)
	fmt.Fprintf(out, "  scorecard   %s/scorecard\n", base)
	for _, ws := range demoEstate {
		fmt.Fprintf(out, "  run page    %s   (latest run of %s, a signed link: no sign-in needed)\n", latest[ws.name], ws.name)
	}
	fmt.Fprintf(out, "\nThe history and the scorecard ask you to sign in; paste this API token:\n\n  %s\n\n", token)
	if o.addrFile != "" {
		if err := os.WriteFile(o.addrFile, []byte(svc.Addr()+"\n"), 0o644); err != nil {
			return fmt.Errorf("write --addr-file: %w", err)
		}
	}
	if o.exit {
		return nil
	}
	fmt.Fprintln(out, "Serving until interrupted (Ctrl-C).")
	<-ctx.Done()
	return nil
}

// demoRun sends one signed run-task request for plan as HCP Terraform
// would, waits for the final callback and returns the run page's link.
func demoRun(ctx context.Context, fake *tfcfake.Server, base, hmacKey string, ws demoWorkspace, plan []byte) (string, error) {
	planID, _ := fake.AddPlan(plan)
	task := fake.NewTask(tfcfake.TaskOptions{PlanID: planID, Organization: ws.org, Workspace: ws.name, Project: "Demo"})
	status, _, err := fake.Deliver(ctx, base+"/runtask", task.Payload(), hmacKey)
	if err != nil {
		return "", fmt.Errorf("deliver a demo run: %w", err)
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("deliver a demo run: the service answered %d", status)
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	final, err := fake.WaitFinal(waitCtx, task.ID)
	if err != nil {
		return "", fmt.Errorf("wait for the verdict of a demo run: %w", err)
	}
	return final.URL, nil
}
