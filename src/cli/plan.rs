//! `--plan-json FILE`: the Genesys Cloud permissions a saved plan's changes need, read from
//! `terraform show -json plan.out` (its `resource_changes`), one requirement per planned address and operation.

use serde_json::Value;

use crate::check::CheckRequest;
use crate::check::vendors::genesys::{
    self,
    permissions::{self, Op, Requirement},
};

/// Largest plan file read: plans of thousands of resources stay far below it; anything larger is not a plan.
const MAX_PLAN_BYTES: u64 = 64 * 1024 * 1024;

/// What a plan asks of the client: its requirements, the table's caveats for the types in it, and how many
/// genesyscloud changes were read.
#[derive(Debug, Default, Clone)]
pub struct Planned {
    /// One requirement per address, operation and endpoint.
    pub requirements: Vec<Requirement>,
    /// Where the table is known to be incomplete for the types planned.
    pub caveats: Vec<String>,
    /// Addresses of genesyscloud changes whose type the table does not know.
    pub unknown: Vec<String>,
    /// genesyscloud changes read (no-ops included).
    pub changes: usize,
}

/// The operations Terraform's `actions` list means: a replace is a delete and a create, a no-op still refreshes.
fn ops(actions: &[Value]) -> Vec<Op> {
    let mut out = Vec::new();
    for action in actions.iter().filter_map(Value::as_str) {
        let op = match action {
            "create" => Op::Create,
            "update" => Op::Update,
            "delete" => Op::Delete,
            "read" | "no-op" => Op::Read,
            _ => continue,
        };
        if !out.contains(&op) {
            out.push(op);
        }
    }
    out.sort();
    out
}

/// True for a change of the genesyscloud provider, whatever registry host or namespace names it.
fn genesys_change(change: &Value) -> bool {
    let provider = change
        .get("provider_name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let type_name = change
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    provider.ends_with("/genesyscloud")
        || (provider.is_empty() && type_name.starts_with("genesyscloud_"))
}

/// Reads the plan at `path`; a message for the user when it cannot be read or is not a plan.
pub fn read(path: &str) -> Result<Planned, String> {
    let file = std::fs::File::open(path).map_err(|err| format!("--plan-json {path}: {err}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_PLAN_BYTES {
        return Err(format!(
            "--plan-json {path}: {size} bytes is more than a plan's JSON ({MAX_PLAN_BYTES} at most)"
        ));
    }
    let text = std::fs::read(path).map_err(|err| format!("--plan-json {path}: {err}"))?;
    parse(&text).map_err(|why| format!("--plan-json {path}: {why}"))
}

/// Parses `terraform show -json` output of a saved plan.
pub fn parse(text: &[u8]) -> Result<Planned, String> {
    let plan: Value = serde_json::from_slice(text).map_err(|_| {
        "not JSON: give the output of `terraform show -json plan.out` (a saved plan), not the plan file itself"
            .to_string()
    })?;
    if plan.get("format_version").is_none() {
        return Err("not the JSON of a Terraform plan (no format_version): use `terraform show -json plan.out`".into());
    }
    let mut planned = Planned::default();
    let changes = plan
        .get("resource_changes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for change in changes.iter().filter(|c| genesys_change(c)) {
        planned.changes += 1;
        let address = change
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)");
        let type_name = change
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let data = change.get("mode").and_then(Value::as_str) == Some("data");
        let actions = change
            .get("change")
            .and_then(|c| c.get("actions"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut ops = ops(actions);
        if data {
            ops = vec![Op::Read];
        }
        let lookup = if data {
            format!("data.{type_name}")
        } else {
            type_name.to_string()
        };
        match permissions::requirements(&lookup, &ops, address) {
            Ok(found) => {
                for requirement in found {
                    if !planned.requirements.contains(&requirement) {
                        planned.requirements.push(requirement);
                    }
                }
                for caveat in permissions::caveats(&lookup) {
                    if !planned.caveats.contains(&caveat) {
                        planned.caveats.push(caveat);
                    }
                }
            }
            Err(_) => planned.unknown.push(address.to_string()),
        }
    }
    Ok(planned)
}

/// Adds what the plan needs to `request`: its requirements, and notes for what cannot be checked. `false` when
/// the check is not a Genesys Cloud one, whose permissions the plan's are.
pub fn require(request: &mut CheckRequest, planned: Planned) -> bool {
    let version = permissions::table().map_or("", |t| t.provider_version.as_str());
    let mut caveats = planned.caveats;
    for address in planned.unknown {
        caveats.push(format!(
            "{address}: its type is not in the genesyscloud provider {version} table, so its permissions are not \
             checked"
        ));
    }
    genesys::vendor::require(request, planned.requirements, caveats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(address: &str, type_name: &str, actions: &[&str]) -> String {
        format!(
            r#"{{"address":"{address}","mode":"managed","type":"{type_name}","provider_name":"registry.terraform.io/mypurecloud/genesyscloud","change":{{"actions":{actions:?}}}}}"#
        )
    }

    #[test]
    fn each_planned_action_selects_its_operations() {
        let plan = format!(
            r#"{{"format_version":"1.2","resource_changes":[{},{},{},{}]}}"#,
            change(
                "genesyscloud_routing_queue.support",
                "genesyscloud_routing_queue",
                &["create"]
            ),
            change(
                "genesyscloud_routing_queue.sales",
                "genesyscloud_routing_queue",
                &["no-op"]
            ),
            change(
                "genesyscloud_routing_queue.old",
                "genesyscloud_routing_queue",
                &["delete", "create"]
            ),
            r#"{"address":"null_resource.x","type":"null_resource","provider_name":"registry.terraform.io/hashicorp/null","change":{"actions":["create"]}}"#,
        );
        let planned = parse(plan.as_bytes()).expect("a plan");
        assert_eq!(planned.changes, 3, "the null resource is not Genesys");
        let subjects: Vec<&str> = planned
            .requirements
            .iter()
            .map(|r| r.subject.as_str())
            .collect();
        assert!(subjects.contains(&"genesyscloud_routing_queue.support (create)"));
        assert!(subjects.contains(&"genesyscloud_routing_queue.sales (read)"));
        assert!(subjects.contains(&"genesyscloud_routing_queue.old (delete)"));
        assert!(subjects.contains(&"genesyscloud_routing_queue.old (create)"));
        assert!(
            !subjects
                .iter()
                .any(|s| s.starts_with("genesyscloud_routing_queue.sales (create"))
        );
    }

    #[test]
    fn a_plan_file_that_is_not_json_or_not_a_plan_is_named() {
        assert!(
            parse(b"\x00binary plan")
                .expect_err("binary")
                .contains("terraform show -json")
        );
        assert!(
            parse(b"{\"values\":{}}")
                .expect_err("state")
                .contains("format_version")
        );
    }

    #[test]
    fn an_unknown_genesyscloud_type_is_reported_not_dropped() {
        let plan = format!(
            r#"{{"format_version":"1.2","resource_changes":[{}]}}"#,
            change(
                "genesyscloud_future_thing.x",
                "genesyscloud_future_thing",
                &["create"]
            )
        );
        let planned = parse(plan.as_bytes()).expect("a plan");
        assert_eq!(planned.unknown, ["genesyscloud_future_thing.x"]);
    }
}
