# A configuration with local modules, nested two deep, for source locations
# (report/source): generate.sh plans it with terraform_data only, so no
# provider is downloaded. Resource instances made by count and for_each, and
# module instances made by count, all map back to their one block.
variable "rev" {
  type    = string
  default = "1"
}

resource "terraform_data" "db" {
  input = {
    deletion_protection     = true
    backup_retention_period = 14
  }
  triggers_replace = [var.rev]
}

resource "terraform_data" "config" {
  for_each = toset(["eu", "us"])
  input    = "config-${each.key}-${var.rev}"
}

module "storage" {
  source = "./modules/storage"
  name   = "assets"
}

module "regional" {
  source = "./modules/storage"
  count  = 2
  name   = "regional-${count.index}"
}
