//! Checks on the inputs before anything is sent: mistakes that can be named without asking the server.

use base64::Engine;

use crate::check::inputs::request::CheckRequest;
use crate::check::report::Reason;
use crate::check::report::words::Words;
use crate::surface::Input;
use crate::words;

/// A problem found in the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A fatal finding stops the check before anything is sent; others are reported as warnings.
    pub fatal: bool,
    /// The input to blame.
    pub blame: Input,
    /// One line.
    pub summary: Words,
    /// What to do.
    pub detail: Words,
}

/// The reason a fatal finding carries.
pub const FATAL_REASON: Reason = Reason::InvalidInput;

/// Why a value looks like a placeholder rather than a real credential, when it does.
fn placeholder(value: &str) -> Option<&'static str> {
    let trimmed = value.trim();
    let upper = trimmed.to_ascii_uppercase();
    if trimmed.starts_with("${") && trimmed.ends_with('}') {
        return Some("an unexpanded ${...} reference");
    }
    if trimmed.starts_with("$(") && trimmed.ends_with(')') {
        return Some("an unexpanded $(...) command substitution");
    }
    if trimmed.starts_with('<') && trimmed.ends_with('>') {
        return Some("a <...> template placeholder");
    }
    if trimmed.starts_with("{{") && trimmed.ends_with("}}") {
        return Some("an unrendered {{...}} template");
    }
    let words = [
        "CHANGEME",
        "CHANGE_ME",
        "CHANGE-ME",
        "REPLACEME",
        "REPLACE_ME",
        "TODO",
        "FIXME",
        "PLACEHOLDER",
        "XXXX",
        "SECRET_HERE",
        "YOUR_SECRET",
        "YOUR_CLIENT_SECRET",
        "YOUR-CLIENT-SECRET",
        "YOUR_CLIENT_ID",
        "YOUR-CLIENT-ID",
        "CLIENT_SECRET_HERE",
        "INSERT_SECRET",
    ];
    words
        .iter()
        .any(|w| {
            upper == *w
                || (upper.starts_with("YOUR")
                    && upper.len() <= 40
                    && upper.contains(w.trim_start_matches("YOUR_")))
        })
        .then_some("a placeholder such as CHANGEME or YOUR_CLIENT_SECRET")
}

/// True when `secret` is base64 of `client_id:something`: a Basic credential pasted where the secret belongs.
fn is_basic_credential(client_id: &str, secret: &str) -> bool {
    if client_id.is_empty() || secret.len() < 8 {
        return false;
    }
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
    ];
    engines.iter().any(|engine| {
        engine
            .decode(secret.trim_start_matches("Basic ").trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .is_some_and(|text| text.starts_with(&format!("{client_id}:")))
    })
}

/// Looks for mistakes in id and secret. Never quotes the secret.
pub fn lint(request: &CheckRequest) -> Vec<Finding> {
    let mut findings = Vec::new();
    client_id(&request.client_id, &mut findings);
    if request.uses_secret() {
        secret(request, &mut findings);
    }
    // No secret is sent otherwise (a key, a certificate or a federated token authenticates): nothing to lint.
    findings
}

/// Adds a finding.
fn add(findings: &mut Vec<Finding>, fatal: bool, blame: Input, summary: Words, detail: Words) {
    findings.push(Finding {
        fatal,
        blame,
        summary,
        detail,
    });
}

/// Mistakes in the client id: empty, whitespace, control characters, a placeholder.
fn client_id(id: &str, findings: &mut Vec<Finding>) {
    let mut add = |fatal, blame, summary, detail| add(findings, fatal, blame, summary, detail);
    let id_input = Input::ClientId;

    if id.trim().is_empty() {
        add(
            true,
            id_input,
            words![id_input, " is empty"],
            words!["Set ", id_input, " to the OAuth client's id."],
        );
    } else if id.trim() != id {
        add(
            true,
            id_input,
            words![
                id_input,
                format!(" {} leading or trailing whitespace", whitespace_kind(id))
            ],
            words![
                "Remove the whitespace: servers compare client ids exactly. It usually comes from copying the id \
                 with the line end, or from `echo` into a CI variable."
            ],
        );
    } else if id.chars().any(char::is_control) {
        add(
            true,
            id_input,
            words![id_input, " contains control characters"],
            words!["Client ids are printable text; re-copy the id from the server's client page."],
        );
    } else if let Some(kind) = placeholder(id) {
        add(
            true,
            id_input,
            words![
                id_input,
                format!(" looks like {kind}, not a real client id")
            ],
            words![
                "The value was never filled in: check the variable or template that should provide the client id."
            ],
        );
    }
}

/// Mistakes in the secret: empty, whitespace, control characters, a placeholder, a pasted Basic credential, the
/// id itself, characters no generator makes.
fn secret(request: &CheckRequest, findings: &mut Vec<Finding>) {
    let id = request.client_id.as_str();
    let secret = request.client_secret.expose();
    let origin = request.secret_origin.describe();
    let secret_input = request.secret_origin.blame();
    let mut add = |fatal, blame, summary, detail| add(findings, fatal, blame, summary, detail);
    if secret.trim().is_empty() {
        add(
            true,
            secret_input,
            words!["The client secret from ", &origin, " is empty"],
            words![
                &origin,
                " holds no secret (it is empty or only whitespace). Put the client's secret there."
            ],
        );
    } else if secret.trim() != secret {
        add(
            true,
            secret_input,
            words![
                "The client secret from ",
                &origin,
                format!(
                    " {} leading or trailing whitespace",
                    whitespace_kind(secret)
                )
            ],
            words![
                "The secret would be sent with that whitespace and the server would reject it. Remove it: for a \
                 file, write it without the final newline (printf '%s' \"$SECRET\" > file); for a CI variable, \
                 re-paste it without the line end."
            ],
        );
    } else if secret.chars().any(char::is_control) {
        add(
            true,
            secret_input,
            words![
                "The client secret from ",
                &origin,
                " contains control characters"
            ],
            words![
                "Client secrets are printable text; the value was probably read from a binary or mangled file."
            ],
        );
    } else if let Some(kind) = placeholder(secret) {
        add(
            true,
            secret_input,
            words![
                "The client secret from ",
                &origin,
                format!(" looks like {kind}")
            ],
            words![
                "The secret was never filled in. Put the client's real secret in ",
                &origin,
                "."
            ],
        );
    } else if is_basic_credential(id, secret) {
        add(
            true,
            secret_input,
            words![
                "The client secret from ",
                &origin,
                " is a Basic credential (base64 of client_id:secret), not the secret"
            ],
            words![
                &origin,
                " holds the already-encoded Authorization value. Put the secret itself there: authcheck (like \
                 every OAuth2 client) builds the Basic header from the id and the secret."
            ],
        );
    } else {
        if secret == id {
            add(
                false,
                secret_input,
                words!["The client secret from ", &origin, " equals the client id"],
                words![
                    "The same value was probably put in both variables. The check goes on, but expect \
                     invalid_client."
                ],
            );
        }
        if !secret.is_ascii() {
            let typographic = secret.chars().any(|c| {
                matches!(
                    c,
                    '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}' | '\u{00a0}' | '\u{200b}'
                )
            });
            add(
                false,
                secret_input,
                words![
                    "The client secret from ",
                    &origin,
                    format!(
                        " has non-ASCII characters{}",
                        if typographic {
                            " (typographic quotes or invisible spaces, typical of copy-paste from documents)"
                        } else {
                            ""
                        }
                    )
                ],
                words![
                    "Generated client secrets are ASCII; some SDKs (Genesys Cloud's Python SDK among them) cannot \
                     even send others. Re-copy the secret from the server."
                ],
            );
        }
    }
}

fn whitespace_kind(text: &str) -> &'static str {
    if text.ends_with('\n') || text.ends_with("\r\n") {
        "ends with a newline:"
    } else {
        "has"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::base::secret::Secret;
    use crate::check::inputs::request::{Endpoint, SecretOrigin};
    use crate::check::report::words::Plain;

    fn findings(id: &str, secret: &str) -> Vec<Finding> {
        lint(&CheckRequest::new(
            Endpoint::TokenUrl("https://x/t".into()),
            id,
            Secret::new(secret),
            SecretOrigin::Env("S".into()),
        ))
    }

    fn first(id: &str, secret: &str) -> Option<(bool, String)> {
        findings(id, secret)
            .into_iter()
            .next()
            .map(|f| (f.fatal, f.summary.render(&Plain)))
    }

    #[test]
    fn each_input_mistake_is_named_without_quoting_the_secret() {
        let rows: &[(&str, &str, bool, &str)] = &[
            ("", "s3cret-value", true, "client_id is empty"),
            (
                " id",
                "s3cret-value",
                true,
                "client_id has leading or trailing whitespace",
            ),
            ("id", "s3cret-value\n", true, "ends with a newline"),
            ("id", "   ", true, "is empty"),
            ("id", "CHANGEME", true, "placeholder"),
            ("id", "YOUR_CLIENT_SECRET", true, "placeholder"),
            (
                "id",
                "${CLIENT_SECRET}",
                true,
                "unexpanded ${...} reference",
            ),
            ("id", "<client secret>", true, "<...> template placeholder"),
            (
                "<client id>",
                "s3cret-value",
                true,
                "client_id looks like a <...> template placeholder",
            ),
            (
                "my-client",
                "bXktY2xpZW50OnMzY3JldA==",
                true,
                "is a Basic credential",
            ),
            ("id", "ab\u{7}cd-secret", true, "control characters"),
            ("same-value", "same-value", false, "equals the client id"),
            ("id", "s3cr\u{201d}t-value", false, "typographic quotes"),
        ];
        for (id, secret, fatal, words) in rows {
            let got = first(id, secret);
            let Some((got_fatal, summary)) = got else {
                panic!("no finding for {id:?}");
            };
            assert_eq!(got_fatal, *fatal, "{summary}");
            assert!(summary.contains(words), "{summary:?} lacks {words:?}");
            // The placeholder rows name the placeholder forms in general words, which is not quoting a secret.
            let quoted = secret.trim().len() >= 4 && summary.contains(secret.trim());
            assert!(
                !quoted || words.contains("placeholder"),
                "summary quotes the secret: {summary}"
            );
        }
    }

    #[test]
    fn ordinary_credentials_have_no_findings() {
        assert!(
            findings(
                "3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90",
                "kX9-Tq_2vZ~p8Lr.Ws4"
            )
            .is_empty()
        );
        assert!(findings("ci-bot", "a+b/c=d%e&f").is_empty());
    }
}
