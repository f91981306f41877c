//! What the scope step (and introspection) needs from the stages before it: the check, the way the server
//! accepted the client, the endpoints, the budget, how the vendors' servers are read.

use tokio::time::Instant;

use crate::check::base::secret::Secret;
use crate::check::exchange::conventions::Conventions;
use crate::check::exchange::present::Presentation;
use crate::check::inputs::request::CheckRequest;

/// Everything the step needs from the exchange.
pub struct Probe<'a> {
    /// The check.
    pub request: &'a CheckRequest,
    /// The HTTP client.
    pub client: &'a reqwest::Client,
    /// The token endpoint.
    pub token_url: &'a url::Url,
    /// The way the server accepted the credentials.
    pub how: Presentation,
    /// The introspection endpoint discovery named, if it did.
    pub introspection: Option<String>,
    /// The end of the budget.
    pub deadline: Instant,
    /// How the vendors' servers are read (whether clients get their rights from roles rather than scopes).
    pub conventions: &'a Conventions<'a>,
    /// The federated token, for the federated method's requests.
    pub federated: Option<Secret>,
}
