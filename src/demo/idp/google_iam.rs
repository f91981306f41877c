//! The Google flavour's bearer-authenticated APIs: IAM Credentials' `generateAccessToken` (impersonation, allowed
//! to the account's workload identity users) and Resource Manager's `testIamPermissions` and `projects.get`.

use serde_json::Value;

use super::State;
use super::google::{
    Identity, TOKEN_SECONDS, api_error, caller, invalid_argument, issue, unauthenticated,
};
use super::http::{Request, Response, js, obj};
use super::sts_time::iso8601;

/// Facts cloud-federation.md 2.2, verbatim: the caller may not impersonate the account, or it does not exist.
const GET_ACCESS_TOKEN_DENIED: &str = r#"{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"IAM_PERMISSION_DENIED","domain":"iam.googleapis.com","metadata":{"permission":"iam.serviceAccounts.getAccessToken"}}]}}"#;

/// generateAccessToken's longest lifetime without the organisation policy that extends it.
const MAX_LIFETIME_SECONDS: u64 = 3600;

/// Not sourced from the facts: Resource Manager's answer for a project the caller cannot see (it does not say
/// whether the project exists).
fn project_denied() -> Response {
    api_error(
        403,
        "The caller does not have permission",
        "PERMISSION_DENIED",
    )
}

/// The JSON object of a request body, or Google's 400.
fn json_body(request: &Request) -> Result<serde_json::Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        // Not sourced from the facts: the wording, after Google's JSON-parsing errors.
        _ => Err(invalid_argument(
            "Invalid JSON payload received. Expected an object.",
        )),
    }
}

/// `POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken`.
pub(super) fn generate_access_token(state: &State, request: &Request, email: &str) -> Response {
    match impersonate(state, request, email) {
        Ok(response) | Err(response) => response,
    }
}

fn impersonate(state: &State, request: &Request, email: &str) -> Result<Response, Response> {
    let identity = caller(state, request)?;
    let body = json_body(request)?;
    let scopes: Vec<&str> = match body.get("scope") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if scopes.is_empty() {
        // Not sourced from the facts: the wording, from memory.
        return Err(invalid_argument("Scope required."));
    }
    let seconds = match body.get("lifetime").and_then(Value::as_str) {
        None => TOKEN_SECONDS,
        Some(text) => match text.strip_suffix('s').and_then(|n| n.parse::<u64>().ok()) {
            Some(n) if (1..=MAX_LIFETIME_SECONDS).contains(&n) => n,
            // Not sourced from the facts: the wording, from memory.
            _ => {
                return Err(invalid_argument(&format!(
                    "The lifetime requested is not valid: {text}. It must be between 1s and 3600s."
                )));
            }
        },
    };
    // A delegation chain needs getAccessToken on every delegate, which nothing here grants.
    let delegated = matches!(body.get("delegates"), Some(Value::Array(d)) if !d.is_empty());
    let members = identity.members();
    let allowed = !delegated
        && state
            .google
            .config
            .service_accounts
            .iter()
            .find(|a| a.email == email)
            .is_some_and(|account| {
                account
                    .workload_identity_users
                    .iter()
                    .any(|user| members.contains(user))
            });
    if !allowed {
        return Err(Response::json(403, GET_ACCESS_TOKEN_DENIED.to_owned()));
    }
    let minted = issue(state, Identity::ServiceAccount(email.to_owned()), seconds);
    let body = obj(&[
        ("accessToken", js(minted.token)),
        ("expireTime", js(iso8601(minted.exp))),
    ]);
    Ok(Response::json(200, body))
}

/// The permissions `identity` holds on the project: a service account's own, or those granted to a federated
/// principal or any of its principal sets.
fn held(state: &State, identity: &Identity) -> Vec<String> {
    let config = &state.google.config;
    match identity {
        Identity::ServiceAccount(email) => config
            .service_accounts
            .iter()
            .filter(|a| &a.email == email)
            .flat_map(|a| a.permissions.iter().cloned())
            .collect(),
        Identity::Federated { .. } => {
            let members = identity.members();
            config
                .pools
                .iter()
                .flat_map(|p| p.permissions.iter())
                .filter(|grant| members.contains(&grant.member))
                .flat_map(|grant| grant.permissions.iter().cloned())
                .collect()
        }
    }
}

/// `POST /v1/projects/PROJECT:testIamPermissions`: the asked permissions the caller holds, in the order asked.
pub(super) fn test_iam_permissions(state: &State, request: &Request, project: &str) -> Response {
    let identity = match caller(state, request) {
        Ok(identity) => identity,
        Err(response) => return response,
    };
    if !state.google.is_project(project) {
        return project_denied();
    }
    let body = match json_body(request) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let asked: Vec<&str> = match body.get("permissions") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let held = held(state, &identity);
    let mut granted: Vec<&str> = Vec::new();
    for permission in asked {
        if held.iter().any(|h| h == permission) && !granted.contains(&permission) {
            granted.push(permission);
        }
    }
    if granted.is_empty() {
        // Google leaves the field out rather than send an empty list.
        return Response::json(200, "{}".to_owned());
    }
    let list: Vec<Value> = granted.into_iter().map(Value::from).collect();
    Response::json(200, obj(&[("permissions", js(list))]))
}

/// `GET /v1/projects/PROJECT`: the project, to any token of this server (it does not model
/// `resourcemanager.projects.get`).
pub(super) fn get_project(state: &State, request: &Request, project: &str) -> Response {
    if caller(state, request).is_err() {
        return unauthenticated();
    }
    if !state.google.is_project(project) {
        return project_denied();
    }
    let config = &state.google.config;
    Response::json(
        200,
        obj(&[
            ("projectNumber", js(config.project_number.as_str())),
            ("projectId", js(config.project_id.as_str())),
            ("lifecycleState", js("ACTIVE")),
            ("name", js(config.project_id.as_str())),
        ]),
    )
}
