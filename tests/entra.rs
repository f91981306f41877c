//! Microsoft Entra ID, first-hand: the engine and the CLI against the Entra flavour of the test IdP (its v2.0
//! token path per tenant and AADSTS bodies): a good secret, a wrong or expired one, an app not in the tenant, a
//! tenant that does not exist or is malformed, a scope without `/.default`, federated GitHub tokens, the
//! subscription role check. Each azurerm credential through the CLI and real `terraform plan`s: tests/entra_credentials.rs.

use std::process::Command;
use std::time::Duration;

use authcheck::check::{self, Given, Inputs, Reason, Report};
use authcheck::demo::idp::{
    Behavior, Client, ENTRA_OTHER_TENANT_SUBSCRIPTION, ENTRA_TEST_DOMAIN, ENTRA_TEST_SUBSCRIPTION,
    ENTRA_TEST_TENANT, Flavor, Idp, IdpConfig, github_id_token,
};
use authcheck::surface::Input;
use support::entra::{
    APP, DEPLOYER_APP, EXCHANGE, EXPIRED_APP, GITHUB_APP, SECRET, azurerm_env, idp,
};

mod support;

fn inputs(idp: &Idp, tenant: &str, app: &str, secret: &str) -> Inputs {
    Inputs::new()
        .with_text(Input::EntraTenantId, tenant)
        .with_text(Input::EntraLoginUrl, idp.base_url())
        .with_text(Input::ClientId, app)
        .with(
            Input::ClientSecret,
            Given::Secret(
                check::Secret::new(secret),
                check::SecretOrigin::Env("ARM_CLIENT_SECRET".into()),
            ),
        )
        .with(Input::TimeoutSeconds, Given::Int(10))
}

async fn check(inputs: Inputs) -> Report {
    match inputs.resolve(&|_| None) {
        Ok(request) => check::run_fresh(request, tokio::sync::watch::channel(false).1).await,
        Err(report) => *report,
    }
}

fn detail(report: &Report) -> String {
    report.detail_in(&check::Plain)
}

#[tokio::test]
async fn a_good_secret_gets_a_resource_manager_token_by_tenant_id_or_domain() {
    let idp = idp().await;
    for tenant in [ENTRA_TEST_TENANT, ENTRA_TEST_DOMAIN] {
        let report = check(inputs(&idp, tenant, APP, SECRET)).await;
        let text = detail(&report);
        assert_eq!(report.reason, Reason::Ok, "{tenant}: {text}");
        assert!(
            report
                .findings
                .token_url
                .as_deref()
                .is_some_and(|u| u.ends_with(&format!("/{tenant}/oauth2/v2.0/token")))
        );
        assert_eq!(
            report.findings.granted_scopes,
            ["https://management.azure.com/.default"],
            "{text}"
        );
    }
}

#[tokio::test]
async fn each_aadsts_answer_gets_its_reason_and_fix() {
    let idp = idp().await;
    let cases: Vec<(&str, Inputs, Reason, &[&str])> = vec![
        (
            "the secret's ID sent, or an old secret",
            inputs(
                &idp,
                ENTRA_TEST_TENANT,
                APP,
                "3c5e7a9b-1d2f-4a6b-8c0d-secret-id",
            ),
            Reason::InvalidSecret,
            &["AADSTS7000215", "not its value"],
        ),
        (
            "an expired secret",
            inputs(&idp, ENTRA_TEST_TENANT, EXPIRED_APP, SECRET),
            Reason::InvalidSecret,
            &["AADSTS7000222", "expired"],
        ),
        (
            "an app registered in another tenant",
            inputs(
                &idp,
                ENTRA_TEST_TENANT,
                "0d2e4f6a-8b1c-4d3e-9f5a-7b6c5d4e3f2a",
                SECRET,
            ),
            Reason::ClientNotFound,
            &["AADSTS700016", "tenant"],
        ),
        (
            "a tenant that does not exist in this cloud",
            inputs(&idp, "1e3f5a7b-9c2d-4e4f-8a6b-0c9d8e7f6a5b", APP, SECRET),
            Reason::ClientNotFound,
            &["AADSTS90002", "entra_tenant_id"],
        ),
        (
            "a scope without /.default",
            inputs(&idp, ENTRA_TEST_TENANT, APP, SECRET).with(
                Input::Scopes,
                Given::List(vec![
                    "https://management.azure.com/user_impersonation".into(),
                ]),
            ),
            Reason::InvalidScope,
            &["AADSTS1002012", "/.default"],
        ),
    ];
    let mut problems = Vec::new();
    for (name, given, reason, needles) in cases {
        let report = check(given).await;
        let text = format!("{}\n{}", report.summary_in(&check::Plain), detail(&report));
        if report.reason != reason {
            problems.push(format!(
                "{name}: {:?}, expected {reason:?}\n{text}",
                report.reason
            ));
        }
        for needle in needles {
            if !text.contains(needle) {
                problems.push(format!("{name}: lacks {needle:?}\n{text}"));
            }
        }
        if text.contains(SECRET) {
            problems.push(format!("{name}: the secret is in the report"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

#[tokio::test]
async fn a_tenant_that_does_not_exist_is_asked_once_not_once_per_way_of_sending_the_secret() {
    let idp = idp().await;
    let before = idp.requests();
    let report = check(inputs(
        &idp,
        "1e3f5a7b-9c2d-4e4f-8a6b-0c9d8e7f6a5b",
        APP,
        SECRET,
    ))
    .await;
    assert_eq!(report.reason, Reason::ClientNotFound, "{}", detail(&report));
    assert_eq!(idp.requests() - before, 1, "{}", detail(&report));
}

/// A gateway that drops the Authorization header: Entra finds no credential in the body (AADSTS7000218). That is
/// not a wrong secret; sending it in the body works.
#[tokio::test]
async fn a_secret_that_never_arrived_is_not_called_wrong() {
    let idp = Idp::start(IdpConfig {
        clients: vec![Client::new(APP, SECRET).behavior(Behavior::PostOnly)],
        flavor: Flavor::Entra,
        max_lifetime: Duration::from_secs(300),
    })
    .await
    .expect("idp");
    let report = check(inputs(&idp, ENTRA_TEST_TENANT, APP, SECRET)).await;
    assert_eq!(report.reason, Reason::Ok, "{}", detail(&report));
    assert_eq!(
        report.findings.auth_method_used.as_deref(),
        Some("client_secret_post")
    );
    let report = check(
        inputs(&idp, ENTRA_TEST_TENANT, APP, SECRET)
            .with_text(Input::AuthMethod, "client_secret_basic"),
    )
    .await;
    let text = format!("{}\n{}", report.summary_in(&check::Plain), detail(&report));
    assert_eq!(report.reason, Reason::InvalidClient, "{text}");
    assert!(text.contains("AADSTS7000218"), "{text}");
    assert!(text.contains("client_secret_post"), "{text}");
    assert!(!text.contains("not the client's current secret"), "{text}");
}

#[tokio::test]
async fn a_malformed_tenant_is_refused_before_anything_is_sent() {
    let idp = idp().await;
    for tenant in [
        "common",
        "contoso",
        "https://login.microsoftonline.com/contoso.onmicrosoft.com",
    ] {
        let report = check(inputs(&idp, tenant, APP, SECRET)).await;
        assert_eq!(
            report.reason,
            Reason::InvalidInput,
            "{tenant}: {}",
            detail(&report)
        );
        assert_eq!(report.blame, Some(Input::EntraTenantId));
    }
    assert_eq!(idp.requests(), 0, "nothing reached the server");
}

#[tokio::test]
async fn the_cli_reads_the_azurerm_environment() {
    let idp = idp().await;
    let base = idp.base_url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_authcheck"))
            .args(["check", "--entra-login-url", &base, "--format", "json"])
            .env_remove("AUTHCHECK_CLIENT_ID")
            .env_remove("AUTHCHECK_CLIENT_SECRET")
            .env_remove("GENESYSCLOUD_OAUTHCLIENT_ID")
            .env_remove("GENESYSCLOUD_OAUTHCLIENT_SECRET")
            .env_remove("GENESYSCLOUD_REGION")
            .env("ARM_TENANT_ID", ENTRA_TEST_TENANT)
            .env("ARM_CLIENT_ID", APP)
            .env("ARM_CLIENT_SECRET", SECRET)
            .env("ARM_ENVIRONMENT", "public")
            .output()
            .expect("authcheck")
    })
    .await
    .expect("join");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("oauth2/v2.0/token") && !text.contains(SECRET),
        "{text}"
    );
}

async fn federated(idp: &Idp, token: &str) -> Report {
    let token = token.to_string();
    let inputs = Inputs::new()
        .with_text(Input::EntraTenantId, ENTRA_TEST_TENANT)
        .with_text(Input::EntraLoginUrl, idp.base_url())
        .with_text(Input::ClientId, GITHUB_APP)
        .with_text(Input::FederatedTokenEnv, "ARM_OIDC_TOKEN")
        .with(Input::TimeoutSeconds, Given::Int(10));
    let request = inputs
        .resolve(&|name| (name == "ARM_OIDC_TOKEN").then(|| token.clone()))
        .expect("resolves");
    check::run_fresh(request, tokio::sync::watch::channel(false).1).await
}

#[tokio::test]
async fn github_federation_is_checked_and_each_mismatch_names_the_credential_that_would_match() {
    let idp = idp().await;
    let good = federated(
        &idp,
        &github_id_token("repo:octo-org/deploy:ref:refs/heads/main", EXCHANGE),
    )
    .await;
    assert_eq!(good.reason, Reason::Ok, "{}", detail(&good));
    assert_eq!(good.findings.auth_method_used.as_deref(), Some("federated"));

    let cases: [(&str, String, &[&str]); 4] = [
        (
            "a job that names an environment",
            github_id_token("repo:octo-org/deploy:environment:production", EXCHANGE),
            &[
                "AADSTS700213",
                "subject \"repo:octo-org/deploy:environment:production\"",
                "names an environment",
            ],
        ),
        (
            "a subject that differs in case only",
            github_id_token("repo:Octo-Org/deploy:ref:refs/heads/main", EXCHANGE),
            &["AADSTS7002138", "only in letter case"],
        ),
        (
            "GitHub's immutable subject form",
            github_id_token(
                "repo:octo-org@1234567/deploy@7654321:ref:refs/heads/main",
                EXCHANGE,
            ),
            &["AADSTS700213", "immutable form"],
        ),
        (
            "a token minted for another audience",
            github_id_token(
                "repo:octo-org/deploy:ref:refs/heads/main",
                "https://github.com/octo-org",
            ),
            &["AADSTS700212", "audience"],
        ),
    ];
    let mut problems = Vec::new();
    for (name, token, needles) in cases {
        let report = federated(&idp, &token).await;
        let text = format!("{}\n{}", report.summary_in(&check::Plain), detail(&report));
        if report.reason != Reason::InvalidAssertion {
            problems.push(format!("{name}: {:?}\n{text}", report.reason));
        }
        for needle in needles {
            if !text.contains(needle) {
                problems.push(format!("{name}: lacks {needle:?}\n{text}"));
            }
        }
        // The claims are shown; the token itself never is.
        if text.contains(&token) || text.contains(token.split('.').nth(1).unwrap_or("-")) {
            problems.push(format!("{name}: the token is in the report"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

#[tokio::test]
async fn the_subscription_check_tells_a_role_from_none_and_from_another_tenant() {
    let idp = idp().await;
    let with = |app: &str, subscription: &str| {
        inputs(&idp, ENTRA_TEST_TENANT, app, SECRET)
            .with_text(Input::AzureSubscriptionId, subscription)
            .with_text(Input::AzureManagementUrl, idp.base_url())
    };
    let good = check(with(DEPLOYER_APP, ENTRA_TEST_SUBSCRIPTION)).await;
    assert_eq!(good.reason, Reason::Ok, "{}", detail(&good));
    assert_eq!(good.findings.permissions_source.code(), "rbac");

    let none = check(with(APP, ENTRA_TEST_SUBSCRIPTION)).await;
    let text = detail(&none);
    assert_eq!(none.reason, Reason::MissingPermissions, "{text}");
    assert_eq!(
        none.findings.missing_permissions,
        ["Microsoft.Resources/subscriptions/read"]
    );
    assert_eq!(none.blame, Some(Input::AzureSubscriptionId));
    assert!(
        text.contains("az role assignment create") && text.contains("AuthorizationFailed"),
        "{text}"
    );

    let other = check(with(DEPLOYER_APP, ENTRA_OTHER_TENANT_SUBSCRIPTION)).await;
    assert_eq!(
        other.reason,
        Reason::WrongOrganization,
        "{}",
        detail(&other)
    );
    assert!(detail(&other).contains("InvalidAuthenticationTokenTenant"));

    let typo = check(with(DEPLOYER_APP, "2b4d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d10")).await;
    assert_eq!(typo.reason, Reason::WrongOrganization, "{}", detail(&typo));
    assert!(detail(&typo).contains("SubscriptionNotFound"));

    let malformed = check(with(DEPLOYER_APP, "my-subscription")).await;
    assert_eq!(
        malformed.reason,
        Reason::InvalidInput,
        "{}",
        detail(&malformed)
    );
    assert_eq!(malformed.blame, Some(Input::AzureSubscriptionId));
}

/// The CLI with only azurerm's environment: `(exit code, JSON report)`.
async fn cli_with_azurerm_env(
    idp: &Idp,
    vars: Vec<(&'static str, String)>,
) -> (Option<i32>, serde_json::Value) {
    let base = idp.base_url();
    let out = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
        command.args(["check", "--entra-login-url", &base, "--format", "json"]);
        azurerm_env(&mut command, &vars);
        command.output().expect("authcheck")
    })
    .await
    .expect("join");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), json)
}

#[tokio::test]
async fn azurerms_precedence_picks_the_credential_and_a_leftover_secret_is_pointed_out() {
    let idp = idp().await;
    let token = github_id_token("repo:octo-org/deploy:ref:refs/heads/main", EXCHANGE);
    // OIDC as azurerm takes it: ARM_USE_OIDC with ARM_OIDC_TOKEN.
    let (code, json) = cli_with_azurerm_env(
        &idp,
        vec![
            ("ARM_CLIENT_ID", GITHUB_APP.to_string()),
            ("ARM_USE_OIDC", "true".to_string()),
            ("ARM_OIDC_TOKEN", token.clone()),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(json["auth_method_used"], "federated");
    assert!(
        json.to_string().contains("OIDC token from ARM_OIDC_TOKEN"),
        "{json:#}"
    );
    assert!(!json.to_string().contains(&token));

    // A leftover secret wins, as in azurerm, and the check says so.
    let (code, json) = cli_with_azurerm_env(
        &idp,
        vec![
            ("ARM_CLIENT_ID", APP.to_string()),
            ("ARM_CLIENT_SECRET", SECRET.to_string()),
            ("ARM_USE_OIDC", "true".to_string()),
            ("ARM_OIDC_TOKEN", token.clone()),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{json:#}");
    let text = json.to_string();
    assert!(
        text.contains("a leftover ARM_CLIENT_SECRET wins in azurerm"),
        "{json:#}"
    );
    assert!(!text.contains(SECRET) && !text.contains(&token));
}

#[tokio::test]
async fn an_app_not_in_the_tenant_is_named_whatever_the_credential() {
    let idp = idp().await;
    let key =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys/rsa-2048.pem");
    let report = check(
        Inputs::new()
            .with_text(Input::EntraTenantId, ENTRA_TEST_TENANT)
            .with_text(Input::EntraLoginUrl, idp.base_url())
            .with_text(Input::ClientId, "0d2e4f6a-8b1c-4d3e-9f5a-7b6c5d4e3f2a")
            .with_text(Input::PrivateKeyFile, key.display().to_string())
            .with(Input::TimeoutSeconds, Given::Int(10)),
    )
    .await;
    let text = detail(&report);
    assert_eq!(report.reason, Reason::ClientNotFound, "{text}");
    assert!(text.contains("AADSTS700016"), "{text}");
}

/// `principal` is the application (client) id a token was issued to; `account_id` the subscription it holds a
/// role on, once that is confirmed (and not a subscription it has no role on).
#[tokio::test]
async fn the_principal_is_the_application_and_the_account_the_subscription_with_a_role() {
    let idp = idp().await;
    let with = |app: &str, subscription: &str| {
        inputs(&idp, ENTRA_TEST_TENANT, app, SECRET)
            .with_text(Input::AzureSubscriptionId, subscription)
            .with_text(Input::AzureManagementUrl, idp.base_url())
    };
    let good = check(with(DEPLOYER_APP, ENTRA_TEST_SUBSCRIPTION)).await;
    assert_eq!(good.findings.principal.as_deref(), Some(DEPLOYER_APP));
    assert_eq!(
        good.findings.account_id.as_deref(),
        Some(ENTRA_TEST_SUBSCRIPTION)
    );
    let none = check(with(APP, ENTRA_TEST_SUBSCRIPTION)).await;
    assert_eq!(none.findings.principal.as_deref(), Some(APP));
    assert_eq!(none.findings.account_id, None);
}
