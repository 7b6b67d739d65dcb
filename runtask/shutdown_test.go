package runtask

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/internal/tfcfake"
)

// TestStopLetsAFinalCallbackUnderWayFinish: a stop that cancels the job
// while HCP Terraform is taking its final result (slowly: it answers only
// after the job was cancelled) lets that exchange finish and records it, so
// the next process does not send the result a second time.
func TestStopLetsAFinalCallbackUnderWayFinish(t *testing.T) {
	for name, url := range testDatabases {
		t.Run(name, func(t *testing.T) {
			peer := newTestPeer(t)
			dbURL := url(t)
			// A 10 s budget keeps a reserve of 2 s, half of it for a final
			// callback under way.
			opts := Options{ShutdownTimeout: 10 * time.Second, ArchiveHosts: []string{"127.0.0.2", "localhost"}}
			s, _ := workerTestService(t, dbURL, opts)
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			planID, _ := peer.AddPlan([]byte(testEmptyPlan))
			task := peer.NewTask(tfcfake.TaskOptions{PlanID: planID})
			arrived := peer.HoldFinal(task.ID, 400*time.Millisecond)
			acceptTask(t, s, task)
			select {
			case <-arrived:
			case <-time.After(30 * time.Second):
				t.Fatal("the final callback never came")
			}
			gaveUp, cancel := context.WithCancel(context.Background())
			cancel() // stop at once: the job is cancelled with its final callback held
			began := time.Now()
			err := s.Stop(gaveUp)
			took := time.Since(began)
			if err != nil && !strings.Contains(err.Error(), "stop HTTP server") {
				t.Errorf("Stop = %v", err)
			}
			if took > s.finalCallbackGrace+stopHardWait {
				t.Errorf("Stop took %s, want at most the final callback's grace and the hard stop's wait", took)
			}
			if n := peer.FinalCount(task.ID); n != 1 {
				t.Fatalf("%d finals taken at the stop, want the one under way", n)
			}

			next, _ := workerTestService(t, dbURL, opts)
			if err := next.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second) // a task handed back is taken up at once
			if n := peer.FinalCount(task.ID); n != 1 {
				t.Errorf("%d final callbacks, want exactly 1: the stop must not hand back a task whose result was taken", n)
			}
			stored, err := next.db.store.get(context.Background(), task.ID)
			if err != nil || stored.FinalSentAt.IsZero() {
				t.Errorf("stored task %+v (%v), want the final recorded as sent", stored, err)
			}
		})
	}
}

// TestNewRefusesADelayAsLongAsTheStop: the delay is part of the stop's
// budget.
func TestNewRefusesADelayAsLongAsTheStop(t *testing.T) {
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), Options{Engine: engine, HMACKeys: []string{"k"},
		DatabaseURL: filepath.Join(t.TempDir(), "p.db"), ShutdownTimeout: 5 * time.Second, ShutdownDelay: 5 * time.Second})
	if err == nil {
		_ = s.Stop(context.Background())
	}
	if err == nil || !strings.Contains(err.Error(), "shutdown delay (5s) is not shorter than the shutdown timeout (5s)") {
		t.Errorf("New = %v, want both named", err)
	}
}
