//! The Terraform side: go-plugin handshake and TLS ([`serve`], [`tls`]), the tfplugin6 service ([`provider`])
//! with one file per Terraform object ([`data_source`], [`ephemeral`]), cty values ([`cty`]), schemas derived
//! from the surface table ([`schema`]), configuration decoding ([`config`]), state ([`state`]), diagnostics in
//! Terraform's words ([`diagnostics`]) and hclog logging ([`hclog`]).

pub mod config;
pub mod cty;
pub mod data_source;
pub mod diagnostics;
pub mod ephemeral;
pub mod hclog;
pub mod proto;
pub mod provider;
pub mod schema;
pub mod serve;
pub mod state;
pub mod tls;
