//! The attempts in order: each way of presenting the client the plan names, the next one only after a refusal
//! the next way could change; then either a token for the next stage, or how the check ends (the most specific
//! refusal, with what the other ways got).

use tokio::time::Instant;

use crate::check::base::heard::Scrubber;
use crate::check::base::secret::Secret;
use crate::check::endpoint::{Resolved, host_label};
use crate::check::exchange::attempt::{Attempt, Attempting, attempt_with_retries};
use crate::check::exchange::conventions::Conventions;
use crate::check::exchange::federated::obtain;
use crate::check::exchange::interpret::{Context, Issued, Verdict};
use crate::check::exchange::present::{Presentation, plan};
use crate::check::inputs::credential::jwt;
use crate::check::inputs::request::CheckRequest;
use crate::check::report::words::{Assign, Words};
use crate::check::report::{
    Diagnosis, ErrorCode, Failure, Findings, Line, Outcome, Reason, Status, Step,
};
use crate::surface::{self, Group, Input};
use crate::words;

/// A token, and what the next stage needs to know of how it was got.
pub struct Token {
    /// The token and its fields.
    pub issued: Issued,
    /// The way the server accepted the client.
    pub how: Presentation,
    /// The federated token sent, for the next stage's own requests.
    pub federated: Option<Secret>,
    /// What was sent, in a sentence.
    pub sent: Words,
}

/// How the exchange ended.
pub enum Exchanged {
    /// A token was issued.
    Token(Token),
    /// The check ends here, as the outcome says; when a server refused the client, the way it was presented
    /// and the error it gave.
    Ended(Outcome, Option<(Presentation, Option<ErrorCode>)>),
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

/// Presents the client each way the plan names, and says how that ended.
pub async fn exchange(
    request: &CheckRequest,
    client: &reqwest::Client,
    resolved: &Resolved,
    conventions: &Conventions<'_>,
    deadline: Instant,
    found: &mut Findings,
    scrub: &mut Scrubber,
) -> Exchanged {
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
                return Exchanged::Ended(outcome, None);
            }
        },
        None => None,
    };
    let with = Attempting {
        request,
        client,
        token_url: &resolved.token_url,
        conventions,
        deadline,
        federated: federated.as_ref(),
    };
    let mut attempts = attempts(&with, resolved, scrub).await;
    let Some(last) = attempts.pop() else {
        found.push(
            Step::TokenRequest,
            Status::Skip,
            "no way to present the credentials",
        );
        let outcome = Outcome::new(
            Reason::InvalidInput,
            words!["No way to present these credentials"],
            Diagnosis::note(words!["Set ", Input::AuthMethod, "."]),
        );
        return Exchanged::Ended(outcome, None);
    };
    let url = resolved.token_url.as_str();
    let origin = request.secret_origin.describe();
    match last.outcome {
        Ok(Verdict::Token(issued)) => {
            scrub.add_token(issued.access_token.expose());
            refused_first(&attempts, last.how, found);
            Exchanged::Token(Token {
                issued,
                how: last.how,
                federated,
                sent: sent(request, url, last.how, &origin),
            })
        }
        Ok(Verdict::Failed(failure)) | Err(failure) => {
            let last = Refusal {
                how: last.how,
                tries: last.tries,
                facts: last.facts,
                failure,
            };
            let (outcome, how, code) = refused(request, url, &origin, attempts, last, found, scrub);
            Exchanged::Ended(outcome, Some((how, code)))
        }
    }
}

/// Every way the plan names, in order, until one is answered in a way the next could not change.
async fn attempts(with: &Attempting<'_>, resolved: &Resolved, scrub: &Scrubber) -> Vec<Attempt> {
    let request = with.request;
    let host = host_label(&resolved.token_url);
    let origin = request.secret_origin.describe();
    let listed = resolved.listed_methods();
    let mut attempts: Vec<Attempt> = Vec::new();
    for how in plan(request, resolved, with.conventions) {
        let ctx = Context {
            host: &host,
            client_id: &request.client_id,
            method: how.method(),
            secret_origin: &origin,
            secret_input: request.secret_origin.blame(),
            scopes: &request.scopes,
            scrub,
            assertion: None,
            key: request.key.as_ref(),
            codes: with.conventions.codes,
            wording: with.conventions.wording,
            listed_methods: &listed,
        };
        let attempt = attempt_with_retries(with, how, &ctx).await;
        let retry_other_way = match &attempt.outcome {
            Ok(Verdict::Failed(failure)) => another_way_may_help(failure),
            _ => false,
        };
        attempts.push(attempt);
        if !retry_other_way || Instant::now() >= with.deadline {
            break;
        }
    }
    attempts
}

/// True when presenting the client another way may be answered otherwise. A refusal of the endpoint itself (an
/// Entra tenant that does not exist) is the same for every way of presenting the client.
fn another_way_may_help(failure: &Failure) -> bool {
    (matches!(
        failure.reason,
        Reason::InvalidClient | Reason::InvalidSecret | Reason::ClientNotFound
    ) && failure
        .blame
        .is_none_or(|b| surface::input(b).group != Group::Endpoint))
        || (failure.reason == Reason::InvalidInput
            && failure.error_code == Some(ErrorCode::InvalidRequest))
}

/// The ways refused before the one accepted: a warning each, and which method to set.
fn refused_first(attempts: &[Attempt], accepted: Presentation, found: &mut Findings) {
    let mut refused = Words::default();
    for earlier in attempts {
        if let Ok(Verdict::Failed(failure)) = &earlier.outcome {
            found.push(
                Step::TokenRequest,
                Status::Warn,
                words![
                    format!("{} refused: ", earlier.how.describe()),
                    &failure.got
                ],
            );
            refused.push(words![
                format!("{} was refused first (", earlier.how.describe()),
                &failure.got,
                "). "
            ]);
        }
    }
    if refused.is_empty() {
        return;
    }
    let advice = match accepted {
        Presentation::BasicRaw => words![
            "The server decodes Basic credentials without form-decoding them (not RFC 6749 section 2.3.1). \
             Clients that follow the RFC, such as Go's oauth2, fail on this secret; authcheck only succeeded by \
             sending it raw."
        ],
        other => words![
            "Set ",
            Assign(Input::AuthMethod, other.method_name().to_string()),
            " so clients use what the server accepts."
        ],
    };
    found.push(Step::AuthMethod, Status::Warn, words![refused, advice]);
}

/// The last way tried, refused.
struct Refusal {
    how: Presentation,
    tries: u32,
    facts: Option<jwt::AssertionFacts>,
    failure: Failure,
}

/// How the check ends when no way was accepted: the first way's refusal unless a later one got a more specific
/// explanation, with what the other ways got, the assertion's facts and how often it was tried.
fn refused(
    request: &CheckRequest,
    url: &str,
    origin: &Words,
    attempts: Vec<Attempt>,
    last: Refusal,
    found: &mut Findings,
    scrub: &Scrubber,
) -> (Outcome, Presentation, Option<ErrorCode>) {
    let failure = last.failure;
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
    let mut outcome = chosen.outcome(sent(request, url, how, origin), also);
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
    (outcome, how, chosen.error_code)
}
