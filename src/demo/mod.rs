//! Support for `authcheck demo` and for tests: an embedded OAuth2 identity provider on loopback.
//!
//! [`idp`] holds the server, its configuration and the demo's fixed clients and cases; the most used
//! names are re-exported here so callers can write `authcheck::demo::Idp`.

pub mod idp;

pub use idp::{
    Behavior, Client, DemoCase, Flavor, HUGE_TOKEN_PREFIX, Idp, IdpConfig, Org, demo_cases,
    demo_config,
};
