//! A self-contained OAuth2 identity provider for the demo and for tests.
//!
//! It speaks real HTTP/1.1 over TCP on 127.0.0.1 so that the engine's whole HTTP stack (reqwest, timeouts,
//! status handling, body parsing) is exercised, not a mocked transport. It is deliberately small: one request
//! per connection, `Connection: close`, no chunked bodies, hard limits on every size and duration, and a
//! lifetime after which it stops by itself so that a leaked server cannot outlive its test by much.
//!
//! Nothing here logs: the server sees client secrets and mints tokens, and a test IdP that printed them would
//! teach the wrong habit and leak into CI logs.
//!
//! `http` reads requests and writes responses, `oauth` holds the clients and the OAuth endpoints, `genesys`
//! imitates Genesys Cloud's API (`enforced`: the permissions its endpoints require), `sts` and its `sts_*` parts
//! imitate AWS STS, `google` and its `google_*` parts Google Cloud, and `cases` has the demo's fixed clients and
//! cases. This module has the configuration, the server handle, the state the endpoints share and the routing
//! between them.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

mod actions;
mod assertion;
mod cases;
mod enforced;
mod entra;
mod genesys;
mod google;
mod google_config;
mod google_iam;
mod google_key;
mod google_provider;
mod google_sts;
mod http;
mod oauth;
mod sts;
mod sts_auth;
mod sts_config;
mod sts_sigv4;
mod sts_time;
mod sts_web;
#[cfg(test)]
mod test_support;

pub use actions::{
    ACTIONS_REQUEST_TOKEN, GITHUB_ISSUER, actions_request_url, github_id_token, placeholder_jwt,
    workload_token, workload_token_until, workload_token_with_claims,
};
pub use assertion::RegisteredKey;
pub use cases::{DEMO_GENESYS_CLIENT, DemoCase, demo_cases, demo_config, demo_genesys_config};
pub use entra::{
    ENTRA_OTHER_TENANT_SUBSCRIPTION, ENTRA_TEST_DOMAIN, ENTRA_TEST_SUBSCRIPTION, ENTRA_TEST_TENANT,
};
pub use genesys::Org;
pub use google::{
    AttributeCondition, GOOGLE_TEST_PROJECT, GOOGLE_TEST_PROJECT_NUMBER, GoogleBehavior,
    GoogleConfig, Grant, ServiceAccount, WorkloadProvider,
};
pub use oauth::{Behavior, Client, HUGE_TOKEN_PREFIX, Inspect};
pub use sts::{
    OidcProvider, STS_TEST_ACCOUNT, StsBehavior, StsConfig, StsRole, StsUser, TrustCondition,
};

use genesys::{GenesysApi, genesys_api};
use http::{Request, Response, accept_loop};
use oauth::{discovery, introspect, token_endpoint};

const MAX_ISSUED: usize = 10_000;
const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);

/// Which vendor's wire format the IdP imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavor {
    /// RFC 6749 error bodies.
    #[default]
    Generic,
    /// Genesys Cloud's login-host error bodies and its `/api/v2/tokens/me` and `/api/v2/organizations/me`.
    Genesys,
    /// Microsoft Entra ID: `/<tenant>/oauth2/v2.0/token` and AADSTS error bodies.
    Entra,
    /// AWS STS: `POST /` with STS's query protocol, XML answers; its account comes from [`Idp::start_sts`]
    /// (plain [`Idp::start`] gives an empty account, [`STS_TEST_ACCOUNT`]). OAuth paths answer as `Generic`.
    AwsSts,
    /// Google Cloud: STS `POST /v1/token`, IAM Credentials `generateAccessToken`, the key grant at `POST /token`
    /// and Resource Manager's `testIamPermissions` and `projects.get`; its project comes from
    /// [`Idp::start_google`] (plain [`Idp::start`] gives an empty project, [`GOOGLE_TEST_PROJECT`]). Other OAuth
    /// paths answer as `Generic`.
    Google,
}

/// What the IdP serves.
#[derive(Debug, Clone)]
pub struct IdpConfig {
    /// Registered clients; ids must be distinct.
    pub clients: Vec<Client>,
    /// Wire format to imitate.
    pub flavor: Flavor,
    /// The server stops by itself after this long.
    pub max_lifetime: Duration,
}

impl IdpConfig {
    /// A generic-flavour config with a 10 minute lifetime.
    pub fn new(clients: Vec<Client>) -> Self {
        IdpConfig {
            clients,
            flavor: Flavor::Generic,
            max_lifetime: DEFAULT_LIFETIME,
        }
    }
}

/// A running IdP on 127.0.0.1; stops on [`Idp::shutdown`], on drop, or after `max_lifetime`.
pub struct Idp {
    addr: SocketAddr,
    state: Arc<State>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Idp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Idp")
            .field("base_url", &self.state.base_url)
            .finish_non_exhaustive()
    }
}

impl Idp {
    /// Binds 127.0.0.1 on a free port and starts serving; needs a tokio runtime.
    pub async fn start(config: IdpConfig) -> std::io::Result<Idp> {
        let google = GoogleConfig::new(GOOGLE_TEST_PROJECT, GOOGLE_TEST_PROJECT_NUMBER);
        Self::start_with(config, StsConfig::new(STS_TEST_ACCOUNT), google).await
    }

    /// Starts the AWS STS flavour ([`Flavor::AwsSts`]) serving `sts`'s account at `base_url()` (the STS endpoint,
    /// e.g. boto3's `endpoint_url`), with no OAuth clients and a 10 minute lifetime. [`Idp::requests`] counts STS
    /// requests. Refuses (`InvalidInput`) an account id that is not 12 digits, a user, access key or role given
    /// twice, and a role trusting a user that does not exist.
    pub async fn start_sts(sts: StsConfig) -> std::io::Result<Idp> {
        // A separate entry point rather than a field on IdpConfig: a new field would break every struct literal
        // of IdpConfig outside this module.
        sts.validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let config = IdpConfig {
            flavor: Flavor::AwsSts,
            ..IdpConfig::new(Vec::new())
        };
        let google = GoogleConfig::new(GOOGLE_TEST_PROJECT, GOOGLE_TEST_PROJECT_NUMBER);
        Self::start_with(config, sts, google).await
    }

    /// Starts the Google Cloud flavour ([`Flavor::Google`]) serving `google`'s project at `base_url()`: STS at
    /// `/v1/token`, IAM Credentials at `/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken`, the key grant at
    /// `/token`, Resource Manager at `/v1/projects/PROJECT[:testIamPermissions]`; no OAuth clients, a 10 minute
    /// lifetime. [`Idp::requests`] counts requests to those endpoints. Refuses (`InvalidInput`) a malformed
    /// project id or number, pool or provider ids Google would refuse, a provider, service account or key given
    /// twice, a mapping without `google.subject` or with a source other than `assertion.CLAIM`, a key that is not
    /// RSA, and members that are not `principal://`, `principalSet://` or `serviceAccount:`.
    pub async fn start_google(google: GoogleConfig) -> std::io::Result<Idp> {
        google
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let config = IdpConfig {
            flavor: Flavor::Google,
            ..IdpConfig::new(Vec::new())
        };
        Self::start_with(config, StsConfig::new(STS_TEST_ACCOUNT), google).await
    }

    async fn start_with(
        config: IdpConfig,
        sts: StsConfig,
        google: GoogleConfig,
    ) -> std::io::Result<Idp> {
        for (i, client) in config.clients.iter().enumerate() {
            if config.clients[..i].iter().any(|c| c.id == client.id) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("client id registered twice: {}", client.id),
                ));
            }
        }
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let start_nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let state = Arc::new(State {
            base_url,
            flavor: config.flavor,
            clients: config
                .clients
                .into_iter()
                .map(|client| ClientState {
                    client,
                    attempts: AtomicU64::new(0),
                })
                .collect(),
            token_requests: AtomicU64::new(0),
            minted: AtomicU64::new(0),
            start_nanos,
            issued: Mutex::new(HashMap::new()),
            jtis: assertion::SeenJtis::default(),
            sts: sts::StsState::new(sts),
            google: google::GoogleState::new(google),
        });
        let task = tokio::spawn(accept_loop(listener, state.clone(), config.max_lifetime));
        Ok(Idp {
            addr,
            state,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The token endpoint, `base_url() + "/oauth/token"` (`/token` is served too).
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.state.base_url)
    }

    /// The socket address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The STS flavour's issued session secrets (secret access keys and session tokens), so that a test can
    /// search every output for them.
    pub fn sts_issued_secrets(&self) -> Vec<String> {
        self.state.sts.issued_secrets()
    }

    /// The Google flavour's issued access tokens (from STS, generateAccessToken and the key grant), so that a test
    /// can search every output for them.
    pub fn google_issued_tokens(&self) -> Vec<String> {
        self.state.google.issued_tokens()
    }

    /// Requests to the token endpoint received so far, whatever their outcome.
    pub fn requests(&self) -> u64 {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// Stops accepting and aborts in-flight connections; the port is freed as soon as the runtime runs.
    pub fn shutdown(self) {
        drop(self);
    }

    /// Like [`Idp::shutdown`], but returns only once the listening socket is closed.
    pub async fn shutdown_and_wait(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            // Cancellation drops the task's future (and with it the listener) before the handle resolves.
            let _ = task.await;
        }
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Server state

struct State {
    base_url: String,
    flavor: Flavor,
    clients: Vec<ClientState>,
    token_requests: AtomicU64,
    minted: AtomicU64,
    start_nanos: u128,
    issued: Mutex<HashMap<String, Issued>>,
    jtis: assertion::SeenJtis,
    sts: sts::StsState,
    google: google::GoogleState,
}

struct ClientState {
    client: Client,
    attempts: AtomicU64,
}

struct Issued {
    client: usize,
    scopes: Vec<String>,
    iat: u64,
    exp: u64,
}

impl State {
    fn find(&self, id: &str) -> Option<usize> {
        self.clients.iter().position(|c| c.client.id == id)
    }

    fn issued_lookup(&self, token: &str) -> Option<(usize, Vec<String>, u64, u64)> {
        let issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        let entry = issued.get(token)?;
        if entry.exp <= unix_now() {
            return None;
        }
        Some((entry.client, entry.scopes.clone(), entry.iat, entry.exp))
    }

    fn remember(&self, token: String, issued: Issued) {
        let mut map = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ISSUED {
            let now = unix_now();
            map.retain(|_, v| v.exp > now);
            if map.len() >= MAX_ISSUED {
                // Still full of live tokens: forget an arbitrary one rather than grow without bound.
                if let Some(key) = map.keys().next().cloned() {
                    map.remove(&key);
                }
            }
        }
        map.insert(token, issued);
    }

    /// A hex digest that looks random but needs no RNG dependency; never derived from a secret.
    fn digest_hex(&self, salt: &str, n: u64) -> String {
        let mut hasher = Sha256::new();
        hasher.update(format!("{n}:{salt}:{}", self.start_nanos).as_bytes());
        hasher
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------------------
// Routing

const METHOD_NOT_ALLOWED_PAGE: &str = "<html><title>Method Not Allowed</title></html>";
const NOT_FOUND_PAGE: &str =
    "<html><head><title>Not Found</title></head><body><h1>Not Found</h1></body></html>";

fn method_not_allowed(allow: &str) -> Response {
    Response::html(405, METHOD_NOT_ALLOWED_PAGE).header("Allow", allow)
}

async fn route(state: &State, request: &Request) -> Response {
    let genesys = state.flavor == Flavor::Genesys;
    let entra_tenant = (state.flavor == Flavor::Entra)
        .then(|| entra::token_path_tenant(request.path()))
        .flatten();
    if let Some(tenant) = entra_tenant {
        state.token_requests.fetch_add(1, Ordering::SeqCst);
        if request.method != "POST" {
            return method_not_allowed("POST");
        }
        if !entra::known_tenant(tenant) {
            return entra::tenant_not_found(tenant);
        }
        return token_endpoint(state, request).await.unwrap_or_else(|e| e);
    }
    if state.flavor == Flavor::AwsSts && request.path() == "/" {
        state.token_requests.fetch_add(1, Ordering::SeqCst);
        // STS also takes GET with the parameters in the query; this server serves the form POST SDKs send.
        if request.method != "POST" {
            return method_not_allowed("POST");
        }
        return sts::serve(state, request);
    }
    if state.flavor == Flavor::Google
        && let Some(response) = google::route(state, request).await
    {
        return response;
    }
    if state.flavor == Flavor::Entra && request.path().starts_with("/subscriptions/") {
        if request.method != "GET" {
            return method_not_allowed("GET");
        }
        return entra::subscription(state, request);
    }
    match request.path() {
        actions::PATH => {
            if request.method != "GET" {
                return method_not_allowed("GET");
            }
            actions::id_token(request)
        }
        "/oauth/token" | "/token" => {
            state.token_requests.fetch_add(1, Ordering::SeqCst);
            if request.method != "POST" {
                return method_not_allowed("POST");
            }
            token_endpoint(state, request).await.unwrap_or_else(|e| e)
        }
        "/.well-known/openid-configuration" | "/.well-known/oauth-authorization-server" => {
            if request.method != "GET" {
                return method_not_allowed("GET");
            }
            discovery(state)
        }
        "/introspect" => {
            if request.method != "POST" {
                return method_not_allowed("POST");
            }
            introspect(state, request).unwrap_or_else(|e| e)
        }
        "/api/v2/tokens/me" if genesys => {
            if request.method != "GET" {
                return method_not_allowed("GET");
            }
            genesys_api(state, request, GenesysApi::TokensMe)
        }
        "/api/v2/organizations/me" if genesys => {
            if request.method != "GET" {
                return method_not_allowed("GET");
            }
            genesys_api(state, request, GenesysApi::OrganizationsMe)
        }
        path if genesys && path.starts_with("/api/v2/") && request.method == "GET" => {
            genesys_api(state, request, GenesysApi::Other)
        }
        _ => Response::html(404, NOT_FOUND_PAGE),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::net::TcpStream;

    use super::test_support::*;
    use super::*;

    #[tokio::test]
    async fn wrong_method_and_unknown_paths() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let reply = send(&idp, &get("/oauth/token", &[])).await;
        assert_eq!(reply.status, 405);
        assert_eq!(reply.body, "<html><title>Method Not Allowed</title></html>");
        assert_eq!(reply.header("allow").as_deref(), Some("POST"));
        for path in ["/", "/nope"] {
            let reply = send(&idp, &get(path, &[])).await;
            assert_eq!(reply.status, 404);
            assert!(
                reply
                    .body
                    .starts_with("<html><head><title>Not Found</title></head>")
            );
        }
    }

    #[tokio::test]
    async fn request_counter_counts_token_requests_only() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        assert_eq!(idp.requests(), 0);
        token_basic(&idp, "svc", "s", "").await;
        token_basic(&idp, "svc", "wrong", "").await;
        send(&idp, &get("/.well-known/openid-configuration", &[])).await;
        send(&idp, &get("/", &[])).await;
        assert_eq!(idp.requests(), 2);
    }

    #[tokio::test]
    async fn shutdown_frees_the_port() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let addr = idp.local_addr();
        idp.shutdown_and_wait().await;
        assert!(TcpStream::connect(addr).await.is_err());

        let idp = start(vec![Client::new("svc", "s")]).await;
        let addr = idp.local_addr();
        idp.shutdown();
        let mut closed = false;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if TcpStream::connect(addr).await.is_err() {
                closed = true;
                break;
            }
        }
        assert!(closed, "port still accepting after shutdown");
    }

    #[tokio::test]
    async fn max_lifetime_stops_the_server() {
        let config = IdpConfig {
            max_lifetime: Duration::from_millis(100),
            ..IdpConfig::new(vec![Client::new("svc", "s")])
        };
        let idp = Idp::start(config).await.expect("start");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(TcpStream::connect(idp.local_addr()).await.is_err());
    }

    #[tokio::test]
    async fn duplicate_client_ids_are_refused() {
        let err = Idp::start(IdpConfig::new(vec![
            Client::new("svc", "a"),
            Client::new("svc", "b"),
        ]))
        .await
        .expect_err("duplicate ids");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
}
