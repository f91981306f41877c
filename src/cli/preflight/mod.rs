//! `authcheck preflight`: every identity a Terraform configuration's providers will use, checked the way each
//! provider finds it, with no authcheck block in the configuration.
//!
//! The flow, one module per stage:
//! - [`read`]: the root module as Terraform reads it (HCL and JSON files, `required_providers`, `provider`
//!   blocks, variables from `TF_VAR_*`, `.tfvars` files and defaults), values and what could not be read;
//! - [`providers`]: each provider configuration, and for the families authcheck knows (genesyscloud,
//!   azurerm/azuread, aws, google) the engine's inputs its block and variables amount to;
//! - [`run`]: every check at once, each seeing only its own provider's variables;
//! - [`words`] and [`render`]: the report in the CLI's formats, each provider's in that provider's words;
//! - [`command`]: the subcommand's flags, and the steps above in order.
//!
//! It is part of the CLI face: the engine knows nothing of Terraform configurations. It uses the CLI's lower
//! layers (`render`, `words`, `plan`, `github`, `junit`); only `cli/mod.rs` uses it.

pub mod command;
pub mod providers;
pub mod read;
pub mod render;
pub mod run;
pub mod words;
