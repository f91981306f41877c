//! The Genesys role reader (`genesys::grants::from_roles`) on a `GET /api/v2/authorization/roles?id=…` listing
//! and the client's (role, division) pairs, then `permissions::held` on what it read. Never panics; it reads
//! roles exactly when the listing has an `entities` array, one policy per `permissionPolicies[]` item and pair
//! of that role, in order; every domain, entity and action it keeps is a scrubbed, bounded piece of the
//! listing's own string in that place (nothing without one); every division is one of the pairs'; `held`
//! agrees with the policies.
//!
//! Input: the listing's body, then optionally a NUL and the pairs, one `role-id<TAB>division-id` a line. The
//! pairs are kept as `tokens/me` keeps its `roleDivisions`: scrubbed, at most 200 characters, none blank; the
//! first 8 count.
#![no_main]

mod common;

use std::sync::OnceLock;

use authcheck::check::internals::genesys::grants::from_roles;
use authcheck::check::internals::genesys::permissions::Policy;
use authcheck::check::internals::heard::{Heard, Json, Quoted, Scrubber};
use authcheck::check::internals::secret::Secret;
use common::policies::{self, CLIENT_ID, SECRET, WORD_CHARS};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Built once: a scrubber holds every encoding of the secret, and making one is most of a small input's cost.
fn scrubber() -> &'static Scrubber {
    static SCRUB: OnceLock<Scrubber> = OnceLock::new();
    SCRUB.get_or_init(|| Scrubber::for_credentials(CLIENT_ID, &Secret::new(SECRET)))
}

/// A client holds a handful of (role, division) pairs, and eight reach every path of the reader: a role held in
/// several divisions, several roles, a pair whose role is not listed. With 32, a quarter of the grown corpus gave
/// more than eight, each policy item was copied once per division (672 policies from 21 items in the largest),
/// and a 10 M run slowed from 13,900 to about 8,000 inputs a second.
const MAX_PAIRS: usize = 8;

fn pairs(text: &[u8]) -> Vec<(Quoted, Quoted)> {
    let quote = |raw: &[u8]| {
        let kept = scrubber().quote(&Heard::new(String::from_utf8_lossy(raw)), WORD_CHARS);
        (!kept.is_empty()).then_some(kept)
    };
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let tab = line.iter().position(|&b| b == b'\t')?;
            Some((quote(&line[..tab])?, quote(&line[tab + 1..])?))
        })
        .take(MAX_PAIRS)
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let (listing, pairs_text) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let Ok(value) = serde_json::from_slice::<Value>(listing) else {
        return;
    };
    // Quoted only once the listing is JSON: most mutants are not, and the pairs were most of their cost.
    let pairs = pairs(pairs_text);
    let read = from_roles(&Json::from(value.clone()), &pairs, scrubber());
    let roles = value.get("entities").and_then(Value::as_array);
    let (Some(read), Some(roles)) = (read, roles) else {
        assert!(
            roles.is_none(),
            "a listing with an entities array was not read"
        );
        return;
    };
    // Role by role, policy by policy, one for each of the role's pairs (matched on the id as kept).
    let mut sources: Vec<(&Value, &Quoted)> = Vec::new();
    for role in roles {
        // Quoting is most of this target's own work: a role without policies, or a client without pairs, needs no
        // id to match.
        let Some(items) = role
            .get("permissionPolicies")
            .and_then(Value::as_array)
            .filter(|items| !items.is_empty() && !pairs.is_empty())
        else {
            continue;
        };
        let id = role
            .get("id")
            .and_then(Value::as_str)
            .map(|id| scrubber().quote(&Heard::new(id), WORD_CHARS))
            .unwrap_or_default();
        for item in items {
            for (_, division) in pairs.iter().filter(|(r, _)| *r == id) {
                sources.push((item, division));
            }
        }
    }
    assert_eq!(
        read.len(),
        sources.len(),
        "not one policy per permissionPolicies[] item and pair of its role"
    );
    // A role held in several divisions gives one policy per division from the same item: the first is checked
    // against the item, the others must equal it but for the division (checking each against the item again was a
    // quarter of this target's time).
    let mut previous: Option<(&Value, &Policy)> = None;
    for (policy, (source, division)) in read.iter().zip(sources) {
        match previous {
            Some((item, first)) if std::ptr::eq(item, source) => assert!(
                policy.domain == first.domain
                    && policy.entity == first.entity
                    && policy.actions == first.actions,
                "two policies from one item differ: {policy:?} and {first:?}"
            ),
            _ => {
                policies::assert_policy_from(policy, source, "actionSet");
                previous = Some((source, policy));
            }
        }
        assert_eq!(
            policy.division.as_deref(),
            Some(division.as_str()),
            "a policy not in its pair's division"
        );
        assert_eq!(policy.everywhere(), division.as_str() == "*");
    }
    policies::assert_held(&read);
});
