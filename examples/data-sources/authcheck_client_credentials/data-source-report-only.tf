# With fail_on_error = false the plan goes on; valid and reason say what happened,
# so a check block (Terraform 1.5+) can turn the outcome into a warning.
data "authcheck_client_credentials" "report_only" {
  token_url         = var.token_url
  client_id         = var.client_id
  client_secret_env = "PIPELINE_CLIENT_SECRET"
  fail_on_error     = false
}

check "credentials_work" {
  assert {
    condition     = data.authcheck_client_credentials.report_only.valid
    error_message = "Client credentials check failed (${data.authcheck_client_credentials.report_only.reason}): ${data.authcheck_client_credentials.report_only.summary}"
  }
}
