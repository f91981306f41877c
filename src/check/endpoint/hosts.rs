//! What the vendors know about hosts and token URLs, as the endpoint stage asks it: the vendors implement it and
//! the run stage hands it down, so no stage names a vendor.

use crate::check::report::words::Words;

/// What the vendors know about any host or token URL.
pub trait Hosts: Sync {
    /// What to suspect when `host` does not resolve, beyond a typo (a Genesys Cloud region's login host).
    fn dns_causes(&self, host: &str) -> Vec<Words>;
    /// A token URL that is a known mistake (an API host given as the login host): the summary and what to do.
    fn token_url_mistake(&self, url: &str) -> Option<(Words, Words)>;
}

/// Knows nothing: a check without vendors.
#[cfg(test)]
pub struct NoHosts;

#[cfg(test)]
impl Hosts for NoHosts {
    fn dns_causes(&self, _host: &str) -> Vec<Words> {
        Vec::new()
    }
    fn token_url_mistake(&self, _url: &str) -> Option<(Words, Words)> {
        None
    }
}
