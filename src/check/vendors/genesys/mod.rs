//! Genesys Cloud, first-class ([`vendor`]): regions and their hosts ([`regions`]), how its refusals read
//! ([`wording`]), what the API says about a token's organisation and client ([`api`], [`organization`]), the
//! permissions its roles grant and a pipeline needs ([`permissions`], [`grants`], [`required`]), and where an
//! unknown client lives ([`probe`]).

pub mod api;
pub mod grants;
pub mod organization;
pub mod permissions;
pub mod probe;
pub mod regions;
pub mod required;
pub mod settings;
pub mod vendor;
pub mod wording;

pub use regions::{
    REGIONS, closest_region, domain_of, endpoint, is_uuid, probe_token_urls, region_note,
    region_of_domain, region_of_login_host, token_url_mistake,
};
pub use vendor::Genesys;
