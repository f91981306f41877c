//! From the endpoint of a check to one token URL: a URL given (checked, and held to what the vendors know about
//! token URLs), one a vendor derived from its own inputs, or an issuer's discovery document.

use tokio::time::Instant;

use crate::check::base::heard::Scrubber;
use crate::check::endpoint::discovery::{Resolved, discover};
use crate::check::endpoint::hosts::Hosts;
use crate::check::endpoint::url::{endpoint_failure, usable_url};
use crate::check::inputs::request::{CheckRequest, Endpoint};
use crate::check::report::{Diagnosis, Findings, Outcome, Reason, Status, Step};
use crate::surface::Input;
use crate::words;

/// Resolves the endpoint to one token URL, recording the step.
pub async fn resolve(
    request: &CheckRequest,
    client: &reqwest::Client,
    deadline: Instant,
    found: &mut Findings,
    hosts: &dyn Hosts,
    scrub: &Scrubber,
) -> Result<Resolved, Outcome> {
    match &request.endpoint {
        Endpoint::TokenUrl(text) => {
            let url = usable_url(
                text,
                words![Input::TokenUrl],
                Input::TokenUrl,
                request.allow_http,
                found,
            )?;
            if let Some((summary, detail)) = hosts.token_url_mistake(url.as_str()) {
                let outcome = Outcome::new(Reason::InvalidInput, summary, Diagnosis::note(detail))
                    .blaming(Input::TokenUrl);
                return Err(endpoint_failure(found, outcome));
            }
            found.push(
                Step::Endpoint,
                Status::Pass,
                format!("token endpoint {url}"),
            );
            Ok(Resolved::direct(url))
        }
        Endpoint::Derived(derived) => {
            let url = usable_url(
                &derived.url,
                derived.named.clone(),
                derived.blame,
                request.allow_http,
                found,
            )?;
            found.push(
                Step::Endpoint,
                Status::Pass,
                format!("{} {url}", derived.described),
            );
            Ok(Resolved::direct(url))
        }
        Endpoint::Issuer(issuer) => {
            discover(issuer, request, client, deadline, found, hosts, scrub).await
        }
    }
}
