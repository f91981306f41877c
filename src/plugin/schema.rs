//! The provider's and the data source's schemas: names, types and the one-line descriptions docs are built from.

use std::collections::BTreeMap;

use super::cty::CtyType;
use super::proto::tfplugin6 as tf;

/// The data source's (and ephemeral resource's) type name.
pub const DATA_SOURCE: &str = "authcheck_client_credentials";

/// Whether the user sets an attribute, the provider does, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Set by the user, may be omitted.
    Optional,
    /// Set by the provider.
    Computed,
    /// Set by the user or, when omitted, by the provider.
    OptionalComputed,
}

/// One schema attribute.
#[derive(Debug, Clone)]
pub struct Attr {
    /// Attribute name.
    pub name: &'static str,
    /// Its cty type.
    pub ty: CtyType,
    /// Who sets it.
    pub role: Role,
    /// Hidden in plan output.
    pub sensitive: bool,
    /// One line shown by Terraform and the docs.
    pub description: &'static str,
}

const fn attr(
    name: &'static str,
    role: Role,
    description: &'static str,
) -> (&'static str, Role, &'static str) {
    (name, role, description)
}

fn string_list() -> CtyType {
    CtyType::List(Box::new(CtyType::String))
}

/// The type of one entry of `checks`.
pub fn check_item_type() -> CtyType {
    CtyType::Object(BTreeMap::from([
        ("name".to_string(), CtyType::String),
        ("status".to_string(), CtyType::String),
        ("detail".to_string(), CtyType::String),
    ]))
}

/// The provider block's attributes.
pub fn provider_attrs() -> Vec<Attr> {
    use Role::Optional as O;
    let strings = [
        attr(
            "client_id",
            O,
            "OAuth2 client id used when a data source sets none. Falls back to AUTHCHECK_CLIENT_ID, then GENESYSCLOUD_OAUTHCLIENT_ID.",
        ),
        attr(
            "client_secret",
            O,
            "OAuth2 client secret used when a data source names no other source. Falls back to AUTHCHECK_CLIENT_SECRET, then GENESYSCLOUD_OAUTHCLIENT_SECRET. Never stored in state.",
        ),
        attr(
            "token_url",
            O,
            "Token endpoint (absolute https URL) used when a data source names no endpoint. Falls back to AUTHCHECK_TOKEN_URL.",
        ),
        attr(
            "issuer",
            O,
            "OIDC issuer whose discovery document names the token endpoint; conflicts with token_url and genesys_region. Falls back to AUTHCHECK_ISSUER.",
        ),
        attr(
            "genesys_region",
            O,
            "Genesys Cloud region (e.g. eu-west-1, as the genesyscloud provider's aws_region); the token endpoint is https://login.<region domain>/oauth/token. Falls back to GENESYSCLOUD_REGION.",
        ),
        attr(
            "genesys_api_url",
            O,
            "Genesys Cloud API base URL override (gateways, proxies, tests); defaults to https://api.<region domain>.",
        ),
        attr(
            "genesys_login_url",
            O,
            "Genesys Cloud login base URL override (gateways, proxies, tests); defaults to https://login.<region domain>.",
        ),
        attr(
            "auth_method",
            O,
            "How the client authenticates: auto (default: client_secret_basic, then client_secret_post on invalid_client), client_secret_basic or client_secret_post.",
        ),
        attr(
            "ca_cert_pem",
            O,
            "PEM certificates of extra CAs to trust (private CA, TLS-inspecting proxy), added to the system roots.",
        ),
    ];
    let mut attrs: Vec<Attr> = strings
        .into_iter()
        .map(|(name, role, description)| Attr {
            name,
            ty: CtyType::String,
            role,
            sensitive: name == "client_secret",
            description,
        })
        .collect();
    attrs.push(Attr {
        name: "timeout_seconds",
        ty: CtyType::Number,
        role: O,
        sensitive: false,
        description: "Time budget in seconds for one whole check, retries included (1 to 600; default 30).",
    });
    attrs.push(Attr {
        name: "max_retries",
        ty: CtyType::Number,
        role: O,
        sensitive: false,
        description: "Retries for transient failures (429, 5xx, connection resets) inside the time budget (0 to 10; default 2).",
    });
    attrs.push(Attr {
        name: "allow_http",
        ty: CtyType::Bool,
        role: O,
        sensitive: false,
        description: "Allow plain http to hosts that are not loopback (default false; loopback is always allowed).",
    });
    attrs
}

/// The data source's attributes, inputs then outputs.
pub fn data_source_attrs() -> Vec<Attr> {
    use Role::{Computed as C, Optional as O, OptionalComputed as OC};
    let mut attrs = Vec::new();
    let mut push = |name, ty, role, description| {
        attrs.push(Attr {
            name,
            ty,
            role,
            sensitive: false,
            description,
        })
    };
    let s = || CtyType::String;
    push(
        "client_id",
        s(),
        O,
        "OAuth2 client id to check; overrides the provider's.",
    );
    push(
        "token_url",
        s(),
        OC,
        "Token endpoint to use; overrides the provider's endpoint. After the check: the token endpoint actually used.",
    );
    push(
        "issuer",
        s(),
        O,
        "OIDC issuer whose discovery document names the token endpoint.",
    );
    push(
        "genesys_region",
        s(),
        O,
        "Genesys Cloud region (e.g. eu-west-1); the token endpoint is https://login.<region domain>/oauth/token.",
    );
    push(
        "genesys_api_url",
        s(),
        O,
        "Genesys Cloud API base URL override (gateways, proxies, tests).",
    );
    push(
        "genesys_login_url",
        s(),
        O,
        "Genesys Cloud login base URL override (gateways, proxies, tests).",
    );
    push(
        "auth_method",
        s(),
        O,
        "auto, client_secret_basic or client_secret_post; overrides the provider's.",
    );
    push(
        "client_secret_env",
        s(),
        O,
        "Name of the environment variable holding the client secret (the secret itself is never an argument: Terraform stores data source arguments in state).",
    );
    push(
        "client_secret_file",
        s(),
        O,
        "Path of a file holding the client secret (its exact contents; a trailing newline is reported as a mistake).",
    );
    push(
        "scopes",
        string_list(),
        O,
        "Scopes to request, sent space-separated in the scope parameter.",
    );
    push(
        "required_scopes",
        string_list(),
        O,
        "Scopes the issued token must carry; any missing one fails the check with reason missing_scopes.",
    );
    push(
        "audience",
        s(),
        O,
        "audience parameter to send (Auth0 and similar).",
    );
    push(
        "resource",
        s(),
        O,
        "resource parameter to send (RFC 8707 resource indicators).",
    );
    push(
        "expected_organization",
        s(),
        O,
        "Genesys Cloud: id, name or short name of the organisation the credentials must belong to.",
    );
    push(
        "probe_other_regions",
        CtyType::Bool,
        O,
        "Genesys Cloud: when the client is rejected, also ask the other regions' login hosts whether they know it, to report where it lives. Off by default because it sends the secret to those regions.",
    );
    push(
        "fail_on_error",
        CtyType::Bool,
        O,
        "When true (default), a failed check fails the plan with a diagnostic naming the cause; when false, it is a warning and valid and reason tell the outcome.",
    );
    push(
        "valid",
        CtyType::Bool,
        C,
        "True when the credentials obtained a token that meets every requirement.",
    );
    push(
        "reason",
        s(),
        C,
        "Stable reason code: ok, invalid_input, insecure_transport, endpoint_unreachable, tls_error, discovery_failed, not_a_token_endpoint, client_not_found, invalid_secret, invalid_client, grant_not_allowed, invalid_scope, missing_scopes, access_denied, rate_limited, server_error, malformed_response or wrong_organization.",
    );
    push(
        "summary",
        s(),
        C,
        "One line naming the outcome and its cause.",
    );
    push(
        "detail",
        s(),
        C,
        "What was sent where, what came back, what it means, the likely causes and what to do. Never contains the secret or the token.",
    );
    push(
        "auth_method_used",
        s(),
        C,
        "The client authentication method the server accepted.",
    );
    push(
        "token_type",
        s(),
        C,
        "Type of the issued token (normally Bearer).",
    );
    push(
        "expires_in",
        CtyType::Number,
        C,
        "Lifetime of the issued token in seconds, as the server said.",
    );
    push(
        "expires_at",
        s(),
        C,
        "When the issued token expires (RFC 3339, UTC).",
    );
    push(
        "granted_scopes",
        string_list(),
        C,
        "Scopes the token carries, when the server or the token says.",
    );
    push(
        "missing_scopes",
        string_list(),
        C,
        "Required scopes the token does not carry.",
    );
    push(
        "scopes_source",
        s(),
        C,
        "Where granted_scopes came from: response, jwt, introspection, genesys or unknown.",
    );
    push(
        "organization_id",
        s(),
        C,
        "Organisation the credentials belong to (Genesys Cloud).",
    );
    push(
        "organization_name",
        s(),
        C,
        "Name of that organisation (Genesys Cloud).",
    );
    push(
        "client_name",
        s(),
        C,
        "Display name of the OAuth client, when the server says it.",
    );
    push(
        "token_fingerprint",
        s(),
        C,
        "Short SHA-256 prefix of the issued token, to tell tokens apart without revealing them.",
    );
    push(
        "checks",
        CtyType::List(Box::new(check_item_type())),
        C,
        "Every step of the check, in order: name, status (pass, warn, fail or skip) and detail.",
    );
    attrs
}

/// The ephemeral resource's attributes: the data source's, plus the secret as an input and the token as an output.
/// Ephemeral values are never persisted, so here the secret may be an argument and the token an output.
pub fn ephemeral_attrs() -> Vec<Attr> {
    let mut attrs = data_source_attrs();
    let at = attrs
        .iter()
        .position(|a| a.name == "client_secret_file")
        .map_or(attrs.len(), |i| i + 1);
    attrs.insert(
        at,
        Attr {
            name: "client_secret",
            ty: CtyType::String,
            role: Role::Optional,
            sensitive: true,
            description: "OAuth2 client secret (e.g. from an ephemeral variable or another ephemeral resource); never persisted. Overrides client_secret_env, client_secret_file and the provider's.",
        },
    );
    attrs.push(Attr {
        name: "access_token",
        ty: CtyType::String,
        role: Role::Computed,
        sensitive: true,
        description: "The issued access token, for configuring other providers; never persisted in state or plan.",
    });
    attrs
}

/// The object type a list of attributes makes.
pub fn object_type(attrs: &[Attr]) -> CtyType {
    CtyType::Object(
        attrs
            .iter()
            .map(|a| (a.name.to_string(), a.ty.clone()))
            .collect(),
    )
}

fn to_proto(attrs: &[Attr], description: &str) -> tf::Schema {
    tf::Schema {
        version: 0,
        block: Some(tf::schema::Block {
            version: 0,
            attributes: attrs
                .iter()
                .map(|a| tf::schema::Attribute {
                    name: a.name.to_string(),
                    r#type: a.ty.to_json(),
                    description: a.description.to_string(),
                    optional: matches!(a.role, Role::Optional | Role::OptionalComputed),
                    computed: matches!(a.role, Role::Computed | Role::OptionalComputed),
                    sensitive: a.sensitive,
                    ..Default::default()
                })
                .collect(),
            description: description.to_string(),
            ..Default::default()
        }),
    }
}

/// The full GetProviderSchema answer.
pub fn provider_schema() -> tf::get_provider_schema::Response {
    tf::get_provider_schema::Response {
        provider: Some(to_proto(
            &provider_attrs(),
            "Checks OAuth2 client credentials during plan and names the real reason when they fail.",
        )),
        data_source_schemas: [(
            DATA_SOURCE.to_string(),
            to_proto(
                &data_source_attrs(),
                "Requests a token with OAuth2 client credentials (client-credentials grant) and reports whether they work, and if not, why and how to fix it.",
            ),
        )]
        .into_iter()
        .collect(),
        ephemeral_resource_schemas: [(
            DATA_SOURCE.to_string(),
            to_proto(
                &ephemeral_attrs(),
                "Runs the same check as the data source and hands out the access token, which Terraform never stores (Terraform 1.10 and later).",
            ),
        )]
        .into_iter()
        .collect(),
        server_capabilities: Some(tf::ServerCapabilities {
            get_provider_schema_optional: true,
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_has_a_description_and_a_valid_name() {
        for attr in provider_attrs().iter().chain(data_source_attrs().iter()) {
            assert!(!attr.description.is_empty(), "{}", attr.name);
            assert!(
                attr.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
        }
    }

    #[test]
    fn the_data_source_has_no_client_secret_argument() {
        assert!(
            data_source_attrs()
                .iter()
                .all(|a| a.name != "client_secret")
        );
        let secret = provider_attrs()
            .into_iter()
            .find(|a| a.name == "client_secret");
        assert!(secret.is_some_and(|a| a.sensitive));
    }
}
