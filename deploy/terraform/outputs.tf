output "run_task_id" {
  description = "ID of the organization run task (task-...)."
  value       = tfe_organization_run_task.prodgate.id
}

output "workspace_ids" {
  description = "Workspaces prodgate is attached to."
  value       = sort(tolist(local.workspace_ids))
}

output "workspace_run_task_ids" {
  description = "Attachment ID per workspace ID."
  value       = { for ws, a in tfe_workspace_run_task.prodgate : ws => a.id }
}

output "tagged_workspaces" {
  description = "Workspaces matched by workspace_tags, name to ID (empty without workspace_tags)."
  value       = length(var.workspace_tags) > 0 ? data.tfe_workspace_ids.tagged[0].ids : {}
}
