//! Endpoint and credential inputs as the faces collect them (Terraform config, CLI flags, environment), through
//! `Inputs::resolve` and `lint`, plus the Genesys token-URL hint: never panics, one-line summaries, and the
//! secret is never quoted back.
//!
//! Input: one byte picks where the rest, as text, goes; its low four bits, so `0` to `9` and `:` in a seed:
//! token_url, issuer, client_id, auth_method, scopes (split on spaces), the secret from the environment (as it
//! is, then behind a marker), the client id and secret as the text's first line and rest (the same two ways),
//! and AUTHCHECK_TOKEN_URL with GENESYSCLOUD_REGION, then GENESYSCLOUD_REGION alone, as environment fallbacks
//! (11 to 15 wrap around). One resolve an input, not eleven: each costs a whole request's worth of rules, and
//! the fuzzer finds each place as easily through the byte. The environment is a fixed closure: nothing is read
//! from the real environment or the file system.
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

/// Where the text goes, by the input's first byte.
#[derive(Clone, Copy)]
enum Place {
    TokenUrl,
    Issuer,
    ClientId,
    AuthMethod,
    Scopes,
    Secret,
    MarkedSecret,
    IdAndSecret,
    MarkedIdAndSecret,
    UrlEnv,
    RegionEnv,
}

const PLACES: [Place; 11] = [
    Place::TokenUrl,
    Place::Issuer,
    Place::ClientId,
    Place::AuthMethod,
    Place::Scopes,
    Place::Secret,
    Place::MarkedSecret,
    Place::IdAndSecret,
    Place::MarkedIdAndSecret,
    Place::UrlEnv,
    Place::RegionEnv,
];

fn fixed_env(name: &str) -> Option<String> {
    match name {
        "AUTHCHECK_CLIENT_ID" => Some(CLIENT_ID.to_string()),
        "AUTHCHECK_CLIENT_SECRET" => Some(SECRET.to_string()),
        _ => None,
    }
}

fn token_url() -> Inputs {
    Inputs::new().with_text(Input::TokenUrl, TOKEN_URL)
}

/// Id and secret from the environment, with the token URL given; with `marked`, the secret starts with MARKER
/// and must appear nowhere (the id may be quoted, so it must not carry the marker itself).
fn check_credentials(id: &str, secret: &str, marked: bool) {
    let marked_secret;
    let secret = if marked {
        marked_secret = format!("{MARKER}{secret}");
        marked_secret.as_str()
    } else {
        secret
    };
    let env = |name: &str| match name {
        "AUTHCHECK_CLIENT_ID" => Some(id.to_string()),
        "AUTHCHECK_CLIENT_SECRET" => Some(secret.to_string()),
        _ => None,
    };
    check(token_url(), &env, marked && !id.contains(MARKER));
}

fuzz_target!(|data: &[u8]| {
    let Some((&place, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let with = |input: Input| Inputs::new().with_text(input, text);
    let chosen = PLACES[usize::from(place & 0x0f) % PLACES.len()];
    match chosen {
        Place::TokenUrl => check(with(Input::TokenUrl), &fixed_env, false),
        Place::Issuer => check(with(Input::Issuer), &fixed_env, false),
        Place::ClientId => check(
            token_url().with_text(Input::ClientId, text),
            &fixed_env,
            false,
        ),
        Place::AuthMethod => check(
            token_url().with_text(Input::AuthMethod, text),
            &fixed_env,
            false,
        ),
        Place::Scopes => check(
            token_url().with(
                Input::Scopes,
                Given::List(text.split(' ').map(str::to_string).collect()),
            ),
            &fixed_env,
            false,
        ),
        // The text as the secret: lint's whitespace, control-character and placeholder checks see it as it is;
        // behind MARKER, any quote of it shows.
        Place::Secret => check_credentials(CLIENT_ID, text, false),
        Place::MarkedSecret => check_credentials(CLIENT_ID, text, true),
        // Id and secret both from the text (first line, rest): a secret equal to the id, a Basic credential
        // pasted as the secret.
        Place::IdAndSecret | Place::MarkedIdAndSecret => {
            let (id, secret) = text.split_once('\n').unwrap_or((text, text));
            check_credentials(id, secret, matches!(chosen, Place::MarkedIdAndSecret));
        }
        Place::UrlEnv => {
            let env = |name: &str| match name {
                "AUTHCHECK_TOKEN_URL" | "GENESYSCLOUD_REGION" => Some(text.to_string()),
                other => fixed_env(other),
            };
            check(Inputs::new(), &env, false);
        }
        Place::RegionEnv => {
            let env = |name: &str| match name {
                "GENESYSCLOUD_REGION" => Some(text.to_string()),
                other => fixed_env(other),
            };
            check(Inputs::new(), &env, false);
        }
    }

    if let Some((summary, _detail)) = genesys::token_url_mistake(text) {
        assert_one_line("token_url hint", &summary.render(&Plain));
    }
});
