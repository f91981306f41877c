# For configurations that cannot install a custom provider: the hashicorp/external
# data source runs `authcheck external`, which speaks its JSON-on-stdin protocol.
# The secret is not in the query (Terraform stores the query in state): the program
# reads it from the variable named by client_secret_env.
data "external" "credentials" {
  program = ["authcheck", "external"]

  query = {
    token_url         = "https://login.example.com/oauth2/token"
    client_id         = "ci-deployer"
    client_secret_env = "PIPELINE_CLIENT_SECRET"
    scopes            = "read write"
    required_scopes   = "read"
  }
}

# On a failed check the plan stops with the program's one-line explanation.
output "token_endpoint" {
  value = data.external.credentials.result.token_url
}

output "granted_scopes" {
  value = split(" ", data.external.credentials.result.granted_scopes)
}
