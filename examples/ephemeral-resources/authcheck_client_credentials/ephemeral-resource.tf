# Terraform 1.10 and later. The same check as the data source, and the access token
# itself, which Terraform never writes to state or plan files. The secret may come
# from an ephemeral variable here, because ephemeral arguments are never stored either.
variable "token_url" {
  type        = string
  description = "OAuth2 token endpoint of the API's authorisation server."
}

variable "client_id" {
  type        = string
  description = "OAuth2 client id of the pipeline's service account."
}

variable "api_url" {
  type        = string
  description = "An API endpoint that accepts the token."
  default     = "https://api.example.com/v1/whoami"
}

variable "client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}

ephemeral "authcheck_client_credentials" "api" {
  token_url       = var.token_url
  client_id       = var.client_id
  client_secret   = var.client_secret
  required_scopes = ["read"]
}

# The token goes where Terraform allows ephemeral values and never stores them: a
# provider block (for example the genesyscloud provider's access_token), or, as
# here, a provisioner that calls an API with it during apply.
#
#   provider "genesyscloud" {
#     access_token = ephemeral.authcheck_client_credentials.api.access_token
#     aws_region   = "eu-west-1"
#   }
resource "terraform_data" "call_api" {
  provisioner "local-exec" {
    command = "curl -fsS -H \"Authorization: Bearer $API_TOKEN\" \"$API_URL\""
    environment = {
      API_TOKEN = ephemeral.authcheck_client_credentials.api.access_token
      API_URL   = var.api_url
    }
  }
}
