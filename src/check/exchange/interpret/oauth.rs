//! RFC 6749 error answers explained: keyed on the `error` code, refined by the server's own words and by the
//! vendors' codes and phrases ([`readings`](super::readings)).

use crate::check::base::heard::{Answer, Body, Heard, Lowered};
use crate::check::exchange::interpret::client::classify_invalid_client;
use crate::check::exchange::interpret::context::Said;
use crate::check::exchange::interpret::context::{Context, short};
use crate::check::exchange::interpret::lines::got_line;
use crate::check::exchange::interpret::readings::Readings;
use crate::check::report::refusal::ErrorCode;
use crate::check::report::words::Words;
use crate::check::report::{Failure, Reason, Retry};
use crate::surface::Input;
use crate::words;

/// Protocol identifiers ("client_credentials", "client_secret_basic") contain the very words that tell causes
/// apart, so they are blanked before the words are read.
const IDENTIFIERS: [&str; 5] = [
    "client_credentials",
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "client_secret",
];

/// Words that say a client may not use the grant.
const NOT_ALLOWED: [&str; 5] = [
    "not allowed",
    "not authorized",
    "unauthorized",
    "not permitted",
    "not enabled",
];

/// Explains an answer with an RFC 6749 `error` field.
pub(super) fn oauth_error(
    answer: &Answer,
    body: &Body,
    error: &Heard,
    ctx: &Context<'_>,
) -> Failure {
    let scrub = ctx.scrub;
    let description = body
        .field("error_description")
        .or_else(|| body.field("description"));
    let lower = description
        .as_ref()
        .map(Heard::lowered)
        .unwrap_or_default()
        .without(&IDENTIFIERS);
    let quoted = description
        .as_ref()
        .map(|d| format!(" The server says: {:?}.", scrub.quote(d, 300)))
        .unwrap_or_default();
    let sent_code = ErrorCode::of(error);
    let mut failure = Failure::new(
        Reason::InvalidClient,
        got_line(answer, error, description.as_ref(), scrub),
    );
    failure.error_code = Some(sent_code);
    let said = Said {
        lower: &lower,
        quoted: &quoted,
    };
    let readings = Readings::of(&lower, ctx.codes);
    // Some vendors put a well-known condition under a generic code; their words decide.
    let rewritten = readings.code();
    let code = rewritten.unwrap_or(sent_code);
    let rate_limited = lower.has_any(&["rate limit", "too many requests", "throttl"]);
    match code {
        _ if rate_limited || answer.status == 429 => rate_limit(&mut failure, answer, &quoted, ctx),
        _ if readings.whole().is_some() => {
            if let Some(explain) = readings.whole() {
                explain(&mut failure, &said, ctx);
            }
        }
        ErrorCode::InvalidClient => classify_invalid_client(&mut failure, &said, &readings, ctx),
        ErrorCode::UnauthorizedClient => {
            if lower.has_any(&[
                "invalid client",
                "credentials",
                "secret",
                "authentication",
                "not found",
            ]) {
                classify_invalid_client(&mut failure, &said, &readings, ctx);
            } else {
                grant_not_allowed(&mut failure, &quoted, ctx);
            }
        }
        ErrorCode::UnsupportedGrantType if rewritten.is_none() => {
            grant_not_allowed(&mut failure, &quoted, ctx);
            failure.meaning = words![format!(
                "The server does not support the client-credentials grant at this endpoint.{quoted}"
            )];
        }
        ErrorCode::UnsupportedGrantType => grant_not_allowed(&mut failure, &quoted, ctx),
        ErrorCode::InvalidRequest
            if lower.has_any(&["grant type", "grant_type", "granttype"])
                && lower.has_any(&NOT_ALLOWED) =>
        {
            grant_not_allowed(&mut failure, &quoted, ctx)
        }
        // A client refusal worded as invalid_request: client words, or a vendor's code that names a refused
        // assertion (Entra's legacy AADSTS70021 for a federated token).
        ErrorCode::InvalidRequest
            if (lower.has("client") && lower.has_any(&["authenticat", "credential", "secret"]))
                || (ctx.assertion.is_some() && readings.cause().is_some()) =>
        {
            classify_invalid_client(&mut failure, &said, &readings, ctx)
        }
        ErrorCode::InvalidRequest => malformed(&mut failure, &quoted, ctx),
        ErrorCode::InvalidScope => invalid_scope(&mut failure, body, &lower, &quoted, ctx),
        ErrorCode::AccessDenied if answer.status == 401 || lower.is("unauthorized") => {
            // Auth0 says access_denied "Unauthorized" for a wrong secret.
            classify_invalid_client(&mut failure, &said, &readings, ctx)
        }
        ErrorCode::AccessDenied => access_denied(&mut failure, &quoted, ctx),
        ErrorCode::TemporarilyUnavailable | ErrorCode::ServerError => {
            server_error(&mut failure, answer, &code, &quoted, ctx)
        }
        ErrorCode::InvalidGrant => invalid_grant(&mut failure, &quoted, ctx),
        ErrorCode::Other => unknown_code(&mut failure, answer, error, &quoted, ctx),
    }
    // A vendor's hint goes first: it names the vendor's own fix.
    for hint in readings.hints() {
        failure.causes.insert(0, Words::text(hint));
    }
    failure
}

/// The token endpoint refuses more tokens for now.
fn rate_limit(failure: &mut Failure, answer: &Answer, quoted: &str, ctx: &Context<'_>) {
    let (id, host) = (ctx.client_id, ctx.host);
    failure.reason = Reason::RateLimited;
    failure.summary = words![format!(
        "{host} is rate-limiting token requests for client {}",
        short(id)
    )];
    failure.meaning = words![format!(
        "The token endpoint refused to issue more tokens for now.{quoted} This says nothing about whether \
         the credentials are right."
    )];
    failure.causes = vec![
        words!["other pipelines or tools share this client and mint tokens at the same time"],
        words![
            "a provider in the same run requests many tokens (Genesys' provider mints about \
             token_pool_size + 1 per run)"
        ],
    ];
    failure.fix =
        words!["Wait and retry; give each pipeline its own client, or lower token pools."];
    failure.retry = Retry::Yes(answer.retry_after);
}

/// The request was refused as malformed.
fn malformed(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    let host = ctx.host;
    failure.reason = Reason::InvalidInput;
    failure.summary = words![format!(
        "{host} refused the token request as malformed (invalid_request)"
    )];
    failure.meaning = words![format!(
        "The server could not accept the request as sent.{quoted}"
    )];
    failure.causes = vec![
        words![
            "a required parameter is missing for this server (Auth0 needs ",
            Input::Audience,
            "; Entra ID needs a scope ending in /.default)"
        ],
        words![
            "the server wants the other client authentication method (set ",
            Input::AuthMethod,
            ")"
        ],
    ];
    failure.fix = words![
        "Read the server's words above; add the parameter it names (",
        Input::Audience,
        ", ",
        Input::Resource,
        ", ",
        Input::Scopes,
        ")."
    ];
}

/// The server could not issue a token right now.
fn server_error(
    failure: &mut Failure,
    answer: &Answer,
    code: &ErrorCode,
    quoted: &str,
    ctx: &Context<'_>,
) {
    let host = ctx.host;
    failure.reason = Reason::ServerError;
    failure.summary = words![format!(
        "{host} could not issue a token right now ({})",
        code.name().unwrap_or_default()
    )];
    failure.meaning = words![format!(
        "The server failed; this says nothing about the credentials.{quoted}"
    )];
    failure.causes = vec![words!["an outage or maintenance at the identity provider"]];
    failure.fix = words!["Retry later; check the provider's status page."];
    failure.retry = Retry::Yes(answer.retry_after);
}

/// The grant was refused for this client.
fn invalid_grant(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    let (id, host) = (ctx.client_id, ctx.host);
    failure.reason = Reason::InvalidClient;
    failure.summary = words![format!(
        "{host} refused the grant for client {} (invalid_grant)",
        short(id)
    )];
    failure.meaning = words![format!(
        "The server rejected the client-credentials grant for this client.{quoted}"
    )];
    failure.causes = vec![
        words!["the client is disabled or its credentials expired"],
        words!["the secret is wrong"],
    ];
    failure.fix = words![
        "Check the client on the server and the secret in ",
        ctx.secret_origin,
        "."
    ];
}

/// An error code outside RFC 6749.
fn unknown_code(
    failure: &mut Failure,
    answer: &Answer,
    error: &Heard,
    quoted: &str,
    ctx: &Context<'_>,
) {
    let (host, scrub) = (ctx.host, ctx.scrub);
    failure.reason = match answer.status {
        401 => Reason::InvalidClient,
        403 => Reason::AccessDenied,
        429 => Reason::RateLimited,
        500..=599 => Reason::ServerError,
        _ => Reason::InvalidClient,
    };
    failure.summary = words![format!(
        "{host} refused the token request with error {:?} (HTTP {})",
        scrub.quote(error, 60),
        answer.status
    )];
    failure.meaning = words![format!(
        "The server used an error code outside RFC 6749.{quoted}"
    )];
    failure.causes = vec![words!["see the server's description above"]];
    failure.fix = words!["Look the error code up in the identity provider's documentation."];
    if failure.reason.is_inconclusive() {
        failure.retry = Retry::Yes(answer.retry_after);
    }
}

/// The most characters of requested scopes a sentence shows.
const SCOPES_SHOWN: usize = 500;
/// How many refused scopes a summary names, and how much of each.
const NAMED_SHOWN: usize = 5;
const NAMED_CHARS: usize = 100;

fn invalid_scope(
    failure: &mut Failure,
    body: &Body,
    lower: &Lowered,
    quoted: &str,
    ctx: &Context<'_>,
) {
    failure.reason = Reason::InvalidScope;
    failure.blame = Some(Input::Scopes);
    // The scopes are the check's own input, but a secret pasted into them must not be shown either: they pass
    // the scrubber like every server word does.
    let shown = |scope: &str| ctx.scrub.quote_text(scope, SCOPES_SHOWN).into_string();
    let requested = if ctx.scopes.is_empty() {
        "no scope (the server's default)".to_string()
    } else {
        format!("{:?}", shown(&ctx.scopes.join(" ")))
    };
    // Which scope was refused: the body may say (oidc-provider adds a `scope` field), or the words may name it;
    // with a single scope requested there is no doubt.
    let body_scope = body.field("scope").map(|s| s.words()).unwrap_or_default();
    let mut named: Vec<&String> = ctx
        .scopes
        .iter()
        .filter(|s| body_scope.iter().any(|b| b.is(s)))
        .collect();
    if named.is_empty() {
        named = ctx
            .scopes
            .iter()
            .filter(|s| lower.has_word(&s.to_ascii_lowercase()))
            .collect();
    }
    if named.is_empty() && ctx.scopes.len() == 1 {
        named = ctx.scopes.iter().collect();
    }
    // A scope requested twice is named once.
    let mut seen = std::collections::HashSet::new();
    named.retain(|scope| seen.insert(scope.as_str()));
    let id = short(ctx.client_id);
    let host = ctx.host;
    failure.summary = if named.is_empty() {
        words![format!(
            "{host} refused the requested scopes {requested} for client {id}"
        )]
    } else {
        // A bounded few, so that a long scope list cannot make the summary long.
        let mut list: Vec<String> = named
            .iter()
            .take(NAMED_SHOWN)
            .map(|s| format!("{:?}", ctx.scrub.quote_text(s, NAMED_CHARS)))
            .collect();
        if named.len() > NAMED_SHOWN {
            list.push(format!("and {} more", named.len() - NAMED_SHOWN));
        }
        words![format!(
            "{host} refused scope {} for client {id}",
            list.join(", ")
        )]
    };
    failure.meaning = words![format!(
        "The credentials are valid, but the client may not have the scopes requested ({requested}).{quoted}"
    )];
    failure.causes = vec![
        words!["the scope is not granted to this client on the server"],
        words!["the scope name is misspelt or belongs to another API or resource"],
        words!["Entra ID: client-credentials scopes must be <resource>/.default"],
    ];
    failure.fix = words![
        "Grant the scope to the client on the server, or remove it from ",
        Input::Scopes,
        "."
    ];
}

pub(super) fn grant_not_allowed(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    failure.reason = Reason::GrantNotAllowed;
    failure.blame = Some(Input::ClientId);
    failure.summary = words![format!(
        "Client {} is not allowed to use the client-credentials grant at {}",
        short(ctx.client_id),
        ctx.host
    )];
    failure.meaning = words![format!(
        "The server knows the client and accepted its secret, but the client is not registered for the \
         client_credentials grant.{quoted}"
    )];
    failure.causes = vec![
        words!["the client was created for another flow (authorization code, PKCE, SAML bearer)"],
        words!["Keycloak: service accounts are not enabled for the client"],
        words!["Okta: the app is not a service app, or client credentials is not ticked"],
    ];
    failure.fix = words![
        "Enable the client-credentials grant for this client on the server, or use a client created for \
         machine-to-machine access."
    ];
}

pub(super) fn access_denied(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    failure.reason = Reason::AccessDenied;
    failure.summary = words![format!(
        "{} denied client {} access",
        ctx.host,
        short(ctx.client_id)
    )];
    failure.meaning = words![format!(
        "The server refused to issue a token to this client from here.{quoted}"
    )];
    failure.causes = vec![
        words![
            "an IP allow-list (organisation or per client) does not include this runner's address"
        ],
        words!["a WAF or gateway in front of the server blocked the request"],
        words!["Auth0: the client has no client grant for the requested audience"],
    ];
    failure.fix = words![
        "Check the allow-lists against this machine's public address and the client's grants."
    ];
}
