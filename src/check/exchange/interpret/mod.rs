//! Turning one answer from a token endpoint into a verdict: a token, or a named failure with its fix.
//!
//! [`verdict`] reads the answer (a redirect, a token, or an error); [`oauth`] explains RFC 6749 error answers and
//! [`answers`] the others; [`client`] a refused client and [`assertion`] a refused assertion or certificate;
//! [`readings`] holds what vendors' codes and phrases mean (the vendors fill the tables in); [`context`] is what
//! the interpretation knows about the request, and [`lines`] quotes what came back.

pub mod answers;
pub mod assertion;
pub mod client;
pub mod context;
pub mod lines;
pub mod oauth;
pub mod readings;
pub mod verdict;

pub use context::{Context, short};
pub use verdict::{Issued, Verdict, interpret};
