//! A URL the check is about to use, checked: its shape (the input rules), plain http to a remote host; and how
//! URLs are spoken of.

use crate::check::inputs::validate;
use crate::check::report::words::{Assign, Words};
use crate::check::report::{Diagnosis, Findings, Outcome, Reason, Status, Step};
use crate::surface::Input;
use crate::words;

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
pub fn endpoint_failure(found: &mut Findings, outcome: Outcome) -> Outcome {
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
            (words![&what, " is not usable: ", summary], detail)
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
