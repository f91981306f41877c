//! Whether a Genesys Cloud client-credentials client holds the permissions its pipeline needs. Its rights come
//! from roles and divisions, not scopes; it learns its own grants the first way that answers: the grants
//! (`/authorization/subjects/me`), its roles (`tokens/me` roleDivisions, then `/authorization/roles?id=`), the
//! grants by subject id; and when none answers, by probing: one harmless GET per read permission, where 403
//! `missing.*permissions` proves absence and 2xx presence. Writes are never probed.

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::check::base::heard::{Json, JsonRef, Quoted, Scrubber};
use crate::check::base::http;
use crate::check::report::PermissionsSource;
use crate::check::vendors::genesys::api::{OrgFacts, SUBJECTS_ME, fetch};
use crate::check::vendors::genesys::permissions::{Held, Policy, Requirement, held, table};

/// What the permission step found.
#[derive(Debug, Clone, Default)]
pub struct PermissionFinding {
    /// Where the grants came from.
    pub source: Option<PermissionsSource>,
    /// Requirements not met: (subject, permissions to grant: one of them when `any`).
    pub missing: Vec<(Requirement, Vec<String>)>,
    /// Requirements nothing could tell about.
    pub unverified: Vec<Requirement>,
    /// Held only in some divisions: (permission, divisions).
    pub limited: Vec<(String, Vec<String>)>,
    /// How the grants were looked for, for the detail.
    pub tried: Vec<String>,
}

impl PermissionFinding {
    /// The permissions to grant, each once, in order.
    pub fn to_grant(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, perms) in &self.missing {
            if let Some(first) = perms.first()
                && !out.contains(first)
            {
                out.push(first.clone());
            }
        }
        out
    }
}

/// Longest server word kept from a grant (a domain, an action, a division's name).
const MAX_WORD: usize = 200;

/// A string field, through the scrubber: names, ids and permissions are server words like any other.
fn text(value: JsonRef<'_>, key: &str, scrub: &Scrubber) -> Option<String> {
    value
        .field(key)
        .map(|text| scrub.quote(&text, MAX_WORD).into_string())
}

fn strings(value: Option<JsonRef<'_>>, scrub: &Scrubber) -> Vec<String> {
    value
        .map(JsonRef::texts)
        .unwrap_or_default()
        .iter()
        .map(|text| scrub.quote(text, MAX_WORD).into_string())
        .collect()
}

/// Policies from an `AuthzSubject` (`grants[].role.policies[]` with `grants[].division`).
pub fn from_subject(subject: &Json, scrub: &Scrubber) -> Option<Vec<Policy>> {
    let grants = subject.get("grants").filter(|g| g.is_array())?;
    let mut policies = Vec::new();
    for grant in grants.items() {
        // Named as the admin UI shows it, with the id to tell two of a name apart; `*` (every division) as is.
        let division = grant.get("division").and_then(|d| {
            let id = text(d, "id", scrub)?;
            Some(match text(d, "name", scrub) {
                Some(name) if id != "*" && !name.trim().is_empty() && name != id => {
                    format!("{} ({id})", name.trim())
                }
                _ => id,
            })
        });
        let Some(role_policies) = grant
            .get("role")
            .and_then(|r| r.get("policies"))
            .filter(|p| p.is_array())
        else {
            continue;
        };
        for policy in role_policies.items() {
            policies.push(Policy {
                domain: text(policy, "domain", scrub).unwrap_or_default(),
                entity: text(policy, "entityName", scrub).unwrap_or_default(),
                actions: strings(policy.get("actions"), scrub),
                division: division.clone(),
            });
        }
    }
    Some(policies)
}

/// Policies from roles (`entities[].permissionPolicies[]`), each role's division from the client's pairs.
pub fn from_roles(
    listing: &Json,
    pairs: &[(Quoted, Quoted)],
    scrub: &Scrubber,
) -> Option<Vec<Policy>> {
    let roles = listing.get("entities").filter(|r| r.is_array())?;
    let mut policies = Vec::new();
    for role in roles.items() {
        let id = text(role, "id", scrub).unwrap_or_default();
        let divisions: Vec<&Quoted> = pairs
            .iter()
            .filter(|(r, _)| r.as_str() == id)
            .map(|(_, d)| d)
            .collect();
        if divisions.is_empty() {
            continue;
        }
        for policy in role
            .get("permissionPolicies")
            .map(|p| p.items())
            .into_iter()
            .flatten()
        {
            // Quoted once, copied into the policy of each division: a role held in many divisions repeats them.
            let read = Policy {
                domain: text(policy, "domain", scrub).unwrap_or_default(),
                entity: text(policy, "entityName", scrub).unwrap_or_default(),
                actions: strings(policy.get("actionSet"), scrub),
                division: None,
            };
            for division in &divisions {
                policies.push(Policy {
                    division: Some(division.to_string()),
                    ..read.clone()
                });
            }
        }
    }
    Some(policies)
}

/// The API host and what every call to it carries.
struct Api<'a> {
    client: &'a reqwest::Client,
    base: &'a str,
    headers: &'a HeaderMap,
    deadline: Instant,
    scrub: &'a Scrubber,
}

impl Api<'_> {
    async fn get(&self, path: &str) -> Result<Json, String> {
        fetch(
            self.client,
            self.base,
            path,
            self.headers,
            self.deadline,
            self.scrub,
        )
        .await
    }
}

/// Learns the client's policies: the grants, else its roles, else the grants by subject id.
async fn policies(
    api: &Api<'_>,
    facts: &OrgFacts,
    subjects_me: Option<Result<Json, String>>,
    client_id: &str,
    tried: &mut Vec<String>,
) -> Option<(Vec<Policy>, PermissionsSource)> {
    let subjects_me = match subjects_me {
        Some(answer) => answer,
        None => api.get(SUBJECTS_ME).await,
    };
    match subjects_me.as_ref().map(|s| from_subject(s, api.scrub)) {
        Ok(Some(policies)) => return Some((policies, PermissionsSource::Grants)),
        Ok(None) => {
            tried.push("GET /api/v2/authorization/subjects/me answered without grants".to_string())
        }
        Err(why) => tried.push(why.clone()),
    }
    // The roles, and beside them the grants by subject id (the last way before probing), so that a client that
    // may read neither reaches its probes one round trip sooner.
    let by_subject_path = format!("/api/v2/authorization/subjects/{client_id}");
    let (roles, by_subject) = tokio::join!(
        from_role_ids(api, &facts.role_division_ids, tried),
        api.get(&by_subject_path)
    );
    if let Some(policies) = roles {
        return Some((policies, PermissionsSource::Roles));
    }
    match by_subject.map(|v| from_subject(&v, api.scrub)) {
        Ok(Some(policies)) => Some((policies, PermissionsSource::Grants)),
        Ok(None) => None,
        Err(why) => {
            tried.push(why);
            None
        }
    }
}

/// The policies of the client's roles (`roles?id=`, at most 100 ids a call); `None` when there are no role ids
/// or a listing was refused.
async fn from_role_ids(
    api: &Api<'_>,
    role_division_ids: &[(Quoted, Quoted)],
    tried: &mut Vec<String>,
) -> Option<Vec<Policy>> {
    if role_division_ids.is_empty() {
        return None;
    }
    let mut ids: Vec<&Quoted> = role_division_ids.iter().map(|(r, _)| r).collect();
    ids.sort();
    ids.dedup();
    let mut all = Vec::new();
    // At most 100 ids a call (max.role.ids).
    for chunk in ids.chunks(100) {
        let query: String = chunk
            .iter()
            .map(|id| {
                format!(
                    "id={}",
                    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let path = format!("/api/v2/authorization/roles?pageSize=100&{query}");
        match api.get(&path).await {
            Ok(listing) => all.extend(from_roles(&listing, role_division_ids, api.scrub)?),
            Err(why) => {
                tried.push(why);
                return None;
            }
        }
    }
    Some(all)
}

/// What a probe of `permission` says: held, not held, or nothing.
async fn probe(
    client: &reqwest::Client,
    base: &str,
    headers: &HeaderMap,
    permission: &str,
    deadline: Instant,
) -> Option<bool> {
    let path = table()?.probes.get(permission)?;
    let answer = tokio::time::timeout_at(
        deadline,
        http::get(client, &format!("{base}{path}"), headers.clone()),
    )
    .await
    .ok()?
    .ok()?;
    if (200..300).contains(&answer.status) {
        return Some(true);
    }
    let code = answer
        .json()
        .and_then(|v| v.text("code"))
        .map(|c| c.lowered())
        .unwrap_or_default();
    (answer.status == 403 && code.starts_with("missing.") && code.has("permission"))
        .then_some(false)
}

/// Checks `requirements` against what the client holds.
#[allow(clippy::too_many_arguments)]
pub async fn check(
    client: &reqwest::Client,
    api_base: &str,
    headers: &HeaderMap,
    facts: &OrgFacts,
    subjects_me: Option<Result<Json, String>>,
    client_id: &str,
    requirements: &[Requirement],
    deadline: Instant,
    scrub: &Scrubber,
) -> PermissionFinding {
    let mut finding = PermissionFinding::default();
    if requirements.is_empty() {
        return finding;
    }
    let base = api_base.trim().trim_end_matches('/');
    let api = Api {
        client,
        base,
        headers,
        deadline,
        scrub,
    };
    let learnt = policies(&api, facts, subjects_me, client_id, &mut finding.tried).await;
    if let Some((policies, source)) = learnt {
        finding.source = Some(source);
        for requirement in requirements {
            let states: Vec<(String, Held)> = requirement
                .perms
                .iter()
                .map(|p| (p.clone(), held(&policies, p)))
                .collect();
            let missing: Vec<String> = states
                .iter()
                .filter(|(_, h)| *h == Held::No)
                .map(|(p, _)| p.clone())
                .collect();
            let met = if requirement.any {
                missing.len() < states.len()
            } else {
                missing.is_empty()
            };
            if !met {
                finding.missing.push((requirement.clone(), missing));
                continue;
            }
            for (permission, state) in states {
                if let Held::In(divisions) = state
                    && !finding.limited.iter().any(|(p, _)| *p == permission)
                {
                    finding.limited.push((permission, divisions));
                }
            }
        }
        return finding;
    }
    // Probing: distinct read permissions with a probe endpoint, all at once.
    let mut wanted: Vec<String> = requirements.iter().flat_map(|r| r.perms.clone()).collect();
    wanted.sort();
    wanted.dedup();
    wanted.retain(|p| table().is_some_and(|t| t.probes.contains_key(p)));
    wanted.truncate(40);
    let mut tasks = tokio::task::JoinSet::new();
    for permission in wanted {
        let (client, base, headers) = (client.clone(), base.to_string(), headers.clone());
        tasks.spawn(async move {
            let answer = probe(&client, &base, &headers, &permission, deadline).await;
            (permission, answer)
        });
    }
    let mut probed: Vec<(String, bool)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((permission, Some(answer))) = joined {
            probed.push((permission, answer));
        }
    }
    let state = |p: &String| probed.iter().find(|(q, _)| q == p).map(|(_, h)| *h);
    for requirement in requirements {
        let states: Vec<Option<bool>> = requirement.perms.iter().map(state).collect();
        let verdict = if requirement.any {
            if states.contains(&Some(true)) {
                Some(true)
            } else if states.iter().all(|s| *s == Some(false)) {
                Some(false)
            } else {
                None
            }
        } else if states.contains(&Some(false)) {
            Some(false)
        } else if states.iter().all(|s| *s == Some(true)) {
            Some(true)
        } else {
            None
        };
        match verdict {
            Some(true) => {}
            Some(false) => {
                let missing = requirement
                    .perms
                    .iter()
                    .zip(&states)
                    .filter(|(_, s)| **s == Some(false))
                    .map(|(p, _)| p.clone())
                    .collect();
                finding.missing.push((requirement.clone(), missing));
            }
            None => finding.unverified.push(requirement.clone()),
        }
    }
    finding.source = Some(if probed.is_empty() {
        PermissionsSource::Unknown
    } else {
        PermissionsSource::Probe
    });
    finding
}
