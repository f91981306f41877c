# Fails the plan, with the real reason and the fix, when the credentials the
# pipeline holds cannot obtain a token with the scopes it needs.
data "authcheck_client_credentials" "pipeline" {
  client_id         = var.client_id
  client_secret_env = "PIPELINE_CLIENT_SECRET"
  required_scopes   = ["read"]
}

variable "client_id" {
  type        = string
  description = "OAuth2 client id of the pipeline's service account."
}

output "credentials" {
  value = data.authcheck_client_credentials.pipeline.summary
}
