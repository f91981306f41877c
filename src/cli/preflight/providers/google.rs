//! `hashicorp/google` (and `google-beta`): a credential configuration in `credentials` (a path or the JSON
//! itself), the account to impersonate and the project (facts/cloud-federation.md §2.3; a block argument wins
//! over its variable).

use super::{Arg, Block, Kind, Plan, Prepared, Read};
use crate::check::Report;
use crate::surface::Input;

/// The google provider.
pub static KIND: Kind = Kind {
    sources: &[
        "registry.terraform.io/hashicorp/google",
        "registry.terraform.io/hashicorp/google-beta",
    ],
    title: "Google Cloud",
    env_prefixes: &["GOOGLE_", "GCLOUD_", "CLOUDSDK_"],
    hides: &[],
    attributes: &[
        ("credentials", Input::GcpCredentialsFile),
        ("impersonate_service_account", Input::GcpServiceAccount),
        ("project", Input::GcpProject),
    ],
    plan,
};

fn plan(block: &Block<'_>) -> Plan {
    prepare(block).unwrap_or_else(Plan::Refused)
}

fn prepare(block: &Block<'_>) -> Result<Plan, Box<Report>> {
    let mut prepared = Prepared::default();
    let token = matches!(
        prepared.read(block, None, "access_token", None)?,
        Read::Value(..)
    );
    if token || block.env("GOOGLE_OAUTH_ACCESS_TOKEN").is_some() {
        return Ok(Plan::NotChecked(
            "it uses an access token (access_token or GOOGLE_OAUTH_ACCESS_TOKEN); authcheck checks credential \
             configurations and keys"
                .to_string(),
        ));
    }
    let mut configured = false;
    if let Read::Value(Arg::Text(credentials), _) =
        prepared.read(block, None, "credentials", Some(Input::GcpCredentialsFile))?
    {
        configured = true;
        if credentials.expose().trim_start().starts_with('{') {
            // The JSON itself, as GOOGLE_CREDENTIALS may hold it: handed over the same way.
            prepared
                .overlay
                .insert("GOOGLE_CREDENTIALS".to_string(), credentials);
        } else {
            prepared.given(Input::GcpCredentialsFile, "credentials");
            prepared.inputs.set(
                Input::GcpCredentialsFile,
                crate::check::Given::Text(block.path(credentials.expose())),
            );
        }
    }
    // The variables the engine reads the configuration from, in the google provider's order (the surface table's).
    configured |= crate::surface::input(Input::GcpCredentialsFile)
        .env
        .iter()
        .any(|v| block.env(v).is_some());
    if !configured {
        return Ok(Plan::NotChecked(
            "no credential configuration is given (credentials, GOOGLE_CREDENTIALS or \
             GOOGLE_APPLICATION_CREDENTIALS), so the provider would use application default credentials: a \
             gcloud login or the metadata server, which authcheck does not check"
                .to_string(),
        ));
    }
    prepared.text_input(
        block,
        "impersonate_service_account",
        Input::GcpServiceAccount,
    )?;
    prepared.text_input(block, "project", Input::GcpProject)?;
    Ok(Plan::Check(Box::new(prepared)))
}
