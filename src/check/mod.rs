//! The check engine: from a [`CheckRequest`] to a [`Report`]. Knows nothing of Terraform, gRPC or terminals.
//!
//! Flow: inputs are resolved ([`request::Inputs::resolve`]) and linted ([`lint`]); the token endpoint is found
//! (given, discovered from an issuer, or derived from a Genesys region); the token request is sent
//! ([`http`]), retried where that can help, and its answer explained ([`interpret`]); granted scopes are
//! compared with the required ones ([`scopes`]).

pub mod clock;
pub mod discovery;
pub mod genesys;
pub mod genesys_api;
pub mod http;
pub mod interpret;
pub mod lint;
pub mod report;
pub mod request;
pub mod scopes;
pub mod secret;

mod engine;

pub use engine::{Cancel, run, run_fresh};
pub use report::{Blame, CheckItem, Reason, Report, ScopesSource, Status};
pub use request::{AuthMethod, CheckRequest, Endpoint, Inputs, SecretOrigin};
pub use secret::Secret;
