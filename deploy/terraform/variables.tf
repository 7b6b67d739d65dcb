variable "organization" {
  type        = string
  description = "HCP Terraform / Terraform Enterprise organization the run task is created in."

  validation {
    condition     = length(trimspace(var.organization)) > 0
    error_message = "organization must name an organization."
  }
}

variable "name" {
  type        = string
  default     = "prodgate"
  description = "Name of the run task in the organization (letters, digits, - and _)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+$", var.name))
    error_message = "name may contain only letters, digits, - and _ (HCP Terraform's rule for run task names)."
  }
}

variable "description" {
  type        = string
  default     = "Holds every plan to the written production-ready standard (prodgate.yaml) before apply."
  description = "Description shown on the run task in HCP Terraform."
}

variable "url" {
  type        = string
  description = "prodgate's run-task endpoint as HCP Terraform reaches it: the service's external URL plus its --path, e.g. https://prodgate.example.com/runtask."

  validation {
    condition     = can(regex("^https://[^/?#]+(/[^?#]*)?$", var.url))
    error_message = "url must be an https:// URL without query or fragment (HCP Terraform sends the run's token to it), e.g. https://prodgate.example.com/runtask."
  }
}

variable "hmac_key" {
  type        = string
  sensitive   = true
  ephemeral   = true
  description = "The run task's HMAC key: HCP Terraform signs each request with it, prodgate (PRODGATE_HMAC_KEY) verifies. Sent write-only: it never enters the state or a saved plan, so it must be given on every plan and apply."

  validation {
    condition     = length(var.hmac_key) >= 32
    error_message = "hmac_key must be at least 32 characters (prodgate serve --generate-hmac-key makes 64 hex characters; openssl rand -hex 32 does too)."
  }
}

variable "hmac_key_version" {
  type        = number
  default     = 1
  description = "Raise it (2, 3, ...) to send a new hmac_key to HCP Terraform: a write-only key is not stored, so Terraform cannot see that it changed."

  validation {
    condition     = var.hmac_key_version >= 1 && floor(var.hmac_key_version) == var.hmac_key_version
    error_message = "hmac_key_version must be a whole number, 1 or more."
  }
}

variable "enabled" {
  type        = bool
  default     = true
  description = "Whether HCP Terraform runs the task. false keeps the attachments but skips the gate in every workspace: leave it true in production."
}

variable "workspace_ids" {
  type        = set(string)
  default     = []
  description = "Workspaces (ws-...) held to the standard. Combined with workspace_tags."

  validation {
    condition     = alltrue([for id in var.workspace_ids : can(regex("^ws-[A-Za-z0-9]+$", id))])
    error_message = "workspace_ids must be workspace IDs like ws-AbC123 (names do not work here; use workspace_tags or a tfe_workspace data source)."
  }
}

variable "workspace_tags" {
  type        = map(string)
  default     = {}
  description = "Every workspace carrying all of these key-value tags is held to the standard, e.g. { environment = \"production\" }. Workspaces tagged later are attached on the next apply. Combined with workspace_ids."

  validation {
    condition     = alltrue([for k, v in var.workspace_tags : length(trimspace(k)) > 0])
    error_message = "workspace_tags keys must not be empty."
  }
}

variable "exclude_workspace_tags" {
  type        = map(string)
  default     = {}
  description = "Workspaces carrying any of these tags are left out of the workspace_tags match (\"*\" as the value matches any value of the key)."
}

variable "stages" {
  type        = list(string)
  default     = ["post_plan"]
  description = "Run stages the task judges: post_plan (the plan, before anyone can confirm the apply), and optionally pre_apply (again just before apply) or post_apply."

  validation {
    condition     = length(var.stages) > 0 && alltrue([for s in var.stages : contains(["post_plan", "pre_apply", "post_apply"], s)])
    error_message = "stages must be one or more of post_plan, pre_apply, post_apply (pre_plan has no plan to judge)."
  }

  validation {
    condition     = length(distinct(var.stages)) == length(var.stages)
    error_message = "stages must not repeat a stage."
  }
}

variable "enforcement_level" {
  type        = string
  default     = "mandatory"
  description = "mandatory: a failed gate stops the run. advisory only reports; meant for a trial period before going mandatory."

  validation {
    condition     = contains(["mandatory", "advisory"], var.enforcement_level)
    error_message = "enforcement_level must be mandatory or advisory."
  }
}
