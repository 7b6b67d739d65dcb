package runtask

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/internal/tfcfake"
)

// workerTestService is a service on url whose queue is not started: tests
// call process themselves. Its logs go to the returned observer.
func workerTestService(t *testing.T, url string, opts Options) (*Service, *observer.ObservedLogs) {
	t.Helper()
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	opts.Listen, opts.HMACKeys, opts.AllowedHosts = "127.0.0.1:0", []string{handlerTestKey}, []string{"127.0.0.1"}
	opts.DatabaseURL, opts.Engine, opts.Logger, opts.ExternalURL = url, engine, zap.New(core), "https://prodgate.example.com"
	s, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s, logs
}

// testEmptyPlan is the smallest plan: no changes at all.
const testEmptyPlan = `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[]}`

// newTestPeer is a fake HCP Terraform for one test.
func newTestPeer(tb testing.TB) *tfcfake.Server {
	tb.Helper()
	peer, err := tfcfake.New()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(peer.Close)
	return peer
}

// acceptTask delivers task to s as its POST handler would.
func acceptTask(t *testing.T, s *Service, task *tfcfake.Task) evaluateArgs {
	t.Helper()
	req, err := DecodeRequest(task.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := s.accept(context.Background(), req, task.Payload()); err != nil || out != acceptQueued {
		t.Fatalf("accept: %v, %v", out, err)
	}
	return evaluateArgs{TaskResultID: task.ID, ReceivedAt: time.Now()}
}

// TestPoisonTaskEndsFailed: a task whose judging has started three times
// and never finished (the process died each time) is ended failed, without
// downloading or judging the plan again, with a log line naming it.
func TestPoisonTaskEndsFailed(t *testing.T) {
	for name, url := range testDatabases {
		t.Run(name, func(t *testing.T) {
			peer := newTestPeer(t)
			s, logs := workerTestService(t, url(t), Options{})
			planID, _ := peer.AddPlan([]byte(testEmptyPlan))
			ctx := context.Background()

			healthy := acceptTask(t, s, peer.NewTask(tfcfake.TaskOptions{PlanID: planID}))
			if err := s.process(ctx, healthy, 1, maxAttempts); err != nil {
				t.Fatal(err)
			}
			if task, err := s.db.store.get(ctx, healthy.TaskResultID); err != nil || task.JudgingsUnfinished != 0 || task.Sealed != nil {
				t.Errorf("a judged task: %+v, %v; want no unfinished judging and the sealed request dropped", task, err)
			}

			poison := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
			args := acceptTask(t, s, poison)
			for range maxJudgingStarts {
				if err := s.db.store.startJudging(ctx, poison.ID); err != nil {
					t.Fatal(err)
				}
			}
			fetches := peer.PlanFetches(planID)
			if err := s.process(ctx, args, maxJudgingStarts+1, maxAttempts); err != nil {
				t.Fatal(err)
			}
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			final, err := peer.WaitFinal(wctx, poison.ID)
			if err != nil {
				t.Fatal(err)
			}
			if final.Status != "failed" || !strings.Contains(final.Message, "judging this plan stopped the service 3 times; it was not judged") {
				t.Errorf("final %s %q", final.Status, final.Message)
			}
			if n := peer.PlanFetches(planID); n != fetches {
				t.Errorf("the plan was downloaded again (%d times more)", n-fetches)
			}
			found := logs.FilterMessageSnippet("judging this plan stopped the service 3 times").FilterField(zap.String("task_result_id", poison.ID)).All()
			if len(found) != 1 || found[0].Level != zapcore.ErrorLevel {
				t.Errorf("want one error log line naming the task, got %v", found)
			}
		})
	}
}

func TestJudgingHookSpec(t *testing.T) {
	for _, spec := range []string{"crash", "crash:", "explode:x", ":x"} {
		if _, err := judgingHookFor(spec); err == nil || !strings.Contains(err.Error(), "want crash:MARKER or stall:MARKER") {
			t.Errorf("%q: %v, want it refused", spec, err)
		}
	}
	for _, spec := range []string{"", "crash:x", "stall:x"} {
		hook, err := judgingHookFor(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		hook([]byte("a plan without the marker")) // returns at once
	}
}

func TestNewRefusesAnAttemptLongerThanTheFetch(t *testing.T) {
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(context.Background(), Options{Engine: engine, HMACKeys: []string{"k"}, DatabaseURL: filepath.Join(t.TempDir(), "p.db"),
		PlanFetchTimeout: time.Second, PlanAttemptTimeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "plan attempt timeout (2s) is longer than the whole plan fetch timeout (1s)") {
		t.Errorf("New = %v, want the two timeouts named", err)
	}
}
