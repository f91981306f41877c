//! A vendor's check side, the trait every vendor implements on top of its input side, and what it is told
//! and tells back at each stage from the endpoint on.

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::check::base::heard::{Heard, Scrubber};
use crate::check::base::secret::Secret;
use crate::check::exchange::interpret::context::{Codes, Wording};
use crate::check::exchange::present::Presentation;
use crate::check::inputs::credential::keys::Alg;
use crate::check::inputs::request::CheckRequest;
use crate::check::report::words::Words;
use crate::check::report::{Findings, Outcome, Status, Step};
use crate::check::vendors::vendor_inputs::VendorInputs;
use crate::surface::Input;
use crate::words;

/// A future a vendor's follow-up returns (boxed, since a trait object cannot name its own).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// How a vendor's servers are spoken to and read.
#[derive(Clone, Copy, Default)]
pub struct Manner {
    /// The vendor's SDKs send Basic credentials without form-encoding them: check that first.
    pub raw_basic: bool,
    /// The algorithm an RSA key signs assertions with when none is asked for.
    pub rsa_alg: Option<Alg>,
    /// Clients get their rights from roles: asking for scopes proves nothing.
    pub roles_not_scopes: bool,
    /// The vendor can hold a token to `expected_organization`.
    pub checks_organization: bool,
    /// The vendor's own wording of a refused client.
    pub wording: Option<&'static Wording>,
}

/// What a vendor is told once a token is issued.
pub struct AfterToken<'a> {
    /// The check.
    pub request: &'a CheckRequest,
    /// The HTTP client of the check.
    pub client: &'a reqwest::Client,
    /// The token just issued.
    pub token: &'a Secret,
    /// The end of the budget.
    pub deadline: Instant,
    /// Removes the check's secrets from what the vendor's API says.
    pub scrub: &'a Scrubber,
}

/// What a vendor applies to the outcome once the token's own facts are in.
pub type Apply = Box<dyn FnOnce(&CheckRequest, &mut Findings, &mut Outcome) + Send>;

/// What a vendor learnt with a token.
#[derive(Default)]
pub struct FollowUp {
    /// The scopes the vendor's API says the token carries.
    pub scopes: Option<Vec<Heard>>,
    /// What it learnt (organisation, permissions, a subscription role), applied to the outcome.
    pub apply: Option<Apply>,
}

/// What a vendor is told once the client is refused.
pub struct AfterRefusal<'a> {
    /// The check.
    pub request: &'a CheckRequest,
    /// The HTTP client of the check.
    pub client: &'a reqwest::Client,
    /// The way the client was presented.
    pub how: Presentation,
    /// The end of the budget.
    pub deadline: Instant,
    /// The steps so far.
    pub found: &'a mut Findings,
    /// How the check ends so far.
    pub outcome: &'a mut Outcome,
    /// Removes the check's secrets from what servers say.
    pub scrub: &'a Scrubber,
}

/// What a vendor's identity is: an OAuth2 client (the engine's token exchange checks it), or its own kind (AWS
/// STS), which the vendor checks itself once the endpoint is known.
#[derive(Clone, Copy)]
pub enum Identity {
    /// An OAuth2 / OIDC client: client id, a secret, key or federated token, a token endpoint.
    OAuthClient,
    /// Something else, checked by the vendor.
    Own(&'static dyn OwnIdentity),
}

/// What a vendor with its own kind of identity is told: the check, its endpoint, and where to record what it
/// learns.
pub struct OwnCheck<'a> {
    /// The check.
    pub request: &'a CheckRequest,
    /// The HTTP client of the check.
    pub client: &'a reqwest::Client,
    /// The endpoint, resolved and checked for use.
    pub url: &'a url::Url,
    /// The end of the budget.
    pub deadline: Instant,
    /// The steps and facts so far.
    pub found: &'a mut Findings,
    /// Removes the check's secrets from what servers say; the vendor adds the secrets it holds.
    pub scrub: &'a mut Scrubber,
    /// What the vendors know about hosts, for a transport failure.
    pub hosts: &'a dyn crate::check::endpoint::Hosts,
}

/// A vendor's own check of an identity that is not an OAuth2 client.
pub trait OwnIdentity: Sync {
    /// The inputs step: where the credentials came from and what was noticed, before anything is sent.
    fn inputs(&self, request: &CheckRequest, found: &mut Findings);

    /// Checks the identity from the endpoint on, and says how the check ends.
    fn check<'a>(&'a self, with: OwnCheck<'a>) -> BoxFuture<'a, Outcome>;
}

/// One vendor's check side: what it knows from the endpoint on (its identity, manner, codes, hosts and
/// follow-ups). Its input side, [`VendorInputs`], is what resolving inputs links; this is what a check links.
pub trait Vendor: VendorInputs {
    /// What its identity is; an OAuth2 client unless the vendor says otherwise (and then
    /// [`VendorInputs::is_oauth_client`] says so too).
    fn identity(&self) -> Identity {
        Identity::OAuthClient
    }

    /// How its servers are spoken to and read.
    fn manner(&self) -> Manner {
        Manner::default()
    }

    /// A warning about the client id's shape (Genesys Cloud's are UUIDs), quoting it through `scrub`.
    fn client_id_note(&self, _client_id: &str, _scrub: &Scrubber) -> Option<Words> {
        None
    }

    /// True when the check has permissions for the vendor to verify.
    fn wants_permissions(&self, _request: &CheckRequest) -> bool {
        false
    }

    /// Its codes and phrases, read in every answer.
    fn codes(&self) -> Option<&'static Codes> {
        None
    }

    /// What to suspect when a host of this vendor does not resolve.
    /// (`selected`: this vendor is the check's, whatever the host.)
    fn dns_causes(&self, _host: &str, _selected: bool) -> Vec<Words> {
        Vec::new()
    }

    /// A token URL that is a known mistake for this vendor (an API host given as the login host): the summary
    /// and what to do.
    fn token_url_mistake(&self, _url: &str) -> Option<(Words, Words)> {
        None
    }

    /// Opens, while the token is requested, the connections the follow-ups will use.
    fn prewarm(
        &self,
        _request: &CheckRequest,
        _client: &reqwest::Client,
        _deadline: Instant,
    ) -> Option<JoinSet<()>> {
        None
    }

    /// What the vendor asks with a token just issued.
    fn after_token<'a>(&'a self, _with: AfterToken<'a>) -> BoxFuture<'a, FollowUp> {
        Box::pin(std::future::ready(FollowUp::default()))
    }

    /// What the vendor asks once the client is refused, when `probe_other_regions` asks for it.
    fn after_refusal<'a>(&'a self, with: AfterRefusal<'a>) -> BoxFuture<'a, ()> {
        with.found.push(
            Step::RegionProbe,
            Status::Skip,
            words![
                Input::ProbeOtherRegions,
                " applies to Genesys Cloud endpoints only"
            ],
        );
        Box::pin(std::future::ready(()))
    }
}
