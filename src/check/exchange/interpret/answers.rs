//! Answers without an RFC 6749 `error`: a bare 401, a firewall's 403, rate limiting, a server failing, or
//! something that is not a token endpoint at all.

use crate::check::base::heard::{Answer, Body, Lowered};
use crate::check::exchange::interpret::client::classify_invalid_client;
use crate::check::exchange::interpret::context::Context;
use crate::check::exchange::interpret::context::Said;
use crate::check::exchange::interpret::lines::request_id;
use crate::check::exchange::interpret::oauth::access_denied;
use crate::check::exchange::interpret::readings::Readings;
use crate::check::report::{Failure, Reason, Retry};
use crate::surface::Input;
use crate::words;

/// Explains an answer that carries no OAuth2 error.
pub(super) fn non_oauth_failure(answer: &Answer, body: &Body, ctx: &Context<'_>) -> Failure {
    let status = answer.status;
    let scrub = ctx.scrub;
    let got = format!(
        "HTTP {status}, {}{}",
        body.describe(scrub),
        request_id(answer, scrub)
    );
    let message = body
        .field("message")
        .map(|m| format!(" The server says: {:?}.", scrub.quote(&m, 200)))
        .unwrap_or_default();
    let mut failure = Failure::new(Reason::NotATokenEndpoint, got);
    failure.blame = Some(Input::TokenUrl);
    match status {
        401 => unauthorized(&mut failure, answer, &message, ctx),
        403 => forbidden(&mut failure, body, &message, ctx),
        429 => rate_limited(&mut failure, answer, &message, ctx.host),
        500..=599 => server_failed(&mut failure, answer, &message, ctx.host),
        _ => not_a_token_endpoint(&mut failure, status, body, &message, ctx),
    }
    failure
}

/// A 401 without an OAuth2 error body: the credentials refused, or not the token endpoint.
fn unauthorized(failure: &mut Failure, answer: &Answer, message: &str, ctx: &Context<'_>) {
    let scrub = ctx.scrub;
    let nothing = Lowered::empty();
    let said = Said {
        lower: &nothing,
        quoted: message,
    };
    classify_invalid_client(failure, &said, &Readings::of(&nothing, ctx.codes), ctx);
    failure.error_code = None;
    failure.blame = Some(ctx.secret_input);
    let challenge = answer
        .www_authenticate
        .as_ref()
        .map(|w| format!(" (WWW-Authenticate: {})", scrub.quote(w, 120)))
        .unwrap_or_default();
    failure.meaning = words![format!(
        "The server refused the client's credentials without an OAuth2 error body{challenge}.{message}"
    )];
    failure.fix = words![
        "Check ",
        Input::ClientId,
        " and the secret in ",
        ctx.secret_origin,
        "; check that ",
        Input::TokenUrl,
        " is the token endpoint."
    ];
}

/// A 403 without an OAuth2 error body: access denied, perhaps by a firewall's own page.
fn forbidden(failure: &mut Failure, body: &Body, message: &str, ctx: &Context<'_>) {
    access_denied(failure, message, ctx);
    let scrub = ctx.scrub;
    failure.blame = None;
    if let Body::Html(title) = body {
        failure.causes.insert(
            0,
            words![format!(
                "a firewall, WAF or proxy answered with its own page{}",
                title
                    .as_ref()
                    .map(|t| format!(" ({:?})", scrub.quote(t, 100)))
                    .unwrap_or_default()
            )],
        );
    }
}

/// A 429: rate-limited, nothing said about the credentials.
fn rate_limited(failure: &mut Failure, answer: &Answer, message: &str, host: &str) {
    failure.reason = Reason::RateLimited;
    failure.blame = None;
    failure.summary = words![format!("{host} is rate-limiting requests (HTTP 429)")];
    failure.meaning = words![format!(
        "Too many requests; this says nothing about the credentials.{message}"
    )];
    failure.causes = vec![words![
        "other jobs share this client or this address and request tokens at the same time"
    ]];
    failure.fix =
        words!["Wait and retry; spread token requests or use separate clients per pipeline."];
    failure.retry = Retry::Yes(answer.retry_after);
}

/// A 5xx: the server or a gateway failed, nothing said about the credentials.
fn server_failed(failure: &mut Failure, answer: &Answer, message: &str, host: &str) {
    let status = answer.status;
    failure.reason = Reason::ServerError;
    failure.blame = None;
    failure.summary = words![format!("{host} failed with HTTP {status}")];
    failure.meaning = words![format!(
        "The server (or a gateway in front of it) failed; this says nothing about the credentials.{message}"
    )];
    failure.causes = vec![
        words!["an outage at the identity provider"],
        words!["a gateway or proxy in front of it cannot reach it"],
    ];
    failure.fix = words![
        "Retry later; check the provider's status page. If it persists only from CI, check the proxy."
    ];
    // 501 means the method is not implemented: retrying will not change it.
    failure.retry = if status == 501 {
        Retry::No
    } else {
        Retry::Yes(answer.retry_after)
    };
}

/// Any other status without an OAuth2 error: the URL is something else.
fn not_a_token_endpoint(
    failure: &mut Failure,
    status: u16,
    body: &Body,
    message: &str,
    ctx: &Context<'_>,
) {
    let (host, scrub) = (ctx.host, ctx.scrub);
    failure.summary = match body {
        Body::Html(Some(title)) => words![format!(
            "{host} answered HTTP {status} with an HTML page ({:?}), not a token endpoint's answer",
            scrub.quote(title, 100)
        )],
        _ => words![format!(
            "{host} answered HTTP {status} with {}: this is not a token endpoint",
            body.describe(scrub)
        )],
    };
    failure.meaning = words![format!(
        "A token endpoint answers a client-credentials POST with a token or an OAuth2 error (JSON with an \
         `error` field). HTTP {status} without one means the URL is something else.{message}"
    )];
    failure.causes = vec![
        words![
            Input::TokenUrl,
            " has a wrong path (e.g. /token vs /oauth2/v2.0/token vs /oauth/token)"
        ],
        words![
            Input::TokenUrl,
            " points at an API host instead of the login/authorisation host"
        ],
        words!["a proxy answered instead of the server"],
    ];
    failure.fix = words![
        "Use the token_endpoint from the server's /.well-known/openid-configuration, or the URL its \
         documentation gives for the client-credentials grant."
    ];
}
