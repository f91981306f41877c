//! A self-contained OAuth2 identity provider for the demo and for tests.
//!
//! It speaks real HTTP/1.1 over TCP on 127.0.0.1 so that the engine's whole HTTP stack (reqwest, timeouts,
//! status handling, body parsing) is exercised, not a mocked transport. It is deliberately small: one request
//! per connection, `Connection: close`, no chunked bodies, hard limits on every size and duration, and a
//! lifetime after which it stops by itself so that a leaked server cannot outlive its test by much.
//!
//! Nothing here logs: the server sees client secrets and mints tokens, and a test IdP that printed them would
//! teach the wrong habit and leak into CI logs.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

const MAX_BODY: usize = 64 * 1024;
const MAX_HEAD: usize = 16 * 1024;
const MAX_REQUEST_LINE: usize = 8 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
// After replying we keep reading briefly: closing a socket with unread input makes the kernel send RST,
// which can destroy the reply before the client has read it (the 413 case in particular).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);
const DRAIN_LIMIT: usize = 1024 * 1024;
const MAX_CONNECTIONS: usize = 256;
const MAX_ISSUED: usize = 10_000;
const TOKEN_LIFETIME_SECS: u64 = 3600;
const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);
const REALM: &str = "authcheck-test-idp";

/// How one registered client behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behavior {
    /// Issues tokens like a well-configured client.
    Normal,
    /// Authenticates but is refused the client-credentials grant (`unauthorized_client`).
    GrantNotAllowed,
    /// The first `failures_before_success` token requests are rate limited, later ones succeed.
    RateLimited {
        /// How many token requests for this client are refused before one succeeds.
        failures_before_success: u32,
    },
    /// Every token request is rate limited.
    AlwaysRateLimited,
    /// Accepts only `client_secret_basic`.
    BasicOnly,
    /// Accepts only `client_secret_post`.
    PostOnly,
    /// Successful responses carry no `scope` field.
    NoScopeField,
    /// Issues a JWT access token and omits `scope`, so scopes can only be learnt from the token's claims.
    JwtAccessToken,
    /// Answers 503 with an HTML page, as a broken gateway would.
    ServerError,
    /// Waits this long before answering (other connections are not held up).
    Slow(Duration),
}

/// A Genesys Cloud organisation, as reported by `/api/v2/tokens/me` and `/api/v2/organizations/me`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// Organisation id (a UUID in Genesys Cloud).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Short name (`thirdPartyOrgName`).
    pub short_name: String,
}

/// One registered client.
#[derive(Clone)]
pub struct Client {
    /// The client id.
    pub id: String,
    /// The registered secret.
    pub secret: String,
    /// Scopes the client may be granted.
    pub scopes: Vec<String>,
    /// How the client behaves.
    pub behavior: Behavior,
    /// Genesys organisation; `None` means the IdP's default demo organisation.
    pub org: Option<Org>,
    /// Genesys client display name; `None` means the client id is used.
    pub name: Option<String>,
    /// Genesys: whether the client has a role (false gives an empty `roleDivisions`).
    pub roles: bool,
}

// Hand-written so that `{:?}` on a config in a failing test never prints a secret.
impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("behavior", &self.behavior)
            .field("org", &self.org)
            .field("name", &self.name)
            .field("roles", &self.roles)
            .finish()
    }
}

impl Client {
    /// A normal client with scopes `read` and `write`, the default organisation, no name and a role.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Client {
            id: id.into(),
            secret: secret.into(),
            scopes: vec!["read".to_owned(), "write".to_owned()],
            behavior: Behavior::Normal,
            org: None,
            name: None,
            roles: true,
        }
    }

    /// Replaces the client's allowed scopes.
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Sets the client's behaviour.
    pub fn behavior(mut self, behavior: Behavior) -> Self {
        self.behavior = behavior;
        self
    }

    /// Sets the client's Genesys organisation.
    pub fn org(mut self, org: Org) -> Self {
        self.org = Some(org);
        self
    }

    /// Sets the client's Genesys display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets whether the client has a role division (Genesys `roleDivisions`).
    pub fn roles(mut self, roles: bool) -> Self {
        self.roles = roles;
        self
    }
}

/// Which vendor's wire format the IdP imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavor {
    /// RFC 6749 error bodies.
    #[default]
    Generic,
    /// Genesys Cloud's login-host error bodies and its `/api/v2/tokens/me` and `/api/v2/organizations/me`.
    Genesys,
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

/// One scenario that `authcheck demo` runs against [`demo_config`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCase {
    /// Short human title.
    pub title: &'static str,
    /// The client id the demo sends.
    pub client_id: &'static str,
    /// The secret the demo sends (may differ from the registered one on purpose).
    pub secret_sent: &'static str,
    /// Scopes the demo requests (empty: none requested).
    pub scopes: Vec<&'static str>,
    /// Scopes the demo requires to be granted.
    pub required_scopes: Vec<&'static str>,
}

/// The demo's clients: fake, obviously non-secret values, fixed so that the demo's output is reproducible.
pub fn demo_config() -> IdpConfig {
    IdpConfig {
        clients: vec![
            Client::new("demo-good", "demo-good-secret"),
            // The registered secret is "v2" while demo_cases() sends "v1": a rotation nobody propagated.
            Client::new("demo-rotated", "demo-rotated-secret-v2"),
            Client::new("demo-readonly", "demo-readonly-secret").scopes(&["read"]),
            Client::new("demo-no-grant", "demo-no-grant-secret")
                .behavior(Behavior::GrantNotAllowed),
            Client::new("demo-busy", "demo-busy-secret").behavior(Behavior::AlwaysRateLimited),
        ],
        flavor: Flavor::Generic,
        max_lifetime: Duration::from_secs(300),
    }
}

/// The demo's cases in display order; each names the failure authcheck should diagnose.
pub fn demo_cases() -> Vec<DemoCase> {
    vec![
        // Expected reason: ok.
        DemoCase {
            title: "valid credentials",
            client_id: "demo-good",
            secret_sent: "demo-good-secret",
            scopes: vec![],
            required_scopes: vec!["read"],
        },
        // Expected reason: invalid_secret.
        DemoCase {
            title: "secret was rotated",
            client_id: "demo-rotated",
            secret_sent: "demo-rotated-secret-v1",
            scopes: vec![],
            required_scopes: vec![],
        },
        // Expected reason: client_not_found.
        DemoCase {
            title: "client id has a typo",
            client_id: "demo-goood",
            secret_sent: "demo-good-secret",
            scopes: vec![],
            required_scopes: vec![],
        },
        // Expected reason: missing_scopes (the IdP grants "read" only).
        DemoCase {
            title: "client lacks a required scope",
            client_id: "demo-readonly",
            secret_sent: "demo-readonly-secret",
            scopes: vec![],
            required_scopes: vec!["read", "write"],
        },
        // Expected reason: grant_not_allowed.
        DemoCase {
            title: "client may not use the client-credentials grant",
            client_id: "demo-no-grant",
            secret_sent: "demo-no-grant-secret",
            scopes: vec![],
            required_scopes: vec![],
        },
        // Expected reason: rate_limited.
        DemoCase {
            title: "token endpoint is rate limiting",
            client_id: "demo-busy",
            secret_sent: "demo-busy-secret",
            scopes: vec![],
            required_scopes: vec![],
        },
        // Expected reason: invalid_scope.
        DemoCase {
            title: "requested scope is refused",
            client_id: "demo-good",
            secret_sent: "demo-good-secret",
            scopes: vec!["admin"],
            required_scopes: vec![],
        },
    ]
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
// HTTP plumbing

async fn accept_loop(listener: TcpListener, state: Arc<State>, lifetime: Duration) {
    let deadline = tokio::time::sleep(lifetime);
    tokio::pin!(deadline);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    if connections.len() >= MAX_CONNECTIONS {
                        // Refusing by closing keeps memory bounded if a test floods the server.
                        drop(stream);
                    } else {
                        connections.spawn(serve_connection(state.clone(), stream));
                    }
                }
                // Errors such as EMFILE are transient; back off instead of spinning on them.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
        }
    }
    // Dropping the JoinSet aborts in-flight connections; dropping the listener frees the port.
}

struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    fn path(&self) -> &str {
        let mut target = self.target.as_str();
        // Absolute-form targets come from clients that think they talk to a proxy.
        if let Some(rest) = target.strip_prefix("http://") {
            target = rest.find('/').map_or("/", |i| &rest[i..]);
        }
        let end = target.find(['?', '#']).unwrap_or(target.len());
        &target[..end]
    }
}

struct Response {
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Response {
    fn json(status: u16, body: String) -> Self {
        Response {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body,
        }
    }

    fn html(status: u16, body: &str) -> Self {
        Response {
            status,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.status,
            reason_phrase(self.status),
            self.content_type,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(self.body.as_bytes());
        bytes
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

fn status_page(status: u16) -> Response {
    let reason = reason_phrase(status);
    Response::html(
        status,
        &format!(
            "<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>"
        ),
    )
}

enum ReadError {
    /// The peer went away before sending a request; there is nobody to answer.
    Closed,
    /// The request is unacceptable; send this and close.
    Reply(Response),
}

async fn serve_connection(state: Arc<State>, mut stream: TcpStream) {
    let response = match tokio::time::timeout(READ_TIMEOUT, read_request(&mut stream)).await {
        Ok(Ok(request)) => route(&state, &request).await,
        Ok(Err(ReadError::Closed)) => return,
        Ok(Err(ReadError::Reply(response))) => response,
        Err(_) => status_page(408),
    };
    let bytes = response.to_bytes();
    let written = tokio::time::timeout(WRITE_TIMEOUT, async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await
    })
    .await;
    if matches!(written, Ok(Ok(()))) {
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, drain(&mut stream)).await;
    }
}

async fn drain(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let mut total = 0usize;
    while total < DRAIN_LIMIT {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => total += n,
        }
    }
}

/// Where the header section ends (just past its empty line), tolerating bare LF line ends.
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut line_start = 0;
    for (i, b) in buf.iter().enumerate() {
        if *b == b'\n' {
            let line = &buf[line_start..i];
            if line.is_empty() || line == b"\r" {
                return Some(i + 1);
            }
            line_start = i + 1;
        }
    }
    None
}

async fn read_request(stream: &mut TcpStream) -> Result<Request, ReadError> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = head_end(&buf) {
            if end > MAX_HEAD {
                return Err(ReadError::Reply(status_page(431)));
            }
            break end;
        }
        if !buf.contains(&b'\n') && buf.len() > MAX_REQUEST_LINE {
            return Err(ReadError::Reply(status_page(414)));
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadError::Reply(status_page(431)));
        }
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| ReadError::Closed)?;
        if n == 0 {
            return Err(if buf.is_empty() {
                ReadError::Closed
            } else {
                ReadError::Reply(status_page(400))
            });
        }
        buf.extend_from_slice(&chunk[..n]);
    };

    let bad = || ReadError::Reply(status_page(400));
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| bad())?;
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().ok_or_else(bad)?;
    if request_line.len() > MAX_REQUEST_LINE {
        return Err(ReadError::Reply(status_page(414)));
    }
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if method.is_empty() || !target.starts_with(['/', 'h']) || !version.starts_with("HTTP/1.") {
        return Err(bad());
    }
    let http11 = version == "HTTP/1.1";
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        // Obsolete line folding and names with whitespace are request-smuggling material: refuse them.
        let (name, value) = line.split_once(':').ok_or_else(bad)?;
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(bad());
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let mut request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body: Vec::new(),
    };

    if request.header("transfer-encoding").is_some() {
        return Err(ReadError::Reply(status_page(411)));
    }
    let mut length: Option<usize> = None;
    for (name, value) in &request.headers {
        if !name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // Digits only, so a parse failure means overflow: certainly too large.
        let parsed = value.parse::<usize>().unwrap_or(usize::MAX);
        if length.is_some_and(|l| l != parsed) {
            return Err(bad());
        }
        length = Some(parsed);
    }
    let length = length.unwrap_or(0);
    if length > MAX_BODY {
        return Err(ReadError::Reply(status_page(413)));
    }

    let mut body = buf.split_off(end);
    if body.len() < length
        && http11
        && request
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await
            .map_err(|_| ReadError::Closed)?;
    }
    while body.len() < length {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| ReadError::Closed)?;
        if n == 0 {
            return Err(bad());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    // Bytes past Content-Length would be a pipelined request, which this server does not serve.
    body.truncate(length);
    request.body = body;
    Ok(request)
}

// ---------------------------------------------------------------------------------------------------------
// JSON rendering that keeps field order, so bodies read like the vendor's (serde_json's Map sorts keys).

fn js(value: impl Into<Value>) -> String {
    value.into().to_string()
}

fn obj(fields: &[(&str, String)]) -> String {
    let inner: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", js(*k)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

// ---------------------------------------------------------------------------------------------------------
// Routing and endpoints

const METHOD_NOT_ALLOWED_PAGE: &str = "<html><title>Method Not Allowed</title></html>";
const NOT_FOUND_PAGE: &str =
    "<html><head><title>Not Found</title></head><body><h1>Not Found</h1></body></html>";
const SERVICE_UNAVAILABLE_PAGE: &str =
    "<html><head><title>503 Service Unavailable</title></head></html>";

fn method_not_allowed(allow: &str) -> Response {
    Response::html(405, METHOD_NOT_ALLOWED_PAGE).header("Allow", allow)
}

async fn route(state: &State, request: &Request) -> Response {
    let genesys = state.flavor == Flavor::Genesys;
    match request.path() {
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
        _ => Response::html(404, NOT_FOUND_PAGE),
    }
}

fn discovery(state: &State) -> Response {
    let base = &state.base_url;
    let mut scopes: Vec<&str> = Vec::new();
    for c in &state.clients {
        for s in &c.client.scopes {
            if !scopes.contains(&s.as_str()) {
                scopes.push(s);
            }
        }
    }
    Response::json(
        200,
        obj(&[
            ("issuer", js(base.as_str())),
            ("token_endpoint", js(format!("{base}/oauth/token"))),
            ("introspection_endpoint", js(format!("{base}/introspect"))),
            (
                "token_endpoint_auth_methods_supported",
                js(vec!["client_secret_basic", "client_secret_post"]),
            ),
            ("grant_types_supported", js(vec!["client_credentials"])),
            ("scopes_supported", js(scopes)),
        ]),
    )
}

/// An OAuth error in the flavour's shape: Genesys repeats the text under `description` (its SDKs read both).
fn oauth_error(flavor: Flavor, status: u16, error: &str, description: &str) -> Response {
    let body = match flavor {
        Flavor::Generic => obj(&[("error", js(error)), ("error_description", js(description))]),
        Flavor::Genesys => obj(&[
            ("error", js(error)),
            ("description", js(description)),
            ("error_description", js(description)),
        ]),
    };
    Response::json(status, body)
        .header("Cache-Control", "no-store")
        .header("Pragma", "no-cache")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AuthMethod {
    Basic,
    Post,
}

struct Credentials {
    id: String,
    secret: String,
    method: AuthMethod,
}

type Form = Vec<(String, String)>;

fn form_value<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Parses the form body, refusing repeated parameters as RFC 6749 section 3.1 requires.
fn parse_form(state: &State, request: &Request) -> Result<Form, Response> {
    let is_form = request.header("content-type").is_some_and(|ct| {
        ct.split(';').next().is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    });
    if !is_form {
        return Err(oauth_error(
            state.flavor,
            400,
            "invalid_request",
            "request body must be application/x-www-form-urlencoded",
        ));
    }
    let form: Form = url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for (i, (name, _)) in form.iter().enumerate() {
        if form[..i].iter().any(|(n, _)| n == name) {
            return Err(oauth_error(
                state.flavor,
                400,
                "invalid_request",
                &format!("parameter included more than once: {name}"),
            ));
        }
    }
    Ok(form)
}

/// Decodes `application/x-www-form-urlencoded` text (RFC 6749 2.3.1 encodes Basic credentials this way).
fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                out.push(hex_value(bytes[i + 1]) * 16 + hex_value(bytes[i + 2]));
                i += 3;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

fn basic_challenge(response: Response) -> Response {
    response.header("WWW-Authenticate", format!("Basic realm=\"{REALM}\""))
}

/// Works out which credentials the client presented and how, before looking anything up.
fn credentials(state: &State, request: &Request, form: &Form) -> Result<Credentials, Response> {
    let flavor = state.flavor;
    if request.header_count("authorization") > 1 {
        return Err(oauth_error(
            flavor,
            400,
            "invalid_request",
            "more than one Authorization header",
        ));
    }
    let basic = match request.header("authorization") {
        None => None,
        Some(value) => {
            let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(basic_challenge(oauth_error(
                    flavor,
                    401,
                    "invalid_client",
                    "unsupported authorization scheme; use Basic",
                )));
            }
            let malformed = || {
                basic_challenge(oauth_error(
                    flavor,
                    401,
                    "invalid_client",
                    "malformed Basic authorization header",
                ))
            };
            let decoded = STANDARD.decode(rest.trim()).map_err(|_| malformed())?;
            let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
            let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
            let id = form_decode(id).ok_or_else(malformed)?;
            let secret = form_decode(secret).ok_or_else(malformed)?;
            Some((id, secret))
        }
    };
    let body_id = form_value(form, "client_id");
    let body_secret = form_value(form, "client_secret");
    match (basic, body_id, body_secret) {
        (Some(_), _, Some(_)) => Err(oauth_error(
            flavor,
            400,
            "invalid_request",
            "multiple client authentication methods",
        )),
        (Some((id, secret)), body_id, None) => {
            // RFC 6749 lets a Basic client repeat its id in the body; a different one is a client bug.
            if body_id.is_some_and(|b| b != id) {
                return Err(oauth_error(
                    flavor,
                    400,
                    "invalid_request",
                    "client_id in the body does not match the Authorization header",
                ));
            }
            Ok(Credentials {
                id,
                secret,
                method: AuthMethod::Basic,
            })
        }
        (None, Some(id), Some(secret)) => Ok(Credentials {
            id: id.to_owned(),
            secret: secret.to_owned(),
            method: AuthMethod::Post,
        }),
        (None, _, _) => Err(basic_challenge(oauth_error(
            flavor,
            401,
            "invalid_client",
            "client authentication required",
        ))),
    }
}

fn lookup(state: &State, credentials: &Credentials) -> Result<usize, Response> {
    state
        .find(&credentials.id)
        .ok_or_else(|| match state.flavor {
            Flavor::Generic => {
                let response = oauth_error(state.flavor, 401, "invalid_client", "client not found");
                if credentials.method == AuthMethod::Basic {
                    basic_challenge(response)
                } else {
                    response
                }
            }
            Flavor::Genesys => oauth_error(state.flavor, 400, "invalid_client", "client not found"),
        })
}

fn verify_secret(state: &State, index: usize, credentials: &Credentials) -> Result<(), Response> {
    let registered = Sha256::digest(state.clients[index].client.secret.as_bytes());
    let presented = Sha256::digest(credentials.secret.as_bytes());
    if registered == presented {
        return Ok(());
    }
    Err(match state.flavor {
        Flavor::Generic => {
            let response = oauth_error(
                state.flavor,
                401,
                "invalid_client",
                "client authentication failed: invalid client secret",
            );
            if credentials.method == AuthMethod::Basic {
                basic_challenge(response)
            } else {
                response
            }
        }
        Flavor::Genesys => {
            oauth_error(state.flavor, 401, "invalid_client", "authentication failed")
        }
    })
}

fn rate_limited(flavor: Flavor) -> Response {
    match flavor {
        Flavor::Generic => oauth_error(
            flavor,
            429,
            "temporarily_unavailable",
            "rate limit exceeded; retry later",
        )
        .header("Retry-After", "1"),
        // Genesys answers 400 invalid_request here. Public sources (the Terraform provider's retry test)
        // confirm only the prefix "rate limit exceeded;"; the text after it is a guess.
        Flavor::Genesys => oauth_error(
            flavor,
            400,
            "invalid_request",
            "rate limit exceeded; try again later",
        ),
    }
}

async fn token_endpoint(state: &State, request: &Request) -> Result<Response, Response> {
    let flavor = state.flavor;
    let form = parse_form(state, request)?;
    let credentials = credentials(state, request, &form)?;
    let index = lookup(state, &credentials)?;
    let entry = &state.clients[index];
    let client = &entry.client;

    // Behaviours that model the server or a gateway in front of it act before the secret is checked:
    // a rate limiter or a broken backend says nothing about whether the secret was right.
    if let Behavior::Slow(delay) = client.behavior {
        tokio::time::sleep(delay).await;
    }
    match client.behavior {
        Behavior::ServerError => return Err(Response::html(503, SERVICE_UNAVAILABLE_PAGE)),
        Behavior::AlwaysRateLimited => return Err(rate_limited(flavor)),
        Behavior::RateLimited {
            failures_before_success,
        } => {
            let before = entry.attempts.fetch_add(1, Ordering::SeqCst);
            if before < u64::from(failures_before_success) {
                return Err(rate_limited(flavor));
            }
        }
        _ => {}
    }

    verify_secret(state, index, &credentials)?;
    let method_refused = matches!(
        (&client.behavior, credentials.method),
        (Behavior::BasicOnly, AuthMethod::Post) | (Behavior::PostOnly, AuthMethod::Basic)
    );
    if method_refused {
        let response = oauth_error(
            flavor,
            401,
            "invalid_client",
            "client authentication method not allowed for this client",
        );
        return Err(if credentials.method == AuthMethod::Basic {
            basic_challenge(response)
        } else {
            response
        });
    }

    match form_value(&form, "grant_type") {
        None => {
            return Err(oauth_error(
                flavor,
                400,
                "invalid_request",
                "missing grant_type",
            ));
        }
        Some("client_credentials") => {}
        Some(_) => {
            return Err(oauth_error(
                flavor,
                400,
                "unsupported_grant_type",
                "only the client_credentials grant is supported",
            ));
        }
    }
    if client.behavior == Behavior::GrantNotAllowed {
        return Err(oauth_error(
            flavor,
            400,
            "unauthorized_client",
            "the client is not authorized to use the client_credentials grant",
        ));
    }

    let mut granted: Vec<String> = Vec::new();
    for scope in form_value(&form, "scope")
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
    {
        if !client.scopes.iter().any(|s| s == scope) {
            return Err(oauth_error(
                flavor,
                400,
                "invalid_scope",
                &format!("scope not allowed: {scope}"),
            ));
        }
        if !granted.iter().any(|s| s == scope) {
            granted.push(scope.to_owned());
        }
    }
    if granted.is_empty() {
        granted = client.scopes.clone();
    }
    Ok(issue(state, index, granted))
}

fn issue(state: &State, index: usize, granted: Vec<String>) -> Response {
    let client = &state.clients[index].client;
    let n = state.minted.fetch_add(1, Ordering::SeqCst);
    let iat = unix_now();
    let exp = iat + TOKEN_LIFETIME_SECS;
    let scope = granted.join(" ");
    let jti = state.digest_hex(&client.id, n);
    let token = if client.behavior == Behavior::JwtAccessToken {
        let header = obj(&[("alg", js("HS256")), ("typ", js("at+jwt"))]);
        let claims = obj(&[
            ("iss", js(state.base_url.as_str())),
            ("sub", js(client.id.as_str())),
            ("client_id", js(client.id.as_str())),
            ("scope", js(scope.as_str())),
            ("exp", js(exp)),
            ("iat", js(iat)),
            ("jti", js(jti.as_str())),
        ]);
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims),
            URL_SAFE_NO_PAD.encode("sig")
        )
    } else {
        format!("demo-{jti}")
    };
    state.remember(
        token.clone(),
        Issued {
            client: index,
            scopes: granted,
            iat,
            exp,
        },
    );
    let mut fields = vec![
        ("access_token", js(token)),
        ("token_type", js("Bearer")),
        ("expires_in", js(TOKEN_LIFETIME_SECS)),
    ];
    if !matches!(
        client.behavior,
        Behavior::NoScopeField | Behavior::JwtAccessToken
    ) {
        fields.push(("scope", js(scope)));
    }
    Response::json(200, obj(&fields))
        .header("Cache-Control", "no-store")
        .header("Pragma", "no-cache")
}

fn introspect(state: &State, request: &Request) -> Result<Response, Response> {
    let form = parse_form(state, request)?;
    let credentials = credentials(state, request, &form)?;
    let index = lookup(state, &credentials)?;
    verify_secret(state, index, &credentials)?;
    let Some(token) = form_value(&form, "token") else {
        return Err(oauth_error(
            state.flavor,
            400,
            "invalid_request",
            "missing token",
        ));
    };
    let body = match state.issued_lookup(token) {
        Some((owner, scopes, iat, exp)) => {
            let owner_id = state.clients[owner].client.id.as_str();
            obj(&[
                ("active", js(true)),
                ("scope", js(scopes.join(" "))),
                ("client_id", js(owner_id)),
                ("token_type", js("Bearer")),
                ("exp", js(exp)),
                ("iat", js(iat)),
                ("iss", js(state.base_url.as_str())),
                ("sub", js(owner_id)),
            ])
        }
        None => obj(&[("active", js(false))]),
    };
    Ok(Response::json(200, body).header("Cache-Control", "no-store"))
}

#[derive(Clone, Copy)]
enum GenesysApi {
    TokensMe,
    OrganizationsMe,
}

fn default_org() -> Org {
    Org {
        id: "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b".to_owned(),
        name: "Demo Org".to_owned(),
        short_name: "demo-org".to_owned(),
    }
}

fn genesys_api(state: &State, request: &Request, api: GenesysApi) -> Response {
    // Real API responses carry a correlation id that diagnostics quote; imitate it so that path is tested.
    let n = state.minted.load(Ordering::SeqCst);
    let hex = state.digest_hex("correlation", n);
    let correlation = format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    let api_error = |message: &str, code: &str| {
        Response::json(
            401,
            obj(&[
                ("message", js(message)),
                ("code", js(code)),
                ("status", js(401)),
            ]),
        )
        .header("ININ-Correlation-Id", correlation.clone())
    };
    let bearer = request.header("authorization").and_then(|v| {
        let (scheme, token) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    });
    let Some(token) = bearer else {
        return api_error(
            "No authentication bearer token specified in authorization header.",
            "authentication.required",
        );
    };
    let Some((index, scopes, _, _)) = state.issued_lookup(token) else {
        return api_error("Invalid login credentials.", "bad.credentials");
    };
    let client = &state.clients[index].client;
    let org = client.org.clone().unwrap_or_else(default_org);
    let named = obj(&[("id", js(org.id.as_str())), ("name", js(org.name.as_str()))]);
    let body = match api {
        GenesysApi::TokensMe => {
            let divisions = if client.roles {
                format!(
                    "[{}]",
                    obj(&[("roleId", js("r1")), ("divisionId", js("d1"))])
                )
            } else {
                "[]".to_owned()
            };
            let oauth_client = obj(&[
                ("id", js(client.id.as_str())),
                (
                    "name",
                    js(client.name.as_deref().unwrap_or(client.id.as_str())),
                ),
                ("authorizedGrantType", js("CLIENT-CREDENTIALS")),
                ("state", js("active")),
                ("roleDivisions", divisions),
                ("organization", named.clone()),
            ]);
            obj(&[
                ("organization", named.clone()),
                ("homeOrganization", named),
                ("authorizedScope", js(scopes)),
                ("OAuthClient", oauth_client),
            ])
        }
        GenesysApi::OrganizationsMe => obj(&[
            ("id", js(org.id.as_str())),
            ("name", js(org.name.as_str())),
            ("thirdPartyOrgName", js(org.short_name.as_str())),
            ("state", js("active")),
        ]),
    };
    Response::json(200, body).header("ININ-Correlation-Id", correlation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    struct Reply {
        status: u16,
        head: String,
        body: String,
    }

    impl Reply {
        fn header(&self, name: &str) -> Option<String> {
            self.head.split("\r\n").skip(1).find_map(|line| {
                let (n, v) = line.split_once(':')?;
                n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
        }

        fn json(&self) -> Value {
            serde_json::from_str(&self.body).expect("JSON body")
        }
    }

    async fn send(idp: &Idp, request: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(idp.local_addr()).await.expect("connect");
        stream.write_all(request).await.expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        parse_reply(&raw)
    }

    fn parse_reply(raw: &[u8]) -> Reply {
        let text = String::from_utf8(raw.to_vec()).expect("utf-8 reply");
        let (head, body) = text.split_once("\r\n\r\n").expect("header end");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        let reply = Reply {
            status,
            head: head.to_owned(),
            body: body.to_owned(),
        };
        let length: usize = reply
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .expect("content-length");
        assert_eq!(length, reply.body.len(), "Content-Length matches the body");
        assert_eq!(reply.header("connection").as_deref(), Some("close"));
        reply
    }

    fn post(path: &str, extra_headers: &[(&str, &str)], body: &str) -> Vec<u8> {
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in extra_headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        request.into_bytes()
    }

    fn get(path: &str, extra_headers: &[(&str, &str)]) -> Vec<u8> {
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n");
        for (name, value) in extra_headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.into_bytes()
    }

    fn enc(text: &str) -> String {
        url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
    }

    fn basic(id: &str, secret: &str) -> String {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
        )
    }

    async fn token_basic(idp: &Idp, id: &str, secret: &str, extra: &str) -> Reply {
        let auth = basic(id, secret);
        let body = format!("grant_type=client_credentials{extra}");
        send(
            idp,
            &post("/oauth/token", &[("Authorization", auth.as_str())], &body),
        )
        .await
    }

    async fn token_post(idp: &Idp, id: &str, secret: &str, extra: &str) -> Reply {
        let body = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}{extra}",
            enc(id),
            enc(secret)
        );
        send(idp, &post("/oauth/token", &[], &body)).await
    }

    async fn start(clients: Vec<Client>) -> Idp {
        Idp::start(IdpConfig::new(clients)).await.expect("start")
    }

    async fn start_genesys(clients: Vec<Client>) -> Idp {
        let config = IdpConfig {
            flavor: Flavor::Genesys,
            ..IdpConfig::new(clients)
        };
        Idp::start(config).await.expect("start")
    }

    fn assert_error(reply: &Reply, status: u16, error: &str, description: &str) {
        assert_eq!(reply.status, status, "body: {}", reply.body);
        let json = reply.json();
        assert_eq!(json["error"], error);
        assert_eq!(json["error_description"], description);
    }

    #[tokio::test]
    async fn good_basic_with_urlencoded_special_characters() {
        let idp = start(vec![Client::new("svc:one@x", "p+ss/w=rd&%")]).await;
        let reply = token_basic(&idp, "svc:one@x", "p+ss/w=rd&%", "").await;
        assert_eq!(reply.status, 200, "body: {}", reply.body);
        assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
        assert!(
            reply
                .header("content-type")
                .is_some_and(|c| c.starts_with("application/json"))
        );
        let json = reply.json();
        let token = json["access_token"].as_str().expect("token");
        let hex = token.strip_prefix("demo-").expect("demo- prefix");
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(json["token_type"], "Bearer");
        assert_eq!(json["expires_in"], 3600);
        assert_eq!(json["scope"], "read write");
        assert!(
            reply.body.starts_with("{\"access_token\":"),
            "field order kept"
        );
    }

    #[tokio::test]
    async fn unencoded_basic_secret_with_plus_is_rejected_like_a_real_server() {
        let idp = start(vec![Client::new("svc", "a+b")]).await;
        let raw = format!("Basic {}", STANDARD.encode("svc:a+b"));
        let reply = send(
            &idp,
            &post(
                "/oauth/token",
                &[("Authorization", raw.as_str())],
                "grant_type=client_credentials",
            ),
        )
        .await;
        assert_eq!(reply.status, 401);
    }

    #[tokio::test]
    async fn good_post_and_tokens_differ() {
        let idp = start(vec![Client::new("svc", "s3cret")]).await;
        let first = token_post(&idp, "svc", "s3cret", "&scope=read").await;
        assert_eq!(first.status, 200, "body: {}", first.body);
        assert_eq!(first.json()["scope"], "read");
        let second = token_post(&idp, "svc", "s3cret", "").await;
        assert_ne!(first.json()["access_token"], second.json()["access_token"]);
    }

    #[tokio::test]
    async fn wrong_secret_generic() {
        let idp = start(vec![Client::new("svc", "right")]).await;
        let reply = token_basic(&idp, "svc", "wrong", "").await;
        assert_error(
            &reply,
            401,
            "invalid_client",
            "client authentication failed: invalid client secret",
        );
        assert_eq!(
            reply.header("www-authenticate").as_deref(),
            Some("Basic realm=\"authcheck-test-idp\"")
        );
        let reply = token_post(&idp, "svc", "wrong", "").await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.header("www-authenticate"), None);
    }

    #[tokio::test]
    async fn unknown_client_generic() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let reply = token_post(&idp, "nobody", "s", "").await;
        assert_error(&reply, 401, "invalid_client", "client not found");
    }

    #[tokio::test]
    async fn both_or_no_authentication_methods() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let auth = basic("svc", "s");
        let reply = send(
            &idp,
            &post(
                "/oauth/token",
                &[("Authorization", auth.as_str())],
                "grant_type=client_credentials&client_id=svc&client_secret=s",
            ),
        )
        .await;
        assert_error(
            &reply,
            400,
            "invalid_request",
            "multiple client authentication methods",
        );
        let reply = send(
            &idp,
            &post("/oauth/token", &[], "grant_type=client_credentials"),
        )
        .await;
        assert_error(
            &reply,
            401,
            "invalid_client",
            "client authentication required",
        );
    }

    #[tokio::test]
    async fn scope_refused_and_subset_granted() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let reply = token_basic(&idp, "svc", "s", "&scope=read+admin+root").await;
        assert_error(&reply, 400, "invalid_scope", "scope not allowed: admin");
        let reply = token_basic(&idp, "svc", "s", "&scope=write").await;
        assert_eq!(reply.json()["scope"], "write");
    }

    #[tokio::test]
    async fn grant_not_allowed_and_unsupported_grant() {
        let idp = start(vec![
            Client::new("nogrant", "s").behavior(Behavior::GrantNotAllowed),
            Client::new("svc", "s"),
        ])
        .await;
        let reply = token_basic(&idp, "nogrant", "s", "").await;
        assert_error(
            &reply,
            400,
            "unauthorized_client",
            "the client is not authorized to use the client_credentials grant",
        );
        let auth = basic("svc", "s");
        let reply = send(
            &idp,
            &post(
                "/oauth/token",
                &[("Authorization", auth.as_str())],
                "grant_type=password",
            ),
        )
        .await;
        assert_eq!(reply.status, 400);
        assert_eq!(reply.json()["error"], "unsupported_grant_type");
    }

    #[tokio::test]
    async fn rate_limited_then_success() {
        let idp = start(vec![
            Client::new("svc", "s").behavior(Behavior::RateLimited {
                failures_before_success: 2,
            }),
            Client::new("busy", "s").behavior(Behavior::AlwaysRateLimited),
        ])
        .await;
        for _ in 0..2 {
            let reply = token_basic(&idp, "svc", "s", "").await;
            assert_error(
                &reply,
                429,
                "temporarily_unavailable",
                "rate limit exceeded; retry later",
            );
            assert_eq!(reply.header("retry-after").as_deref(), Some("1"));
        }
        assert_eq!(token_basic(&idp, "svc", "s", "").await.status, 200);
        for _ in 0..3 {
            assert_eq!(token_basic(&idp, "busy", "s", "").await.status, 429);
        }
    }

    #[tokio::test]
    async fn auth_method_restrictions() {
        let idp = start(vec![
            Client::new("basic", "s").behavior(Behavior::BasicOnly),
            Client::new("post", "s").behavior(Behavior::PostOnly),
        ])
        .await;
        let msg = "client authentication method not allowed for this client";
        assert_error(
            &token_post(&idp, "basic", "s", "").await,
            401,
            "invalid_client",
            msg,
        );
        assert_error(
            &token_basic(&idp, "post", "s", "").await,
            401,
            "invalid_client",
            msg,
        );
        assert_eq!(token_basic(&idp, "basic", "s", "").await.status, 200);
        assert_eq!(token_post(&idp, "post", "s", "").await.status, 200);
    }

    #[tokio::test]
    async fn no_scope_field_and_server_error() {
        let idp = start(vec![
            Client::new("quiet", "s").behavior(Behavior::NoScopeField),
            Client::new("broken", "s").behavior(Behavior::ServerError),
        ])
        .await;
        let reply = token_basic(&idp, "quiet", "s", "").await;
        assert_eq!(reply.status, 200);
        assert!(reply.json().get("scope").is_none());
        let reply = token_basic(&idp, "broken", "s", "").await;
        assert_eq!(reply.status, 503);
        assert!(
            reply
                .body
                .contains("<title>503 Service Unavailable</title>")
        );
        assert_eq!(reply.header("retry-after"), None);
    }

    #[tokio::test]
    async fn jwt_access_token_claims_decode() {
        let idp = start(vec![
            Client::new("jwt", "s")
                .scopes(&["a", "b", "c"])
                .behavior(Behavior::JwtAccessToken),
        ])
        .await;
        let reply = token_basic(&idp, "jwt", "s", "&scope=a+c").await;
        assert_eq!(reply.status, 200);
        let json = reply.json();
        assert!(json.get("scope").is_none());
        let token = json["access_token"].as_str().expect("token");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |part: &str| -> Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
        };
        let header = decode(parts[0]);
        assert_eq!(header["alg"], "HS256");
        assert_eq!(header["typ"], "at+jwt");
        let claims = decode(parts[1]);
        assert_eq!(claims["iss"], idp.base_url().as_str());
        assert_eq!(claims["sub"], "jwt");
        assert_eq!(claims["client_id"], "jwt");
        assert_eq!(claims["scope"], "a c");
        let iat = claims["iat"].as_u64().expect("iat");
        assert_eq!(claims["exp"].as_u64(), Some(iat + 3600));
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).expect("sig"), b"sig");
    }

    #[tokio::test]
    async fn discovery_document() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let reply = send(&idp, &get("/.well-known/openid-configuration", &[])).await;
        assert_eq!(reply.status, 200);
        let doc = reply.json();
        let base = idp.base_url();
        assert!(base.starts_with("http://127.0.0.1:"));
        assert_eq!(doc["issuer"], base.as_str());
        assert_eq!(doc["token_endpoint"], idp.token_url().as_str());
        assert_eq!(
            doc["introspection_endpoint"],
            format!("{base}/introspect").as_str()
        );
        assert_eq!(
            doc["token_endpoint_auth_methods_supported"],
            serde_json::json!(["client_secret_basic", "client_secret_post"])
        );
        assert_eq!(
            doc["grant_types_supported"],
            serde_json::json!(["client_credentials"])
        );
    }

    #[tokio::test]
    async fn introspection_active_and_inactive() {
        let idp = start(vec![Client::new("svc", "s").scopes(&["read", "write"])]).await;
        let token = token_basic(&idp, "svc", "s", "&scope=read").await.json()["access_token"]
            .as_str()
            .expect("token")
            .to_owned();
        let auth = basic("svc", "s");
        let body = format!("token={}", enc(&token));
        let reply = send(
            &idp,
            &post("/introspect", &[("Authorization", auth.as_str())], &body),
        )
        .await;
        assert_eq!(reply.status, 200);
        let json = reply.json();
        assert_eq!(json["active"], true);
        assert_eq!(json["scope"], "read");
        assert_eq!(json["client_id"], "svc");

        let reply = send(
            &idp,
            &post(
                "/introspect",
                &[("Authorization", auth.as_str())],
                "token=demo-0000",
            ),
        )
        .await;
        assert_eq!(reply.json(), serde_json::json!({"active": false}));

        let reply = send(&idp, &post("/introspect", &[], &body)).await;
        assert_eq!(
            reply.status, 401,
            "introspection needs client authentication"
        );
    }

    #[tokio::test]
    async fn genesys_error_bodies() {
        let idp = start_genesys(vec![
            Client::new("svc", "s"),
            Client::new("busy", "s").behavior(Behavior::AlwaysRateLimited),
        ])
        .await;
        let reply = token_basic(&idp, "svc", "wrong", "").await;
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.body,
            r#"{"error":"invalid_client","description":"authentication failed","error_description":"authentication failed"}"#
        );
        let reply = token_basic(&idp, "nobody", "s", "").await;
        assert_eq!(reply.status, 400);
        assert_eq!(
            reply.body,
            r#"{"error":"invalid_client","description":"client not found","error_description":"client not found"}"#
        );
        let reply = token_basic(&idp, "busy", "s", "").await;
        assert_eq!(reply.status, 400);
        let json = reply.json();
        assert_eq!(json["error"], "invalid_request");
        assert!(
            json["error_description"]
                .as_str()
                .is_some_and(|d| d.starts_with("rate limit exceeded;"))
        );
        assert_eq!(json["description"], json["error_description"]);
    }

    #[tokio::test]
    async fn genesys_tokens_me_and_organizations_me() {
        let org = Org {
            id: "org-1".to_owned(),
            name: "Acme".to_owned(),
            short_name: "acme".to_owned(),
        };
        let idp = start_genesys(vec![
            Client::new("svc", "s").org(org).name("CI client"),
            Client::new("norole", "s").roles(false),
        ])
        .await;
        let token = token_basic(&idp, "svc", "s", "").await.json()["access_token"]
            .as_str()
            .expect("token")
            .to_owned();
        let bearer = format!("Bearer {token}");
        let reply = send(
            &idp,
            &get("/api/v2/tokens/me", &[("Authorization", bearer.as_str())]),
        )
        .await;
        assert_eq!(reply.status, 200, "body: {}", reply.body);
        assert!(reply.header("inin-correlation-id").is_some());
        let me = reply.json();
        let named = serde_json::json!({"id": "org-1", "name": "Acme"});
        assert_eq!(me["organization"], named);
        assert_eq!(me["homeOrganization"], named);
        assert_eq!(me["authorizedScope"], serde_json::json!(["read", "write"]));
        let client = &me["OAuthClient"];
        assert_eq!(client["id"], "svc");
        assert_eq!(client["name"], "CI client");
        assert_eq!(client["authorizedGrantType"], "CLIENT-CREDENTIALS");
        assert_eq!(client["state"], "active");
        assert_eq!(
            client["roleDivisions"],
            serde_json::json!([{"roleId": "r1", "divisionId": "d1"}])
        );
        assert_eq!(client["organization"], named);

        let reply = send(
            &idp,
            &get(
                "/api/v2/organizations/me",
                &[("Authorization", bearer.as_str())],
            ),
        )
        .await;
        assert_eq!(
            reply.json(),
            serde_json::json!({"id": "org-1", "name": "Acme", "thirdPartyOrgName": "acme", "state": "active"})
        );

        let other = token_basic(&idp, "norole", "s", "").await.json()["access_token"]
            .as_str()
            .expect("token")
            .to_owned();
        let bearer = format!("Bearer {other}");
        let me = send(
            &idp,
            &get("/api/v2/tokens/me", &[("Authorization", bearer.as_str())]),
        )
        .await
        .json();
        assert_eq!(me["OAuthClient"]["roleDivisions"], serde_json::json!([]));
        assert_eq!(me["OAuthClient"]["name"], "norole");

        let reply = send(
            &idp,
            &get("/api/v2/tokens/me", &[("Authorization", "Bearer nope")]),
        )
        .await;
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.body,
            r#"{"message":"Invalid login credentials.","code":"bad.credentials","status":401}"#
        );
    }

    #[tokio::test]
    async fn generic_flavor_has_no_genesys_api() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let reply = send(&idp, &get("/api/v2/tokens/me", &[])).await;
        assert_eq!(reply.status, 404);
    }

    #[tokio::test]
    async fn oversized_and_chunked_bodies_are_refused() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let body = format!(
            "grant_type=client_credentials&pad={}",
            "x".repeat(100 * 1024)
        );
        let reply = send(&idp, &post("/oauth/token", &[], &body)).await;
        assert_eq!(reply.status, 413);

        let chunked = b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        let reply = send(&idp, chunked).await;
        assert_eq!(reply.status, 411);
    }

    #[tokio::test]
    async fn malformed_and_oversized_heads_are_refused() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        assert_eq!(send(&idp, b"NONSENSE\r\n\r\n").await.status, 400);
        let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9 * 1024));
        assert_eq!(send(&idp, long_line.as_bytes()).await.status, 414);
        let big_header = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(17 * 1024));
        assert_eq!(send(&idp, big_header.as_bytes()).await.status, 431);
    }

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
    async fn token_alias_body_in_pieces_and_expect_continue() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let body = "grant_type=client_credentials&client_id=svc&client_secret=s";
        let request = post("/token", &[("Expect", "100-continue")], body);
        let split = request.len() - body.len();
        let mut stream = TcpStream::connect(idp.local_addr()).await.expect("connect");
        stream
            .write_all(&request[..split])
            .await
            .expect("write head");
        let mut interim = [0u8; 25];
        stream.read_exact(&mut interim).await.expect("100 Continue");
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        stream
            .write_all(&request[split..split + 5])
            .await
            .expect("write");
        tokio::time::sleep(Duration::from_millis(50)).await;
        stream
            .write_all(&request[split + 5..])
            .await
            .expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        assert_eq!(parse_reply(&raw).status, 200);
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
    async fn slow_client_does_not_block_others() {
        let idp = start(vec![
            Client::new("slow", "s").behavior(Behavior::Slow(Duration::from_millis(800))),
            Client::new("fast", "s"),
        ])
        .await;
        let begun = tokio::time::Instant::now();
        let (slow, fast) = tokio::join!(
            async {
                let reply = token_basic(&idp, "slow", "s", "").await;
                (reply.status, begun.elapsed())
            },
            async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let reply = token_basic(&idp, "fast", "s", "").await;
                (reply.status, begun.elapsed())
            }
        );
        assert_eq!(slow.0, 200);
        assert_eq!(fast.0, 200);
        assert!(slow.1 >= Duration::from_millis(800));
        assert!(fast.1 < slow.1, "the fast request finished first");
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

    #[tokio::test]
    async fn reqwest_interoperates() {
        let idp = start(vec![Client::new("svc", "p+ss/w=rd&%")]).await;
        // No proxy: a CI runner's HTTP_PROXY must not capture a loopback test.
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let response = http
            .post(idp.token_url())
            .header("Authorization", basic("svc", "p+ss/w=rd&%"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&scope=read")
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 200);
        let json: Value =
            serde_json::from_str(&response.text().await.expect("body")).expect("JSON");
        assert_eq!(json["scope"], "read");
    }

    #[test]
    fn client_debug_redacts_the_secret() {
        let shown = format!("{:?}", Client::new("svc", "hunter2-secret"));
        assert!(shown.contains("svc"));
        assert!(!shown.contains("hunter2"));
    }

    #[tokio::test]
    async fn demo_cases_produce_their_intended_failures() {
        let idp = Idp::start(demo_config()).await.expect("start");
        let mut outcomes = Vec::new();
        for case in demo_cases() {
            let scope = if case.scopes.is_empty() {
                String::new()
            } else {
                format!("&scope={}", enc(&case.scopes.join(" ")))
            };
            let reply = token_basic(&idp, case.client_id, case.secret_sent, &scope).await;
            let json = reply.json();
            let outcome = if reply.status == 200 {
                let granted: Vec<&str> = json["scope"].as_str().unwrap_or("").split(' ').collect();
                if case.required_scopes.iter().all(|s| granted.contains(s)) {
                    "ok".to_owned()
                } else {
                    "missing_scopes".to_owned()
                }
            } else {
                format!("{} {}", reply.status, json["error"].as_str().unwrap_or(""))
            };
            outcomes.push(outcome);
        }
        assert_eq!(
            outcomes,
            [
                "ok",
                "401 invalid_client",
                "401 invalid_client",
                "missing_scopes",
                "400 unauthorized_client",
                "429 temporarily_unavailable",
                "400 invalid_scope",
            ]
        );
        assert_eq!(idp.requests(), 7);
    }
}
