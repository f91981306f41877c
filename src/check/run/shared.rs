//! Identical checks in one process share one run: Terraform reads data sources in parallel, and fifty reads of
//! one credential must not become fifty token requests that trip a token endpoint's rate limit. Two checks are
//! identical when every field of their requests is (the secret enters only hashed, the private key not at all).

use sha2::{Digest, Sha256};

use crate::check::inputs::credential::federated::Federated;
use crate::check::inputs::request::CheckRequest;
use crate::check::report::Report;
use crate::check::run::budget::{Cancel, run_once};
use crate::check::run::steps::Keep;
use crate::log::{Level, emit};

/// Identical checks in one process (one Terraform run) share one token request: Terraform reads data sources in
/// parallel, and fifty reads must not become fifty requests that trip a token-endpoint rate limit.
type Shared = std::sync::Arc<tokio::sync::OnceCell<Report>>;

static SHARED: std::sync::Mutex<Option<std::collections::HashMap<[u8; 32], Shared>>> =
    std::sync::Mutex::new(None);

/// Most distinct checks remembered; a provider process lives for one run, so this is only a safety bound.
const MAX_SHARED: usize = 4096;

/// A digest of everything that makes two checks the same check; the secret enters only hashed, the private key
/// not at all (its public half stands for it). Every field of the request is named below, so a field added to
/// the request that is left out here does not compile.
fn identity(request: &CheckRequest, keep: Keep) -> [u8; 32] {
    let CheckRequest {
        endpoint,
        client_id,
        client_secret,
        secret_origin,
        auth_method,
        scopes,
        required_scopes,
        audience,
        resource,
        expected_organization,
        ca_cert_pem,
        timeout,
        max_retries,
        allow_http,
        probe_other_regions,
        strict,
        key,
        federated,
        signing_algorithm,
        private_key_id,
        assertion_audience,
        notes,
        vendor,
    } = request;
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    // Fields without a secret, as Debug writes them (lengths keep neighbours apart).
    for shown in [
        format!("{endpoint:?}"),
        format!("{client_id:?}"),
        format!("{secret_origin:?}"),
        format!("{auth_method:?}"),
        format!("{scopes:?}"),
        format!("{required_scopes:?}"),
        format!("{audience:?}"),
        format!("{resource:?}"),
        format!("{expected_organization:?}"),
        format!("{ca_cert_pem:?}"),
        format!("{timeout:?}"),
        format!("{max_retries:?}"),
        format!("{allow_http:?} {probe_other_regions:?} {strict:?}"),
        format!("{signing_algorithm:?}"),
        format!("{private_key_id:?}"),
        format!("{assertion_audience:?}"),
        format!("{notes:?}"),
        format!("{vendor:?}"),
        format!("{keep:?}"),
    ] {
        field(shown.as_bytes());
    }
    field(client_secret.expose().as_bytes());
    field(&vendor.secrets_digest());
    // The credential other than a secret: the public key (the private one enters nowhere), the certificate, where
    // they came from, and where a federated token comes from.
    match key {
        Some(key) => {
            field(&key.key.public_key());
            field(
                key.certificate
                    .as_ref()
                    .map_or(&[][..], |c| c.der.as_slice()),
            );
            field(format!("{:?} {:?}", key.origin, key.input).as_bytes());
        }
        None => field(b"\x01"),
    }
    match federated {
        Some(Federated::File(path)) => field(format!("file {path}").as_bytes()),
        Some(Federated::Value(value, name)) => {
            field(name.as_bytes());
            field(value.expose().as_bytes());
        }
        Some(Federated::GithubActions {
            url,
            request_token,
            audience,
        }) => {
            field(format!("gha {url} {audience}").as_bytes());
            field(request_token.expose().as_bytes());
        }
        None => field(b"\x01"),
    }
    hash.finalize().into()
}

/// Runs a check, or waits for an identical one already running in this process and shares its report. The
/// report holds no token.
pub async fn run(request: CheckRequest, cancel: Cancel) -> Report {
    run_shared(request, cancel, Keep::Outcome).await
}

/// Like [`run`], keeping the issued token in the report (the ephemeral resource hands it out).
pub async fn run_for_token(request: CheckRequest, cancel: Cancel) -> Report {
    run_shared(request, cancel, Keep::Token).await
}

async fn run_shared(request: CheckRequest, cancel: Cancel, keep: Keep) -> Report {
    let key = identity(&request, keep);
    let cell = {
        let mut guard = match SHARED.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let map = guard.get_or_insert_with(std::collections::HashMap::new);
        if map.len() >= MAX_SHARED {
            map.clear();
        }
        map.entry(key).or_default().clone()
    };
    if cell.initialized() {
        emit(
            Level::Debug,
            "reusing the report of an identical check",
            &[("client_id", &request.client_id)],
        );
    }
    cell.get_or_init(|| run_once(request, cancel, keep))
        .await
        .clone()
}

/// Runs a check without sharing: for re-checks that must ask the server again (ephemeral renewals).
pub async fn run_fresh(request: CheckRequest, cancel: Cancel) -> Report {
    run_once(request, cancel, Keep::Outcome).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::base::secret::Secret;
    use crate::check::inputs::request::{Endpoint, Note, SecretOrigin, VendorSettings};
    use crate::check::report::{Status, Step};
    use crate::words;

    fn request() -> CheckRequest {
        CheckRequest::new(
            Endpoint::TokenUrl("https://idp.example/token".into()),
            "ci",
            Secret::new("s3cret"),
            SecretOrigin::Env("S".into()),
        )
    }

    #[test]
    fn checks_that_differ_in_any_field_of_the_request_are_different_checks() {
        let base = identity(&request(), Keep::Outcome);
        assert_eq!(base, identity(&request(), Keep::Outcome));
        let mut caveats = request();
        caveats.vendor = VendorSettings::new("test", vec!["the table misses an endpoint"]);
        let mut note = request();
        note.notes.push(Note {
            step: Step::Endpoint,
            status: Status::Warn,
            words: words!["a region given as a URL"],
        });
        let mut notes = request();
        notes.notes.push(Note {
            step: Step::Inputs,
            status: Status::Warn,
            words: words!["a leftover ARM_CLIENT_SECRET wins"],
        });
        for (what, other) in [
            ("vendor settings (permission caveats)", caveats),
            ("endpoint note", note),
            ("credential notes", notes),
        ] {
            assert_ne!(identity(&other, Keep::Outcome), base, "{what}");
        }
        assert_ne!(identity(&request(), Keep::Token), base, "keep");
    }
}
