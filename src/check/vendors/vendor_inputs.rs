//! A vendor's input side: its input rules, the endpoint its inputs name, the credential its environment names and
//! its own settings. Resolving inputs links only this side of every vendor, never their checks.

use crate::check::inputs::env::Env;
use crate::check::inputs::given::Inputs;
use crate::check::inputs::request::{Endpoint, VendorSettings};
use crate::check::inputs::sources::Adopted;
use crate::check::inputs::validate::Problem;
use crate::check::report::Report;
use crate::check::report::words::Words;
use crate::surface::Input;

/// The endpoint a vendor's inputs name, what was assumed reading them, and the vendor's settings so far.
#[derive(Debug)]
pub struct Selected {
    /// Where to ask for the token.
    pub endpoint: Endpoint,
    /// What was assumed (a region given as a URL), for a warning.
    pub note: Option<Words>,
    /// The vendor's own settings, to be completed from its other inputs.
    pub settings: VendorSettings,
}

/// What a vendor reads of a check's inputs and environment, before anything is sent. Kept apart from
/// [`Vendor`](crate::check::vendors::vendor::Vendor) so that resolving inputs (every face, and the fuzz targets
/// of the input rules) does not link each vendor's HTTP follow-ups through a vtable.
pub trait VendorInputs: Sync {
    /// The id its settings carry.
    fn id(&self) -> &'static str;

    /// True when its identity is an OAuth2 client, whose request the engine builds from the client inputs;
    /// false when the vendor checks an identity of its own kind (AWS, Google Cloud). Agrees with
    /// [`Vendor::identity`](crate::check::vendors::vendor::Vendor::identity).
    fn is_oauth_client(&self) -> bool {
        true
    }

    /// Inputs that other vendors own but this one reads too when it is the check's vendor (Google Cloud asks
    /// IAM for `required_permissions`): the others do not refuse them then.
    fn reads(&self) -> &'static [Input] {
        &[]
    }

    /// The input rules for this vendor's own inputs, which every face runs.
    fn validate(&self, _inputs: &Inputs) -> Vec<Problem> {
        Vec::new()
    }

    /// The endpoint these inputs name for this vendor: by the inputs themselves, or (`from_env`) by the
    /// environment its Terraform provider reads. `None` when they name none.
    fn select(
        &self,
        inputs: &Inputs,
        env: Env<'_>,
        from_env: bool,
    ) -> Option<Result<Selected, Box<Report>>>;

    /// Reads the credential its Terraform provider's environment names into the inputs, when they name none.
    fn adopt(&self, _inputs: &mut Inputs, _env: Env<'_>) -> Adopted {
        Adopted::default()
    }

    /// Completes the vendor's settings from its other inputs when it is the vendor of the check (`settings`),
    /// or refuses them when another vendor is (`None`): they would be ignored.
    fn own_inputs(
        &self,
        _inputs: &Inputs,
        _env: Env<'_>,
        _settings: Option<&mut VendorSettings>,
    ) -> Result<(), Box<Report>> {
        Ok(())
    }

    /// Scopes to request when none are given.
    fn default_scopes(&self, _settings: &VendorSettings) -> Vec<String> {
        Vec::new()
    }
}
