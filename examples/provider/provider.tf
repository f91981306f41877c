terraform {
  required_providers {
    authcheck = { source = "authcheck/authcheck" }
  }
}

# Every provider argument is optional. Here the endpoint and client come from the
# environment the pipeline already has (AUTHCHECK_TOKEN_URL, AUTHCHECK_CLIENT_ID,
# AUTHCHECK_CLIENT_SECRET), so nothing secret is written in the configuration.
provider "authcheck" {
  timeout_seconds = 20
}
