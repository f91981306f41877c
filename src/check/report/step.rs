//! The named steps of a check, each with how it went and one line saying what was seen. The step names are a
//! documented contract (the `checks` output); [`Step::ALL`] is the list the docs are checked against.

use crate::check::report::reason::Status;
use crate::check::report::words::Words;

/// One step of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The inputs: well-formed, where the credential came from, what was ignored.
    Inputs,
    /// The token endpoint: given, derived or discovered.
    Endpoint,
    /// The issuer's metadata document.
    Discovery,
    /// The federated token, read or requested.
    FederatedToken,
    /// The token request itself.
    TokenRequest,
    /// Oddities in a successful token answer.
    TokenResponse,
    /// The way of presenting the client the server accepted.
    AuthMethod,
    /// The required scopes.
    Scopes,
    /// Token introspection (RFC 7662).
    Introspection,
    /// The organisation the token belongs to.
    Organization,
    /// The permissions the client holds.
    Permissions,
    /// The principal's role on a subscription.
    Subscription,
    /// Other regions asked about an unknown client.
    RegionProbe,
    /// Who the credentials are: the caller's ARN and account (AWS GetCallerIdentity), and the account guard.
    Identity,
}

impl Step {
    /// Every step, in documentation order.
    pub const ALL: [Step; 14] = [
        Step::Inputs,
        Step::Endpoint,
        Step::Discovery,
        Step::FederatedToken,
        Step::TokenRequest,
        Step::TokenResponse,
        Step::AuthMethod,
        Step::Scopes,
        Step::Introspection,
        Step::Organization,
        Step::Permissions,
        Step::Subscription,
        Step::RegionProbe,
        Step::Identity,
    ];

    /// The documented name.
    pub fn code(self) -> &'static str {
        match self {
            Step::Inputs => "inputs",
            Step::Endpoint => "endpoint",
            Step::Discovery => "discovery",
            Step::FederatedToken => "federated_token",
            Step::TokenRequest => "token_request",
            Step::TokenResponse => "token_response",
            Step::AuthMethod => "auth_method",
            Step::Scopes => "scopes",
            Step::Introspection => "introspection",
            Step::Organization => "organization",
            Step::Permissions => "permissions",
            Step::Subscription => "subscription",
            Step::RegionProbe => "region_probe",
            Step::Identity => "identity",
        }
    }
}

/// One step as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckItem {
    /// Which step.
    pub step: Step,
    /// How it went.
    pub status: Status,
    /// One line saying what was seen.
    pub detail: Words,
}

impl CheckItem {
    /// The step's documented name.
    pub fn name(&self) -> &'static str {
        self.step.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for step in Step::ALL {
            assert!(seen.insert(step.code()), "{}", step.code());
            assert!(
                step.code()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
        }
    }
}
