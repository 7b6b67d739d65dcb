package runtask

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/report"
)

const callbackTestResultsURL = "https://prodgate.example.com/results/taskrs-2nH5dncYoXaMVQmJ"

// callbackTestPolicyHash is PolicyHash([]byte("test")).
const callbackTestPolicyHash = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// callbackTestReport has n blocking failures, one pass and the given verdict.
func callbackTestReport(verdict evaluator.Verdict, n int) *evaluator.Report {
	rep := &evaluator.Report{
		Verdict:     verdict,
		Standard:    "Acme production",
		Scope:       "production",
		Enforcement: evaluator.ScopeMandatory,
		Findings: []evaluator.Finding{{
			RuleID: "aws-rds-deletion-protection", Title: "RDS deletion protection", Address: "aws_db_instance.ok",
			Attribute: "deletion_protection", Severity: evaluator.SeverityCritical, Status: evaluator.StatusPass,
			Message: "deletion_protection is true",
		}},
	}
	for i := range n {
		rep.Findings = append(rep.Findings, evaluator.Finding{
			RuleID: "aws-rds-deletion-protection", Title: "RDS deletion protection",
			Address: fmt.Sprintf("aws_db_instance.db[%d]", i), Attribute: "deletion_protection",
			Severity: evaluator.SeverityCritical, Status: evaluator.StatusFail, Blocking: true,
			Message: "deletion_protection is false", Expected: "true", Actual: "false",
		})
	}
	rep.Counts = evaluator.Counts{Total: n + 1, Passed: 1, Failed: n, Blocking: n}
	return rep
}

// callbackOutcomesWithURLs is report.Outcomes with each URL set to base#id.
func callbackOutcomesWithURLs(rep *evaluator.Report, base string) []report.Outcome {
	outs := report.Outcomes(rep, 10)
	for i := range outs {
		outs[i].URL = base + "#" + outs[i].OutcomeID
	}
	return outs
}

func TestResultFromReport(t *testing.T) {
	failing := callbackTestReport(evaluator.VerdictFailed, 2)
	many := callbackTestReport(evaluator.VerdictFailed, 14)
	passing := callbackTestReport(evaluator.VerdictPassed, 0)
	longURL := "https://prodgate.example.com/" + strings.Repeat("r", 480) // 509 bytes
	nearURL := "https://prodgate.example.com/" + strings.Repeat("r", 440) // fits, but not with "#id"
	longStandard := callbackTestReport(evaluator.VerdictFailed, 1)
	longStandard.Standard = strings.Repeat("s", 990)
	tests := []struct {
		name       string
		rep        *evaluator.Report
		policyHash string
		resultsURL string
		outcomes   bool
		want       Result
	}{
		{
			name: "a passed verdict passes and links the results page", rep: passing, resultsURL: callbackTestResultsURL,
			want: Result{Status: ResultPassed, URL: callbackTestResultsURL,
				Message: report.Message(passing) + " — details: " + callbackTestResultsURL},
		},
		{
			name: "a failed verdict fails with one outcome per finding that is not a pass", rep: failing,
			resultsURL: callbackTestResultsURL, outcomes: true,
			want: Result{Status: ResultFailed, URL: callbackTestResultsURL,
				Message:  report.Message(failing) + " — details: " + callbackTestResultsURL,
				Outcomes: callbackOutcomesWithURLs(failing, callbackTestResultsURL)},
		},
		{
			name: "outcomes are left out when the caller lacks the capability", rep: failing,
			resultsURL: callbackTestResultsURL, outcomes: false,
			want: Result{Status: ResultFailed, URL: callbackTestResultsURL,
				Message: report.Message(failing) + " — details: " + callbackTestResultsURL},
		},
		{
			name: "at most 10 outcomes", rep: many, resultsURL: callbackTestResultsURL, outcomes: true,
			want: Result{Status: ResultFailed, URL: callbackTestResultsURL,
				Message:  report.Message(many) + " — details: " + callbackTestResultsURL,
				Outcomes: callbackOutcomesWithURLs(many, callbackTestResultsURL)},
		},
		{
			name: "without a results page there are no links", rep: failing, outcomes: true,
			want: Result{Status: ResultFailed, Message: report.Message(failing), Outcomes: report.Outcomes(failing, 10)},
		},
		{
			name: "a results URL over 500 bytes is dropped everywhere", rep: failing, resultsURL: longURL, outcomes: true,
			want: Result{Status: ResultFailed, Message: report.Message(failing), Outcomes: report.Outcomes(failing, 10)},
		},
		{
			name: "outcome links that would pass 500 bytes are left out", rep: failing, resultsURL: nearURL, outcomes: true,
			want: Result{Status: ResultFailed, URL: nearURL, Message: report.Message(failing) + " — details: " + nearURL,
				Outcomes: report.Outcomes(failing, 10)},
		},
		{
			name: "no report fails closed", rep: nil, resultsURL: callbackTestResultsURL, outcomes: true,
			want: Result{Status: ResultFailed, URL: callbackTestResultsURL,
				Message: report.Message(nil) + " — details: " + callbackTestResultsURL},
		},
		{
			name: "the policy that judged the plan is named before the link", rep: failing, policyHash: callbackTestPolicyHash,
			resultsURL: callbackTestResultsURL,
			want: Result{Status: ResultFailed, URL: callbackTestResultsURL,
				Message: report.Message(failing) + " · policy sha256:9f86d081884c — details: " + callbackTestResultsURL},
		},
		{
			name: "the policy stays when the summary fills the message; the summary gives way", rep: longStandard,
			policyHash: callbackTestPolicyHash, resultsURL: callbackTestResultsURL,
			want: Result{Status: ResultFailed, URL: callbackTestResultsURL,
				Message: fitText(report.Summary(longStandard), report.MaxMessageLen-len(" · policy sha256:9f86d081884c")) + " · policy sha256:9f86d081884c"},
		},
		{
			name: "a verdict that is not exactly passed fails closed", rep: callbackTestReport("PASSED", 0),
			want: Result{Status: ResultFailed, Message: report.Message(callbackTestReport("PASSED", 0))},
		},
		{
			name: "an empty verdict fails closed", rep: callbackTestReport("", 0),
			want: Result{Status: ResultFailed, Message: report.Message(callbackTestReport("", 0))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ResultFromReport(tt.rep, tt.policyHash, tt.resultsURL, tt.outcomes)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ResultFromReport mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResultFromReportLinkOnlyWhenItFits(t *testing.T) {
	rep := callbackTestReport(evaluator.VerdictFailed, 1)
	rep.Standard = strings.Repeat("s", 990) // the summary alone nearly fills the message
	got := ResultFromReport(rep, "", callbackTestResultsURL, false)
	if strings.Contains(got.Message, "details:") || got.Message != report.Message(rep) {
		t.Errorf("message %q: want the summary alone when the link does not fit", got.Message)
	}
	if len(got.Message) > report.MaxMessageLen || got.URL != callbackTestResultsURL {
		t.Errorf("message of %d bytes, URL %q", len(got.Message), got.URL)
	}
}

func TestResultFromReportEscapesOutcomeFragment(t *testing.T) {
	rep := callbackTestReport(evaluator.VerdictFailed, 1)
	rep.Findings[1].RuleID = "team rule/ü"
	got := ResultFromReport(rep, "", callbackTestResultsURL, true)
	if len(got.Outcomes) != 1 {
		t.Fatalf("got %d outcomes, want 1", len(got.Outcomes))
	}
	id := got.Outcomes[0].OutcomeID
	want := callbackTestResultsURL + "#team%20rule/%C3%BC" + strings.TrimPrefix(id, "team rule/ü")
	if got.Outcomes[0].URL != want {
		t.Errorf("outcome URL = %q, want %q", got.Outcomes[0].URL, want)
	}
}

func TestFailureResult(t *testing.T) {
	tests := []struct {
		name, msg, url string
		want           Result
	}{
		{
			name: "a download error", msg: "download plan from app.terraform.io: HTTP 404 Not Found", url: callbackTestResultsURL,
			want: Result{Status: ResultFailed, URL: callbackTestResultsURL,
				Message: "prodgate could not judge this run: download plan from app.terraform.io: HTTP 404 Not Found"},
		},
		{
			name: "line breaks are folded", msg: "internal error:\n\tboom",
			want: Result{Status: ResultFailed, Message: "prodgate could not judge this run: internal error: boom"},
		},
		{
			name: "a results URL over 500 bytes is dropped", msg: "x", url: "https://p.example.com/" + strings.Repeat("u", 490),
			want: Result{Status: ResultFailed, Message: "prodgate could not judge this run: x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, FailureResult(tt.msg, tt.url)); diff != "" {
				t.Errorf("FailureResult mismatch (-want +got):\n%s", diff)
			}
		})
	}
	long := FailureResult(strings.Repeat("ü", 800), "")
	if len(long.Message) > report.MaxMessageLen || !utf8.ValidString(long.Message) || !strings.HasSuffix(long.Message, "…") {
		t.Errorf("long failure message is %d bytes, want ≤%d, valid UTF-8, ending in an ellipsis", len(long.Message), report.MaxMessageLen)
	}
}

func TestRunningResult(t *testing.T) {
	if diff := cmp.Diff(Result{Status: ResultRunning, Message: "prodgate is judging the plan against Acme production standard"},
		RunningResult("Acme production standard", "")); diff != "" {
		t.Errorf("RunningResult mismatch (-want +got):\n%s", diff)
	}
	if got := RunningResult(" ", "").Message; got != "prodgate is judging the plan" {
		t.Errorf("RunningResult without a standard: %q", got)
	}
	if got := RunningResult("Acme", callbackTestPolicyHash).Message; got != "prodgate is judging the plan against Acme · policy sha256:9f86d081884c" {
		t.Errorf("RunningResult with a policy: %q", got)
	}
	if got := RunningResult(strings.Repeat("s", 2000), callbackTestPolicyHash).Message; len(got) > report.MaxMessageLen || !strings.HasSuffix(got, "… · policy sha256:9f86d081884c") {
		t.Errorf("RunningResult with a long standard: %d bytes, %q…", len(got), got[len(got)-40:])
	}
}

// The bodies HCP Terraform receives for the results the worker sends.
func TestCallbackResultBodies(t *testing.T) {
	failing := callbackTestReport(evaluator.VerdictFailed, 2)
	tests := []struct {
		name string
		res  Result
		want string // exact bytes; "" to check the outcomes instead
	}{
		{
			name: "running",
			res:  RunningResult("Acme production", ""),
			want: `{"data":{"type":"task-results","attributes":{"message":"prodgate is judging the plan against Acme production","status":"running"}}}` + "\n",
		},
		{
			name: "failure",
			res:  FailureResult("download plan from app.terraform.io: HTTP 404 Not Found", callbackTestResultsURL),
			want: `{"data":{"type":"task-results","attributes":{"message":"prodgate could not judge this run: download plan from app.terraform.io: HTTP 404 Not Found","status":"failed","url":"` + callbackTestResultsURL + `"}}}` + "\n",
		},
		{
			name: "report without the outcomes capability",
			res:  ResultFromReport(failing, "", callbackTestResultsURL, false),
			want: `{"data":{"type":"task-results","attributes":{"message":"` + report.Message(failing) + ` — details: ` + callbackTestResultsURL + `","status":"failed","url":"` + callbackTestResultsURL + `"}}}` + "\n",
		},
		{
			name: "report with the outcomes capability",
			res:  ResultFromReport(failing, "", callbackTestResultsURL, true),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTFCTestServer(t)
			srv.handle = func(_ int, w http.ResponseWriter, _ *http.Request) {}
			if err := newTFCTestClient(nil).SendResult(context.Background(), srv.URL+"/cb", tfcTestToken, tt.res); err != nil {
				t.Fatalf("SendResult: %v", err)
			}
			body := srv.requests()[0].Body
			if tt.want != "" {
				if diff := cmp.Diff(tt.want, string(body)); diff != "" {
					t.Errorf("body mismatch (-want +got):\n%s", diff)
				}
				return
			}
			doc := decodeTFCCallback(t, body)
			if doc.Data.Type != "task-results" || doc.Data.Attributes.Status != ResultFailed || doc.Data.Relationships == nil {
				t.Fatalf("unexpected document: %s", body)
			}
			var got []report.Outcome
			for _, o := range doc.Data.Relationships.Outcomes.Data {
				if o.Type != "task-result-outcomes" {
					t.Errorf("outcome type %q", o.Type)
				}
				got = append(got, o.Attributes)
			}
			if diff := cmp.Diff(callbackOutcomesWithURLs(failing, callbackTestResultsURL), got); diff != "" {
				t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPolicyHashes(t *testing.T) {
	if got := PolicyHash([]byte("test")); got != callbackTestPolicyHash {
		t.Errorf("PolicyHash = %s, want the sha256 of the bytes, %s", got, callbackTestPolicyHash)
	}
	builtin := BuiltinPolicyHash()
	if !strings.HasPrefix(builtin, "sha256:") || len(builtin) != len(callbackTestPolicyHash) || builtin != BuiltinPolicyHash() {
		t.Errorf("BuiltinPolicyHash = %q, want a stable sha256:<64 hex>", builtin)
	}
	if builtin == PolicyHash(nil) {
		t.Error("the built-in standard's hash is the hash of nothing")
	}
}
