//! AWS as one vendor: any `aws_*` input selects it; the endpoint is the region's STS (or `aws_sts_url` and the
//! variables the SDKs read for it); the credentials are found where the aws provider finds them; the check is
//! its own (STS, not an OAuth2 token endpoint).

use crate::check::inputs::env::{Env, from_env, refuse};
use crate::check::inputs::given::Inputs;
use crate::check::inputs::request::{CheckRequest, Derived, Endpoint, VendorSettings};
use crate::check::inputs::validate::Problem;
use crate::check::report::{Findings, Report, Status};
use crate::check::vendors::aws::chain::{self, Files};
use crate::check::vendors::aws::settings::Settings;
use crate::check::vendors::vendor::{BoxFuture, Identity, OwnCheck, OwnIdentity, Selected, Vendor};
use crate::surface::Input;
use crate::words;

/// The vendor id.
pub const ID: &str = "aws";

/// The region STS is asked in when nothing names one: the SDKs' own default for STS.
const DEFAULT_REGION: &str = "us-east-1";

/// The inputs that select AWS.
const AWS_INPUTS: [Input; 6] = [
    Input::AwsRegion,
    Input::AwsStsUrl,
    Input::AwsRoleArn,
    Input::AwsRoleSessionName,
    Input::AwsProfile,
    Input::AwsAccountId,
];

/// AWS.
pub struct Aws;

impl Vendor for Aws {
    fn id(&self) -> &'static str {
        ID
    }

    fn identity(&self) -> Identity {
        Identity::Own(&Aws)
    }

    fn validate(&self, inputs: &Inputs) -> Vec<Problem> {
        let mut problems = Vec::new();
        if let Some(region) = inputs.text(Input::AwsRegion)
            && !is_region(region.trim())
        {
            problems.push(Problem::new(
                Input::AwsRegion,
                words![Input::AwsRegion, " is not an AWS region name"],
                words![
                    "A region is written like us-east-1, eu-west-2 or ap-southeast-1 (lower case, hyphens, a \
                     number at the end)."
                ],
            ));
        }
        if let Some(arn) = inputs.text(Input::AwsRoleArn)
            && !is_role_arn(arn.trim())
        {
            problems.push(Problem::new(
                Input::AwsRoleArn,
                words![Input::AwsRoleArn, " is not an IAM role ARN"],
                words![
                    "A role ARN is arn:aws:iam::<12-digit account>:role/<name> (arn:aws-cn: or arn:aws-us-gov: in \
                     those partitions); IAM > Roles shows it on the role's page."
                ],
            ));
        }
        if let Some(account) = inputs.text(Input::AwsAccountId)
            && !is_account(account.trim())
        {
            problems.push(Problem::new(
                Input::AwsAccountId,
                words![Input::AwsAccountId, " is not a 12-digit AWS account id"],
                words!["An AWS account id is twelve digits, e.g. 123456789012 (leading zeros included)."],
            ));
        }
        problems.extend(conflicts(inputs));
        problems
    }

    fn select(
        &self,
        inputs: &Inputs,
        env: Env<'_>,
        from_env: bool,
    ) -> Option<Result<Selected, Box<Report>>> {
        // AWS is chosen by the check's own inputs only: a job's ambient AWS variables do not make every check an
        // AWS check.
        if from_env || !AWS_INPUTS.iter().any(|i| inputs.is_set(*i)) {
            return None;
        }
        Some(selected(inputs, env))
    }

    fn own_inputs(
        &self,
        inputs: &Inputs,
        env: Env<'_>,
        settings: Option<&mut VendorSettings>,
    ) -> Result<(), Box<Report>> {
        let Some(settings) = settings else {
            return refuse_ignored(inputs);
        };
        let files = Files::read(env)?;
        let (source, notes) = chain::source(inputs, env, &files)?;
        // Two checks that differ only in a secret key are not one check.
        settings.hold_secrets(&source.secrets());
        if let Some(ours) = settings.get_mut::<Settings>() {
            ours.notes.extend(notes);
            ours.source = Some(source);
        }
        Ok(())
    }
}

impl OwnIdentity for Aws {
    fn inputs(&self, request: &CheckRequest, found: &mut Findings) {
        crate::check::vendors::aws::check::inputs(request, found);
    }

    fn check<'a>(&'a self, with: OwnCheck<'a>) -> BoxFuture<'a, crate::check::report::Outcome> {
        crate::check::vendors::aws::check::run(with)
    }
}

/// The endpoint and the settings so far: the region and its STS, or the STS URL given.
fn selected(inputs: &Inputs, env: Env<'_>) -> Result<Selected, Box<Report>> {
    let files = Files::read(env)?;
    let mut notes = Vec::new();
    let region = match inputs.text(Input::AwsRegion) {
        Some(region) => region.trim().to_string(),
        None => match from_env(Input::AwsRegion, env) {
            Some((_, region)) => region.trim().to_string(),
            None => match profile_region(inputs, env, &files) {
                Some(region) => region,
                None if inputs.is_set(Input::AwsStsUrl)
                    || from_env(Input::AwsStsUrl, env).is_some() =>
                {
                    // A given STS endpoint is asked as it is; the region only scopes the signature.
                    DEFAULT_REGION.to_string()
                }
                None => {
                    notes.push((
                        Status::Warn,
                        words![
                            format!("no region given ("),
                            Input::AwsRegion,
                            format!(", AWS_REGION, AWS_DEFAULT_REGION or the profile's region): STS of {DEFAULT_REGION} was asked")
                        ],
                    ));
                    DEFAULT_REGION.to_string()
                }
            },
        },
    };
    let given = inputs
        .text(Input::AwsStsUrl)
        .map(|url| (url.trim().to_string(), words![Input::AwsStsUrl]))
        .or_else(|| {
            from_env(Input::AwsStsUrl, env)
                .map(|(name, url)| (url.trim().to_string(), words![name]))
        });
    let sts_url_given = given.is_some();
    let (url, named, blame, described) = match given {
        Some((url, named)) => (url, named, Input::AwsStsUrl, "AWS STS".to_string()),
        None => (
            sts_url(&region),
            words![Input::AwsRegion],
            Input::AwsRegion,
            format!("AWS STS of region {region}"),
        ),
    };
    let session_name = inputs
        .text(Input::AwsRoleSessionName)
        .map(|s| s.trim().to_string())
        .or_else(|| from_env(Input::AwsRoleSessionName, env).map(|(_, s)| s.trim().to_string()))
        .unwrap_or_else(|| format!("authcheck-{}", crate::check::base::clock::now_unix()));
    let settings = Settings {
        region,
        sts_url_given,
        session_name,
        account_id: inputs
            .text(Input::AwsAccountId)
            .map(|a| a.trim().to_string()),
        source: None,
        notes,
    };
    Ok(Selected {
        endpoint: Endpoint::Derived(Derived {
            url,
            named,
            blame,
            described,
        }),
        note: None,
        settings: VendorSettings::new(ID, settings),
    })
}

/// The region of the profile the check would use, when it names one.
fn profile_region(inputs: &Inputs, env: Env<'_>, files: &Files) -> Option<String> {
    let name = inputs
        .text(Input::AwsProfile)
        .map(str::to_string)
        .or_else(|| env("AWS_PROFILE").filter(|p| !p.trim().is_empty()))
        .unwrap_or_else(|| "default".to_string());
    let profile = files.profile(name.trim())?;
    profile.get("region").map(|r| r.trim().to_string())
}

/// The STS endpoint of a region, in its partition.
pub fn sts_url(region: &str) -> String {
    if region.starts_with("cn-") {
        format!("https://sts.{region}.amazonaws.com.cn/")
    } else {
        format!("https://sts.{region}.amazonaws.com/")
    }
}

/// `aws_*` inputs beside another vendor's endpoint at one level: the check would not know which was meant.
fn conflicts(inputs: &Inputs) -> Vec<Problem> {
    let ours: Vec<Input> = [Input::AwsRegion, Input::AwsStsUrl]
        .into_iter()
        .filter(|i| inputs.is_set(*i))
        .collect();
    let theirs: Vec<Input> = [
        Input::TokenUrl,
        Input::Issuer,
        Input::GenesysRegion,
        Input::EntraTenantId,
    ]
    .into_iter()
    .filter(|i| inputs.is_set(*i))
    .collect();
    match (ours.first(), theirs.first()) {
        (Some(aws), Some(other)) => vec![Problem::new(
            *aws,
            words!["Conflicting endpoint inputs: ", *aws, " and ", *other],
            words![
                *aws,
                " makes this an AWS check (STS); ",
                *other,
                " names an OAuth2 token endpoint. Check each identity in its own data source or command."
            ],
        )],
        _ => Vec::new(),
    }
}

/// AWS inputs given to a check of another vendor: refused, since they would be ignored.
fn refuse_ignored(inputs: &Inputs) -> Result<(), Box<Report>> {
    let Some(input) = AWS_INPUTS.iter().copied().find(|i| inputs.is_set(*i)) else {
        return Ok(());
    };
    Err(refuse(
        input,
        words![input, " is set, but this check's endpoint is not AWS STS"],
        words![
            input,
            " applies to AWS checks, which any aws_* input selects unless another endpoint input (",
            Input::TokenUrl,
            ", ",
            Input::Issuer,
            ", ",
            Input::GenesysRegion,
            ", ",
            Input::EntraTenantId,
            ") is set too. Remove one of them."
        ],
    ))
}

fn is_region(text: &str) -> bool {
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

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_role_arn(text: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_account_and_role_shapes() {
        for good in [
            "us-east-1",
            "eu-west-2",
            "ap-southeast-1",
            "us-gov-west-1",
            "cn-north-1",
        ] {
            assert!(is_region(good), "{good}");
        }
        for bad in [
            "us-east1",
            "US-EAST-1",
            "us_east_1",
            "useast",
            "-east-1",
            "us-east-",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
        assert!(is_account("012345678901"));
        assert!(!is_account("12345678901"));
        assert!(is_role_arn("arn:aws:iam::123456789012:role/deploy"));
        assert!(is_role_arn("arn:aws:iam::123456789012:role/path/deploy"));
        assert!(is_role_arn("arn:aws-us-gov:iam::123456789012:role/x"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/deploy"));
        assert!(!is_role_arn(
            "arn:aws:sts::123456789012:assumed-role/deploy/s"
        ));
        assert!(!is_role_arn("deploy"));
    }

    #[test]
    fn each_partition_has_its_sts_host() {
        assert_eq!(sts_url("eu-west-1"), "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(
            sts_url("cn-north-1"),
            "https://sts.cn-north-1.amazonaws.com.cn/"
        );
    }
}
