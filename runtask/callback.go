package runtask

import (
	"net/url"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/report"
)

// ResultFromReport is the final callback for a judged plan. The status is
// passed only when the verdict is exactly passed; anything else fails closed.
// The message is report.Message plus " — details: <resultsURL>" when that
// fits report.MaxMessageLen. Outcomes (one per finding that is not a pass, at
// most MaxOutcomes, each linking resultsURL#<outcome-id>) are included only
// when outcomes is true: pass the request's capabilities.outcomes.
func ResultFromReport(rep *evaluator.Report, resultsURL string, outcomes bool) Result {
	if len(resultsURL) > MaxResultURLLen {
		resultsURL = ""
	}
	res := Result{Status: ResultFailed, URL: resultsURL}
	if rep != nil && rep.Verdict == evaluator.VerdictPassed {
		res.Status = ResultPassed
	}
	res.Message = report.Message(rep)
	if resultsURL != "" {
		if withLink := res.Message + " — details: " + resultsURL; len(withLink) <= report.MaxMessageLen {
			res.Message = withLink
		}
	}
	if outcomes {
		res.Outcomes = report.Outcomes(rep, MaxOutcomes)
		if resultsURL != "" {
			for i := range res.Outcomes {
				frag := (&url.URL{Fragment: res.Outcomes[i].OutcomeID}).EscapedFragment()
				if u := resultsURL + "#" + frag; len(u) <= MaxResultURLLen {
					res.Outcomes[i].URL = u
				}
			}
		}
	}
	return res
}

// FailureResult is the final callback when prodgate could not judge the run
// (plan download failed, unreadable plan, internal error): status failed, so
// the gate fails closed, with msg after "prodgate could not judge this run: ".
func FailureResult(msg string, resultsURL string) Result {
	if len(resultsURL) > MaxResultURLLen {
		resultsURL = ""
	}
	return Result{
		Status:  ResultFailed,
		Message: oneLineSnippet("prodgate could not judge this run: "+msg, report.MaxMessageLen),
		URL:     resultsURL,
	}
}

// RunningResult is the progress callback sent when work on a task starts.
func RunningResult(standard string) Result {
	msg := "prodgate is judging the plan"
	if s := strings.TrimSpace(standard); s != "" {
		msg += " against " + s
	}
	return Result{Status: ResultRunning, Message: oneLineSnippet(msg, report.MaxMessageLen)}
}
