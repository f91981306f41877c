//! Client credentials other than a bare shared secret: signing keys and certificates ([`keys`]), JWT client
//! assertions ([`jwt`]) and tokens minted by a CI system ([`federated`]).

pub mod federated;
pub mod jwt;
pub mod keys;
