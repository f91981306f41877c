//! RFC 7662 token introspection: which scopes the token just issued carries, when neither the answer nor the
//! token says.

use crate::check::base::heard::{Heard, JsonRef, Scrubber};
use crate::check::base::http::{self, TransportError};
use crate::check::base::secret::Secret;
use crate::check::endpoint::transport;
use crate::check::exchange::present::{Prepared, assertion_for};
use crate::check::verify::probe::Probe;

/// Asks the introspection endpoint about `token`, authenticating as the token request did. The error says in
/// one line why it could not tell.
pub async fn introspect(
    probe: &Probe<'_>,
    endpoint: &str,
    token: &Secret,
    scrub: &Scrubber,
) -> Result<Vec<Heard>, String> {
    let Probe {
        request,
        client,
        how,
        deadline,
        conventions,
        ..
    } = *probe;
    let assertion = assertion_for(
        request,
        how,
        endpoint,
        probe.federated.as_ref(),
        conventions,
    )
    .map_err(|why| why.describe())?;
    let prepared = Prepared::introspection(request, how, token, assertion.as_ref().map(|(a, _)| a));
    let sent = tokio::time::timeout_at(
        deadline,
        http::post_form(client, endpoint, prepared.headers, prepared.body),
    )
    .await;
    let answer = match sent {
        Err(_) | Ok(Err(TransportError::Timeout)) => {
            return Err(format!(
                "introspection at {endpoint} did not answer in time"
            ));
        }
        Ok(Err(err)) => {
            return Err(format!(
                "introspection at {endpoint} failed: {}",
                transport::describe(&err, scrub)
            ));
        }
        Ok(Ok(answer)) => answer,
    };
    if answer.status != 200 || answer.truncated {
        return Err(format!(
            "introspection at {endpoint} answered HTTP {}, so the granted scopes are unknown",
            answer.status
        ));
    }
    let value = answer
        .json()
        .ok_or_else(|| format!("introspection at {endpoint} did not answer JSON"))?;
    match value.get("active").and_then(JsonRef::as_bool) {
        // `scope` is optional in RFC 7662: absent says nothing, which is not the same as "no scope".
        Some(true) => value
            .text("scope")
            .map(|scope| scope.words())
            .ok_or_else(|| {
                format!("introspection at {endpoint} answers active without a scope field, so the scopes are unknown")
            }),
        Some(false) => Err(format!(
            "introspection at {endpoint} says the token just issued is not active (often: the endpoint belongs to \
             another server or tenant)"
        )),
        None => Err(format!(
            "introspection at {endpoint} answered without the required `active` field"
        )),
    }
}
