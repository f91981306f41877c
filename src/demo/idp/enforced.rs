//! The Genesys Cloud API endpoints whose permissions the test server enforces, with what the swagger requires
//! of each (`genesys-endpoints.txt`, the server's own copy of the facts: scripts/idp-genesys-endpoints), and how
//! a held permission grants a wanted one. The checker has its own table and matching; neither reads the other's,
//! so when one of them is wrong the tests see the two disagree.

use std::sync::OnceLock;

/// What an endpoint requires: any one of its permissions, or all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Requirement {
    /// True for the swagger's `ANY`, false for `ALL`.
    pub any: bool,
    /// The permissions, `domain:entity:action`.
    pub permissions: Vec<&'static str>,
}

impl Requirement {
    /// The permissions `held` lacks for this endpoint: none when it may call it.
    pub fn lacking(&self, held: &[&str]) -> Vec<&'static str> {
        let holds = |wanted: &&str| held.iter().any(|have| grants(have, wanted));
        if self.any && self.permissions.iter().any(holds) {
            return Vec::new();
        }
        self.permissions
            .iter()
            .copied()
            .filter(|wanted| !holds(wanted))
            .collect()
    }
}

/// The requirement of a GET on `path`, when the swagger gives one.
pub(super) fn requirement(path: &str) -> Option<Requirement> {
    static TABLE: OnceLock<Vec<(&'static str, Requirement)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        include_str!("genesys-endpoints.txt")
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                let path = words.next()?;
                let any = words.next()? == "ANY";
                Some((
                    path,
                    Requirement {
                        any,
                        permissions: words.collect(),
                    },
                ))
            })
            .collect()
    });
    table
        .iter()
        .find(|(known, _)| *known == path)
        .map(|(_, requirement)| requirement.clone())
}

/// Whether a held permission grants a wanted one: each of domain, entity and action is the same (case aside),
/// or `*` in the held one (a role granting `routing:*:*`).
fn grants(held: &str, wanted: &str) -> bool {
    let (mut have, mut want) = (held.split(':'), wanted.split(':'));
    for _ in 0..3 {
        match (have.next(), want.next()) {
            (Some("*"), Some(_)) => {}
            (Some(h), Some(w)) if h.eq_ignore_ascii_case(w) => {}
            _ => return false,
        }
    }
    have.next().is_none() && want.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_grant_any_part_and_nothing_else_does() {
        assert!(grants("routing:queue:view", "routing:queue:view"));
        assert!(grants("routing:*:*", "routing:queue:view"));
        assert!(grants("*:*:*", "architect:flow:view"));
        assert!(!grants("routing:queue:view", "routing:queue:edit"));
        assert!(!grants("routing:queue", "routing:queue:view"));
        assert!(!grants("routing:queue:view:x", "routing:queue:view"));
    }

    #[test]
    fn any_needs_one_permission_and_all_needs_each() {
        let queues = requirement("/api/v2/routing/queues").expect("in the swagger");
        assert_eq!(
            queues,
            Requirement {
                any: true,
                permissions: vec!["routing:queue:view"]
            }
        );
        assert!(queues.lacking(&["routing:*:*"]).is_empty());
        assert_eq!(
            queues.lacking(&["routing:skill:view"]),
            ["routing:queue:view"]
        );
        let all = Requirement {
            any: false,
            permissions: vec!["a:b:view", "a:c:view"],
        };
        assert_eq!(all.lacking(&["a:b:view"]), ["a:c:view"]);
        assert!(all.lacking(&["a:*:view"]).is_empty());
        assert!(requirement("/api/v2/nowhere").is_none());
    }
}
