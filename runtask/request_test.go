package runtask

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name         string
		body         string
		wantStage    Stage
		wantOutcomes bool
		wantProject  string
		wantErr      string
	}{
		{"the documented payload", `{"payload_version":1,"stage":"post_plan","access_token":"t","capabilities":{"outcomes":true},"project_name":"Default Project","vcs_pull_request_url":null,"future_field":{"x":1}}`,
			StagePostPlan, true, "Default Project", ""},
		{"go-tfe's misspelled capabilities", `{"stage":"pre_apply","capabilitites":{"outcomes":true}}`, StagePreApply, true, "", ""},
		{"no capabilities means no outcomes", `{"stage":"post_apply"}`, StagePostApply, false, "", ""},
		{"hyphenated stage is normalised", `{"stage":"Post-Plan"}`, StagePostPlan, false, "", ""},
		{"not JSON", `stage=post_plan`, "", false, "", "decode run-task request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := DecodeRequest([]byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []any{r.Stage, r.Capabilities.Outcomes, r.ProjectName}
			if diff := cmp.Diff([]any{tc.wantStage, tc.wantOutcomes, tc.wantProject}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestValidate(t *testing.T) {
	base := func() Request {
		return Request{Stage: StagePostPlan, AccessToken: "t", TaskResultID: "taskrs-1",
			TaskResultCallbackURL: "https://app.terraform.io/cb", PlanJSONAPIURL: "https://app.terraform.io/plan"}
	}
	tests := []struct {
		name   string
		mutate func(*Request)
		want   string
	}{
		{"a complete request is valid", func(*Request) {}, ""},
		{"pre_plan needs no plan URL", func(r *Request) { r.Stage, r.PlanJSONAPIURL = StagePrePlan, "" }, ""},
		{"missing ids are named", func(r *Request) { r.TaskResultID, r.TaskResultCallbackURL = "", "" }, "lacks task_result_id, task_result_callback_url"},
		{"an unknown stage", func(r *Request) { r.Stage = "mid_plan" }, `unknown stage "mid_plan"`},
		{"post_plan without a plan URL", func(r *Request) { r.PlanJSONAPIURL = "" }, "has no plan_json_api_url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.mutate(&r)
			err := r.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want %q, got %v", tc.want, err)
			}
		})
	}
}

func TestSignerVerify(t *testing.T) {
	body := []byte(`{"payload_version":1}`)
	// Computed with: echo -n '{"payload_version":1}' | openssl dgst -sha512 -hmac current
	const want = "4467d52d98b170a0941fffb81dea4b9a79925ee11c4d9cdc023a5518f3ad9b713496f4448eee978149bc7455dd61970e08759d517cc3c60288be9403f1873b33"
	signer, err := NewSigner("current", "previous")
	if err != nil {
		t.Fatal(err)
	}
	sig := signer.Sign(body)
	if sig != want {
		t.Fatalf("Sign = %s, want openssl's %s", sig, want)
	}
	tests := []struct {
		name, signature string
		want            bool
	}{
		{"the current key's signature", sig, true},
		{"upper-case hex", strings.ToUpper(sig), true},
		{"the previous key's signature during rotation", Sign([]byte("previous"), body), true},
		{"another key's signature", Sign([]byte("other"), body), false},
		{"an empty header", "", false},
		{"not hex", "zz", false},
		{"a truncated signature", sig[:64], false},
	}
	for _, tc := range tests {
		if got := signer.Verify(body, tc.signature); got != tc.want {
			t.Errorf("%s: Verify = %v, want %v", tc.name, got, tc.want)
		}
	}
	if signer.Verify([]byte(`{"payload_version":2}`), sig) {
		t.Error("a signature must not verify a different body")
	}
	if _, err := NewSigner(); err == nil {
		t.Error("NewSigner with no key must fail")
	}
	if _, err := NewSigner("a", "b", "c"); err == nil {
		t.Error("NewSigner with three keys must fail")
	}
}

func TestSealAndLinks(t *testing.T) {
	old := newSecrets([]string{"old-key"})
	sealed, err := old.sealBytes([]byte(`{"access_token":"secret-token"}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "secret-token") {
		t.Fatal("the sealed request shows the token")
	}
	rotated := newSecrets([]string{"new-key", "old-key"})
	plain, err := rotated.open(sealed)
	if err != nil || string(plain) != `{"access_token":"secret-token"}` {
		t.Fatalf("open with the previous key during rotation: %q %v", plain, err)
	}
	if _, err := newSecrets([]string{"unrelated"}).open(sealed); err == nil {
		t.Error("a different key must not open the request")
	}
	if _, err := rotated.open(sealed[:5]); err == nil {
		t.Error("a cut-off sealed request must not open")
	}
	sig := rotated.linkSignature("taskrs-1")
	if !rotated.validLink("taskrs-1", sig) || rotated.validLink("taskrs-2", sig) || rotated.validLink("taskrs-1", "") {
		t.Error("results links must verify only for their own task")
	}
}

// requestDecodingSamples are payloads as HCP Terraform and Terraform
// Enterprise send them, and the odd shapes a decoder must get right.
var requestDecodingSamples = []string{
	`{"payload_version":1,"stage":"post_plan","access_token":"4QEuyyxug1f2rw.atlasv1.iDyxqhXGVZ0ykes53YdQyHyYtFOrdAWNBxcVUgWvzb64NFHjcquu8gJMEdUwoSLRu4Q","capabilities":{"outcomes":true},"configuration_version_download_url":"https://app.terraform.io/api/v2/configuration-versions/cv-ntv3HbhJqvFzamy7/download","configuration_version_id":"cv-ntv3HbhJqvFzamy7","is_speculative":false,"organization_name":"hashicorp","plan_json_api_url":"https://app.terraform.io/api/v2/plans/plan-6AFmRJW1PFJ7qbAh/json-output","project_id":"prj-1","project_name":"Default Project","project_app_url":"https://app.terraform.io/app/hashicorp/projects/prj-1","run_app_url":"https://app.terraform.io/app/hashicorp/my-workspace/runs/run-i3Df5to9ELvibKpQ","run_created_at":"2021-09-02T14:47:13.036Z","run_created_by":"username","run_id":"run-i3Df5to9ELvibKpQ","run_message":"Triggered via UI","task_result_callback_url":"https://app.terraform.io/api/v2/task-results/5ea8d46c-2ceb-42cd-83f2-82e54697bddd/callback","task_result_enforcement_level":"mandatory","task_result_id":"taskrs-2nH5dncYoXaMVQmJ","vcs_branch":"main","vcs_commit_url":"https://github.com/hashicorp/terraform-random/commit/7d8fb2a2d601edebdb7a59ad2088a96673637d22","vcs_pull_request_url":null,"vcs_repo_url":"https://github.com/hashicorp/terraform-random","workspace_app_url":"https://app.terraform.io/app/hashicorp/my-workspace","workspace_id":"ws-ck4G5bb1Yei5szRh","workspace_name":"tfr_github_0","workspace_working_directory":"/terraform"}`,
	`{"stage":"pre_apply","capabilitites":{"outcomes":true},"run_message":"Merge \"fix\" into main\n\nCo-authored-by: Zoë <z@example.com>","workspace_name":"wörk-space ☃","future":{"nested":[1,-2.5e+3,true,null,{"x":"\u00e9"}]}}`,
	`{"stage":"post_plan","capabilities":null,"payload_version":null,"is_speculative":true,"run_id":null}`,
	`{"stage":"a","stage":null,"capabilities":{"outcomes":true},"capabilities":{"other":1}}`,
	`{"Stage":"post_plan"}`,
	`{"st\u0061ge":"post_plan"}`,
	`{"payload_version":1.5}`,
	`{"payload_version":"1"}`,
	`{"stage":1}`,
	`{"run_message":"bad utf-8 \xff here"}`,
	` { "stage" : "post_plan" , "capabilities" : { "outcomes" : false , "Outcomes" : true } } `,
	`{"stage":"post_plan"} trailing`,
	`{"stage":"post_plan",}`,
	`null`,
	`[]`,
	`{}`,
	`{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	`{"a":01}`,
	`{"a":"\x01"}`,
	`{"a":"\u12"}`,
	`{"a":tru}`,
}

// TestDecodeRequestFastPath: the one-pass decoder takes the payloads HCP
// Terraform sends (escapes, non-ASCII, nulls, unknown nested fields) rather
// than handing them to encoding/json, and agrees with it.
func TestDecodeRequestFastPath(t *testing.T) {
	for i, body := range requestDecodingSamples[:4] {
		if _, _, _, ok := decodeRequestFast([]byte(body)); !ok {
			t.Errorf("sample %d: the fast decoder declined %s", i, body)
		}
	}
	for _, body := range requestDecodingSamples {
		checkRequestDecodersAgree(t, []byte(body))
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, body := range requestDecodingSamples {
		f.Add([]byte(body))
	}
	f.Fuzz(checkRequestDecodersAgree)
}

// checkRequestDecodersAgree: whatever the fast decoder accepts,
// encoding/json accepts and reads the same way.
func checkRequestDecodersAgree(t *testing.T, body []byte) {
	r, caps, misspelled, ok := decodeRequestFast(body)
	if !ok {
		return
	}
	w, err := decodeRequestJSON(body)
	if err != nil {
		t.Fatalf("fast decoder accepted what encoding/json refuses (%v): %q", err, body)
	}
	if diff := cmp.Diff(requestJSON{Request: r, Capabilities: caps, Capabilitites: misspelled}, w); diff != "" {
		t.Fatalf("decoders disagree on %q (-fast +encoding/json):\n%s", body, diff)
	}
}

// TestFastDecoderKnowsEveryRequestField: each field encoding/json reads into
// a Request is read by the one-pass decoder too; a field added to Request
// alone would be left empty by it.
func TestFastDecoderKnowsEveryRequestField(t *testing.T) {
	fast := map[string]bool{"payload_version": true, "is_speculative": true, "capabilities": true, "capabilitites": true, "outcomes": true}
	var r Request
	for _, key := range requestKeys() {
		if !fast[key] && r.stringField(key) == nil {
			t.Errorf("the one-pass decoder does not read %q (add it to Request.stringField or decodeRequestFast)", key)
		}
	}
	if len(requestKeys()) < 30 {
		t.Errorf("only %d keys found in requestJSON's tags: %v", len(requestKeys()), requestKeys())
	}
}
