//! Any OAuth2 / OIDC server (Okta, Auth0, Keycloak, oidc-provider): the default vendor. What it knows is the
//! phrases some of these servers refuse with, which name their own fix.

use crate::check::exchange::interpret::context::{Codes, Meaning, Phrase};
use crate::check::inputs::env::{self, Env};
use crate::check::inputs::given::Inputs;
use crate::check::inputs::request::{Endpoint, NO_VENDOR, VendorSettings};
use crate::check::report::Report;
use crate::check::report::refusal::ErrorCode;
use crate::check::vendors::vendor::Vendor;
use crate::check::vendors::vendor_inputs::{Selected, VendorInputs};
use crate::surface::Input;

/// Keycloak's and Auth0's phrases.
pub static PHRASES: Codes = Codes::phrases(&[
    Phrase {
        words: "client not enabled to retrieve service account",
        meaning: Meaning::Code(ErrorCode::UnsupportedGrantType),
        hint: Some(
            "Keycloak: turn on 'Service accounts roles' (client authentication on) for the client.",
        ),
    },
    Phrase {
        words: "client-grant",
        meaning: Meaning::HintOnly,
        hint: Some(
            "Auth0: authorise the application for this API (Applications > APIs > Machine to Machine \
             Applications).",
        ),
    },
]);

/// Any OAuth2 / OIDC server: a token URL or an issuer, given or in `AUTHCHECK_TOKEN_URL` / `AUTHCHECK_ISSUER`.
pub struct OAuth;

impl VendorInputs for OAuth {
    fn id(&self) -> &'static str {
        NO_VENDOR
    }

    fn select(
        &self,
        inputs: &Inputs,
        env: Env<'_>,
        from_env: bool,
    ) -> Option<Result<Selected, Box<Report>>> {
        let given = |input| {
            if from_env {
                env::from_env(input, env).map(|(_, value)| value)
            } else {
                inputs.text(input).map(str::to_string)
            }
        };
        let endpoint = match given(Input::TokenUrl) {
            Some(url) => Endpoint::TokenUrl(url),
            None => Endpoint::Issuer(given(Input::Issuer)?),
        };
        Some(Ok(Selected {
            endpoint,
            note: None,
            settings: VendorSettings::none(),
        }))
    }
}

impl Vendor for OAuth {
    fn codes(&self) -> Option<&'static Codes> {
        Some(&PHRASES)
    }
}
