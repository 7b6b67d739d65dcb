package runtask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"
)

const (
	// jobTimeout bounds one attempt; HCP Terraform wants progress within 10 minutes.
	jobTimeout = 8 * time.Minute
	// maxAttempts keeps retries of a failing callback inside HCP Terraform's
	// 60-minute limit (River's backoff is attempt^4 seconds).
	maxAttempts = 6
	// defaultJobTimeout is the job timeout when none is given (tests of the
	// queue alone).
	defaultJobTimeout = jobTimeout
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

func (w *evaluateWorker) Timeout(*river.Job[evaluateArgs]) time.Duration { return jobTimeout }

func (w *evaluateWorker) Work(ctx context.Context, job *river.Job[evaluateArgs]) error {
	return w.svc.process(ctx, job.Args, job.Attempt, job.MaxAttempts)
}

// process judges one task and calls back. Every path ends in a final passed
// or failed callback, or in an error River retries; a task is never left
// without a result while attempts remain.
func (s *Service) process(ctx context.Context, args evaluateArgs, attempt, maxAttempt int) error {
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
	switch task.Status {
	case TaskPassed, TaskFailed:
		// Judged on an earlier attempt whose callback failed: send the same verdict.
		final = s.storedResult(task, &req, resultsURL)
	default:
		if task.Status == TaskQueued {
			if err := s.tfc.SendResult(ctx, req.TaskResultCallbackURL, req.AccessToken, RunningResult(s.engine.Standard())); err != nil {
				// Progress is a courtesy; the final callback below is what counts.
				log.Warn("running callback failed", zap.Error(err))
				s.metrics.callbackFailures.WithLabelValues(callbackFailureLabel(err)).Inc()
			}
			if err := s.db.store.markRunning(ctx, args.TaskResultID); err != nil {
				return err
			}
		}
		var reportJSON []byte
		final, reportJSON = s.judge(ctx, &req, resultsURL, log)
		if err := s.db.store.saveResult(ctx, args.TaskResultID, final.Status, final.Message, reportJSON, s.now()); err != nil {
			return err
		}
	}

	if err := s.tfc.SendResult(ctx, req.TaskResultCallbackURL, req.AccessToken, final); err != nil {
		s.metrics.callbackFailures.WithLabelValues(callbackFailureLabel(err)).Inc()
		_ = s.db.store.recordCallbackError(ctx, args.TaskResultID, err.Error())
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

// judge fetches and evaluates the plan. Every failure becomes a failed result
// with a message saying what went wrong: the gate fails closed.
func (s *Service) judge(ctx context.Context, req *Request, resultsURL string, log *zap.Logger) (res Result, reportJSON []byte) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("internal error while judging", zap.Any("panic", p))
			res, reportJSON = FailureResult(fmt.Sprintf("internal error: %v", p), resultsURL), nil
		}
	}()
	if !req.Stage.HasPlan() {
		return Result{Status: TaskPassed, URL: resultsURL,
			Message: fmt.Sprintf("prodgate judges plans; the %s stage has none, so there is nothing to check yet", req.Stage)}, nil
	}
	// FetchPlan refuses hosts that are not allow-listed before sending the token.
	data, err := s.tfc.FetchPlan(ctx, req.PlanJSONAPIURL, req.AccessToken)
	if err != nil {
		log.Warn("plan download failed", zap.Error(err))
		return FailureResult("could not download the plan: "+err.Error(), resultsURL), nil
	}
	// Judging is the CPU-heavy part: it waits for a slot and uses as many
	// goroutines as there are slots, so that one core stays free to answer
	// HCP Terraform's POSTs during a burst.
	select {
	case s.judging <- struct{}{}:
		defer func() { <-s.judging }()
	case <-ctx.Done():
		return FailureResult("stopped before the plan could be judged: "+ctx.Err().Error(), resultsURL), nil
	}
	start := time.Now()
	workers := cap(s.judging)
	plan, err := evaluator.ParsePlanWith(data, evaluator.ParseOptions{Workers: workers})
	if err != nil {
		return FailureResult("could not read the plan: "+err.Error(), resultsURL), nil
	}
	rep := s.engine.EvaluateWith(plan, evaluator.RunContext{
		Organization: req.OrganizationName, Workspace: req.WorkspaceName,
		Project: req.ProjectName, Directory: req.WorkspaceWorkingDirectory, Repository: req.VCSRepoURL,
	}, s.now(), evaluator.Options{Workers: workers})
	s.metrics.evaluationDuration.Observe(time.Since(start).Seconds())
	reportJSON, err = json.Marshal(rep)
	if err != nil {
		return FailureResult("internal error: encode report: "+err.Error(), resultsURL), nil
	}
	return ResultFromReport(rep, resultsURL, req.Capabilities.Outcomes), reportJSON
}

// storedResult rebuilds the final callback from what an earlier attempt saved.
func (s *Service) storedResult(task *Task, req *Request, resultsURL string) Result {
	if len(task.Report) > 0 {
		var rep evaluator.Report
		if err := json.Unmarshal(task.Report, &rep); err == nil {
			return ResultFromReport(&rep, resultsURL, req.Capabilities.Outcomes)
		}
	}
	return Result{Status: task.Status, Message: task.Message, URL: resultsURL}
}

func callbackFailureLabel(err error) string {
	var ce *CallbackError
	if errors.As(err, &ce) && ce.Status != 0 {
		return fmt.Sprint(ce.Status)
	}
	return "network"
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
	n, err := w.store.prune(ctx, w.now().Add(-w.retention))
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.Info("pruned finished tasks past the retention", zap.Int64("tasks", n), zap.Duration("retention", w.retention))
	}
	return nil
}
