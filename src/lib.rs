//! authcheck: checks OAuth2 client credentials and names the real reason when they fail.
//!
//! One engine, several faces:
//! - [`check`]: the engine. Inputs become a [`check::CheckRequest`]; running it yields a [`check::Report`].
//!   No Terraform, gRPC or terminal code lives here.
//! - [`plugin`]: the Terraform provider (go-plugin handshake, tfplugin6 gRPC services, cty values).
//! - [`cli`]: the `authcheck` command (human and JSON reports, the `external` data source protocol).
//! - [`log`]: the seam through which the engine logs, wired by each face.

pub mod check;
pub mod cli;
pub mod log;
pub mod plugin;
