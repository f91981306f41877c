//! A token endpoint's answer, as `check::interpret` reads it: status, content type, a few headers and the body.
//!
//! Input format (so seeds are plain text that looks like an HTTP answer):
//!
//! ```text
//! 401 application/json                 <- status (digits, folded into 100..=999) and Content-Type
//! www-authenticate: Basic realm="x"    <- optional headers: location, www-authenticate, retry-after,
//! x-request-id: 42                        the request-id headers http.rs reads, and three for the context:
//! x-fuzz-genesys: 1                       x-fuzz-genesys (Genesys endpoint), x-fuzz-scopes (requested) and
//! x-fuzz-methods: private_key_jwt         x-fuzz-methods (the methods the server's metadata lists)
//!                                      <- blank line; without one, only the first line is the head
//! {"error":"invalid_client"}           <- body, raw bytes
//! ```
//!
//! Header values that `HeaderValue::to_str` would refuse are dropped, as `http::read` drops them.
//!
//! Properties: nothing panics; summaries are one line and shorter than 2000 characters; the other explanation
//! fields have no control characters but newlines and stay bounded; excerpts are one line and as long as asked.
#![no_main]

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use authcheck::check::internals::genesys::wording::WORDING;
use authcheck::check::internals::heard::{Answer, Heard, Scrubber};
use authcheck::check::internals::http::REQUEST_ID_HEADERS;
use authcheck::check::internals::interpret::context::Codes;
use authcheck::check::internals::interpret::{self, Context, Verdict};
use authcheck::check::internals::{entra, oauth};
use authcheck::check::{AuthMethod, Plain, Secret, Words};
use authcheck::surface::Input;
use libfuzzer_sys::fuzz_target;

const SUMMARY_MAX: usize = 2000;
const CLIENT_ID: &str = "3f2a9c1e-8d7b-4c6a-9e5f-0a1b2c3d4e5f";
/// The secret the check holds; seeds and the dictionary contain it, so echoes of it are tried.
const SECRET: &str = "s3cr3t-Vx8TqP2mWz";

/// What `HeaderValue::to_str` accepts: visible ASCII, space and tab.
fn header_text(raw: &[u8]) -> Option<String> {
    raw.iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
        .then(|| String::from_utf8_lossy(raw).trim().to_string())
}

struct Parsed {
    answer: Answer,
    genesys: bool,
    scopes: Vec<String>,
    listed_methods: Vec<AuthMethod>,
}

fn parse(data: &[u8]) -> Parsed {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => match data.iter().position(|&b| b == b'\n') {
            Some(at) => (&data[..at], &data[at + 1..]),
            None => (data, &[][..]),
        },
    };
    let mut lines = head.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or_default();
    let digits = first.iter().take_while(|b| b.is_ascii_digit()).count();
    let number = first[..digits].iter().fold(0u32, |acc, d| {
        acc.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    });
    let status = if (100..=999).contains(&number) {
        number as u16
    } else {
        (100 + number % 900) as u16
    };
    let content_type = header_text(&first[digits..]).unwrap_or_default();
    let mut answer = Answer::bare(status, &content_type, body);
    let mut genesys = false;
    let mut scopes = Vec::new();
    let mut listed_methods = Vec::new();
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = String::from_utf8_lossy(&line[..colon])
            .trim()
            .to_ascii_lowercase();
        let Some(value) = header_text(&line[colon + 1..]) else {
            continue;
        };
        match name.as_str() {
            // The value only passes through interpret (into Retry::Yes); its parser has its own target.
            "retry-after" => answer.retry_after = value.parse().ok().map(Duration::from_secs),
            "location" => answer.location = Some(Heard::new(value)),
            "www-authenticate" => answer.www_authenticate = Some(Heard::new(value)),
            "x-fuzz-genesys" => genesys = value == "1",
            "x-fuzz-truncated" => answer.truncated = value == "1",
            "x-fuzz-scopes" => scopes = value.split_whitespace().map(str::to_string).collect(),
            // Unknown words are dropped: the flow lists only the methods authcheck can present.
            "x-fuzz-methods" => {
                listed_methods = value
                    .split_whitespace()
                    .filter_map(AuthMethod::parse)
                    .collect()
            }
            other => {
                if let Some(known) = REQUEST_ID_HEADERS.iter().find(|h| **h == other)
                    && answer.request_id.is_none()
                {
                    answer.request_id = Some((known, Heard::new(value)));
                }
            }
        }
    }
    Parsed {
        answer,
        genesys,
        scopes,
        listed_methods,
    }
}

/// The scrubber of the check's credentials, made once: it holds every encoding of the secret, and building it
/// for each input took an eighth of the target's time.
fn scrubber() -> &'static Scrubber {
    static SCRUB: OnceLock<Scrubber> = OnceLock::new();
    SCRUB.get_or_init(|| Scrubber::for_credentials(CLIENT_ID, &Secret::new(SECRET)))
}

/// The codes of the vendors that have them, as `registry::codes()` lists them (the default server's phrases, then
/// Entra's). Named here, not asked of the registry: the registry links every vendor's whole check into the
/// target, 265,000 coverage counters instead of 17,000, and libFuzzer scans them all after every input. A vendor
/// that gains codes is added here.
fn codes() -> &'static [&'static Codes] {
    static CODES: [&Codes; 2] = [&oauth::PHRASES, &entra::codes::CODES];
    &CODES
}

fuzz_target!(|data: &[u8]| {
    let Parsed {
        answer,
        genesys,
        scopes,
        listed_methods,
    } = parse(data);

    // What the answer's body is quoted as is checked through `got` and the summary below, which carry it; the
    // quote's own bounds are the scrubber target's property.
    let scrub = scrubber();
    let origin = Words::text("environment variable AUTHCHECK_CLIENT_SECRET");
    let ctx = Context {
        host: if genesys {
            "login.mypurecloud.ie"
        } else {
            "idp.example"
        },
        client_id: CLIENT_ID,
        method: AuthMethod::ClientSecretBasic,
        secret_origin: &origin,
        secret_input: Input::ClientSecret,
        scopes: &scopes,
        scrub,
        assertion: None,
        key: None,
        codes: codes(),
        wording: genesys.then_some(&WORDING),
        listed_methods: &listed_methods,
    };
    match interpret::interpret(&answer, &ctx) {
        Verdict::Failed(failure) => {
            let summary = failure.summary.render(&Plain);
            let got = failure.got.render(&Plain);
            let meaning = failure.meaning.render(&Plain);
            let fix = failure.fix.render(&Plain);
            common::assert_short_line("summary", &summary, SUMMARY_MAX);
            common::assert_short_line("got", &got, SUMMARY_MAX);
            common::assert_short_printable("meaning", &meaning, 2 * SUMMARY_MAX);
            for cause in &failure.causes {
                let cause = cause.render(&Plain);
                common::assert_short_printable("cause", &cause, SUMMARY_MAX);
            }
            common::assert_short_printable("fix", &fix, SUMMARY_MAX);
            // A server that echoes what it was sent never gets the secret quoted.
            for text in [&summary, &got, &meaning, &fix] {
                assert!(!text.contains(SECRET), "the secret is quoted: {text:?}");
            }
        }
        Verdict::Token(issued) => {
            assert!(
                !issued.access_token.expose().is_empty(),
                "a token verdict with an empty token"
            );
            if let Some(seconds) = issued.expires_in {
                assert!(seconds > 0, "expires_in {seconds} accepted");
            }
            for warning in &issued.warnings {
                common::assert_short_line("warning", warning, SUMMARY_MAX);
            }
        }
    }
});
