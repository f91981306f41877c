//! The Genesys grant reader (`genesys::grants::from_subject`) on an `AuthzSubject` answer (`GET
//! /api/v2/authorization/subjects/me` or `/subjects/{id}`), then `permissions::held` on what it read. Never
//! panics; it reads grants exactly when the answer has a `grants` array, one policy per `role.policies[]` item
//! in order; every domain, entity, action and division it keeps is a scrubbed, bounded piece of the answer's own
//! string in that place (nothing without one); a grant to division `*` holds everywhere; `held` agrees with the
//! policies.
//!
//! Input: the answer's body, raw bytes.
#![no_main]

mod common;

use std::sync::OnceLock;

use authcheck::check::internals::genesys::grants::from_subject;
use authcheck::check::internals::heard::{Heard, Json, Scrubber};
use authcheck::check::internals::secret::Secret;
use common::policies::{self, CLIENT_ID, SECRET, WORD_CHARS};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Built once: a scrubber holds every encoding of the secret, and making one is most of a small input's cost.
fn scrubber() -> &'static Scrubber {
    static SCRUB: OnceLock<Scrubber> = OnceLock::new();
    SCRUB.get_or_init(|| Scrubber::for_credentials(CLIENT_ID, &Secret::new(SECRET)))
}

/// The division a grant's policies must carry: none without a string `id`; else the id as the scrubber keeps
/// it, alone or after the kept name (`name (id)`), and `*` for every division.
fn assert_division(kept: Option<&str>, division: Option<&Value>) {
    let field = |key: &str| division.and_then(|d| d.get(key)).and_then(Value::as_str);
    let Some(id) = field("id") else {
        assert_eq!(kept, None, "a division without an id in the answer");
        return;
    };
    let kept = kept.expect("a division with an id is kept");
    let quote = |text: &str| {
        scrubber()
            .quote(&Heard::new(text), WORD_CHARS)
            .into_string()
    };
    let kept_id = quote(id);
    policies::assert_kept("division id", &kept_id, Some(id));
    if id == "*" {
        assert_eq!(kept, "*", "every division (`*`) is kept as is");
    } else if kept != kept_id {
        let name = field("name").map(quote).unwrap_or_default();
        policies::assert_kept("division name", &name, field("name"));
        assert_eq!(
            kept,
            format!("{} ({kept_id})", name.trim()),
            "a division is its id or `name (id)`"
        );
        assert!(!name.trim().is_empty(), "a blank name named a division");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let subject = Json::from(value.clone());
    let read = from_subject(&subject, scrubber());
    let grants = value.get("grants").and_then(Value::as_array);
    let (Some(read), Some(grants)) = (read, grants) else {
        assert!(
            grants.is_none(),
            "an answer with a grants array was not read"
        );
        return;
    };
    // Policy by policy, in the answer's order: grants without `role.policies[]` give none.
    let sources: Vec<(&Value, Option<&Value>)> = grants
        .iter()
        .filter_map(|grant| {
            let items = grant.get("role")?.get("policies")?.as_array()?;
            Some(items.iter().map(move |item| (item, grant.get("division"))))
        })
        .flatten()
        .collect();
    assert_eq!(
        read.len(),
        sources.len(),
        "not one policy per role.policies[] item"
    );
    for (policy, (source, division)) in read.iter().zip(sources) {
        policies::assert_policy_from(policy, source, "actions");
        assert_division(policy.division.as_deref(), division);
    }
    policies::assert_held(&read);
});
