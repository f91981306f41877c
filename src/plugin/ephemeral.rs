//! `ephemeral "authcheck_client_credentials"` (Terraform 1.10 and later): the same check, and the issued token
//! handed out; never in state or plan. An open resource keeps its inputs in memory under a handle (its private
//! data) so a renewal can re-check; Close drops them.

use super::cty::Value;
use super::diagnostics::{TerraformWords, diagnostic};
use super::proto::tfplugin6 as tf;
use super::provider::{AuthcheckProvider, Object, env_lookup, validate_config, wipe_dynamic};
use crate::check;
use crate::surface::Place;

/// When to renew an ephemeral token: a tenth of its life (at least 30 s) before it expires.
pub fn renewal_time(expires_in: Option<i64>) -> Option<prost_types::Timestamp> {
    let life = expires_in.filter(|s| *s > 0)?;
    let margin = (life / 10).max(30).min(life / 2);
    Some(prost_types::Timestamp {
        seconds: check::base::clock::now_unix().saturating_add(life - margin),
        nanos: 0,
    })
}

fn handle_of(private: Option<&[u8]>) -> Option<u64> {
    let bytes: [u8; 8] = private?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// Zeroes the token in a result object once it has been encoded.
pub fn wipe_token(value: &mut Value) {
    if let Value::Object(object) = value
        && let Some(Value::String(token)) = object.get_mut("access_token")
    {
        check::base::secret::wipe(token);
    }
}

/// ValidateEphemeralResourceConfig.
pub fn validate(
    mut request: tf::validate_ephemeral_resource_config::Request,
) -> tf::validate_ephemeral_resource_config::Response {
    let diagnostics = match Object::Ephemeral.decode(&request.type_name, request.config.as_ref()) {
        Ok(mut value) => {
            let diags = validate_config(&value, Place::Ephemeral);
            super::config::wipe_sensitive(&mut value, Place::Ephemeral);
            diags
        }
        Err(diags) => diags,
    };
    wipe_dynamic(&mut request.config);
    tf::validate_ephemeral_resource_config::Response { diagnostics }
}

/// OpenEphemeralResource: the check, the token in the result, a handle for renewals.
pub async fn open(
    provider: &AuthcheckProvider,
    mut request: tf::open_ephemeral_resource::Request,
) -> tf::open_ephemeral_resource::Response {
    let done = provider
        .checked(
            &request.type_name,
            request.config.as_ref(),
            Object::Ephemeral,
        )
        .await;
    wipe_dynamic(&mut request.config);
    let done = match done {
        Ok(done) => done,
        Err(diagnostics) => {
            return tf::open_ephemeral_resource::Response {
                diagnostics,
                ..Default::default()
            };
        }
    };
    let renew_at = done
        .report
        .valid
        .then(|| renewal_time(done.report.findings.expires_in))
        .flatten();
    let handle = provider
        .next_handle
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Ok(mut open) = provider.open.lock() {
        open.insert(handle, done.inputs);
    }
    tf::open_ephemeral_resource::Response {
        diagnostics: done.diagnostics,
        renew_at,
        result: Some(tf::DynamicValue {
            msgpack: done.encoded,
            json: Vec::new(),
        }),
        private: Some(handle.to_le_bytes().to_vec()),
        deferred: None,
    }
}

/// RenewEphemeralResource. The protocol lets a renewal report problems and schedule the next one, not replace
/// the token already handed out; so a renewal re-checks that the credentials still work and says so when they
/// no longer do.
pub async fn renew(
    provider: &AuthcheckProvider,
    request: tf::renew_ephemeral_resource::Request,
) -> tf::renew_ephemeral_resource::Response {
    let handle = handle_of(request.private.as_deref());
    let inputs = handle.and_then(|h| {
        provider
            .open
            .lock()
            .ok()
            .and_then(|open| open.get(&h).cloned())
    });
    let Some(inputs) = inputs else {
        return tf::renew_ephemeral_resource::Response::default();
    };
    let report = match inputs.resolve(&env_lookup) {
        Ok(check_request) => check::run_fresh(check_request, provider.stop.subscribe()).await,
        Err(report) => *report,
    };
    let words = TerraformWords {
        object: Place::Ephemeral,
    };
    let mut diagnostics = Vec::new();
    if !report.valid {
        diagnostics.push(diagnostic(
            tf::diagnostic::Severity::Warning,
            format!(
                "authcheck: the credentials stopped working while the token was in use: {}",
                report.summary_in(&words)
            ),
            format!(
                "{}\n\nreason: {}",
                report.detail_in(&words),
                report.reason.code()
            ),
            None,
        ));
    }
    tf::renew_ephemeral_resource::Response {
        diagnostics,
        renew_at: report
            .valid
            .then(|| renewal_time(report.findings.expires_in))
            .flatten(),
        private: request.private,
    }
}

/// CloseEphemeralResource: the inputs (and the secret they hold, zeroed) are dropped.
pub fn close(
    provider: &AuthcheckProvider,
    request: tf::close_ephemeral_resource::Request,
) -> tf::close_ephemeral_resource::Response {
    if let Some(handle) = handle_of(request.private.as_deref())
        && let Ok(mut open) = provider.open.lock()
    {
        open.remove(&handle);
    }
    tf::close_ephemeral_resource::Response::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_comes_a_tenth_of_the_life_early_but_not_too_early() {
        let now = check::base::clock::now_unix();
        let at = renewal_time(Some(3600)).expect("renewal").seconds;
        assert!((now + 3240 - 2..=now + 3240 + 2).contains(&at), "{at}");
        let at = renewal_time(Some(40)).expect("renewal").seconds;
        assert!((now + 20 - 2..=now + 20 + 2).contains(&at), "{at}");
        assert!(renewal_time(None).is_none());
        assert!(renewal_time(Some(0)).is_none());
    }

    #[test]
    fn handles_round_trip_and_garbage_is_no_handle() {
        assert_eq!(handle_of(Some(&7u64.to_le_bytes())), Some(7));
        assert_eq!(handle_of(Some(b"short")), None);
        assert_eq!(handle_of(None), None);
    }
}
