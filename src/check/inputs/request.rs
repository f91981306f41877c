//! What a check is asked to do, once its inputs are resolved.

use std::time::Duration;

use crate::check::base::secret::Secret;
use crate::check::report::words::{Place, Words};
use crate::check::report::{Status, Step};
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
    /// A token URL a vendor derives from its own inputs (a region's login host, a tenant's endpoint).
    Derived(Derived),
}

/// A token URL a vendor derived, and how to speak of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    /// The token URL.
    pub url: String,
    /// What to call it when it is unusable (the input it came from).
    pub named: Words,
    /// The input to blame when it is unusable.
    pub blame: Input,
    /// The endpoint step's words before the URL (`Genesys Cloud region eu-west-1: token endpoint`).
    pub described: String,
}

/// Something learnt while resolving the inputs, for the report's steps (a region given as a URL, the credential
/// taken from azurerm's environment, a leftover variable that wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The step it belongs to.
    pub step: Step,
    /// How it went.
    pub status: Status,
    /// What to say.
    pub words: Words,
}

/// A vendor's own settings for one check (a Genesys region's API host and the permissions to check, an Entra
/// tenant's subscription): only that vendor reads them. The stages see a vendor id and nothing else.
#[derive(Clone)]
pub struct VendorSettings {
    vendor: &'static str,
    settings: std::sync::Arc<dyn Setting>,
    /// The secrets the settings hold (an AWS secret key, say), hashed: Debug shows them redacted, and two checks
    /// that differ only in a secret are not the same check.
    secrets: [u8; 32],
}

/// What a vendor may keep in [`VendorSettings`].
pub trait Setting: std::any::Any + std::fmt::Debug + Send + Sync {
    /// The settings, to downcast.
    fn as_any(&self) -> &dyn std::any::Any;
    /// The settings, to change.
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
}

impl<T: std::any::Any + std::fmt::Debug + Send + Sync> Setting for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl VendorSettings {
    /// The settings of `vendor`.
    pub fn new<T: Setting>(vendor: &'static str, settings: T) -> VendorSettings {
        VendorSettings {
            vendor,
            settings: std::sync::Arc::new(settings),
            secrets: [0; 32],
        }
    }

    /// No vendor beyond plain OAuth2.
    pub fn none() -> VendorSettings {
        VendorSettings::new(NO_VENDOR, ())
    }

    /// The vendor these settings belong to.
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// The settings, when they are of type `T`.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        (*self.settings).as_any().downcast_ref()
    }

    /// Records the secrets the settings hold, for [`VendorSettings::secrets_digest`].
    pub fn hold_secrets(&mut self, secrets: &[&crate::check::base::secret::Secret]) {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for secret in secrets {
            hash.update((secret.expose().len() as u64).to_le_bytes());
            hash.update(secret.expose().as_bytes());
        }
        self.secrets = hash.finalize().into();
    }

    /// A digest of the secrets the settings hold (zeros when none were recorded).
    pub fn secrets_digest(&self) -> [u8; 32] {
        self.secrets
    }

    /// The settings to change, when they are of type `T` and not shared yet.
    pub fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        std::sync::Arc::get_mut(&mut self.settings)?
            .as_any_mut()
            .downcast_mut()
    }
}

impl std::fmt::Debug for VendorSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {:?}", self.vendor, self.settings)
    }
}

/// The vendor id of a plain OAuth2 / OIDC server.
pub const NO_VENDOR: &str = "oauth";

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
            SecretOrigin::Input(input) => words![Place(*input)],
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
    /// Auth0-style `audience` parameter.
    pub audience: Option<String>,
    /// RFC 8707 `resource` parameter.
    pub resource: Option<String>,
    /// The organisation the credentials must belong to (the vendor says how it knows).
    pub expected_organization: Option<String>,
    /// Extra trusted roots, PEM.
    pub ca_cert_pem: Option<String>,
    /// Budget for the whole check, retries included.
    pub timeout: Duration,
    /// Retries for transient failures.
    pub max_retries: u32,
    /// Allow plain http to hosts that are not loopback.
    pub allow_http: bool,
    /// On a refused client, ask where else it may live (Genesys Cloud's other regions).
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
    /// What was learnt while resolving the inputs, for the report's steps.
    pub notes: Vec<Note>,
    /// The vendor's own settings.
    pub vendor: VendorSettings,
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
            notes: Vec::new(),
            vendor: VendorSettings::none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Region(&'static str);

    #[test]
    fn a_vendors_settings_read_back_as_its_own_type_only() {
        let mut settings = VendorSettings::new("genesys", Region("eu-west-1"));
        assert_eq!(settings.vendor(), "genesys");
        assert_eq!(settings.get::<Region>(), Some(&Region("eu-west-1")));
        assert_eq!(settings.get::<String>(), None);
        if let Some(region) = settings.get_mut::<Region>() {
            region.0 = "us-east-1";
        }
        assert_eq!(settings.get::<Region>(), Some(&Region("us-east-1")));
        let shared = settings.clone();
        assert!(
            settings.get_mut::<Region>().is_none(),
            "shared settings stay as they are"
        );
        assert_eq!(format!("{shared:?}"), "genesys: Region(\"us-east-1\")");
    }
}
