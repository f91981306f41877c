//! `hashicorp/azurerm` and `hashicorp/azuread`: Microsoft Entra ID, as those providers find their credential
//! (facts/machine-credentials.md §5: the `ARM_*` variables; a block argument wins over its variable).
//!
//! The engine already follows azurerm's credential order from the `ARM_*` variables, so the block's credential
//! arguments are handed to it as those variables; the tenant, client, subscription and cloud become inputs.

use super::{Block, Kind, Plan, Prepared, missing};
use crate::check::{Given, Report};
use crate::surface::Input;
use crate::words;

const ENV: &[&str] = &["ARM_", "AZURE_"];

const ATTRIBUTES: &[(&str, Input)] = &[
    ("tenant_id", Input::EntraTenantId),
    ("client_id", Input::ClientId),
    ("subscription_id", Input::AzureSubscriptionId),
    ("environment", Input::EntraCloud),
];

/// The azurerm provider.
pub static AZURERM: Kind = Kind {
    sources: &["registry.terraform.io/hashicorp/azurerm"],
    title: "Azure Resource Manager",
    env_prefixes: ENV,
    hides: &[],
    attributes: ATTRIBUTES,
    plan: plan_azurerm,
};

/// The azuread provider: the same credentials, no subscription.
pub static AZUREAD: Kind = Kind {
    sources: &["registry.terraform.io/hashicorp/azuread"],
    title: "Microsoft Entra ID",
    env_prefixes: ENV,
    hides: &["ARM_SUBSCRIPTION_ID"],
    attributes: ATTRIBUTES,
    plan: plan_azuread,
};

/// Credential arguments and the variable each stands for.
const CREDENTIALS: &[(&str, &str, bool)] = &[
    ("client_secret", "ARM_CLIENT_SECRET", false),
    (
        "client_secret_file_path",
        "ARM_CLIENT_SECRET_FILE_PATH",
        true,
    ),
    ("client_certificate", "ARM_CLIENT_CERTIFICATE", false),
    (
        "client_certificate_path",
        "ARM_CLIENT_CERTIFICATE_PATH",
        true,
    ),
    (
        "client_certificate_password",
        "ARM_CLIENT_CERTIFICATE_PASSWORD",
        false,
    ),
    ("use_oidc", "ARM_USE_OIDC", false),
    ("oidc_token", "ARM_OIDC_TOKEN", false),
    ("oidc_token_file_path", "ARM_OIDC_TOKEN_FILE_PATH", true),
    ("oidc_request_url", "ARM_OIDC_REQUEST_URL", false),
    ("oidc_request_token", "ARM_OIDC_REQUEST_TOKEN", false),
    (
        "use_aks_workload_identity",
        "ARM_USE_AKS_WORKLOAD_IDENTITY",
        false,
    ),
];

fn plan_azurerm(block: &Block<'_>) -> Plan {
    prepare(block, true).unwrap_or_else(Plan::Refused)
}

fn plan_azuread(block: &Block<'_>) -> Plan {
    prepare(block, false).unwrap_or_else(Plan::Refused)
}

fn prepare(block: &Block<'_>, azurerm: bool) -> Result<Plan, Box<Report>> {
    let mut prepared = Prepared::default();
    for (argument, variable, path) in CREDENTIALS {
        prepared.env_value(block, None, argument, variable, *path)?;
    }
    let seen = |name: &str| prepared.overlay.contains_key(name) || block.env(name).is_some();
    let on = |name: &str| {
        prepared
            .overlay
            .get(name)
            .map(|v| v.expose().trim().to_string())
            .or_else(|| block.env(name))
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    let has_credential = [
        "ARM_CLIENT_SECRET",
        "ARM_CLIENT_SECRET_FILE_PATH",
        "ARM_CLIENT_CERTIFICATE",
        "ARM_CLIENT_CERTIFICATE_PATH",
    ]
    .iter()
    .any(|name| seen(name))
        || on("ARM_USE_OIDC")
        || on("ARM_USE_AKS_WORKLOAD_IDENTITY");
    if !has_credential {
        return Ok(Plan::NotChecked(
            "no client secret, certificate or OIDC token is configured, so the provider would use a managed \
             identity or the Azure CLI's login; authcheck checks the first three"
                .to_string(),
        ));
    }
    let tenant = prepared.text_input(block, "tenant_id", Input::EntraTenantId)?;
    if !tenant {
        match block
            .env("ARM_TENANT_ID")
            .or_else(|| block.env("AZURE_TENANT_ID"))
        {
            // Given as an input, so the check is an Entra one whatever else the environment holds.
            Some(tenant) => prepared
                .inputs
                .set(Input::EntraTenantId, Given::Text(tenant)),
            None => {
                return Ok(missing(
                    words!["No tenant: set ", Input::EntraTenantId, " or ARM_TENANT_ID"],
                    words![
                        "A service principal signs in to its own tenant; set ",
                        Input::EntraTenantId,
                        " to the tenant's id (a GUID) or verified domain."
                    ],
                    Input::EntraTenantId,
                ));
            }
        }
    }
    prepared.text_input(block, "client_id", Input::ClientId)?;
    prepared.text_input(block, "environment", Input::EntraCloud)?;
    if azurerm {
        let subscription =
            prepared.text_input(block, "subscription_id", Input::AzureSubscriptionId)?;
        if !subscription && block.env("ARM_SUBSCRIPTION_ID").is_none() {
            return Ok(missing(
                words![
                    "azurerm needs a subscription: set ",
                    Input::AzureSubscriptionId,
                    " or ARM_SUBSCRIPTION_ID"
                ],
                words![
                    "azurerm stops a plan without one (\"`subscription_id` is a required provider property when \
                     performing a plan/apply operation\"). Set ",
                    Input::AzureSubscriptionId,
                    "."
                ],
                Input::AzureSubscriptionId,
            ));
        }
    }
    if matches!(
        prepared.read(block, None, "metadata_host", None)?,
        super::Read::Value(..)
    ) {
        prepared.notes.push(
            "`metadata_host` is not read: the check uses the cloud's own login host".to_string(),
        );
    }
    Ok(Plan::Check(Box::new(prepared)))
}
