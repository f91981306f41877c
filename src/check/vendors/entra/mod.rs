//! Microsoft Entra ID as azurerm and azuread reach it: clouds, tenants and the v2.0 token endpoint ([`cloud`]),
//! the credential azurerm's environment names ([`azurerm`]), and the principal's role on a subscription
//! ([`subscription`]).

pub mod azurerm;
pub mod cloud;
pub mod subscription;
