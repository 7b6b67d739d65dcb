variable "name" {
  type = string
}

resource "terraform_data" "bucket" {
  input = {
    name       = var.name
    versioning = true
  }
}

module "backup" {
  source = "../backup"
  target = terraform_data.bucket.id
}
