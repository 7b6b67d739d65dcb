// Package runtask is prodgate's HCP Terraform / Terraform Enterprise run-task
// service: it verifies and accepts run-task requests, keeps them as durable
// jobs, fetches the plan with the run's token, judges it with the evaluator and
// calls back with the verdict, one outcome per finding and a results page.
package runtask

import (
	"encoding/json"
	"fmt"
	"strings"
)

// VerificationToken is the access token HCP Terraform sends when a run task is
// created or its HMAC key changes; such a request only checks the endpoint.
const VerificationToken = "test-token"

// Stage is the run stage a request belongs to.
type Stage string

const (
	StagePrePlan   Stage = "pre_plan"
	StagePostPlan  Stage = "post_plan"
	StagePreApply  Stage = "pre_apply"
	StagePostApply Stage = "post_apply"
)

// HasPlan says whether requests of this stage carry a plan to judge.
func (s Stage) HasPlan() bool { return s == StagePostPlan || s == StagePreApply || s == StagePostApply }

// Capabilities are what the caller accepts in callbacks.
type Capabilities struct {
	Outcomes bool `json:"outcomes"`
}

// Request is the run-task payload HCP Terraform POSTs. It is prodgate's own,
// tolerant struct: go-tfe's RunTaskRequest reads only the misspelled
// "capabilitites" and lacks the project_* and vcs_commit_hash fields. Fields
// documented as nullable decode to "". Unknown fields are ignored.
type Request struct {
	PayloadVersion int    `json:"payload_version"`
	Stage          Stage  `json:"stage"`
	AccessToken    string `json:"access_token"`
	// Capabilities merges "capabilities" and the misspelled "capabilitites".
	Capabilities                    Capabilities `json:"-"`
	ConfigurationVersionDownloadURL string       `json:"configuration_version_download_url"`
	ConfigurationVersionID          string       `json:"configuration_version_id"`
	IsSpeculative                   bool         `json:"is_speculative"`
	OrganizationName                string       `json:"organization_name"`
	PlanJSONAPIURL                  string       `json:"plan_json_api_url"`
	ProjectID                       string       `json:"project_id"`
	ProjectName                     string       `json:"project_name"`
	ProjectAppURL                   string       `json:"project_app_url"`
	RunAppURL                       string       `json:"run_app_url"`
	RunCreatedAt                    string       `json:"run_created_at"`
	RunCreatedBy                    string       `json:"run_created_by"`
	RunID                           string       `json:"run_id"`
	RunMessage                      string       `json:"run_message"`
	TaskResultCallbackURL           string       `json:"task_result_callback_url"`
	TaskResultEnforcementLevel      string       `json:"task_result_enforcement_level"`
	TaskResultID                    string       `json:"task_result_id"`
	VCSBranch                       string       `json:"vcs_branch"`
	VCSCommitURL                    string       `json:"vcs_commit_url"`
	VCSCommitHash                   string       `json:"vcs_commit_hash"`
	VCSPullRequestURL               string       `json:"vcs_pull_request_url"`
	VCSRepoURL                      string       `json:"vcs_repo_url"`
	WorkspaceAppURL                 string       `json:"workspace_app_url"`
	WorkspaceID                     string       `json:"workspace_id"`
	WorkspaceName                   string       `json:"workspace_name"`
	WorkspaceWorkingDirectory       string       `json:"workspace_working_directory"`
}

// IsVerification reports whether this is the endpoint check HCP Terraform
// sends when the run task is created; it is answered 200 and never called back.
func (r *Request) IsVerification() bool { return r.AccessToken == VerificationToken }

// DecodeRequest reads a run-task payload. It accepts both spellings of
// capabilities, and normalises stage spellings such as "post-plan".
func DecodeRequest(body []byte) (*Request, error) {
	var w requestJSON
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("decode run-task request: %w", err)
	}
	r := w.Request
	r.Capabilities.Outcomes = w.Capabilities.Outcomes || w.Capabilitites.Outcomes
	r.Stage = Stage(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(string(r.Stage))), "-", "_"))
	return &r, nil
}

// requestJSON is the payload with both spellings of capabilities.
type requestJSON struct {
	Request
	Capabilities  Capabilities `json:"capabilities"`
	Capabilitites Capabilities `json:"capabilitites"`
}

// Validate checks that a non-verification request has what the work needs.
func (r *Request) Validate() error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"task_result_id", r.TaskResultID},
		{"task_result_callback_url", r.TaskResultCallbackURL},
		{"access_token", r.AccessToken},
		{"stage", string(r.Stage)},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("run-task request lacks %s", strings.Join(missing, ", "))
	}
	switch r.Stage {
	case StagePrePlan, StagePostPlan, StagePreApply, StagePostApply:
	default:
		return fmt.Errorf("run-task request has unknown stage %q (known: pre_plan, post_plan, pre_apply, post_apply)", r.Stage)
	}
	if r.Stage.HasPlan() && r.PlanJSONAPIURL == "" {
		return fmt.Errorf("run-task request for stage %s has no plan_json_api_url", r.Stage)
	}
	return nil
}
