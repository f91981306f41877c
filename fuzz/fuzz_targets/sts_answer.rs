//! An AWS STS answer (XML, or anything a proxy sends instead), as `aws::sts::read` reads it and
//! `aws::refusals::explain` explains a refusal. The first byte picks the status; the rest is the body. Never
//! panics; a refusal has a code, and its explanation is one line with no control characters and stays bounded.
#![no_main]

use authcheck::check::Plain;
use authcheck::check::internals::aws::refusals::{Asked, explain};
use authcheck::check::internals::aws::sts::{Called, read};
use authcheck::check::internals::heard::{Answer, Scrubber};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 8] = [200, 400, 403, 404, 429, 500, 503, 302];

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(first) % STATUSES.len()];
    let answer = Answer::bare(status, "text/xml", body);
    let scrub = Scrubber::default();
    let Called::Refused(error) = read(&answer, &scrub) else {
        return;
    };
    assert!(!error.code.is_blank(), "a refusal without a code");
    for action in [
        "AssumeRoleWithWebIdentity",
        "AssumeRole",
        "GetCallerIdentity",
    ] {
        let asked = Asked {
            action,
            keys: None,
            role: None,
            token: None,
            token_input: None,
            region: "us-east-1",
            scrub: &scrub,
        };
        let failure = explain(&error, &asked);
        let summary = failure.summary.render(&Plain);
        assert!(!summary.contains('\n'), "two-line summary: {summary:?}");
        assert!(summary.chars().count() < 2000, "long summary");
        for words in [&failure.got, &failure.fix, &failure.meaning] {
            let text = words.render(&Plain);
            assert!(
                !text.chars().any(|c| c.is_control()),
                "control character in {text:?}"
            );
        }
    }
});
