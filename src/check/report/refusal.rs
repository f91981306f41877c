//! What a refusal can mean, as data the stages and the vendors share: the RFC 6749 `error` codes, and what a
//! refused client assertion or certificate points at.

use crate::check::base::heard::Heard;

/// An RFC 6749 `error` code, read once from what the server said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// `invalid_client`.
    InvalidClient,
    /// `unauthorized_client`.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_request`.
    InvalidRequest,
    /// `invalid_scope`.
    InvalidScope,
    /// `invalid_grant`.
    InvalidGrant,
    /// `access_denied`.
    AccessDenied,
    /// `temporarily_unavailable`.
    TemporarilyUnavailable,
    /// `server_error`.
    ServerError,
    /// A code outside RFC 6749.
    Other,
}

impl ErrorCode {
    const KNOWN: [(&'static str, ErrorCode); 9] = [
        ("invalid_client", ErrorCode::InvalidClient),
        ("unauthorized_client", ErrorCode::UnauthorizedClient),
        ("unsupported_grant_type", ErrorCode::UnsupportedGrantType),
        ("invalid_request", ErrorCode::InvalidRequest),
        ("invalid_scope", ErrorCode::InvalidScope),
        ("invalid_grant", ErrorCode::InvalidGrant),
        ("access_denied", ErrorCode::AccessDenied),
        ("temporarily_unavailable", ErrorCode::TemporarilyUnavailable),
        ("server_error", ErrorCode::ServerError),
    ];

    /// The code the server sent (exactly, as RFC 6749 spells them).
    pub fn of(error: &Heard) -> ErrorCode {
        ErrorCode::KNOWN
            .iter()
            .find(|(name, _)| error.is(name))
            .map_or(ErrorCode::Other, |(_, code)| *code)
    }

    /// The code's name; `None` for one outside RFC 6749 (quote the server's words instead).
    pub fn name(&self) -> Option<&'static str> {
        ErrorCode::KNOWN
            .iter()
            .find(|(_, code)| code == self)
            .map(|(name, _)| *name)
    }
}

/// What a refused client assertion or certificate points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The key that signed is not one registered for the client.
    Key,
    /// The certificate named is the client's, but the key that signed is not its key.
    KeyMismatch,
    /// The assertion's audience is not what the server expects.
    Audience,
    /// The assertion's lifetime does not fit the server's clock.
    Time,
    /// The assertion was used before.
    Replay,
    /// The server does not allow the signing algorithm.
    Algorithm,
    /// The client is registered for another authentication method.
    Method,
    /// iss and sub are not the client id.
    Subject,
    /// No client certificate reached the server.
    NoCertificate,
    /// The client certificate chains to no CA the server trusts.
    CertificateNotTrusted,
    /// The certificate's subject is not the registered one.
    CertificateSubject,
    /// No federated credential has the token's issuer.
    FederatedIssuer,
    /// No federated credential has the token's subject.
    FederatedSubject,
    /// No federated credential has the token's audience.
    FederatedAudience,
}
