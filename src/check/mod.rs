//! The check engine: from inputs to a [`Report`]. Knows nothing of Terraform, gRPC or terminals: inputs are
//! named by the surface's [`crate::surface::Input`] keys and each face renders them in its own words.
//!
//! The tree is the pipeline; imports only point down this list (ARCHITECTURE.md has a paragraph per stage):
//! - `base/`: secret types, the clock, what servers say and the one scrubber, one capped HTTP exchange.
//! - `report/`: the outcome as data and the words it is told in.
//! - `inputs/`: what the faces gave, the input rules, credential sources, the resolved [`CheckRequest`].
//! - `endpoint/`: one token URL (given, derived or discovered).
//! - `exchange/`: presenting the client, retries, one answer to a verdict.
//! - `verify/`: the required scopes, with the strongest evidence there is.
//! - `vendors/`: what each vendor knows, one folder each behind two traits, its input side (`VendorInputs`) and its
//!   check side (`Vendor`): the default OAuth2 / OIDC server, Genesys Cloud, Microsoft Entra ID, AWS, Google
//!   Cloud; a new vendor is a folder, its surface rows and a line in each of `READ_BY` and `REGISTERED`.
//! - `run/`: the budget, cancellation, the identical-check cache, and the stages in order.

pub(crate) mod base;
pub(crate) mod endpoint;
pub(crate) mod exchange;
pub(crate) mod inputs;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod vendors;
pub(crate) mod verify;

pub use base::secret::Secret;
pub use inputs::given::{Given, Inputs};
pub use inputs::request::{AuthMethod, CheckRequest, Endpoint, SecretOrigin};
pub use report::words::{Plain, Vocabulary, Words};
pub use report::{CheckItem, Diagnosis, Line, Outcome, Reason, Report, ScopesSource, Status, Step};
pub use run::{Cancel, run, run_for_token, run_fresh, validate};

/// What the fuzz targets, benchmarks and tests reach inside the engine for: parsers and tables they drive
/// directly. Not an API: paths here move with the engine.
#[doc(hidden)]
pub mod internals {
    pub use super::base::{clock, heard, http, secret};
    pub use super::endpoint::discovery;
    pub use super::exchange::interpret;
    pub use super::inputs::{credential, lint};
    pub use super::report::{values, words};
    pub use super::vendors::{aws, entra, genesys, google, oauth, registry};
    pub use super::verify::claims;
}
