//! How a check that got a token ends: the token's facts (type, lifetime, fingerprint), the scope step's verdict,
//! and the outcome: ok, missing scopes, or (under `strict`) unverifiable.

use sha2::{Digest, Sha256};

use crate::check::base::clock;
use crate::check::base::heard::{Quoted, Scrubber};
use crate::check::exchange::Token;
use crate::check::exchange::interpret::{Issued, short};
use crate::check::inputs::request::CheckRequest;
use crate::check::report::Step;
use crate::check::report::words::{Assign, Words};
use crate::check::report::{Diagnosis, Findings, Line, Outcome, Reason, Status};
use crate::check::verify::scopes::{ScopeFinding, ScopeVerdict, how_to_verify};
use crate::surface::Input;
use crate::words;

/// Longest scope shown: scopes are short identifiers, an Entra one a URL.
const MAX_SCOPE: usize = 500;

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

/// A token was issued: records its facts and the scope step's finding, and says how the check ends.
pub fn token_issued(
    request: &CheckRequest,
    found: &mut Findings,
    token: Token,
    host: &str,
    scope: ScopeFinding,
    keep_token: bool,
    scrub: &Scrubber,
) -> Outcome {
    let Token {
        issued, how, sent, ..
    } = token;
    let got = record_token(found, issued, how.method_name(), host, keep_token);
    let granted = record_scopes(found, &scope, scrub);
    let mut lines = vec![Line::Sent(sent), Line::Got(words![got])];
    let asked = match scope.asked {
        0 => String::new(),
        1 => " (asked the server once more)".to_string(),
        n => format!(" (asked the server {n} more times)"),
    };
    let source = scope.source.code();
    match &scope.verdict {
        ScopeVerdict::NotRequired => found.push(
            Step::Scopes,
            Status::Skip,
            words!["no ", Input::RequiredScopes, " given"],
        ),
        ScopeVerdict::Granted => found.push(
            Step::Scopes,
            Status::Pass,
            format!("every required scope granted ({source}){asked}"),
        ),
        ScopeVerdict::GrantedWhenRequested(scopes) => {
            granted_when_requested(found, scopes, source, &asked);
        }
        ScopeVerdict::Unverifiable(why) => {
            if let Some(outcome) = unverifiable(request, found, why, &mut lines) {
                return outcome;
            }
        }
        ScopeVerdict::Missing(missing) => {
            return missing_scopes(request, found, &scope, missing, &granted, &asked, lines);
        }
    }
    lines.push(Line::Fact("Auth method accepted", words![how.describe()]));
    Outcome::new(
        Reason::Ok,
        words![format!(
            "Client {} obtained a token from {host}",
            short(&request.client_id)
        )],
        Diagnosis { lines },
    )
}

/// The token's facts and its step; what came back, in a sentence (never the token).
fn record_token(
    found: &mut Findings,
    issued: Issued,
    method: &str,
    host: &str,
    keep_token: bool,
) -> String {
    let Issued {
        access_token,
        token_type,
        expires_in,
        warnings,
        ..
    } = issued;
    found.auth_method_used = Some(method.to_string());
    found.token_type = Some(token_type.clone());
    found.expires_in = expires_in;
    found.expires_at =
        expires_in.map(|seconds| clock::rfc3339(clock::now_unix().saturating_add(seconds)));
    let fingerprint = fingerprint(access_token.expose());
    found.push(
        Step::TokenRequest,
        Status::Pass,
        format!(
            "{host} issued a {token_type} token{}",
            expires_in
                .map(|s| format!(" valid for {s}s"))
                .unwrap_or_default()
        ),
    );
    for warning in warnings {
        found.push(Step::TokenResponse, Status::Warn, warning);
    }
    if keep_token {
        found.access_token = Some(access_token);
    }
    let mut got = format!("a {token_type} token");
    if let Some(seconds) = expires_in {
        got.push_str(&format!(" valid for {seconds}s"));
    }
    got.push_str(&format!(" (fingerprint {fingerprint})"));
    found.token_fingerprint = Some(fingerprint);
    got
}

/// The scopes the evidence shows, scrubbed, and where they came from; an introspection that failed along the
/// way is a warning only when nothing else told.
fn record_scopes(found: &mut Findings, scope: &ScopeFinding, scrub: &Scrubber) -> Vec<Quoted> {
    if matches!(scope.verdict, ScopeVerdict::NotRequired) {
        let mut notes = scope.notes.clone();
        notes.dedup();
        for note in notes {
            found.push(Step::Introspection, Status::Warn, note);
        }
    }
    found.scopes_source = scope.source;
    let granted: Vec<Quoted> = scope
        .granted
        .iter()
        .flatten()
        .map(|g| scrub.quote(g, MAX_SCOPE))
        .collect();
    found.granted_scopes = granted.clone();
    granted
}

/// Granted, but only when asked for: the pipeline's own provider must ask too.
fn granted_when_requested(found: &mut Findings, scopes: &[String], source: &str, asked: &str) {
    found.push(
        Step::Scopes,
        Status::Warn,
        words![
            format!(
                "the client gets {} when it asks for {it}, and the token issued without asking does not show \
                 {it} ({source}){asked}: add {it} to ",
                scopes.join(", "),
                it = if scopes.len() == 1 { "it" } else { "them" },
            ),
            Input::Scopes,
            format!(
                ", and make the pipeline's own provider request {} too",
                if scopes.len() == 1 { "it" } else { "them" }
            )
        ],
    );
}

/// Nothing says whether the token carries the required scopes: a warning, or under `strict` the outcome.
fn unverifiable(
    request: &CheckRequest,
    found: &mut Findings,
    why: &Words,
    lines: &mut Vec<Line>,
) -> Option<Outcome> {
    let text = words![
        "could not verify ",
        Input::RequiredScopes,
        ": ",
        why,
        "; what would make it verifiable: ",
        how_to_verify()
    ];
    if request.strict {
        found.push(Step::Scopes, Status::Fail, text.clone());
        lines.push(Line::Meaning(words![
            "a token was issued, but nothing says whether it carries the required scopes, and ",
            Assign(Input::Strict, "true".into()),
            " asks for that to fail."
        ]));
        lines.push(Line::Note(text));
        lines.push(Line::Fix(words![
            "make the scopes verifiable (",
            how_to_verify(),
            "), or leave ",
            Input::Strict,
            " off to accept the warning."
        ]));
        return Some(
            Outcome::new(
                Reason::Unverifiable,
                words![format!(
                    "Could not verify the required scopes of client {}",
                    short(&request.client_id)
                )],
                Diagnosis {
                    lines: std::mem::take(lines),
                },
            )
            .blaming(Input::RequiredScopes),
        );
    }
    found.push(Step::Scopes, Status::Warn, text);
    None
}

/// Required scopes the token lacks: the outcome.
fn missing_scopes(
    request: &CheckRequest,
    found: &mut Findings,
    scope: &ScopeFinding,
    missing: &[String],
    granted: &[Quoted],
    asked: &str,
    mut lines: Vec<Line>,
) -> Outcome {
    let source = scope.source.code();
    found.missing_scopes = missing.to_vec();
    let summary = words![format!(
        "The token for client {} lacks required scope{} {}",
        short(&request.client_id),
        if missing.len() == 1 { "" } else { "s" },
        missing.join(", ")
    )];
    found.push(Step::Scopes, Status::Fail, words![summary.clone(), asked]);
    lines.push(Line::Fact(
        "Granted scopes",
        words![format!(
            "{} (from {source})",
            if granted.is_empty() {
                "(none)".to_string()
            } else {
                granted
                    .iter()
                    .map(Quoted::as_str)
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        )],
    ));
    lines.push(Line::Fact(
        "Required",
        words![request.required_scopes.join(" ")],
    ));
    lines.push(Line::Fact("Missing", words![missing.join(" ")]));
    if scope.asked > 0 {
        lines.push(Line::Note(words![format!(
            "The server was asked for the required scopes{asked} and did not grant {}.",
            if missing.len() == 1 { "it" } else { "them" }
        )]));
    }
    lines.push(Line::Meaning(words![
        "the credentials work, but the token will be refused for what needs the missing scopes."
    ]));
    lines.push(Line::Fix(words![
        "grant the missing scopes to the client on the server (or request them in ",
        Input::Scopes,
        " if the server grants only what is asked)."
    ]));
    Outcome::new(Reason::MissingScopes, summary, Diagnosis { lines }).blaming(Input::RequiredScopes)
}
