package runtask

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/internal/tfcfake"
)

const handlerTestKey = "handler-test-key"

// gin's test mode: no route listing on every service a test makes.
func init() { gin.SetMode(gin.TestMode) }

// newHandlerTestService is a service that is not started: its handlers
// accept requests into the queue, no worker takes them, and any number may
// wait.
func newHandlerTestService(tb testing.TB) *Service {
	tb.Helper()
	return newHandlerTestServiceWith(tb, Options{})
}

// newHandlerTestServiceWith is newHandlerTestService with opts, whose
// listen address, keys, hosts, database and queue cap it sets; the built-in
// standard unless opts has a policy.
func newHandlerTestServiceWith(tb testing.TB, opts Options) *Service {
	tb.Helper()
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	opts.Listen, opts.HMACKeys, opts.AllowedHosts = "127.0.0.1:0", []string{handlerTestKey}, []string{"127.0.0.1"}
	opts.DatabaseURL, opts.Engine, opts.MaxQueuedTasks = filepath.Join(tb.TempDir(), "prodgate.db"), engine, -1
	s, err := New(context.Background(), opts)
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

// TestServiceRefusesWhenFull: beyond --max-queued-tasks a POST is answered
// 503 with a message naming the limit, which HCP Terraform shows.
func TestServiceRefusesWhenFull(t *testing.T) {
	peer, err := tfcfake.New()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	s, _ := workerTestService(t, filepath.Join(t.TempDir(), "prodgate.db"), Options{MaxQueuedTasks: 1})
	srv := httptest.NewServer(s.http.Handler) // the queue is not started: tasks stay waiting
	defer srv.Close()
	var bodies []string
	for i := range 2 {
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: "plan-x", Workspace: fmt.Sprintf("ws-%d", i)})
		status, body, err := postSigned(srv.URL+"/runtask", task.Payload())
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, fmt.Sprint(status, " ", body))
	}
	want := []string{`200 {"status":"accepted"}`,
		`503 {"error":"prodgate has 1 run tasks waiting to be judged, its limit (--max-queued-tasks); this run was not queued: try again once they are done"}`}
	if diff := cmp.Diff(want, bodies); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

// postSigned POSTs body as HCP Terraform would, signed with the test key.
func postSigned(url string, body []byte) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, tfcfake.Sign(body, handlerTestKey))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestServerBoundsHeadersAndIdleConnections: the listening server refuses a
// header over 32 KiB and closes a kept-alive connection left idle.
func TestServerBoundsHeadersAndIdleConnections(t *testing.T) {
	s, _ := workerTestService(t, filepath.Join(t.TempDir(), "prodgate.db"), Options{IdleTimeout: 200 * time.Millisecond})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.Addr()+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 64 KiB header: %d, want 431", resp.StatusCode)
	}

	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: prodgate\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	if resp, err := http.ReadResponse(r, nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz on the kept-alive connection: %v %v", resp, err)
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: read %v, want the server to close it (EOF)", err)
	}
	if idle := time.Since(start); idle > 4*time.Second {
		t.Errorf("the idle connection was closed after %s, want about 200ms", idle)
	}
}
