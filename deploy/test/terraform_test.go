package deploytest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const terraformDir = "../terraform"

func terraformBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not on PATH: install Terraform >= 1.11 to check deploy/terraform")
	}
	return bin
}

func TestTerraformIsFormatted(t *testing.T) {
	cmd := exec.Command(terraformBinary(t), "fmt", "-check", "-recursive", "-diff", "-no-color", ".")
	cmd.Dir = terraformDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("terraform fmt -check -recursive deploy/terraform: %v (run terraform fmt -recursive deploy/terraform)\n%s", err, out)
	}
}

// TestTerraformModuleValidates runs terraform init, validate (the module and its
// example) and the module's own `terraform test` against the real tfe provider.
// The provider comes from the registry, which these machines cannot reach, so it
// runs only where PRODGATE_TFE_PROVIDER_MIRROR names a filesystem mirror
// holding it (registry.terraform.io/hashicorp/tfe/<version>/<os>_<arch>/...;
// `terraform providers mirror DIR` in deploy/terraform makes one).
func TestTerraformModuleValidates(t *testing.T) {
	tf := terraformBinary(t)
	mirror := os.Getenv("PRODGATE_TFE_PROVIDER_MIRROR")
	if mirror == "" {
		t.Skip("terraform validate needs the hashicorp/tfe provider and the registry is out of reach here: set PRODGATE_TFE_PROVIDER_MIRROR to a filesystem mirror that has it")
	}
	mirror, err := filepath.Abs(mirror)
	if err != nil {
		t.Fatal(err)
	}
	// A copy, so init's .terraform directories never land in the repository.
	work := filepath.Join(t.TempDir(), "terraform")
	if err := os.CopyFS(work, os.DirFS(terraformDir)); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	config := `provider_installation {
  filesystem_mirror {
    path    = "` + filepath.ToSlash(mirror) + `"
    include = ["registry.terraform.io/hashicorp/tfe"]
  }
}
`
	if err := os.WriteFile(cliConfig, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(tf, append(args, "-no-color")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("terraform %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
		}
		t.Logf("terraform %s in %s:\n%s", args[0], strings.TrimPrefix(dir, work), lastLines(string(out), 3))
	}
	for _, dir := range []string{work, filepath.Join(work, "examples", "production")} {
		run(dir, "init", "-backend=false", "-input=false")
		run(dir, "validate")
	}
	run(work, "test")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
