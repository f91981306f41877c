//! Google's OAuth 2.0 token endpoint for service-account keys (`POST /token`, the RFC 7523 JWT-bearer grant) for
//! the Google flavour: the assertion is verified for real, RS256 against a key registered for the account, then
//! its issuer, audience, lifetime and scope, with the bodies of facts cloud-federation.md 2.2 where the facts give
//! one.

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::google::{Identity, issue, oauth};
use super::http::{Request, Response, js, obj};
use super::{State, unix_now};

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The audience Google's own token endpoint answers to; google-auth 2.63 writes it whatever `token_uri` says.
const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// What Google grants a key's assertion: an hour, less a second (facts 2.2's answer shape).
const KEY_TOKEN_SECONDS: u64 = 3599;
/// Longest assertion lifetime (`exp - iat`) Google accepts.
const MAX_ASSERTION_SECONDS: i64 = 3600;
/// Seconds an assertion's `iat` may lie ahead of the server's clock.
const CLOCK_SKEW: i64 = 300;

const ACCOUNT_NOT_FOUND: &str = "Invalid grant: account not found";
const BAD_SIGNATURE: &str = "Invalid JWT Signature.";
// Not sourced from the facts: Google's wordings as seen in public issue threads and remembered.
const BAD_TIME: &str = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. \
     Check your iat and exp values in the JWT claim.";
const BAD_SCOPE: &str = "Invalid OAuth scope or ID token audience provided.";

/// Answers one JWT-bearer grant.
pub(super) fn jwt_bearer(state: &State, request: &Request) -> Response {
    match grant(state, request) {
        Ok(response) | Err(response) => response,
    }
}

fn grant(state: &State, request: &Request) -> Result<Response, Response> {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let grant_type = field("grant_type").unwrap_or_default();
    if grant_type != JWT_BEARER {
        // Not sourced from the facts: the wording, from memory.
        return Err(oauth(
            400,
            "unsupported_grant_type",
            &format!("Invalid grant_type: {grant_type}"),
        ));
    }
    let invalid_grant = |description: &str| oauth(400, "invalid_grant", description);
    // Not sourced from the facts: the answer to an assertion that is not a JWT at all.
    let malformed = || invalid_grant("Invalid JWT: the assertion is not a well-formed JWT.");
    let assertion = field("assertion").unwrap_or_default();
    let parts: Vec<&str> = assertion.split('.').collect();
    let [signed_header, signed_claims, signature] = parts.as_slice() else {
        return Err(malformed());
    };
    let (Some(header), Some(claims)) = (json_part(signed_header), json_part(signed_claims)) else {
        return Err(malformed());
    };
    let text =
        |value: &Value, name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
    let iss = text(&claims, "iss").unwrap_or_default();
    let Some(account) = state
        .google
        .config
        .service_accounts
        .iter()
        .find(|a| a.email == iss)
    else {
        return Err(invalid_grant(ACCOUNT_NOT_FOUND));
    };
    // The key must be one the account has, named by `kid`; a deleted or rotated key is the usual cause.
    let key = text(&header, "kid")
        .and_then(|kid| account.keys.iter().find(|(id, _)| *id == kid))
        .map(|(_, key)| key);
    let verified = key.is_some_and(|key| {
        let message = format!("{signed_header}.{signed_claims}");
        text(&header, "alg").as_deref() == Some("RS256")
            && URL_SAFE_NO_PAD
                .decode(signature.trim_end_matches('='))
                .is_ok_and(|sig| {
                    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &key.public_key)
                        .verify(message.as_bytes(), &sig)
                        .is_ok()
                })
    });
    if !verified {
        return Err(invalid_grant(BAD_SIGNATURE));
    }
    let own_token_url = format!("{}/token", state.base_url);
    let aud = text(&claims, "aud").unwrap_or_default();
    if aud != own_token_url && aud != GOOGLE_TOKEN_URI {
        // Not sourced from the facts: the wording, from memory of Google's audience check.
        return Err(invalid_grant(&format!(
            "Invalid JWT: Failed audience check. The right audience is {GOOGLE_TOKEN_URI}"
        )));
    }
    let now = i64::try_from(unix_now()).unwrap_or(i64::MAX);
    let (iat, exp) = (
        claims.get("iat").and_then(Value::as_i64),
        claims.get("exp").and_then(Value::as_i64),
    );
    let timely = iat.zip(exp).is_some_and(|(iat, exp)| {
        exp > now
            && iat <= now.saturating_add(CLOCK_SKEW)
            && exp.saturating_sub(iat) <= MAX_ASSERTION_SECONDS
    });
    if !timely {
        return Err(invalid_grant(BAD_TIME));
    }
    if text(&claims, "scope").is_none_or(|s| s.trim().is_empty()) {
        return Err(oauth(400, "invalid_scope", BAD_SCOPE));
    }
    let minted = issue(
        state,
        Identity::ServiceAccount(account.email.clone()),
        KEY_TOKEN_SECONDS,
    );
    let body = obj(&[
        ("access_token", js(minted.token)),
        ("expires_in", minted.seconds.to_string()),
        ("token_type", js("Bearer")),
    ]);
    Ok(Response::json(200, body).header("Cache-Control", "no-store"))
}

fn json_part(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .filter(Value::is_object)
}
