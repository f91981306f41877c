//! The check engine: from inputs to a [`Report`]. Knows nothing of Terraform, gRPC or terminals: inputs are
//! named by the surface's [`crate::surface::Input`] keys and each face renders them in its own words.
//!
//! Module map, in the order a check flows through it:
//! - [`inputs`]: what one level gave, keyed by input; levels overlay by group. [`validate`]: the input rules
//!   every face runs (empty, URL shape, ranges, conflicts). [`resolve`]: environment fallbacks and the secret
//!   source, with [`sources`] for the key, certificate and federated token, giving a [`CheckRequest`]
//!   ([`request`]).
//! - [`run`](mod@run): the budget, cancellation and the identical-check cache; then [`lint`] (mistakes that need
//!   no server), [`endpoint`] and [`discovery`] (one token URL), [`exchange`] (each way of presenting the
//!   credentials, built by [`present`], with retries), [`interpret`] (one answer to a verdict),
//!   [`transport`] (no answer), [`outcome`] (the token's facts), [`verify_scopes`] (required scopes with the
//!   strongest evidence, asking the server last; [`scopes`], [`introspect`]), and
//!   [`genesys`] (regions, organisation, region probe).
//! - [`report`]: the outcome as data ([`Report`], its [`report::Diagnosis`]); [`words`]: sentences that keep
//!   input references typed; [`scrub`]: the one scrubber server words pass; [`secret`]: redacting, zeroing
//!   types; [`http`]: one capped exchange; [`clock`]: timestamps.

pub mod azure;
pub mod azurerm;
pub mod clock;
pub mod credential;
pub mod discovery;
pub mod endpoint;
pub mod entra;
pub mod exchange;
pub mod genesys;
pub mod heard;
pub mod http;
pub mod inputs;
pub mod interpret;
pub mod introspect;
pub mod lint;
pub mod outcome;
pub mod present;
pub mod report;
pub mod request;
pub mod resolve;
pub mod run;
pub mod scopes;
pub mod secret;
pub mod sources;
pub mod transport;
pub mod validate;
pub mod verify_scopes;
pub mod words;

pub use inputs::{Given, Inputs};
pub use report::{CheckItem, Diagnosis, Line, Outcome, Reason, Report, ScopesSource, Status};
pub use request::{AuthMethod, CheckRequest, Endpoint, SecretOrigin};
pub use run::{Cancel, run, run_for_token, run_fresh};
pub use secret::Secret;
pub use words::{Plain, Vocabulary, Words};
