//! The codes a report is summed up in: why a check ended ([`Reason`]), how each step went ([`Status`]), and where
//! the granted scopes and the permissions were learnt ([`ScopesSource`], [`PermissionsSource`]). Every code is a
//! stable, documented contract.

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
    /// Every status, in documentation order.
    pub const ALL: [Status; 4] = [Status::Pass, Status::Warn, Status::Fail, Status::Skip];

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

/// Where the granted scopes were learnt from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
    #[default]
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

/// Where the permissions a check requires were learnt from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PermissionsSource {
    /// The grants the vendor's API returned for the client.
    Grants,
    /// The policies of the client's roles.
    Roles,
    /// Probing endpoints that require the permissions.
    Probe,
    /// The principal's role assignments (Azure RBAC).
    Rbac,
    /// Google Cloud's testIamPermissions on the project.
    Iam,
    /// Permissions were required, but nothing told.
    Unknown,
    /// No permission was required.
    #[default]
    None,
}

impl PermissionsSource {
    /// The code shown in outputs.
    pub fn code(self) -> &'static str {
        match self {
            PermissionsSource::Grants => "grants",
            PermissionsSource::Roles => "roles",
            PermissionsSource::Probe => "probe",
            PermissionsSource::Rbac => "rbac",
            PermissionsSource::Iam => "iam",
            PermissionsSource::Unknown => "unknown",
            PermissionsSource::None => "none",
        }
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
}
