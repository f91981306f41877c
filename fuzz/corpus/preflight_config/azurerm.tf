terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "~> 4.0" }
    azuread = "~> 2.47"
  }
  backend "remote" {
    organization = "acme"
    workspaces { name = "prod" }
  }
}

variable "tenant_id" { default = "00000000-0000-0000-0000-000000000000" }

provider "azurerm" {
  features {}
  subscription_id = "11111111-1111-1111-1111-111111111111"
  tenant_id       = var.tenant_id
  client_id       = "${var.region}-app"
  client_secret   = var.secret
  use_oidc        = false
  environment     = local.cloud
}

provider "azuread" {
  alias     = "other"
  tenant_id = data.azurerm_client_config.current.tenant_id
}

data "azurerm_client_config" "current" {}

variable "secret" {
  sensitive = true
}
variable "list" { type = list(string) }
variable "region" { default = "eu-west-1" }
