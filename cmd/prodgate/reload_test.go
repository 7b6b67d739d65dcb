//go:build !checkonly

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prodgate/prodgate/internal/configmaptest"
	"github.com/prodgate/prodgate/internal/tfcfake"
)

// reloadTestPolicy is a valid policy whose standard is named standard.
func reloadTestPolicy(standard string) string {
	return fmt.Sprintf("version: 1\nstandard: %q\nrules:\n  aws-rds-backup-retention:\n    params: {min_days: 7}\n", standard)
}

// reloadTestInvalid is wrong on line 4, as testdata/invalid-policy.yaml is.
const reloadTestInvalid = "version: 1\nrules:\n  aws-rds-backup-retention:\n    params: {min_days: two weeks}\n"

func sha256Of(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// judgedBy delivers a task for planID and checks that its final callback,
// as the fake HCP Terraform received it, names the standard and the policy.
func judgedBy(t *testing.T, peer *tfcfake.Server, srv *server, planID, standard, policy string) tfcfake.Callback {
	t.Helper()
	task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
	if got := deliver(t, peer, srv, task.Payload(), testHMACKey); got != http.StatusOK {
		t.Fatalf("status %d", got)
	}
	final := waitFinal(t, peer, task)
	short := "policy " + policy[:len("sha256:")+12]
	if !strings.Contains(final.Message, standard) || !strings.Contains(final.Message, short) || !strings.Contains(string(final.Raw), short) {
		t.Errorf("final callback %q, want it to name %q and %q", final.Message, standard, short)
	}
	return final
}

// TestServeReloadsThePolicy: prodgate serve judges with a policy mounted as
// a Kubernetes ConfigMap; an update of the ConfigMap is taken without a
// restart, an invalid one is refused (logged with file and line, shown by
// /readyz, counted) while the policy in force goes on judging, and each
// result names the policy that judged it, in the callback HCP Terraform
// receives and on the results page.
func TestServeReloadsThePolicy(t *testing.T) {
	t.Parallel()
	peer := newPeer(t)
	mount := t.TempDir()
	first, second := reloadTestPolicy("Reload standard A"), reloadTestPolicy("Reload standard B")
	configmaptest.Update(t, mount, map[string]string{"prodgate.yaml": first})
	policyPath := filepath.Join(mount, "prodgate.yaml")
	srv := startServe(t, "--database-url", filepath.Join(t.TempDir(), "prodgate.db"), "--policy", policyPath)
	planID, _ := peer.AddPlan(readExample(t, "compliant.json"))

	final := judgedBy(t, peer, srv, planID, "Reload standard A", sha256Of(first))
	if page, status := get(t, final.URL); status != http.StatusOK || !strings.Contains(page, sha256Of(first)) {
		t.Errorf("results page: %d, want it to show the policy %s", status, sha256Of(first))
	}

	configmaptest.Update(t, mount, map[string]string{"prodgate.yaml": second})
	updated := time.Now()
	reloaded := waitLog(t, srv, 10*time.Second, `"policy reloaded"`, `"policy_hash":"`+sha256Of(second)+`"`, `"previous_hash":"`+sha256Of(first)+`"`)
	tookEffect := time.Since(updated)
	judgedBy(t, peer, srv, planID, "Reload standard B", sha256Of(second))

	configmaptest.Update(t, mount, map[string]string{"prodgate.yaml": reloadTestInvalid})
	problem := policyPath + ":4: rules.aws-rds-backup-retention.params.min_days: want a whole number"
	refused := waitLog(t, srv, 10*time.Second, `"level":"error"`, `"policy reload refused; the policy in force is kept"`, problem)
	body, status := get(t, srv.url("/readyz"))
	for _, want := range []string{"ready\n", "policy " + sha256Of(second) + " (" + policyPath + `, standard "Reload standard B"`, "policy reload refused at ", "the policy above is kept: " + problem} {
		if status != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("/readyz = %d %q, want 200 with %q", status, body, want)
		}
	}
	judgedBy(t, peer, srv, planID, "Reload standard B", sha256Of(second))
	metrics, _ := get(t, srv.url("/metrics"))
	for _, want := range []string{`prodgate_policy_reload_total{result="success"} 1`, `prodgate_policy_reload_total{result="failure"} 1`,
		`prodgate_policy_info{hash="` + sha256Of(second) + `"} 1`, "prodgate_policy_last_reload_successful 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	t.Logf("the ConfigMap update, in force %s after it:\n%s", tookEffect.Round(time.Millisecond), reloaded)
	t.Logf("the invalid update:\n%s", refused)
	srv.stop()
}

// TestServeReloadsThePolicyOnSIGHUP: with the watch off, an edit changes
// nothing until SIGHUP; SIGHUP takes a valid policy and refuses an invalid
// one, saying where it is wrong.
func TestServeReloadsThePolicyOnSIGHUP(t *testing.T) {
	t.Parallel()
	peer := newPeer(t)
	policyPath := filepath.Join(t.TempDir(), "prodgate.yaml")
	first, second := reloadTestPolicy("SIGHUP standard A"), reloadTestPolicy("SIGHUP standard B")
	if err := os.WriteFile(policyPath, []byte(first), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, "--database-url", filepath.Join(t.TempDir(), "prodgate.db"), "--policy", policyPath, "--watch-policy=false")
	planID, _ := peer.AddPlan(readExample(t, "compliant.json"))
	if err := os.WriteFile(policyPath, []byte(second), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // a watcher, were there one, would have taken it by now
	judgedBy(t, peer, srv, planID, "SIGHUP standard A", sha256Of(first))

	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	line := waitLog(t, srv, 10*time.Second, `"policy reloaded"`, `"trigger":"reload requested"`, `"policy_hash":"`+sha256Of(second)+`"`)
	judgedBy(t, peer, srv, planID, "SIGHUP standard B", sha256Of(second))

	if err := os.WriteFile(policyPath, []byte(reloadTestInvalid), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	refused := waitLog(t, srv, 10*time.Second, `"policy reload refused; the policy in force is kept"`, `"trigger":"reload requested"`, policyPath+":4: ")
	judgedBy(t, peer, srv, planID, "SIGHUP standard B", sha256Of(second))
	t.Logf("SIGHUP:\n%s\n%s", line, refused)
	srv.stop()
}

// TestServeNamesTheBuiltInStandard: without a policy file the built-in
// standard judges, under its own stable hash, and SIGHUP says there is
// nothing to reload.
func TestServeNamesTheBuiltInStandard(t *testing.T) {
	t.Parallel()
	peer := newPeer(t)
	srv := startServe(t, "--database-url", filepath.Join(t.TempDir(), "prodgate.db"))
	line := waitLog(t, srv, 5*time.Second, `"prodgate serve listening"`, `"policy_hash":"sha256:`)
	hash := line[strings.Index(line, `"policy_hash":"`)+len(`"policy_hash":"`):]
	hash = hash[:strings.Index(hash, `"`)]
	planID, _ := peer.AddPlan(readExample(t, "compliant.json"))
	judgedBy(t, peer, srv, planID, "prodgate built-in production-ready standard", hash)
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, srv, 5*time.Second, "policy reload: nothing to reload", "built-in standard")
	srv.stop()
	again := startServe(t, "--database-url", filepath.Join(t.TempDir(), "prodgate.db"))
	waitLog(t, again, 5*time.Second, `"prodgate serve listening"`, `"policy_hash":"`+hash+`"`)
}
