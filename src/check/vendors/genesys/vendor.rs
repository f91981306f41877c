//! Genesys Cloud as one vendor: its region (given, or `GENESYSCLOUD_REGION` as the genesyscloud provider reads
//! it) names the login and API hosts; its SDKs send Basic credentials raw; its clients get their rights from
//! roles; once a token is issued the organisation and the client's permissions are read, and a refused client
//! may be looked for in the other regions.

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::check::base::heard::Scrubber;
use crate::check::base::http;
use crate::check::exchange::interpret::short;
use crate::check::inputs::env::{self, Env, refuse};
use crate::check::inputs::given::Inputs;
use crate::check::inputs::request::{CheckRequest, Derived, Endpoint, VendorSettings};
use crate::check::inputs::validate::Problem;
use crate::check::report::words::Words;
use crate::check::report::{Findings, Outcome, Report};
use crate::check::vendors::genesys::permissions::{self, Op, Requirement};
use crate::check::vendors::genesys::regions::{self, Hosts};
pub use crate::check::vendors::genesys::settings::Settings;
use crate::check::vendors::genesys::{api, grants, organization, probe, required, wording};
use crate::check::vendors::vendor::{
    AfterRefusal, AfterToken, BoxFuture, FollowUp, Manner, Vendor,
};
use crate::check::vendors::vendor_inputs::{Selected, VendorInputs};
use crate::surface::Input;
use crate::words;

/// The vendor id.
pub const ID: &str = "genesys";

/// Genesys Cloud.
pub struct Genesys;

impl Genesys {
    /// The endpoint of `hosts`.
    fn selected(hosts: Hosts, note: Option<Words>) -> Selected {
        let described = match &hosts.region {
            Some(region) => format!("Genesys Cloud region {region}: token endpoint"),
            None => "Genesys Cloud token endpoint".to_string(),
        };
        Selected {
            endpoint: Endpoint::Derived(Derived {
                url: format!("{}/oauth/token", hosts.login_base),
                named: words![Input::GenesysLoginUrl],
                blame: Input::GenesysRegion,
                described,
            }),
            note,
            settings: VendorSettings::new(
                ID,
                Settings {
                    hosts,
                    required_permissions: Vec::new(),
                    permission_caveats: Vec::new(),
                },
            ),
        }
    }
}

/// A region that names no region, as an input rule.
fn region_problem(summary: Words, detail: Words) -> Box<Report> {
    refuse(Input::GenesysRegion, summary, detail)
}

impl VendorInputs for Genesys {
    fn id(&self) -> &'static str {
        ID
    }

    fn validate(&self, inputs: &Inputs) -> Vec<Problem> {
        match inputs.text(Input::GenesysRegion) {
            Some(region) if !region.trim().is_empty() => {
                match regions::endpoint(Some(region), None, None) {
                    Err((summary, detail)) => {
                        vec![Problem::new(Input::GenesysRegion, summary, detail)]
                    }
                    Ok(_) => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    fn select(
        &self,
        inputs: &Inputs,
        env: Env<'_>,
        from_env: bool,
    ) -> Option<Result<Selected, Box<Report>>> {
        // The host overrides' variables (AUTHCHECK_GENESYS_API_URL, ..._LOGIN_URL) apply once a region or a
        // host input has made this a Genesys check; alone they select nothing.
        let api = env::given_or_env(inputs, Input::GenesysApiUrl, env);
        let login = env::given_or_env(inputs, Input::GenesysLoginUrl, env);
        if from_env {
            let (name, region) = env::from_env(Input::GenesysRegion, env)?;
            let note =
                regions::region_note(&region).map(|note| words![note, format!(" (from {name})")]);
            return Some(
                regions::endpoint(Some(&region), api.as_deref(), login.as_deref())
                    .map(|hosts| Genesys::selected(hosts, note))
                    .map_err(|(summary, detail)| region_problem(summary, detail)),
            );
        }
        let region = inputs.text(Input::GenesysRegion);
        if region.is_none()
            && !inputs.is_set(Input::GenesysApiUrl)
            && !inputs.is_set(Input::GenesysLoginUrl)
        {
            return None;
        }
        Some(
            regions::endpoint(region, api.as_deref(), login.as_deref())
                .map(|hosts| Genesys::selected(hosts, region.and_then(regions::region_note)))
                .map_err(|(summary, detail)| region_problem(summary, detail)),
        )
    }

    fn own_inputs(
        &self,
        inputs: &Inputs,
        _env: Env<'_>,
        settings: Option<&mut VendorSettings>,
    ) -> Result<(), Box<Report>> {
        let (required, caveats) = required_permissions(inputs, settings.is_some())?;
        if let Some(settings) = settings.and_then(VendorSettings::get_mut::<Settings>) {
            settings.required_permissions = required;
            settings.permission_caveats = caveats;
        }
        Ok(())
    }
}

impl Vendor for Genesys {
    fn manner(&self) -> Manner {
        Manner {
            raw_basic: true,
            rsa_alg: None,
            roles_not_scopes: true,
            checks_organization: true,
            wording: Some(&wording::WORDING),
        }
    }

    fn client_id_note(&self, client_id: &str, scrub: &Scrubber) -> Option<Words> {
        (!regions::is_uuid(client_id)).then(|| {
            words![format!(
                "client id {:?} is not a UUID, and Genesys Cloud OAuth client ids are; check that it is the client \
                 id, not its name or the secret",
                scrub.quote_text(&short(client_id), 60)
            )]
        })
    }

    fn wants_permissions(&self, request: &CheckRequest) -> bool {
        request
            .vendor
            .get::<Settings>()
            .is_some_and(|s| !s.required_permissions.is_empty())
    }

    fn dns_causes(&self, host: &str, selected: bool) -> Vec<Words> {
        let domain = host.split_once('.').map_or("", |(_, rest)| rest);
        if selected || regions::region_of_domain(domain).is_some() {
            vec![words![
                "Genesys Cloud: the region's login host is login.<region domain>; check ",
                Input::GenesysRegion
            ]]
        } else {
            Vec::new()
        }
    }

    fn token_url_mistake(&self, url: &str) -> Option<(Words, Words)> {
        regions::token_url_mistake(url)
    }

    fn prewarm(
        &self,
        request: &CheckRequest,
        client: &reqwest::Client,
        deadline: Instant,
    ) -> Option<JoinSet<()>> {
        let settings = request.vendor.get::<Settings>()?;
        // One connection per follow-up that runs side by side: tokens/me, organizations/me, and the grants.
        let follow_ups = 2 + usize::from(!settings.required_permissions.is_empty());
        Some(api::prewarm(
            client,
            &settings.hosts.api_base,
            follow_ups,
            deadline,
        ))
    }

    fn after_token<'a>(&'a self, with: AfterToken<'a>) -> BoxFuture<'a, FollowUp> {
        Box::pin(after_token(with))
    }

    fn after_refusal<'a>(&'a self, with: AfterRefusal<'a>) -> BoxFuture<'a, ()> {
        Box::pin(probe::step(with))
    }
}

/// The organisation and, when permissions are required, the client's grants.
async fn after_token(with: AfterToken<'_>) -> FollowUp {
    let Some(settings) = with.request.vendor.get::<Settings>() else {
        return FollowUp::default();
    };
    let api_base = &settings.hosts.api_base;
    let wants_permissions = !settings.required_permissions.is_empty();
    let (facts, subjects_me) = api::lookup_with_grants(
        with.client,
        api_base,
        with.token,
        wants_permissions,
        with.deadline,
        with.scrub,
    )
    .await;
    // Only what the permission check needs outlives the lookup: the token's bearer header.
    let permissions = if wants_permissions {
        Some(match http::bearer(with.token) {
            Some(headers) => {
                grants::check(
                    with.client,
                    api_base,
                    &headers,
                    &facts,
                    subjects_me,
                    &with.request.client_id,
                    &settings.required_permissions,
                    with.deadline,
                    with.scrub,
                )
                .await
            }
            None => grants::PermissionFinding {
                unverified: settings.required_permissions.clone(),
                ..Default::default()
            },
        })
    } else {
        None
    };
    let settings = settings.clone();
    FollowUp {
        scopes: facts.authorized_scopes.clone(),
        apply: Some(Box::new(
            move |request: &CheckRequest, found: &mut Findings, outcome: &mut Outcome| {
                organization::apply(request, found, outcome, facts);
                if let Some(finding) = permissions {
                    required::apply(request, &settings, found, outcome, finding);
                }
            },
        )),
    }
}

/// The permissions required: `required_permissions` as given, and each of `genesys_resources`' types with every
/// operation, from the embedded table; plus what the table says it misses for them. When Genesys Cloud is not
/// the check's vendor (`ours` false), giving either is refused: nothing could check them.
fn required_permissions(
    inputs: &Inputs,
    ours: bool,
) -> Result<(Vec<Requirement>, Vec<String>), Box<Report>> {
    let permissions = inputs.list(Input::RequiredPermissions).unwrap_or_default();
    let types = inputs.list(Input::GenesysResources).unwrap_or_default();
    if permissions.is_empty() && types.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    if !ours {
        let input = if permissions.is_empty() {
            Input::GenesysResources
        } else {
            Input::RequiredPermissions
        };
        return Err(refuse(
            input,
            words![input, " applies to Genesys Cloud only"],
            words![
                "Genesys Cloud clients get their rights from roles, which authcheck can read; other servers say \
                 what a token may do through scopes. Set ",
                Input::GenesysRegion,
                " for a Genesys Cloud client, or use ",
                Input::RequiredScopes,
                " instead."
            ],
        ));
    }
    let mut out = Vec::new();
    for (index, permission) in permissions.iter().enumerate() {
        let parts: Vec<&str> = permission.split(':').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(refuse(
                Input::RequiredPermissions,
                words![
                    Input::RequiredPermissions,
                    format!(" entry {index} is not a permission")
                ],
                words![
                    "A Genesys Cloud permission is domain:entity:action, e.g. routing:queue:view (\"*\" matches \
                     any part); ",
                    Input::RequiredPermissions,
                    format!(" entry {index} is {permission:?}.")
                ],
            ));
        }
        out.push(Requirement {
            subject: permission.clone(),
            any: false,
            perms: vec![permission.clone()],
            endpoint: None,
        });
    }
    let mut caveats = Vec::new();
    for (index, type_name) in types.iter().enumerate() {
        let found = permissions::requirements(type_name, &Op::ALL, type_name).map_err(|why| {
            refuse(
                Input::GenesysResources,
                words![
                    Input::GenesysResources,
                    format!(" entry {index} is not a genesyscloud type")
                ],
                words![why.message()],
            )
        })?;
        out.extend(found);
        caveats.extend(permissions::caveats(type_name));
    }
    Ok((out, caveats))
}

/// Adds what a saved plan's genesyscloud changes need to a Genesys Cloud check; `false` when the check is not
/// one (the plan's permissions cannot be checked against another vendor's client).
pub fn require(
    request: &mut CheckRequest,
    requirements: Vec<Requirement>,
    caveats: Vec<String>,
) -> bool {
    let Some(settings) = request.vendor.get_mut::<Settings>() else {
        return false;
    };
    for requirement in requirements {
        if !settings.required_permissions.contains(&requirement) {
            settings.required_permissions.push(requirement);
        }
    }
    settings.permission_caveats.extend(caveats);
    true
}
