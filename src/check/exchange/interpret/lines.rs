//! What came back, in one quoted line: the status, the `error` and `error_description`, and the request id a
//! support ticket needs.

use crate::check::base::heard::{Answer, Heard, Scrubber};

/// `HTTP 401, error "invalid_client", error_description "…" (x-request-id: …)`, scrubbed.
pub(super) fn got_line(
    answer: &Answer,
    error: &Heard,
    description: Option<&Heard>,
    scrub: &Scrubber,
) -> String {
    let mut got = format!("HTTP {}, error {:?}", answer.status, scrub.quote(error, 80));
    if let Some(description) = description {
        got.push_str(&format!(
            ", error_description {:?}",
            scrub.quote(description, 300)
        ));
    }
    got.push_str(&request_id(answer, scrub));
    got
}

/// ` (x-request-id: …)` when the server named the request, for support tickets.
pub(super) fn request_id(answer: &Answer, scrub: &Scrubber) -> String {
    answer
        .request_id
        .as_ref()
        .map(|(name, value)| format!(" ({name}: {})", scrub.quote(value, 80)))
        .unwrap_or_default()
}
