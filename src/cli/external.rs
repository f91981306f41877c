//! `authcheck external`: the program side of Terraform's `hashicorp/external` data source.
//!
//! The contract: one JSON object whose values are all strings on stdin (the query); one JSON object of strings
//! on stdout and exit 0; or one human-readable line on stderr and a non-zero exit, which Terraform shows as the
//! data source's error. Inputs use the data source's names; lists are space-separated; booleans are "true" or
//! "false". The secret never travels in the query (Terraform stores it in state): it comes from the environment
//! or a file.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::check::{Inputs, Report};

/// Every key the query may hold.
const KNOWN_KEYS: [&str; 21] = [
    "client_id",
    "token_url",
    "issuer",
    "genesys_region",
    "genesys_api_url",
    "genesys_login_url",
    "auth_method",
    "client_secret_env",
    "client_secret_file",
    "audience",
    "resource",
    "expected_organization",
    "ca_cert_pem",
    "scopes",
    "required_scopes",
    "fail_on_error",
    "timeout_seconds",
    "max_retries",
    "allow_http",
    "probe_other_regions",
    "format_version",
];

/// A parsed query: the engine inputs and whether a failed check fails the data source.
#[derive(Debug)]
pub struct Query {
    /// The inputs.
    pub inputs: Inputs,
    /// `fail_on_error` (default true).
    pub fail_on_error: bool,
}

fn parse_bool(key: &str, text: &str) -> Result<bool, String> {
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        other => Err(format!(
            "query key {key} must be \"true\" or \"false\", not {other:?}"
        )),
    }
}

fn parse_whole(key: &str, text: &str) -> Result<i64, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "query key {key} must be a whole number, not {:?}",
            text.trim()
        )
    })
}

/// Reads the query; the error is the one line to print on stderr.
pub fn parse_query(input: &[u8]) -> Result<Query, String> {
    if input.len() > 1024 * 1024 {
        return Err("the query on standard input is larger than 1 MiB".to_string());
    }
    let value: Value = serde_json::from_slice(input)
        .map_err(|err| format!("standard input is not a JSON object ({err}); Terraform's external data source sends one"))?;
    let Value::Object(map) = value else {
        return Err(
            "standard input must be a JSON object of strings (the external data source's query)"
                .to_string(),
        );
    };
    let mut texts = BTreeMap::new();
    for (key, value) in map {
        if key == "client_secret" {
            return Err("the query must not hold client_secret: Terraform stores the query in state. Use \
                        client_secret_env (a variable name) or client_secret_file, or AUTHCHECK_CLIENT_SECRET"
                .to_string());
        }
        if !KNOWN_KEYS.contains(&key.as_str()) {
            return Err(format!(
                "unknown query key {key:?}; known keys: {}",
                KNOWN_KEYS.join(", ")
            ));
        }
        let Value::String(text) = value else {
            return Err(format!(
                "query key {key} must be a string (the external data source passes only strings; write lists space-separated)"
            ));
        };
        texts.insert(key, text);
    }
    let get = |key: &str| texts.get(key).filter(|t| !t.trim().is_empty()).cloned();
    let list =
        |key: &str| get(key).map(|t| t.split_whitespace().map(str::to_string).collect::<Vec<_>>());
    let mut inputs = Inputs {
        client_id: get("client_id"),
        token_url: get("token_url"),
        issuer: get("issuer"),
        genesys_region: get("genesys_region"),
        genesys_api_url: get("genesys_api_url"),
        genesys_login_url: get("genesys_login_url"),
        auth_method: get("auth_method"),
        client_secret_env: get("client_secret_env"),
        client_secret_file: get("client_secret_file"),
        audience: get("audience"),
        resource: get("resource"),
        expected_organization: get("expected_organization"),
        ca_cert_pem: get("ca_cert_pem"),
        scopes: list("scopes"),
        required_scopes: list("required_scopes"),
        ..Inputs::default()
    };
    if let Some(text) = get("timeout_seconds") {
        inputs.timeout_seconds = Some(parse_whole("timeout_seconds", &text)?);
    }
    if let Some(text) = get("max_retries") {
        inputs.max_retries = Some(parse_whole("max_retries", &text)?);
    }
    if let Some(text) = get("allow_http") {
        inputs.allow_http = Some(parse_bool("allow_http", &text)?);
    }
    if let Some(text) = get("probe_other_regions") {
        inputs.probe_other_regions = Some(parse_bool("probe_other_regions", &text)?);
    }
    let fail_on_error = match get("fail_on_error") {
        Some(text) => parse_bool("fail_on_error", &text)?,
        None => true,
    };
    Ok(Query {
        inputs,
        fail_on_error,
    })
}

/// The report as the external protocol's map of strings (empty strings for unknown facts).
pub fn outputs(report: &Report) -> BTreeMap<&'static str, String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let checks: Vec<Value> = report
        .checks
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "status": c.status.code(), "detail": c.detail}))
        .collect();
    BTreeMap::from([
        ("valid", report.valid.to_string()),
        ("reason", report.reason.code().to_string()),
        ("summary", report.summary.clone()),
        ("detail", report.detail.clone()),
        ("token_url", opt(&report.token_url)),
        ("auth_method_used", opt(&report.auth_method_used)),
        ("token_type", opt(&report.token_type)),
        (
            "expires_in",
            report.expires_in.map(|n| n.to_string()).unwrap_or_default(),
        ),
        ("expires_at", opt(&report.expires_at)),
        ("granted_scopes", report.granted_scopes.join(" ")),
        ("missing_scopes", report.missing_scopes.join(" ")),
        ("scopes_source", report.scopes_source.code().to_string()),
        ("organization_id", opt(&report.organization_id)),
        ("organization_name", opt(&report.organization_name)),
        ("client_name", opt(&report.client_name)),
        ("token_fingerprint", opt(&report.token_fingerprint)),
        // A list of objects has no space-separated form; it travels as a JSON string (jsondecode() in HCL).
        ("checks", Value::Array(checks).to_string()),
    ])
}

/// The one line for stderr when the check fails: reason, summary and what to do.
pub fn failure_line(report: &Report) -> String {
    let fix = report
        .detail
        .lines()
        .find_map(|line| line.strip_prefix("What to do: "))
        .map(|fix| format!(" What to do: {fix}"))
        .unwrap_or_default();
    let line = format!(
        "authcheck: {} ({}).{fix}",
        report.summary,
        report.reason.code()
    );
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_of_strings_becomes_inputs() {
        let query = parse_query(
            br#"{"token_url":"https://x/t","client_id":"id","scopes":"read  write","fail_on_error":"false","timeout_seconds":"5"}"#,
        )
        .expect("parses");
        assert_eq!(
            query.inputs.scopes,
            Some(vec!["read".to_string(), "write".to_string()])
        );
        assert_eq!(query.inputs.timeout_seconds, Some(5));
        assert!(!query.fail_on_error);
    }

    #[test]
    fn secrets_non_strings_and_unknown_keys_are_refused_with_one_line() {
        for (input, words) in [
            (
                &br#"{"client_secret":"hunter2"}"#[..],
                "must not hold client_secret",
            ),
            (br#"{"scopes":["a"]}"#, "must be a string"),
            (br#"{"tokenurl":"x"}"#, "unknown query key"),
            (b"[1,2]", "JSON object of strings"),
            (b"not json", "not a JSON object"),
            (br#"{"fail_on_error":"maybe"}"#, "\"true\" or \"false\""),
        ] {
            let err = parse_query(input).expect_err("refused");
            assert!(err.contains(words), "{err}");
            assert!(!err.contains('\n'));
            assert!(!err.contains("hunter2"));
        }
    }
}
