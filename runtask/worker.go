package runtask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"
)

const (
	// maxAttempts keeps retries of a failing callback inside HCP Terraform's
	// 60-minute limit (River's backoff is attempt^4 seconds).
	maxAttempts = 6
	// maxJudgingStarts is how many times the judging of one plan may start
	// without finishing (the process died meanwhile: a plan that crashes the
	// service) before the task is ended failed without another try.
	maxJudgingStarts = 3
	// runningCallbackTimeout bounds one progress callback, retries included:
	// progress is a courtesy, the final callback is what counts.
	runningCallbackTimeout = 15 * time.Second
	// defaultJobTimeout is the job timeout when none is given (tests of the
	// queue alone); the service derives its own from the time budgets.
	defaultJobTimeout = 5 * time.Minute
)

// evaluateArgs is the durable job for one run-task request. The request
// itself, which carries the run's access token, is kept sealed in the task's
// row (Task.Sealed): River encodes a job's arguments as JSON several times
// on the way in, which cost ~100 µs a request of the POST's answer when they
// held it (BenchmarkAcceptBatch).
type evaluateArgs struct {
	// TaskResultID makes the job unique: HCP Terraform retries deliveries
	// that were not answered 200, and each task must be judged once.
	TaskResultID string    `json:"task_result_id" river:"unique"`
	ReceivedAt   time.Time `json:"received_at"`
}

func (evaluateArgs) Kind() string { return "prodgate_evaluate" }

func (evaluateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: maxAttempts,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			// Every state: a finished task is never judged again because of a
			// late duplicate delivery.
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted,
				rivertype.JobStateDiscarded, rivertype.JobStatePending, rivertype.JobStateRetryable,
				rivertype.JobStateRunning, rivertype.JobStateScheduled,
			},
		},
	}
}

type evaluateWorker struct {
	river.WorkerDefaults[evaluateArgs]
	svc *Service
}

func (w *evaluateWorker) Timeout(*river.Job[evaluateArgs]) time.Duration { return w.svc.jobTimeout }

func (w *evaluateWorker) Work(ctx context.Context, job *river.Job[evaluateArgs]) error {
	return w.svc.process(ctx, job.Args, job.Attempt, job.MaxAttempts)
}

// process judges one task and calls back. Every path ends in a final passed
// or failed callback, or in an error River retries; a task is never left
// without a result while attempts remain.
//
// The policy in force is taken once, here: a reload while the task is
// worked does not change the policy it is judged by, nor the one its
// callbacks name.
func (s *Service) process(ctx context.Context, args evaluateArgs, attempt, maxAttempt int) error {
	policy := s.policies.policy()
	log := s.log.With(zap.String("task_result_id", args.TaskResultID), zap.Int("attempt", attempt))
	task, err := s.db.store.get(ctx, args.TaskResultID)
	if err != nil {
		return fmt.Errorf("load task: %w", err)
	}
	if !task.FinalSentAt.IsZero() {
		log.Info("task already called back; nothing to do")
		return nil
	}
	plain, err := s.secrets.open(task.Sealed)
	if err != nil {
		// Without the request there is no token to call back with.
		log.Error("cannot open the sealed request; the task cannot be called back", zap.Error(err))
		return river.JobCancel(err)
	}
	reqp, err := DecodeRequest(plain)
	if err != nil {
		log.Error("sealed request is not a run-task request", zap.Error(err))
		return river.JobCancel(err)
	}
	req := *reqp
	log = log.With(zap.String("run_id", req.RunID), zap.String("workspace", req.WorkspaceName), zap.String("stage", string(req.Stage)))
	resultsURL := s.resultsURL(args.TaskResultID)

	var final Result
	var rep *evaluator.Report // nil when no plan was judged
	judgedBy := policy
	switch {
	case task.Status == TaskPassed || task.Status == TaskFailed:
		// Judged on an earlier attempt whose callback failed: send the same verdict.
		final, rep = s.storedResult(task, &req, resultsURL)
		if task.PolicyHash != policy.Hash {
			// The policy was reloaded since: the summary names the one that judged.
			judgedBy = &Policy{Engine: policy.Engine, Hash: task.PolicyHash, Rules: policy.Rules, ScopeMatch: policy.ScopeMatch}
		}
	case task.JudgingsUnfinished >= maxJudgingStarts:
		msg := fmt.Sprintf("judging this plan stopped the service %d times; it was not judged", task.JudgingsUnfinished)
		log.Error("ending a task without judging it: "+msg, zap.Int("judgings_started", task.JudgingsUnfinished))
		final = FailureResult(msg, resultsURL)
		if err := s.db.store.saveResult(ctx, args.TaskResultID, final.Status, final.Message, nil, policy.Hash, s.now()); err != nil {
			return err
		}
	default:
		if err := s.db.store.markRunning(ctx, args.TaskResultID); err != nil {
			return err
		}
		stopProgress := s.sendProgress(ctx, &req, policy, log)
		var reportJSON []byte
		final, reportJSON, rep, err = s.judge(ctx, &req, policy, resultsURL, log)
		stopProgress()
		if err != nil {
			// The job was stopped (a graceful stop, or its timeout): River
			// hands it back or retries it; nothing is saved.
			return err
		}
		if err := s.db.store.saveResult(ctx, args.TaskResultID, final.Status, final.Message, reportJSON, policy.Hash, s.now()); err != nil {
			return err
		}
	}
	// Before the callback, so that a task HCP Terraform knows the verdict
	// of is in the history; a retried job writes it again.
	if err := s.recordSummary(ctx, task, &req, final, rep, judgedBy, log); err != nil {
		return err
	}

	// Once begun, the final callback is not cut short the moment a stop
	// cancels the job: HCP Terraform may have taken a result whose answer
	// never arrived, and the task, handed back, would be called back a
	// second time. It gets finalCallbackGrace more, within the stop's
	// budget; a stop that came before it hands the task back at once.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stopped before the final callback: %w", err)
	}
	jobCtx := ctx
	ctx, cancel := withGrace(ctx, s.finalCallbackGrace)
	defer cancel()
	if err := s.tfc.SendResult(ctx, req.TaskResultCallbackURL, req.AccessToken, final); err != nil {
		s.metrics.callbackFailures.WithLabelValues(callbackFailureLabel(err)).Inc()
		_ = s.db.store.recordCallbackError(ctx, args.TaskResultID, err.Error())
		if ended := jobCtx.Err(); ended != nil {
			// River hands a task stopped by a graceful stop back as it was
			// (and retries one that ran out of time); it must see why.
			log.Warn("the job ended during the final callback; it will be sent again", zap.Error(err))
			return fmt.Errorf("final callback cut short: %w: %w", ended, err)
		}
		var ce *CallbackError
		if errors.As(err, &ce) && !ce.Retryable {
			log.Error("HCP Terraform refused the final callback; not retrying", zap.Int("status", ce.Status), zap.String("body", ce.Body))
			return river.JobCancel(err)
		}
		if attempt >= maxAttempt {
			log.Error("final callback failed on the last attempt; the task is left without a result", zap.Error(err))
		} else {
			log.Warn("final callback failed; will retry", zap.Error(err))
		}
		return fmt.Errorf("final callback: %w", err)
	}
	if err := s.db.store.markFinalSent(ctx, args.TaskResultID, s.now()); err != nil {
		return err
	}
	s.metrics.taskDuration.Observe(s.now().Sub(args.ReceivedAt).Seconds())
	s.metrics.verdicts.WithLabelValues(string(req.Stage), final.Status).Inc()
	log.Info("task called back", zap.String("status", final.Status))
	return nil
}

// sendProgress tells HCP Terraform the task is running, at once and then
// every ProgressInterval: HCP Terraform errors a task that has sent no
// progress for 10 minutes. The returned function stops it and returns once
// no progress callback is under way, so none can follow the final one.
func (s *Service) sendProgress(ctx context.Context, req *Request, policy *Policy, log *zap.Logger) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	running := RunningResult(policy.Engine.Standard(), policy.Hash)
	send := func() {
		ctx, cancel := context.WithTimeout(ctx, runningCallbackTimeout)
		defer cancel()
		if err := s.tfc.SendResult(ctx, req.TaskResultCallbackURL, req.AccessToken, running); err != nil {
			log.Warn("running callback failed", zap.Error(err))
			s.metrics.callbackFailures.WithLabelValues(callbackFailureLabel(err)).Inc()
		}
	}
	go func() {
		defer close(stopped)
		send()
		tick := time.NewTicker(s.opts.ProgressInterval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				send()
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// judge fetches and evaluates the plan. Every failure to judge becomes a
// failed result with a message saying what went wrong: the gate fails
// closed. It returns an error only when ctx ends (the job was stopped), so
// that the task is tried again rather than failed.
func (s *Service) judge(ctx context.Context, req *Request, policy *Policy, resultsURL string, log *zap.Logger) (Result, []byte, *evaluator.Report, error) {
	if !req.Stage.HasPlan() {
		return Result{Status: TaskPassed, URL: resultsURL,
			Message: fmt.Sprintf("prodgate judges plans; the %s stage has none, so there is nothing to check yet", req.Stage)}, nil, nil, nil
	}
	// FetchPlan refuses hosts that are not allow-listed before sending the
	// token, and keeps to the fetch budgets.
	data, err := s.tfc.FetchPlan(ctx, req.PlanJSONAPIURL, req.AccessToken)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, nil, nil, fmt.Errorf("plan download stopped: %w", ctx.Err())
		}
		log.Warn("plan download failed", zap.Error(err))
		return FailureResult("could not download the plan: "+err.Error(), resultsURL), nil, nil, nil
	}
	// The judging deadline covers the wait for a judging slot too.
	deadline := time.NewTimer(s.opts.JudgeTimeout)
	defer deadline.Stop()
	tooLong := func() Result {
		log.Warn("judging the plan took too long; the task fails", zap.Duration("judge_timeout", s.opts.JudgeTimeout))
		return FailureResult(fmt.Sprintf("judging the plan took longer than %s (--judge-timeout); it was not judged", s.opts.JudgeTimeout), resultsURL)
	}
	// Judging is the CPU-heavy part: it waits for a slot and uses as many
	// goroutines as there are slots, so that one core stays free to answer
	// HCP Terraform's POSTs during a burst.
	select {
	case s.judging <- struct{}{}:
	case <-deadline.C:
		return tooLong(), nil, nil, nil
	case <-ctx.Done():
		return Result{}, nil, nil, fmt.Errorf("stopped before the plan could be judged: %w", ctx.Err())
	}
	// Recorded before judging starts: should judging kill the process, the
	// next one knows (see maxJudgingStarts).
	if err := s.db.store.startJudging(ctx, req.TaskResultID); err != nil {
		<-s.judging
		return Result{}, nil, nil, err
	}
	log.Debug("judging the plan", zap.Int("bytes", len(data)))
	type verdict struct {
		res    Result
		report []byte
		rep    *evaluator.Report
	}
	judged := make(chan verdict, 1)
	go func() {
		// The slot is given back when judging ends, not at the deadline: a
		// plan that outlasts it still holds a core (the evaluator cannot be
		// interrupted).
		defer func() { <-s.judging }()
		defer func() {
			if p := recover(); p != nil {
				log.Error("internal error while judging", zap.Any("panic", p))
				judged <- verdict{res: FailureResult(fmt.Sprintf("internal error: %v", p), resultsURL)}
			}
		}()
		s.judgingHook(data)
		res, report, rep := s.evaluate(req, policy, data, resultsURL)
		judged <- verdict{res, report, rep}
	}()
	select {
	case v := <-judged:
		return v.res, v.report, v.rep, nil
	case <-deadline.C:
		return tooLong(), nil, nil, nil
	case <-ctx.Done():
		// Stopped, not crashed: this start does not count against the task.
		if err := s.db.store.endJudging(context.WithoutCancel(ctx), req.TaskResultID); err != nil {
			log.Warn("could not record that judging was stopped", zap.Error(err))
		}
		return Result{}, nil, nil, fmt.Errorf("stopped while judging the plan: %w", ctx.Err())
	}
}

// evaluate parses and judges a downloaded plan.
func (s *Service) evaluate(req *Request, policy *Policy, data []byte, resultsURL string) (Result, []byte, *evaluator.Report) {
	start := time.Now()
	workers := cap(s.judging)
	plan, err := tfplan.ParsePlanWith(data, tfplan.ParseOptions{Workers: workers})
	if err != nil {
		return FailureResult("could not read the plan: "+err.Error(), resultsURL), nil, nil
	}
	rep := policy.Engine.EvaluateWith(plan, evaluator.RunContext{
		Organization: req.OrganizationName, Workspace: req.WorkspaceName,
		Project: req.ProjectName, Directory: req.WorkspaceWorkingDirectory, Repository: req.VCSRepoURL,
	}, s.now(), evaluator.Options{Workers: workers})
	s.metrics.evaluationDuration.Observe(time.Since(start).Seconds())
	reportJSON, err := json.Marshal(rep)
	if err != nil {
		return FailureResult("internal error: encode report: "+err.Error(), resultsURL), nil, nil
	}
	return ResultFromReport(rep, policy.Hash, resultsURL, req.Capabilities.Outcomes), reportJSON, rep
}

// storedResult rebuilds the final callback from what an earlier attempt saved.
func (s *Service) storedResult(task *Task, req *Request, resultsURL string) (Result, *evaluator.Report) {
	if len(task.Report) > 0 {
		var rep evaluator.Report
		if err := json.Unmarshal(task.Report, &rep); err == nil {
			return ResultFromReport(&rep, task.PolicyHash, resultsURL, req.Capabilities.Outcomes), &rep
		}
	}
	return Result{Status: task.Status, Message: task.Message, URL: resultsURL}, nil
}

// withGrace is ctx, except that it ends grace after ctx does rather than
// with it.
func withGrace(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	graced, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	var timer atomic.Pointer[time.Timer]
	stopWatching := context.AfterFunc(ctx, func() {
		timer.Store(time.AfterFunc(grace, func() { cancel(context.Cause(ctx)) }))
	})
	return graced, func() {
		stopWatching()
		if t := timer.Load(); t != nil {
			t.Stop()
		}
		cancel(context.Canceled)
	}
}

func callbackFailureLabel(err error) string {
	var ce *CallbackError
	if errors.As(err, &ce) && ce.Status != 0 {
		return fmt.Sprint(ce.Status)
	}
	return "network"
}

// judgingHookFor reads Options.TestOnlyJudgingHook ("crash:MARKER" or
// "stall:MARKER"): when a plan that contains MARKER is judged, the process
// dies at once as a stack overflow would kill it, or judging never ends.
// Tests use it to prove that such a plan cannot take the service down for
// good; it is never set in production.
func judgingHookFor(spec string) (func(plan []byte), error) {
	if spec == "" {
		return func([]byte) {}, nil
	}
	action, marker, ok := strings.Cut(spec, ":")
	if !ok || marker == "" || (action != "crash" && action != "stall") {
		return nil, fmt.Errorf("test-only judging hook %q: want crash:MARKER or stall:MARKER", spec)
	}
	return func(plan []byte) {
		if !bytes.Contains(plan, []byte(marker)) {
			return
		}
		if action == "stall" {
			select {}
		}
		// A panic on a goroutine of its own is not recovered: the process
		// ends, as it does on a stack overflow.
		go func() { panic("test-only judging hook: this plan crashes the process") }()
		select {}
	}, nil
}

// pruneArgs is the job that deletes finished tasks past the retention,
// with their results pages. River's leader enqueues it hourly (see
// riverConfig), so one replica prunes, not every one.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "prodgate_prune" }

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	store     *store
	retention time.Duration
	now       func() time.Time
	log       *zap.Logger
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	cutoff := w.now().Add(-w.retention)
	n, err := w.store.prune(ctx, cutoff)
	if err != nil {
		return err
	}
	if _, err := w.store.pruneHistory(ctx, cutoff); err != nil {
		return err
	}
	if n > 0 {
		w.log.Info("pruned finished tasks past the retention", zap.Int64("tasks", n), zap.Duration("retention", w.retention))
	}
	return nil
}
