//! How a check ends once the token endpoint has answered: a failure explained, or a token and what it carries
//! (lifetime, fingerprint, scopes compared with the required ones).

use sha2::{Digest, Sha256};

use super::clock;
use super::interpret::{Failure, Issued, short};
use super::report::{Diagnosis, Findings, Line, Outcome, Reason, ScopesSource, Status};
use super::request::CheckRequest;
use super::scopes;
use super::scrub::Scrubber;
use super::words::Words;
use crate::surface::Input;
use crate::words;

/// The outcome a failure explains: what was sent, what came back, what it means, the causes and the fix.
pub fn failed(failure: &Failure, sent: Words, also: Option<Words>) -> Outcome {
    let mut lines = vec![Line::Sent(sent), Line::Got(failure.got.clone())];
    if let Some(also) = also {
        lines.push(Line::Also(also));
    }
    lines.push(Line::Meaning(failure.meaning.clone()));
    lines.push(Line::Causes(failure.causes.clone()));
    lines.push(Line::Fix(failure.fix.clone()));
    Outcome {
        reason: failure.reason,
        summary: failure.summary.clone(),
        diagnosis: Diagnosis { lines },
        blame: failure.blame,
        usage: false,
    }
}

/// `sha256:` and the first six bytes of the token's digest, in hex.
pub fn fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    format!(
        "sha256:{}",
        digest
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// Where the granted scopes may be learnt when the token answer does not say.
#[derive(Debug)]
pub enum OtherEvidence {
    /// Nothing else was asked.
    None,
    /// Introspection or Genesys' token information answered with these scopes.
    Scopes(Vec<String>, ScopesSource),
    /// It was asked and could not tell; says why.
    Failed(String),
}

/// A token was issued: records its facts, compares scopes, and says how the check ends.
#[allow(clippy::too_many_arguments)]
pub fn token_issued(
    request: &CheckRequest,
    found: &mut Findings,
    issued: Issued,
    method: &str,
    accepted: &str,
    sent: Words,
    host: &str,
    evidence: OtherEvidence,
    scrub: &Scrubber,
    keep_token: bool,
) -> Outcome {
    let Issued {
        access_token,
        token_type,
        expires_in,
        scope,
        warnings,
    } = issued;
    found.auth_method_used = Some(method.to_string());
    found.token_type = Some(token_type.clone());
    found.expires_in = expires_in;
    found.expires_at =
        expires_in.map(|seconds| clock::rfc3339(clock::now_unix().saturating_add(seconds)));
    found.token_fingerprint = Some(fingerprint(access_token.expose()));
    found.push(
        "token_request",
        Status::Pass,
        format!(
            "{host} issued a {token_type} token{}",
            expires_in
                .map(|s| format!(" valid for {s}s"))
                .unwrap_or_default()
        ),
    );
    for warning in warnings {
        found.push("token_response", Status::Warn, warning);
    }

    let (granted, source) = match scope {
        Some(scope) => (
            Some(scopes::split(&scrub.clean(&scope))),
            ScopesSource::Response,
        ),
        None => match (scopes::from_jwt(access_token.expose()), evidence) {
            (Some(found_scopes), _) => (Some(found_scopes), ScopesSource::Jwt),
            (None, OtherEvidence::Scopes(found_scopes, source)) => (Some(found_scopes), source),
            (None, OtherEvidence::Failed(problem)) => {
                found.push("introspection", Status::Warn, problem);
                (None, ScopesSource::Unknown)
            }
            (None, OtherEvidence::None) => (None, ScopesSource::Unknown),
        },
    };
    found.scopes_source = Some(source);
    found.granted_scopes = granted
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|s| scrub.clean(s))
        .collect();
    if keep_token {
        found.access_token = Some(access_token);
    }

    let mut got = format!("a {token_type} token");
    if let Some(seconds) = expires_in {
        got.push_str(&format!(" valid for {seconds}s"));
    }
    if let Some(fingerprint) = &found.token_fingerprint {
        got.push_str(&format!(" (fingerprint {fingerprint})"));
    }
    let mut lines = vec![Line::Sent(sent), Line::Got(words![got])];

    if request.required_scopes.is_empty() {
        found.push(
            "scopes",
            Status::Skip,
            words!["no ", Input::RequiredScopes, " given"],
        );
    } else {
        match &granted {
            Some(granted) => {
                let missing = scopes::missing(&request.required_scopes, granted);
                if missing.is_empty() {
                    found.push(
                        "scopes",
                        Status::Pass,
                        format!("every required scope granted ({})", source.code()),
                    );
                } else {
                    found.missing_scopes = missing.clone();
                    let summary = words![format!(
                        "The token for client {} lacks required scope{} {}",
                        short(&request.client_id),
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(", ")
                    )];
                    found.push("scopes", Status::Fail, summary.clone());
                    lines.push(Line::Fact(
                        "Granted scopes",
                        words![format!(
                            "{} (from {})",
                            if granted.is_empty() {
                                "(none)".to_string()
                            } else {
                                found.granted_scopes.join(" ")
                            },
                            source.code()
                        )],
                    ));
                    lines.push(Line::Fact(
                        "Required",
                        words![request.required_scopes.join(" ")],
                    ));
                    lines.push(Line::Fact("Missing", words![missing.join(" ")]));
                    lines.push(Line::Meaning(words![
                        "the credentials work, but the token will be refused for what needs the missing scopes."
                    ]));
                    lines.push(Line::Fix(words![
                        "grant the missing scopes to the client on the server (or request them in ",
                        Input::Scopes,
                        " if the server grants only what is asked)."
                    ]));
                    return Outcome::new(Reason::MissingScopes, summary, Diagnosis { lines })
                        .blaming(Input::RequiredScopes);
                }
            }
            None => {
                found.push(
                    "scopes",
                    Status::Warn,
                    words![
                        "could not verify ",
                        Input::RequiredScopes,
                        ": the answer has no scope field and the token is not a JWT"
                    ],
                );
            }
        }
    }

    lines.push(Line::Fact("Auth method accepted", words![accepted]));
    Outcome::new(
        Reason::Ok,
        words![format!(
            "Client {} obtained a token from {host}",
            short(&request.client_id)
        )],
        Diagnosis { lines },
    )
}
