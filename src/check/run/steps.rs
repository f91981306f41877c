//! The stages in order, each handing its output to the next: the inputs (mistakes that need no server, and
//! what was learnt resolving them), the endpoint (one token URL), the exchange (a token, or how the check
//! ends), the vendor's follow-ups with the token, the scopes, and the conclusion. Every return says how the check
//! ended, so no report leaves half-built. This is the one place that hands what the vendors know to the
//! stages.

use tokio::time::Instant;

use crate::check::base::heard::Scrubber;
use crate::check::base::http;
use crate::check::base::secret::Secret;
use crate::check::endpoint::{self, Resolved, host_label};
use crate::check::exchange::{Conventions, Exchanged, Token, exchange};
use crate::check::inputs::lint;
use crate::check::inputs::request::{CheckRequest, Endpoint};
use crate::check::report::{
    Diagnosis, ErrorCode, Findings, Outcome, PermissionsSource, Reason, Report, Status, Step,
};
use crate::check::vendors::registry::{self, Known};
use crate::check::vendors::vendor::{AfterRefusal, AfterToken, Identity, OwnCheck, Vendor};
use crate::check::verify::{Probe, token_issued, verify};
use crate::surface::Input;
use crate::words;

/// Whether the report keeps the issued token: only the face that hands it out asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The outcome and the token's fingerprint only.
    Outcome,
    /// The token too.
    Token,
}

/// Runs the stages and concludes the report.
pub async fn check(request: &CheckRequest, keep: Keep) -> Report {
    let mut found = Findings::default();
    if registry::of(&request.vendor).wants_permissions(request) {
        // Until the permission step runs, nothing is known (`none` would say nothing was required).
        found.permissions_source = PermissionsSource::Unknown;
    }
    let outcome = steps(request, keep, &mut found).await;
    found.conclude(outcome)
}

/// The steps in order.
async fn steps(request: &CheckRequest, keep: Keep, found: &mut Findings) -> Outcome {
    let vendor = registry::of(&request.vendor);
    let deadline = Instant::now() + request.timeout;
    let mut scrub = Scrubber::for_credentials(&request.client_id, &request.client_secret);
    let own = match vendor.identity() {
        Identity::Own(own) => Some(own),
        Identity::OAuthClient => None,
    };
    if let Some(own) = own {
        // No OAuth2 client to lint: the vendor says what it found; what resolving the inputs taught is said.
        own.inputs(request, found);
        for note in &request.notes {
            found.push(note.step, note.status, note.words.clone());
        }
    } else if let Err(outcome) = inputs(request, vendor, &scrub, found) {
        return outcome;
    }
    let client = match client(request, found) {
        Ok(client) => client,
        Err(outcome) => return outcome,
    };
    let codes = registry::codes();
    let known = Known { selected: vendor };
    if let Some(own) = own {
        let resolved =
            match endpoint::resolve(request, &client, deadline, found, &known, &scrub).await {
                Ok(resolved) => resolved,
                Err(outcome) => return outcome,
            };
        found.token_url = Some(scrub.quote_text(resolved.token_url.as_str(), 8192));
        // The connections to the vendor's API hosts open while its first request is on its way.
        let _warm = vendor.prewarm(request, &client, deadline);
        let with = OwnCheck {
            request,
            client: &client,
            url: &resolved.token_url,
            deadline,
            found,
            scrub: &mut scrub,
            hosts: &known,
        };
        return own.check(with).await;
    }
    let manner = vendor.manner();
    let conventions = Conventions {
        raw_basic: manner.raw_basic,
        rsa_alg: manner.rsa_alg,
        roles_not_scopes: manner.roles_not_scopes,
        wording: manner.wording,
        codes: &codes,
        hosts: &known,
    };
    let resolved = match token_url(request, &client, deadline, found, &known, &scrub).await {
        Ok(resolved) => resolved,
        Err(outcome) => return outcome,
    };
    // The connections the vendor's follow-ups will use open while the token is requested.
    let _warm = vendor.prewarm(request, &client, deadline);
    match exchange(
        request,
        &client,
        &resolved,
        &conventions,
        deadline,
        found,
        &mut scrub,
    )
    .await
    {
        Exchanged::Ended(mut outcome, refused) => {
            if let Some((how, code)) = refused
                && request.probe_other_regions
                && code == Some(ErrorCode::InvalidClient)
            {
                let with = AfterRefusal {
                    request,
                    client: &client,
                    how,
                    deadline,
                    found,
                    outcome: &mut outcome,
                    scrub: &scrub,
                };
                vendor.after_refusal(with).await;
            }
            outcome
        }
        Exchanged::Token(token) => {
            let with = Issued {
                request,
                vendor,
                client: &client,
                resolved: &resolved,
                conventions: &conventions,
                deadline,
                keep,
            };
            with.conclude(token, found, &mut scrub).await
        }
    }
}

/// The inputs step: mistakes that need no server (a fatal one ends the check), what the vendor says of the
/// client id, and what was learnt resolving the inputs.
fn inputs(
    request: &CheckRequest,
    vendor: &dyn Vendor,
    scrub: &Scrubber,
    found: &mut Findings,
) -> Result<(), Outcome> {
    let findings = lint::lint(request);
    if let Some(fatal) = findings.iter().find(|f| f.fatal) {
        for finding in &findings {
            let status = if finding.fatal {
                Status::Fail
            } else {
                Status::Warn
            };
            found.push(Step::Inputs, status, finding.summary.clone());
        }
        return Err(Outcome::new(
            lint::FATAL_REASON,
            fatal.summary.clone(),
            Diagnosis::note(fatal.detail.clone()),
        )
        .blaming(fatal.blame));
    }
    let id_note = vendor.client_id_note(&request.client_id, scrub);
    if findings.is_empty() && id_note.is_none() {
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
    if let Some(note) = id_note {
        found.push(Step::Inputs, Status::Warn, note);
    }
    for note in &request.notes {
        found.push(note.step, note.status, note.words.clone());
    }
    if request.expected_organization.is_some() && !vendor.manner().checks_organization {
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
    Ok(())
}

/// The HTTP client of the check: proxies bypassed for loopback, the trust store only when TLS is used, the
/// client certificate for mutual TLS.
fn client(request: &CheckRequest, found: &mut Findings) -> Result<reqwest::Client, Outcome> {
    let endpoint_text = match &request.endpoint {
        Endpoint::TokenUrl(url) | Endpoint::Issuer(url) => url.as_str(),
        Endpoint::Derived(derived) => derived.url.as_str(),
    };
    let parsed = url::Url::parse(endpoint_text.trim());
    let loopback = parsed.as_ref().is_ok_and(endpoint::is_loopback);
    // A plain-http token URL (loopback, or allow_http) never needs the system trust store.
    let plain_http = matches!(request.endpoint, Endpoint::TokenUrl(_))
        && parsed.as_ref().is_ok_and(|url| url.scheme() == "http");
    // Mutual TLS: the certificate and its key on every connection this check opens.
    let identity = match (&request.key, request.method().is_tls()) {
        (Some(key), true) => key
            .certificate
            .as_ref()
            .map(|cert| Secret::concat(&[&cert.pem(), key.key.pem().expose()])),
        _ => None,
    };
    http::client_with_roots(
        request.ca_cert_pem.as_deref(),
        request.timeout,
        loopback,
        !plain_http || identity.is_some(),
        identity.as_ref(),
    )
    .map_err(|message| {
        let summary = words![Input::CaCertPem, " ", message];
        found.push(Step::Inputs, Status::Fail, summary.clone());
        Outcome::new(
            Reason::InvalidInput,
            summary,
            Diagnosis::note(words![
                Input::CaCertPem,
                " must hold one or more PEM certificates (-----BEGIN CERTIFICATE----- ... -----END \
                 CERTIFICATE-----) of the CA that signed the server's certificate."
            ]),
        )
        .blaming(Input::CaCertPem)
    })
}

/// The endpoint step: one token URL, the mutual-TLS alias when the client presents a certificate.
async fn token_url(
    request: &CheckRequest,
    client: &reqwest::Client,
    deadline: Instant,
    found: &mut Findings,
    known: &Known,
    scrub: &Scrubber,
) -> Result<Resolved, Outcome> {
    let mut resolved = endpoint::resolve(request, client, deadline, found, known, scrub).await?;
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
    Ok(resolved)
}

/// What the stages after the exchange share.
struct Issued<'a> {
    request: &'a CheckRequest,
    vendor: &'a dyn Vendor,
    client: &'a reqwest::Client,
    resolved: &'a Resolved,
    conventions: &'a Conventions<'a>,
    deadline: Instant,
    keep: Keep,
}

impl Issued<'_> {
    /// A token was issued: the vendor's follow-ups with it, the scopes, and how the check ends.
    async fn conclude(&self, token: Token, found: &mut Findings, scrub: &mut Scrubber) -> Outcome {
        let follow = self
            .vendor
            .after_token(AfterToken {
                request: self.request,
                client: self.client,
                token: &token.issued.access_token,
                deadline: self.deadline,
                scrub,
            })
            .await;
        let probe = Probe {
            request: self.request,
            client: self.client,
            token_url: &self.resolved.token_url,
            how: token.how,
            introspection: self.resolved.introspection.clone(),
            deadline: self.deadline,
            conventions: self.conventions,
            federated: token.federated.clone(),
        };
        let scope = verify(
            &probe,
            &token.issued.access_token,
            token.issued.scope.as_ref(),
            follow.scopes,
            scrub,
        )
        .await;
        let host = host_label(&self.resolved.token_url);
        let mut outcome = token_issued(
            self.request,
            found,
            token,
            &host,
            scope,
            self.keep == Keep::Token,
            scrub,
        );
        if let Some(apply) = follow.apply {
            apply(self.request, found, &mut outcome);
        }
        outcome
    }
}
