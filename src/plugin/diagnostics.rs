//! Terraform's side of a report: diagnostics in Terraform's words (attribute names, HCL assignments), pointed
//! at the attribute to blame.

use super::cty::Value;
use super::proto::tfplugin6 as tf;
use crate::check::inputs::validate::Problem;
use crate::check::report::words::{Vocabulary, Words, hcl_assign, one_of};
use crate::check::{Report, Status};
use crate::surface::{self, Group, Input, Place};

/// How Terraform users name inputs: attribute names of the object they write (the provider block's for inputs
/// only it takes), and HCL assignments.
#[derive(Debug, Clone, Copy)]
pub struct TerraformWords {
    /// The object whose diagnostics these are.
    pub object: Place,
}

impl TerraformWords {
    /// True when `input` is set in the provider block, not in the object these diagnostics are about.
    fn provider_only(&self, input: Input) -> bool {
        let row = surface::input(input);
        self.object != Place::Provider
            && !row.places.has(self.object)
            && row.places.has(Place::Provider)
    }
}

impl Vocabulary for TerraformWords {
    fn name(&self, input: Input) -> String {
        if self.provider_only(input) {
            format!("{} (in the provider block)", input.name())
        } else {
            input.name().to_string()
        }
    }

    fn place(&self, input: Input) -> String {
        if self.provider_only(input) {
            format!("the {} attribute in the provider block", input.name())
        } else {
            format!("the {} attribute", input.name())
        }
    }

    fn assign(&self, input: Input, value: &str) -> String {
        if self.provider_only(input) {
            format!("{} in the provider block", hcl_assign(input, value))
        } else {
            hcl_assign(input, value)
        }
    }

    fn group(&self, group: Group) -> String {
        match group {
            Group::SecretSource => {
                let here: Vec<&str> = surface::group_members(group)
                    .filter(|row| row.places.has(self.object))
                    .map(|row| row.name)
                    .collect();
                let mut phrase = one_of(&here);
                if self.object == Place::DataSource {
                    phrase.push_str(
                        " (a data source has no client_secret argument: Terraform stores data source arguments \
                         in state)",
                    );
                }
                if self.object != Place::Provider {
                    phrase.push_str(", or the provider block's client_secret");
                }
                phrase
            }
            other => {
                let names: Vec<&str> = surface::group_members(other)
                    .filter(|row| row.places.has(self.object))
                    .map(|row| row.name)
                    .collect();
                one_of(&names)
            }
        }
    }
}

/// Builds a diagnostic, optionally pointing at one attribute path.
pub fn diagnostic(
    severity: tf::diagnostic::Severity,
    summary: impl Into<String>,
    detail: impl Into<String>,
    attribute: Option<tf::AttributePath>,
) -> tf::Diagnostic {
    tf::Diagnostic {
        severity: severity as i32,
        summary: summary.into(),
        detail: detail.into(),
        attribute,
    }
}

/// An error diagnostic.
pub fn error(
    summary: impl Into<String>,
    detail: impl Into<String>,
    attribute: Option<tf::AttributePath>,
) -> tf::Diagnostic {
    diagnostic(tf::diagnostic::Severity::Error, summary, detail, attribute)
}

/// True when a diagnostic is an error.
pub fn is_error(diagnostic: &tf::Diagnostic) -> bool {
    diagnostic.severity == tf::diagnostic::Severity::Error as i32
}

/// The path of a top-level attribute, and of one list element when `index` is given.
pub fn path(name: &str, index: Option<usize>) -> tf::AttributePath {
    use tf::attribute_path::step::Selector;
    let mut steps = vec![tf::attribute_path::Step {
        selector: Some(Selector::AttributeName(name.to_string())),
    }];
    if let Some(index) = index {
        steps.push(tf::attribute_path::Step {
            selector: Some(Selector::ElementKeyInt(i64::try_from(index).unwrap_or(0))),
        });
    }
    tf::AttributePath { steps }
}

/// Input problems as error diagnostics on their attributes.
pub fn problems(found: &[Problem], object: Place) -> Vec<tf::Diagnostic> {
    let words = TerraformWords { object };
    found
        .iter()
        .map(|problem| {
            error(
                problem.summary.render(&words),
                problem.detail.render(&words),
                surface::input(problem.input)
                    .places
                    .has(object)
                    .then(|| path(problem.input.name(), problem.index)),
            )
        })
        .collect()
}

/// Diagnostics for what decoding a configuration of `object` refused: (input, summary, detail), each pointed
/// at its attribute.
pub fn decode_problems(found: &[(Input, Words, Words)], object: Place) -> Vec<tf::Diagnostic> {
    let words = TerraformWords { object };
    found
        .iter()
        .map(|(input, summary, detail)| {
            error(
                summary.render(&words),
                detail.render(&words),
                Some(path(input.name(), None)),
            )
        })
        .collect()
}

/// The attribute of the configuration to point a diagnostic at: the blamed input when this configuration sets
/// it; for the secret, whichever secret source it sets.
fn blamed_attribute(blame: Option<Input>, config: &Value) -> Option<tf::AttributePath> {
    let set = |name: &str| config.get(name).is_some_and(|v| !v.is_null());
    let blame = blame?;
    let row = surface::input(blame);
    if set(row.name) {
        return Some(path(row.name, None));
    }
    let fallback: &[Input] = match blame {
        Input::ClientSecret | Input::ClientSecretEnv | Input::ClientSecretFile => &[
            Input::ClientSecretEnv,
            Input::ClientSecretFile,
            Input::ClientSecret,
        ],
        Input::GenesysRegion => &[Input::GenesysLoginUrl],
        _ => &[],
    };
    fallback
        .iter()
        .map(|input| input.name())
        .find(|name| set(name))
        .map(|name| path(name, None))
}

/// Diagnostics for a finished check: the failure (error or warning) and any warnings along the way.
pub fn report_diagnostics(
    report: &Report,
    config: &Value,
    fail_on_error: bool,
    object: Place,
) -> Vec<tf::Diagnostic> {
    let words = TerraformWords { object };
    let mut diags = Vec::new();
    if !report.valid {
        let severity = if fail_on_error {
            tf::diagnostic::Severity::Error
        } else {
            tf::diagnostic::Severity::Warning
        };
        let mut detail = format!(
            "{}\n\nreason: {}",
            report.detail_in(&words),
            report.reason.code()
        );
        if !fail_on_error {
            detail.push_str(" (fail_on_error = false, so the plan goes on; valid = false)");
        }
        diags.push(diagnostic(
            severity,
            report.summary_in(&words),
            detail,
            blamed_attribute(report.blame, config),
        ));
    }
    let warnings: Vec<String> = report
        .findings
        .checks
        .iter()
        .filter(|item| item.status == Status::Warn)
        .map(|item| format!("- {}: {}", item.name(), item.detail.render(&words)))
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::check::report::Findings;
    use crate::check::report::words::Assign;
    use crate::check::{Diagnosis, Outcome, Reason};
    use crate::words;

    fn config(set: &[(&str, &str)]) -> Value {
        Value::Object(
            set.iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn where_a_value_was_given_is_an_attribute_of_this_object_or_of_the_provider_block() {
        let place = |object| {
            words![crate::check::report::words::Place(Input::ClientSecret)]
                .render(&TerraformWords { object })
        };
        assert_eq!(
            place(Place::DataSource),
            "the client_secret attribute in the provider block"
        );
        assert_eq!(place(Place::Provider), "the client_secret attribute");
        assert_eq!(place(Place::Ephemeral), "the client_secret attribute");
    }

    #[test]
    fn terraform_words_name_attributes_and_the_provider_blocks_own() {
        let words = TerraformWords {
            object: Place::DataSource,
        };
        let sentence = words![
            "set ",
            Assign(Input::AllowHttp, "true".into()),
            ", raise ",
            Input::TimeoutSeconds,
            ", fix ",
            Input::ClientId,
            "; give the secret by ",
            Group::SecretSource
        ]
        .render(&words);
        assert!(
            sentence.starts_with(
                "set allow_http = true in the provider block, raise timeout_seconds (in the provider block), \
                 fix client_id"
            ),
            "{sentence}"
        );
        assert!(
            sentence.contains("client_secret_env or client_secret_file"),
            "{sentence}"
        );
    }

    #[test]
    fn a_failure_points_at_the_secret_source_the_data_source_sets() {
        let mut found = Findings::default();
        found.push(
            crate::check::report::Step::TokenRequest,
            Status::Fail,
            "rejected",
        );
        let report = found.conclude(
            Outcome::new(
                Reason::InvalidSecret,
                words!["rejected the client secret"],
                Diagnosis::note(words!["Copy the secret into ", Input::ClientSecretEnv]),
            )
            .blaming(Input::ClientSecret),
        );
        let diags = report_diagnostics(
            &report,
            &config(&[("client_secret_env", "X")]),
            true,
            Place::DataSource,
        );
        assert_eq!(diags.len(), 1);
        assert!(is_error(&diags[0]));
        assert_eq!(diags[0].attribute, Some(path("client_secret_env", None)));
        assert!(
            diags[0].detail.ends_with("reason: invalid_secret"),
            "{}",
            diags[0].detail
        );
        let warning = report_diagnostics(&report, &config(&[]), false, Place::DataSource);
        assert!(!is_error(&warning[0]));
        assert_eq!(warning[0].attribute, None);
    }
}
