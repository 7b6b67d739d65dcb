# Registers prodgate as a mandatory run task on an HCP Terraform / Terraform
# Enterprise organization and attaches it to production workspaces.
terraform {
  required_providers {
    tfe = {
      source  = "hashicorp/tfe"
      version = ">= 0.58"
    }
  }
}

variable "organization" {
  type        = string
  description = "HCP Terraform organization name."
}

variable "prodgate_url" {
  type        = string
  description = "Public URL of prodgate's run-task endpoint, e.g. https://prodgate.example.com/runtask."
}

variable "hmac_key" {
  type        = string
  sensitive   = true
  description = "Shared HMAC key; give prodgate the same value (PRODGATE_HMAC_KEY)."
}

variable "workspace_ids" {
  type        = set(string)
  description = "Workspaces held to the production-ready standard."
}

resource "tfe_organization_run_task" "prodgate" {
  organization = var.organization
  name         = "prodgate"
  url          = var.prodgate_url
  hmac_key     = var.hmac_key
  enabled      = true
  description  = "Holds every plan to the written production-ready standard (prodgate.yaml)."
}

resource "tfe_workspace_run_task" "prodgate" {
  for_each          = var.workspace_ids
  workspace_id      = each.value
  task_id           = tfe_organization_run_task.prodgate.id
  enforcement_level = "mandatory"
  # Judge the plan after it is made, and again just before apply.
  stages = ["post_plan", "pre_apply"]
}
