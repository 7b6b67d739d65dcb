package runtask

import (
	"net/url"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/report"
)

// ResultFromReport is the final callback for a judged plan. The status is
// passed only when the verdict is exactly passed; anything else fails closed.
// The message is report.Message, then " · policy sha256:<12 hex digits>"
// naming the policy that judged it (policyHash, when not ""), then
// " — details: <resultsURL>" when that fits report.MaxMessageLen. Outcomes
// (one per finding that is not a pass, at most MaxOutcomes, each linking
// resultsURL#<outcome-id>) are included only when outcomes is true: pass the
// request's capabilities.outcomes.
func ResultFromReport(rep *evaluator.Report, policyHash, resultsURL string, outcomes bool) Result {
	if len(resultsURL) > MaxResultURLLen {
		resultsURL = ""
	}
	res := Result{Status: ResultFailed, URL: resultsURL}
	if rep != nil && rep.Verdict == evaluator.VerdictPassed {
		res.Status = ResultPassed
	}
	res.Message = report.Message(rep)
	if policyHash != "" {
		// The policy comes before the link, which the result's URL carries
		// anyway: the summary gives way to it.
		policy := policyPhrase(policyHash)
		res.Message = fitText(report.Summary(rep), report.MaxMessageLen-len(policy)) + policy
	}
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

// RunningResult is the progress callback sent when work on a task starts,
// naming the standard and the policy (when policyHash is not "") it is
// judged against.
func RunningResult(standard, policyHash string) Result {
	msg := "prodgate is judging the plan"
	if s := strings.TrimSpace(standard); s != "" {
		msg += " against " + s
	}
	if policyHash == "" {
		return Result{Status: ResultRunning, Message: oneLineSnippet(msg, report.MaxMessageLen)}
	}
	policy := policyPhrase(policyHash)
	return Result{Status: ResultRunning, Message: oneLineSnippet(msg, report.MaxMessageLen-len(policy)) + policy}
}

// policyPhrase names a policy in a callback message.
func policyPhrase(hash string) string {
	return " · policy " + oneLineSnippet(shortPolicyHash(hash), 80)
}
