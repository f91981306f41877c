//! AWS as one vendor: any `aws_*` input selects it; the endpoint is the region's STS (or `aws_sts_url` and the
//! variables the SDKs read for it); the credentials are found where the aws provider finds them; the check is
//! its own (STS, not an OAuth2 token endpoint).

use crate::check::inputs::env::{Env, environment_refusal, from_env, refuse};
use crate::check::inputs::given::Inputs;
use crate::check::inputs::request::{CheckRequest, Derived, Endpoint, VendorSettings};
use crate::check::inputs::validate::Problem;
use crate::check::report::{Findings, Report, Status};
use crate::check::vendors::aws::chain::{self, Files};
use crate::check::vendors::aws::settings::{Settings, is_account, is_region, is_role_arn};
use crate::check::vendors::vendor::{BoxFuture, Identity, OwnCheck, OwnIdentity, Vendor};
use crate::check::vendors::vendor_inputs::{Selected, VendorInputs};
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

impl VendorInputs for Aws {
    fn id(&self) -> &'static str {
        ID
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
        if let Some(name) = inputs.text(Input::AwsRoleSessionName)
            && !is_session_name(name.trim())
        {
            problems.push(Problem::new(
                Input::AwsRoleSessionName,
                words![Input::AwsRoleSessionName, " is not a valid session name"],
                words![
                    "STS takes 2 to 64 characters: letters, digits and + = , . @ _ - (no spaces)."
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

    fn is_oauth_client(&self) -> bool {
        false
    }
}

impl Vendor for Aws {
    fn identity(&self) -> Identity {
        Identity::Own(&Aws)
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
    let given = inputs
        .text(Input::AwsStsUrl)
        .map(|url| (url.trim().to_string(), words![Input::AwsStsUrl]))
        .or_else(|| {
            from_env(Input::AwsStsUrl, env)
                .map(|(name, url)| (url.trim().to_string(), words![name]))
        });
    let region = region(
        inputs,
        env,
        &files,
        given.as_ref().map(|(url, _)| url.as_str()),
    )?;
    let region = match region {
        Some(region) => region,
        None if given.is_some() => DEFAULT_REGION.to_string(),
        None => {
            notes.push((
                Status::Warn,
                words![
                    "no region given (",
                    Input::AwsRegion,
                    format!(
                        ", AWS_REGION, AWS_DEFAULT_REGION or the profile's region): STS of {DEFAULT_REGION} was \
                         asked"
                    )
                ],
            ));
            DEFAULT_REGION.to_string()
        }
    };
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
    let settings = Settings {
        region,
        sts_url_given,
        session_name: session_name(inputs, env)?,
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

/// The region the requests are signed for: the input, the variables, the profile's, or the one a given STS
/// endpoint's host names (`sts.eu-west-1.amazonaws.com`, a VPC endpoint's `….sts.eu-west-1.vpce…`), since a
/// regional endpoint refuses a signature scoped to another region. Every source is held to the region rule, since
/// the region becomes part of a host name the credentials are sent to.
fn region(
    inputs: &Inputs,
    env: Env<'_>,
    files: &Files,
    sts_url: Option<&str>,
) -> Result<Option<String>, Box<Report>> {
    if let Some(region) = inputs.text(Input::AwsRegion) {
        return Ok(Some(region.trim().to_string()));
    }
    let checked = |region: String, from: String| {
        if is_region(&region) {
            Ok(Some(region))
        } else {
            Err(environment_refusal(
                words![format!("{from} is not an AWS region name")],
                words![
                    format!(
                        "{from} is used as the region whose STS is asked; a region is written like us-east-1 or \
                     eu-west-2. Fix it, or set "
                    ),
                    Input::AwsRegion,
                    "."
                ],
            ))
        }
    };
    if let Some((name, region)) = from_env(Input::AwsRegion, env) {
        return checked(region.trim().to_string(), name.to_string());
    }
    if let Some((profile, region)) = profile_region(inputs, env, files) {
        return checked(region, format!("the region of AWS profile {profile}"));
    }
    Ok(sts_url.and_then(region_of_host))
}

/// The region an STS host names, when it names one.
fn region_of_host(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    labels
        .windows(2)
        .find(|pair| matches!(pair[0], "sts" | "sts-fips") && is_region(pair[1]))
        .map(|pair| pair[1].to_string())
}

/// The session name of an assumed role: the input, `AWS_ROLE_SESSION_NAME`, or `authcheck-<unix time>`; held to
/// STS's rule (2 to 64 of letters, digits and `+=,.@_-`).
fn session_name(inputs: &Inputs, env: Env<'_>) -> Result<String, Box<Report>> {
    let given = match inputs.text(Input::AwsRoleSessionName) {
        Some(name) => Some((name.trim().to_string(), None)),
        None => from_env(Input::AwsRoleSessionName, env)
            .map(|(variable, name)| (name.trim().to_string(), Some(variable))),
    };
    let Some((name, variable)) = given else {
        return Ok(format!(
            "authcheck-{}",
            crate::check::base::clock::now_unix()
        ));
    };
    if is_session_name(&name) {
        return Ok(name);
    }
    let detail = words![
        "STS takes a session name of 2 to 64 characters: letters, digits and + = , . @ _ - (no spaces)."
    ];
    Err(match variable {
        None => refuse(
            Input::AwsRoleSessionName,
            words![Input::AwsRoleSessionName, " is not a valid session name"],
            detail,
        ),
        Some(variable) => environment_refusal(
            words![format!("{variable} is not a valid session name")],
            detail,
        ),
    })
}

fn is_session_name(text: &str) -> bool {
    (2..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// The profile the check would use and its region, when it names one.
fn profile_region(inputs: &Inputs, env: Env<'_>, files: &Files) -> Option<(String, String)> {
    let name = inputs
        .text(Input::AwsProfile)
        .map(str::to_string)
        .or_else(|| env("AWS_PROFILE").filter(|p| !p.trim().is_empty()))
        .unwrap_or_else(|| "default".to_string());
    let profile = files.profile(name.trim())?;
    profile
        .get("region")
        .map(|r| (name.trim().to_string(), r.trim().to_string()))
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
    fn a_given_sts_host_names_the_region_to_sign_for() {
        assert_eq!(
            region_of_host("https://sts.eu-west-1.amazonaws.com/").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            region_of_host("https://vpce-0a1b-x2y3.sts.eu-central-1.vpce.amazonaws.com").as_deref(),
            Some("eu-central-1")
        );
        assert_eq!(
            region_of_host("https://sts-fips.us-east-2.amazonaws.com").as_deref(),
            Some("us-east-2")
        );
        assert_eq!(region_of_host("https://sts.amazonaws.com"), None);
        assert_eq!(region_of_host("http://127.0.0.1:4566"), None);
        assert!(is_session_name("authcheck-1796399538"));
        assert!(!is_session_name("my session"));
        assert!(!is_session_name("x"));
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
