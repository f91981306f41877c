//! A Google credential configuration (`external_account`, `service_account`, `impersonated_service_account`), as
//! `google::config` reads it: `Config::parse`, the impersonation URL's readers and `printable`. Never panics; a
//! refusal is one bounded line; what the reader says never depends on a private key or a header value, and the
//! secrets it keeps are exactly those.
#![no_main]

mod common;

use authcheck::check::internals::google::config::{
    Config, MAX_CONFIG_BYTES, SubjectSource, impersonated_account, impersonation_base, printable,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Longest refusal: a fixed sentence and at most 100 characters of the `type` it names.
const REASON_MAX: usize = 400;
/// What every secret becomes in the copy of the document whose answer must not differ.
const PLACEHOLDER: char = 'Z';

/// Replaces the text of every place the reader keeps as a secret (any `private_key` string, any string in a
/// `headers` object) with placeholders of the same length, so emptiness, which the reader does look at, is kept.
/// The places replaced that the reader ignores (a `private_key` in an `external_account`) cannot change its
/// answer either, so the replacement is safe to apply everywhere.
fn hide_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, member) in map.iter_mut() {
                match (name.as_str(), &mut *member) {
                    ("private_key", Value::String(text)) => *text = placeholder(text),
                    ("headers", Value::Object(headers)) => {
                        for header in headers.values_mut() {
                            if let Value::String(text) = header {
                                *text = placeholder(text);
                            }
                        }
                    }
                    _ => {}
                }
                hide_secrets(member);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide_secrets),
        _ => {}
    }
}

fn placeholder(text: &str) -> String {
    std::iter::repeat_n(PLACEHOLDER, text.len()).collect()
}

/// What the reader says about `text`, as text: its refusal, or the configuration's `Debug` (secrets redacted).
fn said(text: &str) -> Result<String, String> {
    Config::parse(text).map(|config| format!("{config:?}"))
}

/// The properties of one reading, whatever the input.
fn check_reading(text: &str) {
    match Config::parse(text) {
        Err(why) => {
            common::assert_one_line("refusal", &why);
            common::assert_short("refusal", &why, REASON_MAX);
        }
        Ok(config) => {
            assert!(
                matches!(
                    config.kind(),
                    "external_account" | "service_account" | "impersonated_service_account"
                ),
                "unknown kind {}",
                config.kind()
            );
            check_config(&config);
        }
    }
}

fn check_config(config: &Config) {
    if let Some(base) = config.impersonation_base() {
        assert!(!base.is_empty(), "an empty impersonation base");
    }
    match config {
        Config::ExternalAccount(account) => {
            assert!(!account.audience.trim().is_empty(), "a blank audience");
            if let Some(email) = &account.service_account {
                assert!(email.contains('@'), "impersonates {email:?}");
            }
            if let SubjectSource::Environment(id) = &account.source {
                let shown = printable(id);
                common::assert_one_line("environment_id", &shown);
            }
        }
        Config::ServiceAccount(key) => {
            assert!(!key.private_key.expose().is_empty(), "an empty private key");
            assert!(!key.client_email.trim().is_empty(), "a blank client_email");
        }
        Config::Impersonated {
            source,
            service_account,
            ..
        } => {
            assert!(
                service_account.contains('@'),
                "impersonates {service_account:?}"
            );
            check_config(source);
        }
    }
}

/// `impersonated_account` names an account only when the URL ends with `EMAIL:generateAccessToken`;
/// `impersonation_base` is the part of the URL before `/v1/projects/`.
fn check_impersonation_url(url: &str) {
    if let Some(base) = impersonation_base(url) {
        assert!(
            !base.is_empty() && url.trim().starts_with(&format!("{base}/v1/projects/")),
            "{base:?} is not the base of {url:?}"
        );
    }
    if let Some(email) = impersonated_account(url) {
        assert!(email.contains('@') && !email.contains('/'), "{email:?}");
        assert!(
            url.ends_with(&format!("{email}:generateAccessToken")),
            "{email:?} is not what {url:?} names"
        );
    }
    let shown = printable(url);
    common::assert_one_line("printable", &shown);
    assert!(shown.chars().count() <= 100, "printable is not bounded");
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Object(map) => map.values().for_each(|member| strings(member, out)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_reading(&text);
    check_impersonation_url(&text);

    let Ok(document) = serde_json::from_str::<Value>(&text) else {
        return;
    };
    let mut found = Vec::new();
    strings(&document, &mut found);
    for string in &found {
        check_impersonation_url(string);
    }

    // The same document twice, once with every secret replaced: the reader must say the same of both, so no
    // secret reaches a refusal or the configuration's Debug form. Both are re-serialized, so duplicate members
    // and formatting are the same on each side.
    let mut hidden = document.clone();
    hide_secrets(&mut hidden);
    let (original, hidden) = (document.to_string(), hidden.to_string());
    if original.len() > MAX_CONFIG_BYTES || hidden.len() > MAX_CONFIG_BYTES {
        return;
    }
    // One reading of the hidden copy serves both checks: each reading parses the whole document again.
    let hidden = Config::parse(&hidden);
    assert_eq!(
        said(&original),
        hidden
            .as_ref()
            .map(|config| format!("{config:?}"))
            .map_err(String::clone),
        "the answer depends on a secret's text"
    );
    // Every secret the reader keeps comes from a place replaced above: a new secret field must be added there.
    if let Ok(config) = hidden {
        for secret in config.secrets() {
            assert!(
                secret.expose().chars().all(|c| c == PLACEHOLDER),
                "a secret from a place the target does not hide: {config:?}"
            );
        }
    }
});
