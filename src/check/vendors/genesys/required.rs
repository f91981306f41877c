//! Holding a Genesys Cloud client to the permissions its pipeline needs: the `permissions` step, the outputs
//! `missing_permissions` and `permissions_source`, and reason `missing_permissions` (or `unverifiable` when
//! `strict` asks for what cannot be verified to fail).

use crate::check::exchange::interpret::short;
use crate::check::inputs::request::CheckRequest;
use crate::check::report::PermissionsSource;
use crate::check::report::Step;
use crate::check::report::words::{Assign, Words};
use crate::check::report::{Findings, Line, Outcome, Reason, Status};
use crate::check::vendors::genesys::grants::PermissionFinding;
use crate::check::vendors::genesys::permissions::{Requirement, table};
use crate::check::vendors::genesys::settings::Settings;
use crate::surface::Input;
use crate::words;

/// The permissions that could read the client's own grants: either lets the check read instead of probe.
const SELF_INSPECTION: &str = "authorization:grant:view or authorization:role:view";

/// What a requirement asks for, in one line: `routing:queue:view`, `one of a, b` or `each of a, b`.
fn asks(requirement: &Requirement) -> String {
    match (requirement.perms.len(), requirement.any) {
        (1, _) => requirement.perms.join(""),
        (_, true) => format!("one of {}", requirement.perms.join(", ")),
        (_, false) => format!("each of {}", requirement.perms.join(", ")),
    }
}

/// A requirement for the report: who needs what, and for which call.
fn described(requirement: &Requirement) -> Words {
    // A permission required by name is its own subject: say it once.
    let mut line = if requirement.perms == [requirement.subject.clone()] {
        requirement.subject.clone()
    } else {
        format!("{}: {}", requirement.subject, asks(requirement))
    };
    if let Some(endpoint) = &requirement.endpoint {
        line.push_str(&format!(" (for {endpoint})"));
    }
    words![line]
}

/// Up to three permissions and how many more, for a one-line summary (the full list is an output).
fn first_few(permissions: &[String]) -> String {
    match permissions.len() {
        0..=3 => permissions.join(", "),
        n => format!("{} and {} more", permissions[..3].join(", "), n - 3),
    }
}

/// The input to blame: `required_permissions` when a requirement came from it, else `genesys_resources`.
fn blamed(requirements: &[&Requirement]) -> Input {
    if requirements.iter().any(|r| r.endpoint.is_none()) {
        Input::RequiredPermissions
    } else {
        Input::GenesysResources
    }
}

/// Adds the permission step to the findings and, when a check that issued a token finds a permission
/// missing (or unverifiable under `strict`), turns the outcome into that failure.
pub fn apply(
    request: &CheckRequest,
    settings: &Settings,
    found: &mut Findings,
    outcome: &mut Outcome,
    finding: PermissionFinding,
) {
    if settings.required_permissions.is_empty() {
        return;
    }
    let source = finding.source.unwrap_or(PermissionsSource::Unknown);
    found.permissions_source = source;
    found.missing_permissions = finding.to_grant();
    let client = short(&request.client_id);

    if !finding.missing.is_empty() {
        not_granted(&finding, source, &client, found, outcome);
    } else if !finding.unverified.is_empty() {
        not_verified(request.strict, &finding, &client, found, outcome);
    } else {
        let count = settings.required_permissions.len();
        found.push(
            Step::Permissions,
            Status::Pass,
            format!(
                "every required permission held ({count} requirement{}, read from {})",
                if count == 1 { "" } else { "s" },
                source.code()
            ),
        );
    }
    notes(&finding, source, &settings.permission_caveats, outcome);
}

/// Permissions missing: a failing step and, when the check had passed, the failure that names them.
fn not_granted(
    finding: &PermissionFinding,
    source: PermissionsSource,
    client: &str,
    found: &mut Findings,
    outcome: &mut Outcome,
) {
    let version = table().map_or("(unreadable)", |t| t.provider_version.as_str());
    let grant = finding.to_grant();
    let summary = words![format!(
        "Genesys Cloud client {client} lacks permission{} {} the pipeline needs",
        if grant.len() == 1 { "" } else { "s" },
        first_few(&grant)
    )];
    found.push(
        Step::Permissions,
        Status::Fail,
        words![summary.clone(), format!(" (read from {})", source.code())],
    );
    if outcome.reason == Reason::Ok {
        let missing: Vec<&Requirement> = finding.missing.iter().map(|(r, _)| r).collect();
        let lines = &mut outcome.diagnosis.lines;
        lines.retain(|line| !matches!(line, Line::Fix(_)));
        lines.push(Line::List(
            "Not granted",
            missing.iter().map(|r| described(r)).collect(),
        ));
        lines.push(Line::Fact(
            "Permissions read from",
            words![format!(
                "{} (requirements from the genesyscloud provider {version} table)",
                source.code()
            )],
        ));
        lines.push(Line::Meaning(words![
            "the credentials work and a token is issued, but the Genesys Cloud API will answer these calls \
             with 403 missing.permissions (or missing.any.permissions) during the apply. An OAuth client's \
             rights come from its roles and their divisions, not from scopes; a SAML SSO roll-out changes how \
             people sign in and does not touch an OAuth client's roles."
        ]));
        lines.push(Line::Fix(words![format!(
            "in Genesys Cloud Admin > OAuth, open client {client}, Roles tab, and give it a role that grants \
             {} (Admin > Roles / Permissions) in the divisions the pipeline's objects live in.",
            grant.join(", ")
        )]));
        outcome.reason = Reason::MissingPermissions;
        outcome.summary = summary;
        outcome.blame = Some(blamed(&missing));
    }
}

/// Permissions nothing could verify: a warning, or under `strict` a failure when the check had passed.
fn not_verified(
    strict: bool,
    finding: &PermissionFinding,
    client: &str,
    found: &mut Findings,
    outcome: &mut Outcome,
) {
    let perms: Vec<String> = finding
        .unverified
        .iter()
        .flat_map(|r| r.perms.clone())
        .fold(Vec::new(), |mut all, p| {
            if !all.contains(&p) {
                all.push(p);
            }
            all
        });
    let text = words![format!(
        "could not verify {} (the client may not read its own roles, and no harmless read proves them): \
         grant the client {SELF_INSPECTION} so authcheck can read its roles",
        perms.join(", ")
    )];
    if strict && outcome.reason == Reason::Ok {
        found.push(Step::Permissions, Status::Fail, text.clone());
        let unverified: Vec<&Requirement> = finding.unverified.iter().collect();
        let lines = &mut outcome.diagnosis.lines;
        lines.retain(|line| !matches!(line, Line::Fix(_)));
        lines.push(Line::List(
            "Not verified",
            unverified.iter().map(|r| described(r)).collect(),
        ));
        lines.push(Line::Meaning(words![
            "a token was issued, but nothing says whether the client's roles grant these permissions, and ",
            Assign(Input::Strict, "true".into()),
            " asks for that to fail."
        ]));
        lines.push(Line::Fix(words![
            format!("grant client {client} {SELF_INSPECTION} so its roles can be read, or leave "),
            Input::Strict,
            " off to accept the warning."
        ]));
        outcome.reason = Reason::Unverifiable;
        outcome.summary = words![format!(
            "Could not verify the Genesys Cloud permissions of client {client}"
        )];
        outcome.blame = Some(blamed(&unverified));
    } else {
        found.push(Step::Permissions, Status::Warn, text);
    }
}

/// Notes whatever the verdict: grants limited to divisions, grants that could not be read, the table's caveats.
fn notes(
    finding: &PermissionFinding,
    source: PermissionsSource,
    caveats: &[String],
    outcome: &mut Outcome,
) {
    for (permission, divisions) in &finding.limited {
        outcome.diagnosis.push(Line::Note(words![format!(
            "{permission} is granted only in division{} {}: objects in other divisions will be refused.",
            if divisions.len() == 1 { "" } else { "s" },
            divisions.join(", ")
        )]));
    }
    if matches!(
        source,
        PermissionsSource::Probe | PermissionsSource::Unknown
    ) && !finding.tried.is_empty()
    {
        outcome.diagnosis.push(Line::List(
            "Grants not readable",
            finding.tried.iter().map(|t| words![t.clone()]).collect(),
        ));
    }
    for caveat in caveats {
        outcome.diagnosis.push(Line::Note(words![format!(
            "Permissions table: {}.",
            caveat.trim_end_matches('.')
        )]));
    }
}
