//! The AWS shared config and credentials files as the SDKs read them: INI sections (`[default]`, `[profile
//! name]` in the config file, `[name]` in the credentials file), `key = value` lines, `#` and `;` comments, and
//! indented lines that continue a nested block (`s3 =` sub-settings, which the check does not need). A profile's
//! keys come from the credentials file first, then the config file, as botocore merges them.

use crate::check::base::secret::Secret;

/// Largest file read: shared config files are a few kilobytes.
const MAX_FILE_BYTES: usize = 1024 * 1024;

/// One profile, merged from both files: every setting as text, the secrets as [`Secret`].
#[derive(Debug, Default)]
pub struct Profile {
    settings: Vec<(String, Value)>,
}

#[derive(Debug)]
enum Value {
    Text(String),
    Secret(Secret),
}

/// Settings whose values are secrets: never copied out as text.
const SECRET_KEYS: [&str; 3] = [
    "aws_secret_access_key",
    "aws_session_token",
    // botocore's older name for the session token.
    "aws_security_token",
];

impl Profile {
    /// A plain setting (`region`, `role_arn`, `source_profile`, `web_identity_token_file` ...), trimmed, when set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.iter().find_map(|(k, v)| match v {
            Value::Text(text) if k == key && !text.is_empty() => Some(text.as_str()),
            _ => None,
        })
    }

    /// A secret setting (`aws_secret_access_key`, `aws_session_token`), when set.
    pub fn secret(&self, key: &str) -> Option<&Secret> {
        self.settings.iter().find_map(|(k, v)| match v {
            Value::Secret(secret) if k == key && !secret.is_empty() => Some(secret),
            _ => None,
        })
    }

    /// True when the profile has no setting at all.
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
    }

    fn set(&mut self, key: String, value: Value) {
        // The credentials file is read first and wins: a later file does not replace a setting.
        if !self.settings.iter().any(|(k, _)| *k == key) {
            self.settings.push((key, value));
        }
    }
}

/// Which file a section comes from: they name profiles differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `~/.aws/config`: `[default]` and `[profile name]` (`[sso-session x]` and `[services x]` are not profiles).
    Config,
    /// `~/.aws/credentials`: `[name]`.
    Credentials,
}

/// The profile `name` as the two files' texts define it (either may be absent); `None` when neither has it.
pub fn profile(name: &str, credentials: Option<&str>, config: Option<&str>) -> Option<Profile> {
    let mut profile = Profile {
        settings: Vec::new(),
    };
    let mut found = false;
    for (text, kind) in [
        (credentials, FileKind::Credentials),
        (config, FileKind::Config),
    ] {
        if let Some(text) = text {
            found |= read_section(text, kind, name, &mut profile);
        }
    }
    found.then_some(profile)
}

/// The profile names a file defines, in order.
pub fn names(text: &str, kind: FileKind) -> Vec<String> {
    text.lines()
        .filter_map(|line| section_profile(line.trim(), kind))
        .map(str::to_owned)
        .collect()
}

/// Reads a file of at most [`MAX_FILE_BYTES`]: `Ok(None)` when there is none, the reason when it cannot be read.
pub fn read_file(path: &str) -> Result<Option<Secret>, String> {
    crate::check::inputs::env::read_secret_file(path, MAX_FILE_BYTES)
}

/// The profile a section header names in a file of `kind`, if it is one. Borrowed: a lookup compares every
/// header of the file with the name it wants.
fn section_profile(line: &str, kind: FileKind) -> Option<&str> {
    let inner = line.strip_prefix('[')?.split(']').next()?.trim();
    let name = match kind {
        FileKind::Credentials => inner,
        FileKind::Config if inner == "default" => inner,
        FileKind::Config => inner
            .strip_prefix("profile")?
            .strip_prefix([' ', '\t'])?
            .trim(),
    };
    (!name.is_empty()).then_some(name)
}

/// Adds the settings of section `name` of one file; true when the file has that section.
fn read_section(text: &str, kind: FileKind, name: &str, profile: &mut Profile) -> bool {
    let mut inside = false;
    let mut found = false;
    for raw in text.lines() {
        let indented = raw.starts_with([' ', '\t']);
        let line = raw.trim();
        if line.starts_with('[') {
            inside = section_profile(line, kind) == Some(name);
            found |= inside;
            continue;
        }
        // Comments, blank lines and the lines of a nested block (`s3 =` then indented settings).
        if !inside || indented || line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let value = if SECRET_KEYS.contains(&key.as_str()) {
            Value::Secret(Secret::new(value))
        } else {
            Value::Text(value.to_string())
        };
        profile.set(key, value);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIADEFAULT000000000
aws_secret_access_key = default/secret+KEY

[ci]
aws_access_key_id=AKIACI00000000000000
aws_secret_access_key=ci-secret
";

    const CONFIG: &str = "\
# comments are skipped
[default]
region = eu-west-1

[profile deploy]
role_arn = arn:aws:iam::123456789012:role/deploy
source_profile = ci
region = us-west-2
s3 =
  max_concurrent_requests = 20
; another comment
[profile  web ]
role_arn = arn:aws:iam::123456789012:role/web
web_identity_token_file = /var/run/token

[sso-session corp]
sso_region = us-east-1
[ci]
region = not-a-profile-in-the-config-file
";

    #[test]
    fn a_profile_merges_both_files_the_credentials_file_first() {
        let default = profile("default", Some(CREDENTIALS), Some(CONFIG)).expect("default");
        assert_eq!(
            default.get("aws_access_key_id"),
            Some("AKIADEFAULT000000000")
        );
        assert_eq!(
            default.secret("aws_secret_access_key").map(Secret::expose),
            Some("default/secret+KEY")
        );
        assert_eq!(default.get("region"), Some("eu-west-1"));
        // A secret never comes out as text.
        assert_eq!(default.get("aws_secret_access_key"), None);
    }

    #[test]
    fn config_sections_name_profiles_with_the_profile_prefix_and_nested_blocks_are_skipped() {
        let deploy = profile("deploy", Some(CREDENTIALS), Some(CONFIG)).expect("deploy");
        assert_eq!(deploy.get("source_profile"), Some("ci"));
        assert_eq!(deploy.get("region"), Some("us-west-2"));
        assert_eq!(deploy.get("max_concurrent_requests"), None);
        let web = profile("web", None, Some(CONFIG)).expect("web");
        assert_eq!(web.get("web_identity_token_file"), Some("/var/run/token"));
        // `[ci]` in the config file is not a profile; the credentials file's `[ci]` is.
        let ci = profile("ci", Some(CREDENTIALS), Some(CONFIG)).expect("ci");
        assert_eq!(ci.get("region"), None);
        assert!(profile("ci", None, Some(CONFIG)).is_none());
        assert!(profile("corp", None, Some(CONFIG)).is_none());
        assert_eq!(
            names(CONFIG, FileKind::Config),
            ["default", "deploy", "web"]
        );
    }
}
