//! How each output is read out of a [`Report`]: the one mapping every face's state, JSON and keys come from.

use super::Output;
use crate::check::base::heard::Quoted;
use crate::check::{Report, Secret, Vocabulary};

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
    /// A secret (the issued token), possibly absent: it stays a secret until the face that hands it out encodes
    /// it.
    Secret(Option<Secret>),
}

/// The value of `output` in `report`, with sentences in the face's vocabulary.
pub fn output_value(report: &Report, output: Output, vocabulary: &dyn Vocabulary) -> OutValue {
    let text = |value: &Option<String>| OutValue::Text(value.clone());
    let quoted = |value: &Option<Quoted>| OutValue::Text(value.as_ref().map(Quoted::to_string));
    match output {
        Output::Valid => OutValue::Bool(report.valid),
        Output::Reason => OutValue::Text(Some(report.reason.code().to_string())),
        Output::Summary => OutValue::Text(Some(report.summary_in(vocabulary))),
        Output::Detail => OutValue::Text(Some(report.detail_in(vocabulary))),
        Output::TokenUrl => quoted(&report.token_url),
        Output::AuthMethodUsed => text(&report.auth_method_used),
        Output::TokenType => quoted(&report.token_type),
        Output::ExpiresIn => OutValue::Int(report.expires_in),
        Output::ExpiresAt => text(&report.expires_at),
        Output::GrantedScopes => OutValue::List(
            report
                .granted_scopes
                .iter()
                .map(Quoted::to_string)
                .collect(),
        ),
        Output::MissingScopes => OutValue::List(report.missing_scopes.clone()),
        Output::ScopesSource => OutValue::Text(Some(report.scopes_source.code().to_string())),
        Output::MissingPermissions => OutValue::List(report.missing_permissions.clone()),
        Output::PermissionsSource => OutValue::Text(Some(report.permissions_source.to_string())),
        Output::OrganizationId => quoted(&report.organization_id),
        Output::OrganizationName => quoted(&report.organization_name),
        Output::ClientName => quoted(&report.client_name),
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
        Output::AccessToken => OutValue::Secret(report.access_token.clone()),
    }
}
