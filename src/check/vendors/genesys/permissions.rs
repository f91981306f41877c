//! What a Genesys Cloud pipeline needs: the permissions each genesyscloud resource type's operations require
//! (per endpoint, with the swagger's ANY/ALL), read from the table `scripts/genesys-permissions` generates
//! (`permissions.json`, genesyscloud provider v1.84.1; see `PERMISSIONS.md`), and whether granted policies hold them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The generated table.
#[derive(Debug, Deserialize)]
pub struct Table {
    /// The genesyscloud provider version the table came from.
    pub provider_version: String,
    /// Where it came from, in one line.
    pub source: String,
    /// Every resource and data source type.
    pub types: BTreeMap<String, TypeEntry>,
    /// A harmless GET per read permission, for probing.
    pub probes: BTreeMap<String, String>,
}

/// One resource or data source type.
#[derive(Debug, Deserialize)]
pub struct TypeEntry {
    /// `resource` or `data_source`.
    pub kind: String,
    /// The endpoints its code calls.
    pub endpoints: Vec<EndpointEntry>,
    /// Endpoints whose requirements the swagger does not give: the table is incomplete there.
    #[serde(default)]
    pub unresolved: Vec<String>,
    /// Known over-inclusion and other notes.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One endpoint and what it requires.
#[derive(Debug, Deserialize)]
pub struct EndpointEntry {
    /// read, list, create, update or delete.
    pub op: String,
    /// The HTTP method.
    pub method: String,
    /// The path.
    pub path: String,
    /// ANY, ALL or NONE.
    pub req: String,
    /// The permissions.
    pub perms: Vec<String>,
}

/// The table, parsed once (it is embedded in the binary).
pub fn table() -> Option<&'static Table> {
    static TABLE: OnceLock<Option<Table>> = OnceLock::new();
    TABLE
        .get_or_init(|| serde_json::from_str(include_str!("permissions.json")).ok())
        .as_ref()
}

/// A pipeline operation on a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    /// Refresh or a data source read.
    Read,
    /// Creation.
    Create,
    /// In-place update.
    Update,
    /// Destruction.
    Delete,
}

impl Op {
    /// Every operation, in order.
    pub const ALL: [Op; 4] = [Op::Read, Op::Create, Op::Update, Op::Delete];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }

    /// The table's endpoint classes this operation calls: a create also updates sub-resources and reads back;
    /// an update reads back; a delete reads to confirm.
    fn classes(self) -> &'static [&'static str] {
        match self {
            Op::Read => &["read"],
            Op::Create => &["create", "update", "read"],
            Op::Update => &["update", "read"],
            Op::Delete => &["delete"],
        }
    }
}

/// One thing the client must be allowed: one of `perms` (ANY) or each of them (ALL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Who needs it: a resource type and operation, a plan address, or `required_permissions`.
    pub subject: String,
    /// True when one permission of `perms` suffices.
    pub any: bool,
    /// The permissions.
    pub perms: Vec<String>,
    /// The endpoint that requires it, for the detail.
    pub endpoint: Option<String>,
}

/// Why a type has no requirements. The message (with its "did you mean", an edit distance to each of the table's
/// types) is built only when asked for: `cli::plan::parse` only counts unknown types and never shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRequirements {
    /// The embedded table did not parse.
    NoTable,
    /// The type is not in the table.
    UnknownType(String),
}

impl NoRequirements {
    /// The one-line message for a person.
    pub fn message(&self) -> String {
        match self {
            NoRequirements::NoTable => "the embedded permissions table cannot be read".to_string(),
            NoRequirements::UnknownType(name) => nearest_type(name),
        }
    }
}

/// The requirements of `type_name`'s `ops`, one per endpoint (NONE endpoints need nothing). A data source type
/// (given plain or as `data.TYPE`) has only reads.
pub fn requirements(
    type_name: &str,
    ops: &[Op],
    subject: &str,
) -> Result<Vec<Requirement>, NoRequirements> {
    let table = table().ok_or(NoRequirements::NoTable)?;
    let entry = table
        .types
        .get(type_name)
        .or_else(|| table.types.get(&format!("data.{type_name}")))
        .ok_or_else(|| NoRequirements::UnknownType(type_name.to_string()))?;
    let data_source = entry.kind == "data_source";
    let mut out = Vec::new();
    for op in ops {
        if data_source && *op != Op::Read {
            continue;
        }
        for endpoint in &entry.endpoints {
            if !op.classes().contains(&endpoint.op.as_str()) || endpoint.req == "NONE" {
                continue;
            }
            let requirement = Requirement {
                subject: format!("{subject} ({})", op.name()),
                any: endpoint.req == "ANY",
                perms: endpoint.perms.clone(),
                endpoint: Some(format!("{} {}", endpoint.method, endpoint.path)),
            };
            if !out.iter().any(|r: &Requirement| {
                r.perms == requirement.perms && r.subject == requirement.subject
            }) {
                out.push(requirement);
            }
        }
    }
    Ok(out)
}

/// What is known to be missing from the table for a type (unresolved endpoints, notes).
pub fn caveats(type_name: &str) -> Vec<String> {
    let Some(entry) = table().and_then(|t| {
        t.types
            .get(type_name)
            .or_else(|| t.types.get(&format!("data.{type_name}")))
    }) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entry
        .unresolved
        .iter()
        .map(|e| format!("{type_name}: {e} is not in the swagger, so its permissions are unknown"))
        .collect();
    out.extend(entry.notes.iter().map(|n| format!("{type_name}: {n}")));
    out
}

/// The error for an unknown type: the nearest real type name.
fn nearest_type(name: &str) -> String {
    let wanted = name.trim().trim_start_matches("data.").to_ascii_lowercase();
    let best = table()
        .and_then(|t| {
            t.types
                .keys()
                .map(|k| k.trim_start_matches("data."))
                .min_by_key(|k| distance(&wanted, k))
        })
        .unwrap_or("genesyscloud_routing_queue");
    format!("{name:?} is not a genesyscloud resource or data source type; did you mean {best}?")
}

/// Edit distance over the first 64 characters (type names are shorter).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(prev + usize::from(ca != cb));
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// One policy of a role: a domain, an entity and actions, any of which may be `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Domain, e.g. `routing`.
    pub domain: String,
    /// Entity, e.g. `queue`.
    pub entity: String,
    /// Actions, e.g. `view`.
    pub actions: Vec<String>,
    /// The division the grant is limited to (`None` or `*` for every division).
    pub division: Option<String>,
}

impl Policy {
    /// True when the policy grants `permission` (`domain:entity:action`), wildcards included.
    pub fn grants(&self, permission: &str) -> bool {
        Parts::of(permission).is_some_and(|parts| self.grants_parts(&parts))
    }

    fn grants_parts(&self, want: &Parts<'_>) -> bool {
        let matches = |have: &str, want: &str| have == "*" || have.eq_ignore_ascii_case(want);
        matches(&self.domain, want.domain)
            && matches(&self.entity, want.entity)
            && self.actions.iter().any(|a| matches(a, want.action))
    }

    /// True when the grant holds in every division.
    pub fn everywhere(&self) -> bool {
        self.division.as_deref().is_none_or(|d| d == "*")
    }
}

/// How a permission is held, when it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// In every division.
    Everywhere,
    /// Only in these divisions.
    In(Vec<String>),
    /// Not at all.
    No,
}

/// A permission's three parts, split once to be matched against many policies.
struct Parts<'a> {
    domain: &'a str,
    entity: &'a str,
    action: &'a str,
}

impl<'a> Parts<'a> {
    /// `domain:entity:action` (the action may hold more colons); `None` with fewer than three parts.
    fn of(permission: &'a str) -> Option<Self> {
        let mut parts = permission.splitn(3, ':');
        Some(Parts {
            domain: parts.next()?,
            entity: parts.next()?,
            action: parts.next()?,
        })
    }
}

/// Whether `policies` hold `permission`: one pass over them, a division kept only while none holds everywhere.
pub fn held(policies: &[Policy], permission: &str) -> Held {
    let Some(parts) = Parts::of(permission) else {
        return Held::No;
    };
    let mut divisions: Vec<&str> = Vec::new();
    for policy in policies.iter().filter(|p| p.grants_parts(&parts)) {
        match policy.division.as_deref() {
            None | Some("*") => return Held::Everywhere,
            Some(division) => divisions.push(division),
        }
    }
    if divisions.is_empty() {
        return Held::No;
    }
    divisions.sort_unstable();
    divisions.dedup();
    Held::In(divisions.into_iter().map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(domain: &str, entity: &str, actions: &[&str], division: Option<&str>) -> Policy {
        Policy {
            domain: domain.into(),
            entity: entity.into(),
            actions: actions.iter().map(|s| s.to_string()).collect(),
            division: division.map(str::to_string),
        }
    }

    #[test]
    fn the_table_loads_and_names_its_provider_version() {
        let table = table().expect("the embedded table parses");
        assert_eq!(table.provider_version, "v1.84.1");
        assert!(table.types.len() > 200);
    }

    #[test]
    fn a_queue_refresh_needs_view_and_a_create_needs_add_too() {
        let read = requirements("genesyscloud_routing_queue", &[Op::Read], "q").expect("known");
        assert!(
            read.iter()
                .all(|r| r.perms.contains(&"routing:queue:view".to_string()))
        );
        let create = requirements("genesyscloud_routing_queue", &[Op::Create], "q").expect("known");
        assert!(create.iter().any(|r| r.perms == ["routing:queue:add"]));
        let members = read
            .iter()
            .find(|r| r.perms.len() == 4)
            .expect("members GET");
        assert!(members.any, "the members GET is ANY of four");
    }

    #[test]
    fn an_unknown_type_gets_the_nearest_real_one() {
        let err =
            requirements("genesyscloud_routing_queues", &[Op::Read], "x").expect_err("unknown");
        let err = err.message();
        assert!(
            err.contains("did you mean genesyscloud_routing_queue?"),
            "{err}"
        );
    }

    #[test]
    fn wildcards_and_divisions_decide_what_is_held() {
        let policies = [
            policy("routing", "*", &["view"], None),
            policy("architect", "flow", &["*"], Some("Sales")),
            policy("*", "*", &["*"], Some("Support")),
        ];
        assert_eq!(held(&policies, "routing:queue:view"), Held::Everywhere);
        assert_eq!(
            held(&policies, "routing:queue:add"),
            Held::In(vec!["Support".into()])
        );
        assert_eq!(
            held(&policies, "architect:flow:edit"),
            Held::In(vec!["Sales".into(), "Support".into()])
        );
        assert_eq!(
            held(
                &[policy("routing", "queue", &["view"], None)],
                "routing:queue:add"
            ),
            Held::No
        );
        // A policy for every division wins wherever it comes; a division granted twice is named once.
        let sales = policy("routing", "queue", &["view"], Some("Sales"));
        let anywhere = policy("routing", "*", &["view"], Some("*"));
        assert_eq!(
            held(&[sales.clone(), anywhere], "routing:queue:view"),
            Held::Everywhere
        );
        assert_eq!(
            held(&[sales.clone(), sales], "routing:queue:view"),
            Held::In(vec!["Sales".into()])
        );
        assert_eq!(
            held(&policies, "admin"),
            Held::No,
            "single-token permissions are not policies"
        );
    }
}
