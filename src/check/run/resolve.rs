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
    use crate::check::inputs::given::Given;
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

    fn token_url(inputs: Inputs, env: &dyn Fn(&str) -> Option<String>) -> String {
        let request = match inputs
            .with_text(Input::ClientId, "3f2a9c1e-8d7b-4c6a-9e5f-0a1b2c3d4e5f")
            .with(
                Input::ClientSecret,
                Given::Secret(
                    crate::check::base::secret::Secret::new("s3cr3t"),
                    crate::check::inputs::request::SecretOrigin::Input(Input::ClientSecret),
                ),
            )
            .resolve(env)
        {
            Ok(request) => request,
            Err(report) => panic!("refused: {}", report.summary_in(&Plain)),
        };
        match request.endpoint {
            crate::check::inputs::request::Endpoint::Derived(derived) => derived.url,
            crate::check::inputs::request::Endpoint::TokenUrl(url)
            | crate::check::inputs::request::Endpoint::Issuer(url) => url,
        }
    }

    #[test]
    fn authcheck_genesys_login_url_points_a_genesys_check_elsewhere_and_selects_nothing_alone() {
        let env = |name: &str| match name {
            "AUTHCHECK_GENESYS_LOGIN_URL" => Some("https://login.gateway.example/".to_string()),
            "AUTHCHECK_GENESYS_API_URL" => Some("   ".to_string()),
            _ => None,
        };
        let region = Inputs::new().with_text(Input::GenesysRegion, "eu-west-1");
        assert_eq!(
            token_url(region, &env),
            "https://login.gateway.example/oauth/token"
        );
        // The region from GENESYSCLOUD_REGION makes it a Genesys check too.
        let from_env = |name: &str| match name {
            "GENESYSCLOUD_REGION" => Some("eu-west-1".to_string()),
            other => env(other),
        };
        assert_eq!(
            token_url(Inputs::new(), &from_env),
            "https://login.gateway.example/oauth/token"
        );
        // Alone it names no endpoint: a check of another server is not made a Genesys one.
        let other = Inputs::new().with_text(Input::TokenUrl, "https://idp.example/token");
        assert_eq!(token_url(other, &env), "https://idp.example/token");
        // A host given as an input wins over the variable.
        let given = Inputs::new()
            .with_text(Input::GenesysRegion, "eu-west-1")
            .with_text(Input::GenesysLoginUrl, "https://login.given.example");
        assert_eq!(
            token_url(given, &env),
            "https://login.given.example/oauth/token"
        );
    }

    #[test]
    fn authcheck_entra_login_url_points_an_entra_check_elsewhere() {
        let env = |name: &str| match name {
            "AUTHCHECK_ENTRA_LOGIN_URL" => Some("https://login.entra.test".to_string()),
            _ => None,
        };
        let tenant = Inputs::new().with_text(Input::EntraTenantId, "contoso.onmicrosoft.com");
        assert_eq!(
            token_url(tenant, &env),
            "https://login.entra.test/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }
}
