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
/// Reads each file's headers once; [`Sections`] lets a caller that looks up several names read them once in all.
pub fn profile(name: &str, credentials: Option<&str>, config: Option<&str>) -> Option<Profile> {
    merged(
        name,
        credentials
            .map(|text| Sections::read(text, FileKind::Credentials))
            .as_ref(),
        config
            .map(|text| Sections::read(text, FileKind::Config))
            .as_ref(),
    )
}

/// The profile `name` from two files already split into sections: the credentials file's keys first.
pub fn merged(
    name: &str,
    credentials: Option<&Sections<'_>>,
    config: Option<&Sections<'_>>,
) -> Option<Profile> {
    let mut profile = Profile {
        settings: Vec::new(),
    };
    let mut found = false;
    for sections in [credentials, config].into_iter().flatten() {
        found |= sections.add_settings(name, &mut profile);
    }
    found.then_some(profile)
}

/// The profile names a file defines, in order.
pub fn names(text: &str, kind: FileKind) -> Vec<String> {
    Sections::read(text, kind)
        .names()
        .map(str::to_owned)
        .collect()
}

/// One file split at its section headers, borrowed from its text: what each header names (a profile, or
/// `None` for a section that is not one, such as `[sso-session x]`) and the lines up to the next header. Only
/// the headers are read here; a section's settings are read when its profile is asked for.
#[derive(Debug)]
pub struct Sections<'a> {
    sections: Vec<(Option<&'a str>, &'a str)>,
}

impl<'a> Sections<'a> {
    /// Splits `text`, a file of `kind`, at its headers. Lines before the first header belong to no profile.
    pub fn read(text: &'a str, kind: FileKind) -> Self {
        let mut sections = Vec::new();
        let mut current: Option<(Option<&'a str>, usize)> = None;
        let mut at = 0;
        for raw in text.split_inclusive('\n') {
            let next = at + raw.len();
            // A header is any line whose first visible character is `[`, as the SDKs' INI readers see it.
            if raw.trim_start().starts_with('[') {
                if let Some((name, start)) = current {
                    sections.push((name, &text[start..at]));
                }
                current = Some((section_profile(raw.trim(), kind), next));
            }
            at = next;
        }
        if let Some((name, start)) = current {
            sections.push((name, &text[start..]));
        }
        Sections { sections }
    }

    /// The profile names the file defines, in order (a name defined twice comes twice).
    pub fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.sections.iter().filter_map(|(name, _)| *name)
    }

    /// Adds the settings of every section named `name`; true when there is one.
    fn add_settings(&self, name: &str, profile: &mut Profile) -> bool {
        let mut found = false;
        for (_, body) in self.sections.iter().filter(|(n, _)| *n == Some(name)) {
            found = true;
            add_lines(body, profile);
        }
        found
    }
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

/// Adds the `key = value` lines of one section's body (the lines after its header, none of them a header).
fn add_lines(body: &str, profile: &mut Profile) {
    for raw in body.lines() {
        // Comments, blank lines and the lines of a nested block (`s3 =` then indented settings).
        if raw.starts_with([' ', '\t']) {
            continue;
        }
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
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
    fn a_name_defined_twice_merges_its_sections_and_any_other_header_ends_one() {
        let text = "\
region = before-any-header
[dup]
region = first
 [sso-session corp]
output = not-in-dup
[dup]\r
region = second
output = json
";
        let sections = Sections::read(text, FileKind::Credentials);
        assert_eq!(
            sections.names().collect::<Vec<_>>(),
            ["dup", "sso-session corp", "dup"]
        );
        let dup = merged("dup", Some(&sections), None).expect("dup");
        assert_eq!(dup.get("region"), Some("first"));
        assert_eq!(dup.get("output"), Some("json"));
        let config = Sections::read(text, FileKind::Config);
        assert_eq!(config.names().count(), 0);
        assert!(merged("dup", None, Some(&config)).is_none());
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
