//! What each vendor knows, one folder each behind one trait, [`Vendor`](vendor::Vendor): which inputs and environment variables
//! its Terraform provider reads and in which order, how its endpoints are named (regions, tenants, clouds), what
//! its refusals mean (its codes and wording), and what it can ask once a token is issued or the client refused.
//! [`REGISTERED`](registry::REGISTERED) lists them; a plain OAuth2 / OIDC server is the default. The stages below name no vendor: the
//! run stage hands them what the vendors know ([`registry`]).
//!
//! Each vendor has two sides: [`VendorInputs`](vendor_inputs::VendorInputs), what it reads of the inputs and
//! environment (all that resolving inputs links), and [`Vendor`](vendor::Vendor), its check from the endpoint on.
//!
//! Adding a vendor: a folder here with a type that implements both, its rows in the surface table, and one line in
//! each of [`READ_BY`](registry::READ_BY) and [`REGISTERED`](registry::REGISTERED).

pub mod aws;
pub mod entra;
pub mod genesys;
pub mod google;
pub mod oauth;
pub mod registry;
pub mod vendor;
pub mod vendor_inputs;
