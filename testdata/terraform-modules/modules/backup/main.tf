variable "target" {
  type = string
}

resource "terraform_data" "vault" {
  count = 2
  input = "vault-${count.index}"

  triggers_replace = [var.target]
}
