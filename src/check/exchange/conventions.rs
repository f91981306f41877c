//! What the vendors tell the exchange and verify stages, built once per check by the run stage: how to present
//! the client to the vendor's servers, how to read their refusals (every vendor's codes, the check's vendor's
//! own wording), and what is known about hosts. No stage below the run stage names a vendor.

use crate::check::endpoint::Hosts;
use crate::check::exchange::interpret::context::{Codes, Wording};
use crate::check::inputs::credential::keys::Alg;

/// How the check's vendor's servers are spoken to and read.
#[derive(Clone, Copy)]
pub struct Conventions<'a> {
    /// The vendor's SDKs send Basic credentials without form-encoding them (Genesys Cloud): check that first.
    pub raw_basic: bool,
    /// The algorithm an RSA key signs assertions with when none is asked for (Entra ID: PS256, with the
    /// certificate's `x5t#S256`).
    pub rsa_alg: Option<Alg>,
    /// Clients get their rights from roles: asking for scopes proves nothing (Genesys Cloud).
    pub roles_not_scopes: bool,
    /// The check's vendor's own wording of a refused client.
    pub wording: Option<&'a Wording>,
    /// Every vendor's codes and phrases, read in any answer (an Entra code comes from a plain token URL too).
    pub codes: &'a [&'a Codes],
    /// What is known about hosts.
    pub hosts: &'a dyn Hosts,
}

#[cfg(test)]
impl Conventions<'static> {
    /// A plain OAuth2 server's, knowing nothing of any vendor.
    pub fn plain() -> Conventions<'static> {
        Conventions {
            raw_basic: false,
            rsa_alg: None,
            roles_not_scopes: false,
            wording: None,
            codes: &[],
            hosts: &crate::check::endpoint::hosts::NoHosts,
        }
    }
}
