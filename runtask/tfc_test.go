package runtask

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	gocmp "github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/prodgate/prodgate/report"
)

const tfcTestToken = "tok.atlasv1.secret-value"

// tfcSeen is one request a test server received.
type tfcSeen struct {
	Method, RequestURI, Auth, Accept, ContentType string
	Body                                          []byte
}

// tfcTestServer is an httptest server on 127.0.0.1 that records requests and
// answers the n-th (0-based) with handle.
type tfcTestServer struct {
	*httptest.Server
	mu     sync.Mutex
	seen   []tfcSeen
	handle func(n int, w http.ResponseWriter, r *http.Request)
}

func newTFCTestServer(t *testing.T) *tfcTestServer { return newTFCTestServerOn(t, "127.0.0.1:0") }

// newTFCTestServerOn listens on addr: 127.0.0.2 is another host on
// loopback (Linux routes all of 127/8).
func newTFCTestServerOn(t *testing.T, addr string) *tfcTestServer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("listen on %s: %v", addr, err)
	}
	s := &tfcTestServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.seen)
		s.seen = append(s.seen, tfcSeen{
			Method: r.Method, RequestURI: r.RequestURI, Auth: r.Header.Get("Authorization"),
			Accept: r.Header.Get("Accept"), ContentType: r.Header.Get("Content-Type"), Body: body,
		})
		handle := s.handle
		s.mu.Unlock()
		if handle == nil {
			http.Error(w, "no handler", http.StatusTeapot)
			return
		}
		handle(n, w, r)
	}))
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *tfcTestServer) requests() []tfcSeen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tfcSeen(nil), s.seen...)
}

// newTFCTestClient allows 127.0.0.1, backs off 1ms and records every wait
// (really sleeping only the short ones).
func newTFCTestClient(waits *[]time.Duration) *TFCClient {
	var mu sync.Mutex
	c := &TFCClient{
		Hosts:   HostPolicy{Allowed: []string{"127.0.0.1"}},
		Backoff: func(int) time.Duration { return time.Millisecond },
	}
	c.retryWait = func(attempt int, resp *http.Response) time.Duration {
		d := c.retryWaitFor(attempt, resp)
		mu.Lock()
		if waits != nil {
			*waits = append(*waits, d)
		}
		mu.Unlock()
		if d > 10*time.Millisecond {
			return 0
		}
		return d
	}
	return c
}

// tfcCountingTransport fails the test's expectations if anything is sent.
type tfcCountingTransport struct {
	mu sync.Mutex
	n  int
}

func (c *tfcCountingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return nil, errors.New("no request should have been sent")
}

func TestHostPolicyCheck(t *testing.T) {
	policy := HostPolicy{Allowed: []string{"app.terraform.io", "TFE.example.com:8443", "127.0.0.1", "localhost:9000", "::1"}}
	tests := []struct {
		name    string
		url     string
		wantErr string // substring; "" means allowed
	}{
		{"HCP Terraform over https is allowed", "https://app.terraform.io/api/v2/plans/plan-1/json-output", ""},
		{"host matching ignores case", "https://APP.Terraform.IO/api/v2/task-results/x/callback", ""},
		{"an entry without port matches any port", "https://app.terraform.io:8443/x", ""},
		{"an entry with port matches that port", "https://tfe.example.com:8443/x", ""},
		{"an entry with port refuses another port", "https://tfe.example.com/x", `tfe.example.com may not receive the run's access token`},
		{"a foreign host is refused and the setting named", "https://evil.example.com/x", "--allowed-hosts"},
		{"a suffix of an allowed host is not allowed", "https://app.terraform.io.evil.com/x", "app.terraform.io.evil.com may not receive"},
		{"userinfo cannot smuggle a host", "https://app.terraform.io@evil.com/x", "evil.com may not receive"},
		{"http is refused off loopback", "http://app.terraform.io/x", "uses http"},
		{"http is allowed on a loopback IP", "http://127.0.0.1:8080/x", ""},
		{"http is allowed on localhost with the listed port", "http://localhost:9000/x", ""},
		{"localhost on another port is refused", "http://localhost:9001/x", "localhost:9001 may not receive"},
		{"http is allowed on IPv6 loopback", "http://[::1]:1234/x", ""},
		{"a loopback host must still be listed", "http://127.0.0.2/x", "127.0.0.2 may not receive"},
		{"other schemes are refused", "ftp://app.terraform.io/x", `scheme "ftp"`},
		{"a URL without host is refused", "/api/v2/plans/x", "has no host"},
		{"an unparsable URL is refused", "https://app.terraform.io/%zz", "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := policy.Check(tt.url)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tt.url, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check(%q) = %v, want error containing %q", tt.url, err, tt.wantErr)
			}
		})
	}
	if err := (HostPolicy{}).Check("https://app.terraform.io/x"); err == nil || !errors.Is(err, ErrHostNotAllowed) ||
		!strings.Contains(err.Error(), "allowed: none") {
		t.Errorf("empty policy: got %v, want ErrHostNotAllowed saying none are allowed", err)
	}
}

func TestTFCFetchPlan(t *testing.T) {
	const plan = `{"format_version":"1.2","terraform_version":"1.9.5"}`
	const planPath = "/api/v2/plans/plan-6AFmRJW1PFJ7qbAh/json-output"
	redirectTo := func(w http.ResponseWriter, r *http.Request, to string) {
		http.Redirect(w, r, to, http.StatusTemporaryRedirect)
	}
	type env struct{ api, dl, other *tfcTestServer } // other is on another host, 127.0.0.2
	tests := []struct {
		name         string
		api          func(e *env, n int, w http.ResponseWriter, r *http.Request)
		dl           func(e *env, n int, w http.ResponseWriter, r *http.Request)
		other        func(e *env, n int, w http.ResponseWriter, r *http.Request)
		archiveHosts []string
		maxBytes     int64
		fetchTimeout time.Duration // whole fetch; 0: 10 s
		attempt      time.Duration // one attempt; 0: the default
		want         string
		wantErr      string
		wantStatus   int
		wantRetry    bool
		wantAPICalls int
		wantDLCalls  int
		wantOther    int
		check        func(t *testing.T, e *env)
	}{
		{
			name: "307 to an archive host is followed without the token",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				redirectTo(w, r, e.other.URL+"/_archivist/plan?sig=abc")
			},
			other:        func(_ *env, _ int, w http.ResponseWriter, _ *http.Request) { io.WriteString(w, plan) },
			archiveHosts: []string{"127.0.0.2"},
			want:         plan,
			wantAPICalls: 1, wantOther: 1,
			check: func(t *testing.T, e *env) {
				if got := e.other.requests()[0]; got.Auth != "" || got.RequestURI != "/_archivist/plan?sig=abc" {
					t.Errorf("archive host got %q with Authorization %q, want no token", got.RequestURI, got.Auth)
				}
			},
		},
		{
			name: "307 to a host that is neither the plan's nor an archive host is refused, naming it",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				redirectTo(w, r, e.other.URL+"/internal/metadata")
			},
			archiveHosts: []string{"archivist.terraform.io"},
			wantErr:      "redirect to 127.0.0.2:",
			wantAPICalls: 1,
			check: func(t *testing.T, e *env) {
				if len(e.other.requests()) != 0 {
					t.Error("the foreign host was asked")
				}
			},
		},
		{
			name: "307 to another port is followed without the token",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				redirectTo(w, r, e.dl.URL+"/archivist/plan?sig=abc")
			},
			dl:           func(_ *env, _ int, w http.ResponseWriter, _ *http.Request) { io.WriteString(w, plan) },
			want:         plan,
			wantAPICalls: 1, wantDLCalls: 1,
			check: func(t *testing.T, e *env) {
				api, dl := e.api.requests()[0], e.dl.requests()[0]
				if api.Auth != "Bearer "+tfcTestToken || api.Accept != "application/json" || api.Method != http.MethodGet {
					t.Errorf("plan API got %s Authorization %q Accept %q, want GET with the bearer token and application/json", api.Method, api.Auth, api.Accept)
				}
				if dl.Auth != "" {
					t.Errorf("temporary URL on another host:port got Authorization %q, want none", dl.Auth)
				}
				if dl.RequestURI != "/archivist/plan?sig=abc" {
					t.Errorf("temporary URL requested as %q", dl.RequestURI)
				}
			},
		},
		{
			name: "307 on the same host and port keeps the token",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					redirectTo(w, r, "/download/plan.json")
					return
				}
				io.WriteString(w, plan)
			},
			want:         plan,
			wantAPICalls: 2,
			check: func(t *testing.T, e *env) {
				if got := e.api.requests()[1]; got.Auth != "Bearer "+tfcTestToken || got.RequestURI != "/download/plan.json" {
					t.Errorf("same-host redirect got %q with Authorization %q, want the token kept", got.RequestURI, got.Auth)
				}
			},
		},
		{
			name: "204 twice then the plan, asking the plan URL afresh each time",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				if n < 2 {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				redirectTo(w, r, e.dl.URL+"/archivist/plan")
			},
			dl:           func(_ *env, _ int, w http.ResponseWriter, _ *http.Request) { io.WriteString(w, plan) },
			want:         plan,
			wantAPICalls: 3, wantDLCalls: 1,
			check: func(t *testing.T, e *env) {
				for i, r := range e.api.requests() {
					if r.RequestURI != planPath || r.Auth != "Bearer "+tfcTestToken {
						t.Errorf("request %d: %s with Authorization %q, want the plan URL with the token", i, r.RequestURI, r.Auth)
					}
				}
			},
		},
		{
			name: "500 then the plan",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					http.Error(w, "oops", http.StatusInternalServerError)
					return
				}
				io.WriteString(w, plan)
			},
			want:         plan,
			wantAPICalls: 2,
		},
		{
			name: "429 then the plan",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					http.Error(w, "slow down", http.StatusTooManyRequests)
					return
				}
				io.WriteString(w, plan)
			},
			want:         plan,
			wantAPICalls: 2,
		},
		{
			name: "a stale temporary URL is retried with a fresh one",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				redirectTo(w, r, fmt.Sprintf("%s/archivist/plan?try=%d", e.dl.URL, n))
			},
			dl: func(_ *env, n int, w http.ResponseWriter, _ *http.Request) {
				if n == 0 {
					http.Error(w, "expired", http.StatusForbidden)
					return
				}
				io.WriteString(w, plan)
			},
			want:         plan,
			wantAPICalls: 2, wantDLCalls: 2,
		},
		{
			name: "404 fails at once quoting the body without the token",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprintf(w, `{"errors":[{"status":"404","title":"not found"}],"echo":%q}`+"\n\n"+strings.Repeat("x", 500), r.Header.Get("Authorization"))
			},
			wantErr:      `download plan from 127.0.0.1:`,
			wantStatus:   http.StatusNotFound,
			wantAPICalls: 1,
		},
		{
			name: "422 (unsupported Terraform) fails at once",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				http.Error(w, `{"errors":[{"detail":"Plan does not use a supported version of terraform"}]}`, http.StatusUnprocessableEntity)
			},
			wantErr:      `HTTP 422 Unprocessable Entity: {"errors":[{"detail":"Plan does not use a supported version of terraform"}]}`,
			wantStatus:   http.StatusUnprocessableEntity,
			wantAPICalls: 1,
		},
		{
			name: "a plan over the limit with Content-Length is refused",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, strings.Repeat("a", 17))
			},
			maxBytes:     16,
			wantErr:      "plan is larger than 16 bytes (--max-plan-bytes)",
			wantStatus:   http.StatusOK,
			wantAPICalls: 1,
		},
		{
			name: "a streamed plan over the limit is refused",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				for range 17 {
					io.WriteString(w, "a")
					w.(http.Flusher).Flush()
				}
			},
			maxBytes:     16,
			wantErr:      "plan is larger than 16 bytes (--max-plan-bytes)",
			wantStatus:   http.StatusOK,
			wantAPICalls: 1,
		},
		{
			name: "a streamed plan (no Content-Length) is read whole",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				for _, part := range []string{`{"format_version":"1.2",`, `"terraform_version":"1.9.5"}`} {
					io.WriteString(w, part)
					w.(http.Flusher).Flush()
				}
			},
			want:         plan,
			wantAPICalls: 1,
		},
		{
			name: "a plan of exactly the limit is accepted",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, strings.Repeat("a", 16))
			},
			maxBytes:     16,
			want:         strings.Repeat("a", 16),
			wantAPICalls: 1,
		},
		{
			name: "a plan that never gets ready is asked for until the fetch's deadline",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
			},
			fetchTimeout: 50 * time.Millisecond,
			wantErr:      "gave up after 50ms (--plan-fetch-timeout); the last attempt: plan is not ready yet (HTTP 204)",
			wantStatus:   http.StatusNoContent,
			wantRetry:    true,
		},
		{
			name: "5xx is retried until the fetch's deadline",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				http.Error(w, "bad gateway", http.StatusBadGateway)
			},
			fetchTimeout: 50 * time.Millisecond,
			wantErr:      "gave up after 50ms (--plan-fetch-timeout); the last attempt: HTTP 502 Bad Gateway: bad gateway",
			wantStatus:   http.StatusBadGateway,
			wantRetry:    true,
		},
		{
			name: "a hanging host: each attempt times out, and the fetch gives up at its deadline",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			},
			attempt:      40 * time.Millisecond,
			fetchTimeout: 300 * time.Millisecond,
			wantErr:      "gave up after 300ms (--plan-fetch-timeout); the last attempt: no answer within 40ms (--plan-attempt-timeout)",
			wantRetry:    true,
			check: func(t *testing.T, e *env) {
				if n := len(e.api.requests()); n < 3 {
					t.Errorf("%d attempts in 300 ms of 40 ms each, want several", n)
				}
			},
		},
		{
			name: "a body that stops coming is an attempt that times out",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				if n > 0 {
					io.WriteString(w, plan)
					return
				}
				w.Header().Set("Content-Length", "1000")
				io.WriteString(w, `{"format_version":`)
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			attempt:      100 * time.Millisecond,
			want:         plan,
			wantAPICalls: 2,
		},
		{
			name: "a redirect loop stops after 3 redirects",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				redirectTo(w, r, planPath)
			},
			wantErr:      "more than 3 redirects",
			wantAPICalls: 4,
		},
		{
			name: "a redirect to plain http off loopback is refused",
			api: func(e *env, n int, w http.ResponseWriter, r *http.Request) {
				redirectTo(w, r, "http://archivist.example.com/plan")
			},
			wantErr:      "redirect to archivist.example.com over http; want https",
			wantAPICalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &env{api: newTFCTestServer(t), dl: newTFCTestServer(t), other: newTFCTestServerOn(t, "127.0.0.2:0")}
			if tt.other != nil {
				e.other.handle = func(n int, w http.ResponseWriter, r *http.Request) { tt.other(e, n, w, r) }
			}
			if tt.api != nil {
				e.api.handle = func(n int, w http.ResponseWriter, r *http.Request) { tt.api(e, n, w, r) }
			}
			if tt.dl != nil {
				e.dl.handle = func(n int, w http.ResponseWriter, r *http.Request) { tt.dl(e, n, w, r) }
			}
			c := newTFCTestClient(nil)
			c.ArchiveHosts = HostPolicy{Allowed: tt.archiveHosts}
			c.MaxPlanBytes = tt.maxBytes
			c.FetchTimeout = cmp.Or(tt.fetchTimeout, 10*time.Second)
			if tt.attempt > 0 {
				c.HTTP = &http.Client{Timeout: tt.attempt}
			}
			got, err := c.FetchPlan(context.Background(), e.api.URL+planPath, tfcTestToken)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("FetchPlan: %v", err)
				}
				if string(got) != tt.want {
					t.Errorf("FetchPlan = %q, want %q", got, tt.want)
				}
			} else {
				if err == nil {
					t.Fatalf("FetchPlan = %q, want error containing %q", got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), tfcTestToken) {
					t.Errorf("error leaks the token: %q", err)
				}
				var fe *FetchError
				if !errors.As(err, &fe) {
					t.Fatalf("error %T is not a *FetchError", err)
				}
				if fe.Status != tt.wantStatus || fe.Retryable != tt.wantRetry {
					t.Errorf("FetchError{Status: %d, Retryable: %v}, want {%d, %v}", fe.Status, fe.Retryable, tt.wantStatus, tt.wantRetry)
				}
			}
			if n := len(e.api.requests()); tt.wantAPICalls > 0 && n != tt.wantAPICalls {
				t.Errorf("plan API got %d requests, want %d", n, tt.wantAPICalls)
			}
			if n := len(e.dl.requests()); n != tt.wantDLCalls {
				t.Errorf("download host got %d requests, want %d", n, tt.wantDLCalls)
			}
			if n := len(e.other.requests()); n != tt.wantOther {
				t.Errorf("the other host got %d requests, want %d", n, tt.wantOther)
			}
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
}

func TestTFCFetchPlanErrorSnippet(t *testing.T) {
	api := newTFCTestServer(t)
	api.handle = func(_ int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "{\"errors\":[\"not found\"],\n\"echo\":%q}%s", r.Header.Get("Authorization"), strings.Repeat("x", 500))
	}
	_, err := newTFCTestClient(nil).FetchPlan(context.Background(), api.URL+"/api/v2/plans/p/json-output", tfcTestToken)
	if err == nil {
		t.Fatal("FetchPlan succeeded on 404")
	}
	host := strings.TrimPrefix(api.URL, "http://")
	wantPrefix := `download plan from ` + host + `: HTTP 404 Not Found: {"errors":["not found"], "echo":"Bearer [token]"}xxx`
	if !strings.HasPrefix(err.Error(), wantPrefix) {
		t.Errorf("error = %q, want prefix %q", err, wantPrefix)
	}
	var fe *FetchError
	if errors.As(err, &fe) {
		snippet := strings.TrimPrefix(fe.Err.Error(), "HTTP 404 Not Found: ")
		if len(snippet) > 200 {
			t.Errorf("snippet is %d bytes, want at most 200", len(snippet))
		}
	}
}

func TestTFCForeignHostSendsNothing(t *testing.T) {
	rt := &tfcCountingTransport{}
	c := &TFCClient{HTTP: &http.Client{Transport: rt}, Hosts: HostPolicy{Allowed: []string{"app.terraform.io"}}}
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"plan on a foreign host", func() error {
			_, err := c.FetchPlan(ctx, "https://evil.example.com/api/v2/plans/p/json-output", tfcTestToken)
			return err
		}, "download plan from evil.example.com: host is not allow-listed: evil.example.com may not receive the run's access token (allowed: app.terraform.io; see --allowed-hosts)"},
		{"plan over plain http", func() error {
			_, err := c.FetchPlan(ctx, "http://app.terraform.io/api/v2/plans/p/json-output", tfcTestToken)
			return err
		}, "uses http"},
		{"callback on a foreign host", func() error {
			return c.SendResult(ctx, "https://evil.example.com/api/v2/task-results/x/callback", tfcTestToken, RunningResult("std", ""))
		}, "send task result to evil.example.com: host is not allow-listed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want error containing %q", err, tt.want)
			}
		})
	}
	if rt.n != 0 {
		t.Errorf("%d requests were sent, want none", rt.n)
	}
}

// The go-tfe test vector (TestTaskResultsCallbackRequestOptions_Marshal in
// go-tfe v1.111.2), which matches the API documentation's example.
const goTFECallbackVector = `{"data":{"type":"task-results","attributes":{"message":"4 passed, 0 skipped, 0 failed","status":"passed","url":"https://external.service.dev/terraform-plan-checker/run-i3Df5to9ELvibKpQ"},"relationships":{"outcomes":{"data":[{"type":"task-result-outcomes","attributes":{"body":"# Resolution for issue ST-2942\n\n## Impact\n\nFollow instructions in the [AWS S3 docs](https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html) to manually configure the MFA setting.\n—-- Payload truncated —--","description":"ST-2942:S3 Bucket will not enforce MFA login on delete requests","outcome-id":"PRTNR-CC-TF-127","tags":{"Cost Centre":[{"label":"IT-OPS"}],"Severity":[{"label":"High","level":"error"},{"label":"Recoverable","level":"info"}],"Status":[{"label":"Denied","level":"error"}]},"url":"https://external.service.dev/result/PRTNR-CC-TF-127"}}]}}}}
`

func TestTFCSendResultWireFormat(t *testing.T) {
	srv := newTFCTestServer(t)
	srv.handle = func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }
	res := Result{
		Status:  ResultPassed,
		Message: "4 passed, 0 skipped, 0 failed",
		URL:     "https://external.service.dev/terraform-plan-checker/run-i3Df5to9ELvibKpQ",
		Outcomes: []report.Outcome{{
			OutcomeID:   "PRTNR-CC-TF-127",
			Description: "ST-2942:S3 Bucket will not enforce MFA login on delete requests",
			Body:        "# Resolution for issue ST-2942\n\n## Impact\n\nFollow instructions in the [AWS S3 docs](https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html) to manually configure the MFA setting.\n—-- Payload truncated —--",
			URL:         "https://external.service.dev/result/PRTNR-CC-TF-127",
			Tags: map[string][]report.Tag{
				"Status":      {{Label: "Denied", Level: "error"}},
				"Severity":    {{Label: "High", Level: "error"}, {Label: "Recoverable", Level: "info"}},
				"Cost Centre": {{Label: "IT-OPS"}},
			},
		}},
	}
	// The callback URL is used verbatim, odd query encoding included.
	const path = "/api/v2/task-results/5ea8d46c-2ceb-42cd-83f2-82e54697bddd/callback?sig=a%2Fb%3D&x=1&x=2&flag"
	if err := newTFCTestClient(nil).SendResult(context.Background(), srv.URL+path, tfcTestToken, res); err != nil {
		t.Fatalf("SendResult: %v", err)
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	got := reqs[0]
	want := tfcSeen{
		Method:      http.MethodPatch,
		RequestURI:  path,
		Auth:        "Bearer " + tfcTestToken,
		Accept:      "application/vnd.api+json",
		ContentType: "application/vnd.api+json",
		Body:        []byte(goTFECallbackVector),
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("callback request mismatch (-want +got):\n%s", diff)
	}
}

func TestTFCSendResultRetries(t *testing.T) {
	status := func(code int, body string, header ...string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(code)
			io.WriteString(w, body)
		}
	}
	ok := status(http.StatusOK, "")
	tests := []struct {
		name      string
		answers   []func(w http.ResponseWriter) // the last repeats
		wantCalls int
		wantWaits []time.Duration
		wantErr   *CallbackError // URL is filled in; nil means success
		wantLog   bool           // a warning with status and body
	}{
		{
			name:      "429 with Retry-After then 200",
			answers:   []func(http.ResponseWriter){status(http.StatusTooManyRequests, "slow down", "Retry-After", "7"), ok},
			wantCalls: 2,
			wantWaits: []time.Duration{7 * time.Second},
		},
		{
			name:      "a long Retry-After is capped",
			answers:   []func(http.ResponseWriter){status(http.StatusServiceUnavailable, "", "Retry-After", "3600"), ok},
			wantCalls: 2,
			wantWaits: []time.Duration{30 * time.Second},
		},
		{
			name:      "500 then 200 uses the backoff",
			answers:   []func(http.ResponseWriter){status(http.StatusInternalServerError, "oops"), ok},
			wantCalls: 2,
			wantWaits: []time.Duration{time.Millisecond},
		},
		{
			name:      "204 counts as accepted",
			answers:   []func(http.ResponseWriter){status(http.StatusNoContent, "")},
			wantCalls: 1,
		},
		{
			name: "422 is not retried and the body is kept",
			answers: []func(http.ResponseWriter){status(http.StatusUnprocessableEntity,
				`{"errors":[{"status":"422","title":"Invalid response payload"}]}`)},
			wantCalls: 1,
			wantErr:   &CallbackError{Status: 422, Body: `{"errors":[{"status":"422","title":"Invalid response payload"}]}`},
			wantLog:   true,
		},
		{
			name:      "401 is not retried",
			answers:   []func(http.ResponseWriter){status(http.StatusUnauthorized, `{"errors":["Not authorized"]}`)},
			wantCalls: 1,
			wantErr:   &CallbackError{Status: 401, Body: `{"errors":["Not authorized"]}`},
			wantLog:   true,
		},
		{
			name:      "5xx gives up after 6 attempts, still retryable",
			answers:   []func(http.ResponseWriter){status(http.StatusBadGateway, "bad gateway")},
			wantCalls: 6,
			wantWaits: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond},
			wantErr:   &CallbackError{Status: 502, Body: "bad gateway", Retryable: true},
			wantLog:   true,
		},
		{
			name:      "a long error body is cut to 500 bytes",
			answers:   []func(http.ResponseWriter){status(http.StatusForbidden, strings.Repeat("é", 400))},
			wantCalls: 1,
			wantErr:   &CallbackError{Status: 403, Body: strings.Repeat("é", 248) + "…"},
			wantLog:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTFCTestServer(t)
			srv.handle = func(n int, w http.ResponseWriter, _ *http.Request) {
				tt.answers[min(n, len(tt.answers)-1)](w)
			}
			var waits []time.Duration
			core, logs := observer.New(zapcore.DebugLevel)
			c := newTFCTestClient(&waits)
			c.Logger = zap.New(core)
			url := srv.URL + "/api/v2/task-results/abc/callback"
			err := c.SendResult(context.Background(), url, tfcTestToken, Result{Status: ResultFailed, Message: "m"})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("SendResult: %v", err)
				}
			} else {
				var ce *CallbackError
				if !errors.As(err, &ce) {
					t.Fatalf("SendResult = %v (%T), want *CallbackError", err, err)
				}
				want := *tt.wantErr
				want.URL = url
				if diff := gocmp.Diff(want, *ce); diff != "" {
					t.Errorf("CallbackError mismatch (-want +got):\n%s", diff)
				}
				if !strings.Contains(err.Error(), fmt.Sprintf("send task result to %s: HTTP %d", strings.TrimPrefix(srv.URL, "http://"), want.Status)) {
					t.Errorf("error message %q does not name the host and status", err)
				}
			}
			if n := len(srv.requests()); n != tt.wantCalls {
				t.Errorf("got %d requests, want %d", n, tt.wantCalls)
			}
			if diff := gocmp.Diff(tt.wantWaits, waits); diff != "" {
				t.Errorf("waits mismatch (-want +got):\n%s", diff)
			}
			warns := logs.FilterLevelExact(zapcore.WarnLevel).All()
			if tt.wantLog {
				if len(warns) != 1 {
					t.Fatalf("got %d warnings, want 1: %v", len(warns), warns)
				}
				fields := warns[0].ContextMap()
				if fields["status"] != int64(tt.wantErr.Status) || fields["body"] != tt.wantErr.Body {
					t.Errorf("warning fields = %v, want status %d and body %q", fields, tt.wantErr.Status, tt.wantErr.Body)
				}
			} else if len(warns) != 0 {
				t.Errorf("unexpected warnings: %v", warns)
			}
			for _, e := range logs.All() {
				line, _ := json.Marshal(e.ContextMap())
				if strings.Contains(e.Message+string(line), tfcTestToken) {
					t.Errorf("log entry leaks the token: %s %s", e.Message, line)
				}
			}
		})
	}
}

func TestTFCSendResultNetworkError(t *testing.T) {
	srv := newTFCTestServer(t)
	srv.handle = func(_ int, w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	err := newTFCTestClient(nil).SendResult(context.Background(), srv.URL+"/cb", tfcTestToken, RunningResult("x", ""))
	var ce *CallbackError
	if !errors.As(err, &ce) || ce.Status != 0 || !ce.Retryable || ce.Err == nil {
		t.Fatalf("SendResult = %#v, want a retryable *CallbackError with a cause and no status", err)
	}
	if n := len(srv.requests()); n != 6 {
		t.Errorf("got %d requests, want 6", n)
	}
}

func TestTFCSendResultRefusesBadResults(t *testing.T) {
	srv := newTFCTestServer(t)
	for _, status := range []string{"", "pending", "errored", "PASSED"} {
		err := newTFCTestClient(nil).SendResult(context.Background(), srv.URL+"/cb", tfcTestToken, Result{Status: status})
		if err == nil || !strings.Contains(err.Error(), "is not one of running, passed, failed") {
			t.Errorf("status %q: got %v, want a status error", status, err)
		}
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("got %d requests, want none", n)
	}
}

// tfcCallbackDoc is the part of a callback body the tests look at.
type tfcCallbackDoc struct {
	Data struct {
		Type       string `json:"type"`
		Attributes struct {
			Status  string `json:"status"`
			Message string `json:"message"`
			URL     string `json:"url"`
		} `json:"attributes"`
		Relationships *struct {
			Outcomes struct {
				Data []struct {
					Type       string         `json:"type"`
					Attributes report.Outcome `json:"attributes"`
				} `json:"data"`
			} `json:"outcomes"`
		} `json:"relationships"`
	} `json:"data"`
}

func decodeTFCCallback(t *testing.T, body []byte) tfcCallbackDoc {
	t.Helper()
	var doc tfcCallbackDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("callback body is not JSON: %v\n%s", err, body)
	}
	return doc
}

func TestTFCSendResultFitsLimits(t *testing.T) {
	srv := newTFCTestServer(t)
	srv.handle = func(_ int, w http.ResponseWriter, _ *http.Request) {}
	var outcomes []report.Outcome
	for i := range 12 {
		outcomes = append(outcomes, report.Outcome{
			OutcomeID: fmt.Sprintf("rule-%02d:%s", i, strings.Repeat("z", 70)), Description: "d",
			URL: "https://prodgate.example.com/" + strings.Repeat("u", 500),
		})
	}
	res := Result{
		Status:   ResultFailed,
		Message:  strings.Repeat("é", 700) + "\xff",
		URL:      "https://prodgate.example.com/" + strings.Repeat("u", 480),
		Outcomes: outcomes,
	}
	if err := newTFCTestClient(nil).SendResult(context.Background(), srv.URL+"/cb", tfcTestToken, res); err != nil {
		t.Fatalf("SendResult: %v", err)
	}
	doc := decodeTFCCallback(t, srv.requests()[0].Body)
	a := doc.Data.Attributes
	if len(a.Message) > report.MaxMessageLen || !utf8.ValidString(a.Message) || !strings.HasSuffix(a.Message, "é…") {
		t.Errorf("message is %d bytes (valid UTF-8 %v), want ≤%d ending in an ellipsis", len(a.Message), utf8.ValidString(a.Message), report.MaxMessageLen)
	}
	if a.URL != "" {
		t.Errorf("a %d-byte URL was sent, want it dropped", len(res.URL))
	}
	if doc.Data.Relationships == nil || len(doc.Data.Relationships.Outcomes.Data) != 10 {
		t.Fatalf("want 10 outcomes in the body")
	}
	for _, o := range doc.Data.Relationships.Outcomes.Data {
		if len(o.Attributes.OutcomeID) > report.MaxOutcomeIDLen || o.Attributes.URL != "" {
			t.Errorf("outcome %q (%d bytes) with URL of %d bytes, want ≤64 bytes and no URL", o.Attributes.OutcomeID, len(o.Attributes.OutcomeID), len(o.Attributes.URL))
		}
	}
	if len(res.Outcomes) != 12 || len(res.Outcomes[0].OutcomeID) <= 64 {
		t.Error("SendResult changed the caller's result")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"-3", 0}, {"soon", 0},
		{"5", 5 * time.Second}, {" 12 ", 12 * time.Second}, {"31", 30 * time.Second}, {"99999999999999", 30 * time.Second},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(time.Hour).Format(http.TimeFormat), 30 * time.Second},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDefaultTFCBackoff(t *testing.T) {
	for attempt, ceiling := range []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
		for range 50 {
			if d := DefaultTFCBackoff(attempt); d < ceiling/2 || d > ceiling {
				t.Fatalf("DefaultTFCBackoff(%d) = %v, want within [%v, %v]", attempt, d, ceiling/2, ceiling)
			}
		}
	}
	if d := DefaultTFCBackoff(1000); d > 5*time.Second {
		t.Errorf("DefaultTFCBackoff(1000) = %v, want ≤5s", d)
	}
}

func TestReadPlanBody(t *testing.T) {
	const limit = 8
	tests := []struct {
		name    string
		body    string
		size    int64
		want    string
		wantErr string
	}{
		{name: "declared length", body: "abcd", size: 4, want: "abcd"},
		{name: "unknown length", body: "abcd", size: -1, want: "abcd"},
		{name: "unknown length over the limit gives limit+1 bytes", body: "abcdefghijk", size: -1, want: "abcdefghi"},
		{name: "declared length over the limit is read as unknown", body: "abcdefghijk", size: 11, want: "abcdefghi"},
		{name: "shorter than declared", body: "abc", size: 4, wantErr: "unexpected EOF"},
		{name: "longer than declared", body: "abcde", size: 4, wantErr: "longer than its Content-Length (4 bytes)"},
		{name: "empty", body: "", size: 0, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readPlanBody(strings.NewReader(tt.body), tt.size, limit)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
