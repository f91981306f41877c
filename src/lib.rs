//! authcheck: checks OAuth2 client credentials and names the real reason when they fail.
//!
//! One engine, several faces:
//! - [`surface`]: every input and output, declared once; schemas, flags, keys and docs come from it.
//! - [`check`]: the engine. Inputs become a [`check::CheckRequest`]; running it yields a [`check::Report`], the
//!   outcome as data. No Terraform, gRPC or terminal code lives here.
//! - [`plugin`]: the Terraform provider (go-plugin handshake, tfplugin6 gRPC services, cty values), one file
//!   per Terraform object.
//! - [`cli`]: the `authcheck` command (text, JSON, the `external` data source protocol, the demo, and
//!   `preflight`, which reads a Terraform configuration and checks every provider's identity at once).
//! - [`demo`]: an embedded test OAuth2 server for `authcheck demo` and the tests.
//! - [`log`]: the seam through which the engine logs, wired by each face.

pub mod check;
pub mod cli;
pub mod demo;
pub mod log;
pub mod plugin;
pub mod surface;

#[cfg(test)]
mod wiped;

/// Unit tests look at freed memory for secrets left behind (see `wiped`).
#[cfg(test)]
#[global_allocator]
static ALLOCATOR: wiped::Watching = wiped::Watching;
