//! The `tfplugin6.Provider` service: schemas, validation, configuration and the data source read.
//! It only translates between Terraform's values and the engine's [`Inputs`] and [`Report`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tonic::{Request, Response, Status};

use super::cty::{self, CtyType, Number, Value};
use super::proto::tfplugin6 as tf;
use super::proto::tfplugin6::provider_server::Provider;
use super::schema::{self, DATA_SOURCE};
use crate::check::{self, Blame, Inputs, Report, Secret, SecretOrigin};

/// The provider's state between RPCs.
pub struct AuthcheckProvider {
    configured: Mutex<Arc<Configured>>,
    stop: watch::Sender<bool>,
    /// Inputs of open ephemeral resources, by the handle given to Terraform as their private data.
    open: Mutex<std::collections::HashMap<u64, Inputs>>,
    next_handle: std::sync::atomic::AtomicU64,
}

/// What ConfigureProvider left for the reads.
#[derive(Default)]
struct Configured {
    inputs: Inputs,
    /// Provider attributes that were unknown at configure time (plan with values from resources).
    unknown: Vec<&'static str>,
}

impl Default for AuthcheckProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl AuthcheckProvider {
    /// A provider not configured yet.
    pub fn new() -> Self {
        AuthcheckProvider {
            configured: Mutex::new(Arc::new(Configured::default())),
            stop: watch::channel(false).0,
            open: Mutex::new(std::collections::HashMap::new()),
            next_handle: std::sync::atomic::AtomicU64::new(1),
        }
    }

    fn configured(&self) -> Arc<Configured> {
        match self.configured.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Builds a diagnostic, optionally pointing at one top-level attribute.
pub fn diagnostic(
    severity: tf::diagnostic::Severity,
    summary: impl Into<String>,
    detail: impl Into<String>,
    attribute: Option<&str>,
) -> tf::Diagnostic {
    tf::Diagnostic {
        severity: severity as i32,
        summary: summary.into(),
        detail: detail.into(),
        attribute: attribute.map(|name| path(&[PathPart::Attr(name)])),
    }
}

/// One step of an attribute path.
pub enum PathPart<'a> {
    /// An attribute name.
    Attr(&'a str),
    /// A list index.
    Index(i64),
}

fn path(parts: &[PathPart<'_>]) -> tf::AttributePath {
    use tf::attribute_path::step::Selector;
    tf::AttributePath {
        steps: parts
            .iter()
            .map(|part| tf::attribute_path::Step {
                selector: Some(match part {
                    PathPart::Attr(name) => Selector::AttributeName((*name).to_string()),
                    PathPart::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

fn error(
    summary: impl Into<String>,
    detail: impl Into<String>,
    attribute: Option<&str>,
) -> tf::Diagnostic {
    diagnostic(tf::diagnostic::Severity::Error, summary, detail, attribute)
}

fn decode(
    config: Option<&tf::DynamicValue>,
    ty: &CtyType,
    what: &str,
) -> Result<Value, tf::Diagnostic> {
    let Some(config) = config else {
        return Ok(Value::Null);
    };
    cty::decode_dynamic(&config.msgpack, &config.json, ty).map_err(|err| {
        error(
            format!("Cannot read the {what} configuration"),
            format!("Terraform sent a value authcheck could not decode ({err}). This is a bug in authcheck or an incompatible Terraform; please report it with the Terraform version."),
            None,
        )
    })
}

/// Which raw inputs a configuration level holds; unknown values are listed, not guessed.
struct Read {
    inputs: Inputs,
    unknown: Vec<&'static str>,
    diagnostics: Vec<tf::Diagnostic>,
}

const STRING_INPUTS: [&str; 14] = [
    "client_id",
    "client_secret",
    "token_url",
    "issuer",
    "genesys_region",
    "genesys_api_url",
    "genesys_login_url",
    "auth_method",
    "ca_cert_pem",
    "client_secret_env",
    "client_secret_file",
    "audience",
    "resource",
    "expected_organization",
];

const URL_INPUTS: [&str; 4] = [
    "token_url",
    "issuer",
    "genesys_api_url",
    "genesys_login_url",
];

fn read_inputs(value: &Value, secret_attribute: &'static str) -> Read {
    let mut read = Read {
        inputs: Inputs::default(),
        unknown: Vec::new(),
        diagnostics: Vec::new(),
    };
    let get = |name: &str| value.get(name).unwrap_or(&Value::Null);
    for name in STRING_INPUTS {
        let field = get(name);
        if field.is_unknown() {
            read.unknown.push(name);
            continue;
        }
        let Some(text) = field.as_str() else { continue };
        let text = text.to_string();
        let inputs = &mut read.inputs;
        match name {
            "client_id" => inputs.client_id = Some(text),
            "client_secret" => {
                inputs.client_secret =
                    Some((Secret::new(text), SecretOrigin::Attribute(secret_attribute)))
            }
            "token_url" => inputs.token_url = Some(text),
            "issuer" => inputs.issuer = Some(text),
            "genesys_region" => inputs.genesys_region = Some(text),
            "genesys_api_url" => inputs.genesys_api_url = Some(text),
            "genesys_login_url" => inputs.genesys_login_url = Some(text),
            "auth_method" => inputs.auth_method = Some(text),
            "ca_cert_pem" => inputs.ca_cert_pem = Some(text),
            "client_secret_env" => inputs.client_secret_env = Some(text),
            "client_secret_file" => inputs.client_secret_file = Some(text),
            "audience" => inputs.audience = Some(text),
            "resource" => inputs.resource = Some(text),
            "expected_organization" => inputs.expected_organization = Some(text),
            _ => {}
        }
    }
    for (name, slot) in [("scopes", 0), ("required_scopes", 1)] {
        let field = get(name);
        if field.contains_unknown() {
            read.unknown.push(if slot == 0 {
                "scopes"
            } else {
                "required_scopes"
            });
            continue;
        }
        if let Some(items) = field.elements() {
            let list: Vec<String> = items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            if slot == 0 {
                read.inputs.scopes = Some(list);
            } else {
                read.inputs.required_scopes = Some(list);
            }
        }
    }
    for name in ["timeout_seconds", "max_retries"] {
        let field = get(name);
        if field.is_unknown() {
            read.unknown.push(if name == "timeout_seconds" {
                "timeout_seconds"
            } else {
                "max_retries"
            });
            continue;
        }
        let Some(number) = field.as_number() else {
            continue;
        };
        match whole_number(number) {
            Some(n) if name == "timeout_seconds" => read.inputs.timeout_seconds = Some(n),
            Some(n) => read.inputs.max_retries = Some(n),
            None => read.diagnostics.push(error(
                format!("{name} must be a whole number"),
                format!(
                    "{name} counts {}; fractions are not accepted.",
                    if name == "timeout_seconds" {
                        "seconds"
                    } else {
                        "retries"
                    }
                ),
                Some(name),
            )),
        }
    }
    match get("allow_http") {
        Value::Unknown => read.unknown.push("allow_http"),
        other => read.inputs.allow_http = other.as_bool(),
    }
    read
}

fn whole_number(number: &Number) -> Option<i64> {
    match number {
        Number::Int(n) => Some(*n),
        other => other
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            .map(|f| f as i64),
    }
}

/// Checks one level's known values; unknown ones pass (the read is deferred or re-validated later).
fn validate_level(value: &Value, read: &Read) -> Vec<tf::Diagnostic> {
    let mut diags = read.diagnostics.clone();
    let get = |name: &str| value.get(name).unwrap_or(&Value::Null);
    for name in STRING_INPUTS {
        if let Some(text) = get(name).as_str()
            && text.trim().is_empty()
        {
            diags.push(error(
                format!("{name} is empty"),
                format!(
                    "Set {name} to a value, or remove it to use the default or the provider's."
                ),
                Some(name),
            ));
        }
    }
    for name in URL_INPUTS {
        let Some(text) = get(name).as_str() else {
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        match url::Url::parse(text.trim()) {
            Ok(url) if matches!(url.scheme(), "https" | "http") && url.host_str().is_some_and(|h| !h.is_empty()) => {
                if text.trim() != text {
                    diags.push(error(format!("{name} has leading or trailing whitespace"), "Remove the whitespace around the URL.", Some(name)));
                }
            }
            Ok(url) => diags.push(error(
                format!("{name} must be an http(s) URL"),
                format!("{name} is {:?} with scheme {:?}; give an absolute https:// URL.", text, url.scheme()),
                Some(name),
            )),
            Err(err) => diags.push(error(
                format!("{name} is not an absolute URL"),
                format!("{text:?} cannot be parsed as a URL ({err}); give an absolute https:// URL such as https://login.example.com/oauth2/token."),
                Some(name),
            )),
        }
    }
    if let Some(text) = get("auth_method").as_str()
        && check::AuthMethod::parse(text).is_none()
        && !text.trim().is_empty()
    {
        diags.push(error(
            format!("auth_method {text:?} is not supported"),
            "auth_method must be auto, client_secret_basic or client_secret_post.",
            Some("auth_method"),
        ));
    }
    if let Some(region) = get("genesys_region").as_str()
        && !region.trim().is_empty()
        && let Err((summary, detail)) = check::genesys::endpoint(Some(region), None, None)
    {
        diags.push(error(summary, detail, Some("genesys_region")));
    }
    let set: Vec<&str> = ["token_url", "issuer", "genesys_region"]
        .into_iter()
        .filter(|name| get(name).as_str().is_some())
        .collect();
    if set.len() > 1 {
        diags.push(error(
            format!("Conflicting endpoint inputs: {}", set.join(" and ")),
            "Set exactly one of token_url, issuer or genesys_region: each names the token endpoint a different way.",
            Some(set[1]),
        ));
    }
    if get("token_url").as_str().is_some() && (get("genesys_login_url").as_str().is_some()) {
        diags.push(error(
            "Conflicting endpoint inputs: token_url and genesys_login_url",
            "genesys_login_url names the Genesys login host; token_url names a token endpoint outright. Set one.",
            Some("genesys_login_url"),
        ));
    }
    if get("client_secret_env").as_str().is_some() && get("client_secret_file").as_str().is_some() {
        diags.push(error(
            "Conflicting secret sources: client_secret_env and client_secret_file",
            "Name one place the secret comes from.",
            Some("client_secret_file"),
        ));
    }
    for list in ["scopes", "required_scopes"] {
        if let Some(items) = get(list).elements() {
            for (index, item) in items.iter().enumerate() {
                if let Some(text) = item.as_str()
                    && (text.is_empty()
                        || text.chars().any(|c| c.is_whitespace() || c.is_control()))
                {
                    diags.push(tf::Diagnostic {
                            severity: tf::diagnostic::Severity::Error as i32,
                            summary: format!("{list} entry {index} is not a single scope"),
                            detail: format!("Each entry of {list} is one scope: non-empty, without spaces ({text:?}). Write [\"a\", \"b\"], not [\"a b\"]."),
                            attribute: Some(path(&[PathPart::Attr(list), PathPart::Index(index as i64)])),
                        });
                }
            }
        }
    }
    for (name, range) in [("timeout_seconds", 1..=600), ("max_retries", 0..=10)] {
        if let Some(number) = get(name).as_number()
            && let Some(n) = whole_number(number)
            && !range.contains(&n)
        {
            diags.push(error(
                format!(
                    "{name} must be between {} and {}",
                    range.start(),
                    range.end()
                ),
                format!("{name} is {n}."),
                Some(name),
            ));
        }
    }
    diags
}

/// The attribute of the data source configuration to point a diagnostic at.
fn blamed_attribute(blame: Option<Blame>, config: &Value) -> Option<&'static str> {
    let set = |name: &'static str| {
        config
            .get(name)
            .is_some_and(|v| !v.is_null())
            .then_some(name)
    };
    match blame? {
        Blame::ClientId => set("client_id"),
        Blame::ClientSecret => set("client_secret_env").or_else(|| set("client_secret_file")),
        Blame::TokenUrl => set("token_url"),
        Blame::Issuer => set("issuer"),
        Blame::GenesysRegion => set("genesys_region").or_else(|| set("genesys_login_url")),
        Blame::Scopes => set("scopes"),
        Blame::RequiredScopes => set("required_scopes"),
        Blame::AuthMethod => set("auth_method"),
        Blame::ExpectedOrganization => set("expected_organization"),
        Blame::CaCertPem => None,
    }
}

fn text(value: &Option<String>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |s| Value::String(s.clone()))
}

fn strings(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::String(s.clone())).collect())
}

/// The data source's state: its configuration echoed, plus every output from the report.
pub fn state_value(config: &Value, report: &Report) -> Value {
    let mut object = BTreeMap::new();
    for attr in schema::data_source_attrs() {
        if attr.role != schema::Role::Computed {
            object.insert(
                attr.name.to_string(),
                config.get(attr.name).cloned().unwrap_or(Value::Null),
            );
        }
    }
    if config.get("token_url").is_none_or(Value::is_null) {
        object.insert("token_url".into(), text(&report.token_url));
    }
    object.insert("valid".into(), Value::Bool(report.valid));
    object.insert("reason".into(), Value::String(report.reason.code().into()));
    object.insert("summary".into(), Value::String(report.summary.clone()));
    object.insert("detail".into(), Value::String(report.detail.clone()));
    object.insert("auth_method_used".into(), text(&report.auth_method_used));
    object.insert("token_type".into(), text(&report.token_type));
    object.insert(
        "expires_in".into(),
        report
            .expires_in
            .map_or(Value::Null, |n| Value::Number(Number::Int(n))),
    );
    object.insert("expires_at".into(), text(&report.expires_at));
    object.insert("granted_scopes".into(), strings(&report.granted_scopes));
    object.insert("missing_scopes".into(), strings(&report.missing_scopes));
    object.insert(
        "scopes_source".into(),
        Value::String(report.scopes_source.code().into()),
    );
    object.insert("organization_id".into(), text(&report.organization_id));
    object.insert("organization_name".into(), text(&report.organization_name));
    object.insert("client_name".into(), text(&report.client_name));
    object.insert("token_fingerprint".into(), text(&report.token_fingerprint));
    object.insert(
        "checks".into(),
        Value::List(
            report
                .checks
                .iter()
                .map(|item| {
                    Value::Object(BTreeMap::from([
                        ("name".to_string(), Value::String(item.name.to_string())),
                        (
                            "status".to_string(),
                            Value::String(item.status.code().to_string()),
                        ),
                        ("detail".to_string(), Value::String(item.detail.clone())),
                    ]))
                })
                .collect(),
        ),
    );
    Value::Object(object)
}

/// Diagnostics for a finished check: the failure (error or warning) and any warnings along the way.
pub fn report_diagnostics(
    report: &Report,
    config: &Value,
    fail_on_error: bool,
) -> Vec<tf::Diagnostic> {
    let mut diags = Vec::new();
    if !report.valid {
        let severity = if fail_on_error {
            tf::diagnostic::Severity::Error
        } else {
            tf::diagnostic::Severity::Warning
        };
        let mut detail = format!("{}\n\nreason: {}", report.detail, report.reason.code());
        if !fail_on_error {
            detail.push_str(" (fail_on_error = false, so the plan goes on; valid = false)");
        }
        diags.push(diagnostic(
            severity,
            report.summary.clone(),
            detail,
            blamed_attribute(report.blame, config),
        ));
    }
    let warnings: Vec<String> = report
        .checks
        .iter()
        .filter(|item| item.status == check::Status::Warn)
        .map(|item| format!("- {}: {}", item.name, item.detail))
        .collect();
    if !warnings.is_empty() {
        diags.push(diagnostic(
            tf::diagnostic::Severity::Warning,
            format!(
                "authcheck: {} warning{} about these credentials",
                warnings.len(),
                if warnings.len() == 1 { "" } else { "s" }
            ),
            warnings.join("\n"),
            None,
        ));
    }
    diags
}

/// Which Terraform object a check runs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    /// `data "authcheck_client_credentials"`.
    DataSource,
    /// `ephemeral "authcheck_client_credentials"`.
    Ephemeral,
}

impl Face {
    fn attrs(self) -> Vec<schema::Attr> {
        match self {
            Face::DataSource => schema::data_source_attrs(),
            Face::Ephemeral => schema::ephemeral_attrs(),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Face::DataSource => "data source",
            Face::Ephemeral => "ephemeral resource",
        }
    }

    fn decode(
        self,
        type_name: &str,
        config: Option<&tf::DynamicValue>,
    ) -> Result<Value, Vec<tf::Diagnostic>> {
        if type_name != DATA_SOURCE {
            return Err(vec![error(
                format!("Unknown {} {type_name}", self.noun()),
                format!("authcheck has one {}: {DATA_SOURCE}.", self.noun()),
                None,
            )]);
        }
        decode(config, &schema::object_type(&self.attrs()), self.noun()).map_err(|diag| vec![diag])
    }
}

/// A finished check, encoded for Terraform.
struct Done {
    report: Report,
    encoded: Vec<u8>,
    diagnostics: Vec<tf::Diagnostic>,
    /// The merged inputs, kept for ephemeral renewals.
    inputs: Inputs,
}

/// When to renew an ephemeral token: a tenth of its life (at least 30 s) before it expires.
fn renewal_time(expires_in: Option<i64>) -> Option<prost_types::Timestamp> {
    let life = expires_in.filter(|s| *s > 0)?;
    let margin = (life / 10).max(30).min(life / 2);
    Some(prost_types::Timestamp {
        seconds: check::clock::now_unix().saturating_add(life - margin),
        nanos: 0,
    })
}

fn handle_of(private: Option<&[u8]>) -> Option<u64> {
    let bytes: [u8; 8] = private?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

impl AuthcheckProvider {
    /// Decodes, validates, merges with the provider's inputs, runs the check and encodes the result.
    async fn checked(
        &self,
        type_name: &str,
        config: Option<&tf::DynamicValue>,
        face: Face,
    ) -> Result<Done, Vec<tf::Diagnostic>> {
        let config = face.decode(type_name, config)?;
        let read = read_inputs(&config, "client_secret");
        let mut diagnostics = validate_level(&config, &read);
        if !read.unknown.is_empty() {
            diagnostics.push(error(
                "Inputs are not known yet",
                format!(
                    "{} will be known only during apply; Terraform normally defers the {} until then.",
                    read.unknown.join(", "),
                    if face == Face::DataSource { "read" } else { "open" }
                ),
                read.unknown.first().copied(),
            ));
        }
        if diagnostics
            .iter()
            .any(|d| d.severity == tf::diagnostic::Severity::Error as i32)
        {
            return Err(diagnostics);
        }
        let configured = self.configured();
        let set_here = |name: &str| config.get(name).is_some_and(|v| !v.is_null());
        let overridden = |name: &str| match name {
            "client_secret" => {
                set_here("client_secret")
                    || set_here("client_secret_env")
                    || set_here("client_secret_file")
            }
            "token_url" | "issuer" | "genesys_region" | "genesys_api_url" | "genesys_login_url" => {
                [
                    "token_url",
                    "issuer",
                    "genesys_region",
                    "genesys_api_url",
                    "genesys_login_url",
                ]
                .iter()
                .any(|n| set_here(n))
            }
            other => set_here(other),
        };
        let pending: Vec<&str> = configured
            .unknown
            .iter()
            .copied()
            .filter(|name| !overridden(name))
            .collect();
        if !pending.is_empty() {
            return Err(vec![error(
                "The provider configuration is not known yet",
                format!(
                    "The provider block's {} depends on values known only during apply, so the credentials cannot be \
                     checked during plan. Use values known at plan time (variables, environment), or set the inputs \
                     on the {}.",
                    pending.join(", "),
                    face.noun()
                ),
                None,
            )]);
        }
        let fail_on_error = config
            .get("fail_on_error")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let inputs = configured.inputs.clone().overlay(read.inputs);
        let report = match inputs.clone().resolve(&env_lookup) {
            Ok(check_request) => check::run(check_request, self.stop.subscribe()).await,
            Err(report) => *report,
        };
        let mut value = state_value(&config, &report);
        if face == Face::Ephemeral
            && let Value::Object(object) = &mut value
        {
            object.insert(
                "client_secret".into(),
                config.get("client_secret").cloned().unwrap_or(Value::Null),
            );
            object.insert(
                "access_token".into(),
                report.access_token.as_ref().map_or(Value::Null, |token| {
                    Value::String(token.expose().to_string())
                }),
            );
        }
        diagnostics.extend(report_diagnostics(&report, &config, fail_on_error));
        let encoded =
            cty::encode_msgpack(&value, &schema::object_type(&face.attrs())).map_err(|err| {
                vec![error(
                    "authcheck produced a value it cannot encode",
                    err.to_string(),
                    None,
                )]
            })?;
        if let Value::Object(mut object) = value
            && let Some(Value::String(mut token)) = object.remove("access_token")
        {
            check::secret::wipe(&mut token);
        }
        Ok(Done {
            report,
            encoded,
            diagnostics,
            inputs,
        })
    }
}

fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[tonic::async_trait]
impl Provider for AuthcheckProvider {
    async fn get_metadata(
        &self,
        _: Request<tf::get_metadata::Request>,
    ) -> Result<Response<tf::get_metadata::Response>, Status> {
        Ok(Response::new(tf::get_metadata::Response {
            server_capabilities: schema::provider_schema().server_capabilities,
            data_sources: vec![tf::get_metadata::DataSourceMetadata {
                type_name: DATA_SOURCE.to_string(),
            }],
            ephemeral_resources: vec![tf::get_metadata::EphemeralMetadata {
                type_name: DATA_SOURCE.to_string(),
            }],
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<tf::get_provider_schema::Request>,
    ) -> Result<Response<tf::get_provider_schema::Response>, Status> {
        Ok(Response::new(schema::provider_schema()))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<tf::get_resource_identity_schemas::Request>,
    ) -> Result<Response<tf::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(
            tf::get_resource_identity_schemas::Response::default(),
        ))
    }

    async fn validate_provider_config(
        &self,
        request: Request<tf::validate_provider_config::Request>,
    ) -> Result<Response<tf::validate_provider_config::Response>, Status> {
        let ty = schema::object_type(&schema::provider_attrs());
        let diagnostics = match decode(request.get_ref().config.as_ref(), &ty, "provider") {
            Ok(value) => validate_level(&value, &read_inputs(&value, "client_secret")),
            Err(diag) => vec![diag],
        };
        Ok(Response::new(tf::validate_provider_config::Response {
            diagnostics,
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<tf::validate_data_resource_config::Request>,
    ) -> Result<Response<tf::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        if request.type_name != DATA_SOURCE {
            return Ok(Response::new(tf::validate_data_resource_config::Response {
                diagnostics: vec![error(
                    format!("Unknown data source {}", request.type_name),
                    format!("authcheck has one data source: {DATA_SOURCE}."),
                    None,
                )],
            }));
        }
        let ty = schema::object_type(&schema::data_source_attrs());
        let diagnostics = match decode(request.config.as_ref(), &ty, "data source") {
            Ok(value) => validate_level(&value, &read_inputs(&value, "client_secret")),
            Err(diag) => vec![diag],
        };
        Ok(Response::new(tf::validate_data_resource_config::Response {
            diagnostics,
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<tf::configure_provider::Request>,
    ) -> Result<Response<tf::configure_provider::Response>, Status> {
        let ty = schema::object_type(&schema::provider_attrs());
        let value = match decode(request.get_ref().config.as_ref(), &ty, "provider") {
            Ok(value) => value,
            Err(diag) => {
                return Ok(Response::new(tf::configure_provider::Response {
                    diagnostics: vec![diag],
                }));
            }
        };
        let read = read_inputs(&value, "client_secret");
        let diagnostics = read.diagnostics.clone();
        let configured = Arc::new(Configured {
            inputs: read.inputs,
            unknown: read.unknown,
        });
        match self.configured.lock() {
            Ok(mut guard) => *guard = configured,
            Err(poisoned) => *poisoned.into_inner() = configured,
        }
        Ok(Response::new(tf::configure_provider::Response {
            diagnostics,
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<tf::read_data_source::Request>,
    ) -> Result<Response<tf::read_data_source::Response>, Status> {
        let request = request.into_inner();
        let (state, diagnostics) = match self
            .checked(
                &request.type_name,
                request.config.as_ref(),
                Face::DataSource,
            )
            .await
        {
            Ok(done) => (Some(done.encoded), done.diagnostics),
            Err(diagnostics) => (None, diagnostics),
        };
        Ok(Response::new(tf::read_data_source::Response {
            state: state.map(|msgpack| tf::DynamicValue {
                msgpack,
                json: Vec::new(),
            }),
            diagnostics,
            deferred: None,
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<tf::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<tf::validate_ephemeral_resource_config::Response>, Status> {
        let request = request.into_inner();
        let diagnostics = match Face::Ephemeral.decode(&request.type_name, request.config.as_ref())
        {
            Ok(value) => validate_level(&value, &read_inputs(&value, "client_secret")),
            Err(diags) => diags,
        };
        Ok(Response::new(
            tf::validate_ephemeral_resource_config::Response { diagnostics },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<tf::open_ephemeral_resource::Request>,
    ) -> Result<Response<tf::open_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        let done = match self
            .checked(&request.type_name, request.config.as_ref(), Face::Ephemeral)
            .await
        {
            Ok(done) => done,
            Err(diagnostics) => {
                return Ok(Response::new(tf::open_ephemeral_resource::Response {
                    diagnostics,
                    ..Default::default()
                }));
            }
        };
        let renew_at = done
            .report
            .valid
            .then(|| renewal_time(done.report.expires_in))
            .flatten();
        let handle = self
            .next_handle
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut open) = self.open.lock() {
            open.insert(handle, done.inputs);
        }
        Ok(Response::new(tf::open_ephemeral_resource::Response {
            diagnostics: done.diagnostics,
            renew_at,
            result: Some(tf::DynamicValue {
                msgpack: done.encoded,
                json: Vec::new(),
            }),
            private: Some(handle.to_le_bytes().to_vec()),
            deferred: None,
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<tf::renew_ephemeral_resource::Request>,
    ) -> Result<Response<tf::renew_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        let handle = handle_of(request.private.as_deref());
        let inputs =
            handle.and_then(|h| self.open.lock().ok().and_then(|open| open.get(&h).cloned()));
        let Some(inputs) = inputs else {
            return Ok(Response::new(
                tf::renew_ephemeral_resource::Response::default(),
            ));
        };
        // The protocol lets a renewal report problems and schedule the next one, not replace the token already
        // handed out; so a renewal re-checks that the credentials still work and says so when they no longer do.
        let report = match inputs.resolve(&env_lookup) {
            Ok(check_request) => check::run_fresh(check_request, self.stop.subscribe()).await,
            Err(report) => *report,
        };
        let mut diagnostics = Vec::new();
        if !report.valid {
            diagnostics.push(diagnostic(
                tf::diagnostic::Severity::Warning,
                format!(
                    "authcheck: the credentials stopped working while the token was in use: {}",
                    report.summary
                ),
                format!("{}\n\nreason: {}", report.detail, report.reason.code()),
                None,
            ));
        }
        Ok(Response::new(tf::renew_ephemeral_resource::Response {
            diagnostics,
            renew_at: report
                .valid
                .then(|| renewal_time(report.expires_in))
                .flatten(),
            private: request.private,
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<tf::close_ephemeral_resource::Request>,
    ) -> Result<Response<tf::close_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        if let Some(handle) = handle_of(request.private.as_deref())
            && let Ok(mut open) = self.open.lock()
        {
            // Dropping the inputs drops (and zeroes) the secret they hold.
            open.remove(&handle);
        }
        Ok(Response::new(
            tf::close_ephemeral_resource::Response::default(),
        ))
    }

    async fn stop_provider(
        &self,
        _: Request<tf::stop_provider::Request>,
    ) -> Result<Response<tf::stop_provider::Response>, Status> {
        crate::log::emit(
            crate::log::Level::Debug,
            "stop requested: cancelling checks in progress",
            &[],
        );
        let _ = self.stop.send(true);
        Ok(Response::new(tf::stop_provider::Response {
            error: String::new(),
        }))
    }
}
