# Checks the Google Cloud identity this pipeline's google provider will use,
# while Terraform plans. The credentials come from where the google provider
# finds them (GOOGLE_CREDENTIALS, a path or the JSON itself, then
# GOOGLE_APPLICATION_CREDENTIALS): a workload identity federation
# configuration that google-github-actions/auth or `gcloud iam
# workload-identity-pools create-cred-config` wrote, or a service-account key.
# The check exchanges the CI's token with Google's STS, impersonates the
# service account, then asks Resource Manager whether the identity holds the
# permissions the apply will need (testIamPermissions), so a provider's
# attribute condition, a missing Workload Identity User binding, a deleted key
# or a missing role stops the plan here, with the cause and the gcloud command
# that fixes it.
data "authcheck_client_credentials" "google" {
  # Any gcp_* argument makes this a Google Cloud check. Null: the environment.
  gcp_credentials_file = var.gcp_credentials_file

  # The service account to impersonate; null falls back to
  # GOOGLE_IMPERSONATE_SERVICE_ACCOUNT, else the configuration's own.
  gcp_service_account = var.gcp_service_account

  # The project the permissions are asked about (and whose number becomes
  # account_id).
  gcp_project = var.gcp_project

  # What the apply will do, as IAM permissions on the project.
  required_permissions = var.required_permissions

  # Private endpoints, proxies and tests only; null means Google's hosts.
  gcp_api_url = var.gcp_api_url
}

variable "gcp_credentials_file" {
  type        = string
  default     = null
  description = "A credential configuration (external_account, service_account or impersonated_service_account). Null: GOOGLE_CREDENTIALS, then GOOGLE_APPLICATION_CREDENTIALS."
}

variable "gcp_service_account" {
  type        = string
  default     = null
  description = "The service account email to impersonate. Null: GOOGLE_IMPERSONATE_SERVICE_ACCOUNT, else the configuration's."
}

variable "gcp_project" {
  type        = string
  default     = "acme-prod"
  description = "The project ID (as the google provider's project)."
}

variable "required_permissions" {
  type        = list(string)
  default     = ["storage.buckets.list"]
  description = "IAM permissions the identity must hold on the project."
}

variable "gcp_api_url" {
  type        = string
  default     = null
  description = "Base URL for IAM Credentials and Resource Manager (private endpoints, tests)."
}

output "principal" {
  value = data.authcheck_client_credentials.google.principal
}

output "account_id" {
  value = data.authcheck_client_credentials.google.account_id
}
