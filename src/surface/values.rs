//! How each output is read out of a [`Report`]: the one mapping every face's state, JSON and keys come from.

use super::Output;
use crate::check::{Report, Vocabulary};

/// One output's value, before a face encodes it.
#[derive(Debug, Clone, PartialEq)]
pub enum OutValue {
    /// true or false.
    Bool(bool),
    /// Text, possibly absent.
    Text(Option<String>),
    /// A whole number, possibly absent.
    Int(Option<i64>),
    /// A list of text.
    List(Vec<String>),
    /// The check steps: name, status, detail.
    Checks(Vec<[String; 3]>),
}

/// The value of `output` in `report`, with sentences in the face's vocabulary.
pub fn output_value(report: &Report, output: Output, vocabulary: &dyn Vocabulary) -> OutValue {
    let text = |value: &Option<String>| OutValue::Text(value.clone());
    match output {
        Output::Valid => OutValue::Bool(report.valid),
        Output::Reason => OutValue::Text(Some(report.reason.code().to_string())),
        Output::Summary => OutValue::Text(Some(report.summary_in(vocabulary))),
        Output::Detail => OutValue::Text(Some(report.detail_in(vocabulary))),
        Output::TokenUrl => text(&report.token_url),
        Output::AuthMethodUsed => text(&report.auth_method_used),
        Output::TokenType => text(&report.token_type),
        Output::ExpiresIn => OutValue::Int(report.expires_in),
        Output::ExpiresAt => text(&report.expires_at),
        Output::GrantedScopes => OutValue::List(report.granted_scopes.clone()),
        Output::MissingScopes => OutValue::List(report.missing_scopes.clone()),
        Output::ScopesSource => OutValue::Text(Some(report.scopes_source.code().to_string())),
        Output::MissingPermissions => OutValue::List(report.missing_permissions.clone()),
        Output::PermissionsSource => OutValue::Text(Some(report.permissions_source.to_string())),
        Output::OrganizationId => text(&report.organization_id),
        Output::OrganizationName => text(&report.organization_name),
        Output::ClientName => text(&report.client_name),
        Output::TokenFingerprint => text(&report.token_fingerprint),
        Output::Checks => OutValue::Checks(
            report
                .checks
                .iter()
                .map(|item| {
                    [
                        item.name.to_string(),
                        item.status.code().to_string(),
                        item.detail.render(vocabulary),
                    ]
                })
                .collect(),
        ),
        Output::AccessToken => OutValue::Text(
            report
                .access_token
                .as_ref()
                .map(|token| token.expose().to_string()),
        ),
    }
}
