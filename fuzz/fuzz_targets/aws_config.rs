//! The AWS shared credentials and config files, as `aws::profile` reads them: the input is the credentials file,
//! a NUL byte, then the config file. Never panics; every profile the config file names is found (the first
//! `CHECKED` distinct names of each file, each file split at its headers once), and a secret setting never comes
//! out as plain text.
#![no_main]

use authcheck::check::internals::aws::profile::{FileKind, Sections, merged};
use libfuzzer_sys::fuzz_target;

/// How many distinct profile names of a file are looked up: later names reach no code the first ones do not, and
/// finding the distinct ones is quadratic in their number.
const CHECKED: usize = 4;

/// The first `CHECKED` distinct names, in the file's order.
fn first_distinct<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut kept: Vec<&'a str> = Vec::with_capacity(CHECKED);
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
    let credentials_sections = Sections::read(credentials, FileKind::Credentials);
    let config_sections = Sections::read(config, FileKind::Config);
    for name in first_distinct(config_sections.names()) {
        let found = merged(name, None, Some(&config_sections));
        assert!(
            found.is_some(),
            "config names profile {name:?} but it is not found"
        );
        if let Some(found) = found {
            assert!(found.get("aws_secret_access_key").is_none());
            assert!(found.get("aws_session_token").is_none());
        }
    }
    let mut names = first_distinct(credentials_sections.names());
    names.push("default");
    for name in names {
        if let Some(found) = merged(name, Some(&credentials_sections), Some(&config_sections)) {
            assert!(found.get("aws_secret_access_key").is_none());
            let _ = found.secret("aws_secret_access_key");
            let _ = found.get("role_arn");
        }
    }
});
