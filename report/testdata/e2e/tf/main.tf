# The configuration behind plan.json (hand-written: AWS providers cannot be
# downloaded here). Line numbers matter: the golden reports point at them.
module "orders_db" {
  source = "./modules/db"
  name   = "orders"
}

resource "aws_lb" "public" {
  name     = "orders"
  internal = false

  enable_deletion_protection = true
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-orders-logs"
}

module "network" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"
}
