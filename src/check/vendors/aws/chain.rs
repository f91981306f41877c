//! The credentials of an AWS check, found where the aws provider finds them and in its order (facts:
//! cloud-federation.md 1.5): a web identity token named by the check's own inputs; the profile the check names;
//! the access key variables; the profile `AWS_PROFILE` names (or `default`); a role with a web identity token from
//! the environment (`AWS_ROLE_ARN` with `AWS_WEB_IDENTITY_TOKEN_FILE`, or GitHub Actions' token service).
//! `aws_role_arn` with keys or a profile assumes that role with them. Container and instance metadata are not
//! asked: a check that finds nothing says where it looked.

use crate::check::base::secret::Secret;
use crate::check::inputs::credential::federated::Federated;
use crate::check::inputs::env::{Env, environment_refusal, refuse, shown_path};
use crate::check::inputs::given::Inputs;
use crate::check::report::words::Words;
use crate::check::report::{Report, Status};
use crate::check::vendors::aws::profile::{self, Profile};
use crate::check::vendors::aws::settings::{KeyOrigin, Keys, Role, Source, WebIdentity};
use crate::surface::Input;
use crate::words;

/// The audience GitHub Actions ID tokens are requested for, as configure-aws-credentials asks for them.
pub const STS_AUDIENCE: &str = "sts.amazonaws.com";

/// Profiles a `source_profile` chain may pass through before it is called a loop.
const MAX_PROFILE_DEPTH: usize = 5;

/// The shared config and credentials files: their paths and texts (secrets, since they may hold keys).
#[derive(Debug, Default)]
pub struct Files {
    /// `AWS_CONFIG_FILE`, or `~/.aws/config`, when it exists.
    pub config: Option<(String, Secret)>,
    /// `AWS_SHARED_CREDENTIALS_FILE`, or `~/.aws/credentials`, when it exists.
    pub credentials: Option<(String, Secret)>,
}

impl Files {
    /// Reads both files where the SDKs look for them; a file that exists but cannot be read is refused.
    pub fn read(env: Env<'_>) -> Result<Files, Box<Report>> {
        let home = env("HOME").or_else(|| env("USERPROFILE"));
        let path = |variable: &str, default: &str| {
            env(variable)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (v, variable.to_string()))
                .or_else(|| {
                    home.as_ref().map(|home| {
                        (
                            format!("{home}/.aws/{default}"),
                            format!("~/.aws/{default}"),
                        )
                    })
                })
        };
        let mut files = Files::default();
        for (variable, default) in [
            ("AWS_CONFIG_FILE", "config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        ] {
            let Some((path, named)) = path(variable, default) else {
                continue;
            };
            let text = profile::read_file(&path).map_err(|why| {
                environment_refusal(
                    words![format!(
                        "Cannot read the AWS shared {default} file {}: {why}",
                        shown_path(&path)
                    )],
                    words![format!(
                        "The aws provider reads {named} for profiles; authcheck reads it the same way. Fix the \
                         file's permissions or point {variable} at a readable file."
                    )],
                )
            })?;
            let slot = if default == "config" {
                &mut files.config
            } else {
                &mut files.credentials
            };
            // Kept for messages only (the text is read): shown as a message shows a path.
            *slot = text.map(|text| (shown_path(&path), text));
        }
        Ok(files)
    }

    /// The profile `name` as both files define it.
    pub fn profile(&self, name: &str) -> Option<Profile> {
        profile::profile(
            name,
            self.credentials.as_ref().map(|(_, t)| t.expose()),
            self.config.as_ref().map(|(_, t)| t.expose()),
        )
    }

    /// The file a profile's keys were read from, for messages: the credentials file when it defines the profile.
    fn keys_file(&self, name: &str) -> String {
        let defines = |file: &Option<(String, Secret)>, kind| {
            file.as_ref()
                .filter(|(_, text)| {
                    profile::names(text.expose(), kind)
                        .iter()
                        .any(|n| n == name)
                })
                .map(|(path, _)| path.clone())
        };
        defines(&self.credentials, profile::FileKind::Credentials)
            .or_else(|| defines(&self.config, profile::FileKind::Config))
            .unwrap_or_else(|| "the shared files".to_string())
    }
}

/// What was found, and what to say about it in the inputs step.
pub type Found = (Source, Vec<(Status, Words)>);

/// The credentials of the check, in the aws provider's order.
pub fn source(inputs: &Inputs, env: Env<'_>, files: &Files) -> Result<Found, Box<Report>> {
    let nonempty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let role_input = inputs.text(Input::AwsRoleArn).map(|arn| Role {
        arn: arn.trim().to_string(),
        named: words![Input::AwsRoleArn],
        blame: Some(Input::AwsRoleArn),
        external_id: None,
        session_name: None,
    });
    let role_env = nonempty("AWS_ROLE_ARN").map(|arn| Role {
        arn: arn.trim().to_string(),
        named: words!["AWS_ROLE_ARN"],
        blame: None,
        external_id: None,
        session_name: None,
    });
    let role_env = role_env.map(checked_role).transpose()?;
    let mut notes = Vec::new();
    // 1. A web identity token the check names itself: the provider's assume_role_with_web_identity.
    if let Some((token, input)) = explicit_token(inputs, env)? {
        let role = role_input.or(role_env).ok_or_else(|| {
            refuse(
                Input::AwsRoleArn,
                words!["A web identity token needs a role to assume: set ", Input::AwsRoleArn],
                words![
                    "AssumeRoleWithWebIdentity exchanges the token for the credentials of one IAM role. Set ",
                    Input::AwsRoleArn,
                    " (or AWS_ROLE_ARN) to the role whose trust policy names this token's issuer."
                ],
            )
        })?;
        return Ok((web_identity(role, token, Some(input)), notes));
    }
    // 2. The profile the check names outranks the access key variables, as the provider's `profile` does.
    if let Some(name) = inputs.text(Input::AwsProfile) {
        let base = from_profile(name.trim(), files, env, 0, Some(Input::AwsProfile))?;
        return Ok((assuming(role_input, base), notes));
    }
    let keys = env_keys(env)?;
    let token_env = nonempty("AWS_WEB_IDENTITY_TOKEN_FILE");
    let github = github_token(inputs, env);
    // 3. The access key variables.
    if let Some(keys) = keys {
        if role_input.is_none() && role_env.is_some() && (token_env.is_some() || github.is_some()) {
            notes.push((
                Status::Warn,
                words![
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set, so the aws provider uses them and never \
                     assumes AWS_ROLE_ARN with the web identity token: these keys were checked. Unset them (a \
                     leftover from an earlier step?) if the pipeline means to assume the role."
                ],
            ));
        }
        return Ok((assuming(role_input, Source::Keys(keys)), notes));
    }
    // 4. A role with a web identity token file from the environment (the SDK's web identity provider).
    let role = role_input.clone().or(role_env);
    if let (Some(role), Some(path)) = (&role, token_env) {
        return Ok((
            web_identity(role.clone(), Federated::File(path), None),
            notes,
        ));
    }
    // 5. The profile AWS_PROFILE names, or `default` when it holds credentials (a `[default]` with only a region
    // names none).
    let named = nonempty("AWS_PROFILE");
    let name = named.clone().unwrap_or_else(|| "default".to_string());
    let usable = files
        .profile(&name)
        .is_some_and(|p| p.get("aws_access_key_id").is_some() || p.get("role_arn").is_some());
    if named.is_some() || usable {
        let base = from_profile(name.trim(), files, env, 0, None)?;
        return Ok((assuming(role_input, base), notes));
    }
    // 6. A role with the GitHub Actions job's own ID token.
    let Some(role) = role else {
        return Err(nothing_found(files));
    };
    if let Some(token) = github {
        notes.push((
            Status::Warn,
            words![
                "the aws provider does not request GitHub's ID token itself: a step such as                  configure-aws-credentials (or a token file in AWS_WEB_IDENTITY_TOKEN_FILE) must give it the                  role's credentials; this check assumed the role with the job's token, as that step will"
            ],
        ));
        return Ok((web_identity(role, token, None), notes));
    }
    Err(role_without_credentials(&role, env))
}

fn web_identity(role: Role, token: Federated, token_input: Option<Input>) -> Source {
    Source::WebIdentity(WebIdentity {
        role,
        token,
        token_input,
    })
}

/// A role ARN from the environment or a profile, checked as the input rule checks `aws_role_arn`.
fn checked_role(role: Role) -> Result<Role, Box<Report>> {
    if crate::check::vendors::aws::settings::is_role_arn(&role.arn) {
        return Ok(role);
    }
    let summary = words![role.named.clone(), " is not an IAM role ARN"];
    let detail = words![
        "A role ARN is arn:aws:iam::<12-digit account>:role/<name>; IAM > Roles shows it on the role's page."
    ];
    Err(match role.blame {
        Some(input) => refuse(input, summary, detail),
        None => environment_refusal(summary, detail),
    })
}

/// `aws_role_arn` given with keys or a profile: that role, assumed with them.
fn assuming(role: Option<Role>, base: Source) -> Source {
    match role {
        Some(role) => Source::AssumeRole {
            role,
            with: Box::new(base),
        },
        None => base,
    }
}

/// `federated_token_file` or `federated_token_env`, when the check names one.
fn explicit_token(
    inputs: &Inputs,
    env: Env<'_>,
) -> Result<Option<(Federated, Input)>, Box<Report>> {
    if let Some(path) = inputs.text(Input::FederatedTokenFile) {
        return Ok(Some((
            Federated::File(path.to_string()),
            Input::FederatedTokenFile,
        )));
    }
    let Some(name) = inputs.text(Input::FederatedTokenEnv) else {
        return Ok(None);
    };
    match env(name).filter(|v| !v.trim().is_empty()) {
        Some(value) => Ok(Some((
            Federated::Value(Secret::new(value), name.to_string()),
            Input::FederatedTokenEnv,
        ))),
        None => Err(crate::check::inputs::env::unset_variable(
            Input::FederatedTokenEnv,
            name,
            "is empty or not set where the check runs. In GitLab CI, declare it under id_tokens in the job.",
        )),
    }
}

/// GitHub Actions' token service, when the job may use it; the audience configure-aws-credentials asks for unless
/// the check names another.
fn github_token(inputs: &Inputs, env: Env<'_>) -> Option<Federated> {
    let nonempty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let url = nonempty("ACTIONS_ID_TOKEN_REQUEST_URL")?;
    let token = nonempty("ACTIONS_ID_TOKEN_REQUEST_TOKEN")?;
    Some(Federated::GithubActions {
        url,
        request_token: Secret::new(token),
        audience: inputs
            .text(Input::FederatedTokenAudience)
            .unwrap_or(STS_AUDIENCE)
            .to_string(),
    })
}

/// The access key variables: both or neither.
fn env_keys(env: Env<'_>) -> Result<Option<Keys>, Box<Report>> {
    let id = env("AWS_ACCESS_KEY_ID").filter(|v| !v.is_empty());
    let secret = env("AWS_SECRET_ACCESS_KEY")
        .filter(|v| !v.is_empty())
        .map(Secret::new);
    let session_token = env("AWS_SESSION_TOKEN")
        .filter(|v| !v.is_empty())
        .map(Secret::new);
    match (id, secret) {
        (Some(id), Some(secret)) => Ok(Some(Keys {
            access_key_id: id,
            secret,
            session_token,
            origin: KeyOrigin::Environment,
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(half_a_key("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")),
        (None, Some(_)) => Err(half_a_key("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID")),
    }
}

fn half_a_key(set: &str, missing: &str) -> Box<Report> {
    environment_refusal(
        words![format!("{set} is set but {missing} is not")],
        words![format!(
            "An AWS access key is a pair: the key id (AWS_ACCESS_KEY_ID) and its secret (AWS_SECRET_ACCESS_KEY). \
             Set {missing} from the same key, or unset {set} to use a profile or a role instead."
        )],
    )
}

/// The credentials a profile names, following `source_profile` chains.
/// A refusal about a profile: blaming `aws_profile` when the check named it, nothing when the environment did.
fn profile_refusal(blame: Option<Input>, summary: Words, detail: Words) -> Box<Report> {
    match blame {
        Some(input) => refuse(input, summary, detail),
        None => environment_refusal(summary, detail),
    }
}

fn from_profile(
    name: &str,
    files: &Files,
    env: Env<'_>,
    depth: usize,
    blame: Option<Input>,
) -> Result<Source, Box<Report>> {
    let refuse_profile =
        |summary: String, detail: String| profile_refusal(blame, words![summary], words![detail]);
    if depth >= MAX_PROFILE_DEPTH {
        return Err(refuse_profile(
            format!("The AWS profile chain through {name} is a loop or too long"),
            "Each profile's source_profile names the next; end the chain at a profile with keys."
                .to_string(),
        ));
    }
    let Some(profile) = files.profile(name) else {
        let places = [&files.config, &files.credentials]
            .iter()
            .filter_map(|f| f.as_ref().map(|(path, _)| path.clone()))
            .collect::<Vec<_>>();
        return Err(refuse_profile(
            format!("The AWS profile {name} is not defined"),
            if places.is_empty() {
                "No shared config or credentials file was found (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, \
                 ~/.aws/config, ~/.aws/credentials): create the profile, or give the credentials another way."
                    .to_string()
            } else {
                format!(
                    "Neither {} defines it (the config file names it [profile {name}], the credentials file \
                     [{name}]). Check the spelling, or the file the job reads.",
                    places.join(" nor ")
                )
            },
        ));
    };
    if let Some(arn) = profile.get("role_arn") {
        let role = Role {
            arn: arn.trim().to_string(),
            named: Words::text(format!("the role_arn of profile {name}")),
            blame,
            external_id: profile.get("external_id").map(str::to_string),
            session_name: profile.get("role_session_name").map(str::to_string),
        };
        let role = checked_role(role)?;
        return profile_role(name, &profile, role, files, env, depth, blame);
    }
    let id = profile.get("aws_access_key_id");
    let secret = profile.secret("aws_secret_access_key");
    match (id, secret) {
        (Some(id), Some(secret)) => Ok(Source::Keys(Keys {
            access_key_id: id.to_string(),
            secret: secret.clone(),
            session_token: profile
                .secret("aws_session_token")
                .or_else(|| profile.secret("aws_security_token"))
                .cloned(),
            origin: KeyOrigin::Profile {
                name: name.to_string(),
                file: files.keys_file(name),
                blame,
            },
        })),
        (Some(_), None) | (None, Some(_)) => Err(refuse_profile(
            format!("The AWS profile {name} has half an access key"),
            "A profile's key is aws_access_key_id with aws_secret_access_key; one of them is missing.".to_string(),
        )),
        (None, None) => Err(refuse_profile(
            format!("The AWS profile {name} holds no credentials authcheck can check"),
            unusable_profile(&profile),
        )),
    }
}

/// A profile's `role_arn`: assumed with its `source_profile`, its `web_identity_token_file`, or the environment.
fn profile_role(
    name: &str,
    profile: &Profile,
    role: Role,
    files: &Files,
    env: Env<'_>,
    depth: usize,
    blame: Option<Input>,
) -> Result<Source, Box<Report>> {
    if let Some(path) = profile.get("web_identity_token_file") {
        return Ok(web_identity(role, Federated::File(path.to_string()), None));
    }
    let with = if let Some(source) = profile.get("source_profile") {
        if source == name {
            // A profile may assume its role with its own keys.
            own_keys(name, profile, files, blame)?
        } else {
            from_profile(source, files, env, depth + 1, blame)?
        }
    } else if profile
        .get("credential_source")
        .is_some_and(|s| s.eq_ignore_ascii_case("Environment"))
    {
        env_keys(env)?.map(Source::Keys).ok_or_else(|| {
            profile_refusal(
                blame,
                words![format!(
                    "The AWS profile {name} takes its keys from the environment, and AWS_ACCESS_KEY_ID is not set"
                )],
                words!["credential_source = Environment reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."],
            )
        })?
    } else {
        return Err(profile_refusal(
            blame,
            words![format!(
                "The AWS profile {name} names a role but nothing authcheck can assume it with"
            )],
            words![format!(
                "role_arn needs source_profile (a profile with keys) or web_identity_token_file{}. \
                 Instance and container metadata are not asked: they exist only on AWS.",
                profile
                    .get("credential_source")
                    .map(|s| format!("; credential_source = {} is not checked", printable(s)))
                    .unwrap_or_default()
            )],
        ));
    };
    Ok(Source::AssumeRole {
        role,
        with: Box::new(with),
    })
}

fn own_keys(
    name: &str,
    profile: &Profile,
    files: &Files,
    blame: Option<Input>,
) -> Result<Source, Box<Report>> {
    match (
        profile.get("aws_access_key_id"),
        profile.secret("aws_secret_access_key"),
    ) {
        (Some(id), Some(secret)) => Ok(Source::Keys(Keys {
            access_key_id: id.to_string(),
            secret: secret.clone(),
            session_token: profile
                .secret("aws_session_token")
                .or_else(|| profile.secret("aws_security_token"))
                .cloned(),
            origin: KeyOrigin::Profile {
                name: name.to_string(),
                file: files.keys_file(name),
                blame,
            },
        })),
        _ => Err(profile_refusal(
            blame,
            words![format!(
                "The AWS profile {name} is its own source_profile but holds no access key"
            )],
            words![
                "Add aws_access_key_id and aws_secret_access_key to it, or name another source_profile."
            ],
        )),
    }
}

/// Why a profile without keys or a role cannot be checked.
fn unusable_profile(profile: &Profile) -> String {
    if profile.get("sso_session").is_some() || profile.get("sso_start_url").is_some() {
        "It is an IAM Identity Center (SSO) profile: its credentials come from a browser sign-in (aws sso login), \
         which a pipeline does not have. Give the pipeline a role to assume instead."
            .to_string()
    } else if profile.get("credential_process").is_some() {
        "It names a credential_process; authcheck does not run programs from a profile. Check the credentials \
         that program prints by exporting them as AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN."
            .to_string()
    } else if profile.is_empty() {
        "The profile is empty.".to_string()
    } else {
        "It has no aws_access_key_id and aws_secret_access_key, and no role_arn.".to_string()
    }
}

/// Outside text (a file's value) fit for one line.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(80).collect()
}

/// No credentials anywhere the provider looks.
fn nothing_found(files: &Files) -> Box<Report> {
    let looked = [&files.config, &files.credentials]
        .iter()
        .filter_map(|f| f.as_ref().map(|(path, _)| path.clone()))
        .collect::<Vec<_>>();
    environment_refusal(
        words!["No AWS credentials: nothing the aws provider would use is set"],
        words![
            "authcheck looked where the aws provider does: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the \
             profile in ",
            Input::AwsProfile,
            format!(
                " or AWS_PROFILE ({}), and a role (",
                if looked.is_empty() {
                    "no shared config or credentials file exists".to_string()
                } else {
                    format!("files read: {}", looked.join(", "))
                }
            ),
            Input::AwsRoleArn,
            " or AWS_ROLE_ARN) with a web identity token. In GitHub Actions, give the job `permissions: { \
             id-token: write }` and set ",
            Input::AwsRoleArn,
            "; in a plan that runs remotely (HCP Terraform), the runner's variables never reach it."
        ],
    )
}

/// A role named, and nothing to assume it with.
fn role_without_credentials(role: &Role, env: Env<'_>) -> Box<Report> {
    let github = env("GITHUB_ACTIONS").is_some_and(|v| v.trim() == "true");
    let (summary, detail) = if github {
        (
            words![
                "This GitHub Actions job may not request an ID token: ACTIONS_ID_TOKEN_REQUEST_URL is not set"
            ],
            words![
                format!(
                    "{} is to be assumed with the job's ID token, but ",
                    role.arn
                ),
                "GitHub sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN only in jobs whose \
                 permissions include id-token: write. Add `permissions: { id-token: write, contents: read }` to \
                 the job (configure-aws-credentials needs the same)."
            ],
        )
    } else {
        (
            words![
                "A role to assume (named by ",
                role.named.clone(),
                "), but no credentials to assume it with"
            ],
            words![
                "Give a web identity token (",
                Input::FederatedTokenFile,
                ", ",
                Input::FederatedTokenEnv,
                " or AWS_WEB_IDENTITY_TOKEN_FILE) to assume it with AssumeRoleWithWebIdentity, or access keys \
                 or a profile to assume it with AssumeRole."
            ],
        )
    };
    environment_refusal(summary, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(credentials: &str, config: &str) -> Files {
        Files {
            credentials: Some(("credentials".into(), Secret::new(credentials))),
            config: Some(("config".into(), Secret::new(config))),
        }
    }

    fn found(inputs: &Inputs, env: &[(&str, &str)], files: &Files) -> Result<Found, Box<Report>> {
        let lookup = |name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        source(inputs, &lookup, files)
    }

    const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";

    #[test]
    fn a_default_profile_with_only_a_region_does_not_hide_a_role_with_a_token_file() {
        let files = files("", "[default]\nregion = eu-west-1\n");
        let env = [
            ("AWS_ROLE_ARN", ROLE),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ];
        let (source, notes) = found(&Inputs::new(), &env, &files).expect("found");
        assert_eq!(source.method(), "web_identity");
        assert!(notes.is_empty());
    }

    #[test]
    fn the_token_file_of_the_environment_comes_before_aws_profile_as_the_sdk_has_it() {
        let files = files(
            "[ci]\naws_access_key_id = AKIACI\naws_secret_access_key = s\n",
            "",
        );
        let env = [
            ("AWS_PROFILE", "ci"),
            ("AWS_ROLE_ARN", ROLE),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ];
        let (source, _) = found(&Inputs::new(), &env, &files).expect("found");
        assert_eq!(source.method(), "web_identity");
        let (source, _) = found(&Inputs::new(), &env[..1], &files).expect("found");
        assert_eq!(source.method(), "access_key");
    }

    #[test]
    fn leftover_keys_shadow_the_role_and_say_so() {
        let env = [
            ("AWS_ACCESS_KEY_ID", "AKIALEFT"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_ROLE_ARN", ROLE),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ];
        let (source, notes) = found(&Inputs::new(), &env, &Files::default()).expect("found");
        assert_eq!(source.method(), "access_key");
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].0, Status::Warn);
    }

    #[test]
    fn a_profile_is_blamed_only_when_the_check_named_it() {
        let files = files("", "[profile broken]\nregion = eu-west-1\n");
        let env = [("AWS_PROFILE", "broken")];
        let from_env = found(&Inputs::new(), &env, &files).expect_err("refused");
        assert_eq!(from_env.blame, None);
        assert!(!from_env.usage, "the environment, not the command line");
        let named = Inputs::new().with_text(Input::AwsProfile, "broken");
        let from_input = found(&named, &[], &files).expect_err("refused");
        assert_eq!(from_input.blame, Some(Input::AwsProfile));
    }

    #[test]
    fn a_profile_role_carries_its_external_id_and_session_name() {
        let files = files(
            "[ci]\naws_access_key_id = AKIACI\naws_secret_access_key = s\n",
            "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = ci\n\
             external_id = partner-42\nrole_session_name = pipeline\n",
        );
        let named = Inputs::new().with_text(Input::AwsProfile, "deploy");
        let (source, _) = found(&named, &[], &files).expect("found");
        let Source::AssumeRole { role, with } = source else {
            panic!("not an assumed role");
        };
        assert_eq!(role.external_id.as_deref(), Some("partner-42"));
        assert_eq!(role.session_name.as_deref(), Some("pipeline"));
        assert_eq!(with.method(), "access_key");
    }

    #[test]
    fn a_role_arn_from_the_environment_is_held_to_the_shape_of_one() {
        let env = [
            ("AWS_ROLE_ARN", "deploy"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ];
        let refused = found(&Inputs::new(), &env, &Files::default()).expect_err("refused");
        assert_eq!(refused.blame, None);
    }

    #[test]
    fn github_actions_token_service_is_used_with_a_warning_the_provider_will_not() {
        let env = [
            ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://example/token?x=1"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runtime"),
        ];
        let inputs = Inputs::new().with_text(Input::AwsRoleArn, ROLE);
        let (source, notes) = found(&inputs, &env, &Files::default()).expect("found");
        assert_eq!(source.method(), "web_identity");
        assert_eq!(notes.len(), 1);
        // The request URL without its token: the job cannot ask, and the environment is to blame.
        let missing = found(&inputs, &env[..1], &Files::default()).expect_err("refused");
        assert_eq!(missing.blame, None);
    }
}
