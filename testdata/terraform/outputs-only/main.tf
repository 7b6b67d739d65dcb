# A configuration with outputs and no resources: its plan has output_changes
# and an empty planned_values root module, and no resource_changes at all.
output "region" {
  value = "eu-west-1"
}

output "token" {
  value     = "not-a-real-secret"
  sensitive = true
}
