//! The test IdP's `private_key_jwt` (RFC 7523): a client assertion is verified against the client's registered
//! public key, and each way it can be wrong is refused in the words a vendor uses for it, so that tests can tell
//! the causes apart (oidc-provider hides them all behind "client authentication failed"). The descriptions are
//! Okta's documented ones where Okta documents one (audience, kid, expiry too far ahead), oidc-provider's for
//! replay and for the assertion type and format (facts: machine-credentials.md section 1).

use std::sync::Mutex;

use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, SHA256, digest};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED,
    ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_2048_8192_SHA256,
    RSA_PSS_2048_8192_SHA256, RsaKeyPair, UnparsedPublicKey, VerificationAlgorithm,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;

use super::http::{Form, Request, Response, form_value};
use super::oauth::oauth_error;
use super::{State, unix_now};

/// The assertion type RFC 7523 section 2.2 defines.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Longest assertion lifetime accepted (Okta: "a maximum of only an hour in the future").
const MAX_LIFETIME: i64 = 3600;

/// Seconds an assertion's `nbf` may lie ahead of the server's clock.
const CLOCK_TOLERANCE: i64 = 60;

/// A client's registered key for `private_key_jwt`.
#[derive(Clone)]
pub struct RegisteredKey {
    /// The public key as aws-lc-rs verifies it: PKCS#1 `RSAPublicKey` DER, or the uncompressed EC point.
    pub public_key: Vec<u8>,
    /// `rsa`, `p256` or `p384`.
    pub kind: &'static str,
    /// The `kid` the client registered, when it did.
    pub kid: Option<String>,
    /// The certificate registered with the key (Entra finds the key by its thumbprint).
    pub certificate: Option<Thumbprints>,
}

/// A registered certificate as Entra knows it: by the digests of its DER.
#[derive(Clone, Debug)]
pub struct Thumbprints {
    /// SHA-1 of the DER (`x5t`, and the thumbprint portals show).
    pub sha1: Vec<u8>,
    /// SHA-256 of the DER (`x5t#S256`).
    pub sha256: Vec<u8>,
}

impl Thumbprints {
    /// The thumbprints of a PEM file's first certificate; `None` when it holds none.
    pub fn from_pem(pem: &str) -> Option<Self> {
        let der = CertificateDer::pem_slice_iter(pem.as_bytes())
            .next()?
            .ok()?;
        Some(Thumbprints {
            sha1: digest(&SHA1_FOR_LEGACY_USE_ONLY, &der).as_ref().to_vec(),
            sha256: digest(&SHA256, &der).as_ref().to_vec(),
        })
    }
}

impl RegisteredKey {
    /// The public half of a PEM private key (PKCS#8, PKCS#1 or SEC1; not encrypted), registered with `kid` and,
    /// for Entra, with `certificate_pem`'s first certificate; `None` when either does not parse. The server reads
    /// keys with its own code (rustls-pki-types' PEM reader, aws-lc-rs' key parsers), not the checker's, so a
    /// bug in the checker's key handling cannot pass on both sides.
    pub fn from_pem(
        key_pem: &str,
        kid: Option<&str>,
        certificate_pem: Option<&str>,
    ) -> Option<Self> {
        let (public_key, kind) = public_half(key_pem)?;
        let certificate = match certificate_pem {
            Some(pem) => Some(Thumbprints::from_pem(pem)?),
            None => None,
        };
        Some(RegisteredKey {
            public_key,
            kind,
            kid: kid.map(str::to_owned),
            certificate,
        })
    }
}

/// The public key of a PEM private key and its kind.
fn public_half(key_pem: &str) -> Option<(Vec<u8>, &'static str)> {
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).ok()?;
    let der = key.secret_der();
    let rsa = match &key {
        PrivateKeyDer::Pkcs1(_) => RsaKeyPair::from_der(der),
        _ => RsaKeyPair::from_pkcs8(der),
    };
    if let Ok(pair) = rsa {
        return Some((pair.public_key().as_ref().to_vec(), "rsa"));
    }
    [
        (&ECDSA_P256_SHA256_FIXED_SIGNING, "p256"),
        (&ECDSA_P384_SHA384_FIXED_SIGNING, "p384"),
    ]
    .into_iter()
    .find_map(|(alg, kind)| {
        let pair = EcdsaKeyPair::from_private_key_der(alg, der).ok()?;
        Some((pair.public_key().as_ref().to_vec(), kind))
    })
}

/// The `jti`s already used, so a replay is refused as servers do.
#[derive(Default)]
pub(super) struct SeenJtis(Mutex<Vec<String>>);

impl SeenJtis {
    /// True when `jti` was new (and is now remembered).
    fn first_use(&self, jti: &str) -> bool {
        let Ok(mut seen) = self.0.lock() else {
            return false;
        };
        if seen.iter().any(|s| s == jti) {
            return false;
        }
        seen.push(jti.to_owned());
        true
    }
}

fn decode_json(part: &str) -> Option<Value> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

fn verifier(alg: &str, kind: &str) -> Option<&'static dyn VerificationAlgorithm> {
    Some(match (alg, kind) {
        ("RS256", "rsa") => &RSA_PKCS1_2048_8192_SHA256,
        ("PS256", "rsa") => &RSA_PSS_2048_8192_SHA256,
        ("ES256", "p256") => &ECDSA_P256_SHA256_FIXED,
        ("ES384", "p384") => &ECDSA_P384_SHA384_FIXED,
        _ => return None,
    })
}

/// Whether `aud` (a string or an array) names `url`.
fn audience_is(aud: Option<&Value>, url: &str) -> bool {
    match aud {
        Some(Value::String(one)) => one == url,
        Some(Value::Array(many)) => many.iter().any(|a| a.as_str() == Some(url)),
        _ => false,
    }
}

/// Verifies the client assertion in `form`, if there is one: `None` when the request carries none (the secret
/// paths apply), else the client's index or the refusal.
pub(super) fn verify(
    state: &State,
    request: &Request,
    form: &Form,
) -> Option<Result<usize, Response>> {
    let assertion = form_value(form, "client_assertion")?;
    let flavor = state.flavor;
    let refuse = |status: u16, error: &str, description: &str| {
        Some(Err(oauth_error(flavor, status, error, description)))
    };
    match form_value(form, "client_assertion_type") {
        Some(JWT_BEARER) => {}
        Some(_) => {
            return refuse(
                400,
                "invalid_request",
                &format!("client_assertion_type must have value {JWT_BEARER}"),
            );
        }
        None => {
            return refuse(
                400,
                "invalid_request",
                "client_assertion_type must be provided",
            );
        }
    }
    let parts: Vec<&str> = assertion.split('.').collect();
    let [signed_header, signed_claims, signature] = parts[..] else {
        return refuse(400, "invalid_request", "invalid client_assertion format");
    };
    let (Some(header), Some(claims)) = (decode_json(signed_header), decode_json(signed_claims))
    else {
        return refuse(400, "invalid_request", "invalid client_assertion format");
    };
    let text = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let Some(subject) = text(&claims, "sub") else {
        return refuse(
            401,
            "invalid_client",
            "sub (JWT subject) must be provided in the client_assertion JWT",
        );
    };
    // A federated token's subject is the workload (a repository, a service account), not the client: the
    // client_id parameter names the app then.
    let federated_app = form_value(form, "client_id")
        .and_then(|id| state.find(id))
        .filter(|i| !state.clients[*i].client.federated.is_empty());
    let Some(index) = federated_app.or_else(|| state.find(&subject)) else {
        if flavor == super::Flavor::Entra {
            return Some(Err(super::entra::app_not_found(&subject)));
        }
        return refuse(401, "invalid_client", "client not found");
    };
    let client = &state.clients[index].client;
    if !client.federated.is_empty() {
        // Workload identity federation: the token is matched against the app's federated credentials.
        let aud: Vec<&str> = match claims.get("aud") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let iss = text(&claims, "iss").unwrap_or_default();
        if let Err(refusal) = super::entra::match_federated(&client.federated, &iss, &subject, &aud)
        {
            return Some(Err(refusal));
        }
        let now = now_with(client.clock_ahead);
        if claims
            .get("exp")
            .and_then(Value::as_i64)
            .is_none_or(|exp| exp <= now)
        {
            return refuse(
                401,
                "invalid_client",
                "AADSTS700024: Client assertion is not within its valid time range.",
            );
        }
        return Some(Ok(index));
    }
    let token_url = format!("{}{}", state.base_url, request.path());
    let signed = Signed {
        header: &header,
        claims: &claims,
        message: format!("{signed_header}.{signed_claims}"),
        signature,
    };
    let checked = check_key_assertion(
        state,
        client,
        form_value(form, "client_id"),
        &subject,
        &token_url,
        &signed,
    );
    Some(
        checked
            .map(|()| index)
            .map_err(|r| r.answer(flavor, &client.id)),
    )
}

/// A key-signed assertion's parts, decoded.
struct Signed<'a> {
    header: &'a Value,
    claims: &'a Value,
    message: String,
    signature: &'a str,
}

/// Why a key-signed assertion was refused; each flavour words it its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    /// `client_id` beside the assertion is not its `sub`.
    ClientMismatch,
    /// The client has no key or certificate registered.
    NoKey,
    /// `iss` is not the client.
    Issuer,
    /// `aud` is not this token endpoint.
    Audience,
    /// The header's `kid` is not the registered one.
    Kid,
    /// No registered certificate has the thumbprint the header names (hex of what it named).
    UnknownCertificate(String),
    /// The algorithm does not fit the registered key.
    Algorithm(String),
    /// The registered key does not verify the signature (thumbprint hex, when one was named). Entra's words are
    /// those reported for AADSTS50013 (facts: machine-credentials.md 3a).
    Signature(String),
    /// No `exp`.
    NoExpiry,
    /// Not valid now: server time, `nbf` (0 when absent), `exp`.
    TimeRange(i64, i64, i64),
    /// `exp` further ahead than allowed.
    TooLong,
    /// No `jti`.
    NoJti,
    /// The `jti` was seen before.
    Replay,
}

impl Refusal {
    /// The answer: Entra's AADSTS wording (facts: machine-credentials.md section 3a) or the generic one.
    fn answer(&self, flavor: super::Flavor, app: &str) -> Response {
        let entra = flavor == super::Flavor::Entra;
        let doc = "Review the documentation at \
                   https://learn.microsoft.com/entra/identity-platform/certificate-credentials";
        let at = |t: i64| crate::check::base::clock::rfc3339(t).replace('Z', ".0000000Z");
        let not_registered = |thumbprint: &str| {
            format!(
                "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered \
                 on application. [Reason - The key was not found., Thumbprint of key used by client: \
                 '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see \
                 configured keys for app Id '{app}'. Review the documentation at \
                 https://docs.microsoft.com/en-us/graph/deployments]"
            )
        };
        let description = match (self, entra) {
            (Refusal::ClientMismatch | Refusal::Issuer, true) => format!(
                "AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter. {doc}"
            ),
            (Refusal::ClientMismatch, false) => {
                "client_id mismatch: the client_id parameter does not match sub".into()
            }
            (Refusal::Issuer, false) => "iss (JWT issuer) must be the client_id".into(),
            (Refusal::NoKey, true) => not_registered(""),
            (Refusal::UnknownCertificate(thumbprint), true) => not_registered(thumbprint),
            (Refusal::NoKey, false) => {
                "private_key_jwt is not a registered client authentication method for this client".into()
            }
            (Refusal::Signature(thumbprint), true) => format!(
                "AADSTS50013: Assertion failed signature validation. [Reason - Key was found, but use of the key to \
                 verify the signature failed., Thumbprint of key used by client: '{thumbprint}', Found key \
                 'Start=01/01/2026 00:00:00, End=01/01/2028 00:00:00']"
            ),
            (Refusal::UnknownCertificate(_) | Refusal::Signature(_), false) => {
                "The client_assertion signature is invalid: no registered key verifies it.".into()
            }
            (Refusal::Audience, true) => {
                format!("AADSTS700023: Client assertion audience claim does not match Realm issuer. {doc}")
            }
            (Refusal::Audience, false) => {
                "The audience claim for client_assertion must be the endpoint invoked for the request.".into()
            }
            (Refusal::Kid, _) => "The client_assertion JWT kid is invalid.".into(),
            (Refusal::Algorithm(alg), _) => {
                format!("The client_assertion signature algorithm {alg} does not fit the registered key.")
            }
            (Refusal::TimeRange(now, nbf, exp), true) => format!(
                "AADSTS700024: Client assertion is not within its valid time range. Current time: {}, assertion \
                 valid from {}, expiry time of assertion {}. {doc}",
                at(*now),
                at(*nbf),
                at(*exp)
            ),
            (Refusal::TimeRange(..), false) => "The client_assertion token is expired.".into(),
            (Refusal::NoExpiry, true) => format!(
                "AADSTS700024: Client assertion is not within its valid time range. Current time: {}, assertion \
                 valid from {}, expiry time of assertion {}. {doc}",
                at(now_with(0)),
                at(0),
                at(0)
            ),
            (Refusal::NoExpiry, false) => "expiration must be specified in the client_assertion JWT".into(),
            (Refusal::TooLong, _) => {
                "The client_assertion token has an expiration too far into the future.".into()
            }
            (Refusal::NoJti, _) => "unique jti (JWT ID) must be provided in the client_assertion JWT".into(),
            (Refusal::Replay, _) => "client assertion tokens must only be used once".into(),
        };
        oauth_error(flavor, 401, "invalid_client", &description)
    }
}

/// The server's clock: this machine's, plus what a test set it ahead by.
fn now_with(ahead: i64) -> i64 {
    i64::try_from(unix_now())
        .unwrap_or(i64::MAX)
        .saturating_add(ahead)
}

/// Hex of a base64url (or standard base64, as MSAL writes `x5t#S256`) thumbprint, as a portal shows it.
fn thumbprint_hex(encoded: &str) -> Option<Vec<u8>> {
    let trimmed = encoded.trim_end_matches('=');
    URL_SAFE_NO_PAD.decode(trimmed).ok().or_else(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(trimmed)
            .ok()
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The registered key's certificate named by the header: `x5t#S256`, else `x5t`, else a `kid` that is the SHA-1
/// thumbprint (go-azure-sdk's form). `Ok(thumbprint hex)` when it is the registered one; `Err(hex)` otherwise.
fn named_certificate(header: &Value, certificate: &Thumbprints) -> Result<String, String> {
    let field = |name: &str| header.get(name).and_then(Value::as_str);
    let presented = [
        (field("x5t#S256"), &certificate.sha256),
        (field("x5t"), &certificate.sha1),
        (field("kid"), &certificate.sha1),
    ];
    let mut named = String::new();
    for (value, registered) in presented {
        let Some(bytes) = value.and_then(thumbprint_hex) else {
            continue;
        };
        if &bytes == registered {
            return Ok(hex(&bytes));
        }
        if named.is_empty() {
            named = hex(&bytes);
        }
    }
    Err(named)
}

fn check_key_assertion(
    state: &State,
    client: &super::Client,
    client_id: Option<&str>,
    subject: &str,
    token_url: &str,
    signed: &Signed<'_>,
) -> Result<(), Refusal> {
    let text = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let (header, claims) = (signed.header, signed.claims);
    if client_id.is_some_and(|id| id != subject) {
        return Err(Refusal::ClientMismatch);
    }
    let key = client.key.as_ref().ok_or(Refusal::NoKey)?;
    if text(claims, "iss").as_deref() != Some(subject) {
        return Err(Refusal::Issuer);
    }
    if !audience_is(claims.get("aud"), token_url) {
        return Err(Refusal::Audience);
    }
    // Entra finds the key by the certificate's thumbprint; the others by kid, when one was registered.
    let thumbprint = match &key.certificate {
        Some(certificate) if state.flavor == super::Flavor::Entra => {
            named_certificate(header, certificate).map_err(Refusal::UnknownCertificate)?
        }
        _ => {
            if key.kid.is_some() && text(header, "kid") != key.kid {
                return Err(Refusal::Kid);
            }
            String::new()
        }
    };
    let alg = text(header, "alg").unwrap_or_default();
    let Some(algorithm) = verifier(&alg, key.kind) else {
        return Err(if state.flavor == super::Flavor::Entra {
            Refusal::Signature(thumbprint)
        } else {
            Refusal::Algorithm(alg)
        });
    };
    let signature = URL_SAFE_NO_PAD
        .decode(signed.signature)
        .map_err(|_| Refusal::Signature(thumbprint.clone()))?;
    if UnparsedPublicKey::new(algorithm, &key.public_key)
        .verify(signed.message.as_bytes(), &signature)
        .is_err()
    {
        return Err(Refusal::Signature(thumbprint));
    }
    let now = now_with(client.clock_ahead);
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(Refusal::NoExpiry)?;
    let nbf = claims.get("nbf").and_then(Value::as_i64).unwrap_or(0);
    if exp <= now || nbf > now + CLOCK_TOLERANCE {
        return Err(Refusal::TimeRange(now, nbf, exp));
    }
    if exp - now > MAX_LIFETIME {
        return Err(Refusal::TooLong);
    }
    let jti = text(claims, "jti").ok_or(Refusal::NoJti)?;
    if !state.jtis.first_use(&jti) {
        return Err(Refusal::Replay);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    use serde_json::json;

    fn fixture(path: &str) -> String {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(path),
        )
        .expect("fixture")
    }

    fn certificate() -> Thumbprints {
        Thumbprints::from_pem(&fixture("certs/rsa-2048.crt")).expect("certificate")
    }

    #[test]
    fn the_certificate_thumbprints_are_those_the_fixtures_list() {
        // tests/fixtures/certs/thumbprints.txt was written by node's crypto when the fixtures were made.
        let listed = fixture("certs/thumbprints.txt");
        let row: Vec<&str> = listed
            .lines()
            .find(|line| line.starts_with("certs/rsa-2048.crt "))
            .expect("a row for rsa-2048.crt")
            .split_whitespace()
            .collect();
        let cert = certificate();
        assert_eq!(URL_SAFE_NO_PAD.encode(&cert.sha1), row[1]);
        assert_eq!(URL_SAFE_NO_PAD.encode(&cert.sha256), row[2]);
        assert_eq!(hex(&cert.sha1), row[3]);
    }

    #[test]
    fn every_fixture_key_form_registers() {
        for (name, kind) in [
            ("keys/rsa-2048.pem", "rsa"),
            ("keys/rsa-2048-pkcs1.pem", "rsa"),
            ("keys/ec-p256.pem", "p256"),
            ("keys/ec-p256-pkcs8.pem", "p256"),
            ("keys/ec-p384.pem", "p384"),
        ] {
            let key = RegisteredKey::from_pem(&fixture(name), None, None).expect(name);
            assert_eq!(key.kind, kind, "{name}");
        }
        let pkcs8 = RegisteredKey::from_pem(&fixture("keys/rsa-2048.pem"), None, None);
        let pkcs1 = RegisteredKey::from_pem(&fixture("keys/rsa-2048-pkcs1.pem"), None, None);
        assert_eq!(
            pkcs8.map(|k| k.public_key),
            pkcs1.map(|k| k.public_key),
            "the same key in two encodings"
        );
        assert!(RegisteredKey::from_pem(&fixture("certs/rsa-2048.crt"), None, None).is_none());
        // The EC points node exported as JWKs when the fixtures were made.
        for (pem, jwk) in [
            ("keys/ec-p256.pem", "keys/ec-p256.jwk.json"),
            ("keys/ec-p384.pem", "keys/ec-p384.jwk.json"),
        ] {
            let jwk: Value = serde_json::from_str(&fixture(jwk)).expect("jwk");
            let coordinate = |name: &str| {
                URL_SAFE_NO_PAD
                    .decode(jwk[name].as_str().expect("coordinate"))
                    .expect("base64url")
            };
            let point = [vec![4], coordinate("x"), coordinate("y")].concat();
            let key = RegisteredKey::from_pem(&fixture(pem), None, None).expect(pem);
            assert_eq!(key.public_key, point, "{pem}");
        }
    }

    #[test]
    fn entra_finds_the_certificate_by_any_thumbprint_form_clients_send() {
        let cert = certificate();
        let (sha1, sha256) = (&cert.sha1, &cert.sha256);
        let headers = [
            // The documented form, MSAL Go's standard-base64 variant, the older x5t, go-azure-sdk's padded kid.
            json!({"x5t#S256": URL_SAFE_NO_PAD.encode(sha256)}),
            json!({"x5t#S256": STANDARD.encode(sha256)}),
            json!({"x5t": URL_SAFE_NO_PAD.encode(sha1)}),
            json!({"kid": URL_SAFE.encode(sha1)}),
        ];
        for header in headers {
            assert!(named_certificate(&header, &cert).is_ok(), "{header}");
        }
        let other = json!({"x5t": "S5WuQfPciODDiqNJB7mRnh-MFaQ"});
        assert_eq!(
            named_certificate(&other, &cert),
            Err("4B95AE41F3DC88E0C38AA34907B9919E1F8C15A4".to_string())
        );
        assert_eq!(
            named_certificate(&json!({"alg": "PS256"}), &cert),
            Err(String::new())
        );
    }
}
