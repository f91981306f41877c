//! What the Genesys grant and role readers promise of the policies they build, shared by their two targets.

use authcheck::check::internals::genesys::permissions::{Held, Policy, held};
use authcheck::check::internals::heard::REDACTED;
use serde_json::Value;

/// The check's client id and secret: the scrubber knows them, seeds and dictionaries echo the secret.
pub const CLIENT_ID: &str = "3f2a9c1e-8d7b-4c6a-9e5f-0a1b2c3d4e5f";
pub const SECRET: &str = "s3cr3t-Vx8TqP2mWz";
/// The readers keep at most 200 characters of a server word, then mark the cut with `…`.
pub const WORD_CHARS: usize = 200;
/// How many of a document's own permissions are asked of `held`: it is quadratic, and a few show its promise.
const HELD_ASKED: usize = 32;
/// Action matches per input over the permissions asked: each one asked is matched against every action of every
/// policy twice (by `held` and by the reference), and a 4 KB listing makes tens of thousands of policies (roles
/// times pairs) or of actions, so a long listing is asked fewer, from a place its size picks so that all are asked
/// across inputs.
/// Without this bound the check was 43 % of `genesys_roles`' time on its grown corpus.
const HELD_BUDGET: usize = 512;

/// A word the reader kept from `source` (`None`: the input had no string there). It is one bounded line
/// without the secret, and each run of it between spaces and redactions is a piece of `source`: the scrubber
/// only removes (secrets, control characters, runs of whitespace) and cuts, it never makes text up.
pub fn assert_kept(what: &str, kept: &str, source: Option<&str>) {
    let Some(source) = source else {
        assert!(
            kept.is_empty(),
            "{what} {kept:?} has no string in the input"
        );
        return;
    };
    super::assert_one_line(what, kept);
    assert!(!kept.contains(SECRET), "{what} quotes the secret: {kept:?}");
    let chars = kept.chars().count();
    assert!(chars <= WORD_CHARS + 1, "{what} is {chars} characters long");
    let mut words: Vec<&str> = kept.split(' ').collect();
    // A cut word (perhaps a cut `[redacted]`) is only a prefix of something: it is not looked for.
    if chars == WORD_CHARS + 1 {
        assert!(kept.ends_with('…'), "{what} is long but not marked as cut");
        words.pop();
    }
    for word in words {
        for piece in word.split(REDACTED) {
            assert!(
                source.contains(piece),
                "{what} {kept:?} holds {piece:?}, which the input {source:?} does not"
            );
        }
    }
}

/// The strings of an array in the input, in order (what `texts` keeps); none when it is not an array.
pub fn texts(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// One policy against the input policy it came from (`actions_key`: `actions` in a grant, `actionSet` in a
/// role).
pub fn assert_policy_from(policy: &Policy, source: &Value, actions_key: &str) {
    let field = |key: &str| source.get(key).and_then(Value::as_str);
    assert_kept("domain", &policy.domain, field("domain"));
    assert_kept("entity", &policy.entity, field("entityName"));
    let actions = texts(source.get(actions_key));
    assert_eq!(
        policy.actions.len(),
        actions.len(),
        "the policy's actions are not the input's strings: {:?}",
        policy.actions
    );
    for (kept, action) in policy.actions.iter().zip(actions) {
        assert_kept("action", kept, Some(action));
    }
}

/// `held` on the policies: each policy's own `domain:entity:action` is held, in every division when a policy
/// that grants it holds everywhere, else in exactly the divisions of the policies that grant it; a permission no
/// policy grants is not held.
pub fn assert_held(policies: &[Policy]) {
    let own = policies
        .iter()
        .filter(|p| !p.domain.contains(':') && !p.entity.contains(':'))
        .flat_map(|p| {
            p.actions
                .iter()
                .map(move |a| format!("{}:{}:{a}", p.domain, p.entity))
        })
        .take(HELD_ASKED);
    let fixed = ["routing:queue:view", "admin", "*:*:*", "a:b:c:d"].map(String::from);
    let all: Vec<String> = fixed.into_iter().chain(own).collect();
    let size: usize = policies.iter().map(|p| 1 + p.actions.len()).sum();
    let asked = (HELD_BUDGET / size.max(1)).clamp(1, all.len());
    for permission in all.iter().cycle().skip(size % all.len()).take(asked) {
        let granting: Vec<&Policy> = policies.iter().filter(|p| p.grants(permission)).collect();
        match held(policies, permission) {
            Held::No => assert!(
                granting.is_empty(),
                "{permission:?} is granted but said not held"
            ),
            Held::Everywhere => assert!(
                granting.iter().any(|p| p.everywhere()),
                "{permission:?} said held everywhere without a policy for every division"
            ),
            Held::In(divisions) => {
                assert!(!granting.iter().any(|p| p.everywhere()));
                let mut expected: Vec<&str> = granting
                    .iter()
                    .filter_map(|p| p.division.as_deref())
                    .collect();
                expected.sort_unstable();
                expected.dedup();
                assert!(!expected.is_empty(), "{permission:?} held in no division");
                assert_eq!(
                    divisions, expected,
                    "{permission:?}: not the granting policies' divisions"
                );
            }
        }
    }
}
