//! The second stage: one token URL. A URL given is checked ([`url`]); a vendor's derived one is used as it is;
//! an issuer's discovery document names one ([`discovery`]); [`resolve`](mod@resolve) picks the way. [`transport`] explains a
//! request that got no answer, and [`hosts`] is what the vendors know about hosts and token URLs.

pub mod discovery;
pub mod hosts;
pub mod resolve;
pub mod transport;
pub mod url;

pub use discovery::Resolved;
pub use hosts::Hosts;
pub use resolve::resolve;
pub use url::{host_label, is_loopback};
