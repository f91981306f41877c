//! Where a federated token comes from: a JWT a CI system or a cluster minted for this job (GitHub Actions, GitLab
//! `id_tokens`, Kubernetes projected service account tokens), sent as the client assertion. The exchange stage
//! reads or requests it (`exchange::federated`).

use crate::check::base::secret::Secret;
use crate::check::report::words::Words;

/// The default audience of GitHub Actions ID tokens requested for Entra ID federation.
pub const AZURE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Where the federated token comes from.
#[derive(Debug, Clone)]
pub enum Federated {
    /// A file, read at each check (`federated_token_file`, `AZURE_FEDERATED_TOKEN_FILE`).
    File(String),
    /// The value of an environment variable, and its name (`federated_token_env`, `ARM_OIDC_TOKEN`).
    Value(Secret, String),
    /// GitHub Actions' ID-token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL` and `_TOKEN`).
    GithubActions {
        /// The request URL (it already carries a query string).
        url: String,
        /// The bearer token for the request.
        request_token: Secret,
        /// The audience to ask for.
        audience: String,
    },
}

impl Federated {
    /// Where the token came from, in words.
    pub fn describe(&self) -> Words {
        match self {
            Federated::File(path) => Words::text(format!("file {path}")),
            Federated::Value(_, name) => Words::text(format!("environment variable {name}")),
            Federated::GithubActions { audience, .. } => Words::text(format!(
                "the GitHub Actions ID-token endpoint (audience {audience})"
            )),
        }
    }
}
