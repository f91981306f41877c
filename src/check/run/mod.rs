//! Running one check end to end inside its time budget, cancellable, and shared between identical checks in
//! one process.

use crate::check::report::PermissionsSource;
use crate::check::report::Step;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::check::base::heard::Scrubber;
use crate::check::base::http;
use crate::check::endpoint;
use crate::check::exchange::exchange;
use crate::check::exchange::interpret::short;
use crate::check::inputs::credential::federated::Federated;
use crate::check::inputs::lint;
use crate::check::inputs::request::{CheckRequest, Endpoint};
use crate::check::report::words::Plain;
use crate::check::report::{Diagnosis, Findings, Line, Outcome, Reason, Report, Status};
use crate::check::vendors::genesys;
use crate::log::{Level, emit};
use crate::surface::Input;
use crate::words;

/// Cancels a running check when it turns true (Terraform's StopProvider, Ctrl-C in the CLI).
pub type Cancel = tokio::sync::watch::Receiver<bool>;

/// Whether the report keeps the issued token: only the face that hands it out asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The outcome and the token's fingerprint only.
    Outcome,
    /// The token too.
    Token,
}

/// Identical checks in one process (one Terraform run) share one token request: Terraform reads data sources in
/// parallel, and fifty reads must not become fifty requests that trip a token-endpoint rate limit.
type Shared = std::sync::Arc<tokio::sync::OnceCell<Report>>;

static SHARED: std::sync::Mutex<Option<std::collections::HashMap<[u8; 32], Shared>>> =
    std::sync::Mutex::new(None);

/// Most distinct checks remembered; a provider process lives for one run, so this is only a safety bound.
const MAX_SHARED: usize = 4096;

/// A digest of everything that makes two checks the same check; the secret enters only hashed, the private key
/// not at all (its public half stands for it). Every field of the request is named below, so a field added to
/// the request that is left out here does not compile.
fn identity(request: &CheckRequest, keep: Keep) -> [u8; 32] {
    let CheckRequest {
        endpoint,
        client_id,
        client_secret,
        secret_origin,
        auth_method,
        scopes,
        required_scopes,
        required_permissions,
        permission_caveats,
        azure_subscription,
        audience,
        resource,
        expected_organization,
        ca_cert_pem,
        timeout,
        max_retries,
        allow_http,
        probe_other_regions,
        strict,
        key,
        federated,
        signing_algorithm,
        private_key_id,
        assertion_audience,
        endpoint_note,
        credential_notes,
    } = request;
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    // Fields without a secret, as Debug writes them (lengths keep neighbours apart).
    for shown in [
        format!("{endpoint:?}"),
        format!("{client_id:?}"),
        format!("{secret_origin:?}"),
        format!("{auth_method:?}"),
        format!("{scopes:?}"),
        format!("{required_scopes:?}"),
        format!("{required_permissions:?}"),
        format!("{permission_caveats:?}"),
        format!("{azure_subscription:?}"),
        format!("{audience:?}"),
        format!("{resource:?}"),
        format!("{expected_organization:?}"),
        format!("{ca_cert_pem:?}"),
        format!("{timeout:?}"),
        format!("{max_retries:?}"),
        format!("{allow_http:?} {probe_other_regions:?} {strict:?}"),
        format!("{signing_algorithm:?}"),
        format!("{private_key_id:?}"),
        format!("{assertion_audience:?}"),
        format!("{endpoint_note:?}"),
        format!("{credential_notes:?}"),
        format!("{keep:?}"),
    ] {
        field(shown.as_bytes());
    }
    field(client_secret.expose().as_bytes());
    // The credential other than a secret: the public key (the private one enters nowhere), the certificate, where
    // they came from, and where a federated token comes from.
    match key {
        Some(key) => {
            field(&key.key.public_key());
            field(
                key.certificate
                    .as_ref()
                    .map_or(&[][..], |c| c.der.as_slice()),
            );
            field(format!("{:?} {:?}", key.origin, key.input).as_bytes());
        }
        None => field(b"\x01"),
    }
    match federated {
        Some(Federated::File(path)) => field(format!("file {path}").as_bytes()),
        Some(Federated::Value(value, name)) => {
            field(name.as_bytes());
            field(value.expose().as_bytes());
        }
        Some(Federated::GithubActions {
            url,
            request_token,
            audience,
        }) => {
            field(format!("gha {url} {audience}").as_bytes());
            field(request_token.expose().as_bytes());
        }
        None => field(b"\x01"),
    }
    hash.finalize().into()
}

/// Runs a check, or waits for an identical one already running in this process and shares its report. The
/// report holds no token.
pub async fn run(request: CheckRequest, cancel: Cancel) -> Report {
    run_shared(request, cancel, Keep::Outcome).await
}

/// Like [`run`], keeping the issued token in the report (the ephemeral resource hands it out).
pub async fn run_for_token(request: CheckRequest, cancel: Cancel) -> Report {
    run_shared(request, cancel, Keep::Token).await
}

async fn run_shared(request: CheckRequest, cancel: Cancel, keep: Keep) -> Report {
    let key = identity(&request, keep);
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
    cell.get_or_init(|| run_once(request, cancel, keep))
        .await
        .clone()
}

/// Runs a check without sharing: for re-checks that must ask the server again (ephemeral renewals).
pub async fn run_fresh(request: CheckRequest, cancel: Cancel) -> Report {
    run_once(request, cancel, Keep::Outcome).await
}

/// Runs a check. Never panics on outside input and never outlives `request.timeout` by more than a moment.
async fn run_once(request: CheckRequest, mut cancel: Cancel, keep: Keep) -> Report {
    let budget = request.timeout;
    let work = check(&request, keep);
    let report = tokio::select! {
        report = tokio::time::timeout(budget + Duration::from_millis(250), work) => match report {
            Ok(report) => report,
            Err(_) => timed_out(&request),
        },
        () = cancelled(&mut cancel) => {
            let mut found = Findings::default();
            found.push(Step::TokenRequest, Status::Skip, "cancelled");
            found.conclude(Outcome::new(
                Reason::EndpointUnreachable,
                words!["The check was cancelled before it finished"],
                Diagnosis::note(words![
                    "The run was interrupted (asked to stop, or the process was interrupted) while the check was \
                     in progress, so nothing can be said about the credentials."
                ]),
            ))
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
            (
                "token_url",
                report.findings.token_url.as_deref().unwrap_or(""),
            ),
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
    let mut found = Findings::default();
    found.push(Step::TokenRequest, Status::Fail, "timed out");
    found.conclude(Outcome::new(
        Reason::EndpointUnreachable,
        words![
            format!("The check did not finish within {}s (", request.timeout.as_secs()),
            Input::TimeoutSeconds,
            ")"
        ],
        Diagnosis {
            lines: vec![
                Line::Note(words![
                    "The server accepted the connection but did not answer in time. This says nothing about the \
                     credentials."
                ]),
                Line::Causes(vec![
                    words!["the server or a proxy in between hangs"],
                    words!["a firewall drops the traffic"],
                    words!["the timeout is too short for this network"],
                ]),
                Line::Fix(words![
                    "check that the URL answers from this machine (curl -v); raise ",
                    Input::TimeoutSeconds,
                    " if the network is slow."
                ]),
            ],
        },
    ))
}

async fn check(request: &CheckRequest, keep: Keep) -> Report {
    let mut found = Findings::default();
    if !request.required_permissions.is_empty() {
        // Until the permission step runs, nothing is known (`none` would say nothing was required).
        found.permissions_source = PermissionsSource::Unknown;
    }
    let outcome = steps(request, keep, &mut found).await;
    found.conclude(outcome)
}

/// The steps in order; every return says how the check ended, so no report leaves half-built.
async fn steps(request: &CheckRequest, keep: Keep, found: &mut Findings) -> Outcome {
    let deadline = Instant::now() + request.timeout;
    let mut scrub = Scrubber::for_credentials(&request.client_id, &request.client_secret);

    let findings = lint::lint(request);
    if let Some(fatal) = findings.iter().find(|f| f.fatal) {
        for finding in &findings {
            found.push(
                Step::Inputs,
                if finding.fatal {
                    Status::Fail
                } else {
                    Status::Warn
                },
                finding.summary.clone(),
            );
        }
        return Outcome::new(
            lint::FATAL_REASON,
            fatal.summary.clone(),
            Diagnosis::note(fatal.detail.clone()),
        )
        .blaming(fatal.blame);
    }
    let genesys = matches!(request.endpoint, Endpoint::Genesys { .. });
    let id_not_uuid = genesys && !genesys::is_uuid(&request.client_id);
    if findings.is_empty() && !id_not_uuid {
        let credential = if request.federated.is_some() {
            "federated token source"
        } else if request.key.is_some() {
            "key"
        } else {
            "secret"
        };
        found.push(
            Step::Inputs,
            Status::Pass,
            format!("client id and {credential} are well-formed"),
        );
    }
    if id_not_uuid {
        found.push(
            Step::Inputs,
            Status::Warn,
            format!(
                "client id {:?} is not a UUID, and Genesys Cloud OAuth client ids are; check that it is the client \
                 id, not its name or the secret",
                scrub.quote_text(&short(&request.client_id), 60)
            ),
        );
    }
    if let Some(note) = &request.endpoint_note {
        found.push(Step::Endpoint, Status::Warn, note.clone());
    }
    if let Some(note) = &request.credential_notes.note {
        found.push(Step::Inputs, Status::Pass, note.clone());
    }
    if let Some(warning) = &request.credential_notes.warning {
        found.push(Step::Inputs, Status::Warn, warning.clone());
    }
    if request.expected_organization.is_some() && !genesys {
        found.push(
            Step::Organization,
            Status::Warn,
            words![
                Input::ExpectedOrganization,
                " is only checked against Genesys Cloud organisations; it was ignored"
            ],
        );
    }
    for finding in &findings {
        found.push(Step::Inputs, Status::Warn, finding.summary.clone());
    }

    let endpoint_text = match &request.endpoint {
        Endpoint::TokenUrl(url) | Endpoint::Issuer(url) => url.as_str(),
        Endpoint::Genesys { login_base, .. } | Endpoint::Entra { login_base, .. } => {
            login_base.as_str()
        }
    };
    let parsed = url::Url::parse(endpoint_text.trim());
    let loopback = parsed.as_ref().is_ok_and(endpoint::is_loopback);
    // A plain-http token URL (loopback, or allow_http) never needs the system trust store.
    let plain_http = matches!(request.endpoint, Endpoint::TokenUrl(_))
        && parsed.as_ref().is_ok_and(|url| url.scheme() == "http");
    // Mutual TLS: the certificate and its key on every connection this check opens.
    let identity = match (&request.key, request.method().is_tls()) {
        (Some(key), true) => key.certificate.as_ref().map(|cert| {
            crate::check::base::secret::Secret::concat(&[&cert.pem(), key.key.pem().expose()])
        }),
        _ => None,
    };
    let client = match http::client_with_roots(
        request.ca_cert_pem.as_deref(),
        request.timeout,
        loopback,
        !plain_http || identity.is_some(),
        identity.as_ref(),
    ) {
        Ok(client) => client,
        Err(message) => {
            let summary = words![Input::CaCertPem, " ", message];
            found.push(Step::Inputs, Status::Fail, summary.clone());
            return Outcome::new(
                Reason::InvalidInput,
                summary,
                Diagnosis::note(words![
                    Input::CaCertPem,
                    " must hold one or more PEM certificates (-----BEGIN CERTIFICATE----- ... -----END \
                     CERTIFICATE-----) of the CA that signed the server's certificate."
                ]),
            )
            .blaming(Input::CaCertPem);
        }
    };

    let mut resolved = match endpoint::resolve(request, &client, deadline, found, &scrub).await {
        Ok(resolved) => resolved,
        Err(outcome) => return outcome,
    };
    if request.method().is_tls()
        && let Some(alias) = resolved.mtls_token_url.take()
    {
        // RFC 8705 section 5: clients that authenticate with a certificate use the alias.
        found.push(
            Step::Endpoint,
            Status::Pass,
            format!("mutual TLS: the discovery document's mtls_endpoint_aliases names {alias}"),
        );
        resolved.token_url = alias;
    }
    // A discovered URL is the server's words: it reaches the report like any other.
    found.token_url = Some(scrub.quote_text(resolved.token_url.as_str(), 8192));
    exchange(
        request,
        &client,
        &resolved,
        deadline,
        found,
        &mut scrub,
        keep == Keep::Token,
    )
    .await
}

/// The report's summary in the engine's neutral words, for logs.
pub fn log_summary(report: &Report) -> String {
    report.summary.render(&Plain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::base::secret::Secret;
    use crate::check::inputs::request::SecretOrigin;
    use crate::check::vendors::entra::azurerm::Adopted;

    fn request() -> CheckRequest {
        CheckRequest::new(
            Endpoint::TokenUrl("https://idp.example/token".into()),
            "ci",
            Secret::new("s3cret"),
            SecretOrigin::Env("S".into()),
        )
    }

    #[test]
    fn checks_that_differ_in_any_field_of_the_request_are_different_checks() {
        let base = identity(&request(), Keep::Outcome);
        assert_eq!(base, identity(&request(), Keep::Outcome));
        let mut caveats = request();
        caveats.permission_caveats = vec!["the table misses an endpoint".into()];
        let mut note = request();
        note.endpoint_note = Some(words!["a region given as a URL"]);
        let mut notes = request();
        notes.credential_notes = Adopted {
            warning: Some(words!["a leftover ARM_CLIENT_SECRET wins"]),
            ..Adopted::default()
        };
        for (what, other) in [
            ("permission_caveats", caveats),
            ("endpoint_note", note),
            ("credential_notes", notes),
        ] {
            assert_ne!(identity(&other, Keep::Outcome), base, "{what}");
        }
        assert_ne!(identity(&request(), Keep::Token), base, "keep");
    }
}
