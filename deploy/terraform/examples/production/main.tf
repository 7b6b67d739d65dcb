# Holds every production workspace of the organization to the standard:
# those tagged environment=production now and later (on the next apply), plus
# two named by ID, judged after the plan and again just before apply.
#
#   export TFE_TOKEN=...                      # an organization owner's token
#   export TF_VAR_hmac_key=$(openssl rand -hex 32)
#   terraform init && terraform apply
#
# Give prodgate the same key (the chart's hmac.key / PRODGATE_HMAC_KEY) before
# the apply: HCP Terraform verifies the endpoint when the task is created.

terraform {
  required_version = ">= 1.11"

  required_providers {
    tfe = {
      source  = "hashicorp/tfe"
      version = ">= 0.75, < 1.0"
    }
  }
}

provider "tfe" {
  # hostname = "tfe.example.com" # for Terraform Enterprise; HCP Terraform by default
}

variable "hmac_key" {
  type        = string
  sensitive   = true
  ephemeral   = true
  description = "The run task's HMAC key, the same value prodgate has."
}

module "prodgate" {
  source = "../.."

  organization     = "acme"
  url              = "https://prodgate.example.com/runtask"
  hmac_key         = var.hmac_key
  hmac_key_version = 1

  workspace_tags         = { environment = "production" }
  exclude_workspace_tags = { prodgate = "exempt" }
  workspace_ids          = ["ws-PaymentsLegacy1", "ws-LedgerLegacy22"]

  stages = ["post_plan", "pre_apply"]
}

output "attached_workspaces" {
  value = module.prodgate.workspace_ids
}
