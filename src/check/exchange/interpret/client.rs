//! A refused client, explained: the client is unknown, its secret is wrong, or the server does not say which; a
//! refused assertion or certificate goes to [`assertion`]. Vendors' codes and the selected
//! vendor's wording refine the words.

use crate::check::exchange::interpret::assertion;
use crate::check::exchange::interpret::context::Said;
use crate::check::exchange::interpret::context::{Context, short};
use crate::check::exchange::interpret::readings::Readings;
use crate::check::inputs::request::AuthMethod;
use crate::check::report::refusal::ErrorCode;
use crate::check::report::words::{Assign, Words};
use crate::check::report::{Failure, Reason};
use crate::surface::{Group, Input};
use crate::words;

/// Words that name an unknown client, whatever the credential was.
const UNKNOWN_CLIENT: [&str; 3] = ["client not found", "unknown client", "no such client"];

/// Words that say the server has no such client.
const NOT_FOUND: [&str; 6] = [
    "not found",
    "unknown client",
    "does not exist",
    "no such client",
    "client_id not found",
    "invalid client_id",
];

/// Words that say the secret (or a signature made with it) is wrong.
const BAD_SECRET: [&str; 4] = ["secret", "bad credentials", "password", "signature"];

/// Explains a refused client, as precisely as the server's words and the vendors' codes allow.
pub(super) fn classify_invalid_client(
    failure: &mut Failure,
    said: &Said<'_>,
    readings: &Readings,
    ctx: &Context<'_>,
) {
    let lower = said.lower;
    // A server that does not know the client says so whatever the credential was (Entra's AADSTS700016 comes
    // for a certificate or a federated token as much as for a secret).
    let unknown_client = lower.has_any(&UNKNOWN_CLIENT) || readings.unknown_client();
    if (ctx.assertion.is_some() || ctx.method.is_tls()) && !unknown_client {
        assertion::classify(failure, said, readings, ctx);
        return;
    }
    failure.error_code.get_or_insert(ErrorCode::InvalidClient);
    // A vendor that found no credential at all: nothing says the secret is wrong.
    if let Some(explain) = readings.refused() {
        explain(failure, said, ctx);
        return;
    }
    let not_found = lower.has_any(&NOT_FOUND) || readings.unknown_client();
    let bad_secret = lower.has_any(&BAD_SECRET)
        || readings.bad_secret()
        || ctx
            .wording
            .is_some_and(|wording| lower.has_any(wording.secret_refused));
    if not_found && !bad_secret {
        unknown(failure, said.quoted, ctx);
    } else if bad_secret {
        wrong_secret(failure, said.quoted, ctx);
    } else {
        either(failure, said.quoted, ctx);
    }
}

/// The server has no client with this id.
fn unknown(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    let (id, host) = (ctx.client_id, ctx.host);
    failure.reason = Reason::ClientNotFound;
    failure.blame = Some(Input::ClientId);
    failure.summary = words![format!("{host} does not know client {}", short(id))];
    failure.meaning = words![format!("The server has no client with id {id:?}.{quoted}")];
    failure.causes = match ctx.wording {
        Some(wording) => (wording.unknown_client_causes)(),
        None => vec![
            words!["the client id is mistyped, or belongs to another tenant, realm or environment"],
            words!["the client was deleted"],
            words!["the token endpoint is for another tenant or authorisation server"],
        ],
    };
    failure.fix = words![
        "Compare ",
        Input::ClientId,
        " with the client's page on the server, and the token endpoint with the tenant or region the client \
         was created in."
    ];
}

/// The server knows the client; the secret is not its current one.
fn wrong_secret(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    let (id, host) = (ctx.client_id, ctx.host);
    let origin: &Words = ctx.secret_origin;
    failure.reason = Reason::InvalidSecret;
    failure.blame = Some(ctx.secret_input);
    let who = ctx.wording.map_or(host, |wording| wording.name);
    failure.summary = words![format!(
        "{who} rejected the client secret for client {}",
        short(id)
    )];
    failure.meaning = words![format!(
        "The server knows the client but the secret sent is not its current secret.{quoted}"
    )];
    failure.causes = match ctx.wording {
        Some(wording) => (wording.bad_secret_causes)(origin),
        None => vec![
            words![
                "the secret was rotated and ",
                origin,
                " still holds the old one"
            ],
            words!["the secret expired (Entra ID secrets have an end date)"],
            words![
                "the stored value is the secret's id rather than its value, or has a trailing newline"
            ],
        ],
    };
    failure.fix = words![
        "Copy the client's current secret into ",
        origin,
        " (or regenerate it and update every pipeline that uses it)."
    ];
    if let Some(note) = ctx.wording.and_then(|wording| wording.bad_secret_note) {
        failure.fix.push(note);
    }
}

/// Client authentication failed, and the server does not say whether the id or the secret is wrong.
fn either(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    let (id, host) = (ctx.client_id, ctx.host);
    let origin: &Words = ctx.secret_origin;
    failure.reason = Reason::InvalidClient;
    failure.blame = Some(ctx.secret_input);
    failure.summary = words![format!(
        "{host} rejected client {}: unknown client or wrong secret",
        short(id)
    )];
    failure.meaning = words![format!(
        "Client authentication failed. The server does not say whether the client id or the secret is \
         wrong.{quoted}"
    )];
    failure.causes = vec![
        words![
            "the secret in ",
            origin,
            " is not the client's current secret (rotated, expired, trailing newline)"
        ],
        words!["the client id is wrong, or the client lives in another tenant, realm or region"],
        other_method(ctx),
    ];
    failure.fix = words![
        "Check ",
        Input::ClientId,
        " and the secret in ",
        origin,
        " against the client's page on the server; if both are right, set ",
        Input::AuthMethod,
        " to the method the client is registered for"
    ];
    // A secret cannot stand in for a key: auto presents private_key_jwt as soon as a key is given.
    if ctx.listed_methods.contains(&AuthMethod::PrivateKeyJwt)
        && ctx.method != AuthMethod::PrivateKeyJwt
    {
        failure.fix.push(words![
            ", with the client's key in ",
            Group::KeySource,
            " for private_key_jwt"
        ]);
    }
    failure.fix.push(".");
}

/// The cause that the client is registered for another method: the methods the server's metadata lists that do
/// not send the secret as this request did, with what each needs, when metadata was read; otherwise the other
/// way of sending the secret.
fn other_method(ctx: &Context<'_>) -> Words {
    let listed = |method: AuthMethod| ctx.listed_methods.contains(&method) && method != ctx.method;
    let mut ways: Vec<Words> = Vec::new();
    if listed(AuthMethod::PrivateKeyJwt) {
        ways.push(words![
            "private_key_jwt (give the client's key in ",
            Group::KeySource,
            ")"
        ]);
    }
    if listed(AuthMethod::ClientSecretJwt) {
        ways.push(words![
            "client_secret_jwt (",
            Assign(Input::AuthMethod, "client_secret_jwt".to_string()),
            ", with the same secret)"
        ]);
    }
    let tls: Vec<AuthMethod> = [
        AuthMethod::TlsClientAuth,
        AuthMethod::SelfSignedTlsClientAuth,
    ]
    .into_iter()
    .filter(|m| listed(*m))
    .collect();
    if !tls.is_empty() {
        let mut way = words!["mutual TLS ("];
        for (index, method) in tls.iter().enumerate() {
            if index > 0 {
                way.push(" or ");
            }
            way.push(Assign(Input::AuthMethod, method.code().to_string()));
        }
        way.push(words![", with ", Input::CertificateFile, " and its key)"]);
        ways.push(way);
    }
    let used = ctx.method.code();
    if ways.is_empty() {
        return words![format!(
            "the server expects the other authentication method (this request used {used})"
        )];
    }
    let mut cause =
        words!["the client may be registered for a method the server's metadata lists: "];
    let last = ways.len() - 1;
    for (index, way) in ways.into_iter().enumerate() {
        if index > 0 {
            cause.push(if index == last { " or " } else { ", " });
        }
        cause.push(way);
    }
    cause.push(format!("; this request used {used}"));
    cause
}
