//! One way of presenting the client, tried until it is answered for good: transient failures (a reset, a
//! refused connection, a 429 or 5xx) are retried with backoff, or after the server's `Retry-After`, inside the
//! time budget. A request without an assertion is built once and sent again as it is; an assertion is signed
//! afresh for every try, since its jti may be used only once.

use std::time::Duration;

use tokio::time::Instant;

use crate::check::base::http::{self, TransportError};
use crate::check::base::secret::Secret;
use crate::check::endpoint::transport::transport_failure;
use crate::check::exchange::conventions::Conventions;
use crate::check::exchange::interpret::{self, Context, Verdict};
use crate::check::exchange::present::{Prepared, Presentation, Unmade, assertion_for};
use crate::check::inputs::credential::jwt::AssertionFacts;
use crate::check::inputs::request::CheckRequest;
use crate::check::report::{Failure, Reason, Retry};
use crate::log::{Level, emit};
use crate::surface::Input;
use crate::words;

/// Longest wait a server's `Retry-After` may impose on one retry.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// The result of one presentation, after its retries.
pub struct Attempt {
    /// The way the client was presented.
    pub how: Presentation,
    /// What came of it: a verdict on an answer, or a failure without one.
    pub outcome: Result<Verdict, Failure>,
    /// How many requests it took.
    pub tries: u32,
    /// The last assertion's non-secret facts, when one was sent.
    pub facts: Option<AssertionFacts>,
}

/// Exponential backoff with jitter: about 0.5s, 1s, 2s … capped.
pub fn backoff(tries: u32) -> Duration {
    let base = 250u64 << tries.min(5);
    let jitter = u64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos(),
    ) % (base / 2 + 1);
    Duration::from_millis(base + jitter).min(MAX_RETRY_WAIT)
}

/// What one attempt needs besides the way of presenting the client.
pub struct Attempting<'a> {
    /// The check.
    pub request: &'a CheckRequest,
    /// The HTTP client of the check.
    pub client: &'a reqwest::Client,
    /// The token endpoint.
    pub token_url: &'a url::Url,
    /// How the vendors' servers are read.
    pub conventions: &'a Conventions<'a>,
    /// The end of the budget.
    pub deadline: Instant,
    /// The federated token, for the federated method.
    pub federated: Option<&'a Secret>,
}

/// Presents the client one way, retrying transient failures inside the budget.
pub async fn attempt_with_retries(
    with: &Attempting<'_>,
    how: Presentation,
    ctx: &Context<'_>,
) -> Attempt {
    let Attempting {
        request,
        token_url,
        conventions,
        deadline,
        federated,
        ..
    } = *with;
    let url = token_url.as_str();
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
            None => match assertion_for(request, how, url, federated, conventions) {
                Ok(assertion) => {
                    if let Some((token, _)) = &assertion {
                        local.add_token(token.expose());
                    }
                    facts = assertion.as_ref().map(|(_, f)| f.clone());
                    Prepared::token(request, how, assertion.as_ref().map(|(a, _)| a))
                }
                Err(why) => {
                    return Attempt {
                        how,
                        outcome: Err(unmade(why)),
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
        let (outcome, retry) = send(with, how, &prepared, &ctx).await;
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

/// Why no assertion could be made, as a failure: nothing was sent.
fn unmade(why: Unmade) -> Failure {
    let text = why.describe();
    let mut failure = Failure::new(Reason::InvalidInput, words![text.clone()]);
    failure.summary = words![format!("Could not build the client assertion: {text}")];
    failure.meaning = words!["Nothing was sent."];
    if why == Unmade::NoRandomness {
        // Not the inputs: an assertion with a predictable jti must never be sent.
        failure.fix = words![
            "Retry. If it persists, the operating system's random number source (getrandom) is broken on this \
             machine: fix or replace the runner."
        ];
    } else {
        failure.fix = words![
            "Check ",
            Input::SigningAlgorithm,
            " against the key (RS256 or PS256 for RSA, ES256 for P-256, ES384 for P-384)."
        ];
        failure.blame = Some(Input::SigningAlgorithm);
    }
    failure
}

/// Sends one token request and reads the answer; says whether trying again could help.
async fn send(
    with: &Attempting<'_>,
    how: Presentation,
    prepared: &Prepared,
    ctx: &Context<'_>,
) -> (Result<Verdict, Failure>, Retry) {
    let url = with.token_url.as_str();
    emit(
        Level::Debug,
        "requesting a token",
        &[
            ("token_url", url),
            ("client_id", &with.request.client_id),
            ("auth_method", how.describe()),
        ],
    );
    let sent = tokio::time::timeout_at(
        with.deadline,
        http::post_form(
            with.client,
            url,
            prepared.headers.clone(),
            prepared.body.clone(),
        ),
    )
    .await
    .unwrap_or(Err(TransportError::Timeout));
    match sent {
        Err(err) => {
            let retry = if err.is_transient() {
                Retry::Yes(None)
            } else {
                Retry::No
            };
            let failure = transport_failure(
                &err,
                with.token_url,
                with.request.timeout,
                with.conventions.hosts,
                ctx.scrub,
            );
            (Err(failure), retry)
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
    }
}
