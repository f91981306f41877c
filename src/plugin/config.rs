//! Terraform configuration values into the engine's [`Inputs`], driven by the surface table: known values are
//! decoded by their kind, unknown ones are listed (never guessed), and sensitive strings are wiped after use.

use super::cty::{Number, Value};
use crate::check::{Given, Inputs, Secret, SecretOrigin, Words};
use crate::surface::{self, Input, Kind, Place};
use crate::words;

/// What one configuration level holds.
#[derive(Debug, Default)]
pub struct Decoded {
    /// The known inputs.
    pub inputs: Inputs,
    /// Inputs whose values are not known until apply.
    pub unknown: Vec<Input>,
    /// Values that cannot be inputs (a fractional count): (input, summary, detail).
    pub problems: Vec<(Input, Words, Words)>,
}

/// A cty number as a whole number, when it is one.
pub fn whole_number(number: &Number) -> Option<i64> {
    match number {
        Number::Int(n) => Some(*n),
        other => other
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            .map(|f| f as i64),
    }
}

/// Decodes the inputs `place` takes from a configuration object.
pub fn decode(config: &Value, place: Place) -> Decoded {
    let mut decoded = Decoded::default();
    for row in surface::inputs_in(place) {
        let value = config.get(row.name).unwrap_or(&Value::Null);
        if value.contains_unknown() {
            decoded.unknown.push(row.input);
            continue;
        }
        if value.is_null() {
            continue;
        }
        let given = match row.kind {
            Kind::Bool => value.as_bool().map(Given::Bool),
            Kind::Int { .. } => match value.as_number().map(whole_number) {
                Some(Some(n)) => Some(Given::Int(n)),
                Some(None) => {
                    decoded.problems.push((
                        row.input,
                        words![row.input, " must be a whole number"],
                        words![
                            row.input,
                            " counts whole units; fractions are not accepted."
                        ],
                    ));
                    None
                }
                None => None,
            },
            Kind::Tokens => value.elements().map(|items| {
                Given::List(
                    items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                )
            }),
            Kind::SecretText => value
                .as_str()
                .map(|text| Given::Secret(Secret::new(text), SecretOrigin::Input(row.input))),
            Kind::Text | Kind::Url | Kind::Choice(_) | Kind::Pem | Kind::EnvName | Kind::Path => {
                value.as_str().map(|text| Given::Text(text.to_string()))
            }
        };
        if let Some(given) = given {
            decoded.inputs.set(row.input, given);
        }
    }
    decoded
}

/// Zeroes the sensitive strings of a configuration object once they have been decoded (or echoed).
pub fn wipe_sensitive(config: &mut Value, place: Place) {
    if let Value::Object(object) = config {
        for row in surface::inputs_in(place).filter(|row| row.sensitive) {
            if let Some(Value::String(text)) = object.get_mut(row.name) {
                crate::check::base::secret::wipe(text);
            }
        }
    }
}

/// True when the configuration sets `input`, or, for a grouped input, any input of its group: a data source
/// that names its own endpoint does not depend on the provider block's.
pub fn overrides(config: &Value, input: Input) -> bool {
    let set = |name: &str| config.get(name).is_some_and(|v| !v.is_null());
    let row = surface::input(input);
    match row.group {
        surface::Group::None => set(row.name),
        group => surface::group_members(group).any(|member| set(member.name)),
    }
}
