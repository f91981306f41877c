//! Each output of the surface read out of a [`Report`]: the one mapping every face's state, JSON and keys come
//! from. The engine renders its values for the surface; the surface knows nothing of the engine.

use crate::check::base::heard::Quoted;
use crate::check::base::secret::Secret;
use crate::check::report::Report;
use crate::check::report::words::Vocabulary;
use crate::surface::Output;

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
    /// The check steps.
    Checks(Vec<CheckRow>),
    /// A secret (the issued token), possibly absent: it stays a secret until the face that hands it out encodes
    /// it.
    Secret(Option<Secret>),
}

/// One step as every face writes it: an object of three strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    /// The step's documented name.
    pub name: &'static str,
    /// pass, warn, fail or skip.
    pub status: &'static str,
    /// One line in the face's vocabulary.
    pub detail: String,
}

impl CheckRow {
    /// The object's keys, in the order faces write them.
    pub const KEYS: [&'static str; 3] = ["name", "status", "detail"];

    /// The row as a JSON object (the CLI's report and the external program's `checks`).
    pub fn json(self) -> serde_json::Value {
        serde_json::Value::Object(
            self.fields()
                .into_iter()
                .map(|(key, text)| (key.to_string(), serde_json::Value::String(text)))
                .collect(),
        )
    }

    /// The row as (key, value) pairs, in [`CheckRow::KEYS`] order.
    pub fn fields(self) -> [(&'static str, String); 3] {
        let [name, status, detail] = CheckRow::KEYS;
        [
            (name, self.name.to_string()),
            (status, self.status.to_string()),
            (detail, self.detail),
        ]
    }
}

impl Report {
    /// The value of `output`, with sentences in the face's vocabulary.
    pub fn output(&self, output: Output, vocabulary: &dyn Vocabulary) -> OutValue {
        output_value(self, output, vocabulary)
    }
}

fn output_value(report: &Report, output: Output, vocabulary: &dyn Vocabulary) -> OutValue {
    let found = &report.findings;
    let text = |value: &Option<String>| OutValue::Text(value.clone());
    let quoted = |value: &Option<Quoted>| OutValue::Text(value.as_ref().map(Quoted::to_string));
    match output {
        Output::Valid => OutValue::Bool(report.valid),
        Output::Reason => OutValue::Text(Some(report.reason.code().to_string())),
        Output::Summary => OutValue::Text(Some(report.summary_in(vocabulary))),
        Output::Detail => OutValue::Text(Some(report.detail_in(vocabulary))),
        Output::TokenUrl => quoted(&found.token_url),
        Output::AuthMethodUsed => text(&found.auth_method_used),
        Output::TokenType => quoted(&found.token_type),
        Output::ExpiresIn => OutValue::Int(found.expires_in),
        Output::ExpiresAt => text(&found.expires_at),
        Output::GrantedScopes => OutValue::List(
            report
                .findings
                .granted_scopes
                .iter()
                .map(Quoted::to_string)
                .collect(),
        ),
        Output::MissingScopes => OutValue::List(found.missing_scopes.clone()),
        Output::ScopesSource => OutValue::Text(Some(found.scopes_source.code().to_string())),
        Output::MissingPermissions => OutValue::List(found.missing_permissions.clone()),
        Output::PermissionsSource => {
            OutValue::Text(Some(found.permissions_source.code().to_string()))
        }
        Output::OrganizationId => quoted(&found.organization_id),
        Output::OrganizationName => quoted(&found.organization_name),
        Output::ClientName => quoted(&found.client_name),
        Output::Principal => quoted(&found.principal),
        Output::AccountId => quoted(&found.account_id),
        Output::TokenFingerprint => text(&found.token_fingerprint),
        Output::Checks => OutValue::Checks(
            found
                .checks
                .iter()
                .map(|item| CheckRow {
                    name: item.name(),
                    status: item.status.code(),
                    detail: item.detail.render(vocabulary),
                })
                .collect(),
        ),
        Output::AccessToken => OutValue::Secret(found.access_token.clone()),
    }
}
