//! After an Entra ID token: does the service principal have a role on the subscription the pipeline deploys to?
//! One `GET /subscriptions/{id}` on Resource Manager answers it (facts: machine-credentials.md section 6): 200
//! yes; 403 `AuthorizationFailed` no role; 404 `SubscriptionNotFound` a wrong id or another tenant's subscription;
//! 401 `InvalidAuthenticationTokenTenant` a token of another tenant.

use crate::check::report::PermissionsSource;
use tokio::time::Instant;

use crate::check::base::heard::{Quoted, Scrubber};
use crate::check::base::http;
use crate::check::base::secret::Secret;
use crate::check::endpoint::transport;
use crate::check::exchange::interpret::short;
use crate::check::inputs::request::CheckRequest;
use crate::check::report::Step;
use crate::check::report::{Findings, Line, Outcome, Reason, Status};
use crate::surface::Input;
use crate::words;

/// The Azure RBAC action a subscription read needs; the least a role on the subscription grants.
pub const SUBSCRIPTION_READ: &str = "Microsoft.Resources/subscriptions/read";

/// Resource Manager's API version for the subscription read (any GA version answers the same).
const API_VERSION: &str = "2022-12-01";

/// What Resource Manager said about the subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    /// The principal can read it: its display name, when given.
    Readable(Option<Quoted>),
    /// 403: no role on it. The server's code and message, scrubbed.
    NoRole(String),
    /// 404: no such subscription in the token's tenant.
    NotFound(String),
    /// 401 for a token of another tenant.
    OtherTenant(String),
    /// Anything else: why the question has no answer.
    Unknown(String),
}

/// The subscription's URL on Resource Manager at `base`.
pub fn url(base: &str, id: &str) -> String {
    format!("{base}/subscriptions/{id}?api-version={API_VERSION}")
}

/// Asks Resource Manager at `base` for subscription `id` with `access_token`, by `deadline`.
pub async fn read(
    client: &reqwest::Client,
    base: &str,
    id: &str,
    access_token: &Secret,
    deadline: Instant,
    scrub: &Scrubber,
) -> Subscription {
    let Some(headers) = http::bearer(access_token) else {
        return Subscription::Unknown("the token cannot be sent in an HTTP header".into());
    };
    let url = url(base, id);
    let answer = match tokio::time::timeout_at(deadline, http::get(client, &url, headers)).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(err)) => {
            return Subscription::Unknown(format!(
                "GET {base}/subscriptions/{id} failed: {}",
                transport::describe(&err, scrub)
            ));
        }
        Err(_) => {
            return Subscription::Unknown(
                "Resource Manager did not answer within the time budget".into(),
            );
        }
    };
    let body = answer.json();
    let error = |key: &str| {
        body.as_ref()
            .and_then(|b| b.get("error"))
            .and_then(|e| e.field(key))
            .map(|t| scrub.quote(&t, 300).into_string())
            .unwrap_or_default()
    };
    let said = format!("{} {}", error("code"), error("message"))
        .trim()
        .to_string();
    match (answer.status, error("code").as_str()) {
        (200..=299, _) => Subscription::Readable(
            body.as_ref()
                .and_then(|b| b.text("displayName"))
                .map(|n| scrub.quote(&n, 100)),
        ),
        (403, _) => Subscription::NoRole(said),
        (404, _) => Subscription::NotFound(said),
        (401, "InvalidAuthenticationTokenTenant") => Subscription::OtherTenant(said),
        (status, _) => Subscription::Unknown(format!("HTTP {status} {said}").trim().to_string()),
    }
}

/// Adds the subscription step and, for a token that was issued, the failure it means.
pub fn apply(
    request: &CheckRequest,
    id: &str,
    found: &mut Findings,
    outcome: &mut Outcome,
    answer: Subscription,
) {
    let client = short(&request.client_id);
    found.permissions_source = PermissionsSource::Rbac;
    let fail = |outcome: &mut Outcome, reason, summary: String, lines: Vec<Line>| {
        if outcome.reason != Reason::Ok {
            return;
        }
        outcome
            .diagnosis
            .lines
            .retain(|l| !matches!(l, Line::Fix(_)));
        outcome.diagnosis.lines.extend(lines);
        outcome.reason = reason;
        outcome.summary = words![summary];
        outcome.blame = Some(Input::AzureSubscriptionId);
    };
    match answer {
        Subscription::Readable(name) => {
            found.push(
                Step::Subscription,
                Status::Pass,
                format!(
                    "the service principal has a role on subscription {}{id}",
                    name.map(|n| format!("{n} ")).unwrap_or_default()
                ),
            );
            // The subscription the principal acts in, once its role there is confirmed.
            found.account_id = Some(crate::check::base::heard::Scrubber::default().quote_text(id, 100));
        }
        Subscription::NoRole(said) => {
            let summary = format!("Service principal {client} has no role on subscription {id}");
            found.push(Step::Subscription, Status::Fail, summary.clone());
            found.missing_permissions = vec![SUBSCRIPTION_READ.to_string()];
            fail(outcome, Reason::MissingPermissions, summary, vec![
                Line::Fact("Resource Manager said", words![format!("HTTP 403 {said}")]),
                Line::Meaning(words![
                    "the credentials work, but Azure Resource Manager refuses this principal on the subscription: \
                     azurerm stops when it reads it, or the apply fails with 403 AuthorizationFailed."
                ]),
                Line::Fix(words![format!(
                    "assign the app's service principal a role on the subscription (Reader to plan, Contributor or \
                     a narrower role to deploy), e.g. az role assignment create --assignee {} --role Contributor \
                     --scope /subscriptions/{id}; a new assignment can take a few minutes to apply.",
                    request.client_id
                )]),
            ]);
        }
        Subscription::NotFound(said) => {
            let summary = format!("Subscription {id} is not visible to service principal {client}");
            found.push(Step::Subscription, Status::Fail, summary.clone());
            fail(outcome, Reason::WrongOrganization, summary, vec![
                Line::Fact("Resource Manager said", words![format!("HTTP 404 {said}")]),
                Line::Causes(vec![
                    words!["a typo in ", Input::AzureSubscriptionId, " (or ARM_SUBSCRIPTION_ID)"],
                    words![
                        "the subscription belongs to another tenant than ",
                        Input::EntraTenantId,
                        ": staging credentials for production, or the reverse"
                    ],
                ]),
                Line::Fix(words![
                    "copy the subscription ID from its Overview page, and the tenant ID from the same page \
                     (Parent management group / Directory) into ",
                    Input::EntraTenantId,
                    "."
                ]),
            ]);
        }
        Subscription::OtherTenant(said) => {
            let summary = format!("Subscription {id} belongs to another tenant than the token of {client}");
            found.push(Step::Subscription, Status::Fail, summary.clone());
            fail(outcome, Reason::WrongOrganization, summary, vec![
                Line::Fact("Resource Manager said", words![format!("HTTP 401 {said}")]),
                Line::Fix(words![
                    "set ",
                    Input::EntraTenantId,
                    " to the subscription's tenant (named in Resource Manager's answer above), with an app \
                     registered there."
                ]),
            ]);
        }
        Subscription::Unknown(why) => found.push(
            Step::Subscription,
            Status::Warn,
            words![
                format!("could not check subscription {id}: {why}; the token must be for Resource Manager ("),
                Input::Scopes,
                " empty or https://management.azure.com/.default)"
            ],
        ),
    }
}
