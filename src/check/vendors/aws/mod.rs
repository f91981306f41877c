//! AWS, as the aws provider reaches it ([`vendor`]): the region's STS ([`vendor::sts_url`]), the credentials where
//! the provider finds them ([`chain`], reading the shared files with [`profile`]) kept as [`settings::Source`],
//! the STS query protocol signed with SigV4 ([`sts`]), its refusals explained ([`refusals`]), and the check
//! itself ([`check`]): assume the role the pipeline will act as, then ask who the credentials are.

pub mod chain;
pub mod check;
pub mod profile;
pub mod refusals;
pub mod settings;
pub mod sts;
pub mod vendor;

pub use vendor::Aws;
