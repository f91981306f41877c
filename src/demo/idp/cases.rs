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
    /// Asked of the Genesys Cloud flavour ([`demo_genesys_config`]) instead of the generic server.
    pub genesys: bool,
    /// Genesys Cloud permissions the demo requires.
    pub required_permissions: Vec<&'static str>,
}

impl DemoCase {
    fn generic(
        title: &'static str,
        client_id: &'static str,
        secret_sent: &'static str,
        scopes: Vec<&'static str>,
        required_scopes: Vec<&'static str>,
    ) -> DemoCase {
        DemoCase {
            title,
            client_id,
            secret_sent,
            scopes,
            required_scopes,
            genesys: false,
            required_permissions: Vec::new(),
        }
    }
}

/// The Genesys Cloud demo client: a pipeline that manages queues, after the organisation's SAML SSO roll-out.
pub const DEMO_GENESYS_CLIENT: &str = "5e0d7a3c-1b2f-4c8d-9e6a-7f1b2c3d4e5f";

/// The demo's Genesys Cloud flavour: one client whose roles grant queue view and add, not flows.
pub fn demo_genesys_config() -> IdpConfig {
    IdpConfig {
        clients: vec![
            Client::new(DEMO_GENESYS_CLIENT, "demo-genesys-secret-after-sso")
                .org(super::Org {
                    id: "0c5d8e2a-7d3e-4b1c-9d7e-acfe00000001".into(),
                    name: "Acme Contact Center".into(),
                    short_name: "acme-cc".into(),
                })
                .name("CI deployer")
                .permission("routing:queue:view")
                .permission("routing:queue:add"),
        ],
        flavor: Flavor::Genesys,
        max_lifetime: Duration::from_secs(300),
    }
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
        DemoCase::generic(
            "valid credentials",
            "demo-good",
            "demo-good-secret",
            vec![],
            vec!["read"],
        ),
        // Expected reason: invalid_secret.
        DemoCase::generic(
            "secret was rotated",
            "demo-rotated",
            "demo-rotated-secret-v1",
            vec![],
            vec![],
        ),
        // Expected reason: client_not_found.
        DemoCase::generic(
            "client id has a typo",
            "demo-goood",
            "demo-good-secret",
            vec![],
            vec![],
        ),
        // Expected reason: missing_scopes (the IdP grants "read" only).
        DemoCase::generic(
            "client lacks a required scope",
            "demo-readonly",
            "demo-readonly-secret",
            vec![],
            vec!["read", "write"],
        ),
        // Expected reason: grant_not_allowed.
        DemoCase::generic(
            "client may not use the client-credentials grant",
            "demo-no-grant",
            "demo-no-grant-secret",
            vec![],
            vec![],
        ),
        // Expected reason: rate_limited.
        DemoCase::generic(
            "token endpoint is rate limiting",
            "demo-busy",
            "demo-busy-secret",
            vec![],
            vec![],
        ),
        // Expected reason: invalid_scope.
        DemoCase::generic(
            "requested scope is refused",
            "demo-good",
            "demo-good-secret",
            vec!["admin"],
            vec![],
        ),
        // Expected reason: invalid_secret, and the Genesys diagnosis says SSO is not the cause.
        DemoCase {
            title: "Genesys Cloud after a SAML SSO roll-out: the pipeline still holds the secret rotated that week",
            client_id: DEMO_GENESYS_CLIENT,
            secret_sent: "demo-genesys-secret-before-sso",
            scopes: vec![],
            required_scopes: vec![],
            genesys: true,
            required_permissions: vec![],
        },
        // Expected reason: missing_permissions (the roles grant queues, not flows).
        DemoCase {
            title: "Genesys Cloud: the client's roles lack a permission the pipeline needs",
            client_id: DEMO_GENESYS_CLIENT,
            secret_sent: "demo-genesys-secret-after-sso",
            scopes: vec![],
            required_scopes: vec![],
            genesys: true,
            required_permissions: vec!["routing:queue:view", "architect:flow:view"],
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
        for case in demo_cases().into_iter().filter(|c| !c.genesys) {
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
