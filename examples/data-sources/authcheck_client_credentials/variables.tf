# The endpoint and client both examples in this directory check.
variable "token_url" {
  type        = string
  description = "OAuth2 token endpoint, e.g. https://login.example.com/oauth2/token."
}

variable "client_id" {
  type        = string
  description = "OAuth2 client id of the pipeline's service account."
}
