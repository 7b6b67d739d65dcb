package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gojunit "github.com/joshdk/go-junit"
	"github.com/mattn/go-shellwords"
	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// The CI examples are tested as written: the workflow passes actionlint
// (with shellcheck on its scripts when shellcheck is installed), the GitLab
// file parses and hangs together, and the prodgate command each one runs is
// run for real, with the files it names read back by the steps after it.

const (
	githubWorkflow = "deploy/github-actions/prodgate.yml"
	gitlabPipeline = "deploy/gitlab-ci/.gitlab-ci.yml"
)

func TestGitHubWorkflowLints(t *testing.T) {
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck is not installed: the workflow's scripts are not shellchecked")
	}
	linter, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := linter.LintFile(filepath.Join(repoRoot(t), githubWorkflow), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", githubWorkflow, e.Line, e.Column, e.Message, e.Kind)
	}
}

// workflow is the part of a GitHub Actions workflow the test reads.
type workflow struct {
	Jobs map[string]struct {
		Env   map[string]string `yaml:"env"`
		Steps []struct {
			ID   string            `yaml:"id"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func TestGitHubWorkflowRunsAsWritten(t *testing.T) {
	var wf workflow
	readYAML(t, githubWorkflow, &wf)
	job, ok := wf.Jobs["prodgate"]
	if !ok {
		t.Fatal("no prodgate job")
	}
	var command, sarifFile, script string
	for _, s := range job.Steps {
		switch {
		case s.ID == "check":
			command = s.Run
		case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
			sarifFile = s.With["sarif_file"]
		case strings.HasPrefix(s.Uses, "actions/github-script@"):
			script = s.With["script"]
		}
	}
	if command == "" || sarifFile == "" || script == "" {
		t.Fatalf("want a check step, an upload-sarif step and a github-script step; got %q, %q, %q", command, sarifFile, script)
	}
	m := regexp.MustCompile(`readFileSync\('([^']+)'`).FindStringSubmatch(script)
	if m == nil {
		t.Fatal("the comment script reads no file")
	}
	if !strings.Contains(script, "updateComment") || !strings.Contains(script, "startsWith(marker)") {
		t.Error("the comment script does not update its earlier comment")
	}
	dir, outputs := runExample(t, command, job.Env["TF_DIR"], t.TempDir())
	if outputs["sarif"] != sarifFile || outputs["markdown"] != m[1] {
		t.Errorf("prodgate writes %v; the upload reads %q and the comment %q", outputs, sarifFile, m[1])
	}

	// The SARIF names the configuration's files by absolute URIs under the
	// checkout, which code scanning makes relative to the repository.
	data, err := os.ReadFile(filepath.Join(dir, sarifFile))
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct{ Rules []json.RawMessage }
			}
		}
	}
	if err := json.Unmarshal(data, &log); err != nil || len(log.Runs) != 1 || len(log.Runs[0].Tool.Driver.Rules) == 0 {
		t.Errorf("the SARIF file is not a run with rules: %v", err)
	}
	md, err := os.ReadFile(filepath.Join(dir, m[1]))
	if err != nil || !strings.HasPrefix(string(md), "## prodgate: gate passed") {
		t.Errorf("the markdown report: %v\n%.200s", err, md)
	}
}

// pipeline is the part of a .gitlab-ci.yml the test reads.
type pipeline struct {
	Stages    []string          `yaml:"stages"`
	Variables map[string]string `yaml:"variables"`
	Jobs      map[string]gitlabJob
}

type gitlabJob struct {
	Stage        string   `yaml:"stage"`
	Needs        []string `yaml:"needs"`
	BeforeScript []string `yaml:"before_script"`
	Script       []string `yaml:"script"`
	Artifacts    struct {
		When    string   `yaml:"when"`
		Paths   []string `yaml:"paths"`
		Reports struct {
			JUnit string `yaml:"junit"`
		} `yaml:"reports"`
	} `yaml:"artifacts"`
}

func TestGitLabPipelineRunsAsWritten(t *testing.T) {
	var doc map[string]yaml.Node
	readYAML(t, gitlabPipeline, &doc)
	p := pipeline{Jobs: map[string]gitlabJob{}}
	for key, node := range doc {
		var err error
		switch key {
		case "stages":
			err = node.Decode(&p.Stages)
		case "variables":
			err = node.Decode(&p.Variables)
		case "workflow", "default", "include":
		default:
			var job gitlabJob
			err = node.Decode(&job)
			p.Jobs[key] = job
		}
		if err != nil {
			t.Fatalf("%s: %s: %v", gitlabPipeline, key, err)
		}
	}
	for name, job := range p.Jobs {
		if !contains(p.Stages, job.Stage) {
			t.Errorf("job %s: stage %q is not in stages %v", name, job.Stage, p.Stages)
		}
		for _, need := range job.Needs {
			if _, ok := p.Jobs[need]; !ok {
				t.Errorf("job %s needs %q, which is no job", name, need)
			}
		}
		if len(job.Script) == 0 {
			t.Errorf("job %s has no script", name)
		}
	}
	check, ok := p.Jobs["prodgate"]
	if !ok {
		t.Fatal("no prodgate job")
	}
	if check.Artifacts.When != "always" || check.Artifacts.Reports.JUnit == "" {
		t.Errorf("the prodgate job must keep its JUnit report when the gate fails: %+v", check.Artifacts)
	}
	var command, note string
	for _, line := range check.Script {
		if strings.HasPrefix(line, "prodgate check") {
			command, _, _ = strings.Cut(line, "||")
		}
		if strings.Contains(line, "/notes") {
			note = line
		}
	}
	if command == "" || note == "" {
		t.Fatalf("want a prodgate check line and a note step in %q", check.Script)
	}
	dir, outputs := runExample(t, command, p.Variables["TF_DIR"], t.TempDir())
	if outputs["junit"] != check.Artifacts.Reports.JUnit {
		t.Errorf("prodgate writes JUnit to %q; the report is read from %q", outputs["junit"], check.Artifacts.Reports.JUnit)
	}
	if !strings.Contains(note, "cat "+outputs["markdown"]) || !strings.Contains(note, "--request PUT") {
		t.Errorf("the note step does not post (and update) %q", outputs["markdown"])
	}
	plan := p.Jobs["terraform-plan"]
	if !contains(plan.Artifacts.Paths, "$TF_DIR/plan.json") {
		t.Errorf("the plan job does not hand plan.json on: %v", plan.Artifacts.Paths)
	}
	suites, err := gojunit.IngestFile(filepath.Join(dir, outputs["junit"]))
	if err != nil || len(suites) == 0 {
		t.Errorf("the JUnit report does not parse: %v", err)
	}

	// GitLab runs a job's lines as one bash script; shellcheck it whole.
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Log("shellcheck is not installed: the pipeline's scripts are not shellchecked")
		return
	}
	for name, job := range p.Jobs {
		script := "#!/bin/bash\n" + strings.Join(append(job.BeforeScript, job.Script...), "\n") + "\n"
		file := filepath.Join(t.TempDir(), name+".sh")
		if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(sc, "--severity=style", file).CombinedOutput(); err != nil {
			t.Errorf("shellcheck of job %s: %v\n%s", name, err, out)
		}
	}
}

// runExample runs an example's prodgate command line in a copy of the
// repository layout it expects (the tree of testdata/terraform-modules at
// TF_DIR, with the plan terraform made from it) and returns that directory
// and the files the command's --output flags name, by format.
func runExample(t *testing.T, command, tfDir, dir string) (string, map[string]string) {
	t.Helper()
	if tfDir == "" {
		t.Fatal("the example sets no TF_DIR")
	}
	parser := shellwords.NewParser()
	parser.ParseEnv = true
	parser.Getenv = func(name string) string {
		if name == "TF_DIR" {
			return tfDir
		}
		t.Errorf("the command uses $%s, which the test does not set", name)
		return ""
	}
	args, err := parser.Parse(strings.ReplaceAll(command, "\\\n", " "))
	if err != nil {
		t.Fatalf("parse %q: %v", command, err)
	}
	if len(args) < 2 || args[0] != "prodgate" || args[1] != "check" {
		t.Fatalf("not a prodgate check command: %q", args)
	}
	// The flags must be real ones: parse them with the command itself.
	cmd := newCheckCommand()
	if err := cmd.ParseFlags(args[2:]); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	outputs := map[string]string{}
	values, _ := cmd.Flags().GetStringArray("output")
	for _, v := range values {
		format, file, _ := strings.Cut(v, "=")
		outputs[format] = file
	}

	root := repoRoot(t)
	copyTree(t, filepath.Join(root, "testdata", "terraform-modules"), filepath.Join(dir, tfDir))
	plan, err := os.ReadFile(filepath.Join(root, "testdata", "plans", "terraform-data-modules.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, tfDir, "plan.json"), plan, 0o644); err != nil {
		t.Fatal(err)
	}
	r := prodgate(t, dir, nil, "", args[1:]...)
	if r.code != 0 {
		t.Fatalf("%q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	for format, file := range outputs {
		if info, err := os.Stat(filepath.Join(dir, file)); err != nil || info.Size() == 0 {
			t.Errorf("--output %s=%s: %v", format, file, err)
		}
	}
	return dir, outputs
}

func readYAML(t *testing.T, rel string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
