//! Genesys Cloud, first-hand: the engine against a Genesys-like test server (documented bodies and statuses),
//! and real `terraform plan`s of examples/genesys for each way a pipeline's credentials go wrong.

mod support;

use std::path::Path;
use std::time::Duration;

use authcheck::check::{self, Given, Inputs, Plain, Reason, Report};
use authcheck::demo::idp::{Behavior, Client, Flavor, Idp, IdpConfig, Org};
use authcheck::surface::Input;
use support::terraform::{command, plan_problems, terraforms, workspace};

const GOOD_ID: &str = "3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90";
const ROLELESS_ID: &str = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
const BUSY_ID: &str = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a";
const FLAKY_ID: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const SECRET: &str = "genesys-secret-41c8";

fn org() -> Org {
    Org {
        id: "6b1f0c2d-aaaa-4bbb-8ccc-123456789abc".into(),
        name: "Acme Prod".into(),
        short_name: "acme-prod".into(),
    }
}

async fn genesys_idp() -> Idp {
    Idp::start(IdpConfig {
        clients: vec![
            Client::new(GOOD_ID, SECRET).org(org()).name("CI deployer"),
            Client::new(ROLELESS_ID, SECRET)
                .org(org())
                .name("No roles")
                .roles(false),
            Client::new(BUSY_ID, SECRET)
                .org(org())
                .behavior(Behavior::AlwaysRateLimited),
            Client::new(FLAKY_ID, SECRET)
                .org(org())
                .behavior(Behavior::RateLimited {
                    failures_before_success: 1,
                }),
        ],
        flavor: Flavor::Genesys,
        max_lifetime: Duration::from_secs(300),
    })
    .await
    .expect("genesys idp")
}

async fn check_with(idp: &Idp, id: &str, secret: &str, expected: Option<&str>) -> Report {
    let mut inputs = Inputs::new()
        .with_text(Input::ClientId, id)
        .with(
            Input::ClientSecret,
            Given::Secret(
                check::Secret::new(secret),
                check::SecretOrigin::Env("GENESYSCLOUD_OAUTHCLIENT_SECRET".into()),
            ),
        )
        .with_text(Input::GenesysLoginUrl, idp.base_url())
        .with_text(Input::GenesysApiUrl, idp.base_url())
        .with(Input::TimeoutSeconds, Given::Int(10));
    if let Some(expected) = expected {
        inputs.set(
            Input::ExpectedOrganization,
            Given::Text(expected.to_string()),
        );
    }
    let request = inputs.resolve(&|_| None).expect("resolves");
    check::run(request, tokio::sync::watch::channel(false).1).await
}

#[tokio::test]
async fn genesys_answers_are_explained_with_the_genesys_fix() {
    let idp = genesys_idp().await;

    let ok = check_with(&idp, GOOD_ID, SECRET, Some("acme-prod")).await;
    assert_eq!(ok.reason, Reason::Ok, "{}", ok.detail_in(&Plain));
    assert_eq!(ok.findings.organization_name.as_deref(), Some("Acme Prod"));
    assert_eq!(ok.findings.client_name.as_deref(), Some("CI deployer"));
    assert!(
        ok.findings
            .checks
            .iter()
            .any(|c| c.name() == "organization" && c.status == check::Status::Pass),
        "{:?}",
        ok.findings.checks
    );

    let rotated = check_with(&idp, GOOD_ID, "old-secret", None).await;
    assert_eq!(
        rotated.reason,
        Reason::InvalidSecret,
        "{}",
        rotated.detail_in(&Plain)
    );
    assert!(
        rotated
            .summary_in(&Plain)
            .contains("Genesys Cloud rejected the client secret"),
        "{}",
        rotated.summary_in(&Plain)
    );
    assert!(
        rotated.detail_in(&Plain).contains("regenerated"),
        "{}",
        rotated.detail_in(&Plain)
    );
    assert!(
        rotated
            .detail_in(&Plain)
            .contains("another Genesys Cloud region"),
        "{}",
        rotated.detail_in(&Plain)
    );
    assert!(
        rotated
            .detail_in(&Plain)
            .contains("SAML/SSO enforcement is not the cause"),
        "{}",
        rotated.detail_in(&Plain)
    );

    let unknown = check_with(&idp, "0f0f0f0f-1111-4222-8333-444455556666", SECRET, None).await;
    assert_eq!(
        unknown.reason,
        Reason::ClientNotFound,
        "{}",
        unknown.detail_in(&Plain)
    );
    assert!(
        unknown
            .detail_in(&Plain)
            .contains("another Genesys Cloud region"),
        "{}",
        unknown.detail_in(&Plain)
    );

    let wrong_org = check_with(&idp, GOOD_ID, SECRET, Some("Acme Staging")).await;
    assert_eq!(
        wrong_org.reason,
        Reason::WrongOrganization,
        "{}",
        wrong_org.detail_in(&Plain)
    );
    assert!(
        wrong_org.summary_in(&Plain).contains("Acme Prod")
            && wrong_org.summary_in(&Plain).contains("Acme Staging"),
        "{}",
        wrong_org.summary_in(&Plain)
    );

    let roleless = check_with(&idp, ROLELESS_ID, SECRET, None).await;
    assert_eq!(roleless.reason, Reason::Ok);
    assert!(
        roleless
            .findings
            .checks
            .iter()
            .any(|c| c.status == check::Status::Warn && c.detail.render(&Plain).contains("403")),
        "{:?}",
        roleless.findings.checks
    );

    let busy = check_with(&idp, BUSY_ID, SECRET, None).await;
    assert_eq!(
        busy.reason,
        Reason::RateLimited,
        "{}",
        busy.detail_in(&Plain)
    );
    assert!(
        busy.detail_in(&Plain).contains("token_pool_size + 1"),
        "{}",
        busy.detail_in(&Plain)
    );

    let flaky = check_with(&idp, FLAKY_ID, SECRET, None).await;
    assert_eq!(flaky.reason, Reason::Ok, "{}", flaky.detail_in(&Plain));

    let not_uuid = check_with(&idp, "ci-deployer", SECRET, None).await;
    assert!(
        not_uuid
            .findings
            .checks
            .iter()
            .any(|c| c.status == check::Status::Warn
                && c.detail.render(&Plain).contains("not a UUID")),
        "{:?}",
        not_uuid.findings.checks
    );
}

#[tokio::test]
async fn genesys_mistakes_are_named_before_anything_is_sent() {
    let api_host = Inputs::new()
        .with_text(Input::ClientId, GOOD_ID)
        .with(
            Input::ClientSecret,
            Given::Secret(
                check::Secret::new(SECRET),
                check::SecretOrigin::Env("S".into()),
            ),
        )
        .with_text(Input::TokenUrl, "https://api.mypurecloud.ie/oauth/token");
    let report = check::run(
        api_host.resolve(&|_| None).expect("resolves"),
        tokio::sync::watch::channel(false).1,
    )
    .await;
    assert_eq!(
        report.reason,
        Reason::InvalidInput,
        "{}",
        report.detail_in(&Plain)
    );
    assert!(
        report
            .detail_in(&Plain)
            .contains("https://login.mypurecloud.ie/oauth/token"),
        "{}",
        report.detail_in(&Plain)
    );

    let env = |name: &str| match name {
        "GENESYSCLOUD_REGION" => Some("https://api.mypurecloud.ie".to_string()),
        "GENESYSCLOUD_OAUTHCLIENT_ID" => Some(GOOD_ID.to_string()),
        "GENESYSCLOUD_OAUTHCLIENT_SECRET" => Some(SECRET.to_string()),
        _ => None,
    };
    let request = Inputs::default()
        .resolve(&env)
        .expect("resolves from the genesyscloud variables");
    let endpoint_note = request
        .notes
        .iter()
        .find(|n| n.step == check::Step::Endpoint);
    assert!(
        endpoint_note.is_some_and(|n| n.words.render(&Plain).contains("eu-west-1")),
        "{:?}",
        request.notes
    );

    let unknown_region = Inputs::new().with_text(Input::GenesysRegion, "eu-west1");
    let report = unknown_region.resolve(&env).expect_err("unknown region");
    assert!(
        report.summary_in(&Plain).contains("did you mean eu-west-1"),
        "{}",
        report.summary_in(&Plain)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genesys_example_plans_show_each_cause() {
    let idp = genesys_idp().await;
    let tf = terraforms().remove(0);
    let base = idp.base_url();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = |file: &str| {
        std::fs::read_to_string(root.join("examples/genesys").join(file)).expect("example")
    };
    let ws = std::sync::Arc::new(workspace(
        "genesys",
        &[
            ("main.tf", example("main.tf")),
            ("versions.tf", example("versions.tf")),
        ],
    ));

    // (scenario, client id, secret, expected_organization, exit code, words the user must read)
    type Scenario<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<i32>,
        Vec<&'a str>,
    );
    let scenarios: Vec<Scenario> = vec![
        (
            "all good, expected organisation",
            GOOD_ID,
            SECRET,
            Some("acme-prod"),
            Some(0),
            vec!["organization_name = \"Acme Prod\""],
        ),
        (
            "rotated secret",
            GOOD_ID,
            "rotated-away",
            None,
            Some(1),
            vec![
                "Genesys Cloud rejected the client secret",
                "reason: invalid_secret",
                "SAML/SSO enforcement is not the cause",
            ],
        ),
        (
            "unknown client",
            "0f0f0f0f-1111-4222-8333-444455556666",
            SECRET,
            None,
            Some(1),
            vec!["reason: client_not_found", "another Genesys Cloud region"],
        ),
        (
            "wrong organisation",
            GOOD_ID,
            SECRET,
            Some("Acme Staging"),
            Some(1),
            vec!["reason: wrong_organization", "not Acme Staging"],
        ),
        ("no roles", ROLELESS_ID, SECRET, None, Some(0), vec!["403"]),
        (
            "rate limited then recovering",
            FLAKY_ID,
            SECRET,
            None,
            Some(0),
            vec!["organization_name = \"Acme Prod\""],
        ),
        (
            "rate limited to exhaustion",
            BUSY_ID,
            SECRET,
            None,
            Some(1),
            vec!["reason: rate_limited", "token_pool_size + 1"],
        ),
    ];
    let mut problems = Vec::new();
    for (name, id, secret, expected, code, needles) in scenarios {
        let ws = ws.clone();
        let tf = tf.clone();
        let base = base.clone();
        let (id, secret, expected) = (
            id.to_string(),
            secret.to_string(),
            expected.map(str::to_string),
        );
        let out = tokio::task::spawn_blocking(move || {
            let mut command = command(&tf, &ws, &["plan", "-no-color", "-input=false"]);
            command
                .env("GENESYSCLOUD_OAUTHCLIENT_ID", &id)
                .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", &secret)
                .env("TF_VAR_genesys_login_url", &base)
                .env("TF_VAR_genesys_api_url", &base);
            if let Some(expected) = &expected {
                command.env("TF_VAR_expected_organization", expected);
            }
            command.output().expect("terraform")
        })
        .await
        .expect("join");
        problems.extend(plan_problems(name, &out, code, &needles, SECRET));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n-----\n\n"));
}

/// `principal` is the Genesys Cloud OAuth client's name, as `tokens/me` gives it.
#[tokio::test]
async fn the_principal_is_the_oauth_clients_name() {
    let idp = genesys_idp().await;
    let ok = check_with(&idp, GOOD_ID, SECRET, None).await;
    assert_eq!(ok.reason, Reason::Ok, "{}", ok.detail_in(&Plain));
    assert_eq!(ok.findings.principal.as_deref(), Some("CI deployer"));
}
