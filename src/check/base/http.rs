//! One HTTP exchange with an authorisation server: sending, capping the answer, and naming transport failures.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};

pub use crate::check::base::heard::answer::MAX_BODY_BYTES;
use crate::check::base::heard::{Answer, Heard, Received};

/// The headers a request id is read from, first found first: vendors quote it in support cases (Genesys'
/// `ININ-Correlation-Id`, Entra's `x-ms-request-id`, Okta's, AWS', Cloudflare's ray).
pub const REQUEST_ID_HEADERS: [&str; 8] = [
    "x-request-id",
    "x-correlation-id",
    "inin-correlation-id",
    "x-ms-request-id",
    "client-request-id",
    "x-okta-request-id",
    "x-amzn-requestid",
    "cf-ray",
];

/// Why no answer came back. The library's words are outside words too: they may quote what a peer presented
/// (a TLS certificate's names), so they are [`Heard`]; `host:port` targets are the check's own URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The time budget ran out.
    Timeout,
    /// The host name did not resolve: `host:port`.
    Dns(String),
    /// Nothing listens at `host:port`.
    Refused(String),
    /// The connection broke mid-exchange.
    Reset(Heard),
    /// TLS failed; the kind and the library's words.
    Tls(TlsProblem, Heard),
    /// The configured proxy failed.
    Proxy(Heard),
    /// Anything else.
    Other(Heard),
}

/// The TLS failures users can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsProblem {
    /// The certificate chains to no trusted root.
    UnknownIssuer,
    /// The certificate is for another name.
    NameMismatch,
    /// The certificate has expired or is not yet valid.
    Expired,
    /// The server speaks no TLS (often plain http on the port).
    NotTls,
    /// Something else in the handshake.
    Other,
}

impl TransportError {
    /// True when trying again may help.
    pub fn is_transient(&self) -> bool {
        matches!(self, TransportError::Reset(_) | TransportError::Refused(_))
    }
}

/// Builds the HTTP client for one check; `loopback` bypasses proxies, which cannot reach this machine's loopback.
pub fn client(
    ca_cert_pem: Option<&str>,
    timeout: Duration,
    loopback: bool,
) -> Result<reqwest::Client, String> {
    client_with_roots(ca_cert_pem, timeout, loopback, true, None)
}

/// Like [`client`]; without `system_roots` no trust store is loaded (a plain-http endpoint needs none, and loading
/// it is most of such a check's work).
pub fn client_with_roots(
    ca_cert_pem: Option<&str>,
    timeout: Duration,
    loopback: bool,
    system_roots: bool,
    identity: Option<&crate::check::base::secret::Secret>,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        // Credentials must never follow a redirect; the Location is reported instead.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .timeout(timeout)
        .user_agent(concat!("authcheck/", env!("CARGO_PKG_VERSION")))
        .tls_version_min(reqwest::tls::Version::TLS_1_2);
    let mut extra = Vec::new();
    if let Some(pem) = ca_cert_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|_| "holds no readable PEM certificate".to_string())?;
        if certs.is_empty() {
            return Err(
                "holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)".to_string(),
            );
        }
        extra.extend(certs);
    }
    if system_roots
        && let Some(path) = std::env::var_os("SSL_CERT_FILE")
        && let Ok(pem) = std::fs::read(&path)
        && let Ok(certs) = reqwest::Certificate::from_pem_bundle(&pem)
    {
        extra.extend(certs);
    }
    if !system_roots {
        builder = builder.tls_certs_only(extra);
    } else if !extra.is_empty() {
        builder = builder.tls_certs_merge(extra);
    }
    if loopback {
        builder = builder.no_proxy();
    }
    if let Some(pem) = identity {
        // The client certificate and its key (RFC 8705): reqwest parses them from one PEM text.
        let identity = reqwest::Identity::from_pem(pem.expose().as_bytes())
            .map_err(|_| "cannot use the client certificate and key for TLS".to_string())?;
        builder = builder.identity(identity);
    }
    builder
        .build()
        .map_err(|err| format!("cannot set up the HTTP client: {err}"))
}

/// POSTs a form and reads the answer, capped. The body is shared bytes, so a prepared request that carries a
/// credential is sent without copies (see `secret::SecretBytes::into_shared`).
pub async fn post_form(
    client: &reqwest::Client,
    url: &str,
    headers: HeaderMap,
    form: bytes::Bytes,
) -> Result<Answer, TransportError> {
    post_form_accepting(client, url, headers, form, "application/json").await
}

/// [`post_form`] asking for `accept`: AWS's query APIs answer JSON instead of their documented XML when asked
/// for `application/json`, so STS is asked for `text/xml`.
pub async fn post_form_accepting(
    client: &reqwest::Client,
    url: &str,
    headers: HeaderMap,
    form: bytes::Bytes,
    accept: &'static str,
) -> Result<Answer, TransportError> {
    let request = client
        .post(url)
        .headers(headers)
        .header(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        )
        .header(reqwest::header::ACCEPT, HeaderValue::from_static(accept))
        .body(form);
    read(request.send().await).await
}

/// POSTs a JSON body (an API call: IAM Credentials, Resource Manager) and reads the answer, capped.
pub async fn post_json(
    client: &reqwest::Client,
    url: &str,
    headers: HeaderMap,
    json: bytes::Bytes,
) -> Result<Answer, TransportError> {
    let request = client
        .post(url)
        .headers(headers)
        .header(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )
        .header(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        )
        .body(json);
    read(request.send().await).await
}

/// The `Authorization: Bearer` header for API calls with `access_token`, when it can be one; marked sensitive, which
/// keeps the token out of reqwest's and hyper's debug output.
pub fn bearer(access_token: &crate::check::base::secret::Secret) -> Option<HeaderMap> {
    let bearer = crate::check::base::secret::Secret::concat(&["Bearer ", access_token.expose()]);
    let mut value = HeaderValue::from_str(bearer.expose()).ok()?;
    value.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, value);
    Some(headers)
}

/// GETs a URL and reads the answer, capped.
pub async fn get(
    client: &reqwest::Client,
    url: &str,
    headers: HeaderMap,
) -> Result<Answer, TransportError> {
    let request = client.get(url).headers(headers).header(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    read(request.send().await).await
}

async fn read(sent: Result<reqwest::Response, reqwest::Error>) -> Result<Answer, TransportError> {
    let mut response = sent.map_err(|err| classify(&err))?;
    let headers = response.headers();
    // Header values reqwest can read as text are visible ASCII; they are still the server's words.
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let heard = |name: &str| text(name).map(Heard::new);
    let status = response.status().as_u16();
    let content_type = Heard::new(
        text("content-type")
            .unwrap_or_default()
            .to_ascii_lowercase(),
    );
    let retry_after = text("retry-after").and_then(parse_retry_after);
    let location = heard("location");
    let www_authenticate = heard("www-authenticate");
    let date = heard("date");
    let request_id = REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| heard(name).map(|value| (*name, value)));
    // Sized for the whole answer when the server says how long it is, so that the body (which may hold a token)
    // is not copied as it grows.
    let mut body = Received::with_capacity(
        response
            .content_length()
            .map_or(0, |n| usize::try_from(n).unwrap_or(MAX_BODY_BYTES))
            .min(MAX_BODY_BYTES),
    );
    let mut truncated = false;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_BODY_BYTES - body.len();
                if chunk.len() > room {
                    body.push(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.push(&chunk);
            }
            Ok(None) => break,
            Err(err) => {
                let classified = classify(&err);
                // Out of time mid-body is the timeout, whatever arrived before it; a body cut short otherwise
                // still tells the status, so what arrived is kept.
                if body.is_empty() || matches!(classified, TransportError::Timeout) {
                    return Err(classified);
                }
                truncated = true;
                break;
            }
        }
    }
    Ok(Answer {
        status,
        content_type,
        retry_after,
        location,
        www_authenticate,
        request_id,
        date,
        body,
        truncated,
    })
}

/// `Retry-After` as seconds or an IMF-fixdate.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let target = crate::check::base::clock::parse_http_date(value)?;
    let now = crate::check::base::clock::now_unix();
    Some(Duration::from_secs(
        u64::try_from(target - now).unwrap_or(0),
    ))
}

/// Opens `connections` connections to `url`'s host while a token request is still in flight, so that the
/// requests made with the token find them open: at a real distance that saves the connect round trip (and the
/// TLS handshake) after the token arrives. Each carries one unauthenticated GET of `url` (answered 401, body read
/// whole so the connection goes back to the pool), never the token, which does not exist yet. Dropping the set
/// stops whatever is still under way.
pub fn prewarm(
    client: &reqwest::Client,
    url: &str,
    connections: usize,
    deadline: tokio::time::Instant,
) -> tokio::task::JoinSet<()> {
    prewarm_each(client, &[(url, connections)], deadline)
}

/// [`prewarm`] for several hosts at once: `connections` to each `url`.
pub fn prewarm_each(
    client: &reqwest::Client,
    hosts: &[(&str, usize)],
    deadline: tokio::time::Instant,
) -> tokio::task::JoinSet<()> {
    let mut set = tokio::task::JoinSet::new();
    for (url, connections) in hosts {
        for _ in 0..*connections {
            let (client, url) = (client.clone(), url.to_string());
            set.spawn(async move {
                let _ =
                    tokio::time::timeout_at(deadline, get(&client, &url, HeaderMap::new())).await;
            });
        }
    }
    set
}

/// Names a reqwest failure by what the user can do about it.
fn classify(err: &reqwest::Error) -> TransportError {
    if err.is_timeout() {
        return TransportError::Timeout;
    }
    let mut chain = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = source {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return tls_error(tls);
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return tls_error(tls);
            }
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    return TransportError::Refused(describe_target(err));
                }
                std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::UnexpectedEof => {
                    return TransportError::Reset(Heard::new(io.to_string()));
                }
                std::io::ErrorKind::TimedOut => return TransportError::Timeout,
                _ => {}
            }
            // Some layers re-wrap rustls' error so that it no longer downcasts; its words still say what it was.
            if let Some(problem) = tls_problem_from_text(&io.to_string()) {
                return TransportError::Tls(problem, Heard::new(io.to_string()));
            }
        }
        chain.push(current.to_string());
        source = current.source();
    }
    let text = chain.join(": ");
    let lower = text.to_ascii_lowercase();
    if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
    {
        TransportError::Dns(describe_target(err))
    } else if lower.contains("proxy") || lower.contains("tunnel") {
        TransportError::Proxy(Heard::new(text))
    } else if lower.contains("connection closed")
        || lower.contains("incomplete message")
        || lower.contains("reset")
    {
        TransportError::Reset(Heard::new(text))
    } else {
        TransportError::Other(Heard::new(text))
    }
}

fn tls_problem_from_text(text: &str) -> Option<TlsProblem> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("corrupt message")
        || lower.contains("invalidcontenttype")
        || lower.contains("invalid content type")
    {
        return Some(TlsProblem::NotTls);
    }
    if !lower.contains("invalid peer certificate") {
        return None;
    }
    Some(
        if lower.contains("unknownissuer")
            || lower.contains("unknown issuer")
            || lower.contains("badsignature")
        {
            TlsProblem::UnknownIssuer
        } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
            TlsProblem::NameMismatch
        } else if lower.contains("expired")
            || lower.contains("notvalidyet")
            || lower.contains("not valid yet")
        {
            TlsProblem::Expired
        } else {
            TlsProblem::Other
        },
    )
}

fn tls_error(err: &rustls::Error) -> TransportError {
    use rustls::CertificateError as C;
    let problem = match err {
        rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => {
            TlsProblem::UnknownIssuer
        }
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => TlsProblem::NameMismatch,
        rustls::Error::InvalidCertificate(
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. },
        ) => TlsProblem::Expired,
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            TlsProblem::NotTls
        }
        rustls::Error::InvalidCertificate(C::Other(other))
            if other.to_string().contains("UnknownIssuer") =>
        {
            TlsProblem::UnknownIssuer
        }
        _ => TlsProblem::Other,
    };
    TransportError::Tls(problem, Heard::new(err.to_string()))
}

fn describe_target(err: &reqwest::Error) -> String {
    match err.url() {
        Some(url) => format!(
            "{}:{}",
            url.host_str().unwrap_or("?"),
            url.port_or_known_default().unwrap_or(0)
        ),
        None => "the server".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(
            crate::check::base::clock::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn absurd_retry_after_dates_are_refused_not_overflowed() {
        // Inputs the fuzzer found (fuzz/regressions/retry_after).
        for date in [
            "Sun, 06 Nov 1994 9999999999999999:00:00 GMT",
            "Sun, 9999999999999999 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 9223372036854775807 08:49:37 GMT",
            "Sun, 06 Nov -9223372036854775807 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
        ] {
            assert_eq!(
                crate::check::base::clock::parse_http_date(date),
                None,
                "{date}"
            );
        }
    }
}

/// The proxy the environment routes `url` through, as (variable, proxy URL without credentials), if any.
/// Mirrors what the HTTP client does with HTTPS_PROXY/HTTP_PROXY/ALL_PROXY and NO_PROXY, so failures can name it.
pub fn proxy_for(url: &url::Url, env: &dyn Fn(&str) -> Option<String>) -> Option<(String, String)> {
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let names: &[&str] = match url.scheme() {
        "https" => &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        _ => &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
    };
    let (name, value) = names.iter().find_map(|name| {
        env(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (name.to_string(), v))
    })?;
    let no_proxy = env("NO_PROXY")
        .or_else(|| env("no_proxy"))
        .unwrap_or_default();
    for entry in no_proxy.split(',').map(|e| e.trim().to_ascii_lowercase()) {
        if entry.is_empty() {
            continue;
        }
        if entry == "*" {
            return None;
        }
        let bare = entry.trim_start_matches("*.").trim_start_matches('.');
        let bare = bare.split(':').next().unwrap_or(bare);
        if host == bare || host.ends_with(&format!(".{bare}")) {
            return None;
        }
    }
    let shown = match url::Url::parse(value.trim()) {
        Ok(mut proxy) => {
            let _ = proxy.set_username("");
            let _ = proxy.set_password(None);
            proxy.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => "(unparsable proxy URL)".to_string(),
    };
    Some((name, shown))
}

#[cfg(test)]
mod proxy_tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn proxies_follow_the_scheme_and_no_proxy_and_never_show_credentials() {
        let url = url::Url::parse("https://login.example.com/token").expect("url");
        let env = env_of(&[
            ("HTTPS_PROXY", "http://user:pw@proxy.corp:3128"),
            ("NO_PROXY", "internal.example, .corp"),
        ]);
        assert_eq!(
            proxy_for(&url, &env),
            Some(("HTTPS_PROXY".into(), "http://proxy.corp:3128".into()))
        );
        let internal = url::Url::parse("https://idp.internal.example/token").expect("url");
        assert_eq!(proxy_for(&internal, &env), None);
        let plain = url::Url::parse("http://login.example.com/token").expect("url");
        assert_eq!(proxy_for(&plain, &env), None);
        assert_eq!(
            proxy_for(
                &url,
                &env_of(&[("ALL_PROXY", "socks5://p:1080"), ("NO_PROXY", "*")])
            ),
            None
        );
    }
}
