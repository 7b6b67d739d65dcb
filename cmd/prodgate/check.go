package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/report"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type checkOptions struct {
	plan, policy, format, color string
	workspace, organization     string
	project, directory, asOf    string
	cpuProfile                  string
	showPassed, exitZero        bool
}

func newCheckCommand() *cobra.Command {
	var o checkOptions
	formats := make([]string, 0, 4)
	for _, f := range report.Formats() {
		formats = append(formats, string(f))
	}
	cmd := &cobra.Command{
		Use:   "check --plan FILE",
		Short: "Judge a plan against the production-ready standard",
		Long: `Judge a Terraform plan against the production-ready standard.

The plan is JSON from 'terraform show -json PLANFILE', '-' for stdin, or a binary plan
file (converted with 'terraform show -json' when terraform is on PATH).

The policy is --policy, else $PRODGATE_POLICY, else ./prodgate.yaml, else the strict
built-in standard. Inside Atlantis the run context comes from WORKSPACE, PROJECT_NAME,
REPO_REL_DIR and BASE_REPO_OWNER unless flags say otherwise, and --plan defaults to $SHOWFILE.

Exit codes: 0 the gate passed, 1 the gate failed, 2 bad input (unreadable plan,
invalid policy), 3 internal error. With --exit-zero the exit code is 0 whenever a
verdict was reached (Atlantis custom policy checks read the verdict from the output).`,
		Example: `  terraform plan -out tfplan && terraform show -json tfplan > plan.json
  prodgate check --plan plan.json
  prodgate check --plan tfplan --policy prodgate.yaml --workspace payments-prod
  terraform show -json tfplan | prodgate check --plan - --format json

  # Atlantis custom workflow (policy_check step)
  prodgate check --plan $SHOWFILE --format atlantis --exit-zero`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCheck(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.plan, "plan", "", "plan JSON file, '-' for stdin, or a binary plan file (default $SHOWFILE)")
	f.StringVar(&o.policy, "policy", "", "policy file (default $PRODGATE_POLICY, else ./prodgate.yaml, else built-in)")
	f.StringVar(&o.format, "format", string(report.FormatText), "output format: "+strings.Join(formats, "|"))
	f.StringVar(&o.color, "color", "auto", "colour text output: auto|always|never (auto: only on a terminal, never with NO_COLOR)")
	f.BoolVar(&o.showPassed, "show-passed", false, "list passing checks too")
	f.BoolVar(&o.exitZero, "exit-zero", false, "exit 0 when a verdict was reached, even a failing one (Atlantis custom policy checks)")
	f.StringVar(&o.workspace, "workspace", "", "workspace name for scope matching (default $WORKSPACE in Atlantis)")
	f.StringVar(&o.organization, "organization", "", "organization for scope matching (default $BASE_REPO_OWNER in Atlantis)")
	f.StringVar(&o.project, "project", "", "project for scope matching (default $PROJECT_NAME in Atlantis)")
	f.StringVar(&o.directory, "dir", "", "directory for scope matching (default $REPO_REL_DIR in Atlantis)")
	f.StringVar(&o.asOf, "as-of", "", "judge waivers as of this date (YYYY-MM-DD) instead of today, to reproduce an old verdict")
	_ = f.MarkHidden("as-of")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the check to this file (for performance reports)")
	_ = f.MarkHidden("cpuprofile")
	return cmd
}

func runCheck(cmd *cobra.Command, o checkOptions) error {
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return badInput(fmt.Errorf("--cpuprofile: %w", err))
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	now := time.Now()
	if o.asOf != "" {
		t, err := time.Parse(time.DateOnly, o.asOf)
		if err != nil {
			return badInput(fmt.Errorf("--as-of %q: want YYYY-MM-DD", o.asOf))
		}
		now = t
	}
	if o.plan == "" {
		o.plan = os.Getenv("SHOWFILE")
	}
	if o.plan == "" {
		return badInput(errors.New("no plan given: use --plan FILE (plan JSON, a binary plan file, or - for stdin)"))
	}
	format := report.Format(o.format)
	opts := report.Options{ShowPassed: o.showPassed}
	switch o.color {
	case "always":
		opts.Color = true
	case "never":
	case "auto":
		opts.Color = isTerminal(cmd.OutOrStdout()) && os.Getenv("NO_COLOR") == ""
	default:
		return badInput(fmt.Errorf("--color %q: want auto, always or never", o.color))
	}
	renderer, err := report.New(format, cmd.OutOrStdout(), opts)
	if err != nil {
		return badInput(err)
	}
	engine, _, err := loadEngine(o.policy, now)
	if err != nil {
		return err
	}
	plan, release, err := readPlan(cmd.Context(), o.plan, cmd.InOrStdin())
	if err != nil {
		return err
	}
	// Passing findings are only kept where they will be printed.
	omitPasses := !o.showPassed && format != report.FormatJSON
	rep := engine.EvaluateWith(plan, runContext(o), now, evaluator.Options{OmitPasses: omitPasses, Release: release})
	if err := renderer.Render(rep); err != nil {
		return &exitError{code: exitInternal, err: fmt.Errorf("render report: %w", err)}
	}
	if rep.Verdict != evaluator.VerdictPassed && !o.exitZero {
		return &exitError{code: exitFailed}
	}
	return nil
}

// runContext takes flags first, then the variables Atlantis sets for custom workflows.
func runContext(o checkOptions) evaluator.RunContext {
	rc := evaluator.RunContext{
		Workspace:    firstNonEmpty(o.workspace, os.Getenv("WORKSPACE")),
		Organization: firstNonEmpty(o.organization, os.Getenv("BASE_REPO_OWNER")),
		Project:      firstNonEmpty(o.project, os.Getenv("PROJECT_NAME")),
		Directory:    firstNonEmpty(o.directory, os.Getenv("REPO_REL_DIR")),
	}
	if owner, name := os.Getenv("BASE_REPO_OWNER"), os.Getenv("BASE_REPO_NAME"); owner != "" && name != "" {
		rc.Repository = owner + "/" + name
	}
	return rc
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// isTerminal reports whether w is an interactive terminal (not /dev/null,
// which is also a character device).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
