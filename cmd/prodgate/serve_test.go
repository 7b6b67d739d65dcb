//go:build !checkonly

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prodgate/prodgate/internal/pgtest"
	"github.com/prodgate/prodgate/internal/tfcfake"
)

const testHMACKey = "run-task-test-key"

// fakeArchiveHosts are the hosts tfcfake's plan downloads are redirected to
// (127.0.0.2, or localhost where that address cannot be had).
const fakeArchiveHosts = "127.0.0.2,localhost"

// server is one real `prodgate serve` process.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	logs   *syncBuffer
	waited chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startServe runs prodgate serve on a free loopback port and waits until it listens.
func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	return startServeEnv(t, nil, args...)
}

// startServeEnv is startServe with env added to the process's environment.
func startServeEnv(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	// No load balancer to wait for at a stop, unless a test says otherwise.
	all := []string{"serve", "--listen", "127.0.0.1:0", "--addr-file", addrFile, "--hmac-key", testHMACKey,
		"--allowed-hosts", "127.0.0.1", "--log-level", "debug", "--shutdown-delay=0"}
	if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--archive-hosts") }) {
		all = append(all, "--archive-hosts", fakeArchiveHosts) // a list flag given twice adds up
	}
	all = append(all, args...)
	cmd := exec.Command(binary, all...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	s := &server{t: t, cmd: cmd, logs: &syncBuffer{}, waited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(s.waited) }()
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("prodgate serve logs:\n%s", s.logs.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(addrFile); err == nil && strings.HasSuffix(string(data), "\n") {
			s.addr = strings.TrimSpace(string(data))
			return s
		}
		select {
		case <-s.waited:
			t.Fatalf("prodgate serve exited early:\n%s", s.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("prodgate serve did not start:\n%s", s.logs.String())
	return nil
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

// kill ends the process at once (SIGKILL), as a crash would.
func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.waited
}

// stop asks for a graceful shutdown and waits for it.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.waited:
	case <-time.After(40 * time.Second):
		s.t.Error("prodgate serve did not stop within 40s of SIGTERM")
		s.kill()
	}
}

func readExample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "plans", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func newPeer(t *testing.T) *tfcfake.Server {
	t.Helper()
	peer, err := tfcfake.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(peer.Close)
	return peer
}

func deliver(t *testing.T, peer *tfcfake.Server, s *server, body []byte, key string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, _, err := peer.Deliver(ctx, s.url("/runtask"), body, key)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	return status
}

// expectOneFinalEach waits for every task's final callback, with status, and
// checks that each task was sent exactly one.
func expectOneFinalEach(t *testing.T, peer *tfcfake.Server, tasks []*tfcfake.Task, status string) {
	t.Helper()
	expectFinalsAfterCrash(t, peer, tasks, status, nil)
}

// expectFinalsAfterCrash is expectOneFinalEach for a test that killed the
// process: a task whose final callback HCP Terraform had accepted before the
// kill (calledBack) may be sent it once more, because the process can die
// between sending the callback and recording that it did; the peer refuses
// that late one (one final result per task), and no task gets a third.
func expectFinalsAfterCrash(t *testing.T, peer *tfcfake.Server, tasks []*tfcfake.Task, status string, calledBack map[string]bool) {
	t.Helper()
	for _, task := range tasks {
		if final := waitFinal(t, peer, task); final.Status != status {
			t.Errorf("task %s: final %s %q, want %s", task.ID, final.Status, final.Message, status)
		}
	}
	time.Sleep(500 * time.Millisecond)
	for _, task := range tasks {
		n, most := peer.FinalCount(task.ID), 1
		if calledBack[task.ID] {
			most = 2
		}
		if n < 1 || n > most {
			t.Errorf("task %s: %d final callbacks, want exactly 1 (at most %d when it was called back before the crash)", task.ID, n, most)
		}
	}
}

// calledBackBefore names the tasks whose final callback the peer has accepted.
func calledBackBefore(peer *tfcfake.Server, tasks []*tfcfake.Task) map[string]bool {
	done := map[string]bool{}
	for _, task := range tasks {
		if peer.FinalCount(task.ID) > 0 {
			done[task.ID] = true
		}
	}
	return done
}

func waitFinal(t *testing.T, peer *tfcfake.Server, task *tfcfake.Task) tfcfake.Callback {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cb, err := peer.WaitFinal(ctx, task.ID)
	if err != nil {
		t.Fatalf("task %s: %v", task.ID, err)
	}
	return cb
}

func TestServeEndToEnd(t *testing.T) {
	peer := newPeer(t)
	srv := startServe(t, "--database-url", filepath.Join(t.TempDir(), "prodgate.db"), "--policy", "examples/prodgate.yaml")
	compliantID, _ := peer.AddPlan(readExample(t, "compliant.json"))
	unsafeID, _ := peer.AddPlan(readExample(t, "unsafe.json"))

	t.Run("the verification request is answered 200 and never called back", func(t *testing.T) {
		if got := deliver(t, peer, srv, peer.VerificationPayload(), testHMACKey); got != http.StatusOK {
			t.Fatalf("status %d", got)
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(peer.StrayCallbacks()); n != 0 {
			t.Errorf("%d callbacks for the verification request", n)
		}
	})

	t.Run("a wrong or missing signature is 401 and no work is done", func(t *testing.T) {
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: compliantID})
		if got := deliver(t, peer, srv, task.Payload(), "wrong-key"); got != http.StatusUnauthorized {
			t.Errorf("wrong key: status %d", got)
		}
		if got := deliver(t, peer, srv, task.Payload(), ""); got != http.StatusUnauthorized {
			t.Errorf("no signature: status %d", got)
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(peer.Callbacks(task.ID)); n != 0 || peer.PlanFetches(compliantID) != 0 {
			t.Errorf("work was done for an unsigned request: %d callbacks", n)
		}
	})

	t.Run("a compliant plan passes", func(t *testing.T) {
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: compliantID, Workspace: "orders-prod"})
		if got := deliver(t, peer, srv, task.Payload(), testHMACKey); got != http.StatusOK {
			t.Fatalf("status %d", got)
		}
		final := waitFinal(t, peer, task)
		if final.Status != "passed" {
			t.Errorf("final %s: %s", final.Status, final.Message)
		}
	})

	var unsafeFinal tfcfake.Callback
	t.Run("an unsafe plan gets running, then failed with outcomes; a duplicate delivery changes nothing", func(t *testing.T) {
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: unsafeID, Workspace: "orders-prod", Misspelled: true})
		for i := 0; i < 3; i++ {
			if got := deliver(t, peer, srv, task.Payload(), testHMACKey); got != http.StatusOK {
				t.Fatalf("delivery %d: status %d", i, got)
			}
		}
		unsafeFinal = waitFinal(t, peer, task)
		cbs := peer.Callbacks(task.ID)
		if len(cbs) != 2 || cbs[0].Status != "running" || cbs[1].Status != "failed" {
			t.Fatalf("want running then failed, got %d callbacks: %+v", len(cbs), cbs)
		}
		// One outcome per finding that is not a pass, most severe first, at
		// most 10; the message and the results page carry the rest.
		if len(unsafeFinal.Outcomes) != 10 {
			t.Errorf("want the 10 most severe outcomes, got %d", len(unsafeFinal.Outcomes))
		}
		seenNonBlocking := false
		for _, o := range unsafeFinal.Outcomes {
			blocking := o.Tags["Status"][0].Level == "error"
			if blocking && seenNonBlocking {
				t.Errorf("blocking outcome %s comes after a non-blocking one", o.OutcomeID)
			}
			seenNonBlocking = seenNonBlocking || !blocking
		}
		first := unsafeFinal.Outcomes[0]
		if first.Tags["Severity"][0].Label != "Critical" || first.Tags["Status"][0].Level != "error" || !strings.Contains(first.Description, "aws_") {
			t.Errorf("first outcome: %+v", first)
		}
		if !strings.Contains(unsafeFinal.Message, "blocking") {
			t.Errorf("message %q", unsafeFinal.Message)
		}
		time.Sleep(300 * time.Millisecond)
		if n := peer.FinalCount(task.ID); n != 1 {
			t.Errorf("final callbacks: %d, want exactly 1", n)
		}
		if n := peer.PlanFetches(unsafeID); n != 1 {
			t.Errorf("plan fetched %d times for one task delivered three times", n)
		}
		if peer.ArchivistIsSeparateHost() && peer.ArchivistSawAuthorization() {
			t.Error("the run token was forwarded to the plan download host")
		}
	})

	t.Run("the results page shows the findings; a tampered link does not exist", func(t *testing.T) {
		if unsafeFinal.URL == "" {
			t.Skip("no final callback from the previous subtest")
		}
		body, status := get(t, unsafeFinal.URL)
		if status != http.StatusOK {
			t.Fatalf("results page: %d", status)
		}
		for _, want := range []string{"failed", "aws_db_instance.orders", "aws-rds-deletion-protection", "ACME production-ready standard v1", "sessions-rename", "platform@acme.example"} {
			if !strings.Contains(body, want) {
				t.Errorf("results page lacks %q", want)
			}
		}
		if strings.Contains(body, "not-a-real-password") {
			t.Error("results page shows a sensitive value")
		}
		tampered := unsafeFinal.URL[:len(unsafeFinal.URL)-1] + "0"
		if strings.HasSuffix(unsafeFinal.URL, "0") {
			tampered = unsafeFinal.URL[:len(unsafeFinal.URL)-1] + "1"
		}
		if _, status := get(t, tampered); status != http.StatusNotFound {
			t.Errorf("tampered link: %d, want 404", status)
		}
	})

	t.Run("a plan URL on a foreign host is refused and the task fails", func(t *testing.T) {
		task := peer.NewTask(tfcfake.TaskOptions{PlanURL: "https://plans.attacker.example/api/v2/plans/plan-x/json-output"})
		if got := deliver(t, peer, srv, task.Payload(), testHMACKey); got != http.StatusOK {
			t.Fatalf("status %d", got)
		}
		final := waitFinal(t, peer, task)
		if final.Status != "failed" || !strings.Contains(final.Message, "plans.attacker.example") || !strings.Contains(final.Message, "not allow-listed") {
			t.Errorf("final %s: %q", final.Status, final.Message)
		}
	})

	t.Run("a callback URL on a foreign host is refused with 403", func(t *testing.T) {
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: compliantID})
		body := bytes.Replace(task.Payload(), []byte(task.CallbackURL), []byte("https://callbacks.attacker.example/cb"), 1)
		if got := deliver(t, peer, srv, body, testHMACKey); got != http.StatusForbidden {
			t.Errorf("status %d, want 403", got)
		}
	})

	t.Run("a failing plan download ends as failed with a clear message", func(t *testing.T) {
		brokenID, _ := peer.AddPlan(readExample(t, "compliant.json"))
		peer.SetPlanBehaviour(brokenID, tfcfake.PlanBehaviour{FailWith: http.StatusNotFound})
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: brokenID})
		deliver(t, peer, srv, task.Payload(), testHMACKey)
		final := waitFinal(t, peer, task)
		if final.Status != "failed" || !strings.Contains(final.Message, "could not download the plan") || !strings.Contains(final.Message, "404") {
			t.Errorf("final %s: %q", final.Status, final.Message)
		}
	})

	t.Run("a plan not ready yet (204) is retried", func(t *testing.T) {
		slowID, _ := peer.AddPlan(readExample(t, "compliant.json"))
		peer.SetPlanBehaviour(slowID, tfcfake.PlanBehaviour{NotReadyTimes: 2})
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: slowID})
		deliver(t, peer, srv, task.Payload(), testHMACKey)
		if final := waitFinal(t, peer, task); final.Status != "passed" {
			t.Errorf("final %s: %q", final.Status, final.Message)
		}
	})

	t.Run("a transient callback failure is retried", func(t *testing.T) {
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: compliantID})
		peer.SetCallbackFailures(task.ID, 503, 429)
		deliver(t, peer, srv, task.Payload(), testHMACKey)
		if final := waitFinal(t, peer, task); final.Status != "passed" {
			t.Errorf("final %s", final.Status)
		}
	})

	t.Run("pre_plan has no plan and passes saying so", func(t *testing.T) {
		task := peer.NewTask(tfcfake.TaskOptions{Stage: "pre_plan"})
		deliver(t, peer, srv, task.Payload(), testHMACKey)
		final := waitFinal(t, peer, task)
		if final.Status != "passed" || !strings.Contains(final.Message, "pre_plan") {
			t.Errorf("final %s: %q", final.Status, final.Message)
		}
	})

	t.Run("health, readiness and metrics", func(t *testing.T) {
		for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": `prodgate_runtask_requests_total{outcome="accepted",stage="post_plan"}`} {
			body, status := get(t, srv.url(path))
			if status != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("%s: %d, lacks %q", path, status, want)
			}
		}
	})

	srv.stop()
	logs := srv.logs.String()
	if !strings.Contains(logs, "prodgate serve stopped") {
		t.Error("SIGTERM did not stop the service gracefully")
	}
	if strings.Contains(logs, testHMACKey) {
		t.Error("the logs contain the HMAC key")
	}
	for _, token := range peer.IssuedTokens() {
		if strings.Contains(logs, token) {
			t.Fatal("the logs contain a run's access token")
		}
	}
	if !strings.Contains(logs, `"task_result_id"`) || !strings.Contains(logs, `"run_id"`) {
		t.Error("logs should carry task_result_id and run_id")
	}
}

func get(t *testing.T, url string) (string, int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body), resp.StatusCode
}

// TestServeSurvivesACrash kills the service while tasks are queued and
// running; after a restart on the same database every task gets exactly one
// final result.
func TestServeSurvivesACrash(t *testing.T) {
	peer := newPeer(t)
	dbPath := filepath.Join(t.TempDir(), "prodgate.db")
	planID, _ := peer.AddPlan(readExample(t, "unsafe.json"))
	peer.SetPlanBehaviour(planID, tfcfake.PlanBehaviour{Delay: 400 * time.Millisecond})
	first := startServe(t, "--database-url", dbPath, "--workers", "1")
	var tasks []*tfcfake.Task
	for i := 0; i < 6; i++ {
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
		if got := deliver(t, peer, first, task.Payload(), testHMACKey); got != http.StatusOK {
			t.Fatalf("status %d", got)
		}
		tasks = append(tasks, task)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := peer.WaitCallbacks(ctx, tasks[0].ID, 1); err != nil {
		t.Fatalf("first task never started: %v", err)
	}
	first.kill()
	calledBack := calledBackBefore(peer, tasks)
	finalsBefore := len(calledBack)
	if finalsBefore == len(tasks) {
		t.Fatal("every task finished before the crash; the test proves nothing")
	}

	second := startServe(t, "--database-url", dbPath, "--workers", "2")
	expectFinalsAfterCrash(t, peer, tasks, "failed", calledBack)
	t.Logf("%d of %d tasks were unfinished at the crash", len(tasks)-finalsBefore, len(tasks))
	second.stop()
}

// TestServeLosesNoAnsweredRequestInACrash: a burst of POSTs is answered 200
// and the process is killed at once, while it is judging them. The next
// process judges every one of them, each called back exactly once.
func TestServeLosesNoAnsweredRequestInACrash(t *testing.T) {
	peer := newPeer(t)
	dbPath := filepath.Join(t.TempDir(), "prodgate.db")
	planID, _ := peer.AddPlan(readExample(t, "compliant.json"))
	first := startServe(t, "--database-url", dbPath)
	tasks := make([]*tfcfake.Task, 40)
	statuses := make([]int, len(tasks))
	var wg sync.WaitGroup
	for i := range tasks {
		tasks[i] = peer.NewTask(tfcfake.TaskOptions{PlanID: planID, Workspace: fmt.Sprintf("ws-%d", i)})
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			statuses[i], _, _ = peer.Deliver(ctx, first.url("/runtask"), tasks[i].Payload(), testHMACKey)
		})
	}
	wg.Wait()
	first.kill()
	for i, status := range statuses {
		if status != http.StatusOK {
			t.Fatalf("task %d answered %d", i, status)
		}
	}
	calledBack := calledBackBefore(peer, tasks)
	finalsBefore := len(calledBack)

	second := startServe(t, "--database-url", dbPath)
	expectFinalsAfterCrash(t, peer, tasks, "passed", calledBack)
	t.Logf("%d of %d tasks were called back before the crash", finalsBefore, len(tasks))
	second.stop()
}

// TestServeRefusesASecondProcessOnTheSameFiles: the embedded default is one
// process; a second one on the same database is turned away with a clear
// message, and the first goes on answering and judging.
func TestServeRefusesASecondProcessOnTheSameFiles(t *testing.T) {
	peer := newPeer(t)
	dbPath := filepath.Join(t.TempDir(), "prodgate.db")
	first := startServe(t, "--database-url", dbPath)
	cmd := exec.Command(binary, "serve", "--listen", "127.0.0.1:0", "--hmac-key", testHMACKey, "--database-url", dbPath)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); !ok || !strings.Contains(string(out), "in use by another process") || !strings.Contains(string(out), "PostgreSQL") {
		t.Fatalf("second process: want a refusal naming the lock and PostgreSQL for replicas, got %v:\n%s", err, out)
	}
	planID, _ := peer.AddPlan(readExample(t, "unsafe.json"))
	task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
	if got := deliver(t, peer, first, task.Payload(), testHMACKey); got != http.StatusOK {
		t.Fatalf("first process answered %d after the refusal", got)
	}
	if final := waitFinal(t, peer, task); final.Status != "failed" {
		t.Errorf("final %s %q", final.Status, final.Message)
	}
}

// TestServeReplicasSharePostgres runs two replicas on one PostgreSQL database:
// 50 tasks, delivered to either, get exactly 50 final callbacks.
func TestServeReplicasSharePostgres(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	peer := newPeer(t)
	planID, _ := peer.AddPlan(readExample(t, "unsafe.json"))
	a := startServe(t, "--database-url", dbURL, "--workers", "4")
	b := startServe(t, "--database-url", dbURL, "--workers", "4")
	var tasks []*tfcfake.Task
	for i := 0; i < 50; i++ {
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID, Workspace: fmt.Sprintf("ws-%d", i)})
		target := a
		if i%2 == 1 {
			target = b
		}
		if got := deliver(t, peer, target, task.Payload(), testHMACKey); got != http.StatusOK {
			t.Fatalf("task %d: status %d", i, got)
		}
		// Every fifth task is delivered again to the other replica, as HCP
		// Terraform's retry might.
		if i%5 == 0 {
			other := b
			if target == b {
				other = a
			}
			deliver(t, peer, other, task.Payload(), testHMACKey)
		}
		tasks = append(tasks, task)
	}
	finals := 0
	for _, task := range tasks {
		waitFinal(t, peer, task)
	}
	time.Sleep(500 * time.Millisecond)
	for _, task := range tasks {
		n := peer.FinalCount(task.ID)
		if n != 1 {
			t.Errorf("task %s: %d final callbacks", task.ID, n)
		}
		finals += n
	}
	if finals != 50 {
		t.Errorf("%d final callbacks for 50 tasks", finals)
	}
	workedBy := map[string]int{"a": strings.Count(a.logs.String(), "task called back"), "b": strings.Count(b.logs.String(), "task called back")}
	t.Logf("tasks called back by replica: %v", workedBy)
	a.stop()
	b.stop()
}

func TestServeRefusesToStartWithoutAKey(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "serve", "--listen", "127.0.0.1:0", "--database-url", filepath.Join(dir, "p.db"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitBadInput || !strings.Contains(string(out), "no HMAC key") {
		t.Fatalf("want exit 2 naming the missing key, got %v:\n%s", err, out)
	}
}

func TestServeGeneratesAKeyWhenAsked(t *testing.T) {
	dir := t.TempDir()
	srv := startServeNoKey(t, "--database-url", filepath.Join(dir, "p.db"), "--generate-hmac-key", "--shutdown-delay=0")
	key, err := os.ReadFile(filepath.Join(dir, "prodgate.hmac-key"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(srv.logs.String(), strings.TrimSpace(string(key))) {
		t.Error("the generated key was not printed once for the user")
	}
	peer := newPeer(t)
	if got := deliver(t, peer, srv, peer.VerificationPayload(), strings.TrimSpace(string(key))); got != http.StatusOK {
		t.Errorf("a request signed with the generated key: %d", got)
	}
	srv.stop()
}

func startServeNoKey(t *testing.T, args ...string) *server {
	t.Helper()
	return startServeWithEnv(t, nil, args...)
}

// startServeWithEnv runs prodgate serve with only env (plus PATH) for settings.
func startServeWithEnv(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	cmd := exec.Command(binary, append([]string{"serve", "--listen", "127.0.0.1:0", "--addr-file", addrFile}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	s := &server{t: t, cmd: cmd, logs: &syncBuffer{}, waited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(s.waited) }()
	t.Cleanup(s.kill)
	for i := 0; i < 1000; i++ {
		if data, err := os.ReadFile(addrFile); err == nil && strings.HasSuffix(string(data), "\n") {
			s.addr = strings.TrimSpace(string(data))
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("did not start:\n%s", s.logs.String())
	return nil
}

// TestServeReadsSettingsFromEnvironment: every flag has a PRODGATE_* variable.
func TestServeReadsSettingsFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	srv := startServeWithEnv(t, []string{
		"PRODGATE_HMAC_KEY=" + testHMACKey,
		"PRODGATE_ALLOWED_HOSTS=127.0.0.1",
		"PRODGATE_ARCHIVE_HOSTS=" + fakeArchiveHosts,
		"PRODGATE_DATABASE_URL=" + filepath.Join(dir, "env.db"),
		"PRODGATE_PATH=/hooks/prodgate",
		"PRODGATE_SHUTDOWN_DELAY=0s",
	})
	peer := newPeer(t)
	planID, _ := peer.AddPlan(readExample(t, "compliant.json"))
	task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, _, err := peer.Deliver(ctx, srv.url("/hooks/prodgate"), task.Payload(), testHMACKey)
	if err != nil || status != http.StatusOK {
		t.Fatalf("POST to the path from PRODGATE_PATH: %d %v", status, err)
	}
	if final := waitFinal(t, peer, task); final.Status != "passed" {
		t.Errorf("final %s: %s", final.Status, final.Message)
	}
	if _, err := os.Stat(filepath.Join(dir, "env.db")); err != nil {
		t.Errorf("PRODGATE_DATABASE_URL was not used: %v", err)
	}
	srv.stop()
}

// markedPlan is the compliant example plan with marker in a value no rule
// reads, for --test-only-judging-hook.
func markedPlan(t *testing.T, marker string) []byte {
	t.Helper()
	plan := bytes.Replace(readExample(t, "compliant.json"), []byte(`"identifier": "orders"`), []byte(`"identifier": "orders-`+marker+`"`), 1)
	if !bytes.Contains(plan, []byte(marker)) {
		t.Fatal("the example plan no longer has the value the marker goes into")
	}
	return plan
}

// waitLog waits until the server has logged a line containing every one of
// parts.
func waitLog(t *testing.T, s *server, within time.Duration, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(s.logs.String(), "\n") {
			found := true
			for _, p := range parts {
				found = found && strings.Contains(line, p)
			}
			if found {
				return line
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no log line with %q within %s:\n%s", parts, within, s.logs.String())
	return ""
}

// TestServeEndsAPlanThatKeepsCrashingIt: a plan whose judging kills the
// process (as a stack overflow would) is judged at most three times; the
// fourth process ends the task failed without judging it, says so in a log
// line with the task id, and goes on judging other plans.
func TestServeEndsAPlanThatKeepsCrashingIt(t *testing.T) {
	t.Parallel()
	peer := newPeer(t)
	dbPath := filepath.Join(t.TempDir(), "prodgate.db")
	hook := "--test-only-judging-hook=crash:crash-canary-7f3a"
	poisonID, _ := peer.AddPlan(markedPlan(t, "crash-canary-7f3a"))
	task := peer.NewTask(tfcfake.TaskOptions{PlanID: poisonID})
	first := startServe(t, "--database-url", dbPath, hook)
	if got := deliver(t, peer, first, task.Payload(), testHMACKey); got != http.StatusOK {
		t.Fatalf("status %d", got)
	}
	waitExit(t, first.cmd, first.waited, first.logs, 1)
	for crash := 2; crash <= 3; crash++ {
		// The task is taken up again as the process starts: it dies before
		// it has said where it listens.
		cmd := exec.Command(binary, "serve", "--listen", "127.0.0.1:0", "--hmac-key", testHMACKey, "--allowed-hosts", "127.0.0.1",
			"--archive-hosts", fakeArchiveHosts, "--database-url", dbPath, hook)
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(waited) }()
		t.Cleanup(func() { _ = cmd.Process.Kill(); <-waited })
		waitExit(t, cmd, waited, logs, crash)
	}
	srv := startServe(t, "--database-url", dbPath, hook)
	final := waitFinal(t, peer, task)
	const want = "judging this plan stopped the service 3 times; it was not judged"
	if final.Status != "failed" || !strings.Contains(final.Message, want) {
		t.Errorf("final %s %q, want failed saying %q", final.Status, final.Message, want)
	}
	line := waitLog(t, srv, 5*time.Second, want, `"task_result_id":"`+task.ID+`"`)
	t.Logf("the fourth process logged: %s", line)
	if n := peer.PlanFetches(poisonID); n != 3 {
		t.Errorf("the plan was fetched %d times, want 3 (not again by the process that ended it)", n)
	}
	healthyID, _ := peer.AddPlan(readExample(t, "unsafe.json"))
	next := peer.NewTask(tfcfake.TaskOptions{PlanID: healthyID})
	deliver(t, peer, srv, next.Payload(), testHMACKey)
	if got := waitFinal(t, peer, next); got.Status != "failed" || !strings.Contains(got.Message, "blocking") {
		t.Errorf("the next plan: %s %q, want it judged (failed with blocking findings)", got.Status, got.Message)
	}
	srv.stop()
}

// waitExit waits for a process that should die judging a plan.
func waitExit(t *testing.T, cmd *exec.Cmd, waited <-chan struct{}, logs *syncBuffer, crash int) {
	t.Helper()
	select {
	case <-waited:
		last := strings.TrimSpace(logs.String())
		if i := strings.Index(last, "panic:"); i >= 0 {
			last, _, _ = strings.Cut(last[i:], "\n")
		}
		t.Logf("crash %d: the process died judging the plan (%v): %s", crash, cmd.ProcessState, last)
	case <-time.After(30 * time.Second):
		t.Fatalf("crash %d: the process did not die judging the plan:\n%s", crash, logs.String())
	}
}

// startJudgingStalled starts prodgate serve on dbPath (with args) and
// delivers a task whose judging never ends, once it has begun.
func startJudgingStalled(t *testing.T, peer *tfcfake.Server, dbPath string, args ...string) (*server, *tfcfake.Task) {
	t.Helper()
	return startJudgingStalledEnv(t, peer, nil, dbPath, args...)
}

// startJudgingStalledEnv is startJudgingStalled with env added to the
// process's environment.
func startJudgingStalledEnv(t *testing.T, peer *tfcfake.Server, env []string, dbPath string, args ...string) (*server, *tfcfake.Task) {
	t.Helper()
	planID, _ := peer.AddPlan(markedPlan(t, "stall-canary-2c9d"))
	task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
	srv := startServeEnv(t, env, append([]string{"--database-url", dbPath, "--test-only-judging-hook=stall:stall-canary-2c9d"}, args...)...)
	deliver(t, peer, srv, task.Payload(), testHMACKey)
	waitLog(t, srv, 20*time.Second, "judging the plan", task.ID)
	return srv, task
}

// TestServeSurvivesSIGKILLWhileJudging: the process is killed (SIGKILL)
// while it judges a plan; the next process on the same database judges it
// at once and calls back once.
func TestServeSurvivesSIGKILLWhileJudging(t *testing.T) {
	t.Parallel()
	peer := newPeer(t)
	dbPath := filepath.Join(t.TempDir(), "prodgate.db")
	first, task := startJudgingStalled(t, peer, dbPath)
	first.kill()
	if n := peer.FinalCount(task.ID); n != 0 {
		t.Fatalf("%d final callbacks before the kill; the test proves nothing", n)
	}
	killedAt := time.Now()
	second := startServe(t, "--database-url", dbPath)
	if final := waitFinal(t, peer, task); final.Status != "passed" {
		t.Errorf("final %s %q, want passed", final.Status, final.Message)
	}
	t.Logf("judged and called back %s after the kill", time.Since(killedAt).Round(time.Millisecond))
	expectOneFinalEach(t, peer, []*tfcfake.Task{task}, "passed")
	second.stop()
}

// TestServeRefusesARedirectOffTheArchiveHosts: the plan endpoint redirects
// to a host that is neither its own nor on --archive-hosts; nothing is
// downloaded from there and the task fails naming the host.
func TestServeRefusesARedirectOffTheArchiveHosts(t *testing.T) {
	t.Parallel()
	peer := newPeer(t)
	if !peer.ArchivistIsSeparateHost() {
		t.Skip("tfcfake could not serve downloads from a host of their own")
	}
	srv := startServe(t, "--database-url", filepath.Join(t.TempDir(), "prodgate.db"), "--archive-hosts", "archivist.terraform.io")
	planID, _ := peer.AddPlan(readExample(t, "compliant.json"))
	task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
	deliver(t, peer, srv, task.Payload(), testHMACKey)
	final := waitFinal(t, peer, task)
	archivist := strings.TrimPrefix(peer.ArchivistURL(), "http://")
	if final.Status != "failed" || !strings.Contains(final.Message, "redirect to "+archivist) || !strings.Contains(final.Message, "--archive-hosts") {
		t.Errorf("final %s %q, want failed naming %s and --archive-hosts", final.Status, final.Message, archivist)
	}
	if n := peer.ArchivistFetches(planID); n != 0 {
		t.Errorf("the plan was downloaded %d times from the host off the list", n)
	}
}

// TestServeGivesUpOnAHangingPlanHost: the plan endpoint never answers.
// Each attempt ends at --plan-attempt-timeout, the download at
// --plan-fetch-timeout, and the task fails saying so, while running
// callbacks every --progress-interval keep it visible in HCP Terraform.
func TestServeGivesUpOnAHangingPlanHost(t *testing.T) {
	t.Parallel()
	peer := newPeer(t)
	srv := startServe(t, "--database-url", filepath.Join(t.TempDir(), "prodgate.db"),
		"--plan-fetch-timeout", "2s", "--plan-attempt-timeout", "500ms", "--progress-interval", "300ms")
	planID, _ := peer.AddPlan(readExample(t, "compliant.json"))
	peer.SetPlanBehaviour(planID, tfcfake.PlanBehaviour{Delay: time.Hour})
	task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
	sent := time.Now()
	deliver(t, peer, srv, task.Payload(), testHMACKey)
	final := waitFinal(t, peer, task)
	took := time.Since(sent)
	for _, want := range []string{"could not download the plan", "gave up after 2s (--plan-fetch-timeout)", "no answer within 500ms (--plan-attempt-timeout)"} {
		if final.Status != "failed" || !strings.Contains(final.Message, want) {
			t.Errorf("final %s %q, want failed saying %q", final.Status, final.Message, want)
		}
	}
	if took > 10*time.Second {
		t.Errorf("the task ended %s after its request, want about 2 s", took)
	}
	running := 0
	for _, cb := range peer.Callbacks(task.ID) {
		if cb.Status == "running" && cb.Accepted {
			running++
		}
	}
	if running < 3 {
		t.Errorf("%d running callbacks in %s with --progress-interval 300ms, want several", running, took)
	}
	if n := peer.PlanFetches(planID); n < 3 {
		t.Errorf("%d download attempts in 2 s of 500 ms each, want several", n)
	}
	t.Logf("failed %s after the request, %d running callbacks, %d download attempts: %s", took.Round(10*time.Millisecond), running, peer.PlanFetches(planID), final.Message)
}

// TestServeEndsJudgingThatTakesTooLong: judging that never ends fails the
// task at --judge-timeout; the service goes on answering.
func TestServeEndsJudgingThatTakesTooLong(t *testing.T) {
	t.Parallel()
	peer := newPeer(t)
	srv := startServe(t, "--database-url", filepath.Join(t.TempDir(), "prodgate.db"),
		"--judge-timeout", "1s", "--test-only-judging-hook=stall:stall-canary-51e0")
	planID, _ := peer.AddPlan(markedPlan(t, "stall-canary-51e0"))
	task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
	deliver(t, peer, srv, task.Payload(), testHMACKey)
	final := waitFinal(t, peer, task)
	if want := "judging the plan took longer than 1s (--judge-timeout); it was not judged"; final.Status != "failed" || !strings.Contains(final.Message, want) {
		t.Errorf("final %s %q, want failed saying %q", final.Status, final.Message, want)
	}
	if _, status := get(t, srv.url("/healthz")); status != http.StatusOK {
		t.Errorf("/healthz %d after a judging that never ends", status)
	}
}

// TestServeHandsBackATaskAtShutdown: a task still being judged when
// --shutdown-timeout runs out at SIGTERM is handed back, not failed; the
// next process judges it.
func TestServeHandsBackATaskAtShutdown(t *testing.T) {
	t.Parallel()
	peer := newPeer(t)
	dbPath := filepath.Join(t.TempDir(), "prodgate.db")
	first, task := startJudgingStalled(t, peer, dbPath, "--shutdown-timeout", "1s")
	stopped := time.Now()
	first.stop()
	if took := time.Since(stopped); took > 11*time.Second {
		t.Errorf("SIGTERM took %s with --shutdown-timeout 1s, want at most 11 s", took)
	}
	if n := peer.FinalCount(task.ID); n != 0 {
		t.Fatalf("the task was called back at shutdown (%d finals); want it handed back", n)
	}
	second := startServe(t, "--database-url", dbPath)
	if final := waitFinal(t, peer, task); final.Status != "passed" {
		t.Errorf("final %s %q, want passed", final.Status, final.Message)
	}
	second.stop()
}
