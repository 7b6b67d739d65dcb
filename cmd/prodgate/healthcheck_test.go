//go:build !checkonly

package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHealthzURLFollowsTheListenAddress(t *testing.T) {
	tests := []struct {
		name, listen, want, wantErr string
	}{
		{name: "unset means the serve default :8080", listen: "", want: "http://127.0.0.1:8080/healthz"},
		{name: "all interfaces are probed on loopback", listen: ":9090", want: "http://127.0.0.1:9090/healthz"},
		{name: "the IPv4 wildcard is probed on loopback", listen: "0.0.0.0:9090", want: "http://127.0.0.1:9090/healthz"},
		{name: "the IPv6 wildcard is probed on loopback", listen: "[::]:9090", want: "http://127.0.0.1:9090/healthz"},
		{name: "a named address is probed where it listens", listen: "10.1.2.3:8081", want: "http://10.1.2.3:8081/healthz"},
		{name: "an IPv6 address keeps its brackets", listen: "[::1]:8081", want: "http://[::1]:8081/healthz"},
		{name: "port 0 has no fixed port to probe", listen: "127.0.0.1:0", wantErr: `PRODGATE_LISTEN="127.0.0.1:0": no fixed port to probe; give --url`},
		{name: "an address without a port is refused", listen: "localhost", wantErr: `PRODGATE_LISTEN="localhost": address localhost: missing port in address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := healthzURL(tt.listen)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("URL (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHealthcheckExitCodes(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) }))
	defer healthy.Close()
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "database unavailable: connection refused", http.StatusServiceUnavailable)
	}))
	defer notReady.Close()
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(release)
	closed := freeLoopbackAddr(t)

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "a 200 is healthy", args: []string{"--url", healthy.URL + "/healthz"}, wantCode: exitPassed},
		{
			name: "a 503 is unhealthy and says why", args: []string{"--url", notReady.URL + "/readyz"}, wantCode: exitFailed,
			wantStderr: "prodgate: unhealthy: GET " + notReady.URL + "/readyz: 503 Service Unavailable: database unavailable: connection refused\n",
		},
		{
			name: "no answer within --timeout is unhealthy", args: []string{"--url", hanging.URL + "/healthz", "--timeout", "200ms"}, wantCode: exitFailed,
			wantStderr: "prodgate: unhealthy: GET " + hanging.URL + "/healthz: no answer in time\n",
		},
		{name: "nothing listening is unhealthy", args: []string{"--url", "http://" + closed + "/healthz"}, wantCode: exitFailed, wantStderr: "connection refused"},
		{name: "a URL that is not one is bad input", args: []string{"--url", "http://[::1"}, wantCode: exitBadInput, wantStderr: `--url "http://[::1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"healthcheck"}, tt.args...), strings.NewReader(""), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if tt.wantStderr == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

func TestHealthcheckReadsThePortFromPRODGATE_LISTEN(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PRODGATE_LISTEN", ":"+port)
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"healthcheck"}, strings.NewReader(""), &bytes.Buffer{}, &stderr); code != exitPassed {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, stderr.String())
	}
}

// The real binary against a real `prodgate serve`: healthy while it runs,
// unhealthy once it is gone.
func TestHealthcheckProbesARealServe(t *testing.T) {
	s := startServe(t, "--database-url", filepath.Join(t.TempDir(), "prodgate.db"))
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := prodgate(t, "", nil, "", "healthcheck", "--url", s.url(path)); r.code != exitPassed {
			t.Errorf("healthcheck %s: exit code %d, want 0; stderr:\n%s", path, r.code, r.stderr)
		}
	}
	s.kill()
	r := prodgate(t, "", nil, "", "healthcheck", "--url", s.url("/healthz"))
	if r.code != exitFailed || !strings.Contains(r.stderr, "prodgate: unhealthy: GET "+s.url("/healthz")) {
		t.Errorf("after the service died: exit code %d, stderr %q; want 1 and an unhealthy message", r.code, r.stderr)
	}
}

// freeLoopbackAddr is a loopback address nothing listens on.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}
