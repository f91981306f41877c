//! Checks on the inputs before anything is sent: mistakes that can be named without asking the server.

use super::report::{Blame, Reason};
use super::request::CheckRequest;

/// A problem found in the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `InvalidInput` stops the check; anything else is reported as a warning.
    pub fatal: bool,
    /// The input to blame.
    pub blame: Blame,
    /// One line.
    pub summary: String,
    /// What to do.
    pub detail: String,
}

/// The reason a fatal finding carries.
pub const FATAL_REASON: Reason = Reason::InvalidInput;

/// Looks for mistakes in id and secret. Never quotes the secret.
pub fn lint(request: &CheckRequest) -> Vec<Finding> {
    let mut findings = Vec::new();
    let id = request.client_id.as_str();
    let secret = request.client_secret.expose();
    let origin = request.secret_origin.describe();
    let mut fatal = |blame: Blame, summary: String, detail: String| {
        findings.push(Finding {
            fatal: true,
            blame,
            summary,
            detail,
        })
    };
    if id.trim().is_empty() {
        fatal(
            Blame::ClientId,
            "client_id is empty".to_string(),
            "Set client_id to the OAuth client's id.".to_string(),
        );
    } else if id.trim() != id {
        fatal(
            Blame::ClientId,
            format!("client_id {} leading or trailing whitespace", whitespace_kind(id)),
            "Remove the whitespace: servers compare client ids exactly. It usually comes from copying the id \
             with the line end, or from `echo` into a CI variable."
                .to_string(),
        );
    }
    if secret.trim().is_empty() {
        fatal(
            Blame::ClientSecret,
            format!("The client secret from {origin} is empty"),
            format!(
                "{origin} is set but holds no secret (or only whitespace). Put the client's secret there."
            ),
        );
    } else if secret.trim() != secret {
        fatal(
            Blame::ClientSecret,
            format!("The client secret from {origin} {} leading or trailing whitespace", whitespace_kind(secret)),
            "The secret would be sent with that whitespace and the server would reject it. Remove it: for a file, \
             write it without the final newline (printf '%s' \"$SECRET\" > file); for a CI variable, re-paste it \
             without the line end."
                .to_string(),
        );
    }
    findings
}

fn whitespace_kind(text: &str) -> &'static str {
    if text.ends_with('\n') || text.ends_with("\r\n") {
        "ends with a newline:"
    } else {
        "has"
    }
}
