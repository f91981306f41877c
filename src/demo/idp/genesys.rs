//! The Genesys Cloud flavour's API (`/api/v2/tokens/me`, `/api/v2/organizations/me`) and its organisations.

use std::sync::atomic::Ordering;

use super::State;
use super::enforced;
use super::http::{Request, Response, js, obj};

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

#[derive(Clone, Copy)]
pub(super) enum GenesysApi {
    TokensMe,
    OrganizationsMe,
    /// Self-inspection (`authorization/subjects`, `authorization/roles`) and any endpoint the permissions table
    /// knows a required read permission of, enforced from the client's roles.
    Other,
}

/// A Genesys API error body.
fn error(status: u16, code: &str, message: &str) -> Response {
    Response::json(
        status,
        obj(&[
            ("message", js(message)),
            ("code", js(code)),
            ("status", js(status)),
        ]),
    )
}

fn missing_any(permissions: &str) -> Response {
    error(
        403,
        "missing.any.permissions",
        &format!(
            "Unable to perform the requested action. You must have at least one of the following permissions assigned: [{permissions}]"
        ),
    )
}

fn not_a_user() -> Response {
    error(
        400,
        "not.a.user",
        "This request requires a user context. Client credentials cannot be used for requests to this resource.",
    )
}

/// The answers for self-inspection and permission-enforced endpoints.
fn other(client: &super::Client, request: &Request) -> Response {
    use super::oauth::Inspect;
    let role = |(i, (permission, _)): (usize, &(String, Option<String>))| {
        let mut parts = permission.splitn(3, ':');
        let (domain, entity, action) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        (
            format!("role-{i}"),
            domain.to_owned(),
            entity.to_owned(),
            action.to_owned(),
        )
    };
    let path = request.path();
    if path == "/api/v2/authorization/subjects/me"
        || path.starts_with("/api/v2/authorization/subjects/")
    {
        let me = path.ends_with("/me");
        return match client.inspect {
            Inspect::Grants if me => {
                let grants: Vec<String> = client
                    .permissions
                    .iter()
                    .enumerate()
                    .map(|entry| {
                        let (id, domain, entity, action) = role(entry);
                        let name = entry.1.1.clone().unwrap_or_else(|| "*".to_owned());
                        let policy = obj(&[
                            ("domain", js(domain)),
                            ("entityName", js(entity)),
                            ("actions", js(vec![action])),
                        ]);
                        obj(&[
                            ("subjectId", js(client.id.as_str())),
                            (
                                "division",
                                obj(&[
                                    ("id", js(division_id(&name))),
                                    ("name", js(division_name(&name))),
                                ]),
                            ),
                            (
                                "role",
                                obj(&[
                                    ("id", js(id.as_str())),
                                    ("name", js(id.as_str())),
                                    ("policies", format!("[{policy}]")),
                                ]),
                            ),
                        ])
                    })
                    .collect();
                Response::json(
                    200,
                    obj(&[
                        ("id", js(client.id.as_str())),
                        ("grants", format!("[{}]", grants.join(","))),
                    ]),
                )
            }
            _ if me => not_a_user(),
            _ => missing_any("authorization:grant:view"),
        };
    }
    if path == "/api/v2/authorization/roles" {
        if client.inspect == Inspect::Nothing {
            return missing_any("authorization:role:view");
        }
        let wanted = request.query("id");
        let roles: Vec<String> = client
            .permissions
            .iter()
            .enumerate()
            .map(role)
            .filter(|(id, ..)| wanted.contains(id))
            .map(|(id, domain, entity, action)| {
                let policy = obj(&[
                    ("domain", js(domain)),
                    ("entityName", js(entity)),
                    ("actionSet", js(vec![action])),
                ]);
                obj(&[
                    ("id", js(id.as_str())),
                    ("name", js(id.as_str())),
                    ("permissionPolicies", format!("[{policy}]")),
                ])
            })
            .collect();
        return Response::json(200, obj(&[("entities", format!("[{}]", roles.join(",")))]));
    }
    // An endpoint the swagger gives requirements for: the client's roles decide.
    let Some(required) = enforced::requirement(path) else {
        return error(404, "not.found", "The requested resource was not found.");
    };
    let held: Vec<&str> = client.permissions.iter().map(|(p, _)| p.as_str()).collect();
    let lacking = required.lacking(&held);
    if lacking.is_empty() {
        Response::json(
            200,
            obj(&[("entities", "[]".to_owned()), ("pageSize", js(1))]),
        )
    } else if required.any && required.permissions.len() > 1 {
        missing_any(&lacking.join(", "))
    } else {
        error(
            403,
            "missing.permissions",
            &format!(
                "Unable to perform the requested action. You are missing the following permission(s): [{}]",
                lacking.join(", ")
            ),
        )
    }
}

fn default_org() -> Org {
    Org {
        id: "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b".to_owned(),
        name: "Demo Org".to_owned(),
        short_name: "demo-org".to_owned(),
    }
}

pub(super) fn genesys_api(state: &State, request: &Request, api: GenesysApi) -> Response {
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
    if let GenesysApi::Other = api {
        return other(client, request).header("ININ-Correlation-Id", correlation);
    }
    let org = client.org.clone().unwrap_or_else(default_org);
    let named = obj(&[("id", js(org.id.as_str())), ("name", js(org.name.as_str()))]);
    let body = match api {
        GenesysApi::TokensMe => {
            let divisions = if !client.permissions.is_empty() {
                let pairs: Vec<String> = client
                    .permissions
                    .iter()
                    .enumerate()
                    .map(|(i, (_, division))| {
                        obj(&[
                            ("roleId", js(format!("role-{i}"))),
                            (
                                "divisionId",
                                js(division_id(division.as_deref().unwrap_or("*"))),
                            ),
                        ])
                    })
                    .collect();
                format!("[{}]", pairs.join(","))
            } else if client.roles {
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
        GenesysApi::Other => String::new(),
        GenesysApi::OrganizationsMe => obj(&[
            ("id", js(org.id.as_str())),
            ("name", js(org.name.as_str())),
            ("thirdPartyOrgName", js(org.short_name.as_str())),
            ("state", js("active")),
        ]),
    };
    Response::json(200, body).header("ININ-Correlation-Id", correlation)
}

/// A division's display name: `*` is every division ("All Divisions"); tests name the others.
fn division_name(name: &str) -> String {
    match name {
        "*" => "All Divisions".to_owned(),
        name => name.to_owned(),
    }
}

/// A division's id, as Genesys gives one (a UUID), made from its name; `*` stays `*`.
fn division_id(name: &str) -> String {
    use sha2::Digest as _;
    if name == "*" {
        return "*".to_owned();
    }
    let hex: String = sha2::Sha256::digest(name.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::super::Client;
    use super::super::test_support::*;
    use super::*;

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
}
