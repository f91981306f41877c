//! Running one check end to end, inside its time budget.

use std::time::Duration;

use base64::Engine;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::http::{self, TlsProblem, TransportError};
use super::interpret::{self, Context, Failure, Issued, Retry, Verdict, short};
use super::lint;
use super::report::{Blame, Reason, Report, ScopesSource, Status};
use super::request::{AuthMethod, CheckRequest, Endpoint};
use super::scopes;
use crate::log::{Level, emit};

/// Cancels a running check when it turns true (Terraform's StopProvider, Ctrl-C in the CLI).
pub type Cancel = tokio::sync::watch::Receiver<bool>;

/// Longest wait a server's `Retry-After` may impose on one retry.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// Identical checks in one process (one Terraform run) share one token request: Terraform reads data sources in
/// parallel, and fifty reads must not become fifty requests that trip a token-endpoint rate limit.
type Shared = std::sync::Arc<tokio::sync::OnceCell<Report>>;

static SHARED: std::sync::Mutex<Option<std::collections::HashMap<[u8; 32], Shared>>> =
    std::sync::Mutex::new(None);

/// Most distinct checks remembered; a provider process lives for one run, so this is only a safety bound.
const MAX_SHARED: usize = 4096;

/// A digest of everything that makes two checks the same check; the secret enters only hashed.
fn identity(request: &CheckRequest) -> [u8; 32] {
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    field(format!("{:?}", request.endpoint).as_bytes());
    field(request.client_id.as_bytes());
    field(request.client_secret.expose().as_bytes());
    field(format!("{:?}", request.secret_origin).as_bytes());
    field(request.auth_method.code().as_bytes());
    field(request.scopes.join("\u{0}").as_bytes());
    field(request.required_scopes.join("\u{0}").as_bytes());
    field(request.audience.as_deref().unwrap_or("\u{1}").as_bytes());
    field(request.resource.as_deref().unwrap_or("\u{1}").as_bytes());
    field(
        request
            .expected_organization
            .as_deref()
            .unwrap_or("\u{1}")
            .as_bytes(),
    );
    field(request.ca_cert_pem.as_deref().unwrap_or("\u{1}").as_bytes());
    field(&request.timeout.as_millis().to_le_bytes());
    field(&[
        u8::from(request.allow_http),
        request.max_retries.min(255) as u8,
    ]);
    hash.finalize().into()
}

/// Runs a check, or waits for an identical one already running in this process and shares its report.
pub async fn run(request: CheckRequest, cancel: Cancel) -> Report {
    let key = identity(&request);
    let cell = {
        let mut guard = match SHARED.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let map = guard.get_or_insert_with(std::collections::HashMap::new);
        if map.len() >= MAX_SHARED {
            map.clear();
        }
        map.entry(key).or_default().clone()
    };
    if cell.initialized() {
        emit(
            Level::Debug,
            "reusing the report of an identical check",
            &[("client_id", &request.client_id)],
        );
    }
    cell.get_or_init(|| run_once(request, cancel)).await.clone()
}

/// Runs a check without sharing: for re-checks that must ask the server again (ephemeral renewals).
pub async fn run_fresh(request: CheckRequest, cancel: Cancel) -> Report {
    run_once(request, cancel).await
}

/// Runs a check. Never panics on outside input and never outlives `request.timeout` by more than a moment.
async fn run_once(request: CheckRequest, mut cancel: Cancel) -> Report {
    let budget = request.timeout;
    let work = check(&request);
    let report = tokio::select! {
        report = tokio::time::timeout(budget + Duration::from_millis(250), work) => match report {
            Ok(report) => report,
            Err(_) => timed_out(&request),
        },
        () = cancelled(&mut cancel) => {
            let mut report = Report::new(
                Reason::EndpointUnreachable,
                "The check was cancelled before it finished",
                "The run was interrupted (Terraform asked the provider to stop, or the process was interrupted) \
                 while the check was in progress, so nothing can be said about the credentials.",
            );
            report.push("token_request", Status::Skip, "cancelled");
            report
        }
    };
    emit(
        if report.valid {
            Level::Info
        } else {
            Level::Warn
        },
        "check finished",
        &[
            ("reason", report.reason.code()),
            ("token_url", report.token_url.as_deref().unwrap_or("")),
            ("client_id", &request.client_id),
        ],
    );
    report
}

async fn cancelled(cancel: &mut Cancel) {
    if cancel.wait_for(|stop| *stop).await.is_err() {
        // The sender is gone: nobody can cancel any more.
        std::future::pending::<()>().await;
    }
}

fn timed_out(request: &CheckRequest) -> Report {
    let mut report = Report::new(
        Reason::EndpointUnreachable,
        format!(
            "The check did not finish within timeout_seconds ({}s)",
            request.timeout.as_secs()
        ),
        "The server accepted the connection but did not answer in time. This says nothing about the credentials.\n\
         Likely causes: the server or a proxy in between hangs; a firewall drops the traffic; the timeout is too \
         short for this network.\nWhat to do: check that the URL answers from this machine (curl -v); raise \
         timeout_seconds if the network is slow.",
    );
    report.push("token_request", Status::Fail, "timed out");
    report
}

/// The endpoint resolved to one token URL, with what discovery learnt.
struct Resolved {
    token_url: url::Url,
    /// Auth methods the server says it supports, when it says.
    methods_supported: Option<Vec<String>>,
    /// The RFC 7662 introspection endpoint, when discovery named one.
    introspection: Option<String>,
    genesys: bool,
}

async fn check(request: &CheckRequest) -> Report {
    let deadline = Instant::now() + request.timeout;
    let mut report = Report::new(Reason::Ok, "", "");

    let findings = lint::lint(request);
    if let Some(fatal) = findings.iter().find(|f| f.fatal) {
        report.conclude(
            lint::FATAL_REASON,
            fatal.summary.clone(),
            fatal.detail.clone(),
        );
        report.blame = Some(fatal.blame);
        for finding in &findings {
            report.push(
                "inputs",
                if finding.fatal {
                    Status::Fail
                } else {
                    Status::Warn
                },
                finding.summary.clone(),
            );
        }
        return report;
    }
    let genesys = matches!(request.endpoint, Endpoint::Genesys { .. });
    let id_not_uuid = genesys && !super::genesys::is_uuid(&request.client_id);
    if findings.is_empty() && !id_not_uuid {
        report.push(
            "inputs",
            Status::Pass,
            "client id and secret are well-formed",
        );
    }
    if id_not_uuid {
        report.push(
            "inputs",
            Status::Warn,
            format!(
                "client id {:?} is not a UUID, and Genesys Cloud OAuth client ids are; check that it is the client id, \
                 not its name or the secret",
                interpret::excerpt(&request.client_id, 60)
            ),
        );
    }
    if let Some(note) = &request.endpoint_note {
        report.push("endpoint", Status::Warn, note.clone());
    }
    if request.expected_organization.is_some() && !genesys {
        report.push(
            "organization",
            Status::Warn,
            "expected_organization is only checked against Genesys Cloud organisations; it was ignored",
        );
    }
    for finding in &findings {
        report.push("inputs", Status::Warn, finding.summary.clone());
    }

    let endpoint_text = match &request.endpoint {
        Endpoint::TokenUrl(url) | Endpoint::Issuer(url) => url.as_str(),
        Endpoint::Genesys { login_base, .. } => login_base.as_str(),
    };
    let loopback = url::Url::parse(endpoint_text.trim()).is_ok_and(|url| is_loopback(&url));
    // A plain-http token URL (loopback, or allow_http) never needs the system trust store.
    let plain_http = matches!(request.endpoint, Endpoint::TokenUrl(_))
        && url::Url::parse(endpoint_text.trim()).is_ok_and(|url| url.scheme() == "http");
    let client = match http::client_with_roots(
        request.ca_cert_pem.as_deref(),
        request.timeout,
        loopback,
        !plain_http,
    ) {
        Ok(client) => client,
        Err(message) => {
            report.conclude(
                Reason::InvalidInput,
                message.clone(),
                "ca_cert_pem must hold one or more PEM certificates (-----BEGIN CERTIFICATE----- ... \
                 -----END CERTIFICATE-----) of the CA that signed the server's certificate.",
            );
            report.blame = Some(Blame::CaCertPem);
            report.push("inputs", Status::Fail, message);
            return report;
        }
    };

    let resolved = match resolve_endpoint(request, &client, deadline, &mut report).await {
        Some(resolved) => resolved,
        None => return report,
    };
    report.token_url = Some(resolved.token_url.to_string());

    exchange(request, &client, &resolved, deadline, &mut report).await;
    report
}

/// Validates a URL the user gave; `None` after concluding the report when it cannot be used.
fn usable_url(
    text: &str,
    what: &str,
    blame: Blame,
    allow_http: bool,
    report: &mut Report,
) -> Option<url::Url> {
    let fail = |report: &mut Report, reason: Reason, summary: String, detail: String| {
        report.conclude(reason, summary.clone(), detail);
        report.blame = Some(blame);
        report.push("endpoint", Status::Fail, summary);
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        fail(
            report,
            Reason::InvalidInput,
            format!("{what} is empty"),
            format!("Set {what} to an absolute https:// URL."),
        );
        return None;
    }
    if trimmed != text {
        fail(
            report,
            Reason::InvalidInput,
            format!("{what} has leading or trailing whitespace"),
            format!("Remove the whitespace around the URL in {what}."),
        );
        return None;
    }
    let url = match url::Url::parse(trimmed) {
        Ok(url) => url,
        Err(err) => {
            fail(
                report,
                Reason::InvalidInput,
                format!("{what} is not an absolute URL ({err})"),
                format!(
                    "{what} must be an absolute URL such as https://login.example.com/oauth2/token."
                ),
            );
            return None;
        }
    };
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
        fail(
            report,
            Reason::InvalidInput,
            format!(
                "{what} must be an https:// URL with a host, got scheme {:?}",
                url.scheme()
            ),
            format!(
                "{what} must be an absolute https:// URL such as https://login.example.com/oauth2/token."
            ),
        );
        return None;
    }
    if !url.username().is_empty() || url.password().is_some() {
        fail(
            report,
            Reason::InvalidInput,
            format!("{what} carries credentials in the URL (user:password@host)"),
            format!(
                "Remove the user and password from {what}: the client id and secret are sent the OAuth2 way, and \
                 credentials in URLs leak into logs."
            ),
        );
        return None;
    }
    if url.scheme() == "http" && !allow_http && !is_loopback(&url) {
        let host = url.host_str().unwrap_or_default().to_string();
        let mut https = url.clone();
        let _ = https.set_scheme("https");
        if url.port() == Some(80) {
            let _ = https.set_port(None);
        }
        fail(
            report,
            Reason::InsecureTransport,
            format!(
                "{what} uses plain http to {host}: the secret would cross the network unencrypted"
            ),
            format!(
                "authcheck sends client secrets only over https, except to loopback addresses. Use {https}. If the \
                 traffic really stays on a private network you trust, set allow_http = true."
            ),
        );
        return None;
    }
    Some(url)
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => {
            domain.eq_ignore_ascii_case("localhost") || domain.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn host_label(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        _ => "the server".to_string(),
    }
}

async fn resolve_endpoint(
    request: &CheckRequest,
    client: &reqwest::Client,
    deadline: Instant,
    report: &mut Report,
) -> Option<Resolved> {
    match &request.endpoint {
        Endpoint::TokenUrl(text) => {
            let url = usable_url(
                text,
                "token_url",
                Blame::TokenUrl,
                request.allow_http,
                report,
            )?;
            if let Some((summary, detail)) = super::genesys::token_url_mistake(url.as_str()) {
                report.conclude(Reason::InvalidInput, summary.clone(), detail);
                report.blame = Some(Blame::TokenUrl);
                report.push("endpoint", Status::Fail, summary);
                return None;
            }
            report.push("endpoint", Status::Pass, format!("token endpoint {url}"));
            Some(Resolved {
                token_url: url,
                methods_supported: None,
                introspection: None,
                genesys: false,
            })
        }
        Endpoint::Genesys {
            login_base, region, ..
        } => {
            let text = format!("{login_base}/oauth/token");
            let url = usable_url(
                &text,
                "genesys_login_url",
                Blame::GenesysRegion,
                request.allow_http,
                report,
            )?;
            let detail = match region {
                Some(region) => format!("Genesys Cloud region {region}: token endpoint {url}"),
                None => format!("Genesys Cloud token endpoint {url}"),
            };
            report.push("endpoint", Status::Pass, detail);
            Some(Resolved {
                token_url: url,
                methods_supported: None,
                introspection: None,
                genesys: true,
            })
        }
        Endpoint::Issuer(issuer) => discover(issuer, request, client, deadline, report).await,
    }
}

/// RFC 8414 / OIDC discovery: the issuer's metadata names the token endpoint.
async fn discover(
    issuer_text: &str,
    request: &CheckRequest,
    client: &reqwest::Client,
    deadline: Instant,
    report: &mut Report,
) -> Option<Resolved> {
    let issuer = usable_url(
        issuer_text,
        "issuer",
        Blame::Issuer,
        request.allow_http,
        report,
    )?;
    let base = issuer.as_str().trim_end_matches('/').to_string();
    let mut candidates = vec![format!("{base}/.well-known/openid-configuration")];
    // RFC 8414 inserts the well-known segment between host and path.
    let origin = issuer.origin().ascii_serialization();
    let path = issuer.path().trim_end_matches('/');
    candidates.push(format!(
        "{origin}/.well-known/oauth-authorization-server{path}"
    ));
    let mut tried = Vec::new();
    for candidate in candidates {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let answer =
            tokio::time::timeout(remaining, http::get(client, &candidate, HeaderMap::new())).await;
        let outcome = match answer {
            Err(_) => Err(TransportError::Timeout),
            Ok(result) => result,
        };
        match outcome {
            Err(err) => {
                let failure = transport_failure(&err, &issuer, request);
                if failure.reason == Reason::TlsError
                    || failure.reason == Reason::EndpointUnreachable
                {
                    conclude_failure(report, &failure, &format!("GET {candidate}"), None);
                    report.blame = Some(Blame::Issuer);
                    report.push("discovery", Status::Fail, failure.summary.clone());
                    return None;
                }
                tried.push(format!("{candidate}: {}", failure.got));
            }
            Ok(answer) => {
                let parsed = if answer.status == 200 {
                    super::discovery::parse_metadata(&answer.body)
                } else {
                    Err(format!("HTTP {}", answer.status))
                };
                match parsed {
                    Ok(metadata) => {
                        let url = usable_url(
                            &metadata.token_endpoint,
                            "the discovered token_endpoint",
                            Blame::Issuer,
                            request.allow_http,
                            report,
                        )?;
                        report.push(
                            "discovery",
                            Status::Pass,
                            format!("{candidate} names token endpoint {url}"),
                        );
                        return Some(Resolved {
                            token_url: url,
                            methods_supported: metadata
                                .token_endpoint_auth_methods_supported
                                .clone(),
                            introspection: metadata.introspection_endpoint.clone(),
                            genesys: false,
                        });
                    }
                    Err(problem) => tried.push(format!("{candidate}: {problem}")),
                }
            }
        }
    }
    let summary = format!("No usable discovery document for issuer {base}");
    report.conclude(
        Reason::DiscoveryFailed,
        summary.clone(),
        format!(
            "Tried:\n{}\nMeaning: authcheck could not learn the token endpoint from the issuer.\nLikely causes: the \
             issuer URL is wrong (Keycloak issuers end in /realms/<realm>; Okta's custom servers in \
             /oauth2/<server id>); the server does not publish metadata.\nWhat to do: open the issuer URL plus \
             /.well-known/openid-configuration in a browser; if the server has no metadata, set token_url instead.",
            tried.iter().map(|t| format!("  - {t}")).collect::<Vec<_>>().join("\n")
        ),
    );
    report.blame = Some(Blame::Issuer);
    report.push("discovery", Status::Fail, summary);
    None
}

/// One way of presenting the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presentation {
    /// RFC 6749 section 2.3.1: form-encode, then Basic.
    Basic,
    /// In the form body.
    Post,
    /// Basic without form-encoding, as many servers (and curl) expect.
    BasicRaw,
}

impl Presentation {
    fn method_name(self) -> &'static str {
        match self {
            Presentation::Basic | Presentation::BasicRaw => "client_secret_basic",
            Presentation::Post => "client_secret_post",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Presentation::Basic => "client_secret_basic",
            Presentation::Post => "client_secret_post",
            Presentation::BasicRaw => "client_secret_basic without form-encoding",
        }
    }
}

fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn plan(request: &CheckRequest, resolved: &Resolved) -> Vec<Presentation> {
    let changes = |text: &str| form_encode(text) != text;
    let encoding_matters = changes(&request.client_id) || changes(request.client_secret.expose());
    if resolved.genesys && request.auth_method != AuthMethod::ClientSecretPost {
        // Genesys Cloud's SDKs and its Terraform provider send base64(id:secret) without form-encoding; check
        // exactly what the pipeline's provider will send, and the RFC form only when it would differ.
        let mut plan = vec![Presentation::BasicRaw];
        if encoding_matters && request.auth_method == AuthMethod::Auto {
            plan.push(Presentation::Basic);
        }
        return plan;
    }
    match request.auth_method {
        AuthMethod::ClientSecretBasic => vec![Presentation::Basic],
        AuthMethod::ClientSecretPost => vec![Presentation::Post],
        AuthMethod::Auto => {
            let post_only = resolved.methods_supported.as_ref().is_some_and(|methods| {
                methods.iter().any(|m| m == "client_secret_post")
                    && !methods.iter().any(|m| m == "client_secret_basic")
            });
            let mut plan = if post_only {
                vec![Presentation::Post, Presentation::Basic]
            } else {
                vec![Presentation::Basic, Presentation::Post]
            };
            if encoding_matters {
                plan.push(Presentation::BasicRaw);
            }
            plan
        }
    }
}

fn build_request(request: &CheckRequest, how: Presentation) -> (HeaderMap, String) {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials");
    if !request.scopes.is_empty() {
        form.append_pair("scope", &request.scopes.join(" "));
    }
    if let Some(audience) = &request.audience {
        form.append_pair("audience", audience);
    }
    if let Some(resource) = &request.resource {
        form.append_pair("resource", resource);
    }
    let mut headers = HeaderMap::new();
    match how {
        Presentation::Post => {
            form.append_pair("client_id", &request.client_id);
            form.append_pair("client_secret", request.client_secret.expose());
        }
        Presentation::Basic | Presentation::BasicRaw => {
            let (id, secret) = if how == Presentation::Basic {
                (
                    form_encode(&request.client_id),
                    form_encode(request.client_secret.expose()),
                )
            } else {
                (
                    request.client_id.clone(),
                    request.client_secret.expose().to_string(),
                )
            };
            let mut pair = format!("{id}:{secret}");
            let mut encoded = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
            super::secret::wipe(&mut pair);
            if let Ok(mut value) = HeaderValue::from_str(&format!("Basic {encoded}")) {
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
            }
            super::secret::wipe(&mut encoded);
        }
    }
    (headers, form.finish())
}

/// The result of one presentation, after its retries.
struct Attempt {
    how: Presentation,
    outcome: Result<Verdict, Failure>,
    tries: u32,
}

async fn exchange(
    request: &CheckRequest,
    client: &reqwest::Client,
    resolved: &Resolved,
    deadline: Instant,
    report: &mut Report,
) {
    let url = resolved.token_url.as_str();
    let host = host_label(&resolved.token_url);
    let origin = request.secret_origin.describe();
    let mut attempts: Vec<Attempt> = Vec::new();
    for how in plan(request, resolved) {
        let ctx = Context {
            host: &host,
            client_id: &request.client_id,
            method: how.method_name(),
            secret_origin: &origin,
            scopes: &request.scopes,
            genesys: resolved.genesys,
        };
        let attempt = attempt_with_retries(
            request,
            client,
            url,
            how,
            &ctx,
            &resolved.token_url,
            deadline,
        )
        .await;
        let retry_other_way = match &attempt.outcome {
            Ok(Verdict::Failed(failure)) => {
                matches!(
                    failure.reason,
                    Reason::InvalidClient | Reason::InvalidSecret | Reason::ClientNotFound
                ) || (failure.reason == Reason::InvalidInput
                    && failure.error_code.as_deref() == Some("invalid_request"))
            }
            _ => false,
        };
        attempts.push(attempt);
        if !retry_other_way || Instant::now() >= deadline {
            break;
        }
    }
    let Some(last) = attempts.pop() else {
        return;
    };
    let sent = |how: Presentation| {
        format!(
            "POST {url} as client {:?} using {} (secret from {origin})",
            request.client_id,
            how.describe()
        )
    };
    match last.outcome {
        Ok(Verdict::Token(issued)) => {
            let mut refused = String::new();
            for earlier in &attempts {
                if let Ok(Verdict::Failed(failure)) = &earlier.outcome {
                    report.push(
                        "token_request",
                        Status::Warn,
                        format!("{} refused: {}", earlier.how.describe(), failure.got),
                    );
                    refused.push_str(&format!(
                        "{} was refused first ({}). ",
                        earlier.how.describe(),
                        failure.got
                    ));
                }
            }
            if !refused.is_empty() {
                let advice = match last.how {
                    Presentation::BasicRaw => {
                        "The server decodes Basic credentials without form-decoding them (not RFC 6749 section 2.3.1). \
                         Clients that follow the RFC, such as Go's oauth2, fail on this secret; authcheck only \
                         succeeded by sending it raw."
                            .to_string()
                    }
                    other => format!("Set auth_method = \"{}\" so clients use what the server accepts.", other.method_name()),
                };
                report.push("auth_method", Status::Warn, format!("{refused}{advice}"));
            }
            let introspected = match (&issued.scope, &resolved.introspection) {
                (None, Some(endpoint))
                    if scopes::from_jwt(issued.access_token.expose()).is_none() =>
                {
                    Some(
                        introspect(
                            request,
                            client,
                            endpoint,
                            last.how,
                            &issued.access_token,
                            deadline,
                        )
                        .await,
                    )
                }
                _ => None,
            };
            let facts = match (&request.endpoint, &issued.access_token) {
                (Endpoint::Genesys { api_base, .. }, token) => Some(
                    super::genesys_api::lookup(client, api_base, token.expose(), deadline).await,
                ),
                _ => None,
            };
            let genesys_scopes = facts
                .as_ref()
                .and_then(|f| f.authorized_scopes.clone())
                .map(Ok);
            success(
                request,
                report,
                issued,
                last.how,
                &sent(last.how),
                &host,
                introspected.or(genesys_scopes),
            );
            if let Some(facts) = facts {
                apply_org_facts(request, report, facts);
            }
        }
        Ok(Verdict::Failed(failure)) | Err(failure) => {
            // Report the first way tried unless a later one got a more specific explanation.
            let mut failures: Vec<(Presentation, Failure)> = attempts
                .into_iter()
                .filter_map(|earlier| match earlier.outcome {
                    Ok(Verdict::Failed(failure)) | Err(failure) => Some((earlier.how, failure)),
                    Ok(Verdict::Token(_)) => None,
                })
                .collect();
            failures.push((last.how, failure));
            let specific = |r: Reason| matches!(r, Reason::ClientNotFound | Reason::InvalidSecret);
            let index = failures
                .iter()
                .position(|(_, f)| specific(f.reason))
                .unwrap_or(0);
            let chosen = failures.remove(index);
            let also: Vec<String> = failures
                .iter()
                .map(|(how, f)| format!("{}: {}", how.describe(), f.got))
                .collect();
            report.push("token_request", Status::Fail, chosen.1.summary.clone());
            let also = (!also.is_empty()).then(|| also.join("; "));
            conclude_failure(report, &chosen.1, &sent(chosen.0), also.as_deref());
            if last.tries > 1 {
                report
                    .detail
                    .push_str(&format!("\n(The request was tried {} times.)", last.tries));
            }
            report.auth_method_used = None;
            if request.probe_other_regions
                && chosen.1.error_code.as_deref() == Some("invalid_client")
            {
                probe_step(request, client, chosen.0, deadline, report).await;
            }
        }
    }
}

/// What another Genesys Cloud region said about the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProbeOutcome {
    /// A token was issued: the client lives there and the secret is right.
    Accepted,
    /// The client exists there but the secret was refused.
    SecretRefused,
    /// The region does not know the client.
    Unknown,
    /// No clear answer (unreachable, rate limited, …).
    NoAnswer(String),
}

/// Asks each (region, token URL) whether it knows the client, all at once, inside the deadline.
pub(crate) async fn probe_regions(
    request: &CheckRequest,
    client: &reqwest::Client,
    targets: Vec<(String, String)>,
    how: Presentation,
    deadline: Instant,
) -> Vec<(String, ProbeOutcome)> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (region, url)) in targets.into_iter().enumerate() {
        let (headers, form) = build_request(request, how);
        let client = client.clone();
        let id = request.client_id.clone();
        tasks.spawn(async move {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let answer =
                tokio::time::timeout(remaining, http::post_form(&client, &url, headers, form))
                    .await;
            let outcome = match answer {
                Err(_) => ProbeOutcome::NoAnswer("no answer in time".to_string()),
                Ok(Err(err)) => ProbeOutcome::NoAnswer(format!("{err:?}")),
                Ok(Ok(answer)) => {
                    let ctx = Context {
                        host: &url,
                        client_id: &id,
                        method: how.method_name(),
                        secret_origin: "",
                        scopes: &[],
                        genesys: true,
                    };
                    match interpret::interpret(&answer, &ctx) {
                        Verdict::Token(_) => ProbeOutcome::Accepted,
                        Verdict::Failed(f) if f.reason == Reason::InvalidSecret => {
                            ProbeOutcome::SecretRefused
                        }
                        Verdict::Failed(f) if f.reason == Reason::ClientNotFound => {
                            ProbeOutcome::Unknown
                        }
                        Verdict::Failed(f) => ProbeOutcome::NoAnswer(f.got),
                    }
                }
            };
            (index, region, outcome)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(result) = joined {
            results.push(result);
        }
    }
    results.sort_by_key(|(index, _, _)| *index);
    results
        .into_iter()
        .map(|(_, region, outcome)| (region, outcome))
        .collect()
}

/// `probe_other_regions`: after Genesys Cloud refused the client, ask the other regions where it lives.
async fn probe_step(
    request: &CheckRequest,
    client: &reqwest::Client,
    how: Presentation,
    deadline: Instant,
    report: &mut Report,
) {
    let Endpoint::Genesys {
        region, login_base, ..
    } = &request.endpoint
    else {
        report.push(
            "region_probe",
            Status::Skip,
            "probe_other_regions applies to Genesys Cloud endpoints only",
        );
        return;
    };
    let standard = region
        .as_deref()
        .and_then(super::genesys::domain_of)
        .is_some_and(|domain| login_base == &format!("https://login.{domain}"));
    let Some(current) = region.as_deref().filter(|_| standard) else {
        report.push(
            "region_probe",
            Status::Skip,
            "probe_other_regions needs a standard region; genesys_login_url overrides it, so no other region was asked",
        );
        return;
    };
    let targets = super::genesys::probe_token_urls(Some(current))
        .into_iter()
        .map(|(region, url)| (region.to_string(), url))
        .collect();
    let results = probe_regions(request, client, targets, how, deadline).await;
    apply_probe(request, current, &results, report);
}

fn apply_probe(
    request: &CheckRequest,
    current: &str,
    results: &[(String, ProbeOutcome)],
    report: &mut Report,
) {
    let accepted: Vec<&str> = results
        .iter()
        .filter(|(_, o)| *o == ProbeOutcome::Accepted)
        .map(|(r, _)| r.as_str())
        .collect();
    let known: Vec<&str> = results
        .iter()
        .filter(|(_, o)| *o == ProbeOutcome::SecretRefused)
        .map(|(r, _)| r.as_str())
        .collect();
    let silent = results
        .iter()
        .filter(|(_, o)| matches!(o, ProbeOutcome::NoAnswer(_)))
        .count();
    let asked = results.len();
    if let Some(home) = accepted.first() {
        let summary = format!(
            "Client {} lives in Genesys Cloud region {home}, not {current}",
            interpret::short(&request.client_id)
        );
        report.push("region_probe", Status::Fail, summary.clone());
        let detail = format!(
            "{}\nRegion probe (probe_other_regions = true): {home} issued a token with these credentials.\nWhat to do: \
             set genesys_region = \"{home}\" (and the genesyscloud provider's aws_region) for this client.",
            report.detail
        );
        report.conclude(Reason::ClientNotFound, summary, detail);
        report.blame = Some(Blame::GenesysRegion);
    } else if !known.is_empty() {
        let line = format!(
            "region {} also know{} this client id but refused the secret: the id exists in more than one \
             organisation, or the secret is wrong everywhere",
            known.join(", "),
            if known.len() == 1 { "s" } else { "" }
        );
        report.push("region_probe", Status::Warn, line.clone());
        report.detail.push_str(&format!("\nRegion probe: {line}."));
    } else {
        let line = format!(
            "none of the {asked} other regions knows this client{}: it was deleted, or the id is wrong",
            if silent > 0 {
                format!(" ({silent} did not answer clearly)")
            } else {
                String::new()
            }
        );
        report.push("region_probe", Status::Pass, line.clone());
        report.detail.push_str(&format!("\nRegion probe: {line}."));
    }
}

async fn attempt_with_retries(
    request: &CheckRequest,
    client: &reqwest::Client,
    url: &str,
    how: Presentation,
    ctx: &Context<'_>,
    parsed: &url::Url,
    deadline: Instant,
) -> Attempt {
    let mut tries = 0;
    loop {
        tries += 1;
        let (headers, form) = build_request(request, how);
        emit(
            Level::Debug,
            "requesting a token",
            &[
                ("token_url", url),
                ("client_id", &request.client_id),
                ("auth_method", how.describe()),
            ],
        );
        let remaining = deadline.saturating_duration_since(Instant::now());
        let sent = match tokio::time::timeout(
            remaining,
            http::post_form(client, url, headers, form),
        )
        .await
        {
            Err(_) => Err(TransportError::Timeout),
            Ok(result) => result,
        };
        let (outcome, retry) = match sent {
            Err(err) => {
                let transient = err.is_transient();
                let failure = transport_failure(&err, parsed, request);
                (
                    Err(failure),
                    if transient {
                        Retry::Yes(None)
                    } else {
                        Retry::No
                    },
                )
            }
            Ok(answer) => {
                emit(
                    Level::Debug,
                    "token endpoint answered",
                    &[("status", &answer.status.to_string())],
                );
                let verdict = interpret::interpret(&answer, ctx);
                let retry = match &verdict {
                    Verdict::Failed(failure) => failure.retry,
                    Verdict::Token(_) => Retry::No,
                };
                (Ok(verdict), retry)
            }
        };
        let Retry::Yes(asked) = retry else {
            return Attempt {
                how,
                outcome,
                tries,
            };
        };
        if tries > request.max_retries {
            return Attempt {
                how,
                outcome,
                tries,
            };
        }
        let wait = asked.unwrap_or_else(|| backoff(tries)).min(MAX_RETRY_WAIT);
        if Instant::now() + wait >= deadline {
            return Attempt {
                how,
                outcome,
                tries,
            };
        }
        emit(
            Level::Debug,
            "retrying after a transient failure",
            &[("wait_ms", &wait.as_millis().to_string())],
        );
        tokio::time::sleep(wait).await;
    }
}

/// Adds what Genesys Cloud says about the organisation to a report, and holds it to `expected_organization`.
fn apply_org_facts(
    request: &CheckRequest,
    report: &mut Report,
    facts: super::genesys_api::OrgFacts,
) {
    use super::genesys_api::{OrgMatch, match_expected};
    report.organization_id = facts.organization_id.clone();
    report.organization_name = facts.organization_name.clone();
    report.client_name = facts.client_name.clone();
    if !facts.notes.is_empty() {
        report
            .detail
            .push_str(&format!("\nOrganisation: {}", facts.notes.join("; ")));
    }
    for warning in &facts.warnings {
        report.push("organization", Status::Warn, warning.clone());
    }
    if let Some(id) = &facts.client_id
        && !id.eq_ignore_ascii_case(&request.client_id)
    {
        report.push(
            "organization",
            Status::Warn,
            format!(
                "the token belongs to OAuth client {id}, not to the client id sent ({})",
                request.client_id
            ),
        );
    }
    let Some(expected) = &request.expected_organization else {
        if facts.warnings.is_empty() && facts.organization_id.is_some() {
            report.push(
                "organization",
                Status::Pass,
                facts.notes.first().cloned().unwrap_or_default(),
            );
        }
        return;
    };
    match match_expected(expected, &facts) {
        OrgMatch::Matches => report.push(
            "organization",
            Status::Pass,
            format!("organisation matches expected_organization {expected:?}"),
        ),
        OrgMatch::Unknown(why) => report.push(
            "organization",
            Status::Warn,
            format!("could not verify expected_organization {expected:?}: {why}"),
        ),
        OrgMatch::Mismatch { expected, actual } => {
            let summary = format!(
                "Client {} belongs to Genesys Cloud organisation {actual}, not {expected}",
                interpret::short(&request.client_id)
            );
            report.push("organization", Status::Fail, summary.clone());
            if report.valid {
                let detail = format!(
                    "{}\nExpected organisation: {expected}\nActual organisation: {actual}\nMeaning: the credentials \
                     work, but for another organisation: a pipeline holding staging credentials for production, or \
                     the reverse.\nWhat to do: give this pipeline the credentials of an OAuth client in {expected}, \
                     or correct expected_organization.",
                    report.detail
                );
                report.conclude(Reason::WrongOrganization, summary, detail);
                report.blame = Some(Blame::ExpectedOrganization);
            }
        }
    }
}

/// RFC 7662: asks the introspection endpoint which scopes the new token carries, authenticating as the token
/// request did. The error says in one line why it could not tell.
async fn introspect(
    request: &CheckRequest,
    client: &reqwest::Client,
    endpoint: &str,
    how: Presentation,
    token: &super::secret::Secret,
    deadline: Instant,
) -> Result<Vec<String>, String> {
    let (headers, _) = build_request(request, how);
    let mut body = {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("token", token.expose());
        form.append_pair("token_type_hint", "access_token");
        if how == Presentation::Post {
            form.append_pair("client_id", &request.client_id);
            form.append_pair("client_secret", request.client_secret.expose());
        }
        form.finish()
    };
    let remaining = deadline.saturating_duration_since(Instant::now());
    let sent = tokio::time::timeout(
        remaining,
        http::post_form(client, endpoint, headers, body.clone()),
    )
    .await;
    super::secret::wipe(&mut body);
    let answer = match sent {
        Err(_) => {
            return Err(format!(
                "introspection at {endpoint} did not answer in time"
            ));
        }
        Ok(Err(err)) => return Err(format!("introspection at {endpoint} failed: {err:?}")),
        Ok(Ok(answer)) => answer,
    };
    if answer.status != 200 {
        return Err(format!(
            "introspection at {endpoint} answered HTTP {}, so the granted scopes are unknown",
            answer.status
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&answer.body)
        .map_err(|_| format!("introspection at {endpoint} did not answer JSON"))?;
    match value.get("active").and_then(serde_json::Value::as_bool) {
        Some(true) => Ok(value
            .get("scope")
            .and_then(serde_json::Value::as_str)
            .map(scopes::split)
            .unwrap_or_default()),
        Some(false) => Err(format!(
            "introspection at {endpoint} says the token just issued is not active (often: the endpoint belongs to \
             another server or tenant)"
        )),
        None => Err(format!(
            "introspection at {endpoint} answered without the required `active` field"
        )),
    }
}

/// Exponential backoff with jitter: about 0.5s, 1s, 2s … capped.
fn backoff(tries: u32) -> Duration {
    let base = 250u64 << tries.min(5);
    let jitter = u64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos(),
    ) % (base / 2 + 1);
    Duration::from_millis(base + jitter).min(MAX_RETRY_WAIT)
}

fn transport_failure(err: &TransportError, url: &url::Url, request: &CheckRequest) -> Failure {
    let host = host_label(url);
    let port = url.port_or_known_default().unwrap_or(443);
    let bare_host = url.host_str().unwrap_or("the server").to_string();
    let target = format!("{bare_host}:{port}");
    let mut failure = Failure {
        reason: Reason::EndpointUnreachable,
        summary: String::new(),
        got: String::new(),
        meaning: "No answer came back, so nothing can be said about the credentials.".to_string(),
        causes: Vec::new(),
        fix: String::new(),
        blame: Some(Blame::TokenUrl),
        retry: Retry::No,
        error_code: None,
    };
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
        failure.summary =
            format!("Could not reach {host} through the proxy {proxy} (from {variable})");
        failure.got = match err {
            TransportError::Refused(_) => format!("connection to the proxy {proxy} refused"),
            TransportError::Dns(_) => "the proxy or the host name did not resolve".to_string(),
            TransportError::Timeout => format!(
                "no answer through the proxy within {}s",
                request.timeout.as_secs()
            ),
            TransportError::Proxy(detail) => {
                format!("proxy error ({})", interpret::excerpt(detail, 160))
            }
            _ => String::new(),
        };
        failure.causes = vec![
            format!(
                "{variable} points at a proxy that is down, mistyped, or not reachable from this runner"
            ),
            format!(
                "the proxy refuses {bare_host}, or {bare_host} should bypass it (add it to NO_PROXY)"
            ),
        ];
        failure.fix =
            format!("Check {variable} and NO_PROXY in the environment the check runs in.");
        return failure;
    }
    match err {
        TransportError::Timeout => {
            failure.summary = format!(
                "{host} did not answer within {}s",
                request.timeout.as_secs()
            );
            failure.got = "no answer before the timeout".to_string();
            failure.causes = vec![
                "a firewall drops traffic from this machine to the server".to_string(),
                "the server or a proxy in between hangs".to_string(),
                "timeout_seconds is too short for this network".to_string(),
            ];
            failure.fix = format!(
                "Check from this machine: curl -v {url}; raise timeout_seconds if the network is slow."
            );
        }
        TransportError::Dns(_) => {
            failure.summary = format!("The host name {bare_host} does not resolve");
            failure.got = format!("DNS lookup of {bare_host} failed");
            failure.causes = vec![
                "the host name is mistyped (for Genesys Cloud, the region's login host is login.<region domain>)".to_string(),
                "the host is only resolvable inside another network (VPN, private DNS)".to_string(),
            ];
            failure.fix = format!(
                "Check the host in the URL; from this machine, try: getent hosts {bare_host}"
            );
        }
        TransportError::Refused(_) => {
            failure.summary = format!("Connection to {target} refused: nothing listens there");
            failure.got = format!("connection refused by {target}");
            failure.causes = vec![
                "the port is wrong or the server is down".to_string(),
                "http vs https mix-up (port 80 vs 443)".to_string(),
            ];
            failure.fix = "Check the URL's scheme, host and port.".to_string();
        }
        TransportError::Reset(detail) => {
            failure.summary =
                format!("The connection to {target} broke before an answer came back");
            failure.got = format!("connection reset ({})", interpret::excerpt(detail, 120));
            failure.causes = vec![
                "a proxy or firewall cut the connection".to_string(),
                "the server crashed or restarted".to_string(),
            ];
            failure.fix = "Retry; if it persists, check proxies and firewalls between this machine and the server.".to_string();
        }
        TransportError::Proxy(detail) => {
            failure.summary = format!("The proxy failed to reach {target}");
            failure.got = format!("proxy error ({})", interpret::excerpt(detail, 160));
            failure.causes = vec![
                "HTTPS_PROXY points at a proxy that is down or refuses this destination"
                    .to_string(),
                "the host should be in NO_PROXY".to_string(),
            ];
            failure.fix =
                "Check HTTPS_PROXY and NO_PROXY in the environment Terraform runs in.".to_string();
        }
        TransportError::Tls(problem, detail) => {
            failure.reason = Reason::TlsError;
            failure.got = format!("TLS handshake failed ({})", interpret::excerpt(detail, 160));
            failure.meaning =
                "The connection was refused at the TLS layer before any credential was sent."
                    .to_string();
            match problem {
                TlsProblem::UnknownIssuer => {
                    failure.summary =
                        format!("The TLS certificate of {host} is not signed by a trusted CA");
                    failure.causes = vec![
                        "a TLS-inspecting proxy re-signs traffic with a corporate CA".to_string(),
                        "the server uses a private or self-signed CA".to_string(),
                    ];
                    failure.fix =
                        "Give that CA's certificate in ca_cert_pem (or SSL_CERT_FILE).".to_string();
                    failure.blame = Some(Blame::CaCertPem);
                }
                TlsProblem::NameMismatch => {
                    failure.summary = format!("The TLS certificate of {host} is for another name");
                    failure.causes = vec![
                        "the URL uses an IP address or an alias the certificate does not list"
                            .to_string(),
                        "a proxy or load balancer presents its own certificate".to_string(),
                    ];
                    failure.fix = "Use the host name the certificate was issued for.".to_string();
                }
                TlsProblem::Expired => {
                    failure.summary =
                        format!("The TLS certificate of {host} has expired or is not yet valid");
                    failure.causes = vec![
                        "the server's certificate was not renewed".to_string(),
                        "this machine's clock is wrong".to_string(),
                    ];
                    failure.fix =
                        "Renew the server certificate, or fix the clock here.".to_string();
                }
                TlsProblem::NotTls => {
                    failure.summary = format!("{host} does not speak TLS on this port");
                    failure.causes = vec![
                        "the port serves plain http: use http:// or the https port".to_string(),
                    ];
                    failure.fix = "Check the URL's scheme and port.".to_string();
                }
                TlsProblem::Other => {
                    failure.summary = format!("The TLS handshake with {host} failed");
                    failure.causes = vec![
                        "the server needs a client certificate or an old TLS version".to_string(),
                    ];
                    failure.fix = "Check the server's TLS settings (TLS 1.2 or newer is required)."
                        .to_string();
                }
            }
        }
        TransportError::Other(detail) => {
            failure.summary = format!(
                "The request to {host} failed: {}",
                interpret::excerpt(detail, 160)
            );
            failure.got = interpret::excerpt(detail, 200);
            failure.causes =
                vec!["network trouble between this machine and the server".to_string()];
            failure.fix = format!("Check that {url} answers from this machine.");
        }
    }
    failure
}

fn conclude_failure(report: &mut Report, failure: &Failure, sent: &str, also: Option<&str>) {
    let mut detail = format!("Sent: {sent}\nGot: {}\n", failure.got);
    if let Some(also) = also {
        detail.push_str(&format!("Also tried: {also}\n"));
    }
    detail.push_str(&format!("Meaning: {}\n", failure.meaning));
    if !failure.causes.is_empty() {
        detail.push_str("Likely causes, most likely first:\n");
        for (i, cause) in failure.causes.iter().enumerate() {
            detail.push_str(&format!("  {}. {cause}\n", i + 1));
        }
    }
    detail.push_str(&format!("What to do: {}", failure.fix));
    report.conclude(failure.reason, failure.summary.clone(), detail);
    report.blame = failure.blame;
}

fn success(
    request: &CheckRequest,
    report: &mut Report,
    issued: Issued,
    how: Presentation,
    sent: &str,
    host: &str,
    introspected: Option<Result<Vec<String>, String>>,
) {
    let Issued {
        access_token,
        token_type,
        expires_in,
        scope,
        warnings,
    } = issued;
    report.auth_method_used = Some(how.method_name().to_string());
    report.token_type = Some(token_type.clone());
    report.expires_in = expires_in;
    report.expires_at = expires_in
        .map(|seconds| super::clock::rfc3339(super::clock::now_unix().saturating_add(seconds)));
    let digest = Sha256::digest(access_token.expose().as_bytes());
    report.token_fingerprint = Some(format!(
        "sha256:{}",
        digest
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ));
    report.push(
        "token_request",
        Status::Pass,
        format!(
            "{host} issued a {token_type} token{}",
            expires_in
                .map(|s| format!(" valid for {s}s"))
                .unwrap_or_default()
        ),
    );
    for warning in &warnings {
        report.push("token_response", Status::Warn, warning.clone());
    }

    let (granted, source) = match scope {
        Some(scope) => (Some(scopes::split(&scope)), ScopesSource::Response),
        None => match (scopes::from_jwt(access_token.expose()), introspected) {
            (Some(found), _) => (Some(found), ScopesSource::Jwt),
            (None, Some(Ok(found))) => (
                Some(found),
                if matches!(request.endpoint, Endpoint::Genesys { .. }) {
                    ScopesSource::Genesys
                } else {
                    ScopesSource::Introspection
                },
            ),
            (None, Some(Err(problem))) => {
                report.push("introspection", Status::Warn, problem);
                (None, ScopesSource::Unknown)
            }
            (None, None) => (None, ScopesSource::Unknown),
        },
    };
    report.scopes_source = source;
    report.granted_scopes = granted.clone().unwrap_or_default();
    report.access_token = Some(access_token);

    let mut detail = format!("Sent: {sent}\nGot: a {token_type} token");
    if let Some(seconds) = expires_in {
        detail.push_str(&format!(" valid for {seconds}s"));
    }
    if let Some(fingerprint) = &report.token_fingerprint {
        detail.push_str(&format!(" (fingerprint {fingerprint})"));
    }
    detail.push('\n');

    if request.required_scopes.is_empty() {
        report.push("scopes", Status::Skip, "no required_scopes given");
    } else {
        match granted {
            Some(granted) => {
                let missing = scopes::missing(&request.required_scopes, &granted);
                if missing.is_empty() {
                    report.push(
                        "scopes",
                        Status::Pass,
                        format!("every required scope granted ({})", source.code()),
                    );
                } else {
                    report.missing_scopes = missing.clone();
                    let summary = format!(
                        "The token for client {} lacks required scope{} {}",
                        short(&request.client_id),
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(", ")
                    );
                    report.push("scopes", Status::Fail, summary.clone());
                    detail.push_str(&format!(
                        "Granted scopes ({}): {}\nRequired: {}\nMissing: {}\nMeaning: the credentials work, but the \
                         token will be refused for what needs the missing scopes.\nWhat to do: grant the missing \
                         scopes to the client on the server (or request them in `scopes` if the server grants only \
                         what is asked).",
                        source.code(),
                        if granted.is_empty() { "(none)".to_string() } else { granted.join(" ") },
                        request.required_scopes.join(" "),
                        missing.join(" ")
                    ));
                    report.conclude(Reason::MissingScopes, summary, detail);
                    report.blame = Some(Blame::RequiredScopes);
                    return;
                }
            }
            None => {
                report.push(
                    "scopes",
                    Status::Warn,
                    "could not verify required_scopes: the answer has no scope field and the token is not a JWT",
                );
            }
        }
    }

    let summary = format!(
        "Client {} obtained a token from {host}",
        short(&request.client_id)
    );
    detail.push_str(&format!("Auth method accepted: {}", how.describe()));
    report.conclude(Reason::Ok, summary, detail);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::request::SecretOrigin;
    use crate::check::secret::Secret;

    fn request(id: &str, secret: &str) -> CheckRequest {
        CheckRequest {
            endpoint: Endpoint::TokenUrl("https://idp.example/token".into()),
            client_id: id.into(),
            client_secret: Secret::new(secret),
            secret_origin: SecretOrigin::Env("S".into()),
            auth_method: AuthMethod::ClientSecretBasic,
            scopes: vec!["read".into(), "write".into()],
            required_scopes: vec![],
            audience: Some("https://api".into()),
            resource: None,
            expected_organization: None,
            ca_cert_pem: None,
            timeout: Duration::from_secs(5),
            max_retries: 0,
            allow_http: false,
            probe_other_regions: false,
            endpoint_note: None,
        }
    }

    #[test]
    fn basic_credentials_are_form_encoded_before_base64() {
        let (headers, form) = build_request(&request("my id", "p&ss:w+rd"), Presentation::Basic);
        let value = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(value.trim_start_matches("Basic "))
            .unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&decoded), "my+id:p%26ss%3Aw%2Brd");
        assert_eq!(
            form,
            "grant_type=client_credentials&scope=read+write&audience=https%3A%2F%2Fapi"
        );
    }

    #[test]
    fn post_sends_credentials_in_the_body_and_never_both() {
        let (headers, form) = build_request(&request("id", "s3cret"), Presentation::Post);
        assert!(headers.get(AUTHORIZATION).is_none());
        assert!(
            form.ends_with("&client_id=id&client_secret=s3cret"),
            "{form}"
        );
    }

    #[test]
    fn plain_http_to_a_remote_host_is_insecure_transport() {
        let mut report = Report::new(Reason::Ok, "", "");
        let url = usable_url(
            "http://idp.example/token",
            "token_url",
            Blame::TokenUrl,
            false,
            &mut report,
        );
        assert!(url.is_none());
        assert_eq!(report.reason, Reason::InsecureTransport);
        assert!(
            report.detail.contains("https://idp.example/token"),
            "{}",
            report.detail
        );
        let mut report = Report::new(Reason::Ok, "", "");
        assert!(
            usable_url(
                "http://127.0.0.1:8080/token",
                "token_url",
                Blame::TokenUrl,
                false,
                &mut report
            )
            .is_some()
        );
        assert!(
            usable_url(
                "http://[::1]:8080/token",
                "token_url",
                Blame::TokenUrl,
                false,
                &mut report
            )
            .is_some()
        );
        assert!(
            usable_url(
                "http://idp.example/token",
                "token_url",
                Blame::TokenUrl,
                true,
                &mut report
            )
            .is_some()
        );
    }

    #[test]
    fn urls_with_credentials_or_without_host_are_refused() {
        for bad in [
            "https://user:pw@idp.example/token",
            "not a url",
            "ftp://idp.example/x",
            "",
        ] {
            let mut report = Report::new(Reason::Ok, "", "");
            assert!(
                usable_url(bad, "token_url", Blame::TokenUrl, false, &mut report).is_none(),
                "{bad}"
            );
            assert_eq!(report.reason, Reason::InvalidInput, "{bad}");
            assert!(!report.summary.contains("pw@"), "{}", report.summary);
        }
    }

    #[test]
    fn auto_adds_a_raw_basic_attempt_only_when_encoding_changes_the_values() {
        let resolved = Resolved {
            token_url: url::Url::parse("https://x/token").expect("static"),
            methods_supported: None,
            introspection: None,
            genesys: false,
        };
        let mut plain = request("id", "abc");
        plain.auth_method = AuthMethod::Auto;
        assert_eq!(
            plan(&plain, &resolved),
            vec![Presentation::Basic, Presentation::Post]
        );
        let mut special = request("id", "a+b/c=");
        special.auth_method = AuthMethod::Auto;
        assert_eq!(
            plan(&special, &resolved),
            vec![
                Presentation::Basic,
                Presentation::Post,
                Presentation::BasicRaw
            ]
        );
    }

    #[test]
    fn genesys_gets_basic_as_its_sdks_send_it_first() {
        let resolved = Resolved {
            token_url: url::Url::parse("https://login.mypurecloud.ie/oauth/token").expect("static"),
            methods_supported: None,
            introspection: None,
            genesys: true,
        };
        let mut plain = request("3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90", "abcDEF123");
        plain.auth_method = AuthMethod::Auto;
        assert_eq!(plan(&plain, &resolved), vec![Presentation::BasicRaw]);
        let mut special = request("3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90", "ab+c/d=");
        special.auth_method = AuthMethod::Auto;
        assert_eq!(
            plan(&special, &resolved),
            vec![Presentation::BasicRaw, Presentation::Basic]
        );
    }

    #[tokio::test]
    async fn region_probe_finds_where_the_client_lives_and_says_so() {
        use crate::demo::idp::{Client, Flavor, Idp, IdpConfig};
        let config = |clients: Vec<Client>| IdpConfig {
            clients,
            flavor: Flavor::Genesys,
            max_lifetime: Duration::from_secs(60),
        };
        let id = "3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90";
        let elsewhere = Idp::start(config(vec![Client::new(id, "s3cret-value")]))
            .await
            .expect("idp");
        let nowhere = Idp::start(config(vec![])).await.expect("idp");
        let mut req = request(id, "s3cret-value");
        req.endpoint = Endpoint::Genesys {
            login_base: "https://login.mypurecloud.com".into(),
            api_base: "https://api.mypurecloud.com".into(),
            region: Some("us-east-1".into()),
        };
        let client = http::client(None, Duration::from_secs(5), true).expect("client");
        let targets = vec![
            ("eu-west-1".to_string(), elsewhere.token_url()),
            ("ap-southeast-2".to_string(), nowhere.token_url()),
        ];
        let deadline = Instant::now() + Duration::from_secs(5);
        let results = probe_regions(&req, &client, targets, Presentation::Basic, deadline).await;
        assert_eq!(
            results,
            vec![
                ("eu-west-1".to_string(), ProbeOutcome::Accepted),
                ("ap-southeast-2".to_string(), ProbeOutcome::Unknown),
            ]
        );
        let mut report = Report::new(Reason::InvalidSecret, "rejected", "Sent: ...");
        apply_probe(&req, "us-east-1", &results, &mut report);
        assert_eq!(report.reason, Reason::ClientNotFound);
        assert!(
            report
                .summary
                .contains("lives in Genesys Cloud region eu-west-1, not us-east-1"),
            "{}",
            report.summary
        );
        assert!(
            report.detail.contains("genesys_region = \"eu-west-1\""),
            "{}",
            report.detail
        );
    }

    #[tokio::test]
    async fn region_probe_is_skipped_when_the_login_url_is_overridden() {
        let mut req = request("3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90", "s3cret-value");
        req.endpoint = Endpoint::Genesys {
            login_base: "http://127.0.0.1:9".into(),
            api_base: "http://127.0.0.1:9".into(),
            region: None,
        };
        let client = http::client(None, Duration::from_secs(1), true).expect("client");
        let mut report = Report::new(Reason::InvalidSecret, "rejected", "");
        probe_step(
            &req,
            &client,
            Presentation::Basic,
            Instant::now() + Duration::from_secs(1),
            &mut report,
        )
        .await;
        assert!(
            report
                .checks
                .iter()
                .any(|c| c.name == "region_probe" && c.status == Status::Skip)
        );
        assert_eq!(report.reason, Reason::InvalidSecret);
    }
}
