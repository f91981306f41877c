//! How the client's credentials are presented: which ways to try, in which order, and the one request type that
//! owns the encoded credentials (header and body) and zeroes them when dropped. Assertions are signed fresh
//! for every request (a `jti` is single-use).

use base64::Engine;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

use crate::check::base::secret::{Secret, SecretBytes, changed_by_form_encoding};
use crate::check::endpoint::Resolved;
use crate::check::exchange::conventions::Conventions;
use crate::check::inputs::credential::jwt::{self, AssertionFacts, Signer};
use crate::check::inputs::credential::keys::{Alg, SigningKey};
use crate::check::inputs::request::{AuthMethod, CheckRequest};

/// RFC 7523's `client_assertion_type`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// One way of presenting the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presentation {
    /// RFC 6749 section 2.3.1: form-encode, then Basic.
    Basic,
    /// In the form body.
    Post,
    /// Basic without form-encoding, as many servers (and curl) expect.
    BasicRaw,
    /// A JWT assertion HMAC-signed with the secret.
    SecretJwt,
    /// A JWT assertion signed with the private key.
    KeyJwt,
    /// A federated JWT as the assertion.
    Federated,
    /// The client certificate on the TLS connection, `client_id` in the body; true when self-signed.
    Tls(bool),
}

impl Presentation {
    /// The registered method's name (`client_secret_basic`, `private_key_jwt`, …).
    pub fn method_name(self) -> &'static str {
        self.method().code()
    }

    /// The registered method.
    pub fn method(self) -> AuthMethod {
        match self {
            Presentation::Basic | Presentation::BasicRaw => AuthMethod::ClientSecretBasic,
            Presentation::Post => AuthMethod::ClientSecretPost,
            Presentation::SecretJwt => AuthMethod::ClientSecretJwt,
            Presentation::KeyJwt => AuthMethod::PrivateKeyJwt,
            Presentation::Federated => AuthMethod::Federated,
            Presentation::Tls(false) => AuthMethod::TlsClientAuth,
            Presentation::Tls(true) => AuthMethod::SelfSignedTlsClientAuth,
        }
    }

    /// The way it was sent, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            Presentation::BasicRaw => "client_secret_basic without form-encoding",
            Presentation::Federated => "a federated token as the client assertion",
            other => other.method_name(),
        }
    }

    /// True when a JWT assertion is sent.
    pub fn asserts(self) -> bool {
        matches!(
            self,
            Presentation::SecretJwt | Presentation::KeyJwt | Presentation::Federated
        )
    }

    /// True when the client secret itself (not a signature made with it) is sent.
    pub fn sends_secret(self) -> bool {
        matches!(
            self,
            Presentation::Basic | Presentation::Post | Presentation::BasicRaw
        )
    }
}

/// The ways to try, in order. Explicit methods try once; `auto` never sends a secret two ways at once.
pub fn plan(
    request: &CheckRequest,
    resolved: &Resolved,
    conventions: &Conventions<'_>,
) -> Vec<Presentation> {
    let encoding_matters = changed_by_form_encoding(&request.client_id)
        || changed_by_form_encoding(request.client_secret.expose());
    if conventions.raw_basic
        && matches!(
            request.method(),
            AuthMethod::Auto | AuthMethod::ClientSecretBasic
        )
    {
        // Some vendors' SDKs and Terraform providers (Genesys Cloud's) send base64(id:secret) without
        // form-encoding; check exactly what the pipeline's provider will send, and the RFC form only when it would
        // differ.
        let mut plan = vec![Presentation::BasicRaw];
        if encoding_matters && request.auth_method == AuthMethod::Auto {
            plan.push(Presentation::Basic);
        }
        return plan;
    }
    match request.method() {
        AuthMethod::ClientSecretBasic => vec![Presentation::Basic],
        AuthMethod::ClientSecretPost => vec![Presentation::Post],
        AuthMethod::ClientSecretJwt => vec![Presentation::SecretJwt],
        AuthMethod::PrivateKeyJwt => vec![Presentation::KeyJwt],
        AuthMethod::Federated => vec![Presentation::Federated],
        AuthMethod::TlsClientAuth => vec![Presentation::Tls(false)],
        AuthMethod::SelfSignedTlsClientAuth => vec![Presentation::Tls(true)],
        AuthMethod::Auto => {
            let post_only = resolved.methods_supported.as_ref().is_some_and(|methods| {
                methods.iter().any(|m| m.is("client_secret_post"))
                    && !methods.iter().any(|m| m.is("client_secret_basic"))
            });
            let mut plan = if post_only {
                vec![Presentation::Post, Presentation::Basic]
            } else {
                vec![Presentation::Basic, Presentation::Post]
            };
            if encoding_matters {
                plan.push(Presentation::BasicRaw);
            }
            plan
        }
    }
}

/// A form body under construction, in zeroed-on-drop memory.
struct Form {
    bytes: SecretBytes,
}

impl Form {
    fn new(capacity: usize) -> Form {
        Form {
            bytes: SecretBytes::new(Vec::with_capacity(capacity)),
        }
    }

    fn pair(&mut self, name: &str, value: &str) {
        if !self.bytes.expose().is_empty() {
            self.bytes.extend(b"&");
        }
        for chunk in url::form_urlencoded::byte_serialize(name.as_bytes()) {
            self.bytes.extend(chunk.as_bytes());
        }
        self.bytes.extend(b"=");
        for chunk in url::form_urlencoded::byte_serialize(value.as_bytes()) {
            self.bytes.extend(chunk.as_bytes());
        }
    }
}

/// A token request ready to send, any number of times: the headers and body share zeroed-on-drop memory, so
/// retries reuse it instead of rebuilding copies of the secret.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The headers (the Basic credential, marked sensitive).
    pub headers: HeaderMap,
    /// The form body.
    pub body: bytes::Bytes,
}

/// `Basic base64(id:secret)` in zeroed-on-drop memory.
fn basic_header(id: &str, secret: &str) -> Option<HeaderValue> {
    let mut pair = SecretBytes::new(Vec::with_capacity(id.len() + secret.len() + 1));
    pair.extend(id.as_bytes());
    pair.extend(b":");
    pair.extend(secret.as_bytes());
    let engine = base64::engine::general_purpose::STANDARD;
    let encoded_len = base64::encoded_len(pair.expose().len(), true)?;
    let mut value = vec![0u8; 6 + encoded_len];
    value[..6].copy_from_slice(b"Basic ");
    let written = engine.encode_slice(pair.expose(), &mut value[6..]).ok()?;
    value.truncate(6 + written);
    let value = SecretBytes::new(value).into_shared();
    let mut header = HeaderValue::from_maybe_shared(value).ok()?;
    header.set_sensitive(true);
    Some(header)
}

/// The algorithm when none is set: the vendor's for an RSA key when it names one (Entra ID documents PS256 for
/// an RSA certificate credential, with the certificate's `x5t#S256`); else the key's usual one (RS256 for RSA,
/// which every server takes).
fn default_alg(conventions: &Conventions<'_>, key: &SigningKey) -> Alg {
    match conventions.rsa_alg {
        Some(alg) if key.fits(alg) => alg,
        _ => key.default_alg(),
    }
}

/// Why the assertion a presentation sends was not made; nothing is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmade {
    /// The key or secret cannot sign with the algorithm: in words, which.
    Algorithm(String),
    /// The system's random source failed, so no unique `jti` could be drawn.
    NoRandomness,
    /// The presentation needs something the request lacks.
    Missing(&'static str),
}

impl Unmade {
    /// Why, in a few words.
    pub fn describe(&self) -> String {
        match self {
            Unmade::Algorithm(why) => why.clone(),
            Unmade::NoRandomness => {
                "this machine's random number source failed, so no unique jti could be drawn"
                    .to_string()
            }
            Unmade::Missing(what) => (*what).to_string(),
        }
    }
}

/// The assertion a presentation sends to `audience`, fresh, with its non-secret facts; `None` for the ways that
/// send no assertion, or when it cannot be made (the error says why).
pub fn assertion_for(
    request: &CheckRequest,
    how: Presentation,
    audience: &str,
    federated: Option<&Secret>,
    conventions: &Conventions<'_>,
) -> Result<Option<(Secret, AssertionFacts)>, Unmade> {
    let audience = request.assertion_audience.as_deref().unwrap_or(audience);
    let unmade = |unsigned: jwt::Unsigned, why: String| match unsigned {
        jwt::Unsigned::Algorithm => Unmade::Algorithm(why),
        jwt::Unsigned::NoRandomness => Unmade::NoRandomness,
    };
    match how {
        Presentation::SecretJwt => {
            let alg = request.signing_algorithm.unwrap_or(Alg::Hs256);
            jwt::assertion(
                &Signer::Secret(&request.client_secret),
                alg,
                &request.client_id,
                audience,
                request.private_key_id.as_deref(),
                None,
            )
            .map(Some)
            .map_err(|unsigned| {
                unmade(
                    unsigned,
                    format!(
                        "cannot sign a client_secret_jwt assertion with {}",
                        alg.name()
                    ),
                )
            })
        }
        Presentation::KeyJwt => {
            let key = request
                .key
                .as_ref()
                .ok_or(Unmade::Missing("private_key_jwt without a key"))?;
            let alg = request
                .signing_algorithm
                .unwrap_or_else(|| default_alg(conventions, &key.key));
            jwt::assertion(
                &Signer::Key(&key.key),
                alg,
                &request.client_id,
                audience,
                request.private_key_id.as_deref(),
                key.certificate.as_ref(),
            )
            .map(Some)
            .map_err(|unsigned| {
                unmade(
                    unsigned,
                    format!("the {} key cannot sign {}", key.key.kind(), alg.name()),
                )
            })
        }
        Presentation::Federated => {
            let token = federated.ok_or(Unmade::Missing("federated without a token"))?;
            let facts = jwt::facts_of(token.expose()).unwrap_or_default();
            Ok(Some((token.clone(), facts)))
        }
        _ => Ok(None),
    }
}

impl Prepared {
    /// The client-credentials token request for one presentation, with its assertion when it sends one.
    pub fn token(
        request: &CheckRequest,
        how: Presentation,
        assertion: Option<&Secret>,
    ) -> Prepared {
        Prepared::build(
            request,
            how,
            &[("grant_type", "client_credentials")],
            true,
            assertion,
        )
    }

    /// An RFC 7662 introspection request for `token`, authenticated the way the token request was.
    pub fn introspection(
        request: &CheckRequest,
        how: Presentation,
        token: &Secret,
        assertion: Option<&Secret>,
    ) -> Prepared {
        Prepared::build(
            request,
            how,
            &[
                ("token", token.expose()),
                ("token_type_hint", "access_token"),
            ],
            false,
            assertion,
        )
    }

    fn build(
        request: &CheckRequest,
        how: Presentation,
        leading: &[(&str, &str)],
        token_parameters: bool,
        assertion: Option<&Secret>,
    ) -> Prepared {
        let secret = request.client_secret.expose();
        let capacity = 256
            + 3 * (secret.len() + request.client_id.len())
            + assertion.map_or(0, |a| 3 * a.expose().len())
            + leading.iter().map(|(_, v)| 3 * v.len() + 32).sum::<usize>();
        let mut form = Form::new(capacity);
        for (name, value) in leading {
            form.pair(name, value);
        }
        if token_parameters {
            if !request.scopes.is_empty() {
                form.pair("scope", &request.scopes.join(" "));
            }
            if let Some(audience) = &request.audience {
                form.pair("audience", audience);
            }
            if let Some(resource) = &request.resource {
                form.pair("resource", resource);
            }
        }
        let mut headers = HeaderMap::new();
        match how {
            Presentation::Post => {
                form.pair("client_id", &request.client_id);
                form.pair("client_secret", secret);
            }
            Presentation::Basic => {
                let id = Secret::form_encoded(&request.client_id, false);
                let secret = Secret::form_encoded(secret, false);
                if let Some(value) = basic_header(id.expose(), secret.expose()) {
                    headers.insert(AUTHORIZATION, value);
                }
            }
            Presentation::BasicRaw => {
                if let Some(value) = basic_header(&request.client_id, secret) {
                    headers.insert(AUTHORIZATION, value);
                }
            }
            Presentation::SecretJwt | Presentation::KeyJwt | Presentation::Federated => {
                // RFC 7523: the client_id may be sent and must then match `sub`; Entra ID and Keycloak want it.
                form.pair("client_id", &request.client_id);
                form.pair("client_assertion_type", JWT_BEARER);
                form.pair("client_assertion", assertion.map_or("", Secret::expose));
            }
            // RFC 8705: the certificate authenticates; the body names the client.
            Presentation::Tls(_) => form.pair("client_id", &request.client_id),
        }
        Prepared {
            headers,
            body: form.bytes.into_shared(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::inputs::request::{Endpoint, SecretOrigin};

    fn request(id: &str, secret: &str) -> CheckRequest {
        let mut request = CheckRequest::new(
            Endpoint::TokenUrl("https://idp.example/token".into()),
            id,
            Secret::new(secret),
            SecretOrigin::Env("S".into()),
        );
        request.auth_method = AuthMethod::ClientSecretBasic;
        request.scopes = vec!["read".into(), "write".into()];
        request.audience = Some("https://api".into());
        request
    }

    fn resolved() -> Resolved {
        Resolved {
            token_url: url::Url::parse("https://x/token").expect("static"),
            methods_supported: None,
            introspection: None,
            mtls_token_url: None,
        }
    }

    /// A vendor's servers that take Basic credentials without form-encoding (Genesys Cloud's), or not.
    fn raw_basic(raw: bool) -> Conventions<'static> {
        Conventions {
            raw_basic: raw,
            ..Conventions::plain()
        }
    }

    #[test]
    fn basic_credentials_are_form_encoded_before_base64() {
        let prepared = Prepared::token(&request("my id", "p&ss:w+rd"), Presentation::Basic, None);
        let value = prepared
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            prepared
                .headers
                .get(AUTHORIZATION)
                .is_some_and(HeaderValue::is_sensitive)
        );
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(value.trim_start_matches("Basic "))
            .unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&decoded), "my+id:p%26ss%3Aw%2Brd");
        assert_eq!(
            &prepared.body[..],
            b"grant_type=client_credentials&scope=read+write&audience=https%3A%2F%2Fapi"
        );
    }

    #[test]
    fn post_sends_credentials_in_the_body_and_never_both() {
        let prepared = Prepared::token(&request("id", "s3cret"), Presentation::Post, None);
        assert!(prepared.headers.get(AUTHORIZATION).is_none());
        assert!(
            prepared
                .body
                .ends_with(b"&client_id=id&client_secret=s3cret"),
            "{:?}",
            prepared.body
        );
    }

    #[test]
    fn auto_adds_a_raw_basic_attempt_only_when_encoding_changes_the_values() {
        let mut plain = request("id", "abc");
        plain.auth_method = AuthMethod::Auto;
        assert_eq!(
            plan(&plain, &resolved(), &raw_basic(false)),
            vec![Presentation::Basic, Presentation::Post]
        );
        let mut special = request("id", "a+b/c=");
        special.auth_method = AuthMethod::Auto;
        assert_eq!(
            plan(&special, &resolved(), &raw_basic(false)),
            vec![
                Presentation::Basic,
                Presentation::Post,
                Presentation::BasicRaw
            ]
        );
    }

    #[test]
    fn planning_and_preparing_leave_no_copy_of_the_secret_behind() {
        let watch = crate::wiped::Watch::new(&[b"wipe-check-plan-secret-0001"]);
        let mut request = request("ci id", "wipe-check-plan-secret-0001+/=");
        request.auth_method = AuthMethod::Auto;
        assert_eq!(plan(&request, &resolved(), &raw_basic(false)).len(), 3);
        for how in [
            Presentation::Basic,
            Presentation::BasicRaw,
            Presentation::Post,
        ] {
            drop(Prepared::token(&request, how, None));
        }
        drop(request);
        assert_eq!(watch.leaks(), 0, "freed memory still held the secret");
    }

    #[test]
    fn genesys_gets_basic_as_its_sdks_send_it_first() {
        let mut plain = request("3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90", "abcDEF123");
        plain.auth_method = AuthMethod::Auto;
        assert_eq!(
            plan(&plain, &resolved(), &raw_basic(true)),
            vec![Presentation::BasicRaw]
        );
        let mut special = request("3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90", "ab+c/d=");
        special.auth_method = AuthMethod::Auto;
        assert_eq!(
            plan(&special, &resolved(), &raw_basic(true)),
            vec![Presentation::BasicRaw, Presentation::Basic]
        );
    }
}
