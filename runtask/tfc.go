package runtask

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/go-tfe"
	"github.com/hashicorp/jsonapi"
	"go.uber.org/zap"

	"github.com/prodgate/prodgate/report"
)

// DefaultArchiveHost is HCP Terraform's archivist, which its plan JSON
// endpoint redirects to; Terraform Enterprise redirects to its own host.
const DefaultArchiveHost = "archivist.terraform.io"

// Defaults of TFCClient's zero fields.
const (
	// DefaultMaxPlanBytes bounds a downloaded plan JSON (256 MiB).
	DefaultMaxPlanBytes int64 = 256 << 20
	// DefaultFetchTimeout bounds a plan download, every attempt and wait
	// between them together.
	DefaultFetchTimeout = 2 * time.Minute
	// DefaultAttemptTimeout bounds one HTTP exchange, body included, when
	// TFCClient.HTTP is nil.
	DefaultAttemptTimeout = time.Minute
)

// Retry limits of TFCClient.
const (
	// callbackMaxAttempts counts PATCHes of one result.
	callbackMaxAttempts = 6
	// tfcMaxRedirects is how many redirects one request may follow.
	tfcMaxRedirects = 3
	// maxRetryAfter caps a server's Retry-After.
	maxRetryAfter = 30 * time.Second
	// MaxResultURLLen is HCP Terraform's limit on result and outcome URLs.
	MaxResultURLLen = 500
	// MaxOutcomes is how many outcomes one result may carry.
	MaxOutcomes = 10
	// fetchSnippetLen and callbackBodyLen bound response bodies quoted in errors.
	fetchSnippetLen = 200
	callbackBodyLen = 500
)

// Callback statuses HCP Terraform accepts.
const (
	ResultRunning = "running"
	ResultPassed  = "passed"
	ResultFailed  = "failed"
)

// ErrHostNotAllowed is wrapped by HostPolicy.Check when a URL's host may not
// receive the run's access token.
var ErrHostNotAllowed = errors.New("host is not allow-listed")

// HostPolicy says where the run's access token may be sent: only to HCP
// Terraform or the Terraform Enterprise hosts an operator lists.
type HostPolicy struct {
	// Allowed holds hostnames ("app.terraform.io") or host:port pairs
	// ("tfe.example.com:8443"), matched case-insensitively. An entry without
	// a port matches any port. An empty list allows nothing.
	Allowed []string
}

// Check returns nil when rawURL may receive the access token: it must parse,
// its host must match an Allowed entry and its scheme must be https, except
// that http is accepted for loopback hosts (localhost, 127.0.0.0/8, ::1) so
// tests and local development need no certificates.
func (p HostPolicy) Check(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("URL is not valid: %w", stripURLError(err))
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return fmt.Errorf("URL %q has no host", redactURL(rawURL))
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopbackHost(host) {
			return fmt.Errorf("URL for host %s uses http; the access token is only sent over https", u.Host)
		}
	default:
		return fmt.Errorf("URL for host %s has scheme %q; want https", u.Host, u.Scheme)
	}
	if p.lists(u) {
		return nil
	}
	return fmt.Errorf("%w: %s may not receive the run's access token (allowed: %s; see --allowed-hosts)",
		ErrHostNotAllowed, u.Host, p.String())
}

// lists says whether u's host (and port, where the entry names one) is on
// the list.
func (p HostPolicy) lists(u *url.URL) bool {
	host, port := strings.ToLower(u.Hostname()), effectivePort(u)
	for _, entry := range p.Allowed {
		eh, ep := splitHostEntry(entry)
		if eh != "" && eh == host && (ep == "" || ep == port) {
			return true
		}
	}
	return false
}

// String lists the entries for messages ("none" when empty).
func (p HostPolicy) String() string {
	if len(p.Allowed) == 0 {
		return "none"
	}
	return strings.Join(p.Allowed, ", ")
}

// splitHostEntry reads an allow-list entry: "host", "host:port", "[::1]:80"
// or "::1". A scheme or trailing slash an operator pasted is ignored.
func splitHostEntry(entry string) (host, port string) {
	e := strings.ToLower(strings.TrimSpace(entry))
	if i := strings.Index(e, "://"); i >= 0 {
		e = e[i+3:]
	}
	e = strings.TrimRight(e, "/")
	if h, p, err := net.SplitHostPort(e); err == nil {
		return h, p
	}
	return strings.Trim(e, "[]"), ""
}

// effectivePort is the URL's port, or the scheme's default.
func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "80"
	}
	return "443"
}

// hostKey identifies a URL's origin for the redirect rule: lowercase host
// and effective port.
func hostKey(u *url.URL) string {
	return net.JoinHostPort(strings.ToLower(u.Hostname()), effectivePort(u))
}

func isLoopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// TFCClient talks to HCP Terraform / Terraform Enterprise with a run's
// access token: it downloads the plan JSON and sends task results. The zero
// value is usable, but Hosts must list the allowed hosts or every call is
// refused. It is safe for concurrent use.
type TFCClient struct {
	// HTTP sends the requests; its Timeout bounds one attempt (nil means a
	// client with DefaultAttemptTimeout).
	// Its CheckRedirect is replaced by TFCClient's own (see FetchPlan).
	HTTP *http.Client
	// Hosts are where the access token may go; checked before every request.
	Hosts HostPolicy
	// ArchiveHosts are where a request may be redirected besides its own
	// host (any port), without the token: where HCP Terraform keeps plans
	// (DefaultArchiveHost). A redirect anywhere else is refused.
	ArchiveHosts HostPolicy
	// MaxPlanBytes bounds the plan JSON; 0 means DefaultMaxPlanBytes.
	MaxPlanBytes int64
	// FetchTimeout bounds FetchPlan, all attempts and the waits between
	// them; 0 means DefaultFetchTimeout.
	FetchTimeout time.Duration
	// Backoff returns the wait before retry number attempt (0-based) when
	// the server names none (Retry-After); nil means 250ms·2^attempt,
	// capped at 5s, with jitter.
	Backoff func(attempt int) time.Duration
	// Logger receives retries and refused callbacks; nil means no logs.
	// Tokens are never logged.
	Logger *zap.Logger

	// retryWait is the wait before a retry (retryWaitFor when nil); tests
	// replace it to record waits without sleeping them.
	retryWait func(attempt int, resp *http.Response) time.Duration
}

// FetchError is a failed plan download. Its message names the host, never
// the token or the temporary download URL, and can be shown to a user.
type FetchError struct {
	// URL is the plan_json_api_url that was asked for.
	URL string
	// Status is the last HTTP status seen; 0 when no response came.
	Status int
	// Retryable says whether asking again later may succeed (network
	// trouble, 5xx, 429, plan still not ready); false for 4xx, oversize
	// plans and refused hosts.
	Retryable bool
	// Err says what went wrong.
	Err error
}

func (e *FetchError) Error() string {
	return "download plan from " + hostForMessage(e.URL) + ": " + e.Err.Error()
}

func (e *FetchError) Unwrap() error { return e.Err }

// CallbackError is a task result HCP Terraform did not accept.
type CallbackError struct {
	// URL is the task_result_callback_url.
	URL string
	// Status is the last HTTP status; 0 when no response came.
	Status int
	// Body is the start of the last response body (at most 500 bytes).
	Body string
	// Retryable says whether sending again later may succeed: true after
	// the attempts ran out on 429, 5xx or network errors; false on
	// 401/403/404/422 and other refusals.
	Retryable bool
	// Err is the network or setup error, when there is one.
	Err error
}

func (e *CallbackError) Error() string {
	msg := "send task result to " + hostForMessage(e.URL) + ": "
	switch {
	case e.Status != 0:
		msg += fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
		if e.Body != "" {
			msg += ": " + oneLineSnippet(e.Body, callbackBodyLen)
		}
		if e.Err != nil {
			msg += " (" + e.Err.Error() + ")"
		}
	case e.Err != nil:
		msg += e.Err.Error()
	default:
		msg += "failed"
	}
	return msg
}

func (e *CallbackError) Unwrap() error { return e.Err }

// Result is one task-result callback.
type Result struct {
	// Status is ResultRunning, ResultPassed or ResultFailed.
	Status string
	// Message is the one-line summary; cut to report.MaxMessageLen bytes.
	Message string
	// URL links the results page; dropped when longer than MaxResultURLLen.
	URL string
	// Outcomes are the detailed results; at most MaxOutcomes are sent. Only
	// set them when the request's capabilities.outcomes is true.
	Outcomes []report.Outcome
}

// normalized checks the status and fits the result to HCP Terraform's limits.
func (r Result) normalized() (Result, error) {
	switch r.Status {
	case ResultRunning, ResultPassed, ResultFailed:
	default:
		return r, fmt.Errorf("task result status %q is not one of running, passed, failed", r.Status)
	}
	r.Message = fitText(r.Message, report.MaxMessageLen)
	if len(r.URL) > MaxResultURLLen {
		r.URL = ""
	}
	if len(r.Outcomes) > MaxOutcomes {
		r.Outcomes = r.Outcomes[:MaxOutcomes]
	}
	if len(r.Outcomes) > 0 {
		outs := make([]report.Outcome, len(r.Outcomes))
		for i, o := range r.Outcomes {
			o.OutcomeID = fitText(o.OutcomeID, report.MaxOutcomeIDLen)
			o.Description = fitText(o.Description, report.MaxDescriptionLen)
			o.Body = fitText(o.Body, report.MaxBodyLen)
			if len(o.URL) > MaxResultURLLen {
				o.URL = ""
			}
			outs[i] = o
		}
		r.Outcomes = outs
	}
	return r, nil
}

// callbackPayload is the JSON:API document go-tfe's RunTasksIntegration
// sends for res, byte for byte (trailing newline included).
func callbackPayload(res Result) ([]byte, error) {
	opts := tfe.TaskResultCallbackRequestOptions{
		Status:  tfe.TaskResultStatus(res.Status),
		Message: res.Message,
		URL:     res.URL,
	}
	for _, o := range res.Outcomes {
		out := &tfe.TaskResultOutcome{
			OutcomeID:   o.OutcomeID,
			Description: o.Description,
			Body:        o.Body,
			URL:         o.URL,
		}
		if len(o.Tags) > 0 {
			out.Tags = make(map[string][]*tfe.TaskResultTag, len(o.Tags))
			for k, tags := range o.Tags {
				list := make([]*tfe.TaskResultTag, len(tags))
				for i, t := range tags {
					list[i] = &tfe.TaskResultTag{Label: fitText(t.Label, report.MaxTagLabelLen), Level: t.Level}
				}
				out.Tags[k] = list
			}
		}
		opts.Outcomes = append(opts.Outcomes, out)
	}
	var buf bytes.Buffer
	if err := jsonapi.MarshalPayloadWithoutIncluded(&buf, &opts); err != nil {
		return nil, fmt.Errorf("encode task result: %w", err)
	}
	return buf.Bytes(), nil
}

// FetchPlan downloads the plan JSON from planURL (the request's
// plan_json_api_url) with the run's token.
//
// The host is checked first; the token is never sent elsewhere. HCP
// Terraform answers 307 to a temporary URL on its archivist, valid for one
// minute; a redirect is followed (at most 3) only to the same host or an
// ArchiveHosts host, without the Authorization header unless it stays on
// the same host and port, and never to plain http off loopback. 204 (plan
// not finished), network errors, timeouts, 429 and 5xx are retried with
// backoff, asking planURL again each time for a fresh temporary URL, until
// FetchTimeout; each attempt has the HTTP client's Timeout. Other statuses
// fail at once. The body may not exceed MaxPlanBytes. Errors are *FetchError.
func (c *TFCClient) FetchPlan(ctx context.Context, planURL, token string) ([]byte, error) {
	if err := c.Hosts.Check(planURL); err != nil {
		return nil, &FetchError{URL: planURL, Err: err}
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.fetchTimeout())
	defer cancel()
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, planURL, nil)
	if err != nil {
		return nil, &FetchError{URL: planURL, Err: stripURLError(err)}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	f := &planFetch{c: c, url: planURL, token: token}
	// The body is read within the attempt, so a download cut short is
	// retried like any other failed attempt.
	req.SetResponseHandler(f.read)
	resp, err := c.retryClient(f.checkRetry, math.MaxInt32).Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	if err == nil {
		return f.body, nil
	}
	var fe *FetchError
	if errors.As(err, &fe) {
		return nil, fe
	}
	// A context ended, during an attempt or while waiting to retry: the
	// caller's (the job was stopped) or the fetch's own deadline.
	fe = &FetchError{URL: planURL, Retryable: true, Err: stripURLError(err)}
	if parent.Err() == nil {
		fe.Err = fmt.Errorf("gave up after %s (--plan-fetch-timeout)", c.fetchTimeout())
	}
	if f.last != nil {
		fe.Status = f.last.Status
		fe.Err = fmt.Errorf("%w; the last attempt: %v", fe.Err, f.last.Err)
	}
	return nil, fe
}

// planFetch is one FetchPlan: what its attempts have seen.
type planFetch struct {
	c          *TFCClient
	url, token string
	last       *FetchError
	// lastResp is the response last classified: retryablehttp asks about
	// an answer again once read has run (and runs read on any answer it
	// will not retry).
	lastResp *http.Response
	body     []byte
}

// checkRetry is the retry policy: 204, network errors and timeouts, 429,
// 5xx and a failing temporary URL, until the fetch's deadline; nothing
// else, which returns the attempt's *FetchError.
func (f *planFetch) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err == nil && resp == f.lastResp {
		return false, f.last
	}
	fe := f.classify(resp, err)
	if fe == nil {
		return false, nil
	}
	f.last, f.lastResp = fe, resp
	if !fe.Retryable {
		return false, fe
	}
	f.c.logger().Debug("plan download will be retried", zap.String("host", hostForMessage(f.url)),
		zap.Int("status", fe.Status), zap.String("reason", fe.Err.Error()))
	return true, nil
}

// classify turns an attempt's outcome into a *FetchError, or nil for a 200
// whose body is still to be read (or was read, by read).
func (f *planFetch) classify(resp *http.Response, err error) *FetchError {
	fe := func(status int, retryable bool, err error) *FetchError {
		return &FetchError{URL: f.url, Status: status, Retryable: retryable, Err: err}
	}
	var already *FetchError
	switch {
	case errors.As(err, &already):
		return already
	case errors.Is(err, errRedirectRefused):
		return fe(0, false, stripURLError(err))
	case isTimeout(err):
		return fe(0, true, fmt.Errorf("no answer within %s (--plan-attempt-timeout)", f.c.attemptTimeout()))
	case err != nil:
		return fe(0, true, stripURLError(err))
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusNoContent:
		return fe(resp.StatusCode, true, errors.New("plan is not ready yet (HTTP 204)"))
	}
	// A status from the temporary URL's host (not the plan URL's) may only
	// mean the signed URL went stale; a fresh one may work.
	redirected := resp.Request != nil && resp.Request.URL != nil && hostKey(resp.Request.URL) != hostKey(mustParse(f.url))
	retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || (redirected && resp.StatusCode >= 400)
	msg := fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if redirected {
		msg += " from the temporary download URL on " + resp.Request.URL.Host
	}
	if snippet := readSnippet(resp.Body, fetchSnippetLen, f.token); snippet != "" {
		msg += ": " + snippet
	}
	return fe(resp.StatusCode, retryable, errors.New(msg))
}

// read takes the body of a 200 answer, within MaxPlanBytes.
func (f *planFetch) read(resp *http.Response) error {
	if resp.StatusCode != http.StatusOK {
		return nil // classified, and its body read, by checkRetry
	}
	limit := f.c.maxPlanBytes()
	tooBig := &FetchError{URL: f.url, Status: resp.StatusCode, Err: fmt.Errorf("plan is larger than %d bytes (--max-plan-bytes)", limit)}
	if resp.ContentLength > limit {
		return tooBig
	}
	body, err := readPlanBody(resp.Body, resp.ContentLength, limit)
	if err != nil {
		return &FetchError{URL: f.url, Status: resp.StatusCode, Retryable: true, Err: fmt.Errorf("read plan: %w", stripURLError(err))}
	}
	if int64(len(body)) > limit {
		return tooBig
	}
	f.body = body
	return nil
}

func mustParse(rawURL string) *url.URL {
	u, err := url.Parse(rawURL)
	if err != nil {
		return &url.URL{}
	}
	return u
}

// retryClient is go-retryablehttp around c's HTTP client with TFCClient's
// redirect rule and waits, the given retry policy and at most retries
// retries. It neither logs (URLs may carry signatures) nor rewrites errors.
// On giving up it closes the transport's idle connections, which costs the
// other workers a new connection each, and only then.
func (c *TFCClient) retryClient(check retryablehttp.CheckRetry, retries int) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient: c.httpClient(),
		RetryMax:   retries,
		CheckRetry: check,
		Backoff: func(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
			return c.waitBefore(attempt, resp)
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// waitBefore is the wait before retry number attempt (0-based).
func (c *TFCClient) waitBefore(attempt int, resp *http.Response) time.Duration {
	if c.retryWait != nil {
		return c.retryWait(attempt, resp)
	}
	return c.retryWaitFor(attempt, resp)
}

// retryWaitFor honours a 429's or 5xx's Retry-After (up to 30s), else backs off.
func (c *TFCClient) retryWaitFor(attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) {
		if ra := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ra > 0 {
			return ra
		}
	}
	return c.backoff(attempt)
}

// SendResult PATCHes res to callbackURL (the request's
// task_result_callback_url, used verbatim, query string included) with the
// run's token, as go-tfe's RunTasksIntegration.Callback would. The host is
// checked first. 429, 5xx and network errors are retried with backoff (a
// Retry-After of up to 30s is honoured), 6 attempts in all; other refusals
// (401/403/404/422 …) are not retried and are logged at warn with the
// response body. Errors from HCP Terraform are *CallbackError.
func (c *TFCClient) SendResult(ctx context.Context, callbackURL, token string, res Result) error {
	if err := c.Hosts.Check(callbackURL); err != nil {
		return &CallbackError{URL: callbackURL, Err: err}
	}
	res, err := res.normalized()
	if err != nil {
		return &CallbackError{URL: callbackURL, Err: err}
	}
	payload, err := callbackPayload(res)
	if err != nil {
		return &CallbackError{URL: callbackURL, Err: err}
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPatch, callbackURL, payload)
	if err != nil {
		return &CallbackError{URL: callbackURL, Err: stripURLError(err)}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/vnd.api+json")
	req.Header.Set("Accept", "application/vnd.api+json")
	log := c.logger().With(zap.String("host", hostForMessage(callbackURL)), zap.String("status_sent", res.Status))
	var last *CallbackError // the latest failed attempt
	attempts := 0
	check := func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		attempts++
		switch {
		case ctx.Err() != nil:
			return false, ctx.Err()
		case err != nil:
			last = &CallbackError{URL: callbackURL, Retryable: !errors.Is(err, errRedirectRefused), Err: stripURLError(err)}
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return false, nil
		default:
			last = &CallbackError{URL: callbackURL, Status: resp.StatusCode, Body: readSnippet(resp.Body, callbackBodyLen, token),
				Retryable: resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500}
		}
		if last.Retryable && attempts < callbackMaxAttempts {
			log.Info("task result callback will be retried", zap.Int("attempt", attempts+1), zap.Int("status", last.Status))
		}
		return last.Retryable, nil
	}
	resp, err := c.retryClient(check, callbackMaxAttempts-1).Do(req)
	if resp != nil {
		drain(resp.Body)
		resp.Body.Close()
	}
	switch {
	case err != nil && ctx.Err() != nil: // the context ended
		ce := &CallbackError{URL: callbackURL, Retryable: true, Err: stripURLError(err)}
		if last != nil {
			ce.Status, ce.Body = last.Status, last.Body
		}
		return ce
	case last == nil || (resp != nil && resp.StatusCode >= 200 && resp.StatusCode < 300):
		return nil
	case last.Retryable:
		log.Warn("task result callback failed after retries", zap.Int("attempts", attempts),
			zap.Int("status", last.Status), zap.String("body", last.Body))
	case last.Status != 0:
		log.Warn("HCP Terraform refused the task result", zap.Int("status", last.Status), zap.String("body", last.Body))
	}
	return last
}

// parseRetryAfter reads seconds or an HTTP date, capped at maxRetryAfter;
// 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}

// readPlanBody reads a plan of declared length size (-1 when unknown) and
// at most limit bytes; more than limit returns limit+1 bytes. A declared
// length is read into one buffer of that size: io.ReadAll would gather it
// in growing chunks and copy them all once more, twice the plan in memory
// for a moment, with ten workers downloading at once.
func readPlanBody(r io.Reader, size, limit int64) ([]byte, error) {
	if size <= 0 || size > limit {
		return io.ReadAll(io.LimitReader(r, limit+1))
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	// Go's client never reads past a declared length; another reader might.
	var extra [1]byte
	if n, err := r.Read(extra[:]); n > 0 {
		return nil, fmt.Errorf("plan is longer than its Content-Length (%d bytes)", size)
	} else if err != nil && err != io.EOF {
		return nil, err
	}
	return body, nil
}

// errRedirectRefused marks redirects TFCClient will not follow.
var errRedirectRefused = errors.New("redirect refused")

// httpClient is c.HTTP (or a default) with TFCClient's redirect rule: at
// most 3 redirects, Authorization only kept on the original host and port,
// and no plain-http hop off loopback.
func (c *TFCClient) httpClient() *http.Client {
	hc := &http.Client{Timeout: DefaultAttemptTimeout}
	if c.HTTP != nil {
		copied := *c.HTTP
		hc = &copied
	}
	hc.CheckRedirect = c.checkRedirect
	return hc
}

// checkRedirect is the redirect rule: at most 3 redirects, https (or
// loopback), to the first request's host or an archive host; the token
// only to the first request's host and port.
func (c *TFCClient) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > tfcMaxRedirects {
		return fmt.Errorf("%w: more than %d redirects", errRedirectRefused, tfcMaxRedirects)
	}
	if !strings.EqualFold(req.URL.Scheme, "https") && !isLoopbackHost(strings.ToLower(req.URL.Hostname())) {
		return fmt.Errorf("%w: redirect to %s over %s; want https", errRedirectRefused, req.URL.Host, req.URL.Scheme)
	}
	if !strings.EqualFold(req.URL.Hostname(), via[0].URL.Hostname()) && !c.ArchiveHosts.lists(req.URL) {
		return fmt.Errorf("%w: redirect to %s, which is neither %s nor an archive host (%s; see --archive-hosts)",
			errRedirectRefused, req.URL.Host, via[0].URL.Hostname(), c.ArchiveHosts)
	}
	if hostKey(req.URL) != hostKey(via[0].URL) {
		req.Header.Del("Authorization")
	}
	return nil
}

func (c *TFCClient) logger() *zap.Logger {
	if c.Logger == nil {
		return zap.NewNop()
	}
	return c.Logger
}

func (c *TFCClient) maxPlanBytes() int64 {
	if c.MaxPlanBytes > 0 {
		return c.MaxPlanBytes
	}
	return DefaultMaxPlanBytes
}

func (c *TFCClient) fetchTimeout() time.Duration {
	if c.FetchTimeout > 0 {
		return c.FetchTimeout
	}
	return DefaultFetchTimeout
}

func (c *TFCClient) attemptTimeout() time.Duration {
	if c.HTTP != nil && c.HTTP.Timeout > 0 {
		return c.HTTP.Timeout
	}
	return DefaultAttemptTimeout
}

// isTimeout is an attempt that outlasted the HTTP client's Timeout (asked
// only while the fetch's own context is alive).
func isTimeout(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue) && ue.Timeout()
}

func (c *TFCClient) backoff(attempt int) time.Duration {
	if c.Backoff != nil {
		return c.Backoff(attempt)
	}
	return DefaultTFCBackoff(attempt)
}

// DefaultTFCBackoff is 250ms·2^attempt capped at 5s, with "equal jitter":
// a random wait between half and all of that.
func DefaultTFCBackoff(attempt int) time.Duration {
	const base, ceiling = 250 * time.Millisecond, 5 * time.Second
	d := ceiling
	if attempt >= 0 && attempt < 5 {
		d = min(base<<attempt, ceiling)
	}
	return d/2 + rand.N(d/2+1)
}

// drain reads a little of an unwanted body so the connection can be reused.
func drain(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10)) }

// readSnippet returns the start of a response body as one line of at most
// n bytes, with the token (should a server echo it) masked.
func readSnippet(r io.Reader, n int, token string) string {
	b, _ := io.ReadAll(io.LimitReader(r, int64(n)*4))
	drain(r)
	s := string(b)
	if token != "" {
		s = strings.ReplaceAll(s, token, "[token]")
	}
	return oneLineSnippet(s, n)
}

// oneLineSnippet collapses whitespace and control characters and cuts s
// to n bytes at a rune boundary.
func oneLineSnippet(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	return fitText(s, n)
}

// fitText cuts s to at most n bytes at a rune boundary, ending in "…"
// when cut. Invalid UTF-8 is replaced first.
func fitText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	if n < len(ellipsis) {
		return ""
	}
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// hostForMessage is the host of rawURL for messages and logs: never the path
// or query, which may carry signatures.
func hostForMessage(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		return u.Host
	}
	return "(invalid URL)"
}

// redactURL keeps scheme and host only.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(invalid URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

// stripURLError drops *url.Error's method and URL (which, after a redirect,
// is the signed temporary URL) and keeps the cause.
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("timed out: %w", ue.Err)
		}
		return ue.Err
	}
	return err
}
