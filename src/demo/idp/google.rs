//! The test IdP's Google Cloud flavour: a project's workload identity federation (STS `POST /v1/token`),
//! impersonation (IAM Credentials `generateAccessToken`), service-account keys (the JWT-bearer grant at
//! `POST /token`) and Resource Manager's `testIamPermissions` and `projects.get`, with the error bodies of facts
//! cloud-federation.md section 2. `google_config` and `google_provider` have what tests configure, `google_sts`
//! the token exchange, `google_key` the key grant, `google_iam` the bearer-authenticated APIs. This module has the
//! state, the issued tokens, the error shapes and the routing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

pub use super::google_config::{
    GOOGLE_TEST_PROJECT, GOOGLE_TEST_PROJECT_NUMBER, GoogleBehavior, GoogleConfig, ServiceAccount,
};
pub use super::google_provider::{AttributeCondition, Grant, WorkloadProvider};

use super::http::{Request, Response, js, obj};
use super::{State, method_not_allowed, unix_now};

const MAX_TOKENS: usize = 10_000;
/// What STS and generateAccessToken grant by default: one hour.
pub(super) const TOKEN_SECONDS: u64 = 3600;

// ---------------------------------------------------------------------------------------------------------
// State

/// The flavour's share of the server state.
pub(super) struct GoogleState {
    pub(super) config: GoogleConfig,
    tokens: Mutex<HashMap<String, Issued>>,
}

/// An access token this server issued.
struct Issued {
    exp: u64,
    identity: Identity,
}

/// Whom an access token acts as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Identity {
    /// A federated token from STS: its principal and the principal sets it belongs to.
    Federated {
        principal: String,
        sets: Vec<String>,
    },
    /// A service account, by email (from a key or from impersonation).
    ServiceAccount(String),
}

impl Identity {
    /// The IAM members this identity is: the principal and its sets, or `serviceAccount:EMAIL`.
    pub(super) fn members(&self) -> Vec<String> {
        match self {
            Identity::Federated { principal, sets } => std::iter::once(principal.clone())
                .chain(sets.iter().cloned())
                .collect(),
            Identity::ServiceAccount(email) => vec![format!("serviceAccount:{email}")],
        }
    }
}

impl GoogleState {
    pub(super) fn new(config: GoogleConfig) -> Self {
        GoogleState {
            config,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Every access token issued so far.
    pub(super) fn issued_tokens(&self) -> Vec<String> {
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.keys().cloned().collect()
    }

    /// The identity of a live token.
    fn lookup(&self, token: &str) -> Option<Identity> {
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let issued = tokens.get(token)?;
        (issued.exp > unix_now()).then(|| issued.identity.clone())
    }

    /// Whether `project` names this project, by id or by number.
    pub(super) fn is_project(&self, project: &str) -> bool {
        project == self.config.project_id || project == self.config.project_number
    }
}

/// A new access token, its lifetime in seconds and its expiry (seconds since the epoch).
pub(super) struct Minted {
    pub(super) token: String,
    pub(super) seconds: u64,
    pub(super) exp: u64,
}

/// Issues and remembers an access token for `identity`, valid `seconds` (or the configured lifetime).
pub(super) fn issue(state: &State, identity: Identity, seconds: u64) -> Minted {
    let google = &state.google;
    let n = state.minted.fetch_add(1, Ordering::SeqCst);
    // Real access tokens are `ya29.` and some 150-250 URL-safe characters; the length matters to clients that
    // size buffers or redact by shape.
    let mut bytes = Vec::with_capacity(128);
    for salt in ["ya29-1", "ya29-2", "ya29-3", "ya29-4"] {
        let digest = Sha256::digest(format!("{n}:{salt}:{}", state.start_nanos).as_bytes());
        bytes.extend_from_slice(&digest);
    }
    let token = format!("ya29.{}", URL_SAFE_NO_PAD.encode(bytes));
    let seconds = google.config.behavior.token_seconds.unwrap_or(seconds);
    let exp = unix_now().saturating_add(seconds);
    let mut map = google.tokens.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_TOKENS {
        let now = unix_now();
        map.retain(|_, t| t.exp > now);
        if map.len() >= MAX_TOKENS {
            // Still full of live tokens: forget an arbitrary one rather than grow without bound.
            if let Some(key) = map.keys().next().cloned() {
                map.remove(&key);
            }
        }
    }
    map.insert(token.clone(), Issued { exp, identity });
    Minted {
        token,
        seconds,
        exp,
    }
}

/// The identity behind the request's `Authorization: Bearer` token, or Google's 401.
pub(super) fn caller(state: &State, request: &Request) -> Result<Identity, Response> {
    let header = request.header("authorization").unwrap_or_default();
    let token = match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => "",
    };
    state.google.lookup(token).ok_or_else(unauthenticated)
}

// ---------------------------------------------------------------------------------------------------------
// Error shapes

/// An OAuth error as STS and the token endpoint write it: `{"error": …, "error_description": …}`.
pub(super) fn oauth(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        obj(&[("error", js(error)), ("error_description", js(description))]),
    )
    .header("Cache-Control", "no-store")
}

/// Google's API error shape, `{"error": {"code", "message", "status"}}`.
pub(super) fn api_error(code: u16, message: &str, status: &str) -> Response {
    let inner = obj(&[
        ("code", code.to_string()),
        ("message", js(message)),
        ("status", js(status)),
    ]);
    Response::json(code, obj(&[("error", inner)]))
}

/// Not sourced from the facts: Google's answer to a missing, unknown or expired bearer token, as commonly seen.
pub(super) fn unauthenticated() -> Response {
    api_error(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other \
         valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "UNAUTHENTICATED",
    )
    .header("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"")
}

/// Not sourced from the facts: Google's answer to a body it cannot read, wording from memory.
pub(super) fn invalid_argument(message: &str) -> Response {
    api_error(400, message, "INVALID_ARGUMENT")
}

// ---------------------------------------------------------------------------------------------------------
// Routing

/// The flavour's endpoints; `None` for a path that is not one of them (the generic routes then apply).
enum Endpoint {
    Sts,
    KeyGrant,
    GenerateAccessToken(String),
    TestIamPermissions(String),
    Project(String),
}

fn endpoint(path: &str) -> Option<Endpoint> {
    match path {
        "/v1/token" => return Some(Endpoint::Sts),
        "/token" => return Some(Endpoint::KeyGrant),
        _ => {}
    }
    let rest = path.strip_prefix("/v1/projects/")?;
    if let Some((_project, account)) = rest.split_once('/') {
        // IAM Credentials takes `-` or the project; either way the account's email decides.
        let email = account
            .strip_prefix("serviceAccounts/")?
            .strip_suffix(":generateAccessToken")?;
        let email =
            url::form_urlencoded::parse(format!("e={}", email.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())?;
        return Some(Endpoint::GenerateAccessToken(email));
    }
    if let Some(project) = rest.strip_suffix(":testIamPermissions") {
        return Some(Endpoint::TestIamPermissions(project.to_owned()));
    }
    (!rest.is_empty() && !rest.contains(':')).then(|| Endpoint::Project(rest.to_owned()))
}

/// Answers a request to one of the flavour's endpoints; `None` leaves it to the generic routes.
pub(super) async fn route(state: &State, request: &Request) -> Option<Response> {
    let endpoint = endpoint(request.path())?;
    let before = state.token_requests.fetch_add(1, Ordering::SeqCst);
    if let Some(delay) = state.google.config.behavior.delay {
        tokio::time::sleep(delay).await;
    }
    if before < state.google.config.behavior.unavailable_first {
        // Not sourced from the facts: Google's API error shape with gRPC's UNAVAILABLE status.
        return Some(api_error(
            503,
            "The service is currently unavailable.",
            "UNAVAILABLE",
        ));
    }
    let method = if matches!(endpoint, Endpoint::Project(_)) {
        "GET"
    } else {
        "POST"
    };
    if request.method != method {
        return Some(method_not_allowed(method));
    }
    Some(match endpoint {
        Endpoint::Sts => super::google_sts::exchange(state, request),
        Endpoint::KeyGrant => super::google_key::jwt_bearer(state, request),
        Endpoint::GenerateAccessToken(email) => {
            super::google_iam::generate_access_token(state, request, &email)
        }
        Endpoint::TestIamPermissions(project) => {
            super::google_iam::test_iam_permissions(state, request, &project)
        }
        Endpoint::Project(project) => super::google_iam::get_project(state, request, &project),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_endpoints() {
        assert!(matches!(endpoint("/v1/token"), Some(Endpoint::Sts)));
        assert!(matches!(endpoint("/token"), Some(Endpoint::KeyGrant)));
        let Some(Endpoint::GenerateAccessToken(email)) = endpoint(
            "/v1/projects/-/serviceAccounts/deploy%40acme-prod.iam.gserviceaccount.com:generateAccessToken",
        ) else {
            panic!("generateAccessToken");
        };
        assert_eq!(email, "deploy@acme-prod.iam.gserviceaccount.com");
        let Some(Endpoint::GenerateAccessToken(email)) = endpoint(
            "/v1/projects/-/serviceAccounts/a+b@p.iam.gserviceaccount.com:generateAccessToken",
        ) else {
            panic!("a plus is not a space in a path");
        };
        assert_eq!(email, "a+b@p.iam.gserviceaccount.com");
        assert!(matches!(
            endpoint("/v1/projects/acme-prod:testIamPermissions"),
            Some(Endpoint::TestIamPermissions(p)) if p == "acme-prod"
        ));
        assert!(matches!(
            endpoint("/v1/projects/123456789012"),
            Some(Endpoint::Project(p)) if p == "123456789012"
        ));
        for other in [
            "/",
            "/oauth/token",
            "/v1/projects/",
            "/v1/projects/x:getIamPolicy",
            "/v1/projects/-/serviceAccounts/a@b.c",
            "/v1/projects/-/other/a@b.c:generateAccessToken",
        ] {
            assert!(endpoint(other).is_none(), "{other}");
        }
    }

    #[test]
    fn federated_identities_are_their_principal_and_sets() {
        let identity = Identity::Federated {
            principal: "principal://p".into(),
            sets: vec!["principalSet://s".into()],
        };
        assert_eq!(identity.members(), ["principal://p", "principalSet://s"]);
        assert_eq!(
            Identity::ServiceAccount("a@b.c".into()).members(),
            ["serviceAccount:a@b.c"]
        );
    }
}
