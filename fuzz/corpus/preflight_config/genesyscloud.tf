terraform {
  required_providers {
    genesyscloud = {
      source  = "mypurecloud/genesyscloud"
      version = "~> 1.40"
    }
  }
}

variable "oauthclient_id" {
  type = string
}

variable "oauthclient_secret" {
  type      = string
  sensitive = true
}

provider "genesyscloud" {
  oauthclient_id     = var.oauthclient_id
  oauthclient_secret = var.secret
  aws_region         = "eu-west-1"
}

resource "genesyscloud_user" "agent" {
  email = "agent@example.com"
  name  = "Agent"
}

variable "secret" {
  sensitive = true
}
variable "list" { type = list(string) }
variable "region" { default = "eu-west-1" }
