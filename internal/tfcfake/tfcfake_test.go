package tfcfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Vectors computed with
//
//	printf '%s' "$BODY" | openssl dgst -sha512 -hmac "$KEY"
//
// (the docs' `echo -n $BODY | openssl dgst -sha512 -hmac "$KEY"`).
var signVectors = []struct{ body, key, want string }{
	{
		`{"access_token":"test-token","stage":"post_plan"}`, "prodgate-secret",
		"893707f5ba3ec16033823d748f5ee3c134e685bf6bfee6c672780af4d62408279dea75126618dc129c2f805313968afe6f214f7737106329159078b893d35b30",
	},
	{
		"hello", "",
		"01365fbac98a843d2e7d51f75ea17306cdd8b0128b762eb56ded6600656f72a59d1489926910ea5fa81258e7248e683debc58e4c4f08f43521b3fe7a4d2c0a7b",
	},
}

// docsCallbackExample is the complete callback example of the run-task
// integration API page, as written there.
const docsCallbackExample = `{
  "data": {
    "type": "task-results",
    "attributes": {
      "status": "failed",
      "message": "0 passed, 0 skipped, 1 failed",
      "url": "https://external.service.dev/terraform-plan-checker/run-i3Df5to9ELvibKpQ"
    },
    "relationships": {
      "outcomes": {
        "data": [
          {
            "type": "task-result-outcomes",
            "attributes": {
              "outcome-id": "PRTNR-CC-TF-127",
              "description": "ST-2942: S3 Bucket will not enforce MFA login on delete requests",
              "tags": {
                "Status":  [ { "label": "Denied", "level": "error" } ],
                "Severity": [ { "label": "High", "level": "error" }, { "label": "Recoverable", "level": "info" } ],
                "Cost Centre": [ { "label": "IT-OPS" } ]
              },
              "body": "# Resolution for issue ST-2942\n\n## Impact\n\n...",
              "url": "https://external.service.dev/result/PRTNR-CC-TF-127"
            }
          }
        ]
      }
    }
  }
}`

// goTFEWire is go-tfe's TestTaskResultsCallbackRequestOptions_Marshal output.
const goTFEWire = `{"data":{"type":"task-results","attributes":{"message":"4 passed, 0 skipped, 0 failed","status":"passed","url":"https://external.service.dev/terraform-plan-checker/run-i3Df5to9ELvibKpQ"},"relationships":{"outcomes":{"data":[{"type":"task-result-outcomes","attributes":{"body":"...","description":"ST-2942:S3 Bucket will not enforce MFA login on delete requests","outcome-id":"PRTNR-CC-TF-127","tags":{"Cost Centre":[{"label":"IT-OPS"}],"Severity":[{"label":"High","level":"error"},{"label":"Recoverable","level":"info"}],"Status":[{"label":"Denied","level":"error"}]},"url":"https://external.service.dev/result/PRTNR-CC-TF-127"}}]}}}}`

func newServer(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := NewWithOptions(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSignMatchesOpenSSL(t *testing.T) {
	for _, v := range signVectors {
		if got := Sign([]byte(v.body), v.key); got != v.want {
			t.Errorf("Sign(%q, %q) = %s, want %s", v.body, v.key, got, v.want)
		}
	}
}

func TestDeliverHeaders(t *testing.T) {
	type seen struct {
		header http.Header
		body   []byte
		method string
	}
	got := make(chan seen, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Clone(), b, r.Method}
	}))
	defer target.Close()
	s := newServer(t, Options{})

	for _, v := range signVectors {
		status, lat, err := s.Deliver(ctxT(t), target.URL, []byte(v.body), v.key)
		if err != nil || status != 200 || lat <= 0 {
			t.Fatalf("Deliver = %d, %v, %v", status, lat, err)
		}
		r := <-got
		if r.method != http.MethodPost || string(r.body) != v.body {
			t.Errorf("got %s %q", r.method, r.body)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		if ua := r.header.Get("User-Agent"); ua != "TFC/1.0 (+https://app.terraform.io; TFC)" {
			t.Errorf("User-Agent %q", ua)
		}
		sig, present := r.header["X-Tfc-Task-Signature"]
		want := v.want
		if v.key == "" {
			want = "" // no key configured: the header is an empty string
		}
		if !present || len(sig) != 1 || sig[0] != want {
			t.Errorf("key %q: signature header %q (present %v), want %q", v.key, sig, present, want)
		}
	}

	if _, _, err := s.DeliverSigned(ctxT(t), target.URL, []byte("x"), "deadbeef"); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.header.Get("X-Tfc-Task-Signature") != "deadbeef" {
		t.Errorf("DeliverSigned header %q", r.header.Get("X-Tfc-Task-Signature"))
	}
	if _, _, err := s.DeliverWithHeaders(ctxT(t), target.URL, []byte("x"), http.Header{}); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.header["X-Tfc-Task-Signature"] != nil {
		t.Errorf("DeliverWithHeaders without signature still sent %q", r.header["X-Tfc-Task-Signature"])
	}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return m
}

func TestPayload(t *testing.T) {
	s := newServer(t, Options{})
	planID, planURL := s.AddPlan([]byte(`{}`))
	task := s.NewTask(TaskOptions{PlanID: planID, Organization: "acme", Workspace: "prod", CallbackQuery: "a=1&b=2"})
	raw := task.Payload()
	m := decode(t, raw)

	want := []string{"payload_version", "stage", "access_token", "capabilities", "configuration_version_download_url",
		"configuration_version_id", "is_speculative", "organization_name", "plan_json_api_url", "project_id",
		"project_name", "project_app_url", "run_app_url", "run_created_at", "run_created_by", "run_id", "run_message",
		"task_result_callback_url", "task_result_enforcement_level", "task_result_id", "vcs_branch", "vcs_commit_url",
		"vcs_commit_hash", "vcs_pull_request_url", "vcs_repo_url", "workspace_app_url", "workspace_id",
		"workspace_name", "workspace_working_directory"}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("payload lacks %s", k)
		}
	}
	if len(m) != len(want) {
		t.Errorf("payload has %d keys, want %d: %s", len(m), len(want), raw)
	}
	checks := map[string]any{
		"payload_version":               float64(1),
		"stage":                         "post_plan",
		"access_token":                  task.AccessToken,
		"capabilities":                  map[string]any{"outcomes": true},
		"is_speculative":                false,
		"organization_name":             "acme",
		"workspace_name":                "prod",
		"plan_json_api_url":             planURL,
		"task_result_callback_url":      task.CallbackURL,
		"task_result_enforcement_level": "mandatory",
		"task_result_id":                task.ID,
		"run_id":                        task.RunID,
		"vcs_pull_request_url":          nil,
	}
	for k, v := range checks {
		if fmt.Sprint(m[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if !strings.HasPrefix(task.ID, "taskrs-") || !strings.HasPrefix(task.RunID, "run-") {
		t.Errorf("ids %s %s", task.ID, task.RunID)
	}
	if !strings.HasSuffix(task.CallbackURL, "/callback?a=1&b=2") || !strings.HasPrefix(task.CallbackURL, s.URL()+"/api/v2/task-results/") {
		t.Errorf("callback URL %s", task.CallbackURL)
	}
	if !bytes.Contains(raw, []byte("?a=1&b=2")) {
		t.Errorf("callback URL HTML-escaped in payload: %s", raw)
	}
	if _, err := time.Parse(time.RFC3339, m["run_created_at"].(string)); err != nil {
		t.Error(err)
	}

	other := s.NewTask(TaskOptions{PlanID: planID})
	if other.AccessToken == task.AccessToken || other.ID == task.ID {
		t.Error("tokens or IDs repeat")
	}

	pre := decode(t, s.NewTask(TaskOptions{Stage: "pre_plan"}).Payload())
	if _, ok := pre["plan_json_api_url"]; ok {
		t.Error("pre_plan payload has plan_json_api_url")
	}
	typo := decode(t, s.NewTask(TaskOptions{Misspelled: true, NoOutcomes: true}).Payload())
	if _, ok := typo["capabilities"]; ok || fmt.Sprint(typo["capabilitites"]) != "map[outcomes:false]" {
		t.Errorf("misspelled payload: %v / %v", typo["capabilities"], typo["capabilitites"])
	}
	novcs := decode(t, s.NewTask(TaskOptions{NoVCS: true, NoCapabilities: true, PlanURL: "https://foreign.example/p"}).Payload())
	for _, k := range []string{"vcs_branch", "vcs_commit_url", "vcs_commit_hash", "vcs_pull_request_url", "vcs_repo_url"} {
		if v, ok := novcs[k]; !ok || v != nil {
			t.Errorf("NoVCS: %s = %v (present %v)", k, v, ok)
		}
	}
	if _, ok := novcs["capabilities"]; ok || novcs["plan_json_api_url"] != "https://foreign.example/p" {
		t.Errorf("NoCapabilities/PlanURL: %v", novcs)
	}

	v := decode(t, s.VerificationPayload())
	if v["access_token"] != "test-token" || v["task_result_enforcement_level"] != "test" || v["stage"] != "post_plan" || v["payload_version"] != float64(1) {
		t.Errorf("verification payload %v", v)
	}
}

func get(t *testing.T, c *http.Client, u, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestPlanRedirectFlow(t *testing.T) {
	s := newServer(t, Options{})
	plan := []byte(`{"format_version":"1.2","resource_changes":[]}`)
	planID, planURL := s.AddPlan(plan)
	task := s.NewTask(TaskOptions{PlanID: planID})
	stranger := s.NewTask(TaskOptions{})

	if planURL != s.URL()+"/api/v2/plans/"+planID+"/json-output" || task.PlanURL != planURL {
		t.Fatalf("plan URL %s / %s", planURL, task.PlanURL)
	}
	for _, tok := range []string{"", "nope", stranger.AccessToken} {
		resp := get(t, noFollow, planURL, tok)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 401 || !bytes.Contains(body, []byte(`"errors"`)) {
			t.Errorf("token %q: %d %s", tok, resp.StatusCode, body)
		}
	}
	if n := s.PlanFetches(planID); n != 0 {
		t.Errorf("unauthorised fetches counted: %d", n)
	}

	resp := get(t, noFollow, planURL, task.AccessToken)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || !strings.HasPrefix(loc, s.ArchivistURL()+"/_archivist/") {
		t.Fatalf("got %d Location %q", resp.StatusCode, loc)
	}
	if !s.ArchivistIsSeparateHost() {
		t.Log("archivist shares the API host name on this machine")
	} else if u, _ := url.Parse(loc); u.Hostname() == "127.0.0.1" {
		t.Errorf("separate archivist host is %s", u.Host)
	}

	// The default client follows the 307; the token must not reach archivist.
	resp = get(t, http.DefaultClient, planURL, task.AccessToken)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(body, plan) || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("followed: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if s.ArchivistIsSeparateHost() && s.ArchivistSawAuthorization() {
		t.Error("Go's client forwarded Authorization to another host?")
	}
	if s.PlanFetches(planID) != 2 || s.ArchivistFetches(planID) != 1 {
		t.Errorf("fetches %d / %d", s.PlanFetches(planID), s.ArchivistFetches(planID))
	}

	// The download URL is reusable within its life and needs no token;
	// a token sent there is recorded.
	for range 2 {
		r := get(t, noFollow, loc, "")
		if r.StatusCode != 200 {
			t.Fatalf("reuse: %d", r.StatusCode)
		}
	}
	if s.ArchivistSawAuthorization() {
		t.Error("saw Authorization without one being sent")
	}
	get(t, noFollow, loc, task.AccessToken)
	if !s.ArchivistSawAuthorization() {
		t.Error("Authorization at archivist not recorded")
	}

	// Expiry.
	s.SetArchivistTTL(time.Millisecond)
	loc = get(t, noFollow, planURL, task.AccessToken).Header.Get("Location")
	time.Sleep(5 * time.Millisecond)
	if r := get(t, noFollow, loc, ""); r.StatusCode != 404 {
		t.Errorf("expired download URL: %d", r.StatusCode)
	}
	if r := get(t, noFollow, s.URL()+"/_archivist/unknown", ""); r.StatusCode != 404 {
		t.Errorf("unknown download URL: %d", r.StatusCode)
	}
}

// With the archivist on the API's host name, Go's client keeps the
// Authorization header on the redirect, which is why the default is a
// separate host.
func TestSameHostArchivistForwardsToken(t *testing.T) {
	s := newServer(t, Options{SameHostArchivist: true})
	planID, planURL := s.AddPlan([]byte(`{}`))
	task := s.NewTask(TaskOptions{PlanID: planID})
	if r := get(t, http.DefaultClient, planURL, task.AccessToken); r.StatusCode != 200 {
		t.Fatal(r.StatusCode)
	}
	if s.ArchivistIsSeparateHost() || !s.ArchivistSawAuthorization() {
		t.Errorf("separate %v, saw %v", s.ArchivistIsSeparateHost(), s.ArchivistSawAuthorization())
	}
}

func TestPlanBehaviour(t *testing.T) {
	s := newServer(t, Options{})
	planID, planURL := s.AddPlan([]byte(`{}`))
	task := s.NewTask(TaskOptions{PlanID: planID})

	s.SetPlanBehaviour(planID, PlanBehaviour{NotReadyTimes: 2})
	for i, want := range []int{204, 204, 307, 307} {
		if got := get(t, noFollow, planURL, task.AccessToken).StatusCode; got != want {
			t.Errorf("request %d: %d, want %d", i, got, want)
		}
	}
	s.SetPlanBehaviour(planID, PlanBehaviour{FailWith: 500})
	for range 2 {
		r := get(t, noFollow, planURL, task.AccessToken)
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != 500 || !bytes.Contains(b, []byte(`"status":"500"`)) {
			t.Errorf("FailWith: %d %s", r.StatusCode, b)
		}
	}
	s.SetPlanBehaviour(planID, PlanBehaviour{Delay: 50 * time.Millisecond})
	start := time.Now()
	if r := get(t, noFollow, planURL, task.AccessToken); r.StatusCode != 307 || time.Since(start) < 50*time.Millisecond {
		t.Errorf("Delay: %d after %v", r.StatusCode, time.Since(start))
	}
	if n := s.PlanFetches(planID); n != 7 {
		t.Errorf("PlanFetches %d", n)
	}

	// A task whose plan was never added: its token is valid, the plan is not.
	ghost := s.NewTask(TaskOptions{PlanID: "plan-missing"})
	if r := get(t, noFollow, ghost.PlanURL, ghost.AccessToken); r.StatusCode != 404 {
		t.Errorf("missing plan: %d", r.StatusCode)
	}
}

func patch(t *testing.T, u, token, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, u, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const jsonapi = "application/vnd.api+json"

func TestCallbackAcceptsDocumentedBodies(t *testing.T) {
	s := newServer(t, Options{})
	task := s.NewTask(TaskOptions{CallbackQuery: "x=1"})
	if code, body := patch(t, task.CallbackURL, task.AccessToken, jsonapi, docsCallbackExample); code != 200 {
		t.Fatalf("docs example: %d %s", code, body)
	}
	cb, err := s.WaitFinal(ctxT(t), task.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !cb.Accepted || cb.Status != "failed" || cb.Message != "0 passed, 0 skipped, 1 failed" || string(cb.Raw) != docsCallbackExample || cb.Query != "x=1" {
		t.Errorf("recorded %+v", cb)
	}
	if len(cb.Outcomes) != 1 {
		t.Fatalf("outcomes %+v", cb.Outcomes)
	}
	o := cb.Outcomes[0]
	if o.OutcomeID != "PRTNR-CC-TF-127" || o.URL != "https://external.service.dev/result/PRTNR-CC-TF-127" ||
		len(o.Tags["Severity"]) != 2 || o.Tags["Severity"][1] != (Tag{"Recoverable", "info"}) || o.Tags["Cost Centre"][0] != (Tag{Label: "IT-OPS"}) {
		t.Errorf("outcome %+v", o)
	}
	if len(cb.Notes) != 0 {
		t.Errorf("notes %q", cb.Notes)
	}

	task2 := s.NewTask(TaskOptions{})
	if code, body := patch(t, task2.CallbackURL, task2.AccessToken, jsonapi, goTFEWire); code != 200 {
		t.Fatalf("go-tfe wire: %d %s", code, body)
	}
	if cb, _ := s.WaitFinal(ctxT(t), task2.ID); cb.Status != "passed" || s.FinalCount(task2.ID) != 1 {
		t.Errorf("go-tfe wire: %+v", cb)
	}

	// Leniency: an outcome body over the schema's 10000 characters is
	// accepted (the docs allow 5MB) and noted.
	task3 := s.NewTask(TaskOptions{})
	big := fmt.Sprintf(`{"data":{"type":"task-results","attributes":{"status":"running"},"relationships":{"outcomes":{"data":[{"type":"task-result-outcomes","attributes":{"outcome-id":"a","description":"b","body":%q}}]}}}}`, strings.Repeat("x", 20000))
	if code, body := patch(t, task3.CallbackURL, task3.AccessToken, jsonapi, big); code != 200 {
		t.Fatalf("big body: %d %s", code, body)
	}
	if cbs := s.Callbacks(task3.ID); len(cbs) != 1 || len(cbs[0].Notes) != 1 || cbs[0].Final() {
		t.Errorf("big body: %+v", cbs)
	}
}

func TestCallbackRejects(t *testing.T) {
	s := newServer(t, Options{})
	doc := func(attrs, rels string) string {
		d := `{"data":{"type":"task-results","attributes":` + attrs
		if rels != "" {
			d += `,"relationships":` + rels
		}
		return d + `}}`
	}
	outcomes := func(items ...string) string {
		return `{"outcomes":{"data":[` + strings.Join(items, ",") + `]}}`
	}
	outcome := func(attrs string) string { return `{"type":"task-result-outcomes","attributes":` + attrs + `}` }
	tooMany := make([]string, 11)
	for i := range tooMany {
		tooMany[i] = outcome(`{"outcome-id":"x","description":"y"}`)
	}

	bad := map[string]string{
		"not json":             `{`,
		"trailing data":        `{"data":{"type":"task-results","attributes":{"status":"passed"}}} {}`,
		"array":                `[]`,
		"no data":              `{}`,
		"unknown top level":    `{"data":{"type":"task-results","attributes":{"status":"passed"}},"meta":{}}`,
		"included":             `{"data":{"type":"task-results","attributes":{"status":"passed"}},"included":[]}`,
		"wrong type":           `{"data":{"type":"task-result","attributes":{"status":"passed"}}}`,
		"no type":              `{"data":{"attributes":{"status":"passed"}}}`,
		"no attributes":        `{"data":{"type":"task-results"}}`,
		"no status":            doc(`{"message":"m"}`, ""),
		"status errored":       doc(`{"status":"errored"}`, ""),
		"status pending":       doc(`{"status":"pending"}`, ""),
		"status capitalised":   doc(`{"status":"Passed"}`, ""),
		"status number":        doc(`{"status":1}`, ""),
		"key case":             doc(`{"Status":"passed"}`, ""),
		"unknown attribute":    doc(`{"status":"passed","outcomes":[]}`, ""),
		"message too long":     doc(`{"status":"passed","message":"`+strings.Repeat("m", 1001)+`"}`, ""),
		"url too long":         doc(`{"status":"passed","url":"https://x.dev/`+strings.Repeat("u", 490)+`"}`, ""),
		"url relative":         doc(`{"status":"passed","url":"/results/1"}`, ""),
		"unknown relationship": doc(`{"status":"passed"}`, `{"foo":{"data":[]}}`),
		"outcomes not array":   doc(`{"status":"passed"}`, `{"outcomes":{"data":{}}}`),
		"11 outcomes":          doc(`{"status":"passed"}`, outcomes(tooMany...)),
		"outcome wrong type":   doc(`{"status":"passed"}`, `{"outcomes":{"data":[{"type":"outcomes","attributes":{"outcome-id":"x","description":"y"}}]}}`),
		"outcome no id":        doc(`{"status":"passed"}`, outcomes(outcome(`{"description":"y"}`))),
		"outcome id empty":     doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"","description":"y"}`))),
		"outcome id 65":        doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"`+strings.Repeat("i", 65)+`","description":"y"}`))),
		"outcome_id spelling":  doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome_id":"x","description":"y"}`))),
		"no description":       doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x"}`))),
		"description 1001":     doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"`+strings.Repeat("d", 1001)+`"}`))),
		"outcome url bad":      doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"y","url":"nope"}`))),
		"tags not object":      doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"y","tags":[]}`))),
		"tag not array":        doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"y","tags":{"Status":{"label":"a"}}}`))),
		"label too long":       doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"y","tags":{"Status":[{"label":"`+strings.Repeat("l", 33)+`"}]}}`))),
		"label missing":        doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"y","tags":{"Status":[{"level":"info"}]}}`))),
		"level bad":            doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"y","tags":{"Status":[{"label":"a","level":"critical"}]}}`))),
		"level empty":          doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"y","tags":{"Status":[{"label":"a","level":""}]}}`))),
		"tag unknown member":   doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"y","tags":{"Status":[{"label":"a","color":"red"}]}}`))),
		"11 tag keys":          doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"y","tags":{"a":[{"label":"1"}],"b":[{"label":"1"}],"c":[{"label":"1"}],"d":[{"label":"1"}],"e":[{"label":"1"}],"f":[{"label":"1"}],"g":[{"label":"1"}],"h":[{"label":"1"}],"i":[{"label":"1"}],"j":[{"label":"1"}],"k":[{"label":"1"}]}}`))),
		"body over 5MB":        doc(`{"status":"passed"}`, outcomes(outcome(`{"outcome-id":"x","description":"y","body":"`+strings.Repeat("b", 5<<20+1)+`"}`))),
	}
	task := s.NewTask(TaskOptions{})
	n := 0
	for name, body := range bad {
		code, resp := patch(t, task.CallbackURL, task.AccessToken, jsonapi, body)
		n++
		if code != 422 || !strings.Contains(resp, `"errors"`) {
			t.Errorf("%s: %d %s", name, code, resp)
		}
	}
	cbs := s.Callbacks(task.ID)
	if len(cbs) != n {
		t.Fatalf("recorded %d of %d", len(cbs), n)
	}
	for _, cb := range cbs {
		if cb.Accepted || cb.Code != 422 || cb.Reason == "" {
			t.Errorf("recorded %+v", cb)
		}
	}

	good := doc(`{"status":"passed"}`, "")
	for _, c := range []struct {
		name, token, ct string
		want            int
	}{
		{"no token", "", jsonapi, 401},
		{"other token", s.NewTask(TaskOptions{}).AccessToken, jsonapi, 401},
		{"no content type", task.AccessToken, "", 415},
		{"application/json", task.AccessToken, "application/json", 415},
		{"media type parameter", task.AccessToken, jsonapi + "; charset=utf-8", 415},
	} {
		if code, resp := patch(t, task.CallbackURL, c.token, c.ct, good); code != c.want || !strings.Contains(resp, `"errors"`) {
			t.Errorf("%s: %d %s", c.name, code, resp)
		}
	}
	// "Authorization: Basic" and a GET are refused too.
	req, _ := http.NewRequest(http.MethodPatch, task.CallbackURL, strings.NewReader(good))
	req.SetBasicAuth("x", task.AccessToken)
	req.Header.Set("Content-Type", jsonapi)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("basic auth: %v %v", resp.StatusCode, err)
	}
	if resp, err := http.Get(task.CallbackURL); err != nil || resp.StatusCode != 405 {
		t.Errorf("GET: %v %v", resp.StatusCode, err)
	}
	if s.FinalCount(task.ID) != 0 {
		t.Error("a refused callback counted as final")
	}

	// Unknown callback URL (e.g. the verification payload's).
	v := decode(t, s.VerificationPayload())
	if code, _ := patch(t, v["task_result_callback_url"].(string), "test-token", jsonapi, good); code != 404 {
		t.Errorf("stray: %d", code)
	}
	if st := s.StrayCallbacks(); len(st) != 1 || st[0].Status != "passed" {
		t.Errorf("stray %+v", st)
	}

	// Finally the good body is accepted.
	if code, resp := patch(t, task.CallbackURL, task.AccessToken, jsonapi, good); code != 200 {
		t.Errorf("good: %d %s", code, resp)
	}
}

func TestLateFinalRefused(t *testing.T) {
	s := newServer(t, Options{})
	task := s.NewTask(TaskOptions{})
	body := func(status string) string {
		return `{"data":{"type":"task-results","attributes":{"status":"` + status + `","message":"m"}}}`
	}
	steps := []struct {
		status string
		want   int
	}{{"running", 200}, {"running", 200}, {"passed", 200}, {"failed", 422}, {"passed", 422}, {"running", 422}}
	for i, st := range steps {
		if code, resp := patch(t, task.CallbackURL, task.AccessToken, jsonapi, body(st.status)); code != st.want {
			t.Errorf("step %d (%s): %d %s", i, st.status, code, resp)
		}
	}
	cb, err := s.WaitFinal(ctxT(t), task.ID)
	if err != nil || cb.Status != "passed" {
		t.Fatalf("WaitFinal %+v %v", cb, err)
	}
	if n := s.FinalCount(task.ID); n != 3 {
		t.Errorf("FinalCount %d, want 3", n)
	}
	cbs := s.Callbacks(task.ID)
	late := 0
	for _, c := range cbs {
		if c.LateFinal {
			late++
		}
	}
	if late != 2 || cbs[5].LateFinal || cbs[5].Accepted {
		t.Errorf("late finals %d: %+v", late, cbs)
	}
}

func TestCallbackFailuresAndWait(t *testing.T) {
	s := newServer(t, Options{})
	task := s.NewTask(TaskOptions{})
	s.SetCallbackFailures(task.ID, 503, 429)
	good := `{"data":{"type":"task-results","attributes":{"status":"failed"}}}`

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.WaitFinal(ctx, task.ID); err == nil {
		t.Fatal("WaitFinal returned before any callback")
	}

	done := make(chan Callback)
	go func() {
		cb, err := s.WaitFinal(ctxT(t), task.ID)
		if err != nil {
			t.Error(err)
		}
		done <- cb
	}()
	for _, want := range []int{503, 429, 200} {
		if code, _ := patch(t, task.CallbackURL, task.AccessToken, jsonapi, good); code != want {
			t.Errorf("got %d, want %d", code, want)
		}
	}
	if cb := <-done; cb.Status != "failed" || !cb.Accepted {
		t.Errorf("WaitFinal %+v", cb)
	}
	cbs, err := s.WaitCallbacks(ctxT(t), task.ID, 3)
	if err != nil || len(cbs) != 3 || cbs[0].Code != 503 || cbs[1].Code != 429 || s.FinalCount(task.ID) != 1 {
		t.Errorf("callbacks %+v %v", cbs, err)
	}
	if _, err := s.WaitFinal(ctxT(t), "taskrs-unknown"); err == nil {
		t.Error("WaitFinal on unknown task")
	}
}

func TestConcurrentTasks(t *testing.T) {
	s := newServer(t, Options{})
	planID, _ := s.AddPlan([]byte(`{"ok":true}`))
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task := s.NewTask(TaskOptions{PlanID: planID})
			req, _ := http.NewRequest(http.MethodGet, task.PlanURL, nil)
			req.Header.Set("Authorization", "Bearer "+task.AccessToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("%d: plan %v %v", i, resp, err)
				return
			}
			resp.Body.Close()
			for _, st := range []string{"running", "passed"} {
				body := `{"data":{"type":"task-results","attributes":{"status":"` + st + `"}}}`
				req, _ := http.NewRequest(http.MethodPatch, task.CallbackURL, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+task.AccessToken)
				req.Header.Set("Content-Type", jsonapi)
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != 200 {
					t.Errorf("%d: callback %v %v", i, resp, err)
					return
				}
				resp.Body.Close()
			}
			if cb, err := s.WaitFinal(ctxT(t), task.ID); err != nil || cb.Status != "passed" || s.FinalCount(task.ID) != 1 {
				t.Errorf("%d: %+v %v", i, cb, err)
			}
		}()
	}
	wg.Wait()
	if n := s.PlanFetches(planID); n != 20 {
		t.Errorf("PlanFetches %d", n)
	}
}

// TestHoldFinalTakesAResultWhoseAnswerIsNotAwaited: a held final is taken
// although the client hung up before the answer, as HCP Terraform would;
// running callbacks are not held.
func TestHoldFinalTakesAResultWhoseAnswerIsNotAwaited(t *testing.T) {
	s := newServer(t, Options{})
	task := s.NewTask(TaskOptions{})
	arrived := s.HoldFinal(task.ID, 300*time.Millisecond)
	body := func(status string) string {
		return `{"data":{"type":"task-results","attributes":{"status":"` + status + `","message":"m"}}}`
	}
	start := time.Now()
	if code, _ := patch(t, task.CallbackURL, task.AccessToken, jsonapi, body("running")); code != 200 || time.Since(start) > 200*time.Millisecond {
		t.Errorf("running: %d after %s, want 200 at once", code, time.Since(start))
	}
	select {
	case <-arrived:
		t.Fatal("a running callback counted as the final's arrival")
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPatch, task.CallbackURL, strings.NewReader(body("passed")))
	req.Header.Set("Authorization", "Bearer "+task.AccessToken)
	req.Header.Set("Content-Type", jsonapi)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the held final was answered before the client gave up")
	}
	<-arrived
	if cb, err := s.WaitFinal(ctxT(t), task.ID); err != nil || cb.Status != "passed" || s.FinalCount(task.ID) != 1 {
		t.Errorf("WaitFinal %+v %v, final count %d; want the final taken once", cb, err, s.FinalCount(task.ID))
	}
}
