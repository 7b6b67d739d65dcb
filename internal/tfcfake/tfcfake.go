// Package tfcfake is a fake HCP Terraform for end-to-end tests and benchmarks
// of prodgate's run-task service. It plays the documented run-task protocol
// from HCP Terraform's side:
//
//   - it builds run-task request payloads and POSTs them, signed with
//     HMAC-SHA512 in X-TFC-Task-Signature, as HCP Terraform does;
//   - it serves the plan JSON endpoint (Bearer auth with the task's access
//     token, 204 while not ready, 307 to a one-minute archivist URL);
//   - it accepts the task-result callback PATCH, checks the token, the
//     JSON:API media type and the documented body schema, refuses a change
//     after a final status, and records every call.
//
// It uses only the standard library and shares no code with package runtask,
// so a bug in runtask cannot hide itself by being repeated here. It keeps no
// global state and every method is safe for concurrent use.
package tfcfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Protocol constants, as documented for HCP Terraform.
const (
	// UserAgent is the User-Agent of HCP Terraform's run-task requests.
	UserAgent = "TFC/1.0 (+https://app.terraform.io; TFC)"
	// SignatureHeader is spelled as in the run-task integration docs.
	SignatureHeader = "X-TFC-Task-Signature"
	// VerificationToken is the access token of the endpoint-check request.
	VerificationToken = "test-token"
	// JSONAPIMediaType is the media type callbacks must use.
	JSONAPIMediaType = "application/vnd.api+json"
	// DefaultArchivistTTL is the documented life of the plan download URL.
	DefaultArchivistTTL = time.Minute
)

// Limits the callback validation enforces (JSON Schemas published with the
// run-task docs, and the docs' prose for the outcome body).
const (
	maxOutcomes       = 10
	maxMessage        = 1000
	maxURL            = 500
	maxOutcomeID      = 64
	maxDescription    = 1000
	schemaMaxBody     = 10000    // runtask-outcome.json maxLength
	maxBody           = 5 << 20  // the docs: "maximum allowable limit of 5MB"
	maxTagKeys        = 10       // runtask-tag.json maxProperties
	maxTagsPerKey     = 32       // runtask-tag.json "maxLength 32" on the array
	maxLabel          = 32       // runtask-rich-label.json
	maxCallbackLength = 64 << 20 // whole PATCH body; larger gets 413
	planPathPrefix    = "/api/v2/plans/"
	callbackPathFmt   = "/api/v2/task-results/%s/callback"
	archivistPrefix   = "/_archivist/"
)

// Options tunes a Server. The zero value is what New uses.
type Options struct {
	// SameHostArchivist serves the plan download URL from the API host
	// itself. By default it is served from a second listener on another
	// loopback host name, as HCP Terraform redirects to a different host
	// (archivist). Go's http.Client keeps the Authorization header on a
	// redirect to the same host name (the port is ignored), so only a
	// separate host lets a test tell whether a client forwards the token.
	SameHostArchivist bool
	// ArchivistTTL overrides the one-minute life of download URLs.
	ArchivistTTL time.Duration
}

// Server is a running fake HCP Terraform.
type Server struct {
	url, host     string
	archBase      string
	archSeparate  bool
	listeners     []net.Listener
	servers       []*http.Server
	client        *http.Client
	closed        chan struct{}
	closeOnce     sync.Once
	verifyOrgName string

	mu          sync.Mutex
	changed     chan struct{}
	archTTL     time.Duration
	plans       map[string]*plan
	tasks       map[string]*taskState // by task-result ID
	byGUID      map[string]*taskState // by callback URL guid
	byToken     map[string]*taskState // by access token
	archive     map[string]archEntry
	archSawAuth bool
	stray       []Callback
}

type plan struct {
	body         []byte
	behaviour    PlanBehaviour
	notReadyLeft int
	fetches      int
	archFetches  int
}

type archEntry struct {
	planID  string
	expires time.Time
}

type taskState struct {
	task       *Task
	callbacks  []Callback
	final      int // index into callbacks of the accepted final, or -1
	finalCount int
	failures   []int
	// finalHold and finalArrived: see HoldFinal.
	finalHold    time.Duration
	finalArrived chan struct{}
}

// New starts a fake on 127.0.0.1 with default options.
func New() (*Server, error) { return NewWithOptions(Options{}) }

// NewWithOptions starts a fake on 127.0.0.1 (random port).
func NewWithOptions(o Options) (*Server, error) {
	s := &Server{
		closed:        make(chan struct{}),
		changed:       make(chan struct{}),
		archTTL:       DefaultArchivistTTL,
		plans:         map[string]*plan{},
		tasks:         map[string]*taskState{},
		byGUID:        map[string]*taskState{},
		byToken:       map[string]*taskState{},
		archive:       map[string]archEntry{},
		verifyOrgName: "prodgate-verify",
	}
	if o.ArchivistTTL > 0 {
		s.archTTL = o.ArchivistTTL
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/plans/{id}/json-output", s.handlePlan)
	mux.HandleFunc("/api/v2/task-results/{guid}/callback", s.handleCallback)
	mux.HandleFunc("GET /_archivist/{key}", s.handleArchivist)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not found", "no such endpoint in tfcfake: "+r.Method+" "+r.URL.Path)
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tfcfake: listen: %w", err)
	}
	s.host = ln.Addr().String()
	s.url = "http://" + s.host
	s.archBase = s.url
	s.serve(ln, mux)

	if !o.SameHostArchivist {
		// Prefer another loopback address (Linux routes all of 127/8);
		// else "localhost" on a second port, which is another host name.
		if aln, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
			s.archBase = "http://" + aln.Addr().String()
			s.archSeparate = true
			s.serve(aln, mux)
		} else if aln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
			_, port, _ := net.SplitHostPort(aln.Addr().String())
			s.archBase = "http://localhost:" + port
			s.archSeparate = true
			s.serve(aln, mux)
		}
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 1024
	tr.MaxIdleConnsPerHost = 1024
	s.client = &http.Client{
		Transport: tr,
		// HCP Terraform does not follow redirects from the task endpoint.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s, nil
}

func (s *Server) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.listeners = append(s.listeners, ln)
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(ln) }()
}

// Close stops the listeners, drops open connections and wakes any waiters.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		for _, srv := range s.servers {
			_ = srv.Close()
		}
		s.client.CloseIdleConnections()
	})
}

// CloseIdleConnections drops the delivery client's kept-alive connections,
// so the next deliveries each open a new one.
func (s *Server) CloseIdleConnections() { s.client.CloseIdleConnections() }

// URL is the API base, http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// Host is 127.0.0.1:PORT.
func (s *Server) Host() string { return s.host }

// ArchivistURL is the base of plan download URLs. It is URL() with
// Options.SameHostArchivist, else another loopback host.
func (s *Server) ArchivistURL() string { return s.archBase }

// ArchivistIsSeparateHost says whether download URLs name a host other than
// Host(), so a correct Go client will not send Authorization there.
func (s *Server) ArchivistIsSeparateHost() bool { return s.archSeparate }

// SetArchivistTTL changes the life of download URLs issued from now on.
func (s *Server) SetArchivistTTL(d time.Duration) {
	s.mu.Lock()
	s.archTTL = d
	s.mu.Unlock()
}

// ---------------------------------------------------------------------------
// Plans

// PlanBehaviour scripts the plan JSON endpoint for one plan.
type PlanBehaviour struct {
	// NotReadyTimes answers 204 No Content this many times first.
	NotReadyTimes int
	// FailWith, if non-zero, is answered (with a JSON:API error body) on
	// every authorised request, e.g. 404, 422 or 500.
	FailWith int
	// Delay is waited before answering each authorised request.
	Delay time.Duration
}

// AddPlan stores plan JSON and returns its ID and its json-output API URL.
func (s *Server) AddPlan(planJSON []byte) (planID, planURL string) {
	planID = "plan-" + randomID(16)
	s.mu.Lock()
	s.plans[planID] = &plan{body: bytes.Clone(planJSON)}
	s.mu.Unlock()
	return planID, s.PlanURL(planID)
}

// PlanURL is the json-output URL of planID (registered or not).
func (s *Server) PlanURL(planID string) string {
	return s.url + planPathPrefix + planID + "/json-output"
}

// SetPlanBehaviour replaces the behaviour of a plan added with AddPlan.
func (s *Server) SetPlanBehaviour(planID string, b PlanBehaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.plans[planID]; p != nil {
		p.behaviour = b
		p.notReadyLeft = b.NotReadyTimes
	}
}

// PlanFetches counts authorised GETs of the plan's json-output endpoint.
func (s *Server) PlanFetches(planID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.plans[planID]; p != nil {
		return p.fetches
	}
	return 0
}

// ArchivistFetches counts successful downloads of the plan's bytes.
func (s *Server) ArchivistFetches(planID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.plans[planID]; p != nil {
		return p.archFetches
	}
	return 0
}

// ArchivistSawAuthorization reports whether any request to a download URL
// carried an Authorization header.
func (s *Server) ArchivistSawAuthorization() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.archSawAuth
}

func (s *Server) handlePlan(w http.ResponseWriter, r *http.Request) {
	planID := r.PathValue("id")
	token, _ := bearer(r)
	s.mu.Lock()
	ts := s.taskByTokenLocked(token)
	if token == "" || ts == nil || ts.task.PlanID != planID {
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, "unauthorized", "")
		return
	}
	p := s.plans[planID]
	if p == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "not found", "")
		return
	}
	p.fetches++
	b := p.behaviour
	s.mu.Unlock()

	if b.Delay > 0 {
		t := time.NewTimer(b.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if b.FailWith != 0 {
		writeError(w, b.FailWith, http.StatusText(b.FailWith), "injected by tfcfake")
		return
	}
	s.mu.Lock()
	if p.notReadyLeft > 0 {
		p.notReadyLeft--
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	key := randomHex(32)
	s.archive[key] = archEntry{planID: planID, expires: time.Now().Add(s.archTTL)}
	s.mu.Unlock()
	w.Header().Set("Location", s.archBase+archivistPrefix+key)
	w.WriteHeader(http.StatusTemporaryRedirect)
}

func (s *Server) handleArchivist(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	s.mu.Lock()
	if r.Header.Get("Authorization") != "" {
		s.archSawAuth = true
	}
	e, ok := s.archive[key]
	if !ok || time.Now().After(e.expires) {
		s.mu.Unlock()
		http.Error(w, "download URL unknown or expired", http.StatusNotFound)
		return
	}
	p := s.plans[e.planID]
	p.archFetches++
	body := p.body
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	_, _ = w.Write(body)
}

// ---------------------------------------------------------------------------
// Tasks and payloads

// TaskOptions describes one run task request. Zero values get defaults.
type TaskOptions struct {
	Stage        string // default "post_plan"
	PlanID       string // a plan from AddPlan; its token may fetch it
	PlanURL      string // overrides plan_json_api_url (e.g. a foreign host)
	Organization string // default "prodgate-test"
	Workspace    string // workspace name, default "my-workspace"
	Project      string // project name, default "Default Project"
	// NoOutcomes sends capabilities.outcomes = false (default true).
	NoOutcomes bool
	// NoCapabilities leaves out the capabilities object.
	NoCapabilities bool
	// Misspelled sends "capabilitites" (go-tfe's spelling) instead of
	// "capabilities".
	Misspelled bool
	// CallbackQuery is appended verbatim after "?" to the callback URL.
	CallbackQuery string
	// EnforcementLevel, default "mandatory".
	EnforcementLevel string
	Speculative      bool
	// NoVCS sends every vcs_* field as null (a workspace without VCS).
	NoVCS            bool
	WorkingDirectory string // default "" (the root)
	RunMessage       string // default "Triggered via UI"
	CreatedBy        string // default "prodgate-tester"
}

// Task is one run task request HCP Terraform would send. Fields are fixed
// at creation.
type Task struct {
	ID          string // task_result_id, taskrs-…
	RunID       string // run-…
	AccessToken string
	CallbackURL string
	GUID        string // the callback URL's task-result guid
	Stage       string
	PlanID      string
	PlanURL     string // "" for pre_plan
	Organization,
	WorkspaceID,
	WorkspaceName string
	payload []byte
}

// Payload returns the exact JSON body HCP Terraform POSTs for this task.
func (t *Task) Payload() []byte { return bytes.Clone(t.payload) }

type capabilities struct {
	Outcomes bool `json:"outcomes"`
}

// payload lists the fields in the order of the documented sample.
type payload struct {
	PayloadVersion                  int           `json:"payload_version"`
	Stage                           string        `json:"stage"`
	AccessToken                     string        `json:"access_token"`
	Capabilities                    *capabilities `json:"capabilities,omitempty"`
	Capabilitites                   *capabilities `json:"capabilitites,omitempty"`
	ConfigurationVersionDownloadURL *string       `json:"configuration_version_download_url"`
	ConfigurationVersionID          string        `json:"configuration_version_id"`
	IsSpeculative                   bool          `json:"is_speculative"`
	OrganizationName                string        `json:"organization_name"`
	PlanJSONAPIURL                  string        `json:"plan_json_api_url,omitempty"`
	ProjectID                       string        `json:"project_id"`
	ProjectName                     string        `json:"project_name"`
	ProjectAppURL                   string        `json:"project_app_url"`
	RunAppURL                       string        `json:"run_app_url"`
	RunCreatedAt                    string        `json:"run_created_at"`
	RunCreatedBy                    string        `json:"run_created_by"`
	RunID                           string        `json:"run_id"`
	RunMessage                      string        `json:"run_message"`
	TaskResultCallbackURL           string        `json:"task_result_callback_url"`
	TaskResultEnforcementLevel      string        `json:"task_result_enforcement_level"`
	TaskResultID                    string        `json:"task_result_id"`
	VCSBranch                       *string       `json:"vcs_branch"`
	VCSCommitURL                    *string       `json:"vcs_commit_url"`
	VCSCommitHash                   *string       `json:"vcs_commit_hash"`
	VCSPullRequestURL               *string       `json:"vcs_pull_request_url"`
	VCSRepoURL                      *string       `json:"vcs_repo_url"`
	WorkspaceAppURL                 string        `json:"workspace_app_url"`
	WorkspaceID                     string        `json:"workspace_id"`
	WorkspaceName                   string        `json:"workspace_name"`
	WorkspaceWorkingDirectory       string        `json:"workspace_working_directory"`
}

func hasPlan(stage string) bool {
	return stage == "post_plan" || stage == "pre_apply" || stage == "post_apply"
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// NewTask registers a task (its token and callback URL) and builds its
// payload. Nothing is sent; use Deliver with Payload().
func (s *Server) NewTask(o TaskOptions) *Task {
	guid := newUUID()
	t := &Task{
		ID:            "taskrs-" + randomID(16),
		RunID:         "run-" + randomID(16),
		AccessToken:   randomID(14) + ".atlasv1." + randomID(70),
		GUID:          guid,
		CallbackURL:   s.url + fmt.Sprintf(callbackPathFmt, guid),
		Stage:         orDefault(o.Stage, "post_plan"),
		PlanID:        o.PlanID,
		Organization:  orDefault(o.Organization, "prodgate-test"),
		WorkspaceID:   "ws-" + randomID(16),
		WorkspaceName: orDefault(o.Workspace, "my-workspace"),
	}
	if o.CallbackQuery != "" {
		t.CallbackURL += "?" + o.CallbackQuery
	}
	if hasPlan(t.Stage) {
		switch {
		case o.PlanURL != "":
			t.PlanURL = o.PlanURL
		case o.PlanID != "":
			t.PlanURL = s.PlanURL(o.PlanID)
		default:
			t.PlanURL = s.PlanURL("plan-" + randomID(16)) // unknown: 401/404
		}
	}
	p := s.basePayload(t.Organization, t.WorkspaceName, t.WorkspaceID, t.RunID, orDefault(o.Project, "Default Project"))
	p.Stage = t.Stage
	p.AccessToken = t.AccessToken
	caps := &capabilities{Outcomes: !o.NoOutcomes}
	switch {
	case o.NoCapabilities:
	case o.Misspelled:
		p.Capabilitites = caps
	default:
		p.Capabilities = caps
	}
	p.IsSpeculative = o.Speculative
	p.PlanJSONAPIURL = t.PlanURL
	p.RunCreatedBy = orDefault(o.CreatedBy, "prodgate-tester")
	p.RunMessage = orDefault(o.RunMessage, "Triggered via UI")
	p.TaskResultCallbackURL = t.CallbackURL
	p.TaskResultEnforcementLevel = orDefault(o.EnforcementLevel, "mandatory")
	p.TaskResultID = t.ID
	p.WorkspaceWorkingDirectory = o.WorkingDirectory
	if o.NoVCS {
		p.VCSBranch, p.VCSCommitURL, p.VCSCommitHash, p.VCSRepoURL = nil, nil, nil, nil
	}
	t.payload = marshal(p)

	s.mu.Lock()
	ts := &taskState{task: t, final: -1}
	s.tasks[t.ID] = ts
	s.byGUID[guid] = ts
	s.byToken[t.AccessToken] = ts
	s.mu.Unlock()
	return t
}

func (s *Server) basePayload(org, ws, wsID, runID, project string) *payload {
	cv := "cv-" + randomID(16)
	cvURL := s.url + "/api/v2/configuration-versions/" + cv + "/download"
	hash := randomHex(20)
	repo := "https://github.com/" + org + "/" + ws
	return &payload{
		PayloadVersion:                  1,
		ConfigurationVersionDownloadURL: &cvURL,
		ConfigurationVersionID:          cv,
		OrganizationName:                org,
		ProjectID:                       "prj-" + randomID(16),
		ProjectName:                     project,
		ProjectAppURL:                   s.url + "/app/" + org + "/projects/" + strings.ReplaceAll(project, " ", ""),
		RunAppURL:                       s.url + "/app/" + org + "/" + ws + "/runs/" + runID,
		RunID:                           runID,
		RunCreatedAt:                    time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		VCSBranch:                       ptr("main"),
		VCSCommitURL:                    ptr(repo + "/commit/" + hash),
		VCSCommitHash:                   ptr(hash),
		VCSPullRequestURL:               nil,
		VCSRepoURL:                      ptr(repo),
		WorkspaceAppURL:                 s.url + "/app/" + org + "/" + ws,
		WorkspaceID:                     wsID,
		WorkspaceName:                   ws,
	}
}

// VerificationPayload is the endpoint check sent when a run task is created
// or its HMAC key changes: access_token "test-token", enforcement level
// "test". The real body is not documented beyond the token; the other fields
// are plausible. Its callback URL points at this server but belongs to no
// task, so any callback to it is recorded in StrayCallbacks.
func (s *Server) VerificationPayload() []byte {
	runID := "run-" + randomID(16)
	p := s.basePayload(s.verifyOrgName, "verify-workspace", "ws-"+randomID(16), runID, "Default Project")
	p.Stage = "post_plan"
	p.AccessToken = VerificationToken
	p.Capabilities = &capabilities{Outcomes: true}
	p.PlanJSONAPIURL = s.PlanURL("plan-" + randomID(16))
	p.RunCreatedBy = "prodgate-tester"
	p.RunMessage = "Test run task"
	p.TaskResultCallbackURL = s.url + fmt.Sprintf(callbackPathFmt, newUUID())
	p.TaskResultEnforcementLevel = "test"
	p.TaskResultID = "taskrs-" + randomID(16)
	return marshal(p)
}

// marshal encodes compactly without HTML escaping, as a non-Go server would.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func ptr[T any](v T) *T { return &v }

// ---------------------------------------------------------------------------
// Delivering requests

// Sign returns the lower-case hex HMAC-SHA512 of body under key, as
// `echo -n $BODY | openssl dgst -sha512 -hmac "$KEY"` prints it.
func Sign(body []byte, key string) string {
	m := hmac.New(sha512.New, []byte(key))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Deliver POSTs body to targetURL as HCP Terraform does: Content-Type
// application/json, its User-Agent and X-TFC-Task-Signature = Sign(body,
// hmacKey), or an empty header when hmacKey is "". It reads and discards the
// response and reports its status and the round-trip time. It does not retry
// and does not follow redirects.
func (s *Server) Deliver(ctx context.Context, targetURL string, body []byte, hmacKey string) (status int, latency time.Duration, err error) {
	sig := ""
	if hmacKey != "" {
		sig = Sign(body, hmacKey)
	}
	return s.DeliverSigned(ctx, targetURL, body, sig)
}

// DeliverSigned is Deliver with the signature header's value given as is
// (wrong, upper-case, truncated…).
func (s *Server) DeliverSigned(ctx context.Context, targetURL string, body []byte, signature string) (int, time.Duration, error) {
	return s.DeliverWithHeaders(ctx, targetURL, body, http.Header{SignatureHeader: {signature}})
}

// DeliverWithHeaders is Deliver with the signature header replaced by
// extra; keys are sent exactly as spelled (so an absent signature header,
// or other casings, can be tested). Content-Type and User-Agent in extra
// override the defaults.
func (s *Server) DeliverWithHeaders(ctx context.Context, targetURL string, body []byte, extra http.Header) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, targetURL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	for k, v := range extra {
		if ck := http.CanonicalHeaderKey(k); ck == "Content-Type" || ck == "User-Agent" {
			req.Header.Del(ck)
		}
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, time.Since(start), err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}

// ---------------------------------------------------------------------------
// Callbacks

// Tag is a rich label of an outcome.
type Tag struct {
	Label string `json:"label"`
	Level string `json:"level,omitempty"`
}

// Outcome is one detailed result of a callback.
type Outcome struct {
	OutcomeID   string
	Description string
	Body        string
	URL         string
	Tags        map[string][]Tag
}

// Callback is one PATCH received on a callback URL, accepted or not.
type Callback struct {
	Status   string // as sent, if the body could be read
	Message  string
	URL      string
	Outcomes []Outcome
	Raw      []byte
	Query    string // raw query string of the request URL
	Header   http.Header
	At       time.Time
	// Code is the HTTP status answered.
	Code     int
	Accepted bool
	// Reason says why it was refused.
	Reason string
	// LateFinal marks a valid passed/failed PATCH after the final status.
	LateFinal bool
	// Notes list leniencies: things accepted although the published JSON
	// Schema is stricter (e.g. an outcome body over 10000 characters).
	Notes []string
}

// Final reports whether Status is passed or failed.
func (c Callback) Final() bool { return c.Status == "passed" || c.Status == "failed" }

// SetCallbackFailures makes the next len(statuses) callbacks for the task
// get these statuses (with a JSON:API error body) before any other
// handling. They are recorded, not accepted.
func (s *Server) SetCallbackFailures(taskID string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts := s.tasks[taskID]; ts != nil {
		ts.failures = append(ts.failures, statuses...)
	}
}

// HoldFinal makes the task's final callbacks (passed or failed) wait d after
// they arrive before they are handled, as a slow HCP Terraform does: the
// result is taken, or refused, whether or not the client still waits for
// the answer. The channel is closed when the first one arrives.
func (s *Server) HoldFinal(taskID string, d time.Duration) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.tasks[taskID]
	if ts == nil {
		panic("tfcfake: HoldFinal for an unknown task " + taskID)
	}
	ts.finalHold, ts.finalArrived = d, make(chan struct{})
	return ts.finalArrived
}

// Callbacks returns the callbacks received for a task, oldest first.
func (s *Server) Callbacks(taskID string) []Callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts := s.tasks[taskID]; ts != nil {
		return cloneCallbacks(ts.callbacks)
	}
	return nil
}

// StrayCallbacks returns callbacks to URLs that belong to no task (for
// instance the verification payload's), which were answered 404.
func (s *Server) StrayCallbacks() []Callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneCallbacks(s.stray)
}

// FinalCount is the number of accepted finals plus late finals refused
// after it: exactly 1 when a task was finished exactly once.
func (s *Server) FinalCount(taskID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts := s.tasks[taskID]; ts != nil {
		return ts.finalCount
	}
	return 0
}

// WaitFinal blocks until the task's final status (passed or failed) has
// been accepted, and returns that callback.
func (s *Server) WaitFinal(ctx context.Context, taskID string) (Callback, error) {
	var out Callback
	err := s.wait(ctx, taskID, func(ts *taskState) bool {
		if ts.final < 0 {
			return false
		}
		out = cloneCallbacks(ts.callbacks[ts.final : ts.final+1])[0]
		return true
	})
	return out, err
}

// WaitCallbacks blocks until at least n callbacks (of any kind) have arrived
// for the task, and returns them all.
func (s *Server) WaitCallbacks(ctx context.Context, taskID string, n int) ([]Callback, error) {
	var out []Callback
	err := s.wait(ctx, taskID, func(ts *taskState) bool {
		if len(ts.callbacks) < n {
			return false
		}
		out = cloneCallbacks(ts.callbacks)
		return true
	})
	return out, err
}

func (s *Server) wait(ctx context.Context, taskID string, done func(*taskState) bool) error {
	for {
		s.mu.Lock()
		ts := s.tasks[taskID]
		if ts == nil {
			s.mu.Unlock()
			return fmt.Errorf("tfcfake: unknown task %q", taskID)
		}
		if done(ts) {
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		summary := summarize(ts.callbacks)
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("tfcfake: waiting for task %s: %w (callbacks so far: %s)", taskID, ctx.Err(), summary)
		case <-s.closed:
			return fmt.Errorf("tfcfake: server closed while waiting for task %s (callbacks so far: %s)", taskID, summary)
		}
	}
}

func summarize(cbs []Callback) string {
	if len(cbs) == 0 {
		return "none"
	}
	parts := make([]string, len(cbs))
	for i, c := range cbs {
		parts[i] = fmt.Sprintf("%d %q", c.Code, c.Status)
		if c.Reason != "" {
			parts[i] += " (" + c.Reason + ")"
		}
	}
	return strings.Join(parts, "; ")
}

func cloneCallbacks(in []Callback) []Callback {
	if in == nil {
		return nil
	}
	out := make([]Callback, len(in))
	for i, c := range in {
		c.Raw = bytes.Clone(c.Raw)
		c.Header = c.Header.Clone()
		c.Notes = append([]string(nil), c.Notes...)
		if c.Outcomes != nil {
			os := make([]Outcome, len(c.Outcomes))
			for j, o := range c.Outcomes {
				if o.Tags != nil {
					tags := make(map[string][]Tag, len(o.Tags))
					for k, v := range o.Tags {
						tags[k] = append([]Tag(nil), v...)
					}
					o.Tags = tags
				}
				os[j] = o
			}
			c.Outcomes = os
		}
		out[i] = c
	}
	return out
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) taskByTokenLocked(token string) *taskState {
	if token == "" {
		return nil
	}
	return s.byToken[token]
}

func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	raw, readErr := io.ReadAll(io.LimitReader(r.Body, maxCallbackLength+1))
	cb := Callback{Raw: raw, Query: r.URL.RawQuery, Header: r.Header.Clone(), At: time.Now()}
	// Parse up front, outside the lock; whether it matters is decided below.
	parsed, notes, parseErr := parseCallback(raw)
	if parsed != nil {
		cb.Status, cb.Message, cb.URL, cb.Outcomes = parsed.Status, parsed.Message, parsed.URL, parsed.Outcomes
	}

	s.mu.Lock()
	ts := s.byGUID[r.PathValue("guid")]
	if ts != nil && cb.Final() && ts.finalArrived != nil {
		hold, arrived := ts.finalHold, ts.finalArrived
		select {
		case <-arrived:
		default:
			close(arrived)
		}
		s.mu.Unlock()
		time.Sleep(hold) // the client may hang up meanwhile; the result is handled all the same
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	refuse := func(code int, title, detail string) {
		cb.Code, cb.Reason = code, title
		if detail != "" {
			cb.Reason += ": " + detail
		}
		if ts != nil {
			ts.callbacks = append(ts.callbacks, cb)
		} else {
			s.stray = append(s.stray, cb)
		}
		s.notifyLocked()
		writeError(w, code, title, detail)
	}
	if ts == nil {
		refuse(http.StatusNotFound, "not found", "no task result for this callback URL")
		return
	}
	if len(ts.failures) > 0 {
		code := ts.failures[0]
		ts.failures = ts.failures[1:]
		refuse(code, http.StatusText(code), "injected by tfcfake")
		return
	}
	if r.Method != http.MethodPatch {
		w.Header().Set("Allow", http.MethodPatch)
		refuse(http.StatusMethodNotAllowed, "method not allowed", r.Method)
		return
	}
	if tok, ok := bearer(r); !ok || !hmac.Equal([]byte(tok), []byte(ts.task.AccessToken)) {
		refuse(http.StatusUnauthorized, "unauthorized", "Authorization must be Bearer <access_token of this task>")
		return
	}
	if err := checkJSONAPIContentType(r.Header.Get("Content-Type")); err != nil {
		refuse(http.StatusUnsupportedMediaType, "unsupported media type", err.Error())
		return
	}
	if readErr != nil {
		refuse(http.StatusBadRequest, "bad request", readErr.Error())
		return
	}
	if len(raw) > maxCallbackLength {
		refuse(http.StatusRequestEntityTooLarge, "request entity too large", "")
		return
	}
	if parseErr != nil {
		refuse(http.StatusUnprocessableEntity, "invalid attribute", parseErr.Error())
		return
	}
	cb.Notes = notes
	if ts.final >= 0 {
		if cb.Final() {
			cb.LateFinal = true
			ts.finalCount++
		}
		refuse(http.StatusUnprocessableEntity, "invalid attribute",
			fmt.Sprintf("task result already has final status %q", ts.callbacks[ts.final].Status))
		return
	}
	cb.Code, cb.Accepted = http.StatusOK, true
	ts.callbacks = append(ts.callbacks, cb)
	if cb.Final() {
		ts.final = len(ts.callbacks) - 1
		ts.finalCount++
	}
	s.notifyLocked()
	w.WriteHeader(http.StatusOK)
}

func checkJSONAPIContentType(ct string) error {
	if ct == "" {
		return errors.New("no Content-Type; want " + JSONAPIMediaType)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("bad Content-Type %q: %v", ct, err)
	}
	if mt != JSONAPIMediaType {
		return fmt.Errorf("Content-Type %q; want %s", ct, JSONAPIMediaType)
	}
	for k := range params {
		if k != "ext" && k != "profile" {
			// JSON:API: servers must answer 415 to media type parameters.
			return fmt.Errorf("Content-Type %q has parameter %q (JSON:API forbids it)", ct, k)
		}
	}
	return nil
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// writeError answers with a JSON:API error document.
func writeError(w http.ResponseWriter, code int, title, detail string) {
	e := map[string]string{"status": fmt.Sprint(code), "title": title}
	if detail != "" {
		e["detail"] = detail
	}
	w.Header().Set("Content-Type", JSONAPIMediaType)
	w.WriteHeader(code)
	_, _ = w.Write(marshal(map[string]any{"errors": []any{e}}))
}

// ---------------------------------------------------------------------------
// Callback body validation

type parsedCallback struct {
	Status, Message, URL string
	Outcomes             []Outcome
}

// parseCallback validates a callback document against the documented
// schema. Keys are matched exactly (encoding/json's struct decoding would
// match them case-insensitively), unknown members are refused, and values
// must have the documented types. A JSON null for an optional member is
// treated as absent, with a note.
func parseCallback(raw []byte) (*parsedCallback, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("body is not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("body has data after the JSON document")
	}
	v := &validator{}
	out := &parsedCallback{}
	top, err := v.object(doc, "", true, "data")
	if err != nil {
		return nil, nil, err
	}
	data, err := v.object(top["data"], "data", true, "id", "type", "attributes", "relationships")
	if err != nil {
		return nil, nil, err
	}
	if typ, err := v.str(data, "data", "type", true, 1, 0); err != nil {
		return nil, nil, err
	} else if typ != "task-results" {
		return nil, nil, fmt.Errorf("data.type is %q; want \"task-results\"", typ)
	}
	if _, err := v.str(data, "data", "id", false, 0, 0); err != nil {
		return nil, nil, err
	}
	attrs, err := v.object(data["attributes"], "data.attributes", true, "status", "message", "url")
	if err != nil {
		return nil, nil, err
	}
	if out.Status, err = v.str(attrs, "data.attributes", "status", true, 0, 0); err != nil {
		return nil, nil, err
	}
	switch out.Status {
	case "running", "passed", "failed":
	default:
		return out, nil, fmt.Errorf("data.attributes.status is %q; want running, passed or failed", out.Status)
	}
	if out.Message, err = v.str(attrs, "data.attributes", "message", false, 1, maxMessage); err != nil {
		return out, nil, err
	}
	if out.URL, err = v.uri(attrs, "data.attributes", "url"); err != nil {
		return out, nil, err
	}
	rels, err := v.object(data["relationships"], "data.relationships", false, "outcomes")
	if err != nil || rels == nil {
		return out, v.notes, err
	}
	oc, err := v.object(rels["outcomes"], "data.relationships.outcomes", false, "data")
	if err != nil || oc == nil {
		return out, v.notes, err
	}
	list, ok := oc["data"].([]any)
	if oc["data"] == nil {
		v.note("data.relationships.outcomes.data is absent or null")
		return out, v.notes, nil
	}
	if !ok {
		return out, nil, errors.New("data.relationships.outcomes.data must be an array")
	}
	if len(list) == 0 {
		v.note("data.relationships.outcomes.data is empty (schema: minItems 1)")
	}
	if len(list) > maxOutcomes {
		return out, nil, fmt.Errorf("%d outcomes; at most %d", len(list), maxOutcomes)
	}
	out.Outcomes = make([]Outcome, 0, len(list))
	for i, item := range list {
		o, err := v.outcome(item, fmt.Sprintf("data.relationships.outcomes.data[%d]", i))
		if err != nil {
			return out, nil, err
		}
		out.Outcomes = append(out.Outcomes, o)
	}
	return out, v.notes, nil
}

type validator struct{ notes []string }

func (v *validator) note(format string, a ...any) {
	v.notes = append(v.notes, fmt.Sprintf(format, a...))
}

// object checks x is an object with only the allowed members. An absent
// optional object (nil) returns nil, nil.
func (v *validator) object(x any, path string, required bool, allowed ...string) (map[string]any, error) {
	name := path
	if name == "" {
		name = "the document"
	}
	if x == nil {
		if required {
			return nil, fmt.Errorf("%s is missing or null", name)
		}
		return nil, nil
	}
	m, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an object", name)
	}
	var unknown []string
	for k := range m {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("%s has unknown member(s) %q", name, unknown)
	}
	return m, nil
}

// str reads a string member; min/max are character counts (max 0 = none).
func (v *validator) str(m map[string]any, path, key string, required bool, min, max int) (string, error) {
	full := key
	if path != "" {
		full = path + "." + key
	}
	x, present := m[key]
	if !present || x == nil {
		if required {
			return "", fmt.Errorf("%s is required", full)
		}
		if present {
			v.note("%s is null (schema: string)", full)
		}
		return "", nil
	}
	s, ok := x.(string)
	if !ok {
		return "", fmt.Errorf("%s must be a string", full)
	}
	n := utf8.RuneCountInString(s)
	if n < min {
		if required || min > 1 {
			return "", fmt.Errorf("%s is shorter than %d characters", full, min)
		}
		v.note("%s is empty (schema: minLength %d)", full, min)
	}
	if max > 0 && n > max {
		return "", fmt.Errorf("%s has %d characters; at most %d", full, n, max)
	}
	return s, nil
}

// uri reads an optional absolute http(s) URL of at most 500 characters.
func (v *validator) uri(m map[string]any, path, key string) (string, error) {
	s, err := v.str(m, path, key, false, 1, maxURL)
	if err != nil || s == "" {
		return s, err
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%s.%s is not an absolute http(s) URL: %q", path, key, s)
	}
	return s, nil
}

func (v *validator) outcome(x any, path string) (Outcome, error) {
	var o Outcome
	m, err := v.object(x, path, true, "id", "type", "attributes")
	if err != nil {
		return o, err
	}
	if typ, err := v.str(m, path, "type", true, 1, 0); err != nil {
		return o, err
	} else if typ != "task-result-outcomes" {
		return o, fmt.Errorf("%s.type is %q; want \"task-result-outcomes\"", path, typ)
	}
	if _, err := v.str(m, path, "id", false, 0, 0); err != nil {
		return o, err
	}
	ap := path + ".attributes"
	a, err := v.object(m["attributes"], ap, true, "outcome-id", "description", "body", "url", "tags")
	if err != nil {
		return o, err
	}
	if o.OutcomeID, err = v.str(a, ap, "outcome-id", true, 1, maxOutcomeID); err != nil {
		return o, err
	}
	if o.Description, err = v.str(a, ap, "description", true, 1, maxDescription); err != nil {
		return o, err
	}
	if o.Body, err = v.str(a, ap, "body", false, 1, maxBody); err != nil {
		return o, err
	}
	if n := utf8.RuneCountInString(o.Body); n > schemaMaxBody {
		v.note("%s.body has %d characters (schema maxLength %d; the docs allow 5MB)", ap, n, schemaMaxBody)
	}
	if o.URL, err = v.uri(a, ap, "url"); err != nil {
		return o, err
	}
	tp := ap + ".tags"
	if a["tags"] == nil {
		if _, present := a["tags"]; present {
			v.note("%s is null", tp)
		}
		return o, nil
	}
	tags, ok := a["tags"].(map[string]any)
	if !ok {
		return o, fmt.Errorf("%s must be an object", tp)
	}
	if len(tags) > maxTagKeys {
		return o, fmt.Errorf("%s has %d keys; at most %d", tp, len(tags), maxTagKeys)
	}
	if len(tags) == 0 {
		v.note("%s is empty (schema: minProperties 1)", tp)
	}
	o.Tags = make(map[string][]Tag, len(tags))
	for k, arr := range tags {
		kp := fmt.Sprintf("%s[%q]", tp, k)
		if k == "" {
			return o, fmt.Errorf("%s has an empty key", tp)
		}
		list, ok := arr.([]any)
		if !ok {
			return o, fmt.Errorf("%s must be an array of labels", kp)
		}
		if len(list) == 0 {
			v.note("%s is empty", kp)
		}
		if len(list) > maxTagsPerKey {
			v.note("%s has %d labels (schema: at most %d)", kp, len(list), maxTagsPerKey)
		}
		labels := make([]Tag, 0, len(list))
		for i, item := range list {
			lp := fmt.Sprintf("%s[%d]", kp, i)
			lm, err := v.object(item, lp, true, "label", "level")
			if err != nil {
				return o, err
			}
			var t Tag
			if t.Label, err = v.str(lm, lp, "label", true, 1, maxLabel); err != nil {
				return o, err
			}
			if lv, present := lm["level"]; present && lv != nil {
				s, ok := lv.(string)
				if !ok {
					return o, fmt.Errorf("%s.level must be a string", lp)
				}
				switch s {
				case "none", "info", "warning", "error":
					t.Level = s
				default:
					return o, fmt.Errorf("%s.level is %q; want none, info, warning or error", lp, s)
				}
			} else if present {
				v.note("%s.level is null", lp)
			}
			labels = append(labels, t)
		}
		o.Tags[k] = labels
	}
	return o, nil
}

// ---------------------------------------------------------------------------
// Random identifiers

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomID returns n random alphanumerics, like HCP Terraform's IDs.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics internally)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

func randomHex(nBytes int) string {
	b := make([]byte, nBytes)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// IssuedTokens returns the access token of every task created so far, so a
// test can assert that none of them leaked into logs or pages.
func (s *Server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.byToken))
	for token := range s.byToken {
		out = append(out, token)
	}
	return out
}
