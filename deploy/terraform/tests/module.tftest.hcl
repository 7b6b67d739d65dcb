# terraform test, against a mocked tfe provider (no HCP Terraform needed, but
# the provider's schema is: deploy/test runs this where the provider can be had).

mock_provider "tfe" {
  mock_data "tfe_workspace_ids" {
    defaults = {
      ids = {
        "payments-prod" = "ws-Payments1"
        "ledger-prod"   = "ws-Ledger22"
      }
    }
  }
}

variables {
  organization = "acme"
  url          = "https://prodgate.example.com/runtask"
  hmac_key     = "0123456789abcdef0123456789abcdef"
}

run "ids_and_tags_are_combined_and_mandatory" {
  command = plan

  variables {
    workspace_ids  = ["ws-Legacy1", "ws-Payments1"]
    workspace_tags = { environment = "production" }
  }

  assert {
    condition     = output.workspace_ids == tolist(["ws-Ledger22", "ws-Legacy1", "ws-Payments1"])
    error_message = "want the union of workspace_ids and the tagged workspaces, each once"
  }
  assert {
    condition     = alltrue([for a in tfe_workspace_run_task.prodgate : a.enforcement_level == "mandatory" && a.stages == tolist(["post_plan"])])
    error_message = "every attachment must be mandatory at post_plan by default"
  }
  assert {
    condition     = tfe_organization_run_task.prodgate.url == "https://prodgate.example.com/runtask" && tfe_organization_run_task.prodgate.hmac_key_wo_version == 1
    error_message = "the run task must point at prodgate with the first key version"
  }
}

run "no_tags_reads_no_workspaces" {
  command = plan

  variables {
    workspace_ids = ["ws-Legacy1"]
    stages        = ["post_plan", "pre_apply"]
  }

  assert {
    condition     = length(data.tfe_workspace_ids.tagged) == 0 && output.workspace_ids == tolist(["ws-Legacy1"])
    error_message = "without workspace_tags the module must not search the organization"
  }
  assert {
    condition     = tfe_workspace_run_task.prodgate["ws-Legacy1"].stages == tolist(["post_plan", "pre_apply"])
    error_message = "stages must reach the attachment"
  }
}

run "a_gate_on_no_workspace_is_refused" {
  command = plan

  expect_failures = [tfe_organization_run_task.prodgate]
}

run "invalid_input_is_refused" {
  command = plan

  variables {
    url               = "http://prodgate.example.com/runtask"
    hmac_key          = "short"
    stages            = ["pre_plan"]
    enforcement_level = "blocking"
    workspace_ids     = ["payments-prod"]
  }

  expect_failures = [var.url, var.hmac_key, var.stages, var.enforcement_level, var.workspace_ids]
}
