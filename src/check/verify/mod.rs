//! The fourth stage: is the token good enough? The required scopes with the strongest evidence there is
//! ([`scopes`]: the answer's `scope`, the token's claims ([`claims`]), introspection ([`introspect`]), the
//! vendor's own word, and last of all asking the server again); and how a check that got a token ends
//! ([`conclusion`]).

pub mod claims;
pub mod conclusion;
pub mod introspect;
pub mod probe;
pub mod scopes;

pub use conclusion::token_issued;
pub use probe::Probe;
pub use scopes::verify;
