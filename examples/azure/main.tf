# Checks the service principal this pipeline's azurerm provider will use,
# while Terraform plans. The tenant and client id come from the variables
# azurerm reads (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_ENVIRONMENT for the cloud),
# and so does the credential, in azurerm's order: a certificate
# (ARM_CLIENT_CERTIFICATE or ARM_CLIENT_CERTIFICATE_PATH with
# ARM_CLIENT_CERTIFICATE_PASSWORD), else ARM_CLIENT_SECRET, else with
# ARM_USE_OIDC an OIDC token (ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH or the
# GitHub Actions job's own), else with ARM_USE_AKS_WORKLOAD_IDENTITY the
# Kubernetes token file. Name no credential here, so that the check uses
# exactly the one azurerm will.
data "authcheck_client_credentials" "azure" {
  # Null falls back to ARM_TENANT_ID, as azurerm does.
  entra_tenant_id = var.entra_tenant_id

  # public (default), usgovernment or china; null falls back to ARM_ENVIRONMENT.
  entra_cloud = var.entra_cloud

  # Gateways and tests only; null means the cloud's own login host.
  entra_login_url = var.entra_login_url

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
