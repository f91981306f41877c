//! What a check is asked to do, once its inputs are resolved.

use std::time::Duration;

use crate::check::base::secret::Secret;
use crate::check::report::words::Words;
use crate::surface::Input;
use crate::words;

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Picked from what is given; with a secret: Basic first, on `invalid_client` once more in the body.
    Auto,
    /// HTTP Basic with form-encoded id and secret (RFC 6749 section 2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A JWT assertion HMAC-signed with the secret (RFC 7523).
    ClientSecretJwt,
    /// A JWT assertion signed with a private key (RFC 7523).
    PrivateKeyJwt,
    /// A CA-issued client certificate on the TLS connection (RFC 8705 section 2.1).
    TlsClientAuth,
    /// A self-signed client certificate on the TLS connection (RFC 8705 section 2.2).
    SelfSignedTlsClientAuth,
    /// A JWT minted elsewhere (a CI system's ID token) as the assertion.
    Federated,
}

impl AuthMethod {
    /// Every method, in the documented order.
    pub const ALL: [AuthMethod; 8] = [
        AuthMethod::Auto,
        AuthMethod::ClientSecretBasic,
        AuthMethod::ClientSecretPost,
        AuthMethod::ClientSecretJwt,
        AuthMethod::PrivateKeyJwt,
        AuthMethod::TlsClientAuth,
        AuthMethod::SelfSignedTlsClientAuth,
        AuthMethod::Federated,
    ];

    /// Parses the documented names.
    pub fn parse(text: &str) -> Option<AuthMethod> {
        AuthMethod::ALL.into_iter().find(|m| m.code() == text)
    }

    /// The documented name.
    pub fn code(self) -> &'static str {
        match self {
            AuthMethod::Auto => "auto",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::ClientSecretJwt => "client_secret_jwt",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::TlsClientAuth => "tls_client_auth",
            AuthMethod::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
            AuthMethod::Federated => "federated",
        }
    }

    /// True for the methods that put a certificate on the TLS connection.
    pub fn is_tls(self) -> bool {
        matches!(
            self,
            AuthMethod::TlsClientAuth | AuthMethod::SelfSignedTlsClientAuth
        )
    }

    /// True for the methods that send the client secret (itself or as an HMAC key).
    pub fn uses_secret(self) -> bool {
        matches!(
            self,
            AuthMethod::Auto
                | AuthMethod::ClientSecretBasic
                | AuthMethod::ClientSecretPost
                | AuthMethod::ClientSecretJwt
        )
    }
}

/// A signing key, the certificate that goes with it, and where they came from.
#[derive(Debug, Clone)]
pub struct KeyCredential {
    /// The private key.
    pub key: std::sync::Arc<crate::check::inputs::credential::keys::SigningKey>,
    /// The certificate (explicit, or found beside the key).
    pub certificate: Option<crate::check::inputs::credential::keys::Certificate>,
    /// Where the key came from, in words.
    pub origin: Words,
    /// The input to blame when the key is refused.
    pub input: Input,
}

/// Where the token endpoint comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A token URL given outright.
    TokenUrl(String),
    /// An issuer whose metadata names the token endpoint.
    Issuer(String),
    /// A Genesys Cloud organisation: login and API base URLs.
    Genesys {
        /// Base of the login host, e.g. `https://login.mypurecloud.ie`.
        login_base: String,
        /// Base of the API host, e.g. `https://api.mypurecloud.ie`.
        api_base: String,
        /// The region name when one was given.
        region: Option<String>,
    },
    /// A Microsoft Entra ID tenant: its v2.0 token endpoint under the cloud's (or the given) login host.
    Entra {
        /// The tenant, a GUID or a domain, lower case.
        tenant: String,
        /// The cloud.
        cloud: crate::check::vendors::entra::cloud::Cloud,
        /// Base of the login host, e.g. `https://login.microsoftonline.com`.
        login_base: String,
    },
}

/// Where the secret was taken from, so messages can say which variable or file to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretOrigin {
    /// An input given inline (`client_secret` of the provider block or ephemeral resource).
    Input(Input),
    /// An environment variable.
    Env(String),
    /// A file.
    File(String),
    /// Standard input.
    Stdin,
}

impl SecretOrigin {
    /// How to name the origin in a sentence.
    pub fn describe(&self) -> Words {
        match self {
            SecretOrigin::Input(input) => words!["the ", *input, " attribute"],
            SecretOrigin::Env(name) => Words::text(format!("environment variable {name}")),
            SecretOrigin::File(path) => Words::text(format!("file {path}")),
            SecretOrigin::Stdin => Words::text("standard input"),
        }
    }

    /// The input to blame when the secret is wrong.
    pub fn blame(&self) -> Input {
        match self {
            SecretOrigin::Input(input) => *input,
            SecretOrigin::File(_) => Input::ClientSecretFile,
            SecretOrigin::Env(_) | SecretOrigin::Stdin => Input::ClientSecret,
        }
    }
}

/// A fully resolved check, ready to run.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// Where to ask for the token.
    pub endpoint: Endpoint,
    /// The OAuth client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
    /// Where the secret came from.
    pub secret_origin: SecretOrigin,
    /// How to authenticate.
    pub auth_method: AuthMethod,
    /// Scopes to request.
    pub scopes: Vec<String>,
    /// Scopes the token must carry.
    pub required_scopes: Vec<String>,
    /// Genesys Cloud permissions the client must hold, each with who needs it.
    pub required_permissions: Vec<crate::check::vendors::genesys::permissions::Requirement>,
    /// Where the permissions table is known to be incomplete or over-inclusive for the types required.
    pub permission_caveats: Vec<String>,
    /// Entra ID: the subscription the principal must have a role on, and Resource Manager's base URL.
    pub azure_subscription: Option<(String, String)>,
    /// Auth0-style `audience` parameter.
    pub audience: Option<String>,
    /// RFC 8707 `resource` parameter.
    pub resource: Option<String>,
    /// Genesys organisation the credentials must belong to.
    pub expected_organization: Option<String>,
    /// Extra trusted roots, PEM.
    pub ca_cert_pem: Option<String>,
    /// Budget for the whole check, retries included.
    pub timeout: Duration,
    /// Retries for transient failures.
    pub max_retries: u32,
    /// Allow plain http to hosts that are not loopback.
    pub allow_http: bool,
    /// Genesys Cloud: on a rejected client, ask the other regions whether they know it.
    pub probe_other_regions: bool,
    /// What cannot be verified fails instead of warning.
    pub strict: bool,
    /// The signing key and certificate (private_key_jwt, mutual TLS).
    pub key: Option<KeyCredential>,
    /// Where a federated token comes from.
    pub federated: Option<crate::check::inputs::credential::federated::Federated>,
    /// The assertion's algorithm, when one is asked for.
    pub signing_algorithm: Option<crate::check::inputs::credential::keys::Alg>,
    /// The assertion header's `kid`.
    pub private_key_id: Option<String>,
    /// The assertion's `aud`, when not the token endpoint.
    pub assertion_audience: Option<String>,
    /// What was assumed while reading the endpoint inputs (e.g. a region given as a URL), for a warning.
    pub endpoint_note: Option<Words>,
    /// Which credential was taken from azurerm's environment, and what it overrides.
    pub credential_notes: crate::check::vendors::entra::azurerm::Adopted,
}

/// Default budget for a whole check.
pub const DEFAULT_TIMEOUT_SECONDS: i64 = 30;
/// Default number of retries for transient failures.
pub const DEFAULT_MAX_RETRIES: i64 = 2;

impl CheckRequest {
    /// The method this check presents the credentials with, `auto` resolved from what is given: a key means
    /// private_key_jwt, a federated token federated, and only a secret stays `auto` (Basic, then post).
    pub fn method(&self) -> AuthMethod {
        match self.auth_method {
            AuthMethod::Auto if self.key.is_some() => AuthMethod::PrivateKeyJwt,
            AuthMethod::Auto if self.federated.is_some() => AuthMethod::Federated,
            other => other,
        }
    }

    /// True when the client secret is part of what is sent.
    pub fn uses_secret(&self) -> bool {
        self.method().uses_secret()
    }

    /// A request with every optional setting at its default.
    pub fn new(
        endpoint: Endpoint,
        client_id: impl Into<String>,
        client_secret: Secret,
        secret_origin: SecretOrigin,
    ) -> CheckRequest {
        CheckRequest {
            endpoint,
            client_id: client_id.into(),
            client_secret,
            secret_origin,
            auth_method: AuthMethod::Auto,
            scopes: Vec::new(),
            required_scopes: Vec::new(),
            required_permissions: Vec::new(),
            permission_caveats: Vec::new(),
            azure_subscription: None,
            audience: None,
            resource: None,
            expected_organization: None,
            ca_cert_pem: None,
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECONDS.unsigned_abs()),
            max_retries: u32::try_from(DEFAULT_MAX_RETRIES).unwrap_or(2),
            allow_http: false,
            probe_other_regions: false,
            strict: false,
            key: None,
            federated: None,
            signing_algorithm: None,
            private_key_id: None,
            assertion_audience: None,
            endpoint_note: None,
            credential_notes: crate::check::vendors::entra::azurerm::Adopted::default(),
        }
    }
}
