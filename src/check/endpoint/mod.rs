//! From the endpoint inputs to one token URL: a URL checked for use, a Genesys login host, or an issuer's
//! discovery document.

pub mod discovery;

use crate::check::report::Step;
use tokio::time::Instant;

use crate::check::inputs::request::{CheckRequest, Endpoint};
use crate::check::inputs::validate;
use crate::check::report::words::{Assign, Words};
use crate::check::report::{Diagnosis, Findings, Outcome, Reason, Status};
use crate::check::vendors::genesys;
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
    /// A Genesys Cloud login host.
    pub genesys: bool,
    /// The token endpoint for clients that authenticate with a certificate (RFC 8705 `mtls_endpoint_aliases`).
    pub mtls_token_url: Option<url::Url>,
}

impl Resolved {
    /// A token URL given or derived directly, with nothing learnt from discovery.
    fn direct(token_url: url::Url) -> Resolved {
        Resolved {
            token_url,
            methods_supported: None,
            introspection: None,
            genesys: false,
            mtls_token_url: None,
        }
    }
}

/// True for `localhost`, `*.localhost` and loopback addresses: plain http there never leaves the machine.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => {
            domain.eq_ignore_ascii_case("localhost") || domain.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `host:port` (or `host`) for sentences.
pub fn host_label(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        _ => "the server".to_string(),
    }
}

/// A failed endpoint step: an outcome that records the step too.
fn endpoint_failure(found: &mut Findings, outcome: Outcome) -> Outcome {
    found.push(Step::Endpoint, Status::Fail, outcome.summary.clone());
    outcome
}

/// Checks a URL the check is about to use: its shape (the input rules), then plain http to a remote host.
/// `what` names it in sentences; `blame` is the input to point at.
pub fn usable_url(
    text: &str,
    what: Words,
    blame: Input,
    allow_http: bool,
    found: &mut Findings,
) -> Result<url::Url, Outcome> {
    if let Some((summary, detail)) = validate::url_shape(blame, text) {
        // The shape rules name the input; a discovered URL is named by what it is instead.
        let (summary, detail) = if what.mentions(blame) {
            (summary, detail)
        } else {
            (
                words![
                    &what,
                    format!(
                        " is not usable: {}",
                        summary.render(&crate::check::report::words::Plain)
                    )
                ],
                detail,
            )
        };
        let outcome =
            Outcome::new(Reason::InvalidInput, summary, Diagnosis::note(detail)).blaming(blame);
        return Err(endpoint_failure(found, outcome));
    }
    let url = match url::Url::parse(text.trim()) {
        Ok(url) => url,
        Err(err) => {
            let outcome = Outcome::new(
                Reason::InvalidInput,
                words![&what, format!(" is not an absolute URL ({err})")],
                Diagnosis::note(words![&what, " must be an absolute https:// URL."]),
            )
            .blaming(blame);
            return Err(endpoint_failure(found, outcome));
        }
    };
    if url.scheme() == "http" && !allow_http && !is_loopback(&url) {
        let host = url.host_str().unwrap_or_default().to_string();
        let mut https = url.clone();
        let _ = https.set_scheme("https");
        if url.port() == Some(80) {
            let _ = https.set_port(None);
        }
        let outcome = Outcome::new(
            Reason::InsecureTransport,
            words![
                &what,
                format!(" uses plain http to {host}: the secret would cross the network unencrypted")
            ],
            Diagnosis::note(words![
                format!(
                    "authcheck sends client secrets only over https, except to loopback addresses. Use {https}. \
                     If the traffic really stays on a private network you trust, set "
                ),
                Assign(Input::AllowHttp, "true".into()),
                "."
            ]),
        )
        .blaming(blame);
        return Err(endpoint_failure(found, outcome));
    }
    Ok(url)
}

/// True when the Entra login host is not the cloud's own (`entra_login_url` was given).
fn request_sets_login(request: &CheckRequest) -> bool {
    matches!(&request.endpoint, Endpoint::Entra { cloud, login_base, .. } if login_base != cloud.login_base())
}

/// Resolves the endpoint to one token URL, recording the step.
pub async fn resolve(
    request: &CheckRequest,
    client: &reqwest::Client,
    deadline: Instant,
    found: &mut Findings,
    scrub: &crate::check::base::heard::Scrubber,
) -> Result<Resolved, Outcome> {
    match &request.endpoint {
        Endpoint::TokenUrl(text) => {
            let url = usable_url(
                text,
                words![Input::TokenUrl],
                Input::TokenUrl,
                request.allow_http,
                found,
            )?;
            if let Some((summary, detail)) = genesys::token_url_mistake(url.as_str()) {
                let outcome = Outcome::new(Reason::InvalidInput, summary, Diagnosis::note(detail))
                    .blaming(Input::TokenUrl);
                return Err(endpoint_failure(found, outcome));
            }
            found.push(
                Step::Endpoint,
                Status::Pass,
                format!("token endpoint {url}"),
            );
            Ok(Resolved::direct(url))
        }
        Endpoint::Entra {
            tenant,
            cloud,
            login_base,
        } => {
            let text = crate::check::vendors::entra::cloud::token_url(login_base, tenant);
            let blame = if request_sets_login(request) {
                Input::EntraLoginUrl
            } else {
                Input::EntraTenantId
            };
            let url = usable_url(&text, words![blame], blame, request.allow_http, found)?;
            found.push(
                Step::Endpoint,
                Status::Pass,
                format!(
                    "Microsoft Entra ID tenant {tenant} ({} cloud): token endpoint {url}",
                    cloud.name()
                ),
            );
            Ok(Resolved::direct(url))
        }
        Endpoint::Genesys {
            login_base, region, ..
        } => {
            let text = format!("{login_base}/oauth/token");
            let url = usable_url(
                &text,
                words![Input::GenesysLoginUrl],
                Input::GenesysRegion,
                request.allow_http,
                found,
            )?;
            let detail = match region {
                Some(region) => format!("Genesys Cloud region {region}: token endpoint {url}"),
                None => format!("Genesys Cloud token endpoint {url}"),
            };
            found.push(Step::Endpoint, Status::Pass, detail);
            Ok(Resolved {
                genesys: true,
                ..Resolved::direct(url)
            })
        }
        Endpoint::Issuer(issuer) => {
            crate::check::endpoint::discovery::discover(
                issuer, request, client, deadline, found, scrub,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::report::words::Plain;

    fn try_url(text: &str, allow_http: bool) -> Result<url::Url, Outcome> {
        usable_url(
            text,
            words![Input::TokenUrl],
            Input::TokenUrl,
            allow_http,
            &mut Findings::default(),
        )
    }

    #[test]
    fn plain_http_to_a_remote_host_is_insecure_transport() {
        let outcome = try_url("http://idp.example/token", false).expect_err("insecure");
        assert_eq!(outcome.reason, Reason::InsecureTransport);
        let detail = outcome.diagnosis.render(&Plain);
        assert!(detail.contains("https://idp.example/token"), "{detail}");
        assert!(detail.contains("allow_http = true"), "{detail}");
        assert!(try_url("http://127.0.0.1:8080/token", false).is_ok());
        assert!(try_url("http://[::1]:8080/token", false).is_ok());
        assert!(try_url("http://idp.example/token", true).is_ok());
    }

    #[test]
    fn urls_with_credentials_or_without_host_are_refused() {
        for bad in [
            "https://user:pw@idp.example/token",
            "not a url",
            "ftp://idp.example/x",
            "",
        ] {
            let outcome = try_url(bad, false).expect_err(bad);
            assert_eq!(outcome.reason, Reason::InvalidInput, "{bad}");
            assert!(!outcome.summary.render(&Plain).contains("pw@"));
        }
    }
}
