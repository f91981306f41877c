//! Learning which scopes a token carries, without trusting it for anything but this report.

use crate::check::base::heard::Heard;
use crate::check::inputs::credential::jwt::decode_part;

/// Scopes claimed by a JWT access token (`scope`, `scp` or `roles`), decoded but not verified: the token is the
/// server's, and so is every word in it.
pub fn from_jwt(token: &str) -> Option<Vec<Heard>> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let claims = decode_part(payload)?;
    let mut found: Option<Vec<Heard>> = None;
    for name in ["scope", "scp", "roles"] {
        match claims.get(name) {
            Some(claim) if claim.is_text() => found
                .get_or_insert_with(Vec::new)
                .extend(claim.text().map(|t| t.words()).unwrap_or_default()),
            Some(claim) if claim.is_array() => {
                found.get_or_insert_with(Vec::new).extend(claim.texts());
            }
            _ => {}
        }
    }
    found
}

/// Required scopes absent from the granted ones (exact, case-sensitive, per RFC 6749 section 3.3).
pub fn missing(required: &[String], granted: &[Heard]) -> Vec<String> {
    required
        .iter()
        .filter(|scope| !granted.iter().any(|g| g.is(scope)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use base64::Engine;

    fn said(words: &[&str]) -> Vec<Heard> {
        words.iter().map(|w| Heard::new(*w)).collect()
    }

    fn jwt(claims: &str) -> String {
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            enc.encode(r#"{"alg":"none"}"#),
            enc.encode(claims)
        )
    }

    #[test]
    fn jwt_scope_string_and_scp_array_and_roles_are_read() {
        assert_eq!(
            from_jwt(&jwt(r#"{"scope":"a b"}"#)),
            Some(said(&["a", "b"]))
        );
        assert_eq!(
            from_jwt(&jwt(r#"{"scp":["x"],"roles":["R"]}"#)),
            Some(said(&["x", "R"]))
        );
        assert_eq!(from_jwt(&jwt(r#"{"sub":"c"}"#)), None);
        assert_eq!(from_jwt("opaque-token"), None);
        assert_eq!(from_jwt("a.!!!.c"), None);
    }

    #[test]
    fn missing_is_exact_and_ordered() {
        let req = vec!["read".to_string(), "Write".to_string(), "admin".to_string()];
        let granted = said(&["read", "write"]);
        assert_eq!(
            missing(&req, &granted),
            vec!["Write".to_string(), "admin".to_string()]
        );
    }
}
