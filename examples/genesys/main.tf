# Checks the Genesys Cloud OAuth client this pipeline holds while Terraform
# plans, before the genesyscloud provider uses it. The client id and secret
# come from the variables the genesyscloud provider reads:
# GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET.
data "authcheck_client_credentials" "genesys" {
  # Null falls back to GENESYSCLOUD_REGION, as the genesyscloud provider does.
  genesys_region = var.genesys_region

  # Gateways, proxies and tests only; null means the region's own hosts.
  genesys_login_url = var.genesys_login_url
  genesys_api_url   = var.genesys_api_url

  client_secret_env = "GENESYSCLOUD_OAUTHCLIENT_SECRET"

  # The prod/staging guard: credentials of any other organisation fail the plan.
  expected_organization = var.expected_organization

  # The apply-time 403 guard: the client's roles must grant what these resource
  # types need (and any permission listed), or the plan fails naming them.
  genesys_resources    = var.genesys_resources
  required_permissions = var.required_permissions

  # What cannot be verified (a client that may not read its own roles) warns;
  # strict = true fails the plan instead.
  strict = var.strict
}

variable "strict" {
  type        = bool
  default     = false
  description = "Fail the plan when a required permission cannot be verified, instead of warning."
}

variable "genesys_resources" {
  type        = list(string)
  default     = []
  description = "genesyscloud resource types this pipeline manages, e.g. [\"genesyscloud_routing_queue\"]."
}

variable "required_permissions" {
  type        = list(string)
  default     = []
  description = "Further Genesys Cloud permissions the pipeline needs, e.g. [\"architect:flow:view\"]."
}

variable "genesys_region" {
  type        = string
  default     = null
  description = "Genesys Cloud region as the genesyscloud provider's aws_region takes it, e.g. eu-west-1. Null: GENESYSCLOUD_REGION."
}

variable "expected_organization" {
  type        = string
  default     = null
  description = "Id, name or short name of the organisation this pipeline deploys to. Null: not checked."
}

variable "genesys_login_url" {
  type        = string
  default     = null
  description = "Login base URL override (gateways, proxies, tests)."
}

variable "genesys_api_url" {
  type        = string
  default     = null
  description = "API base URL override (gateways, proxies, tests)."
}

output "organization_name" {
  value = data.authcheck_client_credentials.genesys.organization_name
}

output "organization_id" {
  value = data.authcheck_client_credentials.genesys.organization_id
}

output "client_name" {
  value = data.authcheck_client_credentials.genesys.client_name
}

output "missing_permissions" {
  value = data.authcheck_client_credentials.genesys.missing_permissions
}

output "permissions_source" {
  value = data.authcheck_client_credentials.genesys.permissions_source
}

output "token_url" {
  value = data.authcheck_client_credentials.genesys.token_url
}

# Warnings the plan would otherwise only print once: a client without roles,
# a region spelt another way, a client id that is not a UUID.
output "warnings" {
  value = [
    for c in data.authcheck_client_credentials.genesys.checks : "${c.name}: ${c.detail}"
    if c.status == "warn"
  ]
}
