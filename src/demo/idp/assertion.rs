//! The test IdP's `private_key_jwt` (RFC 7523): a client assertion is verified against the client's registered
//! public key, and each way it can be wrong is refused in the words a vendor uses for it, so that tests can tell
//! the causes apart (oidc-provider hides them all behind "client authentication failed"). The descriptions are
//! Okta's documented ones where Okta documents one (audience, kid, expiry too far ahead), oidc-provider's for
//! replay and for the assertion type and format (facts: machine-credentials.md section 1).

use std::sync::Mutex;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P384_SHA384_FIXED, RSA_PKCS1_2048_8192_SHA256,
    RSA_PSS_2048_8192_SHA256, UnparsedPublicKey, VerificationAlgorithm,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::http::{Form, Request, Response, form_value};
use super::oauth::oauth_error;
use super::{State, unix_now};

/// The assertion type RFC 7523 section 2.2 defines.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Longest assertion lifetime accepted (Okta: "a maximum of only an hour in the future").
const MAX_LIFETIME: i64 = 3600;

/// A client's registered key for `private_key_jwt`.
#[derive(Clone)]
pub struct RegisteredKey {
    /// The public key as aws-lc-rs verifies it: PKCS#1 `RSAPublicKey` DER, or the uncompressed EC point.
    pub public_key: Vec<u8>,
    /// `rsa`, `p256` or `p384`.
    pub kind: &'static str,
    /// The `kid` the client registered, when it did.
    pub kid: Option<String>,
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
        let now = i64::try_from(unix_now())
            .unwrap_or(i64::MAX)
            .saturating_add(client.clock_ahead);
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
    if form_value(form, "client_id").is_some_and(|id| id != subject) {
        return refuse(
            401,
            "invalid_client",
            "client_id mismatch: the client_id parameter does not match sub",
        );
    }
    let Some(key) = &client.key else {
        return refuse(
            401,
            "invalid_client",
            "private_key_jwt is not a registered client authentication method for this client",
        );
    };
    if text(&claims, "iss").as_deref() != Some(subject.as_str()) {
        return refuse(
            401,
            "invalid_client",
            "iss (JWT issuer) must be the client_id",
        );
    }
    let token_url = format!("{}{}", state.base_url, request.path());
    if !audience_is(claims.get("aud"), &token_url) {
        return refuse(
            401,
            "invalid_client",
            "The audience claim for client_assertion must be the endpoint invoked for the request.",
        );
    }
    if key.kid.is_some() && text(&header, "kid") != key.kid {
        return refuse(
            401,
            "invalid_client",
            "The client_assertion JWT kid is invalid.",
        );
    }
    let alg = text(&header, "alg").unwrap_or_default();
    let Some(algorithm) = verifier(&alg, key.kind) else {
        return refuse(
            401,
            "invalid_client",
            &format!(
                "The client_assertion signature algorithm {alg} does not fit the registered {} key.",
                key.kind
            ),
        );
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return refuse(400, "invalid_request", "invalid client_assertion format");
    };
    let message = format!("{signed_header}.{signed_claims}");
    if UnparsedPublicKey::new(algorithm, &key.public_key)
        .verify(message.as_bytes(), &signature)
        .is_err()
    {
        return refuse(
            401,
            "invalid_client",
            "The client_assertion signature is invalid: no registered key verifies it.",
        );
    }
    // The server's clock, which a test may set ahead of the client's.
    let now = i64::try_from(unix_now())
        .unwrap_or(i64::MAX)
        .saturating_add(client.clock_ahead);
    let Some(exp) = claims.get("exp").and_then(Value::as_i64) else {
        return refuse(
            401,
            "invalid_client",
            "expiration must be specified in the client_assertion JWT",
        );
    };
    if exp <= now {
        return refuse(
            401,
            "invalid_client",
            "The client_assertion token is expired.",
        );
    }
    if exp - now > MAX_LIFETIME {
        return refuse(
            401,
            "invalid_client",
            "The client_assertion token has an expiration too far into the future.",
        );
    }
    let Some(jti) = text(&claims, "jti") else {
        return refuse(
            401,
            "invalid_client",
            "unique jti (JWT ID) must be provided in the client_assertion JWT",
        );
    };
    if !state.jtis.first_use(&jti) {
        return refuse(
            401,
            "invalid_client",
            "client assertion tokens must only be used once",
        );
    }
    Some(Ok(index))
}
