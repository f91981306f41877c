//! The AWS shared credentials and config files, as `aws::profile` reads them: the input is the credentials file,
//! a NUL byte, then the config file. Never panics; every profile the config file names is found (the first
//! `CHECKED` distinct names of each file), and a secret setting never comes out as plain text.
#![no_main]

use authcheck::check::internals::aws::profile::{FileKind, names, profile};
use libfuzzer_sys::fuzz_target;

/// How many distinct profile names of a file are looked up. Each lookup reads the whole file again, so looking up
/// every name made the target quadratic: past 1 KB of sections it ran 1,300 inputs a second instead of 10,000,
/// and later names reach no code the first ones do not.
const CHECKED: usize = 4;

/// The first `CHECKED` distinct names, in the file's order.
fn first_distinct(names: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::with_capacity(CHECKED);
    for name in names {
        if kept.len() == CHECKED {
            break;
        }
        if !kept.contains(&name) {
            kept.push(name);
        }
    }
    kept
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (credentials, config) = text.split_once('\0').unwrap_or((&text, ""));
    for name in first_distinct(names(config, FileKind::Config)) {
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
    for name in first_distinct(names(credentials, FileKind::Credentials))
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
