//! What Microsoft Entra ID's AADSTS codes mean, as the table the interpretation reads in any answer (an Entra
//! answer can come from a plain token URL as much as from a tenant's), with the fixes only Entra's words allow.
//! Codes and wording: facts/machine-credentials.md section 3a (the AADSTS error reference and answers seen from
//! Entra's v2.0 token endpoint).

use crate::check::base::heard::Lowered;
use crate::check::exchange::interpret::assertion::federated_fix;
use crate::check::exchange::interpret::context::{Code, Codes, Meaning, Phrase, Said};
use crate::check::exchange::interpret::{Context, short};
use crate::check::inputs::request::AuthMethod;
use crate::check::report::refusal::{Cause, ErrorCode};
use crate::check::report::words::Words;
use crate::check::report::{Failure, Reason};
use crate::surface::Input;
use crate::words;

/// Entra's codes, its one phrase without a code, and its clock.
pub static CODES: Codes = Codes {
    read: aadsts,
    codes: &[
        Code {
            code: 1002012,
            meaning: Meaning::Code(ErrorCode::InvalidScope),
            hint: Some(
                "Entra ID AADSTS1002012: client-credentials scopes must be <resource>/.default, e.g. \
                 https://graph.microsoft.com/.default.",
            ),
        },
        Code {
            code: 90002,
            meaning: Meaning::Whole(no_tenant),
            hint: None,
        },
        Code {
            code: 900023,
            meaning: Meaning::Whole(no_tenant),
            hint: None,
        },
        Code {
            code: 700016,
            meaning: Meaning::UnknownClient,
            hint: Some(
                "Entra ID AADSTS700016: the application is not in this tenant; check the tenant id in the token \
                 URL.",
            ),
        },
        Code {
            code: 7000215,
            meaning: Meaning::BadSecret,
            hint: Some(
                "Entra ID AADSTS7000215: the value sent is often the secret's ID, not its value; copy the Value \
                 column of the secret.",
            ),
        },
        Code {
            code: 7000222,
            meaning: Meaning::BadSecret,
            hint: Some(
                "Entra ID AADSTS7000222: the client secret has expired; create a new one under Certificates & \
                 secrets.",
            ),
        },
        Code {
            code: 7000218,
            meaning: Meaning::Refused(no_credential),
            hint: None,
        },
        Code {
            code: 700027,
            meaning: Meaning::Assertion(Cause::Key, Some(certificate_fix)),
            hint: None,
        },
        Code {
            code: 50013,
            meaning: Meaning::Assertion(Cause::Key, Some(certificate_fix)),
            hint: None,
        },
        Code {
            code: 700023,
            meaning: Meaning::Assertion(Cause::Audience, None),
            hint: None,
        },
        Code {
            code: 700024,
            meaning: Meaning::Assertion(Cause::Time, None),
            hint: None,
        },
        Code {
            code: 700021,
            meaning: Meaning::Assertion(Cause::Subject, None),
            hint: None,
        },
        Code {
            code: 700211,
            meaning: Meaning::Assertion(Cause::FederatedIssuer, None),
            hint: None,
        },
        Code {
            code: 700212,
            meaning: Meaning::Assertion(Cause::FederatedAudience, None),
            hint: None,
        },
        Code {
            code: 700213,
            meaning: Meaning::Assertion(Cause::FederatedSubject, None),
            hint: None,
        },
        Code {
            code: 7002138,
            meaning: Meaning::Assertion(Cause::FederatedSubject, Some(case_only_subject)),
            hint: None,
        },
        // The pre-2023 wording of a federated refusal, sent as invalid_request.
        Code {
            code: 70021,
            meaning: Meaning::Assertion(Cause::FederatedSubject, None),
            hint: None,
        },
    ],
    // Entra found the certificate but its key did not verify the signature (AADSTS50013's reason).
    phrases: &[Phrase {
        words: "key was found, but",
        meaning: Meaning::Assertion(Cause::KeyMismatch, None),
        hint: None,
    }],
    server_time: current_time,
};

/// `AADSTS7000215: …` gives 7000215; read whole, so 700021 is never mistaken for 7000215, or 700213 for 7002138.
fn aadsts(lower: &Lowered) -> Option<u32> {
    lower.number_after("aadsts")
}

/// Entra states its own clock in AADSTS700024 ("Current time: …").
fn current_time(lower: &Lowered) -> Option<i64> {
    lower.time_after("current time: ")
}

/// AADSTS90002 (the tenant in the token URL does not exist in this cloud) and AADSTS900023 (it is not a tenant
/// identifier at all): nothing about the client or its secret was looked at.
fn no_tenant(failure: &mut Failure, said: &Said<'_>, ctx: &Context<'_>) {
    let (id, host, quoted) = (ctx.client_id, ctx.host, said.quoted);
    failure.reason = Reason::ClientNotFound;
    failure.blame = Some(Input::EntraTenantId);
    failure.summary = words![format!("{host} does not know the tenant in the token URL")];
    failure.meaning = words![format!(
        "Microsoft Entra ID found no such tenant in this cloud, so it never looked at client {} or its \
         secret.{quoted}",
        short(id)
    )];
    failure.causes = vec![
        words![
            "a typo in ",
            Input::EntraTenantId,
            " (or ARM_TENANT_ID), or another tenant's ID"
        ],
        words![
            "the tenant lives in another cloud: set ",
            Input::EntraCloud,
            " (usgovernment, china) as azurerm's environment"
        ],
        words!["the tenant was deleted"],
    ];
    failure.fix = words![
        "Copy the tenant ID from the Overview page of Microsoft Entra ID (or the app registration's Directory \
         (tenant) ID) into ",
        Input::EntraTenantId,
        "."
    ];
}

/// AADSTS7000218: Entra found no credential at all. Nothing says the secret is wrong; it did not arrive where
/// Entra looked.
fn no_credential(failure: &mut Failure, said: &Said<'_>, ctx: &Context<'_>) {
    let (id, host, quoted) = (ctx.client_id, ctx.host, said.quoted);
    failure.reason = Reason::InvalidClient;
    failure.blame = Some(Input::AuthMethod);
    failure.summary = words![format!(
        "{host} received no client secret or assertion for client {}",
        short(id)
    )];
    failure.meaning = words![format!(
        "Entra ID looked for the credential in the request body and found none.{quoted}"
    )];
    failure.causes = vec![
        words![format!(
            "the secret went in the Authorization header ({}) and a proxy or gateway on the way removed it",
            ctx.method.code()
        )],
        words!["the secret sent was empty"],
    ];
    failure.fix = words![
        "Set ",
        Input::AuthMethod,
        " to client_secret_post, which puts the secret in the body; or let the proxy pass the Authorization \
         header."
    ];
}

/// AADSTS700027 / AADSTS50013: Entra found no certificate of the app with the thumbprint the assertion named,
/// or the one it found does not verify the signature: which certificate to upload, by the thumbprint the portal
/// shows. A federated token has no certificate: its own fix applies.
fn certificate_fix(said: &Said<'_>, ctx: &Context<'_>) -> Option<Words> {
    if ctx.method == AuthMethod::Federated {
        return None;
    }
    if said.lower.has("key was found") {
        return Some(words![
            "The app has this certificate, but the private key does not match it: the key and certificate come \
             from different pairs, or the .pfx was rebuilt with a new key. Export the pair again, or upload the \
             certificate that belongs to this key."
        ]);
    }
    let certificate = ctx.key.and_then(|k| k.certificate.as_ref());
    let origin = ctx.key.map(|k| k.origin.clone()).unwrap_or_default();
    let which = match certificate {
        Some(c) => format!("the certificate with thumbprint {} (from ", c.sha1_hex),
        None => "the certificate of this key (from ".to_string(),
    };
    Some(words![
        "Upload ",
        which,
        origin,
        format!(
            ") to app {} under Certificates & secrets > Certificates, or run `az ad app credential reset --id {} \
             --cert @cert.pem --append` with its PEM; or point ",
            ctx.client_id, ctx.client_id
        ),
        ctx.key.map_or(Input::Pkcs12File, |k| k.input),
        " at the certificate that is registered."
    ])
}

/// AADSTS7002138: the app's credential differs from the token's subject in letter case only.
fn case_only_subject(_: &Said<'_>, ctx: &Context<'_>) -> Option<Words> {
    (ctx.method == AuthMethod::Federated).then(|| {
        federated_fix(
            ctx,
            Some(
                "The app's credential differs from the token's subject only in letter case: Entra compares \
                 subjects case-sensitively since August 2024, so copy the subject exactly.",
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::base::heard::Heard;
    use crate::check::exchange::interpret::readings::Readings;

    #[test]
    fn codes_are_read_whole_and_unknown_codes_still_count_as_coded() {
        let read = |text: &str| Readings::of(&Heard::new(text).lowered(), &[&CODES]);
        assert!(read("AADSTS7000215: Invalid client secret provided.").bad_secret());
        assert_eq!(
            read("AADSTS700021: client assertion application identifier").cause(),
            Some(Cause::Subject)
        );
        assert_eq!(
            read("AADSTS7002138: No matching federated identity record").cause(),
            Some(Cause::FederatedSubject)
        );
        assert!(read("AADSTS90002: Tenant not found").whole().is_some());
        let unknown = read("AADSTS50000: something else");
        assert!(unknown.coded && unknown.cause().is_none());
        assert!(!read("no code here").coded);
    }
}
