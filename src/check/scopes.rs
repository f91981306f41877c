//! Learning which scopes a token carries, without trusting it for anything but this report.

use base64::Engine;
use serde_json::Value;

/// Splits an RFC 6749 scope string (space-delimited).
pub fn split(scope: &str) -> Vec<String> {
    scope.split_whitespace().map(str::to_string).collect()
}

/// Scopes claimed by a JWT access token (`scope`, `scp` or `roles`), decoded but not verified.
pub fn from_jwt(token: &str) -> Option<Vec<String>> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.len() > 64 * 1024 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let mut found: Option<Vec<String>> = None;
    for name in ["scope", "scp", "roles"] {
        match claims.get(name) {
            Some(Value::String(text)) => found.get_or_insert_with(Vec::new).extend(split(text)),
            Some(Value::Array(items)) => found
                .get_or_insert_with(Vec::new)
                .extend(items.iter().filter_map(Value::as_str).map(str::to_string)),
            _ => {}
        }
    }
    found
}

/// Required scopes absent from the granted ones (exact, case-sensitive, per RFC 6749 section 3.3).
pub fn missing(required: &[String], granted: &[String]) -> Vec<String> {
    required
        .iter()
        .filter(|scope| !granted.contains(scope))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            from_jwt(&jwt(r#"{"scp":["x"],"roles":["R"]}"#)),
            Some(vec!["x".into(), "R".into()])
        );
        assert_eq!(from_jwt(&jwt(r#"{"sub":"c"}"#)), None);
        assert_eq!(from_jwt("opaque-token"), None);
        assert_eq!(from_jwt("a.!!!.c"), None);
    }

    #[test]
    fn missing_is_exact_and_ordered() {
        let req = vec!["read".to_string(), "Write".to_string(), "admin".to_string()];
        let granted = vec!["read".to_string(), "write".to_string()];
        assert_eq!(
            missing(&req, &granted),
            vec!["Write".to_string(), "admin".to_string()]
        );
    }
}
