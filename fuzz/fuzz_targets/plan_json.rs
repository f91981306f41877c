//! The saved-plan reader behind `authcheck check --plan-json` (`cli::plan::parse`): whatever JSON it is given,
//! it answers a requirement list or a message, never panics, and every requirement it builds names a planned
//! address of a genesyscloud change and at least one permission.
//!
//! Input: the bytes of a `terraform show -json` file (the corpus seeds are small real-shaped plans).
#![no_main]

use authcheck::cli::plan;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The `address` strings of the plan's `resource_changes`, decoded: a requirement names one of them exactly.
/// (Not the raw bytes: an address may hold JSON escapes, `\t` or `\u00e9`, which the plan's text spells
/// differently; fuzz/regressions/plan_json/address-with-json-escape.)
fn addresses(data: &[u8]) -> Vec<String> {
    let Ok(plan) = serde_json::from_slice::<Value>(data) else {
        return Vec::new();
    };
    plan.get("resource_changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|change| change.get("address")?.as_str().map(str::to_string))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(planned) = plan::parse(data) else {
        return;
    };
    let addresses = addresses(data);
    for requirement in &planned.requirements {
        assert!(
            !requirement.perms.is_empty(),
            "a requirement without permissions"
        );
        let address = requirement
            .subject
            .rsplit_once(" (")
            .map_or(requirement.subject.as_str(), |(a, _)| a);
        assert!(
            address == "(unnamed)" || addresses.iter().any(|a| a == address),
            "a requirement for an address the plan does not hold: {address:?}"
        );
    }
    assert!(
        planned.requirements.len() <= planned.changes * 64,
        "requirements out of proportion"
    );
});
