//! An issuer's metadata document (OIDC discovery, RFC 8414), as `check::discovery::parse_metadata` reads it.
//! Never panics; a document it accepts names a token endpoint.
#![no_main]

use authcheck::check::internals::discovery::parse_metadata;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_metadata(data) {
        Ok(metadata) => assert!(
            !metadata.token_endpoint.is_blank(),
            "accepted a blank token_endpoint: {metadata:?}"
        ),
        Err(reason) => assert!(reason.len() < 200, "long error: {reason:?}"),
    }
});
