# Terraform 1.10 and later. The same check as the data source, and the access token
# itself, which Terraform never writes to state or plan files. The secret may come
# from an ephemeral variable here, because ephemeral arguments are never stored either.
variable "client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}

ephemeral "authcheck_client_credentials" "api" {
  client_id       = "pipeline"
  client_secret   = var.client_secret
  required_scopes = ["read"]
}

# Hand the token to any provider that takes one, e.g. the genesyscloud provider:
#
#   provider "genesyscloud" {
#     access_token = ephemeral.authcheck_client_credentials.api.access_token
#     aws_region   = "eu-west-1"
#   }
#
# Here it configures a second authcheck provider instance, only to show the token
# flowing into a provider configuration without being stored.
provider "authcheck" {
  alias           = "downstream"
  client_id       = ephemeral.authcheck_client_credentials.api.token_fingerprint
  timeout_seconds = 5
}
