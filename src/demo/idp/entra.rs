//! The test IdP's Microsoft Entra ID flavour: the v2.0 token endpoint under `/<tenant>/oauth2/v2.0/token`, the
//! error body Entra sends (`error_codes`, trace and correlation ids, the AADSTS text), and the AADSTS answers a
//! client-credentials request gets, worded as the facts quote them (machine-credentials.md section 3a).

use super::http::{Response, js, obj};

/// The one tenant this server knows, by ID.
pub const ENTRA_TEST_TENANT: &str = "8d1f5c2a-3b4e-4f60-9a7b-1c2d3e4f5a6b";
/// The same tenant by its verified domain.
pub const ENTRA_TEST_DOMAIN: &str = "authcheck-test.onmicrosoft.com";
/// A subscription of the tenant.
pub const ENTRA_TEST_SUBSCRIPTION: &str = "2b4d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d1f";
/// A subscription of another tenant.
pub const ENTRA_OTHER_TENANT_SUBSCRIPTION: &str = "9f7d5b3a-8e6c-4d2b-a0f1-3c5e7a9b1d2f";
/// The other tenant.
const OTHER_TENANT: &str = "4c6e8a0b-2d4f-4b6d-8f0a-1b3d5f7a9c2e";

/// The tenant of a v2.0 token path (`/<tenant>/oauth2/v2.0/token`), when the path is one.
pub(super) fn token_path_tenant(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('/')?;
    let (tenant, tail) = rest.split_once('/')?;
    (tail == "oauth2/v2.0/token" && !tenant.is_empty()).then_some(tenant)
}

/// True when `tenant` names this server's tenant.
pub(super) fn known_tenant(tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case(ENTRA_TEST_TENANT) || tenant.eq_ignore_ascii_case(ENTRA_TEST_DOMAIN)
}

/// An Entra error body: the AADSTS code (when the description starts with one) also in `error_codes`, and the
/// trace lines Entra appends to every description.
pub(super) fn error_body(error: &str, description: &str) -> String {
    let code: String = description
        .strip_prefix("AADSTS")
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
        .unwrap_or_default();
    let trace = "0f6e2a1c-7d3b-4c59-a8e4-2b1d9c0e5f73";
    let correlation = "5b7c9e1d-3f2a-4d68-b0c4-8e1a2f3d4c5b";
    let full = format!(
        "{description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: 2026-11-29 12:00:00Z"
    );
    let codes = if code.is_empty() {
        "[]".to_owned()
    } else {
        format!("[{code}]")
    };
    obj(&[
        ("error", js(error)),
        ("error_description", js(full.as_str())),
        ("error_codes", codes),
        ("timestamp", js("2026-11-29 12:00:00Z")),
        ("trace_id", js(trace)),
        ("correlation_id", js(correlation)),
        (
            "error_uri",
            js(format!(
                "https://login.microsoftonline.com/error?code={code}"
            )),
        ),
    ])
}

fn answer(status: u16, error: &str, description: &str) -> Response {
    Response::json(status, error_body(error, description))
        .header("Cache-Control", "no-store")
        .header("Pragma", "no-cache")
}

/// AADSTS90002: the tenant does not exist in this cloud.
pub(super) fn tenant_not_found(tenant: &str) -> Response {
    answer(
        400,
        "invalid_tenant",
        &format!(
            "AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are \
             signing into the correct cloud. Check with your subscription administrator, this may happen if there \
             are no active subscriptions for the tenant."
        ),
    )
}

/// AADSTS700016: no such application in the tenant.
pub(super) fn app_not_found(client_id: &str) -> Response {
    answer(
        400,
        "unauthorized_client",
        &format!(
            "AADSTS700016: Application with identifier '{client_id}' was not found in the directory 'authcheck \
             test'. This can happen if the application has not been installed by the administrator of the tenant or \
             consented to by any user in the tenant. You may have sent your authentication request to the wrong \
             tenant."
        ),
    )
}

/// AADSTS7000215: the secret is not a current secret of the app (often its ID was sent).
pub(super) fn invalid_secret(client_id: &str) -> Response {
    answer(
        401,
        "invalid_client",
        &format!(
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the \
             client secret value, not the client secret ID, for a secret added to app '{client_id}'."
        ),
    )
}

/// AADSTS7000222: the app's secret has expired.
pub(super) fn expired_secret(client_id: &str) -> Response {
    answer(
        401,
        "invalid_client",
        &format!(
            "AADSTS7000222: The provided client secret keys for app '{client_id}' are expired. Visit the Azure \
             portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate \
             credentials for added security: https://aka.ms/certCreds."
        ),
    )
}

/// The scopes a client-credentials request may ask for: one `<resource>/.default` (AADSTS1002012 otherwise;
/// AADSTS70011 without any).
pub(super) fn granted(requested: &str) -> Result<Vec<String>, Response> {
    let scopes: Vec<&str> = requested.split(' ').filter(|s| !s.is_empty()).collect();
    let Some(first) = scopes.first() else {
        return Err(answer(
            400,
            "invalid_request",
            "AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the \
             input parameter 'scope' is not valid.",
        ));
    };
    if let Some(bad) = scopes.iter().find(|s| !s.ends_with("/.default")) {
        return Err(answer(
            400,
            "invalid_scope",
            &format!(
                "AADSTS1002012: The provided value for scope {bad} is not valid. Client credential flows must have a \
                 scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        ));
    }
    Ok(vec![(*first).to_owned()])
}

/// A federated identity credential of an app: the issuer, subject and audience a presented token must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederatedCredential {
    /// `iss` of the presented token, e.g. `https://token.actions.githubusercontent.com`.
    pub issuer: String,
    /// `sub`, compared case-sensitively (Entra since August 2024).
    pub subject: String,
    /// `aud`, normally `api://AzureADTokenExchange`.
    pub audience: String,
}

/// Holds a presented federated token's claims to the app's credentials as Entra does, answering with the
/// AADSTS code of the first mismatch (issuer, then audience, then subject; a subject that differs only in case
/// is 7002138). The test server does not verify the token's signature: it has no issuer's keys to fetch.
pub(super) fn match_federated(
    credentials: &[FederatedCredential],
    iss: &str,
    sub: &str,
    aud: &[&str],
) -> Result<(), Response> {
    let by_issuer: Vec<&FederatedCredential> =
        credentials.iter().filter(|c| c.issuer == iss).collect();
    let tail = "Check your federated identity credential Subject, Audience and Issuer against the presented \
                assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";
    if by_issuer.is_empty() {
        return Err(answer(
            401,
            "invalid_client",
            &format!(
                "AADSTS700211: No matching federated identity record found for presented assertion issuer '{iss}'. {tail}"
            ),
        ));
    }
    let by_audience: Vec<&&FederatedCredential> = by_issuer
        .iter()
        .filter(|c| aud.contains(&c.audience.as_str()))
        .collect();
    if by_audience.is_empty() {
        return Err(answer(
            401,
            "invalid_client",
            &format!(
                "AADSTS700212: No matching federated identity record found for presented assertion audience '{}'. {tail}",
                aud.join(",")
            ),
        ));
    }
    if by_audience.iter().any(|c| c.subject == sub) {
        return Ok(());
    }
    if by_audience
        .iter()
        .any(|c| c.subject.eq_ignore_ascii_case(sub))
    {
        return Err(answer(
            401,
            "invalid_client",
            &format!(
                "AADSTS7002138: No matching federated identity record found for presented assertion subject '{sub}'. \
                 The subject matches with case-insensitive comparison, but not with case-sensitive comparison. {tail}"
            ),
        ));
    }
    Err(answer(
        401,
        "invalid_client",
        &format!(
            "AADSTS700213: No matching federated identity record found for presented assertion subject '{sub}'. {tail}"
        ),
    ))
}

/// Resource Manager's `GET /subscriptions/{id}` for the bearer's app: 200 with a role on it, 403
/// AuthorizationFailed without, 404 SubscriptionNotFound for an unknown id, 401 InvalidAuthenticationTokenTenant for
/// another tenant's subscription (facts: machine-credentials.md section 6).
pub(super) fn subscription(state: &super::State, request: &super::http::Request) -> Response {
    let arm_error = |status: u16, code: &str, message: &str| {
        Response::json(
            status,
            obj(&[(
                "error",
                obj(&[("code", js(code)), ("message", js(message))]),
            )]),
        )
    };
    let id = request
        .path()
        .strip_prefix("/subscriptions/")
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let token = request
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some((index, ..)) = state.issued_lookup(token) else {
        return arm_error(
            401,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
        );
    };
    let client = &state.clients[index].client;
    if id == ENTRA_OTHER_TENANT_SUBSCRIPTION {
        return arm_error(
            401,
            "InvalidAuthenticationTokenTenant",
            &format!(
                "The access token is from the wrong issuer 'https://sts.windows.net/{ENTRA_TEST_TENANT}/'. It must \
                 match the tenant 'https://sts.windows.net/{OTHER_TENANT}/' associated with this subscription. Please \
                 use the authority (URL) 'https://login.windows.net/{OTHER_TENANT}' to get the token."
            ),
        );
    }
    if id != ENTRA_TEST_SUBSCRIPTION {
        return arm_error(
            404,
            "SubscriptionNotFound",
            &format!("The subscription '{id}' could not be found."),
        );
    }
    if !client
        .subscriptions
        .iter()
        .any(|s| s.eq_ignore_ascii_case(&id))
    {
        return arm_error(
            403,
            "AuthorizationFailed",
            &format!(
                "The client '{}' with object id '{}' does not have authorization to perform action \
                 'Microsoft.Resources/subscriptions/read' over scope '/subscriptions/{id}' or the scope is invalid. \
                 If access was recently granted, please refresh your credentials.",
                client.id, client.id
            ),
        );
    }
    Response::json(
        200,
        obj(&[
            ("id", js(format!("/subscriptions/{id}"))),
            ("subscriptionId", js(id.as_str())),
            ("displayName", js("authcheck test subscription")),
            ("state", js("Enabled")),
            ("tenantId", js(ENTRA_TEST_TENANT)),
        ]),
    )
}
