//! From the faces' inputs to a check: the input rules (every face runs them), the vendor whose endpoint the
//! inputs name (the inputs first, then the environment its Terraform provider reads), the credential that
//! vendor's environment names, the generic request, and the vendor's own settings.

use crate::check::inputs::env::{Env, refuse};
use crate::check::inputs::given::Inputs;
use crate::check::inputs::request::{CheckRequest, Note};
use crate::check::inputs::validate::{self, Problem};
use crate::check::report::{Report, Status, Step};
use crate::check::vendors::registry;

/// Every problem with one level's inputs: each input by the generic rules, then each vendor's rules for its
/// own inputs, then the conflicts between inputs.
pub fn validate(inputs: &Inputs) -> Vec<Problem> {
    let mut problems = validate::rows(inputs);
    problems.extend(registry::validate(inputs));
    problems.extend(validate::conflicts(inputs));
    problems
}

impl Inputs {
    /// Resolves these inputs, with environment fallbacks, into a runnable request; or a report saying what is
    /// wrong. Runs the same input rules every face runs first.
    pub fn resolve(mut self, env: Env<'_>) -> Result<CheckRequest, Box<Report>> {
        if let Some(problem) = validate(&self).into_iter().next() {
            return Err(refuse(problem.input, problem.summary, problem.detail));
        }
        let (vendor, selected) = registry::select(&self, env)?;
        let adopted = vendor.adopt(&mut self, env);
        let mut request = if vendor.is_oauth_client() {
            self.request(env, selected.endpoint, &adopted)?
        } else {
            self.bare_request(selected.endpoint)
        };
        let mut settings = selected.settings;
        registry::own_inputs(&self, env, &mut settings)?;
        if request.scopes.is_empty() {
            request.scopes = vendor.default_scopes(&settings);
        }
        request.vendor = settings;
        let notes = [
            (Step::Endpoint, Status::Warn, selected.note),
            (Step::Inputs, Status::Pass, adopted.note),
            (Step::Inputs, Status::Warn, adopted.warning),
        ];
        request.notes = notes
            .into_iter()
            .filter_map(|(step, status, words)| {
                words.map(|words| Note {
                    step,
                    status,
                    words,
                })
            })
            .collect();
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::report::words::Plain;
    use crate::surface::Input;

    #[test]
    fn every_face_runs_the_vendors_input_rules_between_the_generic_ones_and_the_conflicts() {
        let inputs = Inputs::new()
            .with_text(Input::GenesysRegion, "eu-west1")
            .with_text(Input::TokenUrl, "https://idp.example/token");
        let problems: Vec<String> = validate(&inputs)
            .iter()
            .map(|p| p.summary.render(&Plain))
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("did you mean eu-west-1"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("Conflicting endpoint inputs"),
            "{problems:?}"
        );
    }
}
