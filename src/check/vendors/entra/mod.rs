//! Microsoft Entra ID as azurerm and azuread reach it ([`vendor`]): clouds, tenants and the v2.0 token endpoint
//! ([`cloud`]), the credential azurerm's environment names ([`azurerm`]), what its AADSTS codes mean
//! ([`codes`]), and the principal's role on a subscription ([`subscription`]).

pub mod azurerm;
pub mod cloud;
pub mod codes;
pub mod subscription;
pub mod vendor;

pub use vendor::Entra;
