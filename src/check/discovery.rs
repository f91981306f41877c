//! Authorisation server metadata (OIDC discovery, RFC 8414): what the issuer says about its endpoints.

use serde_json::Value;

/// The parts of a metadata document the check uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// `token_endpoint` (required here: without it there is nothing to check).
    pub token_endpoint: String,
    /// `introspection_endpoint`, when published (RFC 7662).
    pub introspection_endpoint: Option<String>,
    /// `token_endpoint_auth_methods_supported`; `None` when omitted, which RFC 8414 says means client_secret_basic.
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// `grant_types_supported`; `None` when omitted (RFC 8414's default then excludes client_credentials, which
    /// proves nothing, so an omitted list is never held against the client).
    pub grant_types_supported: Option<Vec<String>>,
}

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    value.and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect()
    })
}

/// Parses a metadata document; the error says what is wrong with it in a few words.
pub fn parse_metadata(body: &[u8]) -> Result<Metadata, String> {
    let value: Value = serde_json::from_slice(body).map_err(|_| "not JSON".to_string())?;
    let Value::Object(map) = value else {
        return Err("JSON but not an object".to_string());
    };
    let token_endpoint = match map.get("token_endpoint") {
        Some(Value::String(url)) if !url.trim().is_empty() => url.clone(),
        Some(_) => return Err("token_endpoint is not a URL string".to_string()),
        None => return Err("JSON without token_endpoint".to_string()),
    };
    Ok(Metadata {
        token_endpoint,
        introspection_endpoint: map
            .get("introspection_endpoint")
            .and_then(Value::as_str)
            .map(str::to_string),
        token_endpoint_auth_methods_supported: strings(
            map.get("token_endpoint_auth_methods_supported"),
        ),
        grant_types_supported: strings(map.get("grant_types_supported")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omitted_lists_stay_unknown_and_present_ones_are_read() {
        let m = parse_metadata(
            br#"{"token_endpoint":"https://x/t","introspection_endpoint":"https://x/i"}"#,
        )
        .expect("ok");
        assert_eq!(m.token_endpoint_auth_methods_supported, None);
        assert_eq!(m.introspection_endpoint.as_deref(), Some("https://x/i"));
        let m = parse_metadata(br#"{"token_endpoint":"https://x/t","token_endpoint_auth_methods_supported":["client_secret_post"]}"#)
            .expect("ok");
        assert_eq!(
            m.token_endpoint_auth_methods_supported,
            Some(vec!["client_secret_post".to_string()])
        );
    }

    #[test]
    fn documents_without_a_token_endpoint_are_refused_with_a_reason() {
        assert_eq!(parse_metadata(b"<html>").expect_err("html"), "not JSON");
        assert_eq!(
            parse_metadata(b"[1]").expect_err("array"),
            "JSON but not an object"
        );
        assert_eq!(
            parse_metadata(b"{}").expect_err("empty"),
            "JSON without token_endpoint"
        );
        assert_eq!(
            parse_metadata(br#"{"token_endpoint":5}"#).expect_err("number"),
            "token_endpoint is not a URL string"
        );
    }
}
