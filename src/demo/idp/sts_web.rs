//! AssumeRoleWithWebIdentity for the STS flavour: the token's checks in real STS's order, each with its code and
//! message (facts cloud-federation.md 1.2), then the role's trust statements matched as IAM matches them.
//!
//! The token's signature is not verified: the repository's test tokens carry a placeholder, and this server
//! fetches no issuer's keys. What a key fetch can do wrong is configured instead (`keys_unreachable`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::http::Response;
use super::sts::{Grant, Params, error, issue, param, role_params, success, xml};
use super::{State, unix_now};

/// A decoded token's claims; `alg` already checked.
type Claims = Map<String, Value>;

pub(super) fn assume_role_with_web_identity(state: &State, params: &Params, id: &str) -> Response {
    match admit(state, params, id) {
        Ok(response) | Err(response) => response,
    }
}

fn admit(state: &State, params: &Params, id: &str) -> Result<Response, Response> {
    let sts = &state.sts;
    let (role_arn, session_name, seconds) = role_params(params, id)?;
    let invalid = |message: &str| error(400, "InvalidIdentityToken", message, id);
    let token = param(params, "WebIdentityToken").unwrap_or_default();
    let claims = decode(token).map_err(|message| invalid(&message))?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);

    // Not sourced from the facts: the message for a token without `iss`, modelled on the `aud` one.
    let iss = text("iss").ok_or_else(|| invalid("Missing a required claim: iss"))?;
    let Some(provider) = sts
        .config
        .oidc_providers
        .iter()
        .find(|p| provider_id(&p.issuer) == provider_id(iss) && iss.starts_with("https://"))
    else {
        return Err(invalid(&format!(
            "No OpenIDConnect provider found in your account for {iss}"
        )));
    };
    if provider.keys_unreachable {
        // Two spaces after the comma, as STS writes it.
        return Err(invalid(
            "Couldn't retrieve verification key from your identity provider,  please reference \
             AssumeRoleWithWebIdentity documentation for requirements",
        ));
    }
    if sts.config.behavior.idp_communication_error {
        // Not sourced from the facts: the code is service-2.json's, the message a plausible one.
        return Err(error(
            400,
            "IDPCommunicationError",
            "The identity provider could not be reached to verify the identity token. Retry the request.",
            id,
        ));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if audiences.is_empty() {
        return Err(invalid("Missing a required claim: aud"));
    }
    let Some(audience) = audiences
        .iter()
        .find(|a| provider.client_ids.iter().any(|c| c == *a))
    else {
        return Err(invalid("Incorrect token audience"));
    };
    let exp = match claims.get("exp") {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        // Not sourced from the facts: the message for a token without `exp`, modelled on the `aud` one.
        _ => return Err(invalid("Missing a required claim: exp")),
    };
    let now = unix_now();
    if exp <= now as f64 {
        // No space before the second number: STS's own text.
        return Err(error(
            400,
            "ExpiredTokenException",
            &format!(
                "Token expired: current date/time {now} must be before the expiration date/time{}",
                exp as i64
            ),
            id,
        ));
    }
    // Not sourced from the facts: the message for a token without `sub`, modelled on the `aud` one.
    let sub = text("sub").ok_or_else(|| invalid("Missing a required claim: sub"))?;
    let trusted = sts.find_role(role_arn).filter(|role| {
        role.web_identity.iter().any(|c| {
            provider_id(&c.issuer) == provider_id(iss)
                && c.audience.as_deref().is_none_or(|a| a == *audience)
                && string_like(&c.subject, sub)
        })
    });
    let Some(role) = trusted else {
        // A missing role and an untrusting one look the same, as STS makes them look.
        return Err(error(
            403,
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            id,
        ));
    };
    let grant = Grant {
        role: &role.name,
        session_name,
        seconds,
    };
    let elements = issue(state, &grant);
    // STS names the provider by its IAM ARN (seen in a real answer: spiffe/spiffe.io PR #110), not by `iss`.
    let provider_arn = format!(
        "arn:aws:iam::{}:oidc-provider/{}",
        sts.config.account,
        provider_id(&provider.issuer)
    );
    let result = format!(
        "{elements}    <SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken>\n    \
         <Provider>{}</Provider>\n    <Audience>{}</Audience>\n",
        xml(sub),
        xml(&provider_arn),
        xml(audience)
    );
    Ok(success("AssumeRoleWithWebIdentity", &result, id))
}

/// The claims of a JWT that is three base64url parts with JSON objects in the first two and `alg` RS256.
fn decode(token: &str) -> Result<Claims, String> {
    // Not sourced from the facts: a plausible message for a token that is not a JWT.
    let malformed = || {
        "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)".to_owned()
    };
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err(malformed());
    };
    let object = |part: &str| -> Option<Claims> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        match serde_json::from_slice(&bytes).ok()? {
            Value::Object(map) => Some(map),
            _ => None,
        }
    };
    let (Some(header), Some(claims)) = (object(header), object(claims)) else {
        return Err(malformed());
    };
    if signature.is_empty()
        || URL_SAFE_NO_PAD
            .decode(signature.trim_end_matches('='))
            .is_err()
    {
        return Err(malformed());
    }
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("none");
    if alg != "RS256" {
        // Not sourced from the facts (which say only that STS takes RS256 tokens): a plausible message.
        return Err(format!(
            "Unsupported token signing algorithm {alg}: only RS256 is accepted"
        ));
    }
    Ok(claims)
}

/// How IAM names an OIDC provider: the issuer without `https://` and without a trailing slash.
fn provider_id(issuer: &str) -> &str {
    issuer
        .strip_prefix("https://")
        .unwrap_or(issuer)
        .trim_end_matches('/')
}

/// IAM's `StringLike`: `*` matches any run of characters (none included), `?` exactly one; case-sensitive.
/// Greedy with one backtrack point, so it takes linear-times-pattern steps, never exponential.
pub(super) fn string_like(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_like_matches_as_iam_does() {
        let sub = "repo:acme/app:ref:refs/heads/main";
        assert!(string_like(sub, sub));
        assert!(string_like("repo:acme/app:*", sub));
        assert!(string_like("repo:acme/*:ref:refs/heads/main", sub));
        assert!(string_like("*", sub));
        assert!(string_like("*", ""));
        assert!(string_like("repo:acme/ap?:ref:refs/heads/mai?", sub));
        assert!(string_like("repo:*:ref:*/main", sub));
        assert!(!string_like("repo:*:ref:*:main", sub));
        // Case matters: GitHub treats org names case-insensitively, IAM does not.
        assert!(!string_like("repo:Acme/app:*", sub));
        assert!(!string_like(
            "repo:acme/app:ref:refs/heads/*",
            "repo:acme/app:environment:prod"
        ));
        assert!(!string_like(
            "repo:acme/app:pull_request",
            "repo:acme/app:pull_request:x"
        ));
        assert!(!string_like("repo:acme/app?", "repo:acme/app"));
        assert!(!string_like("?", ""));
        assert!(!string_like("", "x"));
        assert!(string_like("a*b*c", "axxbyyc"));
        assert!(!string_like("a*b*c", "axxbyy"));
        // No blow-up on a pattern that backtracks a lot.
        let long = "a".repeat(5000);
        assert!(!string_like(&format!("{}b", "*a".repeat(50)), &long));
    }

    #[test]
    fn tokens_must_be_three_base64url_json_parts_and_rs256() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(br#"{"iss":"x"}"#);
        let good = format!("{header}.{claims}.c2ln");
        assert_eq!(decode(&good).expect("decodes")["iss"], "x");
        for bad in [
            "".to_owned(),
            "a.b".to_owned(),
            format!("{header}.{claims}"),
            format!("{header}.{claims}.c2ln.x"),
            format!("{header}.{claims}."),
            format!("{header}.!!!.c2ln"),
            format!("{header}.{}.c2ln", URL_SAFE_NO_PAD.encode(b"[1]")),
        ] {
            assert!(
                decode(&bad).expect_err(&bad).contains("not a valid JWT"),
                "{bad}"
            );
        }
        let hs = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let err = decode(&format!("{hs}.{claims}.c2ln")).expect_err("HS256");
        assert!(err.contains("HS256"), "{err}");
    }

    #[test]
    fn provider_ids_drop_the_scheme_and_a_trailing_slash() {
        assert_eq!(
            provider_id("https://token.actions.githubusercontent.com/"),
            "token.actions.githubusercontent.com"
        );
        assert_eq!(
            provider_id("https://oidc.eks.us-east-1.amazonaws.com/id/ABC"),
            "oidc.eks.us-east-1.amazonaws.com/id/ABC"
        );
    }
}
