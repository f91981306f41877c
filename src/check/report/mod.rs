//! The outcome of one check as data: reason, summary, the diagnosis (what was sent, what came back, what it
//! means, the likely causes, what to do, the input to blame), the facts learnt and every step. Faces render it;
//! none of them adds to it or parses another's rendering.

pub mod words;

use crate::check::base::heard::Quoted;
use crate::check::base::secret::Secret;
use crate::check::report::words::{Vocabulary, Words};
use crate::surface::Input;

/// Why a check ended as it did; the codes are a stable, documented contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The credentials work and every requirement is met.
    Ok,
    /// An input is missing or malformed; nothing was sent.
    InvalidInput,
    /// The endpoint is plain http to a host that is not loopback.
    InsecureTransport,
    /// DNS, connection refused, reset or timeout.
    EndpointUnreachable,
    /// The TLS handshake failed.
    TlsError,
    /// The issuer's metadata document could not be read.
    DiscoveryFailed,
    /// The URL answers, but not like an OAuth2 token endpoint.
    NotATokenEndpoint,
    /// The server does not know the client id.
    ClientNotFound,
    /// The client exists but the secret is wrong.
    InvalidSecret,
    /// Client authentication failed and the server does not say why.
    InvalidClient,
    /// A client assertion or certificate was refused (key, signature, audience, issuer, subject, lifetime).
    InvalidAssertion,
    /// The client may not use the client-credentials grant.
    GrantNotAllowed,
    /// The server refused a requested scope.
    InvalidScope,
    /// A token was issued without every required scope.
    MissingScopes,
    /// The Genesys Cloud client's roles lack a permission the pipeline needs.
    MissingPermissions,
    /// The server refused access (403, `access_denied`).
    AccessDenied,
    /// The server kept answering "too many requests".
    RateLimited,
    /// The server failed (5xx).
    ServerError,
    /// The server answered something a token endpoint must not.
    MalformedResponse,
    /// The token belongs to another organisation than expected.
    WrongOrganization,
    /// A requirement could not be verified, and `strict` asks for that to fail.
    Unverifiable,
}

impl Reason {
    /// Every reason, in documentation order.
    pub const ALL: [Reason; 21] = [
        Reason::Ok,
        Reason::InvalidInput,
        Reason::InsecureTransport,
        Reason::EndpointUnreachable,
        Reason::TlsError,
        Reason::DiscoveryFailed,
        Reason::NotATokenEndpoint,
        Reason::ClientNotFound,
        Reason::InvalidSecret,
        Reason::InvalidClient,
        Reason::InvalidAssertion,
        Reason::GrantNotAllowed,
        Reason::InvalidScope,
        Reason::MissingScopes,
        Reason::MissingPermissions,
        Reason::AccessDenied,
        Reason::RateLimited,
        Reason::ServerError,
        Reason::MalformedResponse,
        Reason::WrongOrganization,
        Reason::Unverifiable,
    ];

    /// The stable code users match on.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Ok => "ok",
            Reason::InvalidInput => "invalid_input",
            Reason::InsecureTransport => "insecure_transport",
            Reason::EndpointUnreachable => "endpoint_unreachable",
            Reason::TlsError => "tls_error",
            Reason::DiscoveryFailed => "discovery_failed",
            Reason::NotATokenEndpoint => "not_a_token_endpoint",
            Reason::ClientNotFound => "client_not_found",
            Reason::InvalidSecret => "invalid_secret",
            Reason::InvalidClient => "invalid_client",
            Reason::InvalidAssertion => "invalid_assertion",
            Reason::GrantNotAllowed => "grant_not_allowed",
            Reason::InvalidScope => "invalid_scope",
            Reason::MissingScopes => "missing_scopes",
            Reason::MissingPermissions => "missing_permissions",
            Reason::AccessDenied => "access_denied",
            Reason::RateLimited => "rate_limited",
            Reason::ServerError => "server_error",
            Reason::MalformedResponse => "malformed_response",
            Reason::WrongOrganization => "wrong_organization",
            Reason::Unverifiable => "unverifiable",
        }
    }

    /// True when the check could not tell whether the credentials are good (outage, overload).
    pub fn is_inconclusive(self) -> bool {
        matches!(
            self,
            Reason::EndpointUnreachable
                | Reason::ServerError
                | Reason::RateLimited
                | Reason::Unverifiable
        )
    }
}

/// How one step of the check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The step passed.
    Pass,
    /// The step passed with something worth fixing.
    Warn,
    /// The step failed.
    Fail,
    /// The step did not run.
    Skip,
}

impl Status {
    /// The code shown in outputs.
    pub fn code(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// One named step of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckItem {
    /// Stable step name, e.g. `token_request`.
    pub name: &'static str,
    /// How it went.
    pub status: Status,
    /// One line saying what was seen.
    pub detail: Words,
}

/// Where the granted scopes were learnt from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopesSource {
    /// The token response's `scope` field.
    Response,
    /// The claims of a JWT access token.
    Jwt,
    /// RFC 7662 token introspection.
    Introspection,
    /// Genesys Cloud's token information.
    Genesys,
    /// A token issued for the scopes asked for without a `scope` field: granted unchanged (RFC 6749 3.3).
    Requested,
    /// Nothing said which scopes were granted.
    Unknown,
}

impl ScopesSource {
    /// The code shown in outputs.
    pub fn code(self) -> &'static str {
        match self {
            ScopesSource::Response => "response",
            ScopesSource::Jwt => "jwt",
            ScopesSource::Introspection => "introspection",
            ScopesSource::Genesys => "genesys",
            ScopesSource::Requested => "requested",
            ScopesSource::Unknown => "unknown",
        }
    }
}

/// One line of a diagnosis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// What was sent where (never the secret, key, assertion or token).
    Sent(Words),
    /// What came back.
    Got(Words),
    /// What the other ways tried got.
    Also(Words),
    /// What it means.
    Meaning(Words),
    /// The likely causes, most likely first.
    Causes(Vec<Words>),
    /// What to do.
    Fix(Words),
    /// A labelled fact (`Granted scopes (response): read`).
    Fact(&'static str, Words),
    /// A labelled list (`Tried:` and one item a line).
    List(&'static str, Vec<Words>),
    /// A sentence of its own.
    Note(Words),
}

/// The explanation of an outcome, as data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnosis {
    /// The lines, in reading order.
    pub lines: Vec<Line>,
}

impl Diagnosis {
    /// A diagnosis that is one sentence.
    pub fn note(words: Words) -> Diagnosis {
        Diagnosis {
            lines: vec![Line::Note(words)],
        }
    }

    /// Appends a line.
    pub fn push(&mut self, line: Line) {
        self.lines.push(line);
    }

    /// Replaces what to do (a later finding knows better), moving it to the end.
    pub fn set_fix(&mut self, fix: Words) {
        self.lines.retain(|line| !matches!(line, Line::Fix(_)));
        self.lines.push(Line::Fix(fix));
    }

    /// What to do, when the diagnosis says.
    pub fn fix(&self) -> Option<&Words> {
        self.lines.iter().find_map(|line| match line {
            Line::Fix(words) => Some(words),
            _ => None,
        })
    }

    /// What came back, when the diagnosis says.
    pub fn got(&self) -> Option<&Words> {
        self.lines.iter().find_map(|line| match line {
            Line::Got(words) => Some(words),
            _ => None,
        })
    }

    /// What it means, when the diagnosis says.
    pub fn meaning(&self) -> Option<&Words> {
        self.lines.iter().find_map(|line| match line {
            Line::Meaning(words) => Some(words),
            _ => None,
        })
    }

    /// The likely causes.
    pub fn causes(&self) -> &[Words] {
        self.lines
            .iter()
            .find_map(|line| match line {
                Line::Causes(causes) => Some(causes.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// The diagnosis as text lines (`Sent: …`, `Got: …`, `Meaning: …`, numbered causes, `What to do: …`).
    pub fn render(&self, vocabulary: &dyn Vocabulary) -> String {
        let mut out: Vec<String> = Vec::new();
        for line in &self.lines {
            match line {
                Line::Sent(w) => out.push(format!("Sent: {}", w.render(vocabulary))),
                Line::Got(w) => out.push(format!("Got: {}", w.render(vocabulary))),
                Line::Also(w) => out.push(format!("Also tried: {}", w.render(vocabulary))),
                Line::Meaning(w) => out.push(format!("Meaning: {}", w.render(vocabulary))),
                Line::Causes(causes) if causes.is_empty() => {}
                Line::Causes(causes) => {
                    out.push("Likely causes, most likely first:".to_string());
                    for (i, cause) in causes.iter().enumerate() {
                        out.push(format!("  {}. {}", i + 1, cause.render(vocabulary)));
                    }
                }
                Line::Fix(w) => out.push(format!("What to do: {}", w.render(vocabulary))),
                Line::Fact(label, w) => out.push(format!("{label}: {}", w.render(vocabulary))),
                Line::List(label, items) => {
                    out.push(format!("{label}:"));
                    for item in items {
                        out.push(format!("  - {}", item.render(vocabulary)));
                    }
                }
                Line::Note(w) => out.push(w.render(vocabulary)),
            }
        }
        out.join("\n")
    }
}

/// How a check ended: the part of a report that must always be decided.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The cause.
    pub reason: Reason,
    /// One line naming the cause.
    pub summary: Words,
    /// The explanation.
    pub diagnosis: Diagnosis,
    /// The input most to blame, when one is.
    pub blame: Option<Input>,
    /// The inputs were refused before anything else happened (the CLI's usage error).
    pub usage: bool,
}

impl Outcome {
    /// An outcome with nothing to blame.
    pub fn new(reason: Reason, summary: Words, diagnosis: Diagnosis) -> Outcome {
        Outcome {
            reason,
            summary,
            diagnosis,
            blame: None,
            usage: false,
        }
    }

    /// The same outcome blaming `input`.
    pub fn blaming(mut self, input: Input) -> Outcome {
        self.blame = Some(input);
        self
    }
}

/// What a check learnt on its way, before it knows how it ends.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// Every step, in order.
    pub checks: Vec<CheckItem>,
    /// The token endpoint the check used.
    pub token_url: Option<Quoted>,
    /// The client authentication method the server accepted.
    pub auth_method_used: Option<String>,
    /// The issued token's type.
    pub token_type: Option<Quoted>,
    /// Seconds the token is valid for.
    pub expires_in: Option<i64>,
    /// When the token expires, RFC 3339.
    pub expires_at: Option<String>,
    /// Scopes the server granted, when known.
    pub granted_scopes: Vec<Quoted>,
    /// Required scopes that were not granted.
    pub missing_scopes: Vec<String>,
    /// Where `granted_scopes` came from.
    pub scopes_source: Option<ScopesSource>,
    /// Genesys permissions to grant.
    pub missing_permissions: Vec<String>,
    /// Where the client's Genesys permissions were learnt (`none` when none were required).
    pub permissions_source: Option<&'static str>,
    /// Organisation id (Genesys Cloud).
    pub organization_id: Option<Quoted>,
    /// Organisation name (Genesys Cloud).
    pub organization_name: Option<Quoted>,
    /// The OAuth client's display name, when the server says it.
    pub client_name: Option<Quoted>,
    /// Short SHA-256 prefix of the token.
    pub token_fingerprint: Option<String>,
    /// The token itself, for the one face that hands it out.
    pub access_token: Option<Secret>,
}

impl Findings {
    /// Appends a step.
    pub fn push(&mut self, name: &'static str, status: Status, detail: impl Into<Words>) {
        self.checks.push(CheckItem {
            name,
            status,
            detail: detail.into(),
        });
    }

    /// The complete report: the findings and how the check ended.
    pub fn conclude(self, outcome: Outcome) -> Report {
        Report {
            valid: outcome.reason == Reason::Ok,
            reason: outcome.reason,
            summary: outcome.summary,
            diagnosis: outcome.diagnosis,
            blame: outcome.blame,
            usage: outcome.usage,
            token_url: self.token_url,
            auth_method_used: self.auth_method_used,
            token_type: self.token_type,
            expires_in: self.expires_in,
            expires_at: self.expires_at,
            granted_scopes: self.granted_scopes,
            missing_scopes: self.missing_scopes,
            scopes_source: self.scopes_source.unwrap_or(ScopesSource::Unknown),
            missing_permissions: self.missing_permissions,
            permissions_source: self.permissions_source.unwrap_or("none"),
            organization_id: self.organization_id,
            organization_name: self.organization_name,
            client_name: self.client_name,
            token_fingerprint: self.token_fingerprint,
            checks: self.checks,
            access_token: self.access_token,
        }
    }
}

impl From<&str> for Words {
    fn from(text: &str) -> Words {
        Words::text(text)
    }
}

impl From<String> for Words {
    fn from(text: String) -> Words {
        Words::text(text)
    }
}

/// Everything a check found out; faces render it, none of them adds to it. Only [`Findings::conclude`] builds
/// one, so a report always says how the check ended.
#[derive(Debug, Clone)]
pub struct Report {
    /// True only when `reason` is `ok`.
    pub valid: bool,
    /// The cause.
    pub reason: Reason,
    /// One line naming the cause.
    pub summary: Words,
    /// What was sent where, what came back, what it means and what to do.
    pub diagnosis: Diagnosis,
    /// The input most to blame, when one is.
    pub blame: Option<Input>,
    /// The inputs were refused before anything was read or sent (the CLI exits with its usage code).
    pub usage: bool,
    /// The token endpoint the check used.
    pub token_url: Option<Quoted>,
    /// The authentication method the server accepted, when a request was answered with a token.
    pub auth_method_used: Option<String>,
    /// The issued token's type.
    pub token_type: Option<Quoted>,
    /// Seconds the token is valid for.
    pub expires_in: Option<i64>,
    /// When the token expires, RFC 3339.
    pub expires_at: Option<String>,
    /// Scopes the server granted, when known.
    pub granted_scopes: Vec<Quoted>,
    /// Required scopes that were not granted.
    pub missing_scopes: Vec<String>,
    /// Where `granted_scopes` came from.
    pub scopes_source: ScopesSource,
    /// Genesys permissions to grant.
    pub missing_permissions: Vec<String>,
    /// Where the client's Genesys permissions were learnt: grants, roles, probe, unknown or none.
    pub permissions_source: &'static str,
    /// Organisation id (Genesys Cloud).
    pub organization_id: Option<Quoted>,
    /// Organisation name (Genesys Cloud).
    pub organization_name: Option<Quoted>,
    /// The OAuth client's display name, when the server says it.
    pub client_name: Option<Quoted>,
    /// Short SHA-256 prefix of the token, to tell tokens apart without showing them.
    pub token_fingerprint: Option<String>,
    /// Every step, in order.
    pub checks: Vec<CheckItem>,
    /// The token itself: only the ephemeral resource hands it out.
    pub access_token: Option<Secret>,
}

impl Report {
    /// A report of a check refused on its inputs, before anything was read or sent.
    pub fn refused(summary: Words, detail: Words, blame: Input) -> Report {
        let mut findings = Findings::default();
        findings.push("inputs", Status::Fail, summary.clone());
        findings.conclude(Outcome {
            reason: Reason::InvalidInput,
            summary,
            diagnosis: Diagnosis::note(detail),
            blame: Some(blame),
            usage: true,
        })
    }

    /// The same report, marked as a usage error (or not).
    pub fn with_usage(mut self, usage: bool) -> Report {
        self.usage = usage;
        self
    }

    /// The summary in a face's vocabulary.
    pub fn summary_in(&self, vocabulary: &dyn Vocabulary) -> String {
        self.summary.render(vocabulary)
    }

    /// The detail in a face's vocabulary.
    pub fn detail_in(&self, vocabulary: &dyn Vocabulary) -> String {
        self.diagnosis.render(vocabulary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for reason in Reason::ALL {
            let code = reason.code();
            assert!(seen.insert(code), "duplicate {code}");
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    #[test]
    fn only_outages_are_inconclusive() {
        let inconclusive: Vec<_> = Reason::ALL
            .iter()
            .filter(|r| r.is_inconclusive())
            .map(|r| r.code())
            .collect();
        assert_eq!(
            inconclusive,
            [
                "endpoint_unreachable",
                "rate_limited",
                "server_error",
                "unverifiable"
            ]
        );
    }

    #[test]
    fn a_diagnosis_renders_in_the_documented_layout() {
        let diagnosis = Diagnosis {
            lines: vec![
                Line::Sent(Words::text("POST x")),
                Line::Got(Words::text("HTTP 401")),
                Line::Meaning(Words::text("refused")),
                Line::Causes(vec![Words::text("one"), Words::text("two")]),
                Line::Fix(Words::text("rotate")),
            ],
        };
        assert_eq!(
            diagnosis.render(&crate::check::report::words::Plain),
            "Sent: POST x\nGot: HTTP 401\nMeaning: refused\nLikely causes, most likely first:\n  1. one\n  2. two\nWhat to do: rotate"
        );
        assert_eq!(diagnosis.fix(), Some(&Words::text("rotate")));
    }
}
