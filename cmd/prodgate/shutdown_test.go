//go:build !checkonly

package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prodgate/prodgate/internal/pgtest"
	"github.com/prodgate/prodgate/internal/tfcfake"
)

// TestServeStopsGracefullyWithoutLosingTasks sends tasks to the real
// binary and SIGTERMs it while some are being worked (one is being judged
// and never finishes) and others wait in the queue. /readyz turns 503 at
// once while run-task POSTs are still answered and queued during
// --shutdown-delay; tasks under way finish during the stop; the one that
// cannot is handed back; the process exits within --shutdown-timeout; the
// next process on the same database gives every task, those accepted
// during the stop included, exactly one final result.
func TestServeStopsGracefullyWithoutLosingTasks(t *testing.T) {
	for name, database := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "prodgate.db") },
		"postgres": func(t *testing.T) string { return pgtest.NewDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dbURL := database(t)
			peer := newPeer(t)
			slowID, _ := peer.AddPlan(readExample(t, "compliant.json"))
			peer.SetPlanBehaviour(slowID, tfcfake.PlanBehaviour{Delay: 300 * time.Millisecond})
			const timeout = 6 * time.Second
			// Two judging slots (GOMAXPROCS-1): one for the plan that never
			// finishes, one for the others.
			first, stalled := startJudgingStalledEnv(t, peer, []string{"GOMAXPROCS=3"}, dbURL, "--workers", "3",
				"--shutdown-delay", "1500ms", "--shutdown-timeout", timeout.String())
			tasks := []*tfcfake.Task{stalled}
			for i := range 12 {
				task := peer.NewTask(tfcfake.TaskOptions{PlanID: slowID, Workspace: fmt.Sprintf("ws-%d", i)})
				if got := deliver(t, peer, first, task.Payload(), testHMACKey); got != http.StatusOK {
					t.Fatalf("task %d: status %d", i, got)
				}
				tasks = append(tasks, task)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := peer.WaitFinal(ctx, tasks[2].ID); err != nil {
				t.Fatalf("the tasks behind the stalled one are not judged: %v", err)
			}
			// SIGTERM once a task is under way (its plan download takes
			// 300 ms): it must be let finish.
			underWay := func() bool {
				for _, task := range tasks[3:] {
					if cbs := peer.Callbacks(task.ID); len(cbs) == 1 && cbs[0].Status == "running" {
						return true
					}
				}
				return false
			}
			for !underWay() {
				if ctx.Err() != nil {
					t.Fatal("no task started after the first ones")
				}
				time.Sleep(time.Millisecond)
			}

			if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			signalled := time.Now()
			var notReadyAfter time.Duration
			for notReadyAfter == 0 && time.Since(signalled) < time.Second {
				if body, status := get(t, first.url("/readyz")); status == http.StatusServiceUnavailable && strings.HasPrefix(body, "shutting down") {
					notReadyAfter = time.Since(signalled)
				}
			}
			if notReadyAfter == 0 {
				t.Fatal("/readyz did not answer 503 within 1s of SIGTERM")
			}
			// Requests arriving while load balancers catch up are answered
			// and queued, not refused.
			late := make([]*tfcfake.Task, 4)
			statuses := make([]int, len(late))
			var wg sync.WaitGroup
			for i := range late {
				late[i] = peer.NewTask(tfcfake.TaskOptions{PlanID: slowID, Workspace: fmt.Sprintf("late-%d", i)})
				wg.Go(func() { statuses[i] = deliver(t, peer, first, late[i].Payload(), testHMACKey) })
			}
			wg.Wait()
			for i, status := range statuses {
				if status != http.StatusOK {
					t.Errorf("POST %d during the shutdown delay: %d, want 200", i, status)
				}
			}
			tasks = append(tasks, late...)

			select {
			case <-first.waited:
			case <-time.After(timeout + 5*time.Second):
				t.Fatalf("still running %s after SIGTERM with --shutdown-timeout %s", time.Since(signalled), timeout)
			}
			took := time.Since(signalled)
			if code := first.cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("exit code %d after a graceful stop, want 0:\n%s", code, first.logs.String())
			}
			if took > timeout+time.Second {
				t.Errorf("the stop took %s, want it within --shutdown-timeout (%s)", took, timeout)
			}
			waitLog(t, first, time.Second, `"prodgate serve stopped"`)
			before, during := 0, 0
			for _, task := range tasks {
				for _, cb := range peer.Callbacks(task.ID) {
					switch {
					case !cb.Final() || !cb.Accepted:
					case cb.At.Before(signalled):
						before++
					default:
						during++
					}
				}
			}
			if peer.FinalCount(stalled.ID) != 0 || before+during == len(tasks) {
				t.Fatalf("%d of %d tasks finished before the process exited (the stalled one %d times); the test proves nothing",
					before+during, len(tasks), peer.FinalCount(stalled.ID))
			}
			if during == 0 {
				t.Errorf("no task under way at SIGTERM finished during the stop; want them to finish, not be handed back")
			}

			second := startServe(t, "--database-url", dbURL, "--workers", "4")
			expectOneFinalEach(t, peer, tasks, "passed")
			t.Logf("readyz 503 %s after SIGTERM; stopped after %s; of %d tasks %d were called back before SIGTERM, %d during the stop, the rest after the restart",
				notReadyAfter.Round(time.Millisecond), took.Round(time.Millisecond), len(tasks), before, during)
			second.stop()
		})
	}
}

// TestServeStopsAtOnceOnASecondSignal: a second SIGTERM does not wait for
// the task being judged; it is handed back and judged by the next process.
func TestServeStopsAtOnceOnASecondSignal(t *testing.T) {
	t.Parallel()
	peer := newPeer(t)
	dbPath := filepath.Join(t.TempDir(), "prodgate.db")
	first, task := startJudgingStalled(t, peer, dbPath, "--shutdown-timeout", "60s")
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLog(t, first, 5*time.Second, "stopping: /readyz answers 503")
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	select {
	case <-first.waited:
	case <-time.After(10 * time.Second):
		t.Fatal("a second SIGTERM did not stop the service within 10s")
	}
	waitLog(t, first, time.Second, "second signal: stopping at once")
	t.Logf("stopped %s after the second signal", time.Since(signalled).Round(time.Millisecond))
	second := startServe(t, "--database-url", dbPath)
	expectOneFinalEach(t, peer, []*tfcfake.Task{task}, "passed")
	second.stop()
}
