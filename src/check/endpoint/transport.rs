//! Explaining a request that got no answer: DNS, refused, reset, timeout, the proxy, or the kind of TLS failure.

use std::time::Duration;

use crate::check::base::heard::{Heard, Scrubber};
use crate::check::base::http::{self, TlsProblem, TransportError};
use crate::check::endpoint::hosts::Hosts;
use crate::check::endpoint::url::{host_label, is_loopback};
use crate::check::report::{Failure, Reason, Retry};
use crate::surface::Input;
use crate::words;

/// Longest stretch of a library's words quoted about a connection.
const MAX_LIBRARY_WORDS: usize = 160;

/// A request that got no answer, in one line: the check's words, with the library's (which may quote what a
/// peer presented, such as a certificate's names) scrubbed and bounded. Every step that reports a transport
/// failure in passing (introspection, follow-up API calls, the CI's token service) words it here.
pub fn describe(err: &TransportError, scrub: &Scrubber) -> String {
    let quote = |words: &Heard| scrub.quote(words, MAX_LIBRARY_WORDS);
    match err {
        TransportError::Timeout => "no answer in time".to_string(),
        TransportError::Dns(target) => format!("the host name did not resolve ({target})"),
        TransportError::Refused(target) => format!("connection refused by {target}"),
        TransportError::Reset(words) => format!("the connection broke ({})", quote(words)),
        TransportError::Tls(_, words) => format!("TLS failed ({})", quote(words)),
        TransportError::Proxy(words) => format!("the proxy failed ({})", quote(words)),
        TransportError::Other(words) => quote(words).into_string(),
    }
}

/// Where a request went, in the forms sentences need.
struct Target<'a> {
    url: &'a url::Url,
    /// `host:port` or `host`, as the URL has it.
    host: String,
    /// The host alone.
    bare_host: &'a str,
    /// `host:port`, the port made explicit.
    target: String,
    /// The whole budget, in seconds.
    budget: u64,
}

/// The failure for a request to `url` that got no answer within `budget`.
pub fn transport_failure(
    err: &TransportError,
    url: &url::Url,
    budget: Duration,
    hosts: &dyn Hosts,
    scrub: &Scrubber,
) -> Failure {
    let bare_host = url.host_str().unwrap_or("the server");
    let at = Target {
        url,
        host: host_label(url),
        bare_host,
        target: format!("{bare_host}:{}", url.port_or_known_default().unwrap_or(443)),
        budget: budget.as_secs(),
    };
    let mut failure = Failure::new(Reason::EndpointUnreachable, "");
    failure.meaning = words!["No answer came back, so nothing can be said about the credentials."];
    failure.blame = Some(Input::TokenUrl);
    failure.retry = Retry::No;
    let env = |name: &str| std::env::var(name).ok();
    let proxy = if is_loopback(url) {
        None
    } else {
        http::proxy_for(url, &env)
    };
    if let Some((variable, proxy)) = proxy
        && matches!(
            err,
            TransportError::Refused(_)
                | TransportError::Dns(_)
                | TransportError::Proxy(_)
                | TransportError::Timeout
        )
    {
        through_proxy(&mut failure, err, &at, &variable, &proxy, scrub);
        return failure;
    }
    match err {
        TransportError::Timeout => timed_out(&mut failure, &at),
        TransportError::Dns(_) => unresolved(&mut failure, &at, hosts),
        TransportError::Refused(_) => refused(&mut failure, &at),
        TransportError::Reset(detail) => reset(&mut failure, &at, detail, scrub),
        TransportError::Proxy(detail) => proxy_failed(&mut failure, &at, detail, scrub),
        TransportError::Tls(problem, detail) => tls(&mut failure, &at, *problem, detail, scrub),
        TransportError::Other(detail) => other(&mut failure, &at, detail, scrub),
    }
    failure
}

/// The proxy the environment names could not get the request through.
fn through_proxy(
    failure: &mut Failure,
    err: &TransportError,
    at: &Target<'_>,
    variable: &str,
    proxy: &str,
    scrub: &Scrubber,
) {
    let (host, bare_host, budget) = (&at.host, at.bare_host, at.budget);
    let quote = |text: &Heard, max: usize| scrub.quote(text, max);
    failure.summary = words![format!(
        "Could not reach {host} through the proxy {proxy} (from {variable})"
    )];
    failure.got = words![match err {
        TransportError::Refused(_) => format!("connection to the proxy {proxy} refused"),
        TransportError::Dns(_) => "the proxy or the host name did not resolve".to_string(),
        TransportError::Timeout => format!("no answer through the proxy within {budget}s"),
        TransportError::Proxy(detail) => format!("proxy error ({})", quote(detail, 160)),
        _ => String::new(),
    }];
    failure.causes = vec![
        words![format!(
            "{variable} points at a proxy that is down, mistyped, or not reachable from this runner"
        )],
        words![format!(
            "the proxy refuses {bare_host}, or {bare_host} should bypass it (add it to NO_PROXY)"
        )],
    ];
    failure.fix = words![format!(
        "Check {variable} and NO_PROXY in the environment the check runs in."
    )];
}

fn timed_out(failure: &mut Failure, at: &Target<'_>) {
    let (host, budget, url) = (&at.host, at.budget, at.url);
    failure.summary = words![format!("{host} did not answer within {budget}s")];
    failure.got = words!["no answer before the timeout"];
    failure.causes = vec![
        words!["a firewall drops traffic from this machine to the server"],
        words!["the server or a proxy in between hangs"],
        words![Input::TimeoutSeconds, " is too short for this network"],
    ];
    failure.fix = words![
        format!("Check from this machine: curl -v {url}; raise "),
        Input::TimeoutSeconds,
        " if the network is slow."
    ];
}

fn unresolved(failure: &mut Failure, at: &Target<'_>, hosts: &dyn Hosts) {
    let bare_host = at.bare_host;
    failure.summary = words![format!("The host name {bare_host} does not resolve")];
    failure.got = words![format!("DNS lookup of {bare_host} failed")];
    failure.causes = vec![words!["the host name is mistyped"]];
    failure.causes.extend(hosts.dns_causes(bare_host));
    failure.causes.push(words![
        "the host is only resolvable inside another network (VPN, private DNS)"
    ]);
    failure.fix = words![format!(
        "Check the host in the URL; from this machine, try: getent hosts {bare_host}"
    )];
}

fn refused(failure: &mut Failure, at: &Target<'_>) {
    let target = &at.target;
    failure.summary = words![format!(
        "Connection to {target} refused: nothing listens there"
    )];
    failure.got = words![format!("connection refused by {target}")];
    failure.causes = vec![
        words!["the port is wrong or the server is down"],
        words!["http vs https mix-up (port 80 vs 443)"],
    ];
    failure.fix = words!["Check the URL's scheme, host and port."];
}

fn reset(failure: &mut Failure, at: &Target<'_>, detail: &Heard, scrub: &Scrubber) {
    let target = &at.target;
    let quote = |text: &Heard, max: usize| scrub.quote(text, max);
    failure.summary = words![format!(
        "The connection to {target} broke before an answer came back"
    )];
    failure.got = words![format!("connection reset ({})", quote(detail, 120))];
    failure.causes = vec![
        words!["a proxy or firewall cut the connection"],
        words!["the server crashed or restarted"],
    ];
    failure.fix = words![
        "Retry; if it persists, check proxies and firewalls between this machine and the server."
    ];
}

fn proxy_failed(failure: &mut Failure, at: &Target<'_>, detail: &Heard, scrub: &Scrubber) {
    let target = &at.target;
    let quote = |text: &Heard, max: usize| scrub.quote(text, max);
    failure.summary = words![format!("The proxy failed to reach {target}")];
    failure.got = words![format!("proxy error ({})", quote(detail, 160))];
    failure.causes = vec![
        words!["HTTPS_PROXY points at a proxy that is down or refuses this destination"],
        words!["the host should be in NO_PROXY"],
    ];
    failure.fix = words!["Check HTTPS_PROXY and NO_PROXY in the environment the check runs in."];
}

fn tls(
    failure: &mut Failure,
    at: &Target<'_>,
    problem: TlsProblem,
    detail: &Heard,
    scrub: &Scrubber,
) {
    let host = &at.host;
    let quote = |text: &Heard, max: usize| scrub.quote(text, max);
    failure.reason = Reason::TlsError;
    failure.got = words![format!("TLS handshake failed ({})", quote(detail, 160))];
    failure.meaning =
        words!["The connection was refused at the TLS layer before any credential was sent."];
    match problem {
        TlsProblem::UnknownIssuer => {
            failure.summary = words![format!(
                "The TLS certificate of {host} is not signed by a trusted CA"
            )];
            failure.causes = vec![
                words!["a TLS-inspecting proxy re-signs traffic with a corporate CA"],
                words!["the server uses a private or self-signed CA"],
            ];
            failure.fix = words![
                "Give that CA's certificate in ",
                Input::CaCertPem,
                " (or SSL_CERT_FILE)."
            ];
            failure.blame = Some(Input::CaCertPem);
        }
        TlsProblem::NameMismatch => {
            failure.summary = words![format!("The TLS certificate of {host} is for another name")];
            failure.causes = vec![
                words!["the URL uses an IP address or an alias the certificate does not list"],
                words!["a proxy or load balancer presents its own certificate"],
            ];
            failure.fix = words!["Use the host name the certificate was issued for."];
        }
        TlsProblem::Expired => {
            failure.summary = words![format!(
                "The TLS certificate of {host} has expired or is not yet valid"
            )];
            failure.causes = vec![
                words!["the server's certificate was not renewed"],
                words!["this machine's clock is wrong"],
            ];
            failure.fix = words!["Renew the server certificate, or fix the clock here."];
        }
        TlsProblem::NotTls => {
            failure.summary = words![format!("{host} does not speak TLS on this port")];
            failure.causes = vec![words![
                "the port serves plain http: use http:// or the https port"
            ]];
            failure.fix = words!["Check the URL's scheme and port."];
        }
        TlsProblem::Other => {
            failure.summary = words![format!("The TLS handshake with {host} failed")];
            failure.causes = vec![words![
                "the server needs a client certificate or an old TLS version"
            ]];
            failure.fix = words!["Check the server's TLS settings (TLS 1.2 or newer is required)."];
        }
    }
}

fn other(failure: &mut Failure, at: &Target<'_>, detail: &Heard, scrub: &Scrubber) {
    let (host, url) = (&at.host, at.url);
    let quote = |text: &Heard, max: usize| scrub.quote(text, max);
    failure.summary = words![format!(
        "The request to {host} failed: {}",
        quote(detail, 160)
    )];
    failure.got = words![quote(detail, 200)];
    failure.causes = vec![words![
        "network trouble between this machine and the server"
    ]];
    failure.fix = words![format!("Check that {url} answers from this machine.")];
}
