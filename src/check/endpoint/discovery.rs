//! Authorisation server metadata (OIDC discovery, RFC 8414): where the issuer's documents are, what they say
//! about its endpoints, and the discovery step of a check.

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::check::base::heard::{Answer, Heard, Json, JsonRef, Scrubber};
use crate::check::base::http::{self, TransportError};
use crate::check::endpoint::hosts::Hosts;
use crate::check::endpoint::transport::transport_failure;
use crate::check::endpoint::url::usable_url;
use crate::check::inputs::request::{AuthMethod, CheckRequest};
use crate::check::report::words::Words;
use crate::check::report::{Diagnosis, Findings, Line, Outcome, Reason, Status, Step};
use crate::surface::Input;
use crate::words;

/// The endpoint resolved to one token URL, with what discovery learnt.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The token endpoint.
    pub token_url: url::Url,
    /// Auth methods the server says it supports, when it says (its words).
    pub methods_supported: Option<Vec<crate::check::base::heard::Heard>>,
    /// The RFC 7662 introspection endpoint, when discovery named one.
    pub introspection: Option<String>,
    /// The token endpoint for clients that authenticate with a certificate (RFC 8705 `mtls_endpoint_aliases`).
    pub mtls_token_url: Option<url::Url>,
}

impl Resolved {
    /// A token URL given or derived directly, with nothing learnt from discovery.
    pub fn direct(token_url: url::Url) -> Resolved {
        Resolved {
            token_url,
            methods_supported: None,
            introspection: None,
            mtls_token_url: None,
        }
    }

    /// The client authentication methods the metadata lists that authcheck can present, in its own order; empty
    /// when discovery said nothing. Only the names are kept, never the server's text.
    pub fn listed_methods(&self) -> Vec<AuthMethod> {
        let Some(listed) = &self.methods_supported else {
            return Vec::new();
        };
        AuthMethod::ALL
            .into_iter()
            // Neither is a registered token_endpoint_auth_method value.
            .filter(|m| !matches!(m, AuthMethod::Auto | AuthMethod::Federated))
            .filter(|m| listed.iter().any(|heard| heard.is(m.code())))
            .collect()
    }
}

/// The parts of a metadata document the check uses; every one is the server's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// `token_endpoint` (required here: without it there is nothing to check).
    pub token_endpoint: Heard,
    /// `introspection_endpoint`, when published (RFC 7662).
    pub introspection_endpoint: Option<Heard>,
    /// `token_endpoint_auth_methods_supported`; `None` when omitted, which RFC 8414 says means client_secret_basic.
    pub token_endpoint_auth_methods_supported: Option<Vec<Heard>>,
    /// `grant_types_supported`; `None` when omitted (RFC 8414's default then excludes client_credentials, which
    /// proves nothing, so an omitted list is never held against the client).
    pub grant_types_supported: Option<Vec<Heard>>,
    /// `mtls_endpoint_aliases.token_endpoint` (RFC 8705 section 5).
    pub mtls_token_endpoint: Option<Heard>,
    /// `token_endpoint_auth_signing_alg_values_supported`.
    pub signing_algs_supported: Option<Vec<Heard>>,
}

/// Longest URL the check takes from a metadata document.
const MAX_URL: usize = 8192;

fn strings(value: Option<JsonRef<'_>>) -> Option<Vec<Heard>> {
    value.filter(|v| v.is_array()).map(JsonRef::texts)
}

/// Parses a metadata document; the error says what is wrong with it in a few words.
pub fn parse_metadata(body: &[u8]) -> Result<Metadata, String> {
    metadata_from(Json::parse(body))
}

/// The metadata an answer holds, read like [`parse_metadata`].
pub fn metadata_of(answer: &Answer) -> Result<Metadata, String> {
    metadata_from(answer.json())
}

fn metadata_from(json: Option<Json>) -> Result<Metadata, String> {
    let json = json.ok_or_else(|| "not JSON".to_string())?;
    if !json.is_object() {
        return Err("JSON but not an object".to_string());
    }
    let token_endpoint = json
        .get("token_endpoint")
        .ok_or_else(|| "JSON without token_endpoint".to_string())?
        .text()
        .filter(|url| !url.is_blank())
        .ok_or_else(|| "token_endpoint is not a URL string".to_string())?;
    Ok(Metadata {
        token_endpoint,
        introspection_endpoint: json.text("introspection_endpoint"),
        token_endpoint_auth_methods_supported: strings(
            json.get("token_endpoint_auth_methods_supported"),
        ),
        grant_types_supported: strings(json.get("grant_types_supported")),
        mtls_token_endpoint: json
            .get("mtls_endpoint_aliases")
            .and_then(|aliases| aliases.field("token_endpoint")),
        signing_algs_supported: strings(
            json.get("token_endpoint_auth_signing_alg_values_supported"),
        ),
    })
}

/// The metadata documents an issuer may publish, in the order they are tried: OIDC's (appended to the issuer)
/// and RFC 8414's (the well-known segment inserted between host and path).
pub fn metadata_urls(issuer: &url::Url) -> Vec<String> {
    let base = issuer.as_str().trim_end_matches('/').to_string();
    let origin = issuer.origin().ascii_serialization();
    let path = issuer.path().trim_end_matches('/');
    vec![
        format!("{base}/.well-known/openid-configuration"),
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
    ]
}

/// The metadata documents the issuer a token URL implies may publish, most specific first: for every path prefix
/// of the token URL (longest first, down to the origin), the OIDC and the RFC 8414 forms.
pub fn implied_metadata_urls(token_url: &url::Url) -> Vec<String> {
    let origin = token_url.origin().ascii_serialization();
    let segments: Vec<&str> = token_url
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut urls = Vec::new();
    for keep in (0..segments.len()).rev() {
        let prefix: String = segments[..keep].iter().map(|s| format!("/{s}")).collect();
        urls.push(format!("{origin}{prefix}/.well-known/openid-configuration"));
        urls.push(format!(
            "{origin}/.well-known/oauth-authorization-server{prefix}"
        ));
    }
    urls
}

/// The metadata of the server behind a token URL, found at the issuer that URL implies: the first document
/// whose `token_endpoint` is this very URL. A missing document is no error: `None`.
pub async fn implied(
    token_url: &url::Url,
    client: &reqwest::Client,
    deadline: Instant,
) -> Option<Metadata> {
    let candidates = implied_metadata_urls(token_url);
    let mut tasks = tokio::task::JoinSet::new();
    for (index, candidate) in candidates.into_iter().enumerate() {
        let client = client.clone();
        tasks.spawn(async move {
            let answer =
                tokio::time::timeout_at(deadline, http::get(&client, &candidate, HeaderMap::new()))
                    .await
                    .ok()
                    .and_then(Result::ok)?;
            (answer.status == 200 && !answer.truncated)
                .then(|| metadata_of(&answer).ok())
                .flatten()
                .map(|metadata| (index, metadata))
        });
    }
    let same = |a: &Heard, b: &url::Url| {
        a.url()
            .is_some_and(|a| a.as_str().trim_end_matches('/') == b.as_str().trim_end_matches('/'))
    };
    let mut found: Vec<(usize, Metadata)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(Some((index, metadata))) = joined
            && same(&metadata.token_endpoint, token_url)
        {
            found.push((index, metadata));
        }
    }
    found.sort_by_key(|(index, _)| *index);
    found.into_iter().next().map(|(_, metadata)| metadata)
}

/// A URL the metadata names, as the check will use and show it: through the scrubber like any server words.
pub fn named_url(url: &Heard, scrub: &Scrubber) -> String {
    scrub.quote(url, MAX_URL).into_string()
}

/// RFC 8414 / OIDC discovery: the issuer's metadata names the token endpoint.
pub async fn discover(
    issuer_text: &str,
    request: &CheckRequest,
    client: &reqwest::Client,
    deadline: Instant,
    found: &mut Findings,
    hosts: &dyn Hosts,
    scrub: &Scrubber,
) -> Result<Resolved, Outcome> {
    let issuer = usable_url(
        issuer_text,
        words![Input::Issuer],
        Input::Issuer,
        request.allow_http,
        found,
    )?;
    let base = issuer.as_str().trim_end_matches('/').to_string();
    let mut tried: Vec<Words> = Vec::new();
    for candidate in metadata_urls(&issuer) {
        let outcome =
            tokio::time::timeout_at(deadline, http::get(client, &candidate, HeaderMap::new()))
                .await
                .unwrap_or(Err(TransportError::Timeout));
        match outcome {
            Err(err) => {
                let failure = transport_failure(&err, &issuer, request.timeout, hosts, scrub);
                if matches!(
                    failure.reason,
                    Reason::TlsError | Reason::EndpointUnreachable
                ) {
                    found.push(Step::Discovery, Status::Fail, failure.summary.clone());
                    let mut outcome = failure.outcome(words![format!("GET {candidate}")], None);
                    outcome.blame = Some(Input::Issuer);
                    return Err(outcome);
                }
                tried.push(words![format!("{candidate}: "), failure.got]);
            }
            Ok(answer) => {
                let parsed = if answer.status == 200 && !answer.truncated {
                    metadata_of(&answer)
                } else if answer.truncated {
                    Err("larger than authcheck reads".to_string())
                } else {
                    Err(format!("HTTP {}", answer.status))
                };
                match parsed {
                    Ok(metadata) => {
                        // The metadata is the server's words: scrubbed like any other before it is used or shown.
                        let endpoint = named_url(&metadata.token_endpoint, scrub);
                        let url = usable_url(
                            &endpoint,
                            words!["the discovered token_endpoint"],
                            Input::Issuer,
                            request.allow_http,
                            found,
                        )?;
                        found.push(
                            Step::Discovery,
                            Status::Pass,
                            format!("{candidate} names token endpoint {url}"),
                        );
                        return Ok(Resolved {
                            token_url: url,
                            methods_supported: metadata.token_endpoint_auth_methods_supported,
                            introspection: metadata
                                .introspection_endpoint
                                .map(|e| named_url(&e, scrub)),
                            mtls_token_url: metadata
                                .mtls_token_endpoint
                                .and_then(|e| url::Url::parse(&named_url(&e, scrub)).ok())
                                .filter(|u| matches!(u.scheme(), "https" | "http")),
                        });
                    }
                    Err(problem) => tried.push(words![format!("{candidate}: {problem}")]),
                }
            }
        }
    }
    let summary = words![format!("No usable discovery document for issuer {base}")];
    found.push(Step::Discovery, Status::Fail, summary.clone());
    let diagnosis = Diagnosis {
        lines: vec![
            Line::List("Tried", tried),
            Line::Meaning(words![
                "authcheck could not learn the token endpoint from the issuer."
            ]),
            Line::Causes(vec![
                words![
                    "the issuer URL is wrong (Keycloak issuers end in /realms/<realm>; Okta's custom servers in \
                     /oauth2/<server id>)"
                ],
                words!["the server does not publish metadata"],
            ]),
            Line::Fix(words![
                "open the issuer URL plus /.well-known/openid-configuration in a browser; if the server has no \
                 metadata, set ",
                Input::TokenUrl,
                " instead."
            ]),
        ],
    };
    Err(Outcome::new(Reason::DiscoveryFailed, summary, diagnosis).blaming(Input::Issuer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_a_token_url_implies_is_looked_for_from_the_longest_path_down() {
        let url = url::Url::parse("https://kc.example/realms/ci/protocol/openid-connect/token")
            .expect("url");
        let urls = implied_metadata_urls(&url);
        assert_eq!(
            urls[0],
            "https://kc.example/realms/ci/protocol/openid-connect/.well-known/openid-configuration"
        );
        assert!(urls.contains(
            &"https://kc.example/realms/ci/.well-known/openid-configuration".to_string()
        ));
        assert!(urls.contains(
            &"https://kc.example/.well-known/oauth-authorization-server/realms/ci".to_string()
        ));
        assert_eq!(
            urls.last().map(String::as_str),
            Some("https://kc.example/.well-known/oauth-authorization-server")
        );
        let root = url::Url::parse("http://127.0.0.1:8080/token").expect("url");
        assert_eq!(
            implied_metadata_urls(&root),
            [
                "http://127.0.0.1:8080/.well-known/openid-configuration",
                "http://127.0.0.1:8080/.well-known/oauth-authorization-server"
            ]
        );
    }

    #[test]
    fn omitted_lists_stay_unknown_and_present_ones_are_read() {
        let m = parse_metadata(
            br#"{"token_endpoint":"https://x/t","introspection_endpoint":"https://x/i"}"#,
        )
        .expect("ok");
        assert_eq!(m.token_endpoint_auth_methods_supported, None);
        assert!(
            m.introspection_endpoint
                .is_some_and(|e| e.is("https://x/i"))
        );
        let m = parse_metadata(br#"{"token_endpoint":"https://x/t","token_endpoint_auth_methods_supported":["client_secret_post"]}"#)
            .expect("ok");
        assert_eq!(
            m.token_endpoint_auth_methods_supported,
            Some(vec![Heard::new("client_secret_post")])
        );
    }

    #[test]
    fn only_registered_method_names_the_check_can_present_are_kept_from_the_metadata() {
        let url = url::Url::parse("https://x/t").expect("url");
        assert!(Resolved::direct(url.clone()).listed_methods().is_empty());
        let resolved = Resolved {
            methods_supported: Some(
                [
                    "tls_client_auth",
                    "auto",
                    "federated",
                    "Private_Key_JWT",
                    "private_key_jwt",
                    "none",
                ]
                .into_iter()
                .map(Heard::new)
                .collect(),
            ),
            ..Resolved::direct(url)
        };
        assert_eq!(
            resolved.listed_methods(),
            [AuthMethod::PrivateKeyJwt, AuthMethod::TlsClientAuth]
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
