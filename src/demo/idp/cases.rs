//! The demo's fixed clients and the cases `authcheck demo` runs against them, one per failure it diagnoses.

use std::time::Duration;

use super::{Behavior, Client, Flavor, IdpConfig};

/// One scenario that `authcheck demo` runs against [`demo_config`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCase {
    /// Short human title.
    pub title: &'static str,
    /// The client id the demo sends.
    pub client_id: &'static str,
    /// The secret the demo sends (may differ from the registered one on purpose).
    pub secret_sent: &'static str,
    /// Scopes the demo requests (empty: none requested).
    pub scopes: Vec<&'static str>,
    /// Scopes the demo requires to be granted.
    pub required_scopes: Vec<&'static str>,
}

/// The demo's clients: fake, obviously non-secret values, fixed so that the demo's output is reproducible.
pub fn demo_config() -> IdpConfig {
    IdpConfig {
        clients: vec![
            Client::new("demo-good", "demo-good-secret"),
            // The registered secret is "v2" while demo_cases() sends "v1": a rotation nobody propagated.
            Client::new("demo-rotated", "demo-rotated-secret-v2"),
            Client::new("demo-readonly", "demo-readonly-secret").scopes(&["read"]),
            Client::new("demo-no-grant", "demo-no-grant-secret")
                .behavior(Behavior::GrantNotAllowed),
            Client::new("demo-busy", "demo-busy-secret").behavior(Behavior::AlwaysRateLimited),
        ],
        flavor: Flavor::Generic,
        max_lifetime: Duration::from_secs(300),
    }
}

/// The demo's cases in display order; each names the failure authcheck should diagnose.
pub fn demo_cases() -> Vec<DemoCase> {
    vec![
        // Expected reason: ok.
        DemoCase {
            title: "valid credentials",
            client_id: "demo-good",
            secret_sent: "demo-good-secret",
            scopes: vec![],
            required_scopes: vec!["read"],
        },
        // Expected reason: invalid_secret.
        DemoCase {
            title: "secret was rotated",
            client_id: "demo-rotated",
            secret_sent: "demo-rotated-secret-v1",
            scopes: vec![],
            required_scopes: vec![],
        },
        // Expected reason: client_not_found.
        DemoCase {
            title: "client id has a typo",
            client_id: "demo-goood",
            secret_sent: "demo-good-secret",
            scopes: vec![],
            required_scopes: vec![],
        },
        // Expected reason: missing_scopes (the IdP grants "read" only).
        DemoCase {
            title: "client lacks a required scope",
            client_id: "demo-readonly",
            secret_sent: "demo-readonly-secret",
            scopes: vec![],
            required_scopes: vec!["read", "write"],
        },
        // Expected reason: grant_not_allowed.
        DemoCase {
            title: "client may not use the client-credentials grant",
            client_id: "demo-no-grant",
            secret_sent: "demo-no-grant-secret",
            scopes: vec![],
            required_scopes: vec![],
        },
        // Expected reason: rate_limited.
        DemoCase {
            title: "token endpoint is rate limiting",
            client_id: "demo-busy",
            secret_sent: "demo-busy-secret",
            scopes: vec![],
            required_scopes: vec![],
        },
        // Expected reason: invalid_scope.
        DemoCase {
            title: "requested scope is refused",
            client_id: "demo-good",
            secret_sent: "demo-good-secret",
            scopes: vec!["admin"],
            required_scopes: vec![],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Idp;
    use super::super::test_support::*;
    use super::*;

    #[tokio::test]
    async fn demo_cases_produce_their_intended_failures() {
        let idp = Idp::start(demo_config()).await.expect("start");
        let mut outcomes = Vec::new();
        for case in demo_cases() {
            let scope = if case.scopes.is_empty() {
                String::new()
            } else {
                format!("&scope={}", enc(&case.scopes.join(" ")))
            };
            let reply = token_basic(&idp, case.client_id, case.secret_sent, &scope).await;
            let json = reply.json();
            let outcome = if reply.status == 200 {
                let granted: Vec<&str> = json["scope"].as_str().unwrap_or("").split(' ').collect();
                if case.required_scopes.iter().all(|s| granted.contains(s)) {
                    "ok".to_owned()
                } else {
                    "missing_scopes".to_owned()
                }
            } else {
                format!("{} {}", reply.status, json["error"].as_str().unwrap_or(""))
            };
            outcomes.push(outcome);
        }
        assert_eq!(
            outcomes,
            [
                "ok",
                "401 invalid_client",
                "401 invalid_client",
                "missing_scopes",
                "400 unauthorized_client",
                "429 temporarily_unavailable",
                "400 invalid_scope",
            ]
        );
        assert_eq!(idp.requests(), 7);
    }
}
