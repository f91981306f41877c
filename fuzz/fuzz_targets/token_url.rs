//! Endpoint and credential inputs as the faces collect them (Terraform config, CLI flags, environment), through
//! `Inputs::resolve` and `lint`, plus the Genesys token-URL hint: never panics, one-line summaries, and the
//! secret is never quoted back.
//!
//! The input text is tried as token_url, issuer, client_id, client secret and auth_method in turn, and as the
//! AUTHCHECK_TOKEN_URL / GENESYSCLOUD_REGION environment fallbacks. The environment is a fixed closure: nothing
//! is read from the real environment or the file system.
#![no_main]

use authcheck::check::internals::genesys;
use authcheck::check::internals::lint::lint;
use authcheck::check::{Given, Inputs, Plain, Report};
use authcheck::surface::Input;
use libfuzzer_sys::fuzz_target;

const TOKEN_URL: &str = "https://idp.example/oauth2/token";
const CLIENT_ID: &str = "3f2a9c1e-8d7b-4c6a-9e5f-0a1b2c3d4e5f";
const SECRET: &str = "s3cr3t-Vx8TqP2mWz";
/// Starts the secret in the leak checks. No message text contains it, so finding it in one means (a part of) the
/// secret was quoted; looking for the fuzzed text itself would flag secrets that merely equal message words.
const MARKER: &str = "Zq7xK";

fn assert_one_line(what: &str, text: &str) {
    assert!(
        !text.contains(char::is_control),
        "{what} is not one line: {text:?}"
    );
}

fn assert_not_quoted(leak_check: bool, text: &str) {
    assert!(
        !(leak_check && text.contains(MARKER)),
        "the secret is quoted: {text:?}"
    );
}

/// Resolves and lints; with `leak_check`, the secret starts with MARKER and must appear nowhere.
fn check(inputs: Inputs, env: &dyn Fn(&str) -> Option<String>, leak_check: bool) {
    match inputs.resolve(env) {
        Ok(request) => {
            for finding in lint(&request) {
                let summary = finding.summary.render(&Plain);
                assert_one_line("lint summary", &summary);
                assert_not_quoted(leak_check, &summary);
                assert_not_quoted(leak_check, &finding.detail.render(&Plain));
            }
        }
        Err(report) => check_report(&report, leak_check),
    }
}

fn check_report(report: &Report, leak_check: bool) {
    assert!(!report.valid, "resolve failed with a valid report");
    let summary = report.summary_in(&Plain);
    assert_one_line("summary", &summary);
    assert_not_quoted(leak_check, &summary);
    assert_not_quoted(leak_check, &report.detail_in(&Plain));
    for item in &report.findings.checks {
        assert_not_quoted(leak_check, &item.detail.render(&Plain));
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let with = |input: Input| Inputs::new().with_text(input, text);
    let token_url = || Inputs::new().with_text(Input::TokenUrl, TOKEN_URL);
    let fixed_env = |name: &str| match name {
        "AUTHCHECK_CLIENT_ID" => Some(CLIENT_ID.to_string()),
        "AUTHCHECK_CLIENT_SECRET" => Some(SECRET.to_string()),
        _ => None,
    };

    check(with(Input::TokenUrl), &fixed_env, false);
    check(with(Input::Issuer), &fixed_env, false);
    check(
        token_url().with_text(Input::ClientId, text),
        &fixed_env,
        false,
    );
    check(
        token_url().with_text(Input::AuthMethod, text),
        &fixed_env,
        false,
    );
    check(
        token_url().with(
            Input::Scopes,
            Given::List(text.split(' ').map(str::to_string).collect()),
        ),
        &fixed_env,
        false,
    );

    // The text as the secret, from the environment: lint's whitespace, control-character and placeholder checks
    // see it as it is; then behind MARKER, where any quote of it shows.
    let token_url_only = token_url;
    let marked = format!("{MARKER}{text}");
    for (secret, leak_check) in [(text, false), (marked.as_str(), true)] {
        let secret_env = |name: &str| match name {
            "AUTHCHECK_CLIENT_ID" => Some(CLIENT_ID.to_string()),
            "AUTHCHECK_CLIENT_SECRET" => Some(secret.to_string()),
            _ => None,
        };
        check(token_url_only(), &secret_env, leak_check);
    }
    // Id and secret both from the text (first line, rest): a secret equal to the id, a Basic credential pasted
    // as the secret.
    let (id, rest) = text.split_once('\n').unwrap_or((text, text));
    let marked = format!("{MARKER}{rest}");
    for (secret, leak_check) in [(rest, false), (marked.as_str(), true)] {
        let split_env = |name: &str| match name {
            "AUTHCHECK_CLIENT_ID" => Some(id.to_string()),
            "AUTHCHECK_CLIENT_SECRET" => Some(secret.to_string()),
            _ => None,
        };
        // The id may be quoted; it must not carry the marker into the messages.
        check(
            token_url_only(),
            &split_env,
            leak_check && !id.contains(MARKER),
        );
    }

    // Environment fallbacks.
    let url_env = |name: &str| match name {
        "AUTHCHECK_TOKEN_URL" | "GENESYSCLOUD_REGION" => Some(text.to_string()),
        other => fixed_env(other),
    };
    check(Inputs::new(), &url_env, false);
    let region_env = |name: &str| match name {
        "GENESYSCLOUD_REGION" => Some(text.to_string()),
        other => fixed_env(other),
    };
    check(Inputs::new(), &region_env, false);

    if let Some((summary, _detail)) = genesys::token_url_mistake(text) {
        assert_one_line("token_url hint", &summary.render(&Plain));
    }
});
