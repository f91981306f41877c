//! Google STS's token exchange (RFC 8693, `POST /v1/token`) for the Google flavour: the request's parameters, the
//! provider its audience names, then the subject token's checks in the order below, each with the body of facts
//! cloud-federation.md 2.2 where the facts give one.
//!
//! The subject token's signature is not verified: the repository's test tokens carry a placeholder, and this
//! server fetches no issuer's keys. Its header and claims are decoded and checked.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::google::{Identity, TOKEN_SECONDS, issue, oauth};
use super::google_config::GoogleConfig;
use super::google_provider::{WorkloadProvider, well_formed_id};
use super::http::{Request, Response, js, obj};
use super::{State, unix_now};

const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
const SUBJECT_TYPES: [&str; 2] = [
    "urn:ietf:params:oauth:token-type:jwt",
    "urn:ietf:params:oauth:token-type:id_token",
];
/// Google's limit on a mapped attribute's value.
const MAX_ATTRIBUTE_BYTES: usize = 127;

const MALFORMED_AUDIENCE: &str = "Invalid value for \"audience\". This value should be the full resource name of the \
     Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of \
     possible formats.";
const INVALID_TARGET: &str = "The target service indicated by the \"audience\" parameters is invalid. This might \
     either be because the pool or provider is disabled or deleted or because it doesn't exist.";
const CONDITION_REJECTED: &str = "The given credential is rejected by the attribute condition.";
const ATTRIBUTE_TOO_LONG: &str = "The size of mapped attribute exceeds the 127 bytes limit.";
// Not sourced from the facts: plausible wordings in the style of the sourced ones.
const NOT_A_JWT: &str = "Unable to parse the ID Token.";
const EXPIRED: &str = "The ID Token has expired.";
const NO_SUBJECT: &str = "The mapped attribute google.subject must not be empty.";

type Claims = Map<String, Value>;

/// Answers one token exchange.
pub(super) fn exchange(state: &State, request: &Request) -> Response {
    match admit(state, request) {
        Ok(response) | Err(response) => response,
    }
}

fn admit(state: &State, request: &Request) -> Result<Response, Response> {
    let config = &state.google.config;
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    // Not sourced from the facts: the parameters' own refusals, worded like the sourced audience one.
    let invalid_value = |name: &str| {
        oauth(
            400,
            "invalid_request",
            &format!("Invalid value for \"{name}\"."),
        )
    };
    if field("grant_type") != TOKEN_EXCHANGE {
        return Err(oauth(
            400,
            "unsupported_grant_type",
            &format!("Unsupported grant_type: {}", field("grant_type")),
        ));
    }
    let (number, pool, provider) = provider_name(field("audience"))
        .ok_or_else(|| oauth(400, "invalid_request", MALFORMED_AUDIENCE))?;
    if field("requested_token_type") != ACCESS_TOKEN {
        return Err(invalid_value("requested_token_type"));
    }
    if !SUBJECT_TYPES.contains(&field("subject_token_type")) {
        return Err(invalid_value("subject_token_type"));
    }
    let Some(provider) = config
        .pools
        .iter()
        .find(|p| number == config.project_number && p.pool == pool && p.provider == provider)
        .filter(|p| !p.disabled)
    else {
        return Err(oauth(400, "invalid_target", INVALID_TARGET));
    };
    let claims =
        decode(field("subject_token")).ok_or_else(|| oauth(400, "invalid_grant", NOT_A_JWT))?;
    token_matches(config, pool, provider, &claims)?;
    let attributes = map_attributes(provider, &claims);
    let Some(subject) = attributes
        .iter()
        .find(|(t, _)| t == "google.subject")
        .map(|(_, v)| v.clone())
        .filter(|s| !s.is_empty())
    else {
        return Err(oauth(400, "invalid_request", NO_SUBJECT));
    };
    if attributes
        .iter()
        .any(|(_, v)| v.len() > MAX_ATTRIBUTE_BYTES)
    {
        // Not sourced from the facts: the error code (the facts give only the message).
        return Err(oauth(400, "invalid_request", ATTRIBUTE_TOO_LONG));
    }
    if let Some(condition) = &provider.condition {
        let value = claims.get(&condition.claim).and_then(Value::as_str);
        if value != Some(condition.value.as_str()) {
            return Err(oauth(400, "unauthorized_client", CONDITION_REJECTED));
        }
    }
    let sets = attributes
        .iter()
        .filter_map(|(target, value)| {
            let name = target.strip_prefix("attribute.")?;
            Some(config.principal_set(pool, name, value))
        })
        .chain(std::iter::once(config.pool_members(pool)))
        .collect();
    let identity = Identity::Federated {
        principal: config.principal(pool, &subject),
        sets,
    };
    let minted = issue(state, identity, TOKEN_SECONDS);
    let body = obj(&[
        ("access_token", js(minted.token)),
        ("issued_token_type", js(ACCESS_TOKEN)),
        ("token_type", js("Bearer")),
        ("expires_in", minted.seconds.to_string()),
    ]);
    Ok(Response::json(200, body).header("Cache-Control", "no-store"))
}

/// The subject token's expiry, issuer and audience against the provider's, in STS's order and words.
fn token_matches(
    config: &GoogleConfig,
    pool: &str,
    provider: &WorkloadProvider,
    claims: &Claims,
) -> Result<(), Response> {
    let exp = claims.get("exp").and_then(Value::as_f64).unwrap_or(0.0);
    if exp <= unix_now() as f64 {
        return Err(oauth(400, "invalid_grant", EXPIRED));
    }
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if iss.trim_end_matches('/') != provider.issuer.trim_end_matches('/') {
        return Err(oauth(
            400,
            "invalid_grant",
            &format!(
                "The issuer in ID Token {iss} does not match the expected ones: {}",
                provider.issuer
            ),
        ));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let default_audience = [config.default_audience(pool, &provider.provider)];
    let allowed = if provider.allowed_audiences.is_empty() {
        &default_audience[..]
    } else {
        &provider.allowed_audiences[..]
    };
    if !audiences.iter().any(|a| allowed.iter().any(|b| b == a)) {
        return Err(oauth(
            400,
            "invalid_grant",
            &format!(
                "The audience in ID Token [{}] does not match the expected audience.",
                audiences.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The project number, pool and provider of
/// `//iam.googleapis.com/projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV`.
fn provider_name(audience: &str) -> Option<(&str, &str, &str)> {
    let rest = audience.strip_prefix("//iam.googleapis.com/projects/")?;
    let (number, rest) = rest.split_once("/locations/global/workloadIdentityPools/")?;
    let (pool, provider) = rest.split_once("/providers/")?;
    let ok = !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && well_formed_id(pool)
        && well_formed_id(provider);
    ok.then_some((number, pool, provider))
}

/// The claims of a JWT: three base64url parts, JSON objects in the first two.
fn decode(token: &str) -> Option<Claims> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return None;
    };
    let object = |part: &str| -> Option<Claims> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        match serde_json::from_slice(&bytes).ok()? {
            Value::Object(map) => Some(map),
            _ => None,
        }
    };
    let header = object(header)?;
    // An unsigned token (`alg` none, or no signature) is not an ID token any provider would accept.
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("none");
    if alg == "none" || signature.is_empty() {
        return None;
    }
    object(claims)
}

/// The provider's attribute mapping applied to the claims: `(target, value)` for each claim present (strings as
/// they are, numbers and booleans as JSON writes them; other JSON leaves the attribute unset).
fn map_attributes(provider: &WorkloadProvider, claims: &Claims) -> Vec<(String, String)> {
    provider
        .attribute_mapping
        .iter()
        .filter_map(|(target, source)| {
            let claim = source.strip_prefix("assertion.")?;
            let value = match claims.get(claim)? {
                Value::String(s) => s.clone(),
                n @ (Value::Number(_) | Value::Bool(_)) => n.to_string(),
                _ => return None,
            };
            Some((target.clone(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names_must_be_full_and_well_formed() {
        assert_eq!(
            provider_name(
                "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/providers/actions"
            ),
            Some(("123", "github", "actions"))
        );
        for bad in [
            "",
            "${{ secrets.WIF_PROVIDER }}",
            "projects/123/locations/global/workloadIdentityPools/github/providers/actions",
            "https://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/providers/actions",
            "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github",
            "//iam.googleapis.com/projects/acme-prod/locations/global/workloadIdentityPools/github/providers/actions",
            "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/GitHub/providers/actions",
            "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/providers/a/b",
        ] {
            assert_eq!(provider_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn tokens_must_be_three_parts_with_json_objects_and_a_signature() {
        let part = |json: &str| URL_SAFE_NO_PAD.encode(json.as_bytes());
        let (header, claims) = (part(r#"{"alg":"RS256"}"#), part(r#"{"sub":"x"}"#));
        assert_eq!(
            decode(&format!("{header}.{claims}.c2ln")).expect("decodes")["sub"],
            "x"
        );
        for bad in [
            "not-a-jwt".to_owned(),
            format!("{header}.{claims}"),
            format!("{header}.{claims}."),
            format!("{}.{claims}.c2ln", part(r#"{"alg":"none"}"#)),
            format!("{header}.{}.c2ln", part("[1]")),
            format!("{header}.!!.c2ln"),
        ] {
            assert!(decode(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn mapping_takes_claims_present_and_skips_the_rest() {
        let provider = WorkloadProvider::new("github", "actions", "https://x.example")
            .map("attribute.run", "assertion.run_number");
        let claims: Claims = serde_json::from_str(
            r#"{"sub":"repo:acme/infra:ref:refs/heads/main","repository":"acme/infra","run_number":7,
                "repository_owner":["not","a","string"]}"#,
        )
        .expect("claims");
        let mapped = map_attributes(&provider, &claims);
        assert_eq!(
            mapped,
            [
                (
                    "google.subject".to_owned(),
                    "repo:acme/infra:ref:refs/heads/main".to_owned()
                ),
                ("attribute.repository".to_owned(), "acme/infra".to_owned()),
                ("attribute.run".to_owned(), "7".to_owned()),
            ]
        );
    }
}
