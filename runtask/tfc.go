package runtask

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/go-tfe"
	"github.com/hashicorp/jsonapi"
	"go.uber.org/zap"

	"github.com/prodgate/prodgate/report"
)

// Defaults of TFCClient's zero fields.
const (
	// DefaultMaxPlanBytes bounds a downloaded plan JSON (256 MiB).
	DefaultMaxPlanBytes int64 = 256 << 20
	// DefaultNotReadyTimeout is how long FetchPlan keeps asking while HCP
	// Terraform answers 204 (plan not finished).
	DefaultNotReadyTimeout = 2 * time.Minute
	// DefaultTFCHTTPTimeout bounds one HTTP exchange, body included, when
	// TFCClient.HTTP is nil.
	DefaultTFCHTTPTimeout = 5 * time.Minute
)

// Retry limits of TFCClient.
const (
	// fetchMaxAttempts counts plan downloads that failed with a network
	// error, 429 or 5xx; 204 answers are bounded by NotReadyTimeout instead.
	fetchMaxAttempts = 5
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
	port := effectivePort(u)
	for _, entry := range p.Allowed {
		eh, ep := splitHostEntry(entry)
		if eh == "" || eh != host {
			continue
		}
		if ep == "" || ep == port {
			return nil
		}
	}
	allowed := "none"
	if len(p.Allowed) > 0 {
		allowed = strings.Join(p.Allowed, ", ")
	}
	return fmt.Errorf("%w: %s may not receive the run's access token (allowed: %s; see --allowed-hosts)",
		ErrHostNotAllowed, u.Host, allowed)
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
	// HTTP sends the requests; nil means a client with DefaultTFCHTTPTimeout.
	// Its CheckRedirect is replaced by TFCClient's own (see FetchPlan).
	HTTP *http.Client
	// Hosts are where the access token may go; checked before every request.
	Hosts HostPolicy
	// MaxPlanBytes bounds the plan JSON; 0 means DefaultMaxPlanBytes.
	MaxPlanBytes int64
	// NotReadyTimeout is how long to keep retrying while the plan endpoint
	// answers 204; 0 means DefaultNotReadyTimeout.
	NotReadyTimeout time.Duration
	// Backoff returns the wait before retry number attempt (0-based); nil
	// means 250ms·2^attempt, capped at 5s, with jitter.
	Backoff func(attempt int) time.Duration
	// Logger receives retries and refused callbacks; nil means no logs.
	// Tokens are never logged.
	Logger *zap.Logger

	// sleep waits d or until ctx ends; tests replace it to record waits.
	sleep func(ctx context.Context, d time.Duration) error
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
// Terraform answers 307 to a temporary URL on another host, valid for one
// minute; the redirect is followed (at most 3) without the Authorization
// header unless it stays on the same host and port, and never to plain http
// off loopback. 204 (plan not finished) is retried with backoff for up to
// NotReadyTimeout, asking planURL again each time for a fresh temporary URL.
// Network errors, 429 and 5xx are retried up to 5 attempts. Other statuses
// fail at once. The body may not exceed MaxPlanBytes. Errors are *FetchError.
func (c *TFCClient) FetchPlan(ctx context.Context, planURL, token string) ([]byte, error) {
	if err := c.Hosts.Check(planURL); err != nil {
		return nil, &FetchError{URL: planURL, Err: err}
	}
	hc := c.httpClient()
	notReadyUntil := time.Now().Add(c.notReadyTimeout())
	failures := 0
	for retry := 0; ; retry++ {
		body, fe := c.fetchOnce(ctx, hc, planURL, token)
		if fe == nil {
			return body, nil
		}
		if ctx.Err() != nil || !fe.Retryable {
			return nil, fe
		}
		wait := c.backoff(retry)
		if fe.Status == http.StatusNoContent {
			if time.Now().Add(wait).After(notReadyUntil) {
				fe.Err = fmt.Errorf("plan is still not ready after %s (HTTP 204)", c.notReadyTimeout())
				return nil, fe
			}
		} else {
			failures++
			if failures >= fetchMaxAttempts {
				fe.Err = fmt.Errorf("%w (gave up after %d attempts)", fe.Err, failures)
				return nil, fe
			}
		}
		c.logger().Debug("plan download will be retried",
			zap.String("host", hostForMessage(planURL)), zap.Int("status", fe.Status),
			zap.Duration("wait", wait), zap.String("reason", fe.Err.Error()))
		if err := c.wait(ctx, wait); err != nil {
			fe.Err = fmt.Errorf("%w (while waiting to retry after: %v)", err, fe.Err)
			return nil, fe
		}
	}
}

// fetchOnce makes one download attempt.
func (c *TFCClient) fetchOnce(ctx context.Context, hc *http.Client, planURL, token string) ([]byte, *FetchError) {
	fe := func(status int, retryable bool, err error) *FetchError {
		return &FetchError{URL: planURL, Status: status, Retryable: retryable, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, planURL, nil)
	if err != nil {
		return nil, fe(0, false, stripURLError(err))
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, errRedirectRefused) {
			return nil, fe(0, false, stripURLError(err))
		}
		return nil, fe(0, true, stripURLError(err))
	}
	defer resp.Body.Close()
	// A status from the temporary URL's host (not planURL's) may only mean
	// the signed URL went stale; a fresh one may work.
	redirected := resp.Request != nil && resp.Request.URL != nil && hostKey(resp.Request.URL) != hostKey(req.URL)
	switch {
	case resp.StatusCode == http.StatusOK:
		limit := c.maxPlanBytes()
		tooBig := fe(resp.StatusCode, false, fmt.Errorf("plan is larger than %d bytes (--max-plan-bytes)", limit))
		if resp.ContentLength > limit {
			return nil, tooBig
		}
		body, err := readPlanBody(resp.Body, resp.ContentLength, limit)
		if err != nil {
			return nil, fe(resp.StatusCode, true, fmt.Errorf("read plan: %w", stripURLError(err)))
		}
		if int64(len(body)) > limit {
			return nil, tooBig
		}
		return body, nil
	case resp.StatusCode == http.StatusNoContent:
		drain(resp.Body)
		return nil, fe(resp.StatusCode, true, errors.New("plan is not ready yet (HTTP 204)"))
	default:
		snippet := readSnippet(resp.Body, fetchSnippetLen, token)
		retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 ||
			(redirected && resp.StatusCode >= 400)
		msg := fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		if redirected {
			msg += " from the temporary download URL on " + resp.Request.URL.Host
		}
		if snippet != "" {
			msg += ": " + snippet
		}
		return nil, fe(resp.StatusCode, retryable, errors.New(msg))
	}
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
	hc := c.httpClient()
	log := c.logger().With(zap.String("host", hostForMessage(callbackURL)), zap.String("status_sent", res.Status))
	var last *attemptError
	for attempt := 0; attempt < callbackMaxAttempts; attempt++ {
		if attempt > 0 {
			wait := c.backoff(attempt - 1)
			if ra := last.retryAfter; ra > 0 {
				wait = ra
			}
			log.Info("task result callback will be retried", zap.Int("attempt", attempt+1),
				zap.Int("status", last.Status), zap.Duration("wait", wait))
			if err := c.wait(ctx, wait); err != nil {
				last.Err = err
				last.Retryable = true
				return &last.CallbackError
			}
		}
		ce := c.sendOnce(ctx, hc, callbackURL, token, payload)
		if ce == nil {
			return nil
		}
		last = ce
		if !ce.Retryable || ctx.Err() != nil {
			if ce.Status != 0 {
				log.Warn("HCP Terraform refused the task result",
					zap.Int("status", ce.Status), zap.String("body", ce.Body))
			}
			return &ce.CallbackError
		}
	}
	log.Warn("task result callback failed after retries", zap.Int("attempts", callbackMaxAttempts),
		zap.Int("status", last.Status), zap.String("body", last.Body))
	return &last.CallbackError
}

// attemptError is a CallbackError plus the server's requested wait.
type attemptError struct {
	CallbackError
	retryAfter time.Duration
}

func (c *TFCClient) sendOnce(ctx context.Context, hc *http.Client, callbackURL, token string, payload []byte) *attemptError {
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, callbackURL, bytes.NewReader(payload))
	if err != nil {
		return &attemptError{CallbackError: CallbackError{URL: callbackURL, Err: stripURLError(err)}}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/vnd.api+json")
	req.Header.Set("Accept", "application/vnd.api+json")
	resp, err := hc.Do(req)
	if err != nil {
		retryable := !errors.Is(err, errRedirectRefused)
		return &attemptError{CallbackError: CallbackError{URL: callbackURL, Retryable: retryable, Err: stripURLError(err)}}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		drain(resp.Body)
		return nil
	}
	ae := &attemptError{CallbackError: CallbackError{
		URL:    callbackURL,
		Status: resp.StatusCode,
		Body:   readSnippet(resp.Body, callbackBodyLen, token),
	}}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		ae.Retryable = true
		ae.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return ae
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
	hc := &http.Client{Timeout: DefaultTFCHTTPTimeout}
	if c.HTTP != nil {
		copied := *c.HTTP
		hc = &copied
	}
	hc.CheckRedirect = checkTFCRedirect
	return hc
}

func checkTFCRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > tfcMaxRedirects {
		return fmt.Errorf("%w: more than %d redirects", errRedirectRefused, tfcMaxRedirects)
	}
	if !strings.EqualFold(req.URL.Scheme, "https") && !isLoopbackHost(strings.ToLower(req.URL.Hostname())) {
		return fmt.Errorf("%w: redirect to %s over %s; want https", errRedirectRefused, req.URL.Host, req.URL.Scheme)
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

func (c *TFCClient) notReadyTimeout() time.Duration {
	if c.NotReadyTimeout > 0 {
		return c.NotReadyTimeout
	}
	return DefaultNotReadyTimeout
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

func (c *TFCClient) wait(ctx context.Context, d time.Duration) error {
	if c.sleep != nil {
		return c.sleep(ctx, d)
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
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
