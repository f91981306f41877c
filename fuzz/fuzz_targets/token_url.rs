//! Endpoint and credential inputs as the faces collect them (Terraform config, CLI flags, environment), through
//! `Inputs::resolve` and `lint`, plus the Genesys token-URL hint: never panics, one-line summaries, and the
//! secret is never quoted back.
//!
//! The input text is tried as token_url, issuer, client_id, client secret and auth_method in turn, and as the
//! AUTHCHECK_TOKEN_URL / GENESYSCLOUD_REGION environment fallbacks. The environment is a fixed closure: nothing
//! is read from the real environment or the file system.
#![no_main]

use authcheck::check::lint::lint;
use authcheck::check::{Inputs, Report, genesys};
use libfuzzer_sys::fuzz_target;

const TOKEN_URL: &str = "https://idp.example/oauth2/token";
const CLIENT_ID: &str = "3f2a9c1e-8d7b-4c6a-9e5f-0a1b2c3d4e5f";
const SECRET: &str = "s3cr3t-Vx8TqP2mWz";

fn assert_one_line(what: &str, text: &str) {
    assert!(
        !text.contains(char::is_control),
        "{what} is not one line: {text:?}"
    );
}

/// Quoting a long secret is what must never happen; short ones occur in ordinary words.
fn assert_not_quoted(secret: &str, text: &str) {
    let secret = secret.trim();
    if secret.chars().count() >= 24 {
        assert!(!text.contains(secret), "the secret is quoted: {text:?}");
    }
}

fn check(inputs: Inputs, env: &dyn Fn(&str) -> Option<String>, secret: &str) {
    match inputs.resolve(env) {
        Ok(request) => {
            for finding in lint(&request) {
                assert_one_line("lint summary", &finding.summary);
                assert_not_quoted(secret, &finding.summary);
                assert_not_quoted(secret, &finding.detail);
            }
        }
        Err(report) => check_report(&report, secret),
    }
}

fn check_report(report: &Report, secret: &str) {
    assert!(!report.valid, "resolve failed with a valid report");
    assert_one_line("summary", &report.summary);
    assert_not_quoted(secret, &report.summary);
    assert_not_quoted(secret, &report.detail);
    for item in &report.checks {
        assert_not_quoted(secret, &item.detail);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let owned = || Some(text.to_string());
    let fixed_env = |name: &str| match name {
        "AUTHCHECK_CLIENT_ID" => Some(CLIENT_ID.to_string()),
        "AUTHCHECK_CLIENT_SECRET" => Some(SECRET.to_string()),
        _ => None,
    };

    check(
        Inputs {
            token_url: owned(),
            ..Inputs::default()
        },
        &fixed_env,
        SECRET,
    );
    check(
        Inputs {
            issuer: owned(),
            ..Inputs::default()
        },
        &fixed_env,
        SECRET,
    );
    check(
        Inputs {
            token_url: Some(TOKEN_URL.into()),
            client_id: owned(),
            ..Inputs::default()
        },
        &fixed_env,
        SECRET,
    );
    check(
        Inputs {
            token_url: Some(TOKEN_URL.into()),
            auth_method: owned(),
            ..Inputs::default()
        },
        &fixed_env,
        SECRET,
    );
    check(
        Inputs {
            token_url: Some(TOKEN_URL.into()),
            scopes: Some(text.split(' ').map(str::to_string).collect()),
            ..Inputs::default()
        },
        &fixed_env,
        SECRET,
    );

    // The text as the secret, from the environment: lint must describe it without quoting it.
    let secret_env = |name: &str| match name {
        "AUTHCHECK_CLIENT_ID" => Some(CLIENT_ID.to_string()),
        "AUTHCHECK_CLIENT_SECRET" => Some(text.to_string()),
        _ => None,
    };
    check(
        Inputs {
            token_url: Some(TOKEN_URL.into()),
            ..Inputs::default()
        },
        &secret_env,
        text,
    );
    // ... and with the text as the id too (a secret equal to the id, a Basic credential pasted as the secret).
    let (id, rest) = text.split_once('\n').unwrap_or((text, text));
    let split_env = |name: &str| match name {
        "AUTHCHECK_CLIENT_ID" => Some(id.to_string()),
        "AUTHCHECK_CLIENT_SECRET" => Some(rest.to_string()),
        _ => None,
    };
    // A secret equal to the id is reported as such; the id itself may be quoted, so only a distinct secret counts.
    let quoted_secret = if id.contains(rest.trim()) { "" } else { rest };
    check(
        Inputs {
            token_url: Some(TOKEN_URL.into()),
            ..Inputs::default()
        },
        &split_env,
        quoted_secret,
    );

    // Environment fallbacks.
    let url_env = |name: &str| match name {
        "AUTHCHECK_TOKEN_URL" | "GENESYSCLOUD_REGION" => Some(text.to_string()),
        other => fixed_env(other),
    };
    check(Inputs::default(), &url_env, SECRET);
    let region_env = |name: &str| match name {
        "GENESYSCLOUD_REGION" => Some(text.to_string()),
        other => fixed_env(other),
    };
    check(Inputs::default(), &region_env, SECRET);

    if let Some((summary, _detail)) = genesys::token_url_mistake(text) {
        assert_one_line("token_url hint", &summary);
    }
});
