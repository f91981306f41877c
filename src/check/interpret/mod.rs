//! Turning one answer from a token endpoint into a verdict: a token, or a named failure with its fix.

use std::time::Duration;

use serde_json::{Map, Value};

use super::http::Answer;
use super::report::{Blame, Reason};
use super::secret::Secret;

/// What the check knows about the request, for wording the verdict.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// Host (and port) of the token endpoint.
    pub host: &'a str,
    /// The client id sent.
    pub client_id: &'a str,
    /// How the secret was sent.
    pub method: &'a str,
    /// Where the secret came from, in words.
    pub secret_origin: &'a str,
    /// Scopes requested.
    pub scopes: &'a [String],
    /// True for Genesys Cloud endpoints.
    pub genesys: bool,
}

/// The token fields of a successful answer.
#[derive(Debug)]
pub struct Issued {
    /// The token.
    pub access_token: Secret,
    /// `token_type` as sent.
    pub token_type: String,
    /// `expires_in`, when present and sane.
    pub expires_in: Option<i64>,
    /// `scope`, when present.
    pub scope: Option<String>,
    /// Oddities that did not stop the token from being usable.
    pub warnings: Vec<String>,
}

/// A failed exchange, explained.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The reason code.
    pub reason: Reason,
    /// One line naming the cause.
    pub summary: String,
    /// What came back, in one line.
    pub got: String,
    /// What it means.
    pub meaning: String,
    /// Likely causes, most likely first.
    pub causes: Vec<String>,
    /// What to do.
    pub fix: String,
    /// The input to blame.
    pub blame: Option<Blame>,
    /// Whether trying again may help, and after how long the server asked to wait.
    pub retry: Retry,
    /// The RFC 6749 `error` code, when there was one.
    pub error_code: Option<String>,
}

/// Whether a failure is worth retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// No: the answer will not change.
    No,
    /// Yes, after backoff or the server's `Retry-After`.
    Yes(Option<Duration>),
}

/// Either a token or a failure.
#[derive(Debug)]
pub enum Verdict {
    /// A usable token came back.
    Token(Issued),
    /// It did not.
    Failed(Failure),
}

/// The body, as far as it could be understood.
#[derive(Debug, Clone)]
pub enum Body {
    /// A JSON object.
    Json(Map<String, Value>),
    /// `application/x-www-form-urlencoded` pairs (some old servers answer this way).
    Form(Vec<(String, String)>),
    /// An HTML page, with its title when it has one.
    Html(Option<String>),
    /// Something else: a short, printable excerpt.
    Other(String),
    /// Nothing.
    Empty,
}

/// Parses a body without trusting it.
pub fn parse_body(answer: &Answer) -> Body {
    let text = String::from_utf8_lossy(&answer.body);
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Body::Empty;
    }
    if trimmed.starts_with('{')
        && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed)
    {
        return Body::Json(map);
    }
    let lower_head: String = trimmed
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    if answer.content_type.contains("html")
        || lower_head.starts_with("<!doctype html")
        || lower_head.contains("<html")
    {
        return Body::Html(html_title(trimmed));
    }
    if (answer.content_type.contains("x-www-form-urlencoded")
        || answer.content_type.starts_with("text/plain"))
        && trimmed.contains('=')
        && !trimmed.contains(' ')
    {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(trimmed.as_bytes())
            .into_owned()
            .collect();
        if pairs
            .iter()
            .any(|(k, _)| k == "access_token" || k == "error")
        {
            return Body::Form(pairs);
        }
    }
    Body::Other(excerpt(trimmed, 120))
}

/// Printable, single-line, bounded excerpt of untrusted text.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if out.chars().count() >= max_chars {
            out.push('…');
            break;
        }
        out.push(if ch.is_control() { ' ' } else { ch });
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = lower[start..].find('>')? + start + 1;
    let close = lower[open_end..].find("</title")? + open_end;
    let title = excerpt(html.get(open_end..close)?, 100);
    (!title.is_empty()).then_some(title)
}

fn field(body: &Body, name: &str) -> Option<String> {
    match body {
        Body::Json(map) => match map.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        },
        Body::Form(pairs) => pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone()),
        _ => None,
    }
}

/// Interprets one answer from the token endpoint.
pub fn interpret(answer: &Answer, ctx: &Context<'_>) -> Verdict {
    let body = parse_body(answer);
    let status = answer.status;
    if (300..400).contains(&status) {
        let location = answer
            .location
            .as_deref()
            .map_or_else(|| "(no Location header)".to_string(), |l| excerpt(l, 200));
        return Verdict::Failed(Failure {
            reason: Reason::NotATokenEndpoint,
            summary: format!("{} answered with a redirect (HTTP {status}) instead of a token", ctx.host),
            got: format!("HTTP {status}, Location: {}", super::interpret::excerpt(&location, 200)),
            meaning: "A token endpoint answers a POST directly. A redirect usually means the URL is a web page, a \
                      login page, or http that the server upgrades to https. authcheck does not follow redirects \
                      with credentials."
                .to_string(),
            causes: vec![
                "the URL is missing a path segment or has an extra or missing trailing slash".to_string(),
                "the URL uses http:// and the server redirects to https://".to_string(),
                "the URL points at a sign-in page rather than the OAuth2 token endpoint".to_string(),
            ],
            fix: format!("If the redirect target is the token endpoint, use it as token_url: {location}"),
            blame: Some(Blame::TokenUrl),
            retry: Retry::No,
            error_code: None,
        });
    }
    if let Some(error) = field(&body, "error") {
        return Verdict::Failed(oauth_error(answer, &body, &error, ctx));
    }
    if (200..300).contains(&status) {
        return success(answer, &body, ctx);
    }
    Verdict::Failed(non_oauth_failure(answer, &body, ctx))
}

fn describe_body(body: &Body) -> String {
    match body {
        Body::Json(map) => {
            // Keys are the server's words too: shortened and made printable like any excerpt.
            let keys: Vec<String> = map.keys().take(8).map(|key| excerpt(key, 40)).collect();
            format!("a JSON object with fields {}", keys.join(", "))
        }
        Body::Form(_) => "a form-encoded body".to_string(),
        Body::Html(Some(title)) => format!("an HTML page titled {title:?}"),
        Body::Html(None) => "an HTML page".to_string(),
        Body::Other(text) => format!("{text:?}"),
        Body::Empty => "an empty body".to_string(),
    }
}

fn success(answer: &Answer, body: &Body, ctx: &Context<'_>) -> Verdict {
    let malformed = |what: String| {
        Verdict::Failed(Failure {
            reason: Reason::MalformedResponse,
            summary: format!("{} answered HTTP {} but not with a usable token: {what}", ctx.host, answer.status),
            got: format!("HTTP {}, {}", answer.status, describe_body(body)),
            meaning: "RFC 6749 section 5.1 says a successful answer carries access_token and token_type. This one \
                      does not, so no client can use it."
                .to_string(),
            causes: vec![
                "the URL is not the token endpoint but another endpoint that answers 200".to_string(),
                "a proxy or gateway rewrote the answer".to_string(),
                "the server is non-standard".to_string(),
            ],
            fix: "Check token_url against the server's documentation or its discovery document \
                  (/.well-known/openid-configuration, field token_endpoint)."
                .to_string(),
            blame: Some(Blame::TokenUrl),
            retry: Retry::No,
            error_code: None,
        })
    };
    match body {
        Body::Json(_) | Body::Form(_) => {}
        Body::Html(_) | Body::Other(_) | Body::Empty => {
            return Verdict::Failed(Failure {
                reason: Reason::NotATokenEndpoint,
                summary: format!(
                    "{} answered HTTP {} with {} instead of a token",
                    ctx.host,
                    answer.status,
                    describe_body(body)
                ),
                got: format!("HTTP {}, {}", answer.status, describe_body(body)),
                meaning: "A token endpoint answers JSON. This URL serves something else: a web page, a portal, \
                          or a proxy's own page."
                    .to_string(),
                causes: vec![
                    "token_url points at a web page or API base URL instead of the token endpoint".to_string(),
                    "a proxy or captive portal answered instead of the server".to_string(),
                ],
                fix: "Use the token endpoint URL (for OIDC servers, token_endpoint in \
                      /.well-known/openid-configuration; for Genesys Cloud, https://login.<region domain>/oauth/token)."
                    .to_string(),
                blame: Some(Blame::TokenUrl),
                retry: Retry::No,
                error_code: None,
            });
        }
    }
    let Some(token) = field(body, "access_token").filter(|t| !t.is_empty()) else {
        return malformed("access_token is missing".to_string());
    };
    let access_token = Secret::new(token);
    let Some(token_type) = field(body, "token_type") else {
        return malformed("token_type is missing".to_string());
    };
    let mut warnings = Vec::new();
    if !token_type.eq_ignore_ascii_case("bearer") {
        if token_type.eq_ignore_ascii_case("dpop") || token_type.eq_ignore_ascii_case("n_a") {
            warnings.push(format!(
                "token_type is {token_type:?}, not Bearer; clients expecting Bearer may not use it"
            ));
        } else {
            return malformed(format!(
                "token_type is {:?}, expected Bearer",
                excerpt(&token_type, 40)
            ));
        }
    }
    let expires_in = match field(body, "expires_in") {
        None => {
            warnings.push(
                "the answer has no expires_in, so the token's lifetime is unknown".to_string(),
            );
            None
        }
        Some(text) => match text.parse::<f64>() {
            Ok(seconds)
                if seconds.is_finite() && seconds > 0.0 && seconds <= 10.0 * 365.0 * 86_400.0 =>
            {
                Some(seconds as i64)
            }
            Ok(seconds) if seconds.is_finite() && seconds > 0.0 => {
                warnings.push(format!("expires_in is {seconds}, more than ten years"));
                Some(seconds.min(i64::MAX as f64) as i64)
            }
            _ => {
                return malformed(format!(
                    "expires_in is {:?}, not a positive number of seconds",
                    excerpt(&text, 40)
                ));
            }
        },
    };
    Verdict::Token(Issued {
        access_token,
        token_type,
        expires_in,
        scope: field(body, "scope"),
        warnings,
    })
}

fn got_line(answer: &Answer, error: &str, description: Option<&str>) -> String {
    let mut got = format!("HTTP {}, error {:?}", answer.status, excerpt(error, 80));
    if let Some(description) = description {
        got.push_str(&format!(
            ", error_description {:?}",
            excerpt(description, 300)
        ));
    }
    if let Some((name, value)) = &answer.request_id {
        got.push_str(&format!(" ({name}: {})", excerpt(value, 80)));
    }
    got
}

/// True when `word` appears in `text` delimited by non-scope characters (so "read" is not found in "already").
fn contains_word(text: &str, word: &str) -> bool {
    !word.is_empty()
        && text.match_indices(word).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + word.len()..].chars().next();
            let boundary = |c: Option<char>| {
                c.is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-')))
            };
            boundary(before) && boundary(after)
        })
}

fn contains_any(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|needle| text.contains(needle))
}

fn oauth_error(answer: &Answer, body: &Body, error: &str, ctx: &Context<'_>) -> Failure {
    let description = field(body, "error_description").or_else(|| field(body, "description"));
    // Protocol identifiers ("client_credentials", "client_secret_basic") contain the very words that tell causes
    // apart, so they are blanked before the words are read.
    let mut lower = description.clone().unwrap_or_default().to_ascii_lowercase();
    for identifier in [
        "client_credentials",
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
        "client_secret",
    ] {
        lower = lower.replace(identifier, "");
    }
    let got = got_line(answer, error, description.as_deref());
    let quoted = description
        .as_deref()
        .map(|d| format!(" The server says: {:?}.", excerpt(d, 300)))
        .unwrap_or_default();
    let id = ctx.client_id;
    let host = ctx.host;
    let mut failure = Failure {
        reason: Reason::InvalidClient,
        summary: String::new(),
        got,
        meaning: String::new(),
        causes: Vec::new(),
        fix: String::new(),
        blame: None,
        retry: Retry::No,
        error_code: Some(error.to_string()),
    };
    let secret_origin = ctx.secret_origin;
    let rate_limit_words = contains_any(&lower, &["rate limit", "too many requests", "throttl"]);
    // Some vendors put a well-known condition under a generic code; their words decide.
    let effective = if lower.contains("aadsts1002012") {
        "invalid_scope"
    } else if lower.contains("client not enabled to retrieve service account") {
        "unsupported_grant_type"
    } else {
        error
    };
    match effective {
        _ if rate_limit_words || answer.status == 429 => {
            failure.reason = Reason::RateLimited;
            failure.summary = format!(
                "{host} is rate-limiting token requests for client {}",
                short(id)
            );
            failure.meaning = format!(
                "The token endpoint refused to issue more tokens for now.{quoted} This says nothing about whether \
                 the credentials are right."
            );
            failure.causes = vec![
                "other pipelines or tools share this client and mint tokens at the same time".to_string(),
                "a provider in the same run requests many tokens (Genesys' provider mints about token_pool_size + 1 per run)"
                    .to_string(),
            ];
            failure.fix =
                "Wait and retry; give each pipeline its own client, or lower token pools."
                    .to_string();
            failure.retry = Retry::Yes(answer.retry_after);
        }
        "invalid_client" => classify_invalid_client(&mut failure, &lower, &quoted, ctx),
        "unauthorized_client" => {
            if contains_any(
                &lower,
                &[
                    "invalid client",
                    "credentials",
                    "secret",
                    "authentication",
                    "not found",
                ],
            ) {
                classify_invalid_client(&mut failure, &lower, &quoted, ctx);
            } else {
                grant_not_allowed(&mut failure, &quoted, ctx);
            }
        }
        "unsupported_grant_type" if effective == error => {
            grant_not_allowed(&mut failure, &quoted, ctx);
            failure.meaning = format!(
                "The server does not support the client-credentials grant at this endpoint.{quoted}"
            );
        }
        "unsupported_grant_type" => grant_not_allowed(&mut failure, &quoted, ctx),
        "invalid_request"
            if contains_any(&lower, &["grant type", "grant_type", "granttype"])
                && contains_any(
                    &lower,
                    &[
                        "not allowed",
                        "not authorized",
                        "unauthorized",
                        "not permitted",
                        "not enabled",
                    ],
                ) =>
        {
            grant_not_allowed(&mut failure, &quoted, ctx)
        }
        "invalid_request"
            if contains_any(&lower, &["client"])
                && contains_any(&lower, &["authenticat", "credential", "secret"]) =>
        {
            classify_invalid_client(&mut failure, &lower, &quoted, ctx)
        }
        "invalid_request" => {
            failure.reason = Reason::InvalidInput;
            failure.summary =
                format!("{host} refused the token request as malformed (invalid_request)");
            failure.meaning = format!("The server could not accept the request as sent.{quoted}");
            failure.causes = vec![
                "a required parameter is missing for this server (Auth0 needs `audience`; Entra ID needs a scope ending in /.default)"
                    .to_string(),
                "the server wants the other client authentication method (set auth_method)".to_string(),
            ];
            failure.fix = "Read the server's words above; add the parameter it names (audience, resource, scopes).".to_string();
        }
        "invalid_scope" => {
            failure.reason = Reason::InvalidScope;
            failure.blame = Some(Blame::Scopes);
            let requested = if ctx.scopes.is_empty() {
                "no scope (the server's default)".to_string()
            } else {
                format!("{:?}", ctx.scopes.join(" "))
            };
            // Which scope was refused: the body may say (oidc-provider adds a `scope` field), or the words may
            // name it; with a single scope requested there is no doubt.
            let body_scope = field(body, "scope")
                .map(|s| super::scopes::split(&s))
                .unwrap_or_default();
            let mut named: Vec<&String> = ctx
                .scopes
                .iter()
                .filter(|s| body_scope.contains(s))
                .collect();
            if named.is_empty() {
                named = ctx
                    .scopes
                    .iter()
                    .filter(|s| contains_word(&lower, &s.to_ascii_lowercase()))
                    .collect();
            }
            if named.is_empty() && ctx.scopes.len() == 1 {
                named = ctx.scopes.iter().collect();
            }
            failure.summary = if named.is_empty() {
                format!(
                    "{host} refused the requested scopes {requested} for client {}",
                    short(id)
                )
            } else {
                format!(
                    "{host} refused scope {} for client {}",
                    named
                        .iter()
                        .map(|s| format!("{s:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    short(id)
                )
            };
            failure.meaning = format!(
                "The credentials are valid, but the client may not have the scopes requested ({requested}).{quoted}"
            );
            failure.causes = vec![
                "the scope is not granted to this client on the server".to_string(),
                "the scope name is misspelt or belongs to another API or resource".to_string(),
                "Entra ID: client-credentials scopes must be <resource>/.default".to_string(),
            ];
            failure.fix =
                "Grant the scope to the client on the server, or remove it from `scopes`."
                    .to_string();
        }
        "access_denied" if answer.status == 401 || lower == "unauthorized" => {
            // Auth0 says access_denied "Unauthorized" for a wrong secret.
            classify_invalid_client(&mut failure, &lower, &quoted, ctx)
        }
        "access_denied" => access_denied(&mut failure, &quoted, ctx),
        "temporarily_unavailable" | "server_error" => {
            failure.reason = Reason::ServerError;
            failure.summary = format!("{host} could not issue a token right now ({error})");
            failure.meaning =
                format!("The server failed; this says nothing about the credentials.{quoted}");
            failure.causes = vec!["an outage or maintenance at the identity provider".to_string()];
            failure.fix = "Retry later; check the provider's status page.".to_string();
            failure.retry = Retry::Yes(answer.retry_after);
        }
        "invalid_grant" => {
            failure.reason = Reason::InvalidClient;
            failure.summary = format!(
                "{host} refused the grant for client {} (invalid_grant)",
                short(id)
            );
            failure.meaning = format!(
                "The server rejected the client-credentials grant for this client.{quoted}"
            );
            failure.causes = vec![
                "the client is disabled or its credentials expired".to_string(),
                "the secret is wrong".to_string(),
            ];
            failure.fix =
                format!("Check the client on the server and the secret in {secret_origin}.");
        }
        other => {
            failure.reason = match answer.status {
                401 => Reason::InvalidClient,
                403 => Reason::AccessDenied,
                429 => Reason::RateLimited,
                500..=599 => Reason::ServerError,
                _ => Reason::InvalidClient,
            };
            failure.summary = format!(
                "{host} refused the token request with error {:?} (HTTP {})",
                excerpt(other, 60),
                answer.status
            );
            failure.meaning = format!("The server used an error code outside RFC 6749.{quoted}");
            failure.causes = vec!["see the server's description above".to_string()];
            failure.fix =
                "Look the error code up in the identity provider's documentation.".to_string();
            if failure.reason.is_inconclusive() {
                failure.retry = Retry::Yes(answer.retry_after);
            }
        }
    }
    add_vendor_hints(&mut failure, &lower);
    failure
}

fn grant_not_allowed(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    failure.reason = Reason::GrantNotAllowed;
    failure.blame = Some(Blame::ClientId);
    failure.summary = format!(
        "Client {} is not allowed to use the client-credentials grant at {}",
        short(ctx.client_id),
        ctx.host
    );
    failure.meaning = format!(
        "The server knows the client and accepted its secret, but the client is not registered for the \
         client_credentials grant.{quoted}"
    );
    failure.causes = vec![
        "the client was created for another flow (authorization code, PKCE, SAML bearer)"
            .to_string(),
        "Keycloak: service accounts are not enabled for the client".to_string(),
        "Okta: the app is not a service app, or client credentials is not ticked".to_string(),
    ];
    failure.fix = "Enable the client-credentials grant for this client on the server, or use a client created for \
                   machine-to-machine access."
        .to_string();
}

fn access_denied(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    failure.reason = Reason::AccessDenied;
    failure.summary = format!("{} denied client {} access", ctx.host, short(ctx.client_id));
    failure.meaning =
        format!("The server refused to issue a token to this client from here.{quoted}");
    failure.causes = vec![
        "an IP allow-list (organisation or per client) does not include this runner's address"
            .to_string(),
        "a WAF or gateway in front of the server blocked the request".to_string(),
        "Auth0: the client has no client grant for the requested audience".to_string(),
    ];
    failure.fix =
        "Check the allow-lists against this machine's public address and the client's grants."
            .to_string();
}

fn classify_invalid_client(failure: &mut Failure, lower: &str, quoted: &str, ctx: &Context<'_>) {
    let id = ctx.client_id;
    let host = ctx.host;
    let secret_origin = ctx.secret_origin;
    let not_found = contains_any(
        lower,
        &[
            "not found",
            "unknown client",
            "does not exist",
            "no such client",
            "aadsts700016",
            "client_id not found",
            "invalid client_id",
        ],
    );
    let bad_secret = contains_any(
        lower,
        &[
            "secret",
            "bad credentials",
            "password",
            "aadsts7000215",
            "aadsts7000222",
            "signature",
        ],
    ) || (ctx.genesys && lower.contains("authentication failed"));
    failure
        .error_code
        .get_or_insert_with(|| "invalid_client".to_string());
    if not_found && !bad_secret {
        failure.reason = Reason::ClientNotFound;
        failure.blame = Some(Blame::ClientId);
        failure.summary = format!("{host} does not know client {}", short(id));
        failure.meaning = format!("The server has no client with id {id:?}.{quoted}");
        failure.causes = if ctx.genesys {
            vec![
                "the client lives in another Genesys Cloud region (check genesys_region against the organisation's region)".to_string(),
                "the client was deleted".to_string(),
                "the client id is mistyped or belongs to another organisation".to_string(),
            ]
        } else {
            vec![
                "the client id is mistyped, or belongs to another tenant, realm or environment"
                    .to_string(),
                "the client was deleted".to_string(),
                "the token endpoint is for another tenant or authorisation server".to_string(),
            ]
        };
        failure.fix = "Compare client_id with the client's page on the server, and the token endpoint with the \
                       tenant or region the client was created in."
            .to_string();
    } else if bad_secret {
        failure.reason = Reason::InvalidSecret;
        failure.blame = Some(Blame::ClientSecret);
        failure.summary = if ctx.genesys {
            format!(
                "Genesys Cloud rejected the client secret for client {}",
                short(id)
            )
        } else {
            format!("{host} rejected the client secret for client {}", short(id))
        };
        failure.meaning = format!(
            "The server knows the client but the secret sent is not its current secret.{quoted}"
        );
        failure.causes = if ctx.genesys {
            vec![
                format!("the secret was regenerated (often during an SSO roll-out or a security review) and {secret_origin} still holds the old one"),
                "the client lives in another Genesys Cloud region, whose login host answers the same way".to_string(),
                "the stored secret has a trailing newline or space, or belongs to another client".to_string(),
            ]
        } else {
            vec![
                format!("the secret was rotated and {secret_origin} still holds the old one"),
                "the secret expired (Entra ID secrets have an end date)".to_string(),
                "the stored value is the secret's id rather than its value, or has a trailing newline".to_string(),
            ]
        };
        failure.fix = format!(
            "Copy the client's current secret into {secret_origin} (or regenerate it and update every pipeline that uses it)."
        );
        if ctx.genesys {
            failure.fix.push_str(
                " SAML/SSO enforcement is not the cause: it governs interactive user logins, not the client-credentials grant.",
            );
        }
    } else {
        failure.reason = Reason::InvalidClient;
        failure.blame = Some(Blame::ClientSecret);
        failure.summary = format!(
            "{host} rejected client {}: unknown client or wrong secret",
            short(id)
        );
        failure.meaning = format!(
            "Client authentication failed. The server does not say whether the client id or the secret is wrong.{quoted}"
        );
        failure.causes = vec![
            format!(
                "the secret in {secret_origin} is not the client's current secret (rotated, expired, trailing newline)"
            ),
            "the client id is wrong, or the client lives in another tenant, realm or region"
                .to_string(),
            format!(
                "the server expects the other authentication method (this request used {})",
                ctx.method
            ),
        ];
        failure.fix = format!(
            "Check client_id and the secret in {secret_origin} against the client's page on the server; if both are \
             right, set auth_method to the method the client is registered for."
        );
    }
}

fn add_vendor_hints(failure: &mut Failure, lower: &str) {
    let hints: [(&str, &str); 6] = [
        (
            "aadsts7000215",
            "Entra ID AADSTS7000215: the value sent is often the secret's ID, not its value; copy the Value column of the secret.",
        ),
        (
            "aadsts7000222",
            "Entra ID AADSTS7000222: the client secret has expired; create a new one under Certificates & secrets.",
        ),
        (
            "aadsts700016",
            "Entra ID AADSTS700016: the application is not in this tenant; check the tenant id in the token URL.",
        ),
        (
            "aadsts1002012",
            "Entra ID AADSTS1002012: client-credentials scopes must be <resource>/.default, e.g. https://graph.microsoft.com/.default.",
        ),
        (
            "client not enabled to retrieve service account",
            "Keycloak: turn on 'Service accounts roles' (client authentication on) for the client.",
        ),
        (
            "client-grant",
            "Auth0: authorise the application for this API (Applications > APIs > Machine to Machine Applications).",
        ),
    ];
    for (needle, hint) in hints {
        if lower.contains(needle) {
            failure.causes.insert(0, hint.to_string());
        }
    }
}

fn non_oauth_failure(answer: &Answer, body: &Body, ctx: &Context<'_>) -> Failure {
    let status = answer.status;
    let host = ctx.host;
    let mut got = format!("HTTP {status}, {}", describe_body(body));
    if let Some((name, value)) = &answer.request_id {
        got.push_str(&format!(" ({name}: {})", excerpt(value, 80)));
    }
    let message = field(body, "message")
        .map(|m| format!(" The server says: {:?}.", excerpt(&m, 200)))
        .unwrap_or_default();
    let mut failure = Failure {
        reason: Reason::NotATokenEndpoint,
        summary: String::new(),
        got,
        meaning: String::new(),
        causes: Vec::new(),
        fix: String::new(),
        blame: Some(Blame::TokenUrl),
        retry: Retry::No,
        error_code: None,
    };
    match status {
        401 => {
            failure.blame = Some(Blame::ClientSecret);
            let ctx_secret = ctx.secret_origin;
            classify_invalid_client(&mut failure, "", &message, ctx);
            failure.error_code = None;
            failure.meaning = format!(
                "The server refused the client's credentials without an OAuth2 error body{}.{message}",
                answer
                    .www_authenticate
                    .as_deref()
                    .map(|w| format!(" (WWW-Authenticate: {})", excerpt(w, 120)))
                    .unwrap_or_default()
            );
            failure.fix = format!(
                "Check client_id and the secret in {ctx_secret}; check that token_url is the token endpoint."
            );
        }
        403 => {
            access_denied(&mut failure, &message, ctx);
            failure.blame = None;
            if let Body::Html(title) = body {
                failure.causes.insert(
                    0,
                    format!(
                        "a firewall, WAF or proxy answered with its own page{}",
                        title
                            .as_deref()
                            .map(|t| format!(" ({t:?})"))
                            .unwrap_or_default()
                    ),
                );
            }
        }
        429 => {
            failure.reason = Reason::RateLimited;
            failure.blame = None;
            failure.summary = format!("{host} is rate-limiting requests (HTTP 429)");
            failure.meaning =
                format!("Too many requests; this says nothing about the credentials.{message}");
            failure.causes = vec![
                "other jobs share this client or this address and request tokens at the same time"
                    .to_string(),
            ];
            failure.fix =
                "Wait and retry; spread token requests or use separate clients per pipeline."
                    .to_string();
            failure.retry = Retry::Yes(answer.retry_after);
        }
        500..=599 => {
            failure.reason = Reason::ServerError;
            failure.blame = None;
            failure.summary = format!("{host} failed with HTTP {status}");
            failure.meaning = format!(
                "The server (or a gateway in front of it) failed; this says nothing about the credentials.{message}"
            );
            failure.causes = vec![
                "an outage at the identity provider".to_string(),
                "a gateway or proxy in front of it cannot reach it".to_string(),
            ];
            failure.fix = "Retry later; check the provider's status page. If it persists only from CI, check the proxy.".to_string();
            // 501 means the method is not implemented: retrying will not change it.
            failure.retry = if status == 501 {
                Retry::No
            } else {
                Retry::Yes(answer.retry_after)
            };
        }
        _ => {
            failure.summary = match body {
                Body::Html(Some(title)) => format!(
                    "{host} answered HTTP {status} with an HTML page ({title:?}), not a token endpoint's answer"
                ),
                _ => format!(
                    "{host} answered HTTP {status} with {}: this is not a token endpoint",
                    describe_body(body)
                ),
            };
            failure.meaning = format!(
                "A token endpoint answers a client-credentials POST with a token or an OAuth2 error (JSON with an \
                 `error` field). HTTP {status} without one means the URL is something else.{message}"
            );
            failure.causes = vec![
                "token_url has a wrong path (e.g. /token vs /oauth2/v2.0/token vs /oauth/token)"
                    .to_string(),
                "token_url points at an API host instead of the login/authorisation host"
                    .to_string(),
                "a proxy answered instead of the server".to_string(),
            ];
            failure.fix = "Use the token_endpoint from the server's /.well-known/openid-configuration, or the URL \
                           its documentation gives for the client-credentials grant."
                .to_string();
        }
    }
    failure
}

/// Shortens long ids for one-line summaries; the detail always has the whole id.
pub fn short(id: &str) -> String {
    if id.chars().count() > 24 {
        format!("{}…", id.chars().take(8).collect::<String>())
    } else {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, content_type: &str, body: &str) -> Answer {
        Answer {
            status,
            content_type: content_type.to_string(),
            retry_after: None,
            location: None,
            www_authenticate: None,
            request_id: None,
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    fn ctx(genesys: bool) -> Context<'static> {
        static SCOPES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        Context {
            host: "idp.example",
            client_id: "client-1",
            method: "client_secret_basic",
            secret_origin: "environment variable S",
            scopes: SCOPES.get_or_init(|| vec!["read".to_string(), "admin".to_string()]),
            genesys,
        }
    }

    fn reason_of(status: u16, content_type: &str, body: &str, genesys: bool) -> (Reason, String) {
        match interpret(&answer(status, content_type, body), &ctx(genesys)) {
            Verdict::Token(_) => (Reason::Ok, String::new()),
            Verdict::Failed(f) => (f.reason, f.summary),
        }
    }

    #[test]
    fn each_answer_maps_to_its_reason() {
        let json = "application/json";
        let rows: &[(u16, &str, &str, bool, Reason, &str)] = &[
            (
                200,
                json,
                r#"{"access_token":"t","token_type":"bearer","expires_in":60}"#,
                false,
                Reason::Ok,
                "",
            ),
            (
                200,
                json,
                r#"{"access_token":"t","token_type":"Bearer"}"#,
                false,
                Reason::Ok,
                "",
            ),
            (
                200,
                "application/x-www-form-urlencoded",
                "access_token=t&token_type=bearer&expires_in=60",
                false,
                Reason::Ok,
                "",
            ),
            (
                200,
                json,
                r#"{"token_type":"Bearer"}"#,
                false,
                Reason::MalformedResponse,
                "access_token is missing",
            ),
            (
                200,
                json,
                r#"{"access_token":"t","token_type":"mac"}"#,
                false,
                Reason::MalformedResponse,
                "expected Bearer",
            ),
            (
                200,
                json,
                r#"{"access_token":"t","token_type":"Bearer","expires_in":-5}"#,
                false,
                Reason::MalformedResponse,
                "expires_in",
            ),
            (
                200,
                json,
                r#"{"error":"invalid_client"}"#,
                false,
                Reason::InvalidClient,
                "unknown client or wrong secret",
            ),
            (
                200,
                "text/html",
                "<html><head><title>Sign in</title></head></html>",
                false,
                Reason::NotATokenEndpoint,
                "\"Sign in\"",
            ),
            (
                401,
                json,
                r#"{"error":"invalid_client","error_description":"Invalid client secret"}"#,
                false,
                Reason::InvalidSecret,
                "rejected the client secret",
            ),
            (
                400,
                json,
                r#"{"error":"invalid_client","error_description":"client not found"}"#,
                false,
                Reason::ClientNotFound,
                "does not know client client-1",
            ),
            (
                401,
                json,
                r#"{"error":"invalid_client","description":"authentication failed","error_description":"authentication failed"}"#,
                true,
                Reason::InvalidSecret,
                "Genesys Cloud rejected the client secret",
            ),
            (
                401,
                json,
                r#"{"error":"invalid_client","error_description":"authentication failed"}"#,
                false,
                Reason::InvalidClient,
                "unknown client or wrong secret",
            ),
            (
                400,
                json,
                r#"{"error":"unauthorized_client","error_description":"Client not enabled to retrieve service account"}"#,
                false,
                Reason::GrantNotAllowed,
                "not allowed",
            ),
            (
                400,
                json,
                r#"{"error":"invalid_request","error_description":"requested grant type is not allowed for this client"}"#,
                false,
                Reason::GrantNotAllowed,
                "not allowed",
            ),
            (
                400,
                json,
                r#"{"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"}"#,
                false,
                Reason::InvalidClient,
                "unknown client or wrong secret",
            ),
            (
                400,
                json,
                r#"{"error":"unsupported_grant_type"}"#,
                false,
                Reason::GrantNotAllowed,
                "not allowed",
            ),
            (
                400,
                json,
                r#"{"error":"invalid_scope","error_description":"scope admin is not allowed"}"#,
                false,
                Reason::InvalidScope,
                "refused scope \"admin\"",
            ),
            (
                400,
                json,
                r#"{"error":"invalid_scope","scope":"admin"}"#,
                false,
                Reason::InvalidScope,
                "refused scope \"admin\"",
            ),
            (
                400,
                json,
                r#"{"error":"invalid_request","error_description":"AADSTS1002012: The provided value for scope read is not valid. Client credential flows must have a scope value with /.default suffixed"}"#,
                false,
                Reason::InvalidScope,
                "refused",
            ),
            (
                401,
                json,
                r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#,
                false,
                Reason::InvalidSecret,
                "rejected the client secret",
            ),
            (
                400,
                json,
                r#"{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier 'x' was not found in the directory"}"#,
                false,
                Reason::ClientNotFound,
                "does not know",
            ),
            (
                401,
                json,
                r#"{"error":"access_denied","error_description":"Unauthorized"}"#,
                false,
                Reason::InvalidClient,
                "unknown client or wrong secret",
            ),
            (
                403,
                json,
                r#"{"error":"access_denied","error_description":"Client is not authorized to access \"https://x/api/v2/\". You might probably want to create a \"client-grant\""}"#,
                false,
                Reason::AccessDenied,
                "denied client",
            ),
            (
                400,
                json,
                r#"{"error":"invalid_request","description":"rate limit exceeded; try again","error_description":"rate limit exceeded; try again"}"#,
                true,
                Reason::RateLimited,
                "rate-limiting",
            ),
            (
                429,
                "text/plain",
                "slow down",
                false,
                Reason::RateLimited,
                "rate-limiting",
            ),
            (
                503,
                "text/html",
                "<html><title>Maintenance</title></html>",
                false,
                Reason::ServerError,
                "HTTP 503",
            ),
            (
                500,
                json,
                r#"{"error":"server_error"}"#,
                false,
                Reason::ServerError,
                "could not issue",
            ),
            (
                404,
                "text/html",
                "<html><head><title>404 Not Found</title></head></html>",
                false,
                Reason::NotATokenEndpoint,
                "\"404 Not Found\"",
            ),
            (
                405,
                json,
                r#"{"message":"Method not allowed"}"#,
                false,
                Reason::NotATokenEndpoint,
                "not a token endpoint",
            ),
            (
                401,
                "text/plain",
                "",
                false,
                Reason::InvalidClient,
                "unknown client or wrong secret",
            ),
            (
                403,
                "text/html",
                "<html><title>Access Denied</title></html>",
                false,
                Reason::AccessDenied,
                "denied",
            ),
            (
                400,
                json,
                r#"{"error":"invalid_request","error_description":"audience is required"}"#,
                false,
                Reason::InvalidInput,
                "malformed",
            ),
        ];
        let mut problems = Vec::new();
        for (status, content_type, body, genesys, reason, words) in rows {
            let (got, summary) = reason_of(*status, content_type, body, *genesys);
            if got != *reason || !summary.contains(words) {
                problems.push(format!(
                    "{status} {body}: expected {} with {words:?}, got {} {summary:?}",
                    reason.code(),
                    got.code()
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn redirects_are_reported_with_their_location() {
        let mut a = answer(302, "text/html", "");
        a.location = Some("https://idp.example/login".into());
        let Verdict::Failed(failure) = interpret(&a, &ctx(false)) else {
            panic!("a redirect is not a token");
        };
        assert_eq!(failure.reason, Reason::NotATokenEndpoint);
        assert!(failure.fix.contains("https://idp.example/login"));
    }

    #[test]
    fn retryable_answers_carry_retry_after() {
        let mut a = answer(429, "application/json", r#"{"error":"slow_down"}"#);
        a.retry_after = Some(Duration::from_secs(3));
        let Verdict::Failed(failure) = interpret(&a, &ctx(false)) else {
            panic!("429 is not a token");
        };
        assert_eq!(failure.retry, Retry::Yes(Some(Duration::from_secs(3))));
    }

    #[test]
    fn bodies_are_summarised_never_dumped() {
        let long = format!("{}\u{7}{}", "x".repeat(5000), "y");
        let (_, summary) = reason_of(404, "text/plain", &long, false);
        assert!(summary.len() < 400, "{}", summary.len());
        assert!(!summary.contains('\u{7}'));
    }

    #[test]
    fn summaries_stay_one_bounded_line_whatever_the_server_sends() {
        // Inputs the fuzzer found (fuzz/regressions/token_response).
        let long_key = format!("{{\"{}\":1}}", "k".repeat(2100));
        let long_error = format!("{{\"error\":\"{}\"}}", "e".repeat(3000));
        let cases = [
            answer(404, "application/json", "{\"\\u001b[2J\\n\":1}"),
            answer(404, "application/json", &long_key),
            answer(400, "application/json", &long_error),
        ];
        for a in cases {
            let Verdict::Failed(f) = interpret(&a, &ctx(false)) else {
                panic!("not a token")
            };
            for text in [&f.summary, &f.got] {
                assert!(text.len() < 2000, "{} chars", text.len());
                assert!(!text.chars().any(char::is_control), "{text:?}");
            }
        }
        for location in [
            "https://x/".to_string() + &"a".repeat(2100),
            "https://x/\tpath".to_string(),
        ] {
            let mut a = answer(302, "text/html", "");
            a.location = Some(location);
            let Verdict::Failed(f) = interpret(&a, &ctx(false)) else {
                panic!("not a token")
            };
            assert!(
                f.fix.len() < 2000 && !f.fix.chars().any(char::is_control),
                "{:?}",
                f.fix
            );
        }
    }

    #[test]
    fn scope_words_match_whole_scopes_only() {
        assert!(contains_word("scope admin is not allowed", "admin"));
        assert!(!contains_word("already granted", "read"));
        assert!(!contains_word("admin:all refused", "admin"));
    }
}
