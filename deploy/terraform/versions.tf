terraform {
  # 1.11: write-only arguments (hmac_key_wo), so the HMAC key never enters the state or the plan.
  required_version = ">= 1.11"

  required_providers {
    tfe = {
      source = "hashicorp/tfe"
      # 0.75: hmac_key_wo_version on tfe_organization_run_task; 0.65: tag_filters on tfe_workspace_ids.
      version = ">= 0.75, < 1.0"
    }
  }
}
