//! Scopes read from an access token that claims to be a JWT (`check::scopes::from_jwt`): the token is whatever the
//! server sent. Never panics; what it returns is a list of scopes the granted/missing comparison can use.
#![no_main]

use authcheck::check::internals::claims as scopes;
use authcheck::check::internals::heard::{Heard, Scrubber};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(granted) = scopes::from_jwt(token) {
        let required = ["read".to_string(), "admin".to_string()];
        let missing = scopes::missing(&required, &granted);
        assert!(missing.len() <= required.len());
        assert!(missing.iter().all(|m| !granted.iter().any(|g| g.is(m))));
        // Each claimed scope reaches a report only scrubbed: one printable word at most.
        let scrub = Scrubber::default();
        for scope in &granted {
            let shown = scrub.quote(scope, 500);
            assert!(!shown.chars().any(char::is_control), "{shown:?}");
        }
    }
    // The `scope` field of a token answer is split into words.
    for scope in Heard::new(token).words() {
        assert!(
            !scope.is_blank() && !scope.matches(|s| s.contains(char::is_whitespace)),
            "split gave {scope:?}"
        );
    }
});
