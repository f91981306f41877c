# Fails the plan, with the real reason and the fix, when the credentials the
# pipeline holds cannot obtain a token with the scopes it needs.
data "authcheck_client_credentials" "pipeline" {
  token_url         = var.token_url
  client_id         = var.client_id
  client_secret_env = "PIPELINE_CLIENT_SECRET"
  required_scopes   = ["read"]
}

output "credentials" {
  value = data.authcheck_client_credentials.pipeline.summary
}
