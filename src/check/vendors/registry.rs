//! The vendors there are, and what the run stage asks of them all: which one a check's inputs select, the input
//! rules and inputs of each, their codes, and what they know about any host or token URL.

use crate::check::endpoint::Hosts;
use crate::check::exchange::interpret::context::Codes;
use crate::check::inputs::env::{Env, refuse};
use crate::check::inputs::given::Inputs;
use crate::check::inputs::request::{NO_VENDOR, VendorSettings};
use crate::check::inputs::validate::Problem;
use crate::check::report::Report;
use crate::check::report::words::Words;
use crate::check::vendors::vendor::Vendor;
use crate::check::vendors::vendor_inputs::{Selected, VendorInputs};
use crate::check::vendors::{aws, entra, genesys, google, oauth};
use crate::surface::Input;
use crate::words;

/// Every vendor's input side, the default first; the order is the order endpoint inputs and variables are read
/// in. Resolving inputs goes through this list only, so it links no vendor's check.
pub static READ_BY: [&dyn VendorInputs; 5] = [
    &oauth::OAuth,
    &genesys::Genesys,
    &entra::Entra,
    &aws::Aws,
    &google::Google,
];

/// Every vendor's check side, in the same order as [`READ_BY`].
pub static REGISTERED: [&dyn Vendor; 5] = [
    &oauth::OAuth,
    &genesys::Genesys,
    &entra::Entra,
    &aws::Aws,
    &google::Google,
];

/// The vendor a check's settings belong to.
pub fn of(settings: &VendorSettings) -> &'static dyn Vendor {
    REGISTERED
        .iter()
        .copied()
        .find(|vendor| vendor.id() == settings.vendor())
        .unwrap_or(&oauth::OAuth)
}

/// The input side of the vendor a check's settings belong to.
pub fn inputs_of(settings: &VendorSettings) -> &'static dyn VendorInputs {
    READ_BY
        .iter()
        .copied()
        .find(|vendor| vendor.id() == settings.vendor())
        .unwrap_or(&oauth::OAuth)
}

/// The input rules of every vendor.
pub fn validate(inputs: &Inputs) -> Vec<Problem> {
    READ_BY.iter().flat_map(|v| v.validate(inputs)).collect()
}

/// The vendor whose endpoint the inputs name (the inputs first, then the environment), and what it selected.
pub fn select(
    inputs: &Inputs,
    env: Env<'_>,
) -> Result<(&'static dyn VendorInputs, Selected), Box<Report>> {
    for from_env in [false, true] {
        for vendor in READ_BY {
            if let Some(selected) = vendor.select(inputs, env, from_env) {
                return Ok((vendor, selected?));
            }
        }
    }
    Err(refuse(
        Input::TokenUrl,
        words![
            "No token endpoint: set ",
            Input::TokenUrl,
            ", ",
            Input::Issuer,
            " or ",
            Input::GenesysRegion
        ],
        words![
            "authcheck needs to know where to ask for a token. Set ",
            Input::TokenUrl,
            " (the OAuth2 token endpoint), ",
            Input::Issuer,
            " (an OIDC issuer, whose discovery document names the endpoint), ",
            Input::GenesysRegion,
            ", ",
            Input::EntraTenantId,
            " or, for an AWS identity, ",
            Input::AwsRegion,
            "; or set AUTHCHECK_TOKEN_URL, AUTHCHECK_ISSUER, GENESYSCLOUD_REGION or ARM_TENANT_ID in the environment."
        ],
    ))
}

/// Each vendor's own inputs, in registration order: the check's vendor completes its settings with them,
/// every other vendor refuses them.
pub fn own_inputs(
    inputs: &Inputs,
    env: Env<'_>,
    settings: &mut VendorSettings,
) -> Result<(), Box<Report>> {
    let selected = settings.vendor();
    // What the check's vendor reads of other vendors' inputs, those vendors do not refuse.
    let others_see = inputs.without(inputs_of(settings).reads());
    for vendor in READ_BY {
        if vendor.id() == selected {
            vendor.own_inputs(inputs, env, Some(&mut *settings))?;
        } else {
            vendor.own_inputs(&others_see, env, None)?;
        }
    }
    Ok(())
}

/// Every vendor's codes and phrases.
pub fn codes() -> Vec<&'static Codes> {
    REGISTERED.iter().filter_map(|v| v.codes()).collect()
}

/// What the vendors know about hosts, for a check of `selected`.
pub struct Known {
    /// The check's vendor.
    pub selected: &'static dyn Vendor,
}

impl Hosts for Known {
    fn dns_causes(&self, host: &str) -> Vec<Words> {
        REGISTERED
            .iter()
            .map(|vendor| vendor.dns_causes(host, vendor.id() == self.selected.id()))
            .find(|causes| !causes.is_empty())
            .unwrap_or_default()
    }

    fn token_url_mistake(&self, url: &str) -> Option<(Words, Words)> {
        REGISTERED
            .iter()
            .find_map(|vendor| vendor.token_url_mistake(url))
    }
}

/// True when `settings` are a plain OAuth2 server's.
pub fn is_default(settings: &VendorSettings) -> bool {
    settings.vendor() == NO_VENDOR
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::vendors::vendor::Identity;

    #[test]
    fn both_lists_name_the_same_vendors_in_the_same_order_and_agree_on_their_identity() {
        assert_eq!(READ_BY.len(), REGISTERED.len());
        for (reads, checks) in READ_BY.iter().zip(REGISTERED.iter()) {
            assert_eq!(reads.id(), checks.id());
            let oauth = matches!(checks.identity(), Identity::OAuthClient);
            assert_eq!(reads.is_oauth_client(), oauth, "vendor {}", reads.id());
        }
    }
}
