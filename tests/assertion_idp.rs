//! private_key_jwt against the embedded test IdP, which verifies assertions with the client's registered key and
//! refuses each mistake in a vendor's words: every algorithm works, and each cause (key, audience, lifetime, kid,
//! algorithm, method) is told apart, first in the list of causes, with nothing of the key or assertion shown.

use std::path::Path;

use authcheck::check::{self, Given, Inputs, Line, Reason, Report};
use authcheck::demo::idp::{Client, Idp, IdpConfig, RegisteredKey};
use authcheck::surface::Input;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name);
    path.display().to_string()
}

fn registered(name: &str, kid: Option<&str>) -> RegisteredKey {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    RegisteredKey::from_pem(&text, kid, None).expect("a key")
}

async fn idp() -> Idp {
    Idp::start(IdpConfig::new(vec![
        Client::new("rsa-client", "unused-secret-7f3a")
            .registered_key(registered("rsa-2048.pem", None)),
        Client::new("p256-client", "unused-secret-7f3a")
            .registered_key(registered("ec-p256.pem", None)),
        Client::new("p384-client", "unused-secret-7f3a")
            .registered_key(registered("ec-p384.pem", None)),
        Client::new("kid-client", "unused-secret-7f3a")
            .registered_key(registered("rsa-2048.pem", Some("key-2026"))),
        Client::new("late-client", "unused-secret-7f3a")
            .registered_key(registered("rsa-2048.pem", None))
            .clock_ahead(7200),
    ]))
    .await
    .expect("idp")
}

fn inputs(idp: &Idp, client: &str, key: &str) -> Inputs {
    Inputs::new()
        .with_text(Input::TokenUrl, idp.token_url())
        .with_text(Input::ClientId, client)
        .with_text(Input::PrivateKeyFile, fixture(key))
        .with(Input::TimeoutSeconds, Given::Int(10))
}

async fn check(inputs: Inputs) -> Report {
    let request = inputs.resolve(&|_| None).expect("resolves");
    check::run_fresh(request, tokio::sync::watch::channel(false).1).await
}

/// The first likely cause the diagnosis lists.
fn first_cause(report: &Report) -> String {
    report
        .diagnosis
        .lines
        .iter()
        .find_map(|line| match line {
            Line::Causes(causes) => causes.first().map(|c| c.render(&check::Plain)),
            _ => None,
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_algorithm_signs_an_assertion_the_idp_accepts() {
    let idp = idp().await;
    for (client, key, alg) in [
        ("rsa-client", "rsa-2048.pem", None),
        ("rsa-client", "rsa-2048-pkcs1.pem", Some("PS256")),
        ("p256-client", "ec-p256.pem", None),
        ("p384-client", "ec-p384.pem", None),
        ("kid-client", "rsa-2048.pem", None),
    ] {
        let mut given = inputs(&idp, client, key);
        if let Some(alg) = alg {
            given.set(Input::SigningAlgorithm, Given::Text(alg.into()));
        }
        if client == "kid-client" {
            given.set(Input::PrivateKeyId, Given::Text("key-2026".into()));
        }
        let report = check(given).await;
        assert_eq!(
            report.reason,
            Reason::Ok,
            "{client} {key}: {}",
            report.detail_in(&check::Plain)
        );
        assert_eq!(
            report.findings.auth_method_used.as_deref(),
            Some("private_key_jwt")
        );
    }
}

#[tokio::test]
async fn each_refusal_names_its_own_cause_first() {
    let idp = idp().await;
    let cases: Vec<(&str, Inputs, &str)> = vec![
        (
            "a key that is not the registered one",
            inputs(&idp, "rsa-client", "rsa-other.pem"),
            "not one registered",
        ),
        (
            "an audience other than the token endpoint",
            inputs(&idp, "rsa-client", "rsa-2048.pem")
                .with_text(Input::AssertionAudience, "https://idp.example.com/"),
            "aud (\"https://idp.example.com/\") is not what the server expects",
        ),
        (
            "a server clock two hours ahead",
            inputs(&idp, "late-client", "rsa-2048.pem"),
            "lifetime does not fit",
        ),
        (
            "a kid that is not the registered one",
            inputs(&idp, "kid-client", "rsa-2048.pem").with_text(Input::PrivateKeyId, "key-2025"),
            "not one registered",
        ),
        (
            "an EC key for an RSA-registered client",
            inputs(&idp, "rsa-client", "ec-p256.pem"),
            "does not allow ES256",
        ),
    ];
    let mut problems = Vec::new();
    for (name, given, cause) in cases {
        let report = check(given).await;
        let detail = report.detail_in(&check::Plain);
        if report.reason != Reason::InvalidAssertion {
            problems.push(format!("{name}: reason {:?}\n{detail}", report.reason));
        }
        if !first_cause(&report).contains(cause) {
            problems.push(format!("{name}: first cause is not {cause:?}:\n{detail}"));
        }
        if detail.contains("BEGIN") || detail.matches('.').count() > 40 {
            problems.push(format!(
                "{name}: key material or an assertion in the detail:\n{detail}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

#[tokio::test]
async fn a_secret_for_a_key_registered_client_is_refused_as_the_wrong_method() {
    let idp = idp().await;
    let report = check(
        Inputs::new()
            .with_text(Input::TokenUrl, idp.token_url())
            .with_text(Input::ClientId, "rsa-client")
            .with(
                Input::ClientSecret,
                Given::Secret(
                    check::Secret::new("unused-secret-7f3a"),
                    check::SecretOrigin::Env("S".into()),
                ),
            )
            .with(Input::TimeoutSeconds, Given::Int(10)),
    )
    .await;
    let detail = report.detail_in(&check::Plain);
    assert!(!report.valid, "{detail}");
    assert!(detail.contains("private_key_jwt"), "{detail}");
    assert!(!detail.contains("unused-secret-7f3a"));
}
