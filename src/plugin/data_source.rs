//! `data "authcheck_client_credentials"`: validated at plan, read once per plan (or during apply when an input
//! is unknown), its outcome stored in state without the secret or the token.

use super::proto::tfplugin6 as tf;
use super::provider::{AuthcheckProvider, Object, validate_config, wipe_dynamic};

/// ValidateDataResourceConfig.
pub fn validate(
    mut request: tf::validate_data_resource_config::Request,
) -> tf::validate_data_resource_config::Response {
    let diagnostics = match Object::DataSource.decode(&request.type_name, request.config.as_ref()) {
        Ok(value) => validate_config(&value, Object::DataSource.place()),
        Err(diags) => diags,
    };
    wipe_dynamic(&mut request.config);
    tf::validate_data_resource_config::Response { diagnostics }
}

/// ReadDataSource: the check, its outcome as state, and its diagnostics.
pub async fn read(
    provider: &AuthcheckProvider,
    mut request: tf::read_data_source::Request,
) -> tf::read_data_source::Response {
    let done = provider
        .checked(
            &request.type_name,
            request.config.as_ref(),
            Object::DataSource,
        )
        .await;
    wipe_dynamic(&mut request.config);
    let (state, diagnostics) = match done {
        Ok(done) => (Some(done.encoded), done.diagnostics),
        Err(diagnostics) => (None, diagnostics),
    };
    tf::read_data_source::Response {
        state: state.map(|msgpack| tf::DynamicValue {
            msgpack,
            json: Vec::new(),
        }),
        diagnostics,
        deferred: None,
    }
}
