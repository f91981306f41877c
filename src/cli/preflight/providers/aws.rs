//! `hashicorp/aws`: the region, static keys or a profile, a role assumed with them or with a web identity
//! token, and the account guards (facts/cloud-federation.md §1.5; a block argument wins over its variable).

use super::{Block, Kind, Plan, Prepared, Read, missing};
use crate::check::{Given, Report};
use crate::surface::Input;
use crate::words;

/// The aws provider.
pub static KIND: Kind = Kind {
    sources: &["registry.terraform.io/hashicorp/aws"],
    title: "AWS",
    env_prefixes: &["AWS_"],
    hides: &[],
    attributes: &[
        ("region", Input::AwsRegion),
        ("profile", Input::AwsProfile),
        ("assume_role.role_arn", Input::AwsRoleArn),
        ("assume_role.session_name", Input::AwsRoleSessionName),
        (
            "assume_role_with_web_identity.web_identity_token_file",
            Input::FederatedTokenFile,
        ),
        ("allowed_account_ids", Input::AwsAccountId),
    ],
    plan,
};

/// The variable that carries an inline `web_identity_token` to the engine (never the real environment's).
const INLINE_TOKEN: &str = "AUTHCHECK_PREFLIGHT_WEB_IDENTITY_TOKEN";

fn plan(block: &Block<'_>) -> Plan {
    prepare(block).unwrap_or_else(Plan::Refused)
}

fn prepare(block: &Block<'_>) -> Result<Plan, Box<Report>> {
    let mut prepared = Prepared::default();
    prepared.env_value(block, None, "access_key", "AWS_ACCESS_KEY_ID", false)?;
    prepared.env_value(block, None, "secret_key", "AWS_SECRET_ACCESS_KEY", false)?;
    prepared.env_value(block, None, "token", "AWS_SESSION_TOKEN", false)?;
    for (argument, variable) in [
        ("shared_config_files", "AWS_CONFIG_FILE"),
        ("shared_credentials_files", "AWS_SHARED_CREDENTIALS_FILE"),
    ] {
        if let Some(files) = prepared.list(block, argument, None)? {
            if let Some(first) = files.first() {
                prepared.overlay.insert(
                    variable.to_string(),
                    crate::check::Secret::new(block.path(first)),
                );
            }
            if files.len() > 1 {
                prepared
                    .notes
                    .push(format!("only the first file of `{argument}` is read"));
            }
        }
    }
    let profile = prepared.text_input(block, "profile", Input::AwsProfile)?;
    roles(block, &mut prepared)?;
    prepared.nested_text_input(block, Some("endpoints"), "sts", Input::AwsStsUrl)?;
    accounts(block, &mut prepared)?;
    let region = prepared.text_input(block, "region", Input::AwsRegion)?;
    if !region {
        match block
            .env("AWS_REGION")
            .or_else(|| block.env("AWS_DEFAULT_REGION"))
        {
            // Given as an input, so the check is an AWS one whatever else the environment holds.
            Some(region) => prepared.inputs.set(Input::AwsRegion, Given::Text(region)),
            None if profile || block.env("AWS_PROFILE").is_some() => {
                // The profile's region, as the provider reads it; the profile makes the check an AWS one.
                if !profile && let Some(name) = block.env("AWS_PROFILE") {
                    prepared.inputs.set(Input::AwsProfile, Given::Text(name));
                }
            }
            None => {
                return Ok(missing(
                    words![
                        "The aws provider needs a region: set ",
                        Input::AwsRegion,
                        " or AWS_REGION"
                    ],
                    words![
                        "The aws provider stops without one (\"The argument \\\"region\\\" is required, but no \
                         definition was found\"). Set ",
                        Input::AwsRegion,
                        " (or AWS_DEFAULT_REGION, or a profile's region)."
                    ],
                    Input::AwsRegion,
                ));
            }
        }
    }
    Ok(Plan::Check(Box::new(prepared)))
}

/// `assume_role` and `assume_role_with_web_identity`.
fn roles(block: &Block<'_>, prepared: &mut Prepared) -> Result<(), Box<Report>> {
    const WEB: &str = "assume_role_with_web_identity";
    let web = block.has_block(WEB);
    if web {
        prepared.nested_text_input(block, Some(WEB), "role_arn", Input::AwsRoleArn)?;
        prepared.nested_text_input(block, Some(WEB), "session_name", Input::AwsRoleSessionName)?;
        let file = prepared.nested_text_input(
            block,
            Some(WEB),
            "web_identity_token_file",
            Input::FederatedTokenFile,
        )?;
        if !file
            && let Read::Value(super::Arg::Text(token), _) =
                prepared.read(block, Some(WEB), "web_identity_token", None)?
        {
            prepared.overlay.insert(INLINE_TOKEN.to_string(), token);
            prepared.inputs.set(
                Input::FederatedTokenEnv,
                Given::Text(INLINE_TOKEN.to_string()),
            );
        }
    }
    if block.has_block("assume_role") {
        if web {
            prepared.notes.push(
                "the role in `assume_role`, assumed after `assume_role_with_web_identity`, is not checked: the \
                 check stops at the web identity's role"
                    .to_string(),
            );
        } else {
            prepared.nested_text_input(
                block,
                Some("assume_role"),
                "role_arn",
                Input::AwsRoleArn,
            )?;
            prepared.nested_text_input(
                block,
                Some("assume_role"),
                "session_name",
                Input::AwsRoleSessionName,
            )?;
            if matches!(
                prepared.read(block, Some("assume_role"), "external_id", None)?,
                Read::Value(..)
            ) {
                prepared.notes.push(
                    "`assume_role.external_id` is not sent (a profile's external_id is)"
                        .to_string(),
                );
            }
        }
    }
    Ok(())
}

/// `allowed_account_ids` (one account is the engine's own guard; more are checked on the report) and
/// `forbidden_account_ids`.
fn accounts(block: &Block<'_>, prepared: &mut Prepared) -> Result<(), Box<Report>> {
    if let Some(allowed) = prepared.list(block, "allowed_account_ids", Some(Input::AwsAccountId))? {
        match allowed.as_slice() {
            [one] => prepared
                .inputs
                .set(Input::AwsAccountId, Given::Text(one.trim().to_string())),
            many => prepared.accounts.allowed = many.iter().map(|a| a.trim().to_string()).collect(),
        }
    }
    if let Some(forbidden) = prepared.list(block, "forbidden_account_ids", None)? {
        prepared.accounts.forbidden = forbidden.iter().map(|a| a.trim().to_string()).collect();
    }
    Ok(())
}
