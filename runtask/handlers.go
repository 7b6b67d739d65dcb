package runtask

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// handleRunTask accepts one run-task request: size cap, signature over the
// exact bytes before any decoding, then a durable job, then 200 at once.
func (s *Service) handleRunTask(c *gin.Context) {
	start := time.Now()
	defer func() { s.metrics.postDuration.Observe(time.Since(start).Seconds()) }()
	answer := func(status int, stage, outcome, msg string) {
		s.metrics.requests.WithLabelValues(stage, outcome).Inc()
		if status == http.StatusOK {
			c.Data(status, jsonContentType, okAnswers[outcome])
			return
		}
		c.JSON(status, gin.H{"error": msg})
	}

	body, err := readBody(c.Writer, c.Request, s.opts.MaxRequestBytes)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			answer(http.StatusRequestEntityTooLarge, "", "invalid", "request body is larger than the limit")
			return
		}
		answer(http.StatusBadRequest, "", "invalid", "could not read the request body")
		return
	}
	if s.signer != nil && !s.signer.Verify(body, c.GetHeader(SignatureHeader)) {
		s.log.Warn("refused run-task request with a missing or wrong signature", zap.String("remote", c.ClientIP()))
		answer(http.StatusUnauthorized, "", "unauthorized", "missing or invalid "+SignatureHeader)
		return
	}
	req, err := DecodeRequest(body)
	if err != nil {
		answer(http.StatusBadRequest, "", "invalid", err.Error())
		return
	}
	stage := string(req.Stage)
	if req.IsVerification() {
		s.log.Info("run-task endpoint verification request answered", zap.String("organization", req.OrganizationName))
		answer(http.StatusOK, stage, "verification", "")
		return
	}
	// Only the paths that log need the request's fields.
	log := func() *zap.Logger {
		return s.log.With(zap.String("task_result_id", req.TaskResultID), zap.String("run_id", req.RunID), zap.String("stage", stage))
	}
	if err := req.Validate(); err != nil {
		log().Warn("refused invalid run-task request", zap.Error(err))
		answer(http.StatusBadRequest, stage, "invalid", err.Error())
		return
	}
	if err := s.tfc.Hosts.Check(req.TaskResultCallbackURL); err != nil {
		// Calling back would send the run's token to an unknown host.
		log().Warn("refused run-task request: callback URL host is not allow-listed", zap.Error(err))
		answer(http.StatusForbidden, stage, "refused", err.Error())
		return
	}
	outcome, err := s.accept(c.Request.Context(), req, body)
	switch {
	case err != nil:
		log().Error("could not store the run-task request; HCP Terraform will retry", zap.Error(err))
		answer(http.StatusInternalServerError, stage, "error", "could not store the request")
	case outcome == acceptFull:
		log().Warn("refused run-task request: too many tasks are waiting", zap.Int("max_queued_tasks", s.opts.MaxQueuedTasks))
		answer(http.StatusServiceUnavailable, stage, "busy", fmt.Sprintf(
			"prodgate has %d run tasks waiting to be judged, its limit (--max-queued-tasks); this run was not queued: try again once they are done", s.opts.MaxQueuedTasks))
	case outcome == acceptDuplicate:
		log().Info("duplicate delivery of a known task ignored")
		answer(http.StatusOK, stage, "duplicate", "")
	default:
		answer(http.StatusOK, stage, "accepted", "")
	}
}

// readBody reads a request body of at most limit bytes, in one allocation
// when the client says how long it is.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n) + bytes.MinRead) // ReadFrom wants MinRead free to read the end
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	return buf.Bytes(), err
}

const jsonContentType = "application/json; charset=utf-8"

// okAnswers are the bodies of 200 answers by outcome, encoded once: a burst
// of POSTs need not marshal the same few bytes hundreds of times.
var okAnswers = map[string][]byte{
	"accepted":     []byte(`{"status":"accepted"}`),
	"duplicate":    []byte(`{"status":"accepted"}`),
	"verification": []byte(`{"status":"verification"}`),
}

// accept records the task and enqueues its job, batched with concurrent
// requests. The job keeps the request exactly as HCP Terraform signed it,
// sealed, and the worker decodes it again.
func (s *Service) accept(ctx context.Context, req *Request, body []byte) (acceptOutcome, error) {
	now := s.now()
	sealed, err := s.secrets.sealBytes(body)
	if err != nil {
		return 0, err
	}
	return s.acceptor.accept(ctx, acceptItem{
		task: Task{
			TaskResultID: req.TaskResultID, RunID: req.RunID, Organization: req.OrganizationName,
			Workspace: req.WorkspaceName, Project: req.ProjectName, Stage: string(req.Stage), ReceivedAt: now, Sealed: sealed,
		},
		job: evaluateArgs{TaskResultID: req.TaskResultID, ReceivedAt: now},
	})
}

// handleReady answers 503 once a stop has begun, so that load balancers
// stop sending while requests under way are still answered, and when the
// database does not answer. The body says what policy is in force, and why
// a reload was refused if the last one was: the service stays ready with
// the policy it has.
func (s *Service) handleReady(c *gin.Context) {
	if s.draining.Load() {
		c.String(http.StatusServiceUnavailable, "shutting down: requests under way are answered; send new ones elsewhere\n")
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.ping(ctx); err != nil {
		c.String(http.StatusServiceUnavailable, "database unavailable: %v\n", err)
		return
	}
	c.String(http.StatusOK, "ready\n%s", s.policies.describe())
}

func promHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// zapSlogHandler sends River's slog records to zap at warn level and above, so
// the service writes one JSON log stream.
type zapSlogHandler struct {
	log   *zap.Logger
	attrs []zap.Field
}

func (h zapSlogHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h zapSlogHandler) Handle(_ context.Context, r slog.Record) error {
	fields := append([]zap.Field(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		fields = append(fields, zap.Any(a.Key, a.Value.Any()))
		return true
	})
	switch {
	case r.Level >= slog.LevelError:
		h.log.Error(r.Message, fields...)
	default:
		h.log.Warn(r.Message, fields...)
	}
	return nil
}

func (h zapSlogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	next := zapSlogHandler{log: h.log, attrs: append([]zap.Field(nil), h.attrs...)}
	for _, a := range attrs {
		next.attrs = append(next.attrs, zap.Any(a.Key, a.Value.Any()))
	}
	return next
}

func (h zapSlogHandler) WithGroup(name string) slog.Handler {
	return zapSlogHandler{log: h.log.Named(name), attrs: h.attrs}
}
