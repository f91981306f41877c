//! The third stage: the token exchange. Each way of presenting the client ([`present`]) is tried in turn
//! ([`flow`]), each retried inside the time budget when the failure is transient ([`attempt`]); a federated token
//! is read or requested first ([`federated`]); every answer becomes a verdict ([`interpret`]). What the vendors
//! tell this stage comes as [`Conventions`]. The stage ends with a token for the next one, or with how the check
//! ends.

pub mod attempt;
pub mod conventions;
pub mod federated;
pub mod flow;
pub mod interpret;
pub mod present;

pub use conventions::Conventions;
pub use flow::{Exchanged, Token, exchange};
