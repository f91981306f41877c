# Checks the service principal this pipeline's azurerm provider will use,
# while Terraform plans. The tenant, client id and secret come from the
# variables azurerm reads: ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET
# (and ARM_ENVIRONMENT for the cloud).
data "authcheck_client_credentials" "azure" {
  # Null falls back to ARM_TENANT_ID, as azurerm does.
  entra_tenant_id = var.entra_tenant_id

  # public (default), usgovernment or china; null falls back to ARM_ENVIRONMENT.
  entra_cloud = var.entra_cloud

  # Gateways and tests only; null means the cloud's own login host.
  entra_login_url = var.entra_login_url

  client_secret_env = "ARM_CLIENT_SECRET"

  # With ARM_SUBSCRIPTION_ID set (as azurerm needs it), the service principal
  # must also have a role on that subscription. Gateways and tests may point
  # Resource Manager elsewhere; null means the cloud's own host.
  azure_management_url = var.azure_management_url
}

variable "azure_management_url" {
  type        = string
  default     = null
  description = "Resource Manager host override (gateways, tests)."
}

variable "entra_tenant_id" {
  type        = string
  default     = null
  description = "Microsoft Entra tenant ID (a GUID) or verified domain. Null: ARM_TENANT_ID."
}

variable "entra_cloud" {
  type        = string
  default     = null
  description = "public, usgovernment or china. Null: ARM_ENVIRONMENT, else public."
}

variable "entra_login_url" {
  type        = string
  default     = null
  description = "Login host override (gateways, tests)."
}

output "token_url" {
  value = data.authcheck_client_credentials.azure.token_url
}

output "granted_scopes" {
  value = data.authcheck_client_credentials.azure.granted_scopes
}
