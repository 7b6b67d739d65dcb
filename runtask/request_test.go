package runtask

import (
	"encoding/json"
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
		{"null capabilities and fields read as absent", `{"stage":"post_plan","capabilities":null,"project_name":null}`, StagePostPlan, false, "", ""},
		{"keys match without regard to case, as encoding/json does", `{"STAGE":"pre_plan","Capabilities":{"Outcomes":true}}`, StagePrePlan, true, "", ""},
		{"a wrongly typed field is refused", `{"stage":1}`, "", false, "", "decode run-task request"},
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

// FuzzDecodeRequest: whatever the body, decoding never panics, and a
// request it reads has a normalised stage and survives a round trip.
func FuzzDecodeRequest(f *testing.F) {
	for _, body := range []string{
		`{"payload_version":1,"stage":"post_plan","access_token":"t","capabilities":{"outcomes":true},"task_result_id":"taskrs-1"}`,
		`{"stage":"Pre-Apply","capabilitites":{"outcomes":true},"run_message":"Merge \"fix\"\n\u00e9","future":{"nested":[1,-2.5e+3,true,null]}}`,
		`{"stage":"post_plan","capabilities":null,"payload_version":null,"run_id":null}`,
		`{"Stage":"post_plan"}`, `{"stage":1}`, `null`, `[]`, `{"a":01}`,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeRequest(body)
		if err != nil {
			return
		}
		if s := string(r.Stage); s != strings.ToLower(s) || strings.Contains(s, "-") {
			t.Fatalf("stage %q is not normalised", s)
		}
		again, err := json.Marshal(requestJSON{Request: *r, Capabilities: r.Capabilities})
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeRequest(again)
		if err != nil {
			t.Fatalf("a decoded request does not decode again: %v", err)
		}
		if diff := cmp.Diff(r, back); diff != "" {
			t.Fatalf("round trip changed the request (-first +again):\n%s", diff)
		}
	})
}
