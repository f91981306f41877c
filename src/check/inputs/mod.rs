//! The first stage: what the faces gave ([`given`]), the input rules every face runs ([`validate`]), mistakes
//! that need no server ([`lint`]), the environment fallbacks and credential sources ([`resolve`], [`sources`],
//! [`credential`]) and the resolved check ([`request`]).

pub mod credential;
pub mod env;
pub mod given;
pub mod lint;
pub mod request;
pub mod resolve;
pub mod sources;
pub mod validate;
