//! The Google flavour's workload identity pool providers as tests configure them: the issuer, audiences, attribute
//! mapping and condition of each, and the project permissions granted to the pool's principals.

/// The mapping GitHub's documented setup uses; every [`WorkloadProvider::new`] starts with it.
const DEFAULT_MAPPING: [(&str, &str); 3] = [
    ("google.subject", "assertion.sub"),
    ("attribute.repository", "assertion.repository"),
    ("attribute.repository_owner", "assertion.repository_owner"),
];

/// Google's rule for pool and provider ids: 4 to 32 lower-case letters, digits and hyphens.
pub(super) fn well_formed_id(id: &str) -> bool {
    (4..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether `member` has the shape of an IAM member this server can match.
pub(super) fn well_formed_member(member: &str) -> bool {
    ["principal://", "principalSet://", "serviceAccount:"]
        .iter()
        .any(|prefix| member.len() > prefix.len() && member.starts_with(prefix))
}

/// A workload identity pool provider (OIDC): which tokens it admits and what it maps them to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadProvider {
    /// The pool id.
    pub pool: String,
    /// The provider id within the pool.
    pub provider: String,
    /// The issuer the provider trusts, e.g. `https://token.actions.githubusercontent.com`.
    pub issuer: String,
    /// Audiences the token's `aud` may have; empty: only the provider's default audience
    /// ([`super::GoogleConfig::default_audience`]).
    pub allowed_audiences: Vec<String>,
    /// `(target, source)`: a target `google.subject` or `attribute.NAME`, a source `assertion.CLAIM` (the only CEL
    /// this server evaluates). A claim the token lacks leaves its attribute unset.
    pub attribute_mapping: Vec<(String, String)>,
    /// The attribute condition; `None` admits every token.
    pub condition: Option<AttributeCondition>,
    /// The provider (or its pool) is disabled: every exchange is refused with `invalid_target`.
    pub disabled: bool,
    /// Permissions on the project granted to members of this provider's pool (principals and principal sets), for
    /// federated tokens used directly.
    pub permissions: Vec<Grant>,
}

impl WorkloadProvider {
    /// An enabled provider trusting `issuer`, with the default audience and GitHub's usual mapping
    /// (`google.subject`, `attribute.repository`, `attribute.repository_owner`).
    pub fn new(pool: &str, provider: &str, issuer: &str) -> Self {
        WorkloadProvider {
            pool: pool.to_owned(),
            provider: provider.to_owned(),
            issuer: issuer.to_owned(),
            allowed_audiences: Vec::new(),
            attribute_mapping: DEFAULT_MAPPING
                .iter()
                .map(|(t, s)| ((*t).to_owned(), (*s).to_owned()))
                .collect(),
            condition: None,
            disabled: false,
            permissions: Vec::new(),
        }
    }

    /// Allows this audience (then the default one is no longer admitted unless listed too).
    pub fn audience(mut self, audience: &str) -> Self {
        self.allowed_audiences.push(audience.to_owned());
        self
    }

    /// Maps `target` from `source` (`assertion.CLAIM`), replacing an earlier mapping of `target`.
    pub fn map(mut self, target: &str, source: &str) -> Self {
        self.attribute_mapping.retain(|(t, _)| t != target);
        self.attribute_mapping
            .push((target.to_owned(), source.to_owned()));
        self
    }

    /// Admits only tokens whose `claim` is exactly `value` (CEL `assertion.CLAIM == 'VALUE'`, case-sensitive).
    pub fn condition(mut self, claim: &str, value: &str) -> Self {
        self.condition = Some(AttributeCondition {
            claim: claim.to_owned(),
            value: value.to_owned(),
        });
        self
    }

    /// Disables the provider.
    pub fn disabled(mut self) -> Self {
        self.disabled = true;
        self
    }

    /// Grants `member` (a principal or principal set of this pool) these permissions on the project.
    pub fn grant(mut self, member: &str, permissions: &[&str]) -> Self {
        self.permissions.push(Grant::new(member, permissions));
        self
    }

    pub(super) fn validate(&self) -> Result<(), String> {
        let name = format!("{}/{}", self.pool, self.provider);
        if !well_formed_id(&self.pool) || !well_formed_id(&self.provider) {
            return Err(format!(
                "pool and provider ids must be 4-32 of [a-z0-9-]: {name}"
            ));
        }
        if !self.issuer.starts_with("https://") {
            return Err(format!(
                "issuer of {name} must be an https URL: {}",
                self.issuer
            ));
        }
        if !self
            .attribute_mapping
            .iter()
            .any(|(t, _)| t == "google.subject")
        {
            return Err(format!("the mapping of {name} has no google.subject"));
        }
        for (i, (target, source)) in self.attribute_mapping.iter().enumerate() {
            let target_ok = target == "google.subject"
                || target
                    .strip_prefix("attribute.")
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(attribute_char));
            let source_ok = source
                .strip_prefix("assertion.")
                .is_some_and(|c| !c.is_empty() && c.bytes().all(attribute_char));
            if !target_ok || !source_ok {
                return Err(format!(
                    "mapping of {name} not understood: {target} = {source}"
                ));
            }
            if self.attribute_mapping[..i].iter().any(|(t, _)| t == target) {
                return Err(format!("{target} mapped twice in {name}"));
            }
        }
        if self.condition.as_ref().is_some_and(|c| c.claim.is_empty()) {
            return Err(format!("the condition of {name} names no claim"));
        }
        if let Some(bad) = self
            .permissions
            .iter()
            .find(|g| !g.member.starts_with("principal") || !well_formed_member(&g.member))
        {
            return Err(format!(
                "{name} grants to a member that is not a principal or principal set: {}",
                bad.member
            ));
        }
        Ok(())
    }
}

fn attribute_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A provider's attribute condition: the token's `claim` must equal `value`, case-sensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeCondition {
    /// The claim name (CEL `assertion.CLAIM`).
    pub claim: String,
    /// The value it must have.
    pub value: String,
}

/// Permissions on the project held by one IAM member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `principal://…`, `principalSet://…`.
    pub member: String,
    /// Permissions such as `storage.buckets.list`.
    pub permissions: Vec<String>,
}

impl Grant {
    /// `member` holds `permissions`.
    pub fn new(member: &str, permissions: &[&str]) -> Self {
        Grant {
            member: member.to_owned(),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_replaces_an_earlier_mapping_of_the_same_target() {
        let p = WorkloadProvider::new("github", "actions", "https://x.example")
            .map("google.subject", "assertion.repository");
        let subjects: Vec<_> = p
            .attribute_mapping
            .iter()
            .filter(|(t, _)| t == "google.subject")
            .collect();
        assert_eq!(subjects.len(), 1);
        assert_eq!(subjects[0].1, "assertion.repository");
    }
}
