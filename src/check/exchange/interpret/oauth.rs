//! RFC 6749 error answers explained: keyed on the `error` code, refined by the server's own words and vendor
//! codes (Entra AADSTS, Keycloak, Auth0, Okta, Genesys Cloud).

use crate::check::base::heard::{Answer, Body, Heard, Lowered};
use crate::check::exchange::interpret::{Context, got_line, short};
use crate::check::report::Reason;
use crate::check::report::words::Words;
use crate::check::report::{ErrorCode, Failure, Retry};
use crate::surface::Input;
use crate::words;

pub(super) fn oauth_error(
    answer: &Answer,
    body: &Body,
    error: &Heard,
    ctx: &Context<'_>,
) -> Failure {
    let scrub = ctx.scrub;
    let description = body
        .field("error_description")
        .or_else(|| body.field("description"));
    // Protocol identifiers ("client_credentials", "client_secret_basic") contain the very words that tell causes
    // apart, so they are blanked before the words are read.
    let lower = description
        .as_ref()
        .map(Heard::lowered)
        .unwrap_or_default()
        .without(&[
            "client_credentials",
            "client_secret_basic",
            "client_secret_post",
            "client_secret_jwt",
            "client_secret",
        ]);
    let quoted = description
        .as_ref()
        .map(|d| format!(" The server says: {:?}.", scrub.quote(d, 300)))
        .unwrap_or_default();
    let sent_code = ErrorCode::of(error);
    let mut failure = Failure::new(
        Reason::InvalidClient,
        got_line(answer, error, description.as_ref(), scrub),
    );
    failure.error_code = Some(sent_code.clone());
    let id = ctx.client_id;
    let host = ctx.host;
    let rate_limit_words = lower.has_any(&["rate limit", "too many requests", "throttl"]);
    // Some vendors put a well-known condition under a generic code; their words decide.
    let aadsts = lower.aadsts();
    let missing_tenant = matches!(aadsts, Some(90002 | 900023));
    let rewritten = if aadsts == Some(1002012) {
        Some(ErrorCode::InvalidScope)
    } else if lower.has("client not enabled to retrieve service account") {
        Some(ErrorCode::UnsupportedGrantType)
    } else {
        None
    };
    let effective = rewritten.clone().unwrap_or(sent_code);
    match effective {
        _ if rate_limit_words || answer.status == 429 => {
            failure.reason = Reason::RateLimited;
            failure.summary = words![format!(
                "{host} is rate-limiting token requests for client {}",
                short(id)
            )];
            failure.meaning = words![format!(
                "The token endpoint refused to issue more tokens for now.{quoted} This says nothing about whether \
                 the credentials are right."
            )];
            failure.causes = vec![
                words![
                    "other pipelines or tools share this client and mint tokens at the same time"
                ],
                words![
                    "a provider in the same run requests many tokens (Genesys' provider mints about \
                     token_pool_size + 1 per run)"
                ],
            ];
            failure.fix =
                words!["Wait and retry; give each pipeline its own client, or lower token pools."];
            failure.retry = Retry::Yes(answer.retry_after);
        }
        // Entra ID: the tenant in the token URL does not exist in this cloud (AADSTS90002) or is not a tenant
        // identifier at all (AADSTS900023). Nothing about the client or its secret was looked at.
        _ if missing_tenant => invalid_tenant(&mut failure, &quoted, ctx),
        ErrorCode::InvalidClient => classify_invalid_client(&mut failure, &lower, &quoted, ctx),
        ErrorCode::UnauthorizedClient => {
            if lower.has_any(&[
                "invalid client",
                "credentials",
                "secret",
                "authentication",
                "not found",
            ]) {
                classify_invalid_client(&mut failure, &lower, &quoted, ctx);
            } else {
                grant_not_allowed(&mut failure, &quoted, ctx);
            }
        }
        ErrorCode::UnsupportedGrantType if rewritten.is_none() => {
            grant_not_allowed(&mut failure, &quoted, ctx);
            failure.meaning = words![format!(
                "The server does not support the client-credentials grant at this endpoint.{quoted}"
            )];
        }
        ErrorCode::UnsupportedGrantType => grant_not_allowed(&mut failure, &quoted, ctx),
        ErrorCode::InvalidRequest
            if lower.has_any(&["grant type", "grant_type", "granttype"])
                && lower.has_any(&[
                    "not allowed",
                    "not authorized",
                    "unauthorized",
                    "not permitted",
                    "not enabled",
                ]) =>
        {
            grant_not_allowed(&mut failure, &quoted, ctx)
        }
        // Entra's legacy AADSTS70021 refused a federated token as invalid_request.
        ErrorCode::InvalidRequest
            if (lower.has("client") && lower.has_any(&["authenticat", "credential", "secret"]))
                || (ctx.assertion.is_some() && aadsts == Some(70021)) =>
        {
            classify_invalid_client(&mut failure, &lower, &quoted, ctx)
        }
        ErrorCode::InvalidRequest => {
            failure.reason = Reason::InvalidInput;
            failure.summary = words![format!(
                "{host} refused the token request as malformed (invalid_request)"
            )];
            failure.meaning = words![format!(
                "The server could not accept the request as sent.{quoted}"
            )];
            failure.causes = vec![
                words![
                    "a required parameter is missing for this server (Auth0 needs ",
                    Input::Audience,
                    "; Entra ID needs a scope ending in /.default)"
                ],
                words![
                    "the server wants the other client authentication method (set ",
                    Input::AuthMethod,
                    ")"
                ],
            ];
            failure.fix = words![
                "Read the server's words above; add the parameter it names (",
                Input::Audience,
                ", ",
                Input::Resource,
                ", ",
                Input::Scopes,
                ")."
            ];
        }
        ErrorCode::InvalidScope => invalid_scope(&mut failure, body, &lower, &quoted, ctx),
        ErrorCode::AccessDenied if answer.status == 401 || lower.is("unauthorized") => {
            // Auth0 says access_denied "Unauthorized" for a wrong secret.
            classify_invalid_client(&mut failure, &lower, &quoted, ctx)
        }
        ErrorCode::AccessDenied => access_denied(&mut failure, &quoted, ctx),
        ErrorCode::TemporarilyUnavailable | ErrorCode::ServerError => {
            failure.reason = Reason::ServerError;
            failure.summary = words![format!(
                "{host} could not issue a token right now ({})",
                effective.name().unwrap_or_default()
            )];
            failure.meaning = words![format!(
                "The server failed; this says nothing about the credentials.{quoted}"
            )];
            failure.causes = vec![words!["an outage or maintenance at the identity provider"]];
            failure.fix = words!["Retry later; check the provider's status page."];
            failure.retry = Retry::Yes(answer.retry_after);
        }
        ErrorCode::InvalidGrant => {
            failure.reason = Reason::InvalidClient;
            failure.summary = words![format!(
                "{host} refused the grant for client {} (invalid_grant)",
                short(id)
            )];
            failure.meaning = words![format!(
                "The server rejected the client-credentials grant for this client.{quoted}"
            )];
            failure.causes = vec![
                words!["the client is disabled or its credentials expired"],
                words!["the secret is wrong"],
            ];
            failure.fix = words![
                "Check the client on the server and the secret in ",
                ctx.secret_origin,
                "."
            ];
        }
        ErrorCode::Other => {
            failure.reason = match answer.status {
                401 => Reason::InvalidClient,
                403 => Reason::AccessDenied,
                429 => Reason::RateLimited,
                500..=599 => Reason::ServerError,
                _ => Reason::InvalidClient,
            };
            failure.summary = words![format!(
                "{host} refused the token request with error {:?} (HTTP {})",
                scrub.quote(error, 60),
                answer.status
            )];
            failure.meaning = words![format!(
                "The server used an error code outside RFC 6749.{quoted}"
            )];
            failure.causes = vec![words!["see the server's description above"]];
            failure.fix =
                words!["Look the error code up in the identity provider's documentation."];
            if failure.reason.is_inconclusive() {
                failure.retry = Retry::Yes(answer.retry_after);
            }
        }
    }
    add_vendor_hints(&mut failure, &lower);
    failure
}

fn invalid_tenant(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    let (id, host) = (ctx.client_id, ctx.host);
    failure.reason = Reason::ClientNotFound;
    failure.blame = Some(Input::EntraTenantId);
    failure.summary = words![format!("{host} does not know the tenant in the token URL")];
    failure.meaning = words![format!(
        "Microsoft Entra ID found no such tenant in this cloud, so it never looked at client {} or its \
         secret.{quoted}",
        short(id)
    )];
    failure.causes = vec![
        words![
            "a typo in ",
            Input::EntraTenantId,
            " (or ARM_TENANT_ID), or another tenant's ID"
        ],
        words![
            "the tenant lives in another cloud: set ",
            Input::EntraCloud,
            " (usgovernment, china) as azurerm's environment"
        ],
        words!["the tenant was deleted"],
    ];
    failure.fix = words![
        "Copy the tenant ID from the Overview page of Microsoft Entra ID (or the app registration's \
         Directory (tenant) ID) into ",
        Input::EntraTenantId,
        "."
    ];
}

fn invalid_scope(
    failure: &mut Failure,
    body: &Body,
    lower: &Lowered,
    quoted: &str,
    ctx: &Context<'_>,
) {
    failure.reason = Reason::InvalidScope;
    failure.blame = Some(Input::Scopes);
    let requested = if ctx.scopes.is_empty() {
        "no scope (the server's default)".to_string()
    } else {
        format!("{:?}", ctx.scopes.join(" "))
    };
    // Which scope was refused: the body may say (oidc-provider adds a `scope` field), or the words may name it;
    // with a single scope requested there is no doubt.
    let body_scope = body.field("scope").map(|s| s.words()).unwrap_or_default();
    let mut named: Vec<&String> = ctx
        .scopes
        .iter()
        .filter(|s| body_scope.iter().any(|b| b.is(s)))
        .collect();
    if named.is_empty() {
        named = ctx
            .scopes
            .iter()
            .filter(|s| lower.has_word(&s.to_ascii_lowercase()))
            .collect();
    }
    if named.is_empty() && ctx.scopes.len() == 1 {
        named = ctx.scopes.iter().collect();
    }
    let id = short(ctx.client_id);
    let host = ctx.host;
    failure.summary = if named.is_empty() {
        words![format!(
            "{host} refused the requested scopes {requested} for client {id}"
        )]
    } else {
        words![format!(
            "{host} refused scope {} for client {id}",
            named
                .iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )]
    };
    failure.meaning = words![format!(
        "The credentials are valid, but the client may not have the scopes requested ({requested}).{quoted}"
    )];
    failure.causes = vec![
        words!["the scope is not granted to this client on the server"],
        words!["the scope name is misspelt or belongs to another API or resource"],
        words!["Entra ID: client-credentials scopes must be <resource>/.default"],
    ];
    failure.fix = words![
        "Grant the scope to the client on the server, or remove it from ",
        Input::Scopes,
        "."
    ];
}

pub(super) fn grant_not_allowed(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    failure.reason = Reason::GrantNotAllowed;
    failure.blame = Some(Input::ClientId);
    failure.summary = words![format!(
        "Client {} is not allowed to use the client-credentials grant at {}",
        short(ctx.client_id),
        ctx.host
    )];
    failure.meaning = words![format!(
        "The server knows the client and accepted its secret, but the client is not registered for the \
         client_credentials grant.{quoted}"
    )];
    failure.causes = vec![
        words!["the client was created for another flow (authorization code, PKCE, SAML bearer)"],
        words!["Keycloak: service accounts are not enabled for the client"],
        words!["Okta: the app is not a service app, or client credentials is not ticked"],
    ];
    failure.fix = words![
        "Enable the client-credentials grant for this client on the server, or use a client created for \
         machine-to-machine access."
    ];
}

pub(super) fn access_denied(failure: &mut Failure, quoted: &str, ctx: &Context<'_>) {
    failure.reason = Reason::AccessDenied;
    failure.summary = words![format!(
        "{} denied client {} access",
        ctx.host,
        short(ctx.client_id)
    )];
    failure.meaning = words![format!(
        "The server refused to issue a token to this client from here.{quoted}"
    )];
    failure.causes = vec![
        words![
            "an IP allow-list (organisation or per client) does not include this runner's address"
        ],
        words!["a WAF or gateway in front of the server blocked the request"],
        words!["Auth0: the client has no client grant for the requested audience"],
    ];
    failure.fix = words![
        "Check the allow-lists against this machine's public address and the client's grants."
    ];
}

pub(super) fn classify_invalid_client(
    failure: &mut Failure,
    lower: &Lowered,
    quoted: &str,
    ctx: &Context<'_>,
) {
    // A server that does not know the client says so whatever the credential was (Entra's AADSTS700016 comes
    // for a certificate or a federated token as much as for a secret).
    let unknown_client = lower.has_any(&[
        "aadsts700016",
        "client not found",
        "unknown client",
        "no such client",
    ]);
    if (ctx.assertion.is_some() || ctx.method.contains("tls")) && !unknown_client {
        crate::check::exchange::interpret::assertion::classify(failure, lower, quoted, ctx);
        return;
    }
    let id = ctx.client_id;
    let host = ctx.host;
    let origin: &Words = ctx.secret_origin;
    // Entra found no credential at all: nothing says the secret is wrong; it did not arrive where Entra looked.
    if lower.aadsts() == Some(7000218) {
        failure.error_code.get_or_insert(ErrorCode::InvalidClient);
        failure.reason = Reason::InvalidClient;
        failure.blame = Some(Input::AuthMethod);
        failure.summary = words![format!(
            "{host} received no client secret or assertion for client {}",
            short(id)
        )];
        failure.meaning = words![format!(
            "Entra ID looked for the credential in the request body and found none.{quoted}"
        )];
        failure.causes = vec![
            words![format!(
                "the secret went in the Authorization header ({}) and a proxy or gateway on the way removed it",
                ctx.method
            )],
            words!["the secret sent was empty"],
        ];
        failure.fix = words![
            "Set ",
            Input::AuthMethod,
            " to client_secret_post, which puts the secret in the body; or let the proxy pass the \
             Authorization header."
        ];
        return;
    }
    let not_found = lower.has_any(&[
        "not found",
        "unknown client",
        "does not exist",
        "no such client",
        "aadsts700016",
        "client_id not found",
        "invalid client_id",
    ]);
    let bad_secret = lower.has_any(&[
        "secret",
        "bad credentials",
        "password",
        "aadsts7000215",
        "aadsts7000222",
        "signature",
    ]) || (ctx.genesys && lower.has("authentication failed"));
    failure.error_code.get_or_insert(ErrorCode::InvalidClient);
    if not_found && !bad_secret {
        failure.reason = Reason::ClientNotFound;
        failure.blame = Some(Input::ClientId);
        failure.summary = words![format!("{host} does not know client {}", short(id))];
        failure.meaning = words![format!("The server has no client with id {id:?}.{quoted}")];
        failure.causes = if ctx.genesys {
            vec![
                words![
                    "the client lives in another Genesys Cloud region (check ",
                    Input::GenesysRegion,
                    " against the organisation's region)"
                ],
                words!["the client was deleted"],
                words!["the client id is mistyped or belongs to another organisation"],
            ]
        } else {
            vec![
                words![
                    "the client id is mistyped, or belongs to another tenant, realm or environment"
                ],
                words!["the client was deleted"],
                words!["the token endpoint is for another tenant or authorisation server"],
            ]
        };
        failure.fix = words![
            "Compare ",
            Input::ClientId,
            " with the client's page on the server, and the token endpoint with the tenant or region the \
             client was created in."
        ];
    } else if bad_secret {
        failure.reason = Reason::InvalidSecret;
        failure.blame = Some(ctx.secret_input);
        failure.summary = if ctx.genesys {
            words![format!(
                "Genesys Cloud rejected the client secret for client {}",
                short(id)
            )]
        } else {
            words![format!(
                "{host} rejected the client secret for client {}",
                short(id)
            )]
        };
        failure.meaning = words![format!(
            "The server knows the client but the secret sent is not its current secret.{quoted}"
        )];
        failure.causes = if ctx.genesys {
            vec![
                words![
                    "the secret was regenerated (often during an SSO roll-out or a security review) and ",
                    origin,
                    " still holds the old one"
                ],
                words![
                    "the client lives in another Genesys Cloud region, whose login host answers the same way"
                ],
                words![
                    "the stored secret has a trailing newline or space, or belongs to another client"
                ],
            ]
        } else {
            vec![
                words![
                    "the secret was rotated and ",
                    origin,
                    " still holds the old one"
                ],
                words!["the secret expired (Entra ID secrets have an end date)"],
                words![
                    "the stored value is the secret's id rather than its value, or has a trailing newline"
                ],
            ]
        };
        failure.fix = words![
            "Copy the client's current secret into ",
            origin,
            " (or regenerate it and update every pipeline that uses it)."
        ];
        if ctx.genesys {
            failure.fix.push(
                " SAML/SSO enforcement is not the cause: it governs interactive user logins, not the \
                 client-credentials grant.",
            );
        }
    } else {
        failure.reason = Reason::InvalidClient;
        failure.blame = Some(ctx.secret_input);
        failure.summary = words![format!(
            "{host} rejected client {}: unknown client or wrong secret",
            short(id)
        )];
        failure.meaning = words![format!(
            "Client authentication failed. The server does not say whether the client id or the secret is \
             wrong.{quoted}"
        )];
        failure.causes = vec![
            words![
                "the secret in ",
                origin,
                " is not the client's current secret (rotated, expired, trailing newline)"
            ],
            words![
                "the client id is wrong, or the client lives in another tenant, realm or region"
            ],
            words![format!(
                "the server expects the other authentication method (this request used {})",
                ctx.method
            )],
        ];
        failure.fix = words![
            "Check ",
            Input::ClientId,
            " and the secret in ",
            origin,
            " against the client's page on the server; if both are right, set ",
            Input::AuthMethod,
            " to the method the client is registered for."
        ];
    }
}

fn add_vendor_hints(failure: &mut Failure, lower: &Lowered) {
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
        if lower.has(needle) {
            failure.causes.insert(0, Words::text(hint));
        }
    }
}
