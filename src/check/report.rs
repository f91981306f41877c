//! The outcome of one check: what every face renders.

use super::secret::Secret;

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
    /// The client may not use the client-credentials grant.
    GrantNotAllowed,
    /// The server refused a requested scope.
    InvalidScope,
    /// A token was issued without every required scope.
    MissingScopes,
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
}

impl Reason {
    /// Every reason, in documentation order.
    pub const ALL: [Reason; 18] = [
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
        Reason::GrantNotAllowed,
        Reason::InvalidScope,
        Reason::MissingScopes,
        Reason::AccessDenied,
        Reason::RateLimited,
        Reason::ServerError,
        Reason::MalformedResponse,
        Reason::WrongOrganization,
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
            Reason::GrantNotAllowed => "grant_not_allowed",
            Reason::InvalidScope => "invalid_scope",
            Reason::MissingScopes => "missing_scopes",
            Reason::AccessDenied => "access_denied",
            Reason::RateLimited => "rate_limited",
            Reason::ServerError => "server_error",
            Reason::MalformedResponse => "malformed_response",
            Reason::WrongOrganization => "wrong_organization",
        }
    }

    /// True when the check could not tell whether the credentials are good (outage, overload).
    pub fn is_inconclusive(self) -> bool {
        matches!(
            self,
            Reason::EndpointUnreachable | Reason::ServerError | Reason::RateLimited
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
    pub detail: String,
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
            ScopesSource::Unknown => "unknown",
        }
    }
}

/// The input a failure is blamed on, named as the data source calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// `client_id`.
    ClientId,
    /// Wherever the secret came from.
    ClientSecret,
    /// `token_url`.
    TokenUrl,
    /// `issuer`.
    Issuer,
    /// `genesys_region`.
    GenesysRegion,
    /// `scopes`.
    Scopes,
    /// `required_scopes`.
    RequiredScopes,
    /// `auth_method`.
    AuthMethod,
    /// `ca_cert_pem`.
    CaCertPem,
    /// `expected_organization`.
    ExpectedOrganization,
}

/// Everything a check found out; faces render it, none of them adds to it.
#[derive(Debug, Clone)]
pub struct Report {
    /// True only when `reason` is `ok`.
    pub valid: bool,
    /// The cause.
    pub reason: Reason,
    /// One line naming the cause.
    pub summary: String,
    /// What was sent where, what came back, what it means and what to do.
    pub detail: String,
    /// The input most to blame, when one is.
    pub blame: Option<Blame>,
    /// The token endpoint the check used.
    pub token_url: Option<String>,
    /// `client_secret_basic` or `client_secret_post`, when a request was answered.
    pub auth_method_used: Option<String>,
    /// The issued token's type.
    pub token_type: Option<String>,
    /// Seconds the token is valid for.
    pub expires_in: Option<i64>,
    /// When the token expires, RFC 3339.
    pub expires_at: Option<String>,
    /// Scopes the server granted, when known.
    pub granted_scopes: Vec<String>,
    /// Required scopes that were not granted.
    pub missing_scopes: Vec<String>,
    /// Where `granted_scopes` came from.
    pub scopes_source: ScopesSource,
    /// Organisation id (Genesys Cloud).
    pub organization_id: Option<String>,
    /// Organisation name (Genesys Cloud).
    pub organization_name: Option<String>,
    /// The OAuth client's display name, when the server says it.
    pub client_name: Option<String>,
    /// Short SHA-256 prefix of the token, to tell tokens apart without showing them.
    pub token_fingerprint: Option<String>,
    /// Every step, in order.
    pub checks: Vec<CheckItem>,
    /// The token itself: only the ephemeral resource hands it out.
    pub access_token: Option<Secret>,
}

impl Report {
    /// A report with nothing learnt yet.
    pub fn new(reason: Reason, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Report {
            valid: reason == Reason::Ok,
            reason,
            summary: summary.into(),
            detail: detail.into(),
            blame: None,
            token_url: None,
            auth_method_used: None,
            token_type: None,
            expires_in: None,
            expires_at: None,
            granted_scopes: Vec::new(),
            missing_scopes: Vec::new(),
            scopes_source: ScopesSource::Unknown,
            organization_id: None,
            organization_name: None,
            client_name: None,
            token_fingerprint: None,
            checks: Vec::new(),
            access_token: None,
        }
    }

    /// Sets the outcome, keeping `valid` consistent with it.
    pub fn conclude(
        &mut self,
        reason: Reason,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.valid = reason == Reason::Ok;
        self.reason = reason;
        self.summary = summary.into();
        self.detail = detail.into();
    }

    /// Appends a step.
    pub fn push(&mut self, name: &'static str, status: Status, detail: impl Into<String>) {
        self.checks.push(CheckItem {
            name,
            status,
            detail: detail.into(),
        });
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
            ["endpoint_unreachable", "rate_limited", "server_error"]
        );
    }
}
