//! `authcheck external`: the program side of Terraform's `hashicorp/external` data source.
//!
//! The contract: one JSON object whose values are all strings on stdin (the query); one JSON object of strings
//! on stdout and exit 0; or one human-readable line on stderr and a non-zero exit, which Terraform shows as the
//! data source's error. Query keys and output keys are the surface table's names; lists are space-separated;
//! booleans are "true" or "false". The secret never travels in the query (Terraform stores it in state): it
//! comes from the environment or a file.

use std::collections::BTreeMap;

use serde_json::Value;

use super::words::ExternalWords;
use crate::check::report::values::{CheckRow, OutValue};
use crate::check::{Given, Inputs, Report};
use crate::surface::{self, Input, Kind, Place};

/// Keys the query may hold besides the inputs: none are read today, `format_version` is reserved.
const EXTRA_KEYS: [&str; 1] = ["format_version"];

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

fn known_keys() -> Vec<&'static str> {
    surface::inputs_in(Place::External)
        .map(|row| row.name)
        .chain(EXTRA_KEYS)
        .collect()
}

/// Reads the query; the error is the one line to print on stderr.
pub fn parse_query(input: &[u8]) -> Result<Query, String> {
    if input.len() > 1024 * 1024 {
        return Err("the query on standard input is larger than 1 MiB".to_string());
    }
    let value: Value = serde_json::from_slice(input).map_err(|err| {
        format!(
            "standard input is not a JSON object ({err}); Terraform's external data source sends one"
        )
    })?;
    let Value::Object(map) = value else {
        return Err(
            "standard input must be a JSON object of strings (the external data source's query)"
                .to_string(),
        );
    };
    let mut inputs = Inputs::new();
    for (key, value) in map {
        if surface::input_named(&key).is_some_and(|row| row.sensitive) {
            return Err(format!(
                "the query must not hold {key}: Terraform stores the query in state. Use client_secret_env (a \
                 variable name) or client_secret_file, or AUTHCHECK_CLIENT_SECRET"
            ));
        }
        let row = surface::input_named(&key).filter(|row| row.places.has(Place::External));
        if row.is_none() && !EXTRA_KEYS.contains(&key.as_str()) {
            return Err(format!(
                "unknown query key {key:?}; known keys: {}",
                known_keys().join(", ")
            ));
        }
        let Value::String(text) = value else {
            return Err(format!(
                "query key {key} must be a string (the external data source passes only strings; write lists \
                 space-separated)"
            ));
        };
        let Some(row) = row else { continue };
        if text.trim().is_empty() {
            continue;
        }
        let given = match row.kind {
            Kind::Bool => Given::Bool(parse_bool(&key, &text)?),
            Kind::Int { .. } => Given::Int(parse_whole(&key, &text)?),
            Kind::Tokens => Given::List(text.split_whitespace().map(str::to_string).collect()),
            _ => Given::Text(text),
        };
        inputs.set(row.input, given);
    }
    if let Some(problem) = crate::check::validate(&inputs).into_iter().next() {
        return Err(format!(
            "{} ({})",
            problem.summary.render(&ExternalWords),
            problem.detail.render(&ExternalWords)
        ));
    }
    let fail_on_error = inputs.flag(Input::FailOnError).unwrap_or(true);
    Ok(Query {
        inputs,
        fail_on_error,
    })
}

/// The report as the external protocol's map of strings (empty strings for unknown facts).
pub fn outputs(report: &Report) -> BTreeMap<&'static str, String> {
    surface::outputs_in(Place::External)
        .map(|row| {
            let text = match report.output(row.output, &ExternalWords) {
                OutValue::Bool(b) => b.to_string(),
                OutValue::Text(text) => text.unwrap_or_default(),
                OutValue::Int(n) => n.map(|n| n.to_string()).unwrap_or_default(),
                OutValue::List(items) => items.join(" "),
                // No output of the external program is a secret.
                OutValue::Secret(_) => String::new(),
                // A list of objects has no space-separated form; it travels as a JSON string (jsondecode()).
                OutValue::Checks(items) => {
                    Value::Array(items.into_iter().map(CheckRow::json).collect()).to_string()
                }
            };
            (row.name, text)
        })
        .collect()
}

/// The one line for stderr when the check fails: reason, summary and what to do, from the report's data.
pub fn failure_line(report: &Report) -> String {
    let fix = report
        .diagnosis
        .fix()
        .map(|fix| format!(" What to do: {}", fix.render(&ExternalWords)))
        .unwrap_or_default();
    let line = format!(
        "authcheck: {} ({}).{fix}",
        report.summary_in(&ExternalWords),
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
            query.inputs.list(Input::Scopes),
            Some(&["read".to_string(), "write".to_string()][..])
        );
        assert_eq!(query.inputs.int(Input::TimeoutSeconds), Some(5));
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
            (
                br#"{"timeout_seconds":"0"}"#,
                "timeout_seconds must be between 1 and 600",
            ),
        ] {
            let err = parse_query(input).expect_err("refused");
            assert!(err.contains(words), "{err}");
            assert!(!err.contains('\n'));
            assert!(!err.contains("hunter2"));
        }
    }

    #[test]
    fn every_output_of_the_surface_is_a_key() {
        let report = Report::refused(
            crate::check::Words::text("x"),
            crate::check::Words::text("y"),
            Input::ClientId,
        );
        let keys: Vec<&str> = outputs(&report).into_keys().collect();
        let mut expected: Vec<&str> = surface::outputs_in(Place::External)
            .map(|r| r.name)
            .collect();
        expected.sort_unstable();
        assert_eq!(keys, expected);
    }
}
