//! What each vendor knows: its Terraform provider's environment, how its endpoints are named, what its
//! refusals mean, and what it can be asked once a token is issued. One folder each.

pub mod entra;
pub mod genesys;
