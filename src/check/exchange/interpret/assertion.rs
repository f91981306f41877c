//! Refusals of a client assertion or client certificate, explained: a vendor's code or phrase (Entra's AADSTS
//! codes, read by [`readings`](super::readings)) or the server's words (Okta, Keycloak, oidc-provider's
//! `invalid_request` descriptions) pick the cause when they can; otherwise the likely causes for the method used
//! are listed in order, next to the assertion's own facts and a comparison of the clocks.

use crate::check::base::clock;
use crate::check::base::heard::{Answer, Heard, Lowered};
use crate::check::exchange::interpret::context::Said;
use crate::check::exchange::interpret::context::{Context, short};
use crate::check::exchange::interpret::readings::Readings;
use crate::check::inputs::credential::jwt::AssertionFacts;
use crate::check::inputs::request::AuthMethod;
use crate::check::report::refusal::{Cause, ErrorCode};
use crate::check::report::words::Words;
use crate::check::report::{Failure, Reason};
use crate::surface::Input;
use crate::words;

/// The cause a vendor's code or phrase names, else the one the server's words name.
fn cause_of(lower: &Lowered, readings: &Readings) -> Option<Cause> {
    readings.cause().or_else(|| cause_in_words(lower))
}

/// The cause the server's words name, by the phrases servers use.
fn cause_in_words(lower: &Lowered) -> Option<Cause> {
    let table: [(&[&str], Cause); 10] = [
        (
            &["certificate was not provided", "no client certificate"],
            Cause::NoCertificate,
        ),
        (
            &["certificate was not verified", "not trusted"],
            Cause::CertificateNotTrusted,
        ),
        (
            &["subject value does not match", "subject dn"],
            Cause::CertificateSubject,
        ),
        (&["only be used once", "reuse", "replay"], Cause::Replay),
        (&["audience", "token audience"], Cause::Audience),
        (
            &[
                "expired",
                "not active",
                "expiration",
                "issued in the future",
                "too far",
                "valid time range",
            ],
            Cause::Time,
        ),
        (
            &["alg mismatch", "signature algorithm", "algorithm"],
            Cause::Algorithm,
        ),
        (
            &[
                "authentication mechanism",
                "authentication method",
                "registered client authentication",
            ],
            Cause::Method,
        ),
        (
            &[
                "signature",
                "no applicable key",
                "key was not found",
                "kid",
                "public key",
                "unregistered client certificate",
                "not registered",
            ],
            Cause::Key,
        ),
        (
            &[
                "client_id mismatch",
                "does not match sub",
                "iss (jwt issuer) must be",
            ],
            Cause::Subject,
        ),
    ];
    table
        .iter()
        .find(|(needles, _)| lower.has_any(needles))
        .map(|(_, cause)| *cause)
}

/// Where the assertion's certificate is named, and its SHA-1 thumbprint as portals list certificates.
pub(crate) fn thumbprints(ctx: &Context<'_>) -> String {
    let portal = ctx
        .key
        .and_then(|k| k.certificate.as_ref())
        .map(|c| {
            format!(
                "; its SHA-1 thumbprint, as portals list certificates, is {}",
                c.sha1_hex
            )
        })
        .unwrap_or_default();
    let shown = |text: &Heard| ctx.scrub.quote(text, 120);
    match ctx.assertion {
        Some(facts) => match (&facts.x5t_s256, &facts.kid) {
            (Some(t), _) => format!(
                " (the assertion names certificate x5t#S256 {}{portal})",
                shown(t)
            ),
            (None, Some(kid)) => format!(" (the assertion names kid {})", shown(kid)),
            (None, None) => " (the assertion names no kid or certificate thumbprint)".to_string(),
        },
        None => String::new(),
    }
}

/// A claim of the assertion sent, scrubbed; empty when there is none.
fn claim(ctx: &Context<'_>, pick: impl Fn(&AssertionFacts) -> Option<&Heard>) -> String {
    ctx.assertion
        .and_then(pick)
        .map(|text| ctx.scrub.quote(text, 300).into_string())
        .unwrap_or_default()
}

fn words_for(cause: Cause, ctx: &Context<'_>) -> Words {
    let aud = claim(ctx, |f| f.aud.as_ref());
    let alg = claim(ctx, |f| Some(&f.alg));
    match cause {
        Cause::Key => words![format!(
            "the key that signed the assertion is not one registered for the client{}: compare it with the \
             client's registered keys or certificates",
            thumbprints(ctx)
        )],
        Cause::KeyMismatch => words![format!(
            "the app has the certificate the assertion names{}, but the key that signed the assertion is not that \
             certificate's key",
            thumbprints(ctx)
        )],
        Cause::Audience => words![
            format!(
                "the assertion's aud ({aud:?}) is not what the server expects: oidc-provider and Keycloak accept \
                 the token endpoint or the issuer, Okta and Entra ID only the token endpoint, Auth0 its tenant URL \
                 with a trailing slash; set "
            ),
            Input::AssertionAudience
        ],
        Cause::Time => words![
            "the assertion's lifetime does not fit the server's clock (expired, not yet valid, or longer than it \
             allows: Okta one hour, Auth0 five minutes, Keycloak one minute by default)"
        ],
        Cause::Replay => words![
            "the assertion was used before (a replayed jti): every request needs a fresh assertion"
        ],
        Cause::Algorithm => words![
            format!("the server does not allow {alg} for this client: check "),
            Input::SigningAlgorithm,
            " against its token_endpoint_auth_signing_alg_values_supported and the client's registered algorithm"
        ],
        Cause::Method => words![
            "the client is registered for another authentication method (its token_endpoint_auth_method): \
             register the key (jwks) for private_key_jwt, or use the method it has"
        ],
        Cause::Subject => words![
            "iss and sub must both be the client id, and a client_id sent beside the assertion must match them"
        ],
        Cause::NoCertificate => words![
            "no client certificate reached the server: a proxy that terminates TLS in front of it, or an endpoint \
             without mutual TLS (use the discovery document's mtls_endpoint_aliases)"
        ],
        Cause::CertificateNotTrusted => words![
            "the client certificate does not chain to a CA the server trusts for tls_client_auth (a self-signed \
             certificate needs self_signed_tls_client_auth)"
        ],
        Cause::CertificateSubject => words![
            "the certificate's subject is not the one registered for the client (tls_client_auth_subject_dn)"
        ],
        Cause::FederatedIssuer => words![format!(
            "no federated credential of the app has the token's issuer ({:?})",
            claim(ctx, |f| f.iss.as_ref())
        )],
        Cause::FederatedSubject => words![format!(
            "no federated credential of the app has the token's subject ({:?}); subjects are compared exactly, \
             case included",
            claim(ctx, |f| f.sub.as_ref())
        )],
        Cause::FederatedAudience => words![format!(
            "no federated credential of the app has the token's audience ({aud:?}); Entra ID expects \
             api://AzureADTokenExchange"
        )],
    }
}

/// The causes worth listing for a method, most likely first.
fn causes_for(ctx: &Context<'_>) -> Vec<Cause> {
    match ctx.method {
        AuthMethod::TlsClientAuth => vec![
            Cause::CertificateSubject,
            Cause::CertificateNotTrusted,
            Cause::NoCertificate,
            Cause::Method,
        ],
        AuthMethod::SelfSignedTlsClientAuth => {
            vec![Cause::Key, Cause::NoCertificate, Cause::Method]
        }
        AuthMethod::Federated => vec![
            Cause::FederatedSubject,
            Cause::FederatedIssuer,
            Cause::FederatedAudience,
            Cause::Time,
        ],
        _ => vec![
            Cause::Key,
            Cause::Audience,
            Cause::Time,
            Cause::Replay,
            Cause::Algorithm,
            Cause::Method,
        ],
    }
}

/// Explains a refused assertion or certificate.
pub(super) fn classify(
    failure: &mut Failure,
    said: &Said<'_>,
    readings: &Readings,
    ctx: &Context<'_>,
) {
    let id = short(ctx.client_id);
    let host = ctx.host;
    let what = match ctx.method {
        m if m.is_tls() => "client certificate",
        AuthMethod::Federated => "federated token",
        _ => "client assertion",
    };
    failure.blame = Some(match ctx.method {
        AuthMethod::Federated => Input::FederatedTokenFile,
        AuthMethod::ClientSecretJwt => ctx.secret_input,
        _ => ctx.key.map_or(Input::PrivateKeyFile, |k| k.input),
    });
    failure.error_code.get_or_insert(ErrorCode::InvalidClient);
    let mut causes = causes_for(ctx);
    let told = cause_of(said.lower, readings);
    match told {
        Some(cause) => {
            failure.reason = Reason::InvalidAssertion;
            failure.summary = words![
                format!("{host} refused the {what} of client {id}: "),
                words_for(cause, ctx)
            ];
            causes.retain(|c| *c != cause);
            causes.insert(0, cause);
            // A vendor's code names the one cause; the method's other usual suspects would only distract.
            if readings.coded {
                causes.truncate(1);
            }
        }
        None => {
            failure.reason = Reason::InvalidClient;
            failure.summary = words![format!(
                "{host} rejected the {what} of client {id} without saying why"
            )];
        }
    }
    failure.meaning = words![format!(
        "Client authentication with the {what} ({}) failed.{}",
        ctx.method.code(),
        said.quoted
    )];
    failure.causes = causes.into_iter().map(|c| words_for(c, ctx)).collect();
    if ctx.method == AuthMethod::ClientSecretJwt {
        failure.causes.insert(
            1,
            words![
                "the secret in ",
                ctx.secret_origin,
                " is not the client's current secret (the HMAC key)"
            ],
        );
    }
    failure.fix = fix(told, said, readings, ctx);
}

/// What to do about a refused assertion or certificate, most specific first.
fn fix(told: Option<Cause>, said: &Said<'_>, readings: &Readings, ctx: &Context<'_>) -> Words {
    if ctx.method.is_tls() {
        return words![
            "Compare the certificate (",
            Input::CertificateFile,
            ") with the one registered for the client, and use the mutual-TLS endpoint."
        ];
    }
    if told == Some(Cause::Time) {
        return time_fix(readings.server_time, ctx.method == AuthMethod::Federated);
    }
    if let Some(fix) = readings.fix(said, ctx) {
        return fix;
    }
    match told {
        _ if ctx.method == AuthMethod::Federated => federated_fix(ctx, None),
        Some(Cause::Subject) => words![
            "Set ",
            Input::ClientId,
            " to the app's Application (client) ID: the assertion's iss and sub are that id, and so must be the \
             client_id sent beside it."
        ],
        Some(Cause::Audience) => words![
            "Remove ",
            Input::AssertionAudience,
            " to send the token endpoint, which Entra ID and Okta expect; set it only for a server that wants \
             another audience."
        ],
        _ => words![
            "Compare the key and certificate (",
            Input::PrivateKeyFile,
            ", ",
            Input::CertificateFile,
            ") with what is registered for the client; check ",
            Input::AssertionAudience,
            " and this machine's clock."
        ],
    }
}

/// The assertion's times were refused. When the server states its own clock (Entra's AADSTS700024 does), a
/// machine whose clock is off is told by how much; otherwise the usual cause is a token kept past its lifetime.
fn time_fix(server: Option<i64>, federated: bool) -> Words {
    if federated {
        // The token's times are its issuer's (the CI's), not this machine's.
        return words![
            "The federated token has expired or is not valid yet: CI tokens live for minutes. Request a fresh \
             one in the job that runs the check instead of reusing one kept from an earlier step or job."
        ];
    }
    let here = clock::now_unix();
    match server {
        Some(server) if (here - server).abs() > 60 => {
            let skew = here - server;
            words![format!(
                "The server's clock read {} when this machine's read {}: this machine is {} {}. Set the time here \
                 (NTP, or the runner's image); the server judges assertions by its own clock.",
                clock::rfc3339(server),
                clock::rfc3339(here),
                duration(skew.unsigned_abs()),
                if skew > 0 { "ahead" } else { "behind" }
            )]
        }
        _ => words![
            "Check this machine's clock (NTP). A federated token lives for minutes: request a fresh one in each \
             job instead of reusing one kept from an earlier step."
        ],
    }
}

/// `2 h`, `2 h 5 min`, `3 min 10 s`, `42 s`; past an hour, to the nearest minute (a second either way is the
/// time the answer took).
fn duration(seconds: u64) -> String {
    match seconds {
        s if s >= 3600 => {
            let minutes = (s + 30) / 60;
            match minutes % 60 {
                0 => format!("{} h", minutes / 60),
                m => format!("{} h {m} min", minutes / 60),
            }
        }
        s if s >= 60 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{s} s"),
    }
}

/// The federated credential that would match the token presented, exactly, with what is known to go wrong
/// with its subject: a vendor's `note` (a difference in letter case only) and GitHub's subject forms.
pub(crate) fn federated_fix(ctx: &Context<'_>, note: Option<&str>) -> Words {
    let or = |value: String, missing: &str| {
        if value.is_empty() {
            missing.to_string()
        } else {
            value
        }
    };
    let iss = or(claim(ctx, |f| f.iss.as_ref()), "(the token has no iss)");
    let sub = or(claim(ctx, |f| f.sub.as_ref()), "(the token has no sub)");
    let aud = or(claim(ctx, |f| f.aud.as_ref()), "api://AzureADTokenExchange");
    let mut text = format!(
        "Add a federated credential to the app with exactly issuer {iss:?}, subject {sub:?} and audience {aud:?} \
         (Certificates & secrets > Federated credentials), or run the job an existing credential was made for."
    );
    if let Some(note) = note {
        text.push(' ');
        text.push_str(note);
    }
    if let Some(note) = github_subject_note(&iss, &sub) {
        text.push(' ');
        text.push_str(&note);
    }
    words![text]
}

/// What a GitHub Actions subject says about the job and its form, when the issuer is GitHub's.
fn github_subject_note(iss: &str, sub: &str) -> Option<String> {
    if iss.trim_end_matches('/') != "https://token.actions.githubusercontent.com" {
        return None;
    }
    let kind = if sub.contains(":environment:") {
        "This job names an environment, so GitHub presents an environment subject (…:environment:NAME); a \
         credential for a branch (…:ref:refs/heads/NAME) does not match it."
    } else if sub.contains(":ref:refs/heads/") {
        "This is a branch subject (…:ref:refs/heads/NAME); a job that names an environment presents \
         …:environment:NAME instead."
    } else if sub.contains(":pull_request") {
        "This is a pull-request subject (…:pull_request); it needs a credential of its own."
    } else if sub.contains(":ref:refs/tags/") {
        "This is a tag subject (…:ref:refs/tags/NAME)."
    } else {
        ""
    };
    let repository = sub
        .strip_prefix("repo:")
        .and_then(|r| r.split(':').next())
        .unwrap_or("");
    let form = if repository.contains('@') {
        " The subject uses GitHub's immutable form (repo:OWNER@ID/REPO@ID:…): credentials written with names \
         (repo:OWNER/REPO:…) no longer match it."
    } else if sub.starts_with("repo:") {
        " The subject uses names (repo:OWNER/REPO:…); a credential written in GitHub's immutable form \
         (repo:OWNER@ID/REPO@ID:…) does not match it."
    } else {
        ""
    };
    let note = format!("{kind}{form}");
    (!note.trim().is_empty()).then(|| note.trim().to_string())
}

/// Adds the clocks' comparison to an assertion's refusal: the server's `Date` against this machine's.
pub(super) fn compare_clocks(failure: &mut Failure, answer: &Answer, ctx: &Context<'_>) {
    if ctx.assertion.is_none()
        || !matches!(
            failure.reason,
            Reason::InvalidAssertion | Reason::InvalidClient
        )
    {
        return;
    }
    let Some(server) = answer.date.as_ref().and_then(Heard::http_date) else {
        return;
    };
    let skew = clock::now_unix() - server;
    let line = if skew.abs() > 5 {
        words![format!(
            "this machine's clock is {} s {} the server's (its Date header): assertions are judged by the server's \
             clock; fix the time here (NTP)",
            skew.abs(),
            if skew > 0 { "ahead of" } else { "behind" }
        )]
    } else {
        words![format!(
            "the clocks agree (within {} s of the server's Date header), so the assertion's times are not the cause \
             unless the server caps their lifetime",
            skew.abs().max(1)
        )]
    };
    if skew.abs() > 5 {
        failure.causes.insert(0, line);
    } else {
        failure.causes.push(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(duration(7199), "2 h");
        assert_eq!(duration(7500), "2 h 5 min");
        assert_eq!(duration(190), "3 min 10 s");
        assert_eq!(duration(42), "42 s");
    }

    #[test]
    fn aadsts_codes_are_read_whole() {
        let cause = |text: &str| {
            let lower = Heard::new(text).lowered();
            cause_of(
                &lower,
                &Readings::of(&lower, &[&crate::check::vendors::entra::codes::CODES]),
            )
        };
        assert_eq!(
            cause("aadsts7000215: invalid client secret provided."),
            None
        );
        assert_eq!(
            cause("aadsts700021: client assertion application identifier"),
            Some(Cause::Subject)
        );
        assert_eq!(
            cause("aadsts7002138: no matching federated identity record"),
            Some(Cause::FederatedSubject)
        );
    }
}
