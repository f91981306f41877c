//! A server's `Retry-After` header (seconds or an IMF-fixdate), as `check::internals::http::parse_retry_after` reads it.
//! Any header text reqwest hands over must be handled without panicking, overflow included (fuzz builds have
//! overflow checks on, as debug builds and `cargo test` do).
#![no_main]

use authcheck::check::internals::http::parse_retry_after;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // HeaderValue::to_str hands over visible ASCII, space and tab only.
    if !data
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_retry_after(text);
});
