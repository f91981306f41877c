//! The Terraform side: go-plugin handshake and TLS, the tonic services, cty values, schemas and diagnostics.
//! Maps Terraform configuration to the engine's inputs and its [`crate::check::Report`] back to state and diagnostics.

pub mod cty;
pub mod hclog;
pub mod proto;
pub mod provider;
pub mod schema;
pub mod serve;
pub mod tls;
