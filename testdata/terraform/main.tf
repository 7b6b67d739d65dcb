# A real Terraform configuration that needs no provider download: the built-in
# terraform_data resource stands in for a stateful resource. generate.sh applies
# revision 1, then plans revision 2, which replaces terraform_data.db.
variable "rev" {
  type    = string
  default = "1"
}

resource "terraform_data" "db" {
  input            = { deletion_protection = true, backup_retention_period = 14 }
  triggers_replace = [var.rev]
}

resource "terraform_data" "config" {
  for_each = toset(["eu", "us"])
  input    = "config-${each.key}-${var.rev}"
}
