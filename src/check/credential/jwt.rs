//! JWT client assertions (RFC 7523 section 2.2): built fresh for every request, signed with a key or, for
//! client_secret_jwt, HMAC over the secret; and the non-secret facts of an assertion, for the diagnosis. A JWT
//! minted elsewhere (a CI's federated token) is decoded for its facts only, never verified or shown.

use base64::Engine;
use serde_json::{Value, json};

use super::keys::{Alg, Certificate, SigningKey};
use crate::check::clock;
use crate::check::secret::Secret;

/// How long a client assertion is valid for: a few minutes, as every server accepts (Okta allows at most an
/// hour, Auth0 five minutes, Keycloak a minute by default from `iat`).
pub const LIFETIME_SECONDS: i64 = 120;

/// What signs an assertion.
pub enum Signer<'a> {
    /// A private key (private_key_jwt).
    Key(&'a SigningKey),
    /// The client secret (client_secret_jwt, HS256).
    Secret(&'a Secret),
}

/// The non-secret facts of an assertion: what the diagnosis shows next to what the server said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssertionFacts {
    /// Header `alg`.
    pub alg: String,
    /// Header `kid`.
    pub kid: Option<String>,
    /// Header `x5t#S256`.
    pub x5t_s256: Option<String>,
    /// Header `x5t`.
    pub x5t: Option<String>,
    /// Claim `iss`.
    pub iss: Option<String>,
    /// Claim `sub`.
    pub sub: Option<String>,
    /// Claim `aud` (an array's members joined by spaces).
    pub aud: Option<String>,
    /// Claim `iat`.
    pub iat: Option<i64>,
    /// Claim `nbf`.
    pub nbf: Option<i64>,
    /// Claim `exp`.
    pub exp: Option<i64>,
}

impl AssertionFacts {
    /// One line: `alg PS256, kid k1, x5t#S256 …; iss/sub …, aud …, exp … (in 120 s)`. The header fields of a
    /// JWT minted elsewhere are anyone's text: they are quoted the way Debug quotes, so no control character or
    /// line end gets through.
    pub fn describe(&self) -> String {
        let bare = |text: &str| {
            let quoted = format!("{text:?}");
            let inner = &quoted[1..quoted.len().saturating_sub(1)];
            inner.chars().take(120).collect::<String>()
        };
        let mut header = vec![format!("alg {}", bare(&self.alg))];
        if let Some(kid) = &self.kid {
            header.push(format!("kid {}", bare(kid)));
        }
        if let Some(t) = &self.x5t_s256 {
            header.push(format!("x5t#S256 {}", bare(t)));
        }
        if let Some(t) = &self.x5t {
            header.push(format!("x5t {}", bare(t)));
        }
        let mut claims = Vec::new();
        match (&self.iss, &self.sub) {
            (Some(iss), Some(sub)) if iss == sub => claims.push(format!("iss = sub {iss:?}")),
            (iss, sub) => {
                if let Some(iss) = iss {
                    claims.push(format!("iss {iss:?}"));
                }
                if let Some(sub) = sub {
                    claims.push(format!("sub {sub:?}"));
                }
            }
        }
        if let Some(aud) = &self.aud {
            claims.push(format!("aud {aud:?}"));
        }
        let now = clock::now_unix();
        if let Some(iat) = self.iat {
            claims.push(format!("iat {}", clock::rfc3339(iat)));
        }
        if let Some(exp) = self.exp {
            let left = exp - now;
            claims.push(format!(
                "exp {} ({})",
                clock::rfc3339(exp),
                if left >= 0 {
                    format!("in {left} s")
                } else {
                    format!("{} s ago", -left)
                }
            ));
        }
        format!("{}; {}", header.join(", "), claims.join(", "))
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Why no assertion was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsigned {
    /// The key (or, for client_secret_jwt, the secret) cannot sign with the algorithm asked for.
    Algorithm,
    /// The system's random source failed, so no unique `jti` could be drawn: an assertion with a predictable
    /// one would be refused as a replay, or worse, accepted.
    NoRandomness,
}

/// A unique `jti`: 128 random bits.
fn jti() -> Option<String> {
    jti_from(aws_lc_rs::rand::fill)
}

/// A `jti` from `fill`'s random bytes; none when `fill` fails (never the zeroes it left behind).
fn jti_from(
    fill: impl FnOnce(&mut [u8]) -> Result<(), aws_lc_rs::error::Unspecified>,
) -> Option<String> {
    let mut bytes = [0u8; 16];
    fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A fresh client assertion for `client_id`, audience `audience`. `kid` and the certificate's thumbprints go in
/// the header when given (`x5t` too for RS256, where servers that predate `x5t#S256` look for it).
pub fn assertion(
    signer: &Signer<'_>,
    alg: Alg,
    client_id: &str,
    audience: &str,
    kid: Option<&str>,
    certificate: Option<&Certificate>,
) -> Result<(Secret, AssertionFacts), Unsigned> {
    let mut header = json!({"alg": alg.name(), "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    if let Some(cert) = certificate {
        header["x5t#S256"] = json!(cert.x5t_s256);
        if alg == Alg::Rs256 {
            header["x5t"] = json!(cert.x5t);
        }
    }
    let jti = jti().ok_or(Unsigned::NoRandomness)?;
    let now = clock::now_unix();
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + LIFETIME_SECONDS,
        "jti": jti,
    });
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = match signer {
        Signer::Key(key) => key
            .sign(alg, signing_input.as_bytes())
            .ok_or(Unsigned::Algorithm)?,
        Signer::Secret(secret) if alg == Alg::Hs256 => {
            let key =
                aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.expose().as_bytes());
            aws_lc_rs::hmac::sign(&key, signing_input.as_bytes())
                .as_ref()
                .to_vec()
        }
        Signer::Secret(_) => return Err(Unsigned::Algorithm),
    };
    let token = Secret::new(format!("{signing_input}.{}", b64(&signature)));
    let facts = facts_of(token.expose()).ok_or(Unsigned::Algorithm)?;
    Ok((token, facts))
}

/// The header and claims of a JWT, decoded without verifying anything; `None` when it is not a JWT.
pub fn facts_of(token: &str) -> Option<AssertionFacts> {
    let mut parts = token.split('.');
    let (header, payload) = (parts.next()?, parts.next()?);
    let decode = |part: &str| -> Option<Value> {
        if part.len() > 64 * 1024 {
            return None;
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    let header = decode(header)?;
    let claims = decode(payload)?;
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let number = |key: &str| claims.get(key).and_then(Value::as_i64);
    let aud = match claims.get("aud") {
        Some(Value::String(aud)) => Some(aud.clone()),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    };
    Some(AssertionFacts {
        alg: text(&header, "alg")?,
        kid: text(&header, "kid"),
        x5t_s256: text(&header, "x5t#S256"),
        x5t: text(&header, "x5t"),
        iss: text(&claims, "iss"),
        sub: text(&claims, "sub"),
        aud,
        iat: number("iat"),
        nbf: number("nbf"),
        exp: number("exp"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_assertion_carries_the_rfc_7523_claims_and_a_fresh_jti() {
        let secret = Secret::new("a-client-secret-long-enough-0123456789");
        let signer = Signer::Secret(&secret);
        let (one, facts) = assertion(
            &signer,
            Alg::Hs256,
            "ci",
            "https://idp/token",
            Some("k1"),
            None,
        )
        .expect("signed");
        let (two, _) = assertion(
            &signer,
            Alg::Hs256,
            "ci",
            "https://idp/token",
            Some("k1"),
            None,
        )
        .expect("signed");
        assert_ne!(one.expose(), two.expose(), "a fresh jti every time");
        assert_eq!(facts.alg, "HS256");
        assert_eq!(facts.kid.as_deref(), Some("k1"));
        assert_eq!(facts.iss.as_deref(), Some("ci"));
        assert_eq!(facts.sub.as_deref(), Some("ci"));
        assert_eq!(facts.aud.as_deref(), Some("https://idp/token"));
        let lifetime = facts.exp.zip(facts.iat).map(|(e, i)| e - i);
        assert_eq!(lifetime, Some(LIFETIME_SECONDS));
        assert!(
            facts.describe().contains("iss = sub \"ci\""),
            "{}",
            facts.describe()
        );
        assert!(!facts.describe().contains(one.expose()));
        assert_eq!(
            assertion(&signer, Alg::Rs256, "ci", "a", None, None).err(),
            Some(Unsigned::Algorithm)
        );
    }

    #[test]
    fn a_failed_random_source_gives_no_jti_rather_than_a_predictable_one() {
        assert_eq!(jti_from(|_| Err(aws_lc_rs::error::Unspecified)), None);
        let made = jti_from(|bytes| {
            bytes.fill(7);
            Ok(())
        });
        assert_eq!(made.as_deref(), Some("07070707070707070707070707070707"));
    }

    #[test]
    fn facts_of_anything_that_is_not_a_jwt_is_none() {
        assert!(facts_of("opaque").is_none());
        assert!(facts_of("a.b.c").is_none());
        assert!(facts_of("").is_none());
    }
}
