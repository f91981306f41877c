//! JWT client assertions (RFC 7523 section 2.2): built fresh for every request, signed with a key or, for
//! client_secret_jwt, HMAC over the secret; and the non-secret facts of an assertion, for the diagnosis. A JWT
//! minted elsewhere (a CI's federated token) is decoded for its facts only, never verified or shown.

use base64::Engine;
use serde_json::json;

use crate::check::base::clock;
use crate::check::base::heard::{Heard, Json, JsonRef, Scrubber};
use crate::check::base::secret::Secret;
use crate::check::inputs::credential::keys::{Alg, Certificate, SigningKey};

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

/// The non-secret facts of an assertion: what the diagnosis shows next to what the server said. They are read
/// back from the JWT, which for a federated token someone else minted: every text in it is outside text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssertionFacts {
    /// Header `alg`.
    pub alg: Heard,
    /// Header `kid`.
    pub kid: Option<Heard>,
    /// Header `x5t#S256`.
    pub x5t_s256: Option<Heard>,
    /// Header `x5t`.
    pub x5t: Option<Heard>,
    /// Claim `iss`.
    pub iss: Option<Heard>,
    /// Claim `sub`.
    pub sub: Option<Heard>,
    /// Claim `aud` (an array's members joined by spaces).
    pub aud: Option<Heard>,
    /// Claim `iat`.
    pub iat: Option<i64>,
    /// Claim `nbf`.
    pub nbf: Option<i64>,
    /// Claim `exp`.
    pub exp: Option<i64>,
}

impl AssertionFacts {
    /// One line: `alg PS256, kid k1, x5t#S256 …; iss/sub …, aud …, exp … (in 120 s)`, every text through the
    /// scrubber and then quoted the way Debug quotes.
    pub fn describe(&self, scrub: &Scrubber) -> String {
        let bare = |text: &Heard| scrub.quote(text, 120).into_string();
        let quoted = |text: &Heard| format!("{:?}", scrub.quote(text, 300));
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
            (Some(iss), Some(sub)) if iss == sub => {
                claims.push(format!("iss = sub {}", quoted(iss)))
            }
            (iss, sub) => {
                if let Some(iss) = iss {
                    claims.push(format!("iss {}", quoted(iss)));
                }
                if let Some(sub) = sub {
                    claims.push(format!("sub {}", quoted(sub)));
                }
            }
        }
        if let Some(aud) = &self.aud {
            claims.push(format!("aud {}", quoted(aud)));
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
    let signature = zeroize::Zeroizing::new(b64(&signature));
    let token = Secret::concat(&[&signing_input, ".", &signature]);
    let facts = facts_of(token.expose()).ok_or(Unsigned::Algorithm)?;
    Ok((token, facts))
}

/// A JWT of `header` and `claims` signed with `key` (RFC 7515 compact form), built in memory that is wiped: the
/// JWT-bearer grant of a Google service-account key, say.
pub fn signed(
    key: &SigningKey,
    alg: Alg,
    header: &serde_json::Value,
    claims: &serde_json::Value,
) -> Result<Secret, Unsigned> {
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = key
        .sign(alg, signing_input.as_bytes())
        .ok_or(Unsigned::Algorithm)?;
    let signature = zeroize::Zeroizing::new(b64(&signature));
    Ok(Secret::concat(&[&signing_input, ".", &signature]))
}

/// The header and claims of a JWT, decoded without verifying anything; `None` when it is not a JWT.
pub fn facts_of(token: &str) -> Option<AssertionFacts> {
    let mut parts = token.split('.');
    let (header, payload) = (parts.next()?, parts.next()?);
    let header = decode_part(header)?;
    let claims = decode_part(payload)?;
    let number = |key: &str| claims.get(key).and_then(JsonRef::as_i64);
    let aud = claims.get("aud").and_then(|aud| {
        aud.text()
            .or_else(|| aud.is_array().then(|| Heard::joined(&aud.texts(), " ")))
    });
    Some(AssertionFacts {
        alg: header.text("alg")?,
        kid: header.text("kid"),
        x5t_s256: header.text("x5t#S256"),
        x5t: header.text("x5t"),
        iss: claims.text("iss"),
        sub: claims.text("sub"),
        aud,
        iat: number("iat"),
        nbf: number("nbf"),
        exp: number("exp"),
    })
}

/// One base64url part of a JWT as the JSON it holds; bounded, since the token may be anyone's.
pub fn decode_part(part: &str) -> Option<Json> {
    if part.len() > 64 * 1024 {
        return None;
    }
    let bytes = zeroize::Zeroizing::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .ok()?,
    );
    Json::parse(&bytes)
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
        assert!(facts.alg.is("HS256"));
        assert!(facts.kid.as_ref().is_some_and(|k| k.is("k1")));
        assert!(facts.iss.as_ref().is_some_and(|i| i.is("ci")));
        assert!(facts.sub.as_ref().is_some_and(|s| s.is("ci")));
        assert!(
            facts
                .aud
                .as_ref()
                .is_some_and(|a| a.is("https://idp/token"))
        );
        let lifetime = facts.exp.zip(facts.iat).map(|(e, i)| e - i);
        assert_eq!(lifetime, Some(LIFETIME_SECONDS));
        let described = facts.describe(&Scrubber::default());
        assert!(described.contains("iss = sub \"ci\""), "{described}");
        assert!(!described.contains(one.expose()));
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
