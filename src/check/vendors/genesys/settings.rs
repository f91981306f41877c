//! What a Genesys Cloud check knows beyond the generic request, kept in its vendor settings.

use crate::check::vendors::genesys::permissions::Requirement;
use crate::check::vendors::genesys::regions::Hosts;

/// What a Genesys Cloud check knows beyond the generic request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The organisation's login and API hosts, and its region.
    pub hosts: Hosts,
    /// The permissions the client must hold, each with who needs it.
    pub required_permissions: Vec<Requirement>,
    /// Where the permissions table is known to be incomplete or over-inclusive for the types required.
    pub permission_caveats: Vec<String>,
}
