variable "env" {
  type    = string
  default = "prod"
}
locals {
  prefix = "acme"
}
provider "genesyscloud" {
  oauthclient_id = <<-EOT
    ${var.env}-client
  EOT
  token_pool_size = 10
  sdk_debug       = !true
  gateway {
    host = "proxy.example.com"
    port = -8080
  }
  name = var.env == "prod" ? "a" : "b"
  all  = [for s in var.list : upper(s)]
  strip = "x ${~ var.env ~} y %{ if true }z%{ endif }"
}

variable "secret" {
  sensitive = true
}
variable "list" { type = list(string) }
variable "region" { default = "eu-west-1" }
