//! What an AWS check knows beyond the generic request: the region and its STS endpoint, the account the identity
//! must be in, and the credentials where the aws provider would find them (`chain.rs`), as one [`Source`].

use crate::check::base::secret::Secret;
use crate::check::inputs::credential::federated::Federated;
use crate::check::report::reason::Status;
use crate::check::report::words::Words;
use crate::surface::Input;

/// An AWS check's settings.
#[derive(Debug)]
pub struct Settings {
    /// The region the requests are signed for.
    pub region: String,
    /// True when the endpoint was given (`aws_sts_url` or a variable), not derived from the region.
    pub sts_url_given: bool,
    /// The session name of an assumed role.
    pub session_name: String,
    /// The account the identity must be in.
    pub account_id: Option<String>,
    /// The credentials to check; set once the vendor's inputs are read.
    pub source: Option<Source>,
    /// What was noticed reading the credentials (a key that shadows a role, a profile without a region).
    pub notes: Vec<(Status, Words)>,
}

/// Where the identity comes from, as the aws provider would find it.
#[derive(Debug)]
pub enum Source {
    /// Access keys (long-lived `AKIA`, or session `ASIA` with a session token).
    Keys(Keys),
    /// A role assumed with a web identity token (`AssumeRoleWithWebIdentity`).
    WebIdentity(WebIdentity),
    /// A role assumed with other credentials (`AssumeRole`).
    AssumeRole {
        /// The role.
        role: Role,
        /// The credentials that assume it.
        with: Box<Source>,
    },
}

/// Access keys and where they came from.
#[derive(Debug)]
pub struct Keys {
    /// The key id (`AKIA…` or `ASIA…`): an identifier, not a secret.
    pub access_key_id: String,
    /// The secret access key.
    pub secret: Secret,
    /// The session token of temporary keys.
    pub session_token: Option<Secret>,
    /// Where they were read.
    pub origin: KeyOrigin,
}

/// Where access keys were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    Environment,
    /// A profile of the shared files: its name and the file that held the keys.
    Profile {
        /// The profile.
        name: String,
        /// The file.
        file: String,
        /// `aws_profile` when the check named the profile; none when the environment did.
        blame: Option<Input>,
    },
}

/// A role, and the input that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The role's ARN.
    pub arn: String,
    /// Where it was named: `aws_role_arn`, `AWS_ROLE_ARN`, or a profile's `role_arn`.
    pub named: Words,
    /// The input to blame when the role is refused: `aws_role_arn`, or `aws_profile` for a profile the check
    /// named; none when the environment named it.
    pub blame: Option<Input>,
    /// A profile's `external_id`, sent with AssumeRole (cross-account trust policies ask for it).
    pub external_id: Option<String>,
    /// A profile's `role_session_name`.
    pub session_name: Option<String>,
}

/// A role assumed with a web identity token.
#[derive(Debug)]
pub struct WebIdentity {
    /// The role.
    pub role: Role,
    /// Where the token comes from.
    pub token: Federated,
    /// The input to blame for the token, when one named it.
    pub token_input: Option<Input>,
}

impl Source {
    /// The value of `auth_method_used`: how the identity was obtained.
    pub fn method(&self) -> &'static str {
        match self {
            Source::Keys(_) => "access_key",
            Source::WebIdentity(_) => "web_identity",
            Source::AssumeRole { .. } => "assume_role",
        }
    }

    /// The secrets it holds, for the shared-check identity and the scrubber.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Source::Keys(keys) => {
                let mut secrets = vec![&keys.secret];
                secrets.extend(keys.session_token.as_ref());
                secrets
            }
            Source::WebIdentity(web) => match &web.token {
                Federated::Value(value, _) => vec![value],
                Federated::GithubActions { request_token, .. } => vec![request_token],
                Federated::File(_) => Vec::new(),
            },
            Source::AssumeRole { with, .. } => with.secrets(),
        }
    }

    /// The credentials in words: `access keys from AWS_ACCESS_KEY_ID (AKIA…WXYZ)`, `role R assumed with …`.
    pub fn describe(&self) -> Words {
        match self {
            Source::Keys(keys) => {
                let kind = if keys.session_token.is_some() {
                    "temporary access keys"
                } else {
                    "access keys"
                };
                let from = match &keys.origin {
                    KeyOrigin::Environment => {
                        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".to_string()
                    }
                    KeyOrigin::Profile { name, file, .. } => format!("profile {name} of {file}"),
                };
                Words::text(format!(
                    "{kind} {} from {from}",
                    key_id_shown(&keys.access_key_id)
                ))
            }
            Source::WebIdentity(web) => crate::words![
                format!("role {} (named by ", web.role.arn),
                web.role.named.clone(),
                ") assumed with the web identity token from ",
                web.token.describe()
            ],
            Source::AssumeRole { role, with } => crate::words![
                format!("role {} (named by ", role.arn),
                role.named.clone(),
                ") assumed with ",
                with.describe()
            ],
        }
    }
}

/// `us-east-1`, `eu-west-2`, `us-gov-west-1`: lower-case parts joined by hyphens, a number last.
pub fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
}

/// Twelve digits.
pub fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:aws:iam::<12 digits>:role/<name>` (or another partition's).
pub fn is_role_arn(text: &str) -> bool {
    let mut parts = text.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    partition.starts_with("aws")
        && is_account(account)
        && resource
            .strip_prefix("role/")
            .is_some_and(|name| !name.is_empty() && !name.contains(char::is_whitespace))
}

/// An access key id as reports show it: whole, since AWS calls it an identifier (it is in every CloudTrail
/// record), but bounded and printable.
pub fn key_id_shown(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(32)
        .collect()
}
