package runtask

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/internal/configmaptest"
	"github.com/prodgate/prodgate/internal/tfcfake"
)

// testCompile compiles a policy file's bytes as cmd/prodgate does.
func testCompile(file string, data []byte) (*Policy, error) {
	p, err := config.Parse(file, data)
	if err != nil {
		return nil, err
	}
	engine, err := evaluator.Compile(p, rules.Registry(), time.Now())
	if err != nil {
		return nil, err
	}
	return &Policy{Engine: engine}, nil
}

// testPolicyText is a valid policy whose standard is named standard.
func testPolicyText(standard string) string {
	return fmt.Sprintf("version: 1\nstandard: %q\nrules:\n  aws-rds-backup-retention:\n    params: {min_days: 7}\n", standard)
}

// testInvalidPolicy fails on line 4, as cmd/prodgate/testdata/invalid-policy.yaml does.
const testInvalidPolicy = "version: 1\nrules:\n  aws-rds-backup-retention:\n    params: {min_days: two weeks}\n"

// testPolicyFromFile compiles the policy at path as the service starts with it.
func testPolicyFromFile(t *testing.T, path string) *Policy {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := testCompile(path, data)
	if err != nil {
		t.Fatal(err)
	}
	p.Hash, p.File = PolicyHash(data), path
	return p
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// keeperState is what a test compares after each step.
type keeperState struct {
	Hash, Standard string
	// Refused is a part of the last refusal's message; "" when none stands.
	Refused                        string
	Successes, Failures, Unchanged float64
}

func stateOf(k *policyKeeper) keeperState {
	p := k.policy()
	st := keeperState{Hash: p.Hash, Standard: p.Engine.Standard(),
		Successes: testutil.ToFloat64(k.metrics.policyReloads.WithLabelValues("success")),
		Failures:  testutil.ToFloat64(k.metrics.policyReloads.WithLabelValues("failure")),
		Unchanged: testutil.ToFloat64(k.metrics.policyReloads.WithLabelValues("unchanged"))}
	k.mu.Lock()
	if k.failure != nil {
		st.Refused = k.failure.err.Error()
	}
	k.mu.Unlock()
	return st
}

// waitState waits until the keeper is in want (Refused compared as a
// substring) and fails the test with the last state otherwise.
func waitState(t *testing.T, k *policyKeeper, want keeperState) {
	t.Helper()
	var got keeperState
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got = stateOf(k)
		if want.Refused != "" && strings.Contains(got.Refused, want.Refused) {
			got.Refused = want.Refused
		}
		if got == want {
			return
		}
	}
	t.Fatalf("policy keeper (-want +got):\n%s", cmp.Diff(want, got))
}

func newTestKeeper(t *testing.T, path string) (*policyKeeper, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	m := newMetrics(func(context.Context) (int, error) { return 0, nil })
	return newPolicyKeeper(testPolicyFromFile(t, path), testCompile, zap.New(core), m, time.Now), logs
}

// TestPolicyKeeperFollowsTheFile edits a real policy file the ways people
// and tools do, with the watcher running, and checks after each edit which
// policy is in force, what stands refused, and the reload counts.
func TestPolicyKeeperFollowsTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prodgate.yaml")
	writeFile(t, path, testPolicyText("A"))
	k, logs := newTestKeeper(t, path)
	stop, err := k.watch()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	hashOf := func(text string) string { return PolicyHash([]byte(text)) }

	steps := []struct {
		name string
		edit func(t *testing.T)
		want keeperState
	}{
		{
			name: "an editor's save (a new file renamed over the old) is taken",
			edit: func(t *testing.T) {
				writeFile(t, filepath.Join(dir, ".prodgate.yaml.swp"), testPolicyText("B"))
				if err := os.Rename(filepath.Join(dir, ".prodgate.yaml.swp"), path); err != nil {
					t.Fatal(err)
				}
			},
			want: keeperState{Hash: hashOf(testPolicyText("B")), Standard: "B", Successes: 1},
		},
		{
			name: "a write in place is taken",
			edit: func(t *testing.T) { writeFile(t, path, testPolicyText("C")) },
			want: keeperState{Hash: hashOf(testPolicyText("C")), Standard: "C", Successes: 2},
		},
		{
			name: "an invalid edit is refused with file and line; the policy in force is kept",
			edit: func(t *testing.T) { writeFile(t, path, testInvalidPolicy) },
			want: keeperState{Hash: hashOf(testPolicyText("C")), Standard: "C", Successes: 2, Failures: 1,
				Refused: path + ":4: rules.aws-rds-backup-retention.params.min_days: want a whole number"},
		},
		{
			name: "the file set back to the policy in force ends the refusal",
			edit: func(t *testing.T) { writeFile(t, path, testPolicyText("C")) },
			want: keeperState{Hash: hashOf(testPolicyText("C")), Standard: "C", Successes: 2, Failures: 1, Unchanged: 1},
		},
		{
			name: "other files in the directory changing are not even read for",
			edit: func(t *testing.T) {
				writeFile(t, filepath.Join(dir, "prodgate.db"), "not a policy")
				time.Sleep(3 * policyDebounce) // a reload would have counted as unchanged by now
			},
			want: keeperState{Hash: hashOf(testPolicyText("C")), Standard: "C", Successes: 2, Failures: 1, Unchanged: 1},
		},
		{
			name: "a removed file is refused; the policy in force is kept",
			edit: func(t *testing.T) {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			},
			want: keeperState{Hash: hashOf(testPolicyText("C")), Standard: "C", Successes: 2, Failures: 2, Unchanged: 1,
				Refused: path + ": policy file not found"},
		},
		{
			name: "the file back with a new policy is taken",
			edit: func(t *testing.T) { writeFile(t, path, testPolicyText("D")) },
			want: keeperState{Hash: hashOf(testPolicyText("D")), Standard: "D", Successes: 3, Failures: 2, Unchanged: 1},
		},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.edit(t)
			waitState(t, k, step.want)
		})
	}
	refused := logs.FilterMessage("policy reload refused; the policy in force is kept").All()
	if len(refused) != 2 {
		t.Fatalf("%d refusals logged, want 2: %v", len(refused), refused)
	}
	if fields := refused[0].ContextMap(); refused[0].Level != zapcore.ErrorLevel || fields["policy_hash"] != hashOf(testPolicyText("C")) ||
		!strings.Contains(fmt.Sprint(fields["error"]), path+":4:") {
		t.Errorf("refusal logged as %v %v, want an error naming the file and line and the policy kept", refused[0].Level, fields)
	}
}

// TestPolicyKeeperFollowsAConfigMapUpdate: Kubernetes updates a mounted
// ConfigMap by pointing its ..data symlink at a new directory; the file
// prodgate reads, a symlink through ..data, never changes itself.
func TestPolicyKeeperFollowsAConfigMapUpdate(t *testing.T) {
	dir := t.TempDir()
	configmaptest.Update(t, dir, map[string]string{"prodgate.yaml": testPolicyText("first")})
	path := filepath.Join(dir, "prodgate.yaml")
	k, _ := newTestKeeper(t, path)
	stop, err := k.watch()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	configmaptest.Update(t, dir, map[string]string{"prodgate.yaml": testPolicyText("second")})
	waitState(t, k, keeperState{Hash: PolicyHash([]byte(testPolicyText("second"))), Standard: "second", Successes: 1})
	if got := k.policy().File; got != path {
		t.Errorf("policy file %q, want the path as given, %q", got, path)
	}
	configmaptest.Update(t, dir, map[string]string{"prodgate.yaml": testInvalidPolicy})
	waitState(t, k, keeperState{Hash: PolicyHash([]byte(testPolicyText("second"))), Standard: "second", Successes: 1, Failures: 1,
		Refused: path + ":4:"})
}

func TestPolicyKeeperWithoutAFile(t *testing.T) {
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := newMetrics(func(context.Context) (int, error) { return 0, nil })
	k := newPolicyKeeper(&Policy{Engine: engine, Hash: BuiltinPolicyHash()}, testCompile, zap.NewNop(), m, time.Now)
	if err := k.reload(reloadOnDemand); err != errNoPolicyFile {
		t.Errorf("reload of the built-in standard = %v, want errNoPolicyFile", err)
	}
	stop, err := k.watch()
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if got := k.describe(); !strings.Contains(got, "policy "+BuiltinPolicyHash()+" (built-in standard, standard \"prodgate built-in production-ready standard\"") {
		t.Errorf("describe = %q", got)
	}
}

// TestReadyzShowsThePolicyAndARefusedReload: /readyz stays 200 with the
// policy in force when a reload is refused, says why with file and line,
// and turns 503 once a stop begins; the metrics show the refusal.
func TestReadyzShowsThePolicyAndARefusedReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prodgate.yaml")
	writeFile(t, path, testPolicyText("Acme v1"))
	s := newHandlerTestServiceWith(t, Options{Policy: testPolicyFromFile(t, path), CompilePolicy: testCompile})
	get := func(path string) (int, string) {
		w := httptest.NewRecorder()
		s.http.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		body, _ := io.ReadAll(w.Result().Body)
		return w.Code, string(body)
	}
	hash := PolicyHash([]byte(testPolicyText("Acme v1")))
	code, body := get("/readyz")
	if want := "ready\npolicy " + hash + " (" + path + ", standard \"Acme v1\", in force since "; code != http.StatusOK || !strings.HasPrefix(body, want) {
		t.Errorf("/readyz = %d %q, want 200 starting %q", code, body, want)
	}
	writeFile(t, path, testInvalidPolicy)
	if err := s.ReloadPolicy(); err == nil || !strings.Contains(err.Error(), path+":4:") {
		t.Fatalf("ReloadPolicy of an invalid file = %v, want its problem with file and line", err)
	}
	code, body = get("/readyz")
	for _, want := range []string{"policy " + hash, "policy reload refused at ", "the policy above is kept: " + path + ":4: rules.aws-rds-backup-retention.params.min_days: want a whole number"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("/readyz after a refused reload = %d %q, want 200 with %q", code, body, want)
		}
	}
	_, metrics := get("/metrics")
	for _, want := range []string{`prodgate_policy_reload_total{result="failure"} 1`, `prodgate_policy_reload_total{result="success"} 0`,
		`prodgate_policy_info{hash="` + hash + `"} 1`, "prodgate_policy_last_reload_successful 0", "prodgate_policy_last_reload_success_timestamp_seconds 1."} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	writeFile(t, path, testPolicyText("Acme v2"))
	if err := s.ReloadPolicy(); err != nil {
		t.Fatal(err)
	}
	_, metrics = get("/metrics")
	newHash := PolicyHash([]byte(testPolicyText("Acme v2")))
	if !strings.Contains(metrics, `prodgate_policy_info{hash="`+newHash+`"} 1`) || strings.Contains(metrics, hash) ||
		!strings.Contains(metrics, "prodgate_policy_last_reload_successful 1") {
		t.Errorf("/metrics after a reload does not show the new policy alone:\n%s", grepLines(metrics, "prodgate_policy"))
	}
	s.draining.Store(true)
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "shutting down") {
		t.Errorf("/readyz once stopping = %d %q, want 503 shutting down", code, body)
	}
}

func grepLines(text, part string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, part) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestATaskKeepsItsPolicyThroughAReload: the policy is reloaded while a
// task is being judged; the task is judged, and its callbacks and record
// name, the policy it started with; the next task gets the new one.
func TestATaskKeepsItsPolicyThroughAReload(t *testing.T) {
	peer := newTestPeer(t)
	path := filepath.Join(t.TempDir(), "prodgate.yaml")
	writeFile(t, path, testPolicyText("Standard A"))
	s, _ := workerTestService(t, filepath.Join(t.TempDir(), "p.db"), Options{Policy: testPolicyFromFile(t, path), CompilePolicy: testCompile,
		ArchiveHosts: []string{"127.0.0.2", "localhost"}})
	hashA, hashB := PolicyHash([]byte(testPolicyText("Standard A"))), PolicyHash([]byte(testPolicyText("Standard B")))
	reloaded := false
	s.judgingHook = func([]byte) {
		if !reloaded { // between the running callback and the verdict
			reloaded = true
			writeFile(t, path, testPolicyText("Standard B"))
			if err := s.ReloadPolicy(); err != nil {
				t.Errorf("reload: %v", err)
			}
		}
	}
	planID, _ := peer.AddPlan([]byte(testEmptyPlan))
	ctx := context.Background()
	for _, want := range []struct{ standard, hash string }{{"Standard A", hashA}, {"Standard B", hashB}} {
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
		if err := s.process(ctx, acceptTask(t, s, task), 1, maxAttempts); err != nil {
			t.Fatal(err)
		}
		cbs := peer.Callbacks(task.ID)
		if len(cbs) != 2 {
			t.Fatalf("%d callbacks, want running and final: %+v", len(cbs), cbs)
		}
		short := "policy " + shortPolicyHash(want.hash)
		for _, cb := range cbs {
			if !strings.Contains(cb.Message, want.standard) || !strings.Contains(cb.Message, short) {
				t.Errorf("%s callback %q, want it to name %q and %q", cb.Status, cb.Message, want.standard, short)
			}
		}
		stored, err := s.db.store.get(ctx, task.ID)
		if err != nil || stored.PolicyHash != want.hash {
			t.Errorf("stored policy hash %q (%v), want %s", stored.PolicyHash, err, want.hash)
		}
	}
	if !reloaded {
		t.Fatal("the policy was never reloaded; the test proves nothing")
	}
}
