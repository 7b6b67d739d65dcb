variable "name" {
  type = string
}

variable "retention" {
  type      = number
  sensitive = true
}

variable "password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "this" {
  identifier              = var.name
  engine                  = "postgres"
  instance_class          = "db.r6g.large"
  allocated_storage       = 100
  deletion_protection     = false
  backup_retention_period = var.retention
  storage_encrypted       = true
  kms_key_id              = aws_kms_key.db.arn
  multi_az                = true
  password                = var.password
}

resource "aws_kms_key" "db" {
  description = "orders database"
}
