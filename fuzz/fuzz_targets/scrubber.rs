//! The scrubber's promise (`check::scrub`): whatever a server wraps around the secret, and in whichever
//! encoding it echoes it (raw, form- and percent-encoded, JSON-escaped, base64, inside the Basic credential),
//! what reaches a report never contains the secret, and is one bounded line.
//!
//! Input: one byte picks the encoding the secret is echoed in, its low four bits modulo 5 (`0` to `4` in a seed:
//! raw, form-encoded, base64, the Basic credential, the Basic credential of the form-encoded secret); then the
//! first line is the secret, the rest the text a server sends around it. One echo an input: the scrubber is
//! built for each input's secret, and each echo is a whole quote of the text.
#![no_main]

use authcheck::check::internals::heard::{Heard, REDACTED, Scrubber};
use authcheck::check::internals::secret::Secret;
use base64::Engine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&encoding, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (secret, around) = text.split_once('\n').unwrap_or((text, ""));
    // Shorter secrets are not scrubbed (they would blank ordinary words); one inside the marker cannot be told
    // from the marker; whitespace is collapsed after scrubbing, so a secret made of spaces cannot survive anyway.
    // Whitespace runs are collapsed and control characters blanked after scrubbing, so a secret holding them could
    // be re-formed from the text around it; real secrets hold neither.
    if secret.chars().count() < 4
        || REDACTED.contains(secret)
        || secret.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return;
    }
    let scrub = Scrubber::for_credentials("client-id", &Secret::new(secret));
    let form_encoded =
        || -> String { url::form_urlencoded::byte_serialize(secret.as_bytes()).collect() };
    let b64 = base64::engine::general_purpose::STANDARD;
    let echoed = match (encoding & 0x0f) % 5 {
        0 => secret.to_string(),
        1 => form_encoded(),
        2 => b64.encode(secret),
        3 => b64.encode(format!("client-id:{secret}")),
        _ => b64.encode(format!("client-id:{}", form_encoded())),
    };
    let middle = around
        .char_indices()
        .nth(around.chars().count() / 2)
        .map_or(around.len(), |(at, _)| at);
    let (head, tail) = around.split_at(middle);
    // A control character on each side: the secret cannot be spelt across the edges of the echo.
    let said = format!("{head}\u{1}{echoed}\u{1}{tail}");
    let shown = scrub.quote(&Heard::new(said.clone()), 100_000);
    assert!(!shown.contains(char::is_control), "not one line: {shown:?}");
    // The secret may appear legitimately only where the text around it already spelt it out. The marker is
    // replaced by a separator, not removed: removing it would join its neighbours ("h" + "0st") into a secret
    // the report never showed (fuzz/regressions/scrubber/marker-removed-joins-neighbours-into-the-secret).
    let outside = shown.replace(REDACTED, "\u{1}");
    if !around.contains(secret) {
        assert!(
            !outside.contains(secret),
            "the secret survived in {shown:?} (from {said:?})"
        );
    }
});
