package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/report"
	"github.com/prodgate/prodgate/report/source"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type checkOptions struct {
	plan, policy, format, color string
	workspace, organization     string
	project, directory, asOf    string
	cpuProfile, sourceDir       string
	outputs                     []string
	markdownLimit               int
	showPassed, exitZero        bool
}

func newCheckCommand() *cobra.Command {
	var o checkOptions
	formats := make([]string, 0, len(report.Formats()))
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

One evaluation writes every report: --format goes to stdout, and each --output
FORMAT=FILE (repeatable) to its file, for example SARIF for GitHub code scanning,
JUnit for a GitLab test report and the markdown PR comment in one CI step. The
markdown format stays under GitHub's 65,536-character comment limit and says so
when it summarises. With --source-dir (the Terraform root module's directory)
findings carry the file:line of their resource block, local modules included.

Exit codes: 0 the gate passed, 1 the gate failed, 2 bad input (unreadable plan,
invalid policy, a report file that cannot be created), 3 internal error (including
a report that could not be written). With --exit-zero the exit code is 0 whenever a
verdict was reached (Atlantis custom policy checks read the verdict from the output).`,
		Example: `  terraform plan -out tfplan && terraform show -json tfplan > plan.json
  prodgate check --plan plan.json
  prodgate check --plan tfplan --policy prodgate.yaml --workspace payments-prod
  terraform show -json tfplan | prodgate check --plan - --format json

  # CI: one evaluation, three reports, file:line from the configuration
  prodgate check --plan plan.json --source-dir . \
    --output sarif=prodgate.sarif --output junit=prodgate.xml --output markdown=prodgate.md

  # the run page as one self-contained HTML file, for a CI artifact
  prodgate check --plan plan.json --output html=prodgate.html

  # Atlantis custom workflow (policy_check step)
  prodgate check --plan $SHOWFILE --format atlantis --exit-zero`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCheck(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.plan, "plan", "", "plan JSON file, '-' for stdin, or a binary plan file (default $SHOWFILE)")
	f.StringVar(&o.policy, "policy", "", "policy file (default $PRODGATE_POLICY, else ./prodgate.yaml, else built-in)")
	f.StringVar(&o.format, "format", string(report.FormatText), "output format on stdout: "+strings.Join(formats, "|"))
	f.StringArrayVar(&o.outputs, "output", nil, "also write a report to a file, FORMAT=FILE ("+strings.Join(formats, "|")+"); repeatable")
	f.IntVar(&o.markdownLimit, "markdown-limit", report.MarkdownLimit, "most bytes of a markdown report; past it findings are counted per rule instead of listed (0: no limit). Lower it to leave room for text a CI step adds")
	f.StringVar(&o.sourceDir, "source-dir", "", "Terraform root module directory: show findings at the file:line of their resource block")
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
	format, opts, color, err := o.reportOptions(cmd.OutOrStdout())
	if err != nil {
		return badInput(err)
	}
	files, err := parseOutputs(o.outputs)
	if err != nil {
		return badInput(err)
	}
	engine, policy, err := loadEngine(o.policy, now)
	if err != nil {
		return err
	}
	opts.Rules = ruleMetas(policy)
	if err := openOutputs(files); err != nil {
		discardOutputs(files)
		return badInput(err)
	}
	defer discardOutputs(files) // after a commit there is nothing left to discard
	plan, release, err := readPlan(cmd.Context(), o.plan, cmd.InOrStdin())
	if err != nil {
		return err
	}
	if o.sourceDir != "" {
		if opts.Locator, err = loadSource(o.sourceDir, o.plan); err != nil {
			return badInput(fmt.Errorf("--source-dir: %w", err))
		}
	}
	// Passing findings are only kept where they will be printed.
	omitPasses := !o.showPassed && !report.NeedsPasses(format)
	for _, f := range files {
		omitPasses = omitPasses && !report.NeedsPasses(f.format)
	}
	rep := engine.EvaluateWith(plan, runContext(o), now, evaluator.Options{OmitPasses: omitPasses, Release: release})
	opts.PolicyHash, opts.ScopeMatch = policyHash(policy), scopeMatch(policy, rep)

	stdoutOpts := opts
	stdoutOpts.Color = color
	if err := render(format, cmd.OutOrStdout(), stdoutOpts, rep); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	for _, f := range files {
		if err := render(f.format, f.tmp, opts, rep); err != nil {
			return &exitError{code: exitInternal, err: fmt.Errorf("%w (for --output %s=%s)", err, f.format, f.path)}
		}
	}
	if err := commitOutputs(files); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	if rep.Verdict != evaluator.VerdictPassed && !o.exitZero {
		return &exitError{code: exitFailed}
	}
	return nil
}

// reportOptions reads the flags that shape the reports: the stdout format,
// the options every renderer shares, and whether stdout gets colour.
func (o checkOptions) reportOptions(stdout io.Writer) (report.Format, report.Options, bool, error) {
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return "", report.Options{}, false, fmt.Errorf("--format: %w", err)
	}
	if o.markdownLimit < 0 {
		return "", report.Options{}, false, fmt.Errorf("--markdown-limit %d: want a number of bytes, or 0 for no limit", o.markdownLimit)
	}
	opts := report.Options{ShowPassed: o.showPassed, ToolVersion: buildVersion(), PlanFile: o.plan, MarkdownLimit: o.markdownLimit}
	if o.markdownLimit == 0 {
		opts.MarkdownLimit = -1 // report.Options: negative is no limit
	}
	if wd, err := os.Getwd(); err == nil {
		opts.WorkingDir = wd
	}
	color := false
	switch o.color {
	case "always":
		color = true
	case "never":
	case "auto":
		color = isTerminal(stdout) && os.Getenv("NO_COLOR") == ""
	default:
		return "", report.Options{}, false, fmt.Errorf("--color %q: want auto, always or never", o.color)
	}
	return format, opts, color, nil
}

func render(format report.Format, w io.Writer, opts report.Options, rep *evaluator.Report) error {
	renderer, err := report.New(format, w, opts)
	if err != nil {
		return err
	}
	if err := renderer.Render(rep); err != nil {
		return fmt.Errorf("render %s report: %w", format, err)
	}
	return nil
}

// loadSource indexes the configuration in dir. Module sources come from the
// plan's configuration section when the plan is a JSON file that can be read
// again; a plan from stdin or a binary plan file leaves the module blocks'
// own source arguments, which are the same text.
func loadSource(dir, planPath string) (*source.Index, error) {
	var modules source.Modules
	if planPath != "-" {
		data, err := os.ReadFile(planPath)
		if err != nil {
			return nil, fmt.Errorf("read plan again for its module tree: %w", err)
		}
		if !bytes.HasPrefix(data, zipMagic) {
			if modules, err = source.PlanModules(data); err != nil {
				return nil, fmt.Errorf("%s: %w", planPath, err)
			}
		}
	}
	return source.Load(dir, modules)
}

// ruleMetas describes every rule the policy can run, built-in and
// team-written, for the reports that describe rules (SARIF, JUnit).
func ruleMetas(policy *config.Policy) []evaluator.RuleMeta {
	var metas []evaluator.RuleMeta
	for _, r := range rules.Registry().Rules() {
		metas = append(metas, r.Meta())
	}
	for _, cr := range policy.CustomRules {
		sev, _ := evaluator.ParseSeverity(cr.Severity) // checked when the policy compiled
		metas = append(metas, evaluator.RuleMeta{
			ID: cr.ID, Title: cr.Title, Severity: sev, Category: "custom", Provider: "any",
			Doc: evaluator.RuleDoc{
				Summary:     fmt.Sprintf("Team-written rule from %s:%d: %s", policy.File, cr.Line, cr.Message),
				Remediation: cr.Remediation,
			},
		})
	}
	return metas
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
