//! The saved-plan reader behind `authcheck check --plan-json` (`cli::plan::parse`): whatever JSON it is given,
//! it answers a requirement list or a message, never panics, and every requirement it builds names a planned
//! address of a genesyscloud change and at least one permission.
//!
//! Input: the bytes of a `terraform show -json` file (the corpus seeds are small real-shaped plans).
#![no_main]

use authcheck::cli::plan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(planned) = plan::parse(data) else {
        return;
    };
    let text = String::from_utf8_lossy(data);
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
            address == "(unnamed)"
                || text.contains(address.trim_matches('"'))
                || address.contains('\\'),
            "a requirement for an address the plan does not hold: {address:?}"
        );
    }
    assert!(
        planned.requirements.len() <= planned.changes * 64,
        "requirements out of proportion"
    );
});
