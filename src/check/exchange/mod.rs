//! The token exchange: each way of presenting the credentials in turn, each retried inside the time budget when
//! the failure is transient, and the answer turned into the check's outcome (with the follow-ups a token
//! allows: introspection, the Genesys organisation, the region probe).

pub mod interpret;
pub mod outcome;
pub mod present;
pub mod transport;

use std::time::Duration;

use tokio::time::Instant;

use crate::check::base::heard::Scrubber;
use crate::check::base::http::{self, TransportError};
use crate::check::base::secret::Secret;
use crate::check::endpoint::{Resolved, host_label};
use crate::check::exchange::interpret::{Context, Verdict};
use crate::check::exchange::present::{Prepared, Presentation, Unmade, assertion_for, plan};
use crate::check::exchange::transport::transport_failure;
use crate::check::inputs::credential::federated::obtain;
use crate::check::inputs::credential::jwt::{self, AssertionFacts};
use crate::check::inputs::request::{CheckRequest, Endpoint};
use crate::check::report::Step;
use crate::check::report::words::{Assign, Words};
use crate::check::report::{ErrorCode, Failure, Retry};
use crate::check::report::{Findings, Line, Outcome, Reason, Status};
use crate::check::vendors::genesys;
use crate::check::verify::{self, Probe};
use crate::log::{Level, emit};
use crate::surface::{self, Group, Input};
use crate::words;

/// Longest wait a server's `Retry-After` may impose on one retry.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// The result of one presentation, after its retries.
struct Attempt {
    how: Presentation,
    outcome: Result<Verdict, Failure>,
    tries: u32,
    /// The last assertion's non-secret facts, when one was sent.
    facts: Option<AssertionFacts>,
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

/// What was sent, in a sentence (never the secret, key, assertion or token).
fn sent(request: &CheckRequest, url: &str, how: Presentation, origin: &Words) -> Words {
    let from = match how {
        _ if how.sends_secret() || how == Presentation::SecretJwt => {
            words![" (secret from ", origin, ")"]
        }
        Presentation::KeyJwt | Presentation::Tls(_) => match &request.key {
            Some(key) => {
                let cert = key
                    .certificate
                    .as_ref()
                    .map(|c| format!(", certificate SHA-1 {}", c.sha1_hex))
                    .unwrap_or_default();
                words![
                    format!(" ({} key from ", key.key.kind()),
                    &key.origin,
                    cert,
                    ")"
                ]
            }
            None => Words::default(),
        },
        Presentation::Federated => match &request.federated {
            Some(source) => words![" (token from ", source.describe(), ")"],
            None => Words::default(),
        },
        _ => Words::default(),
    };
    words![
        format!(
            "POST {url} as client {:?} using {}",
            request.client_id,
            how.describe()
        ),
        from
    ]
}

/// Runs the exchange and says how the check ends. `keep_token` keeps the issued token in the findings, for the
/// one face that hands it out.
pub async fn exchange(
    request: &CheckRequest,
    client: &reqwest::Client,
    resolved: &Resolved,
    deadline: Instant,
    found: &mut Findings,
    scrub: &mut Scrubber,
    keep_token: bool,
) -> Outcome {
    let token_url = resolved.token_url.clone();
    let url = token_url.as_str();
    let host = host_label(&token_url);
    let origin = request.secret_origin.describe();
    // The API host's connections open while the token is requested: one per follow-up that runs side by side.
    let _warm = match &request.endpoint {
        Endpoint::Genesys { api_base, .. } => {
            let follow_ups = 2 + usize::from(!request.required_permissions.is_empty());
            Some(genesys::api::prewarm(
                client, api_base, follow_ups, deadline,
            ))
        }
        // Resource Manager's, for the subscription read.
        Endpoint::Entra { .. } => request.azure_subscription.as_ref().map(|(id, base)| {
            http::prewarm(
                client,
                &crate::check::vendors::entra::subscription::url(base, id),
                1,
                deadline,
            )
        }),
        _ => None,
    };
    let federated = match &request.federated {
        Some(source) => match obtain(source, client, deadline, scrub).await {
            Ok(token) => {
                scrub.add_token(token.expose());
                let facts = jwt::facts_of(token.expose()).unwrap_or_default();
                found.push(
                    Step::FederatedToken,
                    Status::Pass,
                    words![
                        "a federated token from ",
                        source.describe(),
                        format!(": {}", facts.describe(scrub))
                    ],
                );
                Some(token)
            }
            Err(outcome) => {
                found.push(Step::FederatedToken, Status::Fail, outcome.summary.clone());
                return outcome;
            }
        },
        None => None,
    };
    let mut attempts: Vec<Attempt> = Vec::new();
    for how in plan(request, resolved) {
        let ctx = Context {
            host: &host,
            client_id: &request.client_id,
            method: how.method_name(),
            secret_origin: &origin,
            secret_input: request.secret_origin.blame(),
            scopes: &request.scopes,
            genesys: resolved.genesys,
            scrub,
            assertion: None,
            key: request.key.as_ref(),
        };
        let attempt = attempt_with_retries(
            request,
            client,
            how,
            &ctx,
            &token_url,
            deadline,
            federated.as_ref(),
        )
        .await;
        let retry_other_way = match &attempt.outcome {
            Ok(Verdict::Failed(failure)) => {
                // A refusal of the endpoint itself (an Entra tenant that does not exist) is the same for every
                // way of presenting the client.
                (matches!(
                    failure.reason,
                    Reason::InvalidClient | Reason::InvalidSecret | Reason::ClientNotFound
                ) && failure
                    .blame
                    .is_none_or(|b| surface::input(b).group != Group::Endpoint))
                    || (failure.reason == Reason::InvalidInput
                        && failure.error_code == Some(ErrorCode::InvalidRequest))
            }
            _ => false,
        };
        attempts.push(attempt);
        if !retry_other_way || Instant::now() >= deadline {
            break;
        }
    }
    let Some(last) = attempts.pop() else {
        found.push(
            Step::TokenRequest,
            Status::Skip,
            "no way to present the credentials",
        );
        return Outcome::new(
            Reason::InvalidInput,
            words!["No way to present these credentials"],
            crate::check::report::Diagnosis::note(words!["Set ", Input::AuthMethod, "."]),
        );
    };
    match last.outcome {
        Ok(Verdict::Token(issued)) => {
            scrub.add_token(issued.access_token.expose());
            let mut refused = String::new();
            for earlier in &attempts {
                if let Ok(Verdict::Failed(failure)) = &earlier.outcome {
                    let got = failure.got.render(&crate::check::report::words::Plain);
                    found.push(
                        Step::TokenRequest,
                        Status::Warn,
                        format!("{} refused: {got}", earlier.how.describe()),
                    );
                    refused.push_str(&format!(
                        "{} was refused first ({got}). ",
                        earlier.how.describe()
                    ));
                }
            }
            if !refused.is_empty() {
                let advice = match last.how {
                    Presentation::BasicRaw => words![
                        "The server decodes Basic credentials without form-decoding them (not RFC 6749 section \
                         2.3.1). Clients that follow the RFC, such as Go's oauth2, fail on this secret; authcheck \
                         only succeeded by sending it raw."
                    ],
                    other => words![
                        "Set ",
                        Assign(Input::AuthMethod, other.method_name().to_string()),
                        " so clients use what the server accepts."
                    ],
                };
                found.push(Step::AuthMethod, Status::Warn, words![refused, advice]);
            }
            let wants_permissions = !request.required_permissions.is_empty();
            let (facts, subjects_me) = match &request.endpoint {
                Endpoint::Genesys { api_base, .. } => {
                    let (facts, subjects_me) = genesys::api::lookup_with_grants(
                        client,
                        api_base,
                        &issued.access_token,
                        wants_permissions,
                        deadline,
                        scrub,
                    )
                    .await;
                    (Some(facts), subjects_me)
                }
                _ => (None, None),
            };
            // Only what the permission check needs outlives the lookup: the token's bearer header.
            let permissions = match (&request.endpoint, &facts) {
                (Endpoint::Genesys { api_base, .. }, Some(facts)) if wants_permissions => {
                    match crate::check::base::http::bearer(&issued.access_token) {
                        Some(headers) => Some(
                            genesys::grants::check(
                                client,
                                api_base,
                                &headers,
                                facts,
                                subjects_me,
                                &request.client_id,
                                &request.required_permissions,
                                deadline,
                                scrub,
                            )
                            .await,
                        ),
                        None => Some(genesys::grants::PermissionFinding {
                            unverified: request.required_permissions.clone(),
                            ..Default::default()
                        }),
                    }
                }
                _ => None,
            };
            // Entra ID: the principal's role on the subscription, with the token just issued.
            let subscription = crate::check::vendors::entra::subscription::check(
                request,
                client,
                &issued.access_token,
                deadline,
                scrub,
            )
            .await;
            let probe = Probe {
                request,
                client,
                token_url: &token_url,
                how: last.how,
                introspection: resolved.introspection.clone(),
                deadline,
                genesys: resolved.genesys,
                federated: federated.clone(),
            };
            let scope = verify::verify(
                &probe,
                &issued.access_token,
                issued.scope.as_ref(),
                facts.as_ref().and_then(|f| f.authorized_scopes.clone()),
                scrub,
            )
            .await;
            let mut outcome = outcome::token_issued(
                request,
                found,
                issued,
                last.how.method_name(),
                last.how.describe(),
                sent(request, url, last.how, &origin),
                &host,
                scope,
                keep_token,
                scrub,
            );
            if let Some(facts) = facts {
                genesys::organization::apply(request, found, &mut outcome, facts);
            }
            if let Some(finding) = permissions {
                genesys::required::apply(request, found, &mut outcome, finding);
            }
            if let Some(answer) = subscription {
                crate::check::vendors::entra::subscription::apply(
                    request,
                    found,
                    &mut outcome,
                    answer,
                );
            }
            outcome
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
            let (how, chosen) = failures.remove(index);
            let facts = if how == last.how {
                last.facts.clone()
            } else {
                None
            };
            let mut also: Option<Words> = None;
            for (other, f) in &failures {
                let line = also.get_or_insert_with(Words::default);
                if !line.is_empty() {
                    line.push("; ");
                }
                line.push(format!("{}: ", other.describe()));
                line.push(&f.got);
            }
            found.push(Step::TokenRequest, Status::Fail, chosen.summary.clone());
            let mut outcome = chosen.outcome(sent(request, url, how, &origin), also);
            if let Some(facts) = facts {
                // What was asserted, next to what the server said about it.
                outcome
                    .diagnosis
                    .lines
                    .insert(1, Line::Fact("Assertion", words![facts.describe(scrub)]));
            }
            if last.tries > 1 {
                outcome.diagnosis.push(Line::Note(words![format!(
                    "(The request was tried {} times.)",
                    last.tries
                )]));
            }
            if request.probe_other_regions && chosen.error_code == Some(ErrorCode::InvalidClient) {
                genesys::probe::step(request, client, how, deadline, found, &mut outcome, scrub)
                    .await;
            }
            outcome
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn attempt_with_retries(
    request: &CheckRequest,
    client: &reqwest::Client,
    how: Presentation,
    ctx: &Context<'_>,
    parsed: &url::Url,
    deadline: Instant,
    federated: Option<&Secret>,
) -> Attempt {
    let url = parsed.as_str();
    // Built once when nothing in it changes, so every retry sends the same zeroed-on-drop bytes; an assertion is
    // signed again for every try, since its jti may be used only once.
    let fixed = (!how.asserts()).then(|| Prepared::token(request, how, None));
    let mut tries = 0;
    let mut facts = None;
    loop {
        tries += 1;
        let mut local = ctx.scrub.clone();
        let prepared = match &fixed {
            Some(prepared) => prepared.clone(),
            None => match assertion_for(request, how, url, federated) {
                Ok(assertion) => {
                    if let Some((token, _)) = &assertion {
                        local.add_token(token.expose());
                    }
                    facts = assertion.as_ref().map(|(_, f)| f.clone());
                    Prepared::token(request, how, assertion.as_ref().map(|(a, _)| a))
                }
                Err(why) => {
                    let text = why.describe();
                    let mut failure = Failure::new(Reason::InvalidInput, words![text.clone()]);
                    failure.summary =
                        words![format!("Could not build the client assertion: {text}")];
                    failure.meaning = words!["Nothing was sent."];
                    if why == Unmade::NoRandomness {
                        // Not the inputs: an assertion with a predictable jti must never be sent.
                        failure.fix = words![
                            "Retry. If it persists, the operating system's random number source (getrandom) is \
                             broken on this machine: fix or replace the runner."
                        ];
                    } else {
                        failure.fix = words![
                            "Check ",
                            Input::SigningAlgorithm,
                            " against the key (RS256 or PS256 for RSA, ES256 for P-256, ES384 for P-384)."
                        ];
                        failure.blame = Some(Input::SigningAlgorithm);
                    }
                    return Attempt {
                        how,
                        outcome: Err(failure),
                        tries,
                        facts: None,
                    };
                }
            },
        };
        let ctx = Context {
            scrub: &local,
            assertion: facts.as_ref(),
            ..ctx.clone()
        };
        emit(
            Level::Debug,
            "requesting a token",
            &[
                ("token_url", url),
                ("client_id", &request.client_id),
                ("auth_method", how.describe()),
            ],
        );
        let sent = tokio::time::timeout_at(
            deadline,
            http::post_form(client, url, prepared.headers.clone(), prepared.body.clone()),
        )
        .await
        .unwrap_or(Err(TransportError::Timeout));
        let (outcome, retry) = match sent {
            Err(err) => {
                let transient = err.is_transient();
                let failure = transport_failure(&err, parsed, request, ctx.scrub);
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
                let verdict = interpret::interpret(&answer, &ctx);
                let retry = match &verdict {
                    Verdict::Failed(failure) => failure.retry,
                    Verdict::Token(_) => Retry::No,
                };
                (Ok(verdict), retry)
            }
        };
        let done = |outcome| Attempt {
            how,
            outcome,
            tries,
            facts: facts.clone(),
        };
        let Retry::Yes(asked) = retry else {
            return done(outcome);
        };
        let wait = asked.unwrap_or_else(|| backoff(tries)).min(MAX_RETRY_WAIT);
        if tries > request.max_retries || Instant::now() + wait >= deadline {
            return done(outcome);
        }
        emit(
            Level::Debug,
            "retrying after a transient failure",
            &[("wait_ms", &wait.as_millis().to_string())],
        );
        tokio::time::sleep(wait).await;
    }
}
