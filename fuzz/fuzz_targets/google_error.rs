//! A Google answer (STS, the OAuth2 token endpoint, IAM Credentials, Resource Manager, or a proxy in between), as
//! `google::api::read` reads it and `google::refusals` names and explains a refusal.
//!
//! Input: the first byte picks the status and the content type, the second which call the answer is to (its low
//! four bits modulo 5, `0` to `4` in a seed: the STS exchange, `generateAccessToken` after it, a key's token
//! request, `generateAccessToken` by a key's account, `testIamPermissions`); the rest is the body, optionally
//! followed by NUL and the subject token's `repository`, NUL and its `sub`, NUL and the configuration's audience
//! (all as heard: a refusal quotes them). One call an input: each explanation is a whole refusal's worth of
//! wording, and the fuzzer reaches each call as easily through the byte. Never panics; a refusal's summary and
//! `got` are one bounded line, the rest has no control characters but newlines, and a token the check holds is
//! never quoted.
#![no_main]

mod common;

use std::sync::OnceLock;

use authcheck::check::internals::google::api::{Called, read};
use authcheck::check::internals::google::refusals::{Asked, Kind, explain};
use authcheck::check::internals::heard::{Answer, Heard, Scrubber};
use authcheck::check::{Plain, Reason};
use authcheck::surface::Input;
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 8] = [400, 401, 403, 404, 429, 500, 503, 200];
const CONTENT_TYPES: [&str; 3] = ["application/json; charset=UTF-8", "text/html", ""];
const SUMMARY_MAX: usize = 2000;
/// A token the check holds (the subject token, say); seeds contain it, so echoes of it are tried.
const TOKEN: &str = "ya29.c.b0AXv0zTPfuzzHeldTokenQ8x1";
const KEYED: &str = "ci-key@acme-prod.iam.gserviceaccount.com";
const AUDIENCE: &str = "//iam.googleapis.com/projects/987654321098/locations/global/workloadIdentityPools/github/providers/actions";

/// The scrubber that knows the held token, made once.
fn scrubber() -> &'static Scrubber {
    static SCRUB: OnceLock<Scrubber> = OnceLock::new();
    SCRUB.get_or_init(|| {
        let mut scrub = Scrubber::default();
        scrub.add_token(TOKEN);
        scrub
    })
}

/// One call the check makes, as it describes it.
#[derive(Clone, Copy)]
struct Call {
    what: &'static str,
    /// Federated (an audience), else with a key (a key id).
    federated: bool,
    /// The input that named the configuration, when one did.
    blame: Option<Input>,
    /// The input that named the impersonated account, when one did.
    impersonation_input: Option<Input>,
    /// The key's own account, when it calls IAM.
    key_caller: Option<&'static str>,
}

const CALLS: [Call; 5] = [
    Call {
        what: "the STS token exchange",
        federated: true,
        blame: Some(Input::GcpCredentialsFile),
        impersonation_input: None,
        key_caller: None,
    },
    Call {
        what: "generateAccessToken",
        federated: true,
        blame: None,
        impersonation_input: Some(Input::GcpServiceAccount),
        key_caller: None,
    },
    Call {
        what: "the key's token request",
        federated: false,
        blame: Some(Input::GcpCredentialsFile),
        impersonation_input: None,
        key_caller: None,
    },
    Call {
        what: "generateAccessToken",
        federated: false,
        blame: Some(Input::GcpCredentialsFile),
        impersonation_input: None,
        key_caller: Some(KEYED),
    },
    Call {
        what: "testIamPermissions",
        federated: false,
        blame: None,
        impersonation_input: Some(Input::GcpServiceAccount),
        key_caller: None,
    },
];

fuzz_target!(|data: &[u8]| {
    let [first, call, rest @ ..] = data else {
        return;
    };
    let first = *first;
    let Call {
        what,
        federated,
        blame,
        impersonation_input,
        key_caller,
    } = CALLS[usize::from(call & 0x0f) % CALLS.len()];
    let status = STATUSES[usize::from(first) % STATUSES.len()];
    let content_type = CONTENT_TYPES[usize::from(first / 8) % CONTENT_TYPES.len()];
    let mut parts = rest.split(|&b| b == 0);
    let body = parts.next().unwrap_or_default();
    let mut heard = || {
        parts
            .next()
            .map(|p| String::from_utf8_lossy(p).into_owned())
    };
    let (repository, sub, audience) = (heard(), heard(), heard());

    let scrub = scrubber();
    let answer = Answer::bare(status, content_type, body);
    let error = match read(&answer, scrub) {
        Called::Refused(error) => error,
        Called::Unreadable(code, said) => {
            assert_eq!(code, status);
            common::assert_one_line("what the body was", &said);
            common::assert_short("what the body was", &said, 200);
            return;
        }
        Called::Done(_) | Called::Unreachable(_) => return,
    };
    assert_eq!(error.status, status);
    let kind = Kind::of(&error);

    let claims: Vec<(&'static str, Heard)> = [("repository", repository), ("sub", sub)]
        .into_iter()
        .filter_map(|(name, value)| Some((name, Heard::new(value?))))
        .collect();
    let audience = audience.unwrap_or_else(|| AUDIENCE.to_string());
    let asked = Asked {
        what,
        audience: federated.then_some(audience.as_str()),
        claims: &claims,
        service_account: Some("deploy@acme-prod.iam.gserviceaccount.com"),
        key_id: (!federated).then_some("6f1c0e6a2b9d4c8e8a5b1f3d7c2e9a4b6d8f0a1c"),
        project: Some("acme-prod"),
        blame,
        impersonation_input,
        key_caller,
        scrub,
    };
    let failure = explain(&error, &asked);
    if kind == Kind::Other && status >= 500 {
        assert_eq!(failure.reason, Reason::ServerError, "{status}");
    }
    let summary = failure.summary.render(&Plain);
    let got = failure.got.render(&Plain);
    common::assert_one_line("summary", &summary);
    common::assert_short("summary", &summary, SUMMARY_MAX);
    common::assert_one_line("got", &got);
    common::assert_short("got", &got, SUMMARY_MAX);
    let mut rest = vec![
        ("meaning", failure.meaning.render(&Plain)),
        ("fix", failure.fix.render(&Plain)),
    ];
    rest.extend(failure.causes.iter().map(|c| ("cause", c.render(&Plain))));
    for (name, text) in &rest {
        common::assert_printable(name, text);
        common::assert_short(name, text, 2 * SUMMARY_MAX);
    }
    // What Google or the token said is scrubbed; the audience is the configuration's own text, shown as is.
    if !audience.contains(TOKEN) {
        for text in [&summary, &got]
            .into_iter()
            .chain(rest.iter().map(|(_, t)| t))
        {
            assert!(!text.contains(TOKEN), "a held token is quoted: {text:?}");
        }
    }
});
