//! Holding a Genesys token to what its organisation said about itself: facts for the report, warnings, and
//! `expected_organization`.

use crate::check::exchange::interpret::short;
use crate::check::inputs::request::CheckRequest;
use crate::check::report::Step;
use crate::check::report::{Findings, Line, Outcome, Reason, Status};
use crate::check::vendors::genesys::api::{OrgFacts, OrgMatch, match_expected};
use crate::surface::Input;
use crate::words;

/// Adds what Genesys Cloud says about the organisation to the findings, and holds the outcome to
/// `expected_organization`.
pub fn apply(request: &CheckRequest, found: &mut Findings, outcome: &mut Outcome, facts: OrgFacts) {
    found.organization_id = facts.organization_id.clone();
    found.organization_name = facts.organization_name.clone();
    found.client_name = facts.client_name.clone();
    // Who the credentials are, as Genesys Cloud names them: the OAuth client's name.
    found.principal = facts.client_name.clone();
    if !facts.notes.is_empty() {
        outcome
            .diagnosis
            .push(Line::Fact("Organisation", words![facts.notes.join("; ")]));
    }
    for warning in &facts.warnings {
        found.push(Step::Organization, Status::Warn, warning.clone());
    }
    if let Some(id) = &facts.client_id
        && !id.eq_ignore_ascii_case(&request.client_id)
    {
        found.push(
            Step::Organization,
            Status::Warn,
            format!(
                "the token belongs to OAuth client {id}, not to the client id sent ({})",
                request.client_id
            ),
        );
    }
    let Some(expected) = &request.expected_organization else {
        if facts.warnings.is_empty() && facts.organization_id.is_some() {
            found.push(
                Step::Organization,
                Status::Pass,
                facts.notes.first().cloned().unwrap_or_default(),
            );
        }
        return;
    };
    match match_expected(expected, &facts) {
        OrgMatch::Matches => found.push(
            Step::Organization,
            Status::Pass,
            words![
                "organisation matches ",
                Input::ExpectedOrganization,
                format!(" {expected:?}")
            ],
        ),
        OrgMatch::Unknown(why) => found.push(
            Step::Organization,
            Status::Warn,
            words![
                "could not verify ",
                Input::ExpectedOrganization,
                format!(" {expected:?}: {why}")
            ],
        ),
        OrgMatch::Mismatch { expected, actual } => {
            let summary = words![format!(
                "Client {} belongs to Genesys Cloud organisation {actual}, not {expected}",
                short(&request.client_id)
            )];
            found.push(Step::Organization, Status::Fail, summary.clone());
            if outcome.reason == Reason::Ok {
                outcome.diagnosis.push(Line::Fact(
                    "Expected organisation",
                    words![expected.clone()],
                ));
                outcome
                    .diagnosis
                    .push(Line::Fact("Actual organisation", words![actual]));
                outcome.diagnosis.push(Line::Meaning(words![
                    "the credentials work, but for another organisation: a pipeline holding staging credentials \
                     for production, or the reverse."
                ]));
                outcome.diagnosis.set_fix(words![
                    format!("give this pipeline the credentials of an OAuth client in {expected}, or correct "),
                    Input::ExpectedOrganization,
                    "."
                ]);
                outcome.reason = Reason::WrongOrganization;
                outcome.summary = summary;
                outcome.blame = Some(Input::ExpectedOrganization);
            }
        }
    }
}
