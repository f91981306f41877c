//! The `tfplugin6.Provider` service: schemas, the provider block, and the path every check takes (decode,
//! validate, merge with the provider block, run, encode). The data source and the ephemeral resource live in
//! their own files and only add what is theirs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tonic::{Request, Response, Status};

use super::config::{self, Decoded};
use super::cty::{self, Value};
use super::diagnostics::{self, error, is_error};
use super::proto::tfplugin6 as tf;
use super::proto::tfplugin6::provider_server::Provider;
use super::schema::{self, DATA_SOURCE};
use super::{data_source, ephemeral, state};
use crate::check::{self, Inputs, Report};
use crate::surface::{Input, Place};

/// The provider's state between RPCs.
pub struct AuthcheckProvider {
    configured: Mutex<Arc<Configured>>,
    pub(super) stop: watch::Sender<bool>,
    /// Inputs of open ephemeral resources, by the handle given to Terraform as their private data.
    pub(super) open: Mutex<HashMap<u64, Inputs>>,
    pub(super) next_handle: std::sync::atomic::AtomicU64,
}

/// What ConfigureProvider left for the reads.
#[derive(Default)]
struct Configured {
    inputs: Inputs,
    /// Provider attributes that were unknown at configure time (plan with values from resources).
    unknown: Vec<Input>,
}

impl Default for AuthcheckProvider {
    fn default() -> Self {
        Self::new()
    }
}

/// Decodes a configuration Terraform sent.
pub(super) fn decode(
    config: Option<&tf::DynamicValue>,
    place: Place,
    what: &str,
) -> Result<Value, tf::Diagnostic> {
    let Some(config) = config else {
        return Ok(Value::Null);
    };
    let ty = schema::object_type_of(place);
    cty::decode_dynamic(&config.msgpack, &config.json, ty).map_err(|err| {
        error(
            format!("Cannot read the {what} configuration"),
            format!(
                "Terraform sent a value authcheck could not decode ({err}). This is a bug in authcheck or an \
                 incompatible Terraform; please report it with the Terraform version."
            ),
            None,
        )
    })
}

/// Zeroes the bytes of a configuration that may hold a secret, once decoded.
pub(super) fn wipe_dynamic(config: &mut Option<tf::DynamicValue>) {
    if let Some(value) = config {
        zeroize::Zeroize::zeroize(&mut value.msgpack);
        zeroize::Zeroize::zeroize(&mut value.json);
    }
}

/// Validation diagnostics for one object's configuration: undecodable numbers and the engine's input rules.
/// Unknown values pass: they are checked when they are known.
pub(super) fn validate_config(value: &Value, place: Place) -> Vec<tf::Diagnostic> {
    validate_decoded(&config::decode(value, place), place)
}

/// [`validate_config`] for a configuration already decoded into inputs.
fn validate_decoded(decoded: &Decoded, place: Place) -> Vec<tf::Diagnostic> {
    let mut diags = diagnostics::decode_problems(&decoded.problems, place);
    diags.extend(diagnostics::problems(
        &check::validate(&decoded.inputs),
        place,
    ));
    diags
}

/// The Terraform object a check runs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Object {
    /// `data "authcheck_client_credentials"`.
    DataSource,
    /// `ephemeral "authcheck_client_credentials"`.
    Ephemeral,
}

impl Object {
    pub(super) fn place(self) -> Place {
        match self {
            Object::DataSource => Place::DataSource,
            Object::Ephemeral => Place::Ephemeral,
        }
    }

    pub(super) fn noun(self) -> &'static str {
        match self {
            Object::DataSource => "data source",
            Object::Ephemeral => "ephemeral resource",
        }
    }

    /// Decodes a configuration of this object, refusing other type names.
    pub(super) fn decode(
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
        decode(config, self.place(), self.noun()).map_err(|diag| vec![diag])
    }
}

/// A finished check, encoded for Terraform.
pub(super) struct Done {
    pub(super) report: Report,
    pub(super) encoded: Vec<u8>,
    pub(super) diagnostics: Vec<tf::Diagnostic>,
    /// The merged inputs, kept for ephemeral renewals.
    pub(super) inputs: Inputs,
}

/// Reads an environment variable of the process.
pub(super) fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl AuthcheckProvider {
    /// A provider not configured yet.
    pub fn new() -> Self {
        AuthcheckProvider {
            configured: Mutex::new(Arc::new(Configured::default())),
            stop: watch::channel(false).0,
            open: Mutex::new(HashMap::new()),
            next_handle: std::sync::atomic::AtomicU64::new(1),
        }
    }

    fn configured(&self) -> Arc<Configured> {
        match self.configured.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Decodes, validates, merges with the provider's inputs, runs the check and encodes the result.
    pub(super) async fn checked(
        &self,
        type_name: &str,
        config: Option<&tf::DynamicValue>,
        object: Object,
    ) -> Result<Done, Vec<tf::Diagnostic>> {
        let place = object.place();
        let mut config = object.decode(type_name, config)?;
        // Decoded once for both the validation and the check.
        let decoded = config::decode(&config, place);
        let mut diagnostics = validate_decoded(&decoded, place);
        let Decoded {
            inputs, unknown, ..
        } = decoded;
        if !unknown.is_empty() {
            let names: Vec<&str> = unknown.iter().map(|i| i.name()).collect();
            diagnostics.push(error(
                "Inputs are not known yet",
                format!(
                    "{} will be known only during apply; Terraform normally defers the {} until then.",
                    names.join(", "),
                    if object == Object::DataSource { "read" } else { "open" }
                ),
                unknown.first().map(|i| diagnostics::path(i.name(), None)),
            ));
        }
        if diagnostics.iter().any(is_error) {
            config::wipe_sensitive(&mut config, place);
            return Err(diagnostics);
        }
        let configured = self.configured();
        let pending: Vec<&str> = configured
            .unknown
            .iter()
            .filter(|input| !config::overrides(&config, **input))
            .map(|input| input.name())
            .collect();
        if !pending.is_empty() {
            config::wipe_sensitive(&mut config, place);
            return Err(vec![error(
                "The provider configuration is not known yet",
                format!(
                    "The provider block's {} depends on values known only during apply, so the credentials cannot be \
                     checked during plan. Use values known at plan time (variables, environment), or set the inputs \
                     on the {}.",
                    pending.join(", "),
                    object.noun()
                ),
                None,
            )]);
        }
        let fail_on_error = inputs.flag(Input::FailOnError).unwrap_or(true);
        let inputs = configured.inputs.clone().overlay(inputs);
        let report = match inputs.clone().resolve(&env_lookup) {
            Ok(request) => match object {
                Object::DataSource => check::run(request, self.stop.subscribe()).await,
                Object::Ephemeral => check::run_for_token(request, self.stop.subscribe()).await,
            },
            Err(report) => *report,
        };
        let mut value = state::state_value(&config, &report, place);
        diagnostics.extend(diagnostics::report_diagnostics(
            &report,
            &config,
            fail_on_error,
            place,
        ));
        let encoded = cty::encode_msgpack(&value, schema::object_type_of(place));
        // The encoded bytes carry what the object must (the ephemeral token); the decoded copies go now.
        config::wipe_sensitive(&mut config, place);
        ephemeral::wipe_token(&mut value);
        config::wipe_sensitive(&mut value, place);
        let encoded = encoded.map_err(|err| {
            vec![error(
                "authcheck produced a value it cannot encode",
                err.to_string(),
                None,
            )]
        })?;
        Ok(Done {
            report,
            encoded,
            diagnostics,
            inputs,
        })
    }
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
        let mut request = request.into_inner();
        let diagnostics = match decode(request.config.as_ref(), Place::Provider, "provider") {
            Ok(mut value) => {
                let diags = validate_config(&value, Place::Provider);
                config::wipe_sensitive(&mut value, Place::Provider);
                diags
            }
            Err(diag) => vec![diag],
        };
        wipe_dynamic(&mut request.config);
        Ok(Response::new(tf::validate_provider_config::Response {
            diagnostics,
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<tf::validate_data_resource_config::Request>,
    ) -> Result<Response<tf::validate_data_resource_config::Response>, Status> {
        Ok(Response::new(data_source::validate(request.into_inner())))
    }

    async fn configure_provider(
        &self,
        request: Request<tf::configure_provider::Request>,
    ) -> Result<Response<tf::configure_provider::Response>, Status> {
        let mut request = request.into_inner();
        let decoded = decode(request.config.as_ref(), Place::Provider, "provider");
        wipe_dynamic(&mut request.config);
        let mut value = match decoded {
            Ok(value) => value,
            Err(diag) => {
                return Ok(Response::new(tf::configure_provider::Response {
                    diagnostics: vec![diag],
                }));
            }
        };
        let decoded = config::decode(&value, Place::Provider);
        config::wipe_sensitive(&mut value, Place::Provider);
        let diagnostics = diagnostics::decode_problems(&decoded.problems, Place::Provider);
        let configured = Arc::new(Configured {
            inputs: decoded.inputs,
            unknown: decoded.unknown,
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
        Ok(Response::new(
            data_source::read(self, request.into_inner()).await,
        ))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<tf::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<tf::validate_ephemeral_resource_config::Response>, Status> {
        Ok(Response::new(ephemeral::validate(request.into_inner())))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<tf::open_ephemeral_resource::Request>,
    ) -> Result<Response<tf::open_ephemeral_resource::Response>, Status> {
        Ok(Response::new(
            ephemeral::open(self, request.into_inner()).await,
        ))
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<tf::renew_ephemeral_resource::Request>,
    ) -> Result<Response<tf::renew_ephemeral_resource::Response>, Status> {
        Ok(Response::new(
            ephemeral::renew(self, request.into_inner()).await,
        ))
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<tf::close_ephemeral_resource::Request>,
    ) -> Result<Response<tf::close_ephemeral_resource::Response>, Status> {
        Ok(Response::new(ephemeral::close(self, request.into_inner())))
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
