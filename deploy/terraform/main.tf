# Registers prodgate as a run task of an HCP Terraform / Terraform Enterprise
# organization and attaches it, mandatory by default, to the chosen workspaces:
# a list of IDs, every workspace carrying a set of tags, or both.

data "tfe_workspace_ids" "tagged" {
  count        = length(var.workspace_tags) > 0 ? 1 : 0
  organization = var.organization

  tag_filters {
    include = var.workspace_tags
    exclude = length(var.exclude_workspace_tags) > 0 ? var.exclude_workspace_tags : null
  }
}

locals {
  tagged_workspace_ids = length(var.workspace_tags) > 0 ? toset(values(data.tfe_workspace_ids.tagged[0].ids)) : toset([])
  workspace_ids        = setunion(var.workspace_ids, local.tagged_workspace_ids)
}

resource "tfe_organization_run_task" "prodgate" {
  organization        = var.organization
  name                = var.name
  description         = var.description
  url                 = var.url
  enabled             = var.enabled
  category            = "task"
  hmac_key_wo         = var.hmac_key
  hmac_key_wo_version = var.hmac_key_version

  lifecycle {
    # A gate that guards nothing is a mistake worth stopping for (a tag typo,
    # an empty list): fail the plan rather than register it silently.
    precondition {
      condition     = length(local.workspace_ids) > 0
      error_message = "No workspace to attach prodgate to: workspace_ids is empty and no workspace in ${var.organization} carries the tags ${jsonencode(var.workspace_tags)}."
    }
  }
}

resource "tfe_workspace_run_task" "prodgate" {
  for_each = local.workspace_ids

  workspace_id      = each.value
  task_id           = tfe_organization_run_task.prodgate.id
  enforcement_level = var.enforcement_level
  stages            = var.stages
}
