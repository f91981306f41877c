//! `mypurecloud/genesyscloud`: client credentials, the region in `aws_region`, and an access token that
//! replaces them (facts/genesys.md §5: every argument is optional, each has a `GENESYSCLOUD_*` variable).

use super::{Block, Kind, Plan, Prepared, missing};
use crate::surface::Input;
use crate::words;

/// The genesyscloud provider.
pub static KIND: Kind = Kind {
    sources: &["registry.terraform.io/mypurecloud/genesyscloud"],
    title: "Genesys Cloud",
    env_prefixes: &["GENESYSCLOUD_"],
    hides: &[],
    attributes: &[
        ("oauthclient_id", Input::ClientId),
        ("oauthclient_secret", Input::ClientSecret),
        ("aws_region", Input::GenesysRegion),
    ],
    plan,
};

fn plan(block: &Block<'_>) -> Plan {
    match prepare(block) {
        Ok(plan) => plan,
        Err(report) => Plan::Refused(report),
    }
}

fn prepare(block: &Block<'_>) -> Result<Plan, Box<crate::check::Report>> {
    let mut prepared = Prepared::default();
    // An access token replaces the client credentials (the provider's README): there is no client to check.
    let token = matches!(
        prepared.read(block, None, "access_token", None)?,
        super::Read::Value(..)
    );
    if token || block.env("GENESYSCLOUD_ACCESS_TOKEN").is_some() {
        return Ok(Plan::NotChecked(
            "it uses an access token (access_token or GENESYSCLOUD_ACCESS_TOKEN) instead of client credentials; \
             authcheck checks client credentials"
                .to_string(),
        ));
    }
    let region = prepared.text_input(block, "aws_region", Input::GenesysRegion)?;
    if !region && block.env("GENESYSCLOUD_REGION").is_none() {
        // The provider has no default region: its token URL would be https://login./oauth/token.
        return Ok(missing(
            words![
                "No Genesys Cloud region: set ",
                Input::GenesysRegion,
                " or GENESYSCLOUD_REGION"
            ],
            words![
                "The genesyscloud provider has no default region; without one it asks https://login./oauth/token, \
                 which fails as a DNS error. Set ",
                Input::GenesysRegion,
                " to the organization's region (us-east-1, eu-west-1, ap-southeast-2, ...)."
            ],
            Input::GenesysRegion,
        ));
    }
    if !region && let Some(region) = block.env("GENESYSCLOUD_REGION") {
        // Given as an input, so the check is a Genesys one whatever else the environment holds.
        prepared
            .inputs
            .set(Input::GenesysRegion, crate::check::Given::Text(region));
    }
    prepared.text_input(block, "oauthclient_id", Input::ClientId)?;
    prepared.secret_input(block, "oauthclient_secret", Input::ClientSecret)?;
    if block.has_block("gateway") || block.has_block("proxy") {
        prepared.notes.push(
            "the block's gateway or proxy settings are not used: the check goes to the region's own hosts \
             (HTTPS_PROXY is honoured)"
                .to_string(),
        );
    }
    Ok(Plan::Check(Box::new(prepared)))
}
