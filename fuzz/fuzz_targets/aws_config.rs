//! The AWS shared credentials and config files, as `aws::profile` reads them: the input is the credentials file,
//! a NUL byte, then the config file. Never panics; every profile the config file names is found, and a secret
//! setting never comes out as plain text.
#![no_main]

use authcheck::check::internals::aws::profile::{FileKind, names, profile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (credentials, config) = text.split_once('\0').unwrap_or((&text, ""));
    for name in names(config, FileKind::Config) {
        let found = profile(&name, None, Some(config));
        assert!(
            found.is_some(),
            "config names profile {name:?} but it is not found"
        );
        if let Some(found) = found {
            assert!(found.get("aws_secret_access_key").is_none());
            assert!(found.get("aws_session_token").is_none());
        }
    }
    for name in names(credentials, FileKind::Credentials)
        .into_iter()
        .chain(["default".to_string()])
    {
        if let Some(found) = profile(&name, Some(credentials), Some(config)) {
            assert!(found.get("aws_secret_access_key").is_none());
            let _ = found.secret("aws_secret_access_key");
            let _ = found.get("role_arn");
        }
    }
});
