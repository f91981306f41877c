//! OAuth2 behaviour: registered clients, client authentication, the token, introspection and discovery endpoints.

use std::fmt;
use std::sync::atomic::Ordering;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use super::genesys::Org;
use super::http::{Form, Request, Response, form_decode, form_value, js, obj};
use super::{Flavor, Issued, State, unix_now};

const TOKEN_LIFETIME_SECS: u64 = 3600;
const REALM: &str = "authcheck-test-idp";

const SERVICE_UNAVAILABLE_PAGE: &str =
    "<html><head><title>503 Service Unavailable</title></head></html>";

/// How one registered client behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behavior {
    /// Issues tokens like a well-configured client.
    Normal,
    /// Authenticates but is refused the client-credentials grant (`unauthorized_client`).
    GrantNotAllowed,
    /// The right secret, but it has expired (Entra: AADSTS7000222).
    SecretExpired,
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
    /// Ignores the `scope` parameter entirely and says nothing about scopes (no `scope` field, none in
    /// introspection): scopes cannot be verified against it.
    IgnoresScope,
    /// Hostile: refuses every request and quotes the secret it was sent in `error_description`.
    EchoSecret,
    /// Hostile: refuses every request and quotes the `Authorization` header it was sent.
    EchoAuthorization,
    /// Refuses every request with 400 `invalid_request` and this `error_description` (for words a server might
    /// say: control characters, workflow commands, markup).
    Describe(String),
    /// Hostile: a successful answer larger than any client should read (an access token of 2 MiB, which starts
    /// with [`HUGE_TOKEN_PREFIX`]).
    HugeToken,
}

/// How the token a [`Behavior::HugeToken`] client gets begins, so tests can look for any part of it.
pub const HUGE_TOKEN_PREFIX: &str = "eyJodWdlIjoidG9rZW4ifQ";

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
    /// Scopes granted when none is requested; `None` grants every allowed scope.
    pub default_scopes: Option<Vec<String>>,
    /// Genesys: the permissions the client's roles grant (`domain:entity:action`, `*` allowed), each with the
    /// division it is limited to (`None`: every division). Empty keeps the single placeholder role.
    pub permissions: Vec<(String, Option<String>)>,
    /// Genesys: what the client may read about its own grants.
    pub inspect: Inspect,
    /// The public key registered for private_key_jwt; a client with one accepts no secret.
    pub key: Option<super::assertion::RegisteredKey>,
    /// Seconds the server's clock runs ahead of the client's, for assertion lifetimes.
    pub clock_ahead: i64,
    /// Federated identity credentials (Entra workload identity federation).
    pub federated: Vec<super::entra::FederatedCredential>,
    /// Entra: the subscriptions the app's service principal has a role on.
    pub subscriptions: Vec<String>,
}

/// What a Genesys client-credentials client can learn about its own grants, the three ways the API answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Inspect {
    /// `GET /api/v2/authorization/subjects/me` answers with the grants.
    #[default]
    Grants,
    /// Only the roles (`GET /api/v2/authorization/roles?id=`) are readable.
    Roles,
    /// Nothing is readable: only probing tells.
    Nothing,
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
            default_scopes: None,
            permissions: Vec::new(),
            inspect: Inspect::Grants,
            key: None,
            clock_ahead: 0,
            federated: Vec::new(),
            subscriptions: Vec::new(),
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

    /// Genesys: a permission the client's roles grant in every division.
    pub fn permission(mut self, permission: &str) -> Self {
        self.permissions.push((permission.to_owned(), None));
        self
    }

    /// Genesys: a permission granted only in one division.
    pub fn permission_in(mut self, permission: &str, division: &str) -> Self {
        self.permissions
            .push((permission.to_owned(), Some(division.to_owned())));
        self
    }

    /// Registers a public key for private_key_jwt (the client then accepts no secret).
    pub fn registered_key(mut self, key: super::assertion::RegisteredKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Adds a federated identity credential: tokens with this issuer, subject and audience authenticate the app.
    pub fn federated_credential(mut self, issuer: &str, subject: &str, audience: &str) -> Self {
        self.federated.push(super::entra::FederatedCredential {
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
            audience: audience.to_owned(),
        });
        self
    }

    /// Entra: gives the app's service principal a role on a subscription.
    pub fn subscription_role(mut self, subscription: &str) -> Self {
        self.subscriptions.push(subscription.to_owned());
        self
    }

    /// Sets the server's clock `seconds` ahead of the client's (negative: behind).
    pub fn clock_ahead(mut self, seconds: i64) -> Self {
        self.clock_ahead = seconds;
        self
    }

    /// Genesys: what the client may read about its own grants.
    pub fn inspect(mut self, inspect: Inspect) -> Self {
        self.inspect = inspect;
        self
    }

    /// The scopes granted when the request names none (the rest are granted only when asked for).
    pub fn default_scopes(mut self, scopes: &[&str]) -> Self {
        self.default_scopes = Some(scopes.iter().map(|s| (*s).to_owned()).collect());
        self
    }
}

pub(super) fn discovery(state: &State) -> Response {
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
pub(super) fn oauth_error(flavor: Flavor, status: u16, error: &str, description: &str) -> Response {
    let body = match flavor {
        Flavor::Generic | Flavor::AwsSts | Flavor::Google => {
            obj(&[("error", js(error)), ("error_description", js(description))])
        }
        Flavor::Genesys => obj(&[
            ("error", js(error)),
            ("description", js(description)),
            ("error_description", js(description)),
        ]),
        Flavor::Entra => super::entra::error_body(error, description),
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
            Flavor::Generic | Flavor::AwsSts | Flavor::Google => {
                let response = oauth_error(state.flavor, 401, "invalid_client", "client not found");
                if credentials.method == AuthMethod::Basic {
                    basic_challenge(response)
                } else {
                    response
                }
            }
            Flavor::Genesys => oauth_error(state.flavor, 400, "invalid_client", "client not found"),
            Flavor::Entra => super::entra::app_not_found(&credentials.id),
        })
}

fn verify_secret(state: &State, index: usize, credentials: &Credentials) -> Result<(), Response> {
    let registered = Sha256::digest(state.clients[index].client.secret.as_bytes());
    let presented = Sha256::digest(credentials.secret.as_bytes());
    if registered == presented {
        return Ok(());
    }
    Err(match state.flavor {
        Flavor::Generic | Flavor::AwsSts | Flavor::Google => {
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
        Flavor::Entra => super::entra::invalid_secret(&credentials.id),
    })
}

fn rate_limited(flavor: Flavor) -> Response {
    match flavor {
        Flavor::Generic | Flavor::Entra | Flavor::AwsSts | Flavor::Google => oauth_error(
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

pub(super) async fn token_endpoint(state: &State, request: &Request) -> Result<Response, Response> {
    let flavor = state.flavor;
    let form = parse_form(state, request)?;
    // A client assertion authenticates by itself; otherwise a secret, by Basic or in the body.
    let (index, credentials) = match super::assertion::verify(state, request, &form) {
        Some(verified) => (verified?, None),
        None => {
            let credentials = credentials(state, request, &form)?;
            (lookup(state, &credentials)?, Some(credentials))
        }
    };
    let client = &state.clients[index].client;
    misbehave(state, index, request, credentials.as_ref()).await?;
    if let Some(credentials) = &credentials {
        check_secret(state, index, credentials)?;
    }
    grant_type(flavor, client, &form)?;
    let granted = scopes(flavor, client, &form)?;
    Ok(issue(state, index, granted))
}

/// Behaviours that model the server or a gateway in front of it act before the secret is checked: a rate
/// limiter or a broken backend says nothing about whether the secret was right.
async fn misbehave(
    state: &State,
    index: usize,
    request: &Request,
    credentials: Option<&Credentials>,
) -> Result<(), Response> {
    let flavor = state.flavor;
    let entry = &state.clients[index];
    let client = &entry.client;
    if let Behavior::Slow(delay) = client.behavior {
        tokio::time::sleep(delay).await;
    }
    match &client.behavior {
        Behavior::ServerError => return Err(Response::html(503, SERVICE_UNAVAILABLE_PAGE)),
        Behavior::Describe(words) => {
            return Err(oauth_error(flavor, 400, "invalid_request", words));
        }
        Behavior::EchoSecret => {
            return Err(oauth_error(
                flavor,
                401,
                "invalid_client",
                &format!(
                    "client secret {:?} is not valid for this client",
                    credentials.map_or("", |c| c.secret.as_str())
                ),
            ));
        }
        Behavior::EchoAuthorization => {
            let header = request.header("authorization").unwrap_or("(none)");
            return Err(oauth_error(
                flavor,
                400,
                "invalid_request",
                &format!(
                    "cannot parse Authorization: {header}; body was {}",
                    String::from_utf8_lossy(&request.body)
                ),
            ));
        }
        Behavior::AlwaysRateLimited => return Err(rate_limited(flavor)),
        Behavior::RateLimited {
            failures_before_success,
        } => {
            let before = entry.attempts.fetch_add(1, Ordering::SeqCst);
            if before < u64::from(*failures_before_success) {
                return Err(rate_limited(flavor));
            }
        }
        _ => {}
    }
    Ok(())
}

/// A secret: right, unexpired, for a client that has one, sent the way the client may send it.
fn check_secret(state: &State, index: usize, credentials: &Credentials) -> Result<(), Response> {
    let flavor = state.flavor;
    let client = &state.clients[index].client;
    verify_secret(state, index, credentials)?;
    if client.behavior == Behavior::SecretExpired {
        return Err(match flavor {
            Flavor::Entra => super::entra::expired_secret(&credentials.id),
            _ => oauth_error(flavor, 401, "invalid_client", "client secret expired"),
        });
    }
    if client.key.is_some() {
        // A client registered for private_key_jwt has no secret to accept.
        return Err(oauth_error(
            flavor,
            401,
            "invalid_client",
            "client authentication method client_secret is not registered for this client (it uses private_key_jwt)",
        ));
    }
    let method = Some(credentials.method);
    let method_refused = matches!(
        (&client.behavior, method),
        (Behavior::BasicOnly, Some(AuthMethod::Post))
            | (Behavior::PostOnly, Some(AuthMethod::Basic))
    );
    if method_refused {
        // Entra reads the credential from the body only when the header is gone (a gateway that drops
        // Authorization): it then says the body lacks one.
        let description = if flavor == Flavor::Entra && method == Some(AuthMethod::Basic) {
            "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or \
             'client_secret'."
        } else {
            "client authentication method not allowed for this client"
        };
        let response = oauth_error(flavor, 401, "invalid_client", description);
        return Err(if method == Some(AuthMethod::Basic) {
            basic_challenge(response)
        } else {
            response
        });
    }
    Ok(())
}

/// Only the client-credentials grant, for a client allowed to use it.
fn grant_type(flavor: Flavor, client: &Client, form: &Form) -> Result<(), Response> {
    match form_value(form, "grant_type") {
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
    Ok(())
}

/// The scopes granted: those asked for, each allowed to the client, or its defaults (Entra: the app's roles
/// through `<resource>/.default`).
fn scopes(flavor: Flavor, client: &Client, form: &Form) -> Result<Vec<String>, Response> {
    let mut granted: Vec<String> = Vec::new();
    let requested = if client.behavior == Behavior::IgnoresScope {
        ""
    } else {
        form_value(form, "scope").unwrap_or("")
    };
    if flavor == Flavor::Entra {
        // Entra grants an app's roles through `<resource>/.default`, whatever the client's scope list says.
        granted = super::entra::granted(requested)?;
    }
    for scope in requested
        .split(' ')
        .filter(|s| !s.is_empty() && flavor != Flavor::Entra)
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
        granted = client
            .default_scopes
            .clone()
            .unwrap_or_else(|| client.scopes.clone());
    }
    Ok(granted)
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
    } else if client.behavior == Behavior::HugeToken {
        let mut huge = String::with_capacity(2 << 20);
        huge.push_str(HUGE_TOKEN_PREFIX);
        while huge.len() < 2 << 20 {
            huge.push_str(&jti);
        }
        huge
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
        Behavior::NoScopeField | Behavior::JwtAccessToken | Behavior::IgnoresScope
    ) {
        fields.push(("scope", js(scope)));
    }
    Response::json(200, obj(&fields))
        .header("Cache-Control", "no-store")
        .header("Pragma", "no-cache")
}

pub(super) fn introspect(state: &State, request: &Request) -> Result<Response, Response> {
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
            let ignores = state.clients[owner].client.behavior == Behavior::IgnoresScope;
            let mut fields = vec![("active", js(true))];
            if !ignores {
                fields.push(("scope", js(scopes.join(" "))));
            }
            fields.extend([
                ("client_id", js(owner_id)),
                ("token_type", js("Bearer")),
                ("exp", js(exp)),
                ("iat", js(iat)),
                ("iss", js(state.base_url.as_str())),
                ("sub", js(owner_id)),
            ]);
            obj(&fields)
        }
        None => obj(&[("active", js(false))]),
    };
    Ok(Response::json(200, body).header("Cache-Control", "no-store"))
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use serde_json::Value;

    use super::super::test_support::*;
    use super::*;

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

    #[test]
    fn client_debug_redacts_the_secret() {
        let shown = format!("{:?}", Client::new("svc", "hunter2-secret"));
        assert!(shown.contains("svc"));
        assert!(!shown.contains("hunter2"));
    }
}
