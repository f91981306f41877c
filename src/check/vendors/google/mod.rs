//! Google Cloud, as the google provider reaches it ([`vendor`]): the credential configuration in the provider's
//! order ([`config`], kept in [`settings::Settings`]), Google's token services and APIs ([`api`]), its refusals
//! explained ([`refusals`]), and the check itself ([`check`]): federate or sign with the key, impersonate, and
//! ask IAM about the permissions the pipeline needs.

pub mod api;
pub mod check;
pub mod config;
pub mod refusals;
pub mod settings;
pub mod vendor;

pub use vendor::Google;
