//! A finished check as the object Terraform stores (data source) or hands on (ephemeral resource): the
//! configuration echoed, then every output of the surface table from the report.

use std::collections::BTreeMap;

use super::cty::{Number, Value};
use super::diagnostics::TerraformWords;
use super::schema;
use crate::check::Report;
use crate::check::report::values::OutValue;
use crate::surface::{self, Place};

fn encode(value: OutValue) -> Value {
    match value {
        OutValue::Bool(b) => Value::Bool(b),
        OutValue::Text(text) => text.map_or(Value::Null, Value::String),
        // The one copy outside a secret type: the ephemeral resource wipes it once encoded (`wipe_token`).
        OutValue::Secret(secret) => {
            secret.map_or(Value::Null, |s| Value::String(s.expose().to_string()))
        }
        OutValue::Int(n) => n.map_or(Value::Null, |n| Value::Number(Number::Int(n))),
        OutValue::List(items) => Value::List(items.into_iter().map(Value::String).collect()),
        OutValue::Checks(items) => Value::List(
            items
                .into_iter()
                .map(|row| {
                    Value::Object(
                        row.fields()
                            .into_iter()
                            .map(|(key, text)| (key.to_string(), Value::String(text)))
                            .collect(),
                    )
                })
                .collect(),
        ),
    }
}

/// The object for `object` (data source or ephemeral resource): inputs as configured, outputs from the report.
/// An attribute that is both (`token_url`) keeps the configured value when there is one, as Terraform requires.
pub fn state_value(config: &Value, report: &Report, object: Place) -> Value {
    let words = TerraformWords { object };
    let mut fields = BTreeMap::new();
    for attr in schema::attrs_in(object) {
        if attr.role != schema::Role::Computed {
            fields.insert(
                attr.name.to_string(),
                config.get(attr.name).cloned().unwrap_or(Value::Null),
            );
        }
    }
    for row in surface::outputs_in(object) {
        let configured = fields.get(row.name).is_some_and(|v| !v.is_null());
        if !configured {
            fields.insert(
                row.name.to_string(),
                encode(report.output(row.output, &words)),
            );
        }
    }
    Value::Object(fields)
}
