package runtask

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/internal/tfcfake"
)

const handlerTestKey = "handler-test-key"

// gin's test mode: no route listing on every service a test makes.
func init() { gin.SetMode(gin.TestMode) }

// newHandlerTestService is a service that is not started: its handlers
// accept requests into the queue, no worker takes them.
func newHandlerTestService(tb testing.TB) *Service {
	tb.Helper()
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(context.Background(), Options{
		Listen: "127.0.0.1:0", HMACKeys: []string{handlerTestKey}, AllowedHosts: []string{"127.0.0.1"},
		DatabaseURL: filepath.Join(tb.TempDir(), "prodgate.db"), Engine: engine,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s
}

// BenchmarkPOST is the work behind one run-task POST's answer, without the
// network: signature, decoding, sealing and the accepting transaction (task
// row and River job), grouped with concurrent requests as under a burst. Per-POST CPU is what a burst of
// hundreds queues behind (bench/serverbench measures it over loopback).
func BenchmarkPOST(b *testing.B) {
	peer, err := tfcfake.New()
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	s := newHandlerTestService(b)
	handler := s.http.Handler
	const distinct = 4096
	bodies := make([][]byte, distinct)
	sigs := make([]string, distinct)
	for i := range bodies {
		bodies[i] = peer.NewTask(tfcfake.TaskOptions{PlanID: "plan-x", Workspace: fmt.Sprintf("ws-%d", i)}).Payload()
		sigs[i] = tfcfake.Sign(bodies[i], handlerTestKey)
	}
	var next atomic.Int64
	b.SetParallelism(50)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) % distinct
			req := httptest.NewRequest(http.MethodPost, "/runtask", bytes.NewReader(bodies[i]))
			req.Header.Set(SignatureHeader, sigs[i])
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("POST answered %d: %s", w.Code, w.Body)
			}
		}
	})
}
