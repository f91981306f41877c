//! The Google flavour's configuration: a project's workload identity providers, service accounts, their keys and
//! grants, and the failures to imitate, as tests write them; `Idp::start_google` serves one.

use std::fmt;
use std::time::Duration;

use super::assertion::RegisteredKey;

/// The project a Google-flavoured server has when nothing else is configured (plain [`super::Idp::start`]).
pub const GOOGLE_TEST_PROJECT: &str = "authcheck-test";
/// That project's number.
pub const GOOGLE_TEST_PROJECT_NUMBER: &str = "123456789012";

/// The mapping GitHub's documented setup uses; every [`WorkloadProvider::new`] starts with it.
const DEFAULT_MAPPING: [(&str, &str); 3] = [
    ("google.subject", "assertion.sub"),
    ("attribute.repository", "assertion.repository"),
    ("attribute.repository_owner", "assertion.repository_owner"),
];

/// A Google Cloud project as the Google flavour serves it.
#[derive(Debug, Clone)]
pub struct GoogleConfig {
    /// The project id, e.g. `acme-prod`.
    pub project_id: String,
    /// The project number, digits; workload identity names the project by it.
    pub project_number: String,
    /// Workload identity pool providers of the project.
    pub pools: Vec<WorkloadProvider>,
    /// Service accounts of the project.
    pub service_accounts: Vec<ServiceAccount>,
    /// Failures to imitate.
    pub behavior: GoogleBehavior,
}

impl GoogleConfig {
    /// A project with nothing in it.
    pub fn new(project_id: impl Into<String>, project_number: impl Into<String>) -> Self {
        GoogleConfig {
            project_id: project_id.into(),
            project_number: project_number.into(),
            pools: Vec::new(),
            service_accounts: Vec::new(),
            behavior: GoogleBehavior::default(),
        }
    }

    /// Adds a workload identity pool provider.
    pub fn provider(mut self, provider: WorkloadProvider) -> Self {
        self.pools.push(provider);
        self
    }

    /// Adds a service account.
    pub fn service_account(mut self, account: ServiceAccount) -> Self {
        self.service_accounts.push(account);
        self
    }

    /// `//iam.googleapis.com/projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV`: the STS
    /// `audience` (and the credential configuration's) for a provider of this project.
    pub fn provider_name(&self, pool: &str, provider: &str) -> String {
        format!(
            "//iam.googleapis.com/{}/providers/{provider}",
            self.pool_path(pool)
        )
    }

    /// `https://iam.googleapis.com/…/providers/PROV`: the audience a provider without allowed audiences admits.
    pub fn default_audience(&self, pool: &str, provider: &str) -> String {
        format!("https:{}", self.provider_name(pool, provider))
    }

    /// `principal://iam.googleapis.com/projects/NUM/locations/global/workloadIdentityPools/POOL/subject/SUB`.
    pub fn principal(&self, pool: &str, subject: &str) -> String {
        format!(
            "principal://iam.googleapis.com/{}/subject/{subject}",
            self.pool_path(pool)
        )
    }

    /// `principalSet://iam.googleapis.com/…/POOL/attribute.NAME/VALUE`: every identity of the pool whose mapped
    /// `attribute.NAME` is `VALUE`.
    pub fn principal_set(&self, pool: &str, attribute: &str, value: &str) -> String {
        format!(
            "principalSet://iam.googleapis.com/{}/attribute.{attribute}/{value}",
            self.pool_path(pool)
        )
    }

    /// `principalSet://iam.googleapis.com/…/POOL/*`: every identity of the pool.
    pub fn pool_members(&self, pool: &str) -> String {
        format!(
            "principalSet://iam.googleapis.com/{}/*",
            self.pool_path(pool)
        )
    }

    fn pool_path(&self, pool: &str) -> String {
        format!(
            "projects/{}/locations/global/workloadIdentityPools/{pool}",
            self.project_number
        )
    }

    /// Refuses a config a test could not have meant: a malformed project id or number, pool or provider ids that
    /// Google would refuse, a provider given twice, a mapping without `google.subject` or with a source this
    /// server cannot evaluate, a service account or key given twice, a key that is not RSA, a member string that
    /// is neither a principal, a principal set nor a service account.
    pub(super) fn validate(&self) -> Result<(), String> {
        let id_ok = (6..=30).contains(&self.project_id.len())
            && self
                .project_id
                .starts_with(|c: char| c.is_ascii_lowercase())
            && self
                .project_id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(format!("malformed project id: {}", self.project_id));
        }
        if !(1..=20).contains(&self.project_number.len())
            || !self.project_number.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!(
                "project number must be digits: {}",
                self.project_number
            ));
        }
        for (i, p) in self.pools.iter().enumerate() {
            p.validate()?;
            if self.pools[..i]
                .iter()
                .any(|q| q.pool == p.pool && q.provider == p.provider)
            {
                return Err(format!("provider given twice: {}/{}", p.pool, p.provider));
            }
        }
        for (i, account) in self.service_accounts.iter().enumerate() {
            account.validate()?;
            if self.service_accounts[..i]
                .iter()
                .any(|a| a.email == account.email)
            {
                return Err(format!("service account given twice: {}", account.email));
            }
        }
        Ok(())
    }
}

/// Google's rule for pool and provider ids: 4 to 32 lower-case letters, digits and hyphens.
pub(super) fn well_formed_id(id: &str) -> bool {
    (4..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether `member` has the shape of an IAM member this server can match.
fn well_formed_member(member: &str) -> bool {
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
    /// ([`GoogleConfig::default_audience`]).
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

    fn validate(&self) -> Result<(), String> {
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

/// A service account: its keys, who may impersonate it, what it may do on the project.
#[derive(Clone)]
pub struct ServiceAccount {
    /// `NAME@PROJECT.iam.gserviceaccount.com`.
    pub email: String,
    /// `(private_key_id, public key)`: the account's keys (RSA), by the id a key file's `private_key_id` carries.
    pub keys: Vec<(String, RegisteredKey)>,
    /// Members with `roles/iam.workloadIdentityUser` on the account (may call generateAccessToken for it):
    /// `principal://…`, `principalSet://…`, or `serviceAccount:EMAIL`.
    pub workload_identity_users: Vec<String>,
    /// Permissions the account holds on the project.
    pub permissions: Vec<String>,
}

// Hand-written: a public key is not secret, but pages of its bytes would bury a failing test's message.
impl fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key_ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("ServiceAccount")
            .field("email", &self.email)
            .field("keys", &key_ids)
            .field("workload_identity_users", &self.workload_identity_users)
            .field("permissions", &self.permissions)
            .finish()
    }
}

impl ServiceAccount {
    /// An account with no keys, no users and no permissions.
    pub fn new(email: &str) -> Self {
        ServiceAccount {
            email: email.to_owned(),
            keys: Vec::new(),
            workload_identity_users: Vec::new(),
            permissions: Vec::new(),
        }
    }

    /// Registers a key under `key_id`.
    pub fn key(mut self, key_id: &str, key: RegisteredKey) -> Self {
        self.keys.push((key_id.to_owned(), key));
        self
    }

    /// Lets `member` impersonate the account (`roles/iam.workloadIdentityUser`).
    pub fn workload_identity_user(mut self, member: &str) -> Self {
        self.workload_identity_users.push(member.to_owned());
        self
    }

    /// Grants the account these permissions on the project.
    pub fn permissions(mut self, permissions: &[&str]) -> Self {
        self.permissions
            .extend(permissions.iter().map(|p| (*p).to_owned()));
        self
    }

    fn validate(&self) -> Result<(), String> {
        let email = &self.email;
        let email_ok = email
            .split_once('@')
            .is_some_and(|(name, domain)| !name.is_empty() && domain.contains('.'))
            && !email.contains(['/', ':', ' ']);
        if !email_ok {
            return Err(format!("malformed service account email: {email}"));
        }
        for (i, (id, key)) in self.keys.iter().enumerate() {
            if id.is_empty() || self.keys[..i].iter().any(|(other, _)| other == id) {
                return Err(format!("empty or repeated key id for {email}"));
            }
            if key.kind != "rsa" {
                return Err(format!(
                    "key {id} of {email} is not RSA (Google's keys are)"
                ));
            }
        }
        if let Some(bad) = self
            .workload_identity_users
            .iter()
            .find(|m| !well_formed_member(m))
        {
            return Err(format!(
                "{email} names a malformed workload identity user: {bad}"
            ));
        }
        Ok(())
    }
}

/// Project-wide failures the flavour imitates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoogleBehavior {
    /// Every answer waits this long first (a slow network or a slow Google), so a client's timeout shows.
    pub delay: Option<Duration>,
    /// Issued access tokens last this long, whatever was asked (so a test can see them expire); `None`: one hour,
    /// or the lifetime generateAccessToken was asked for.
    pub token_seconds: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> GoogleConfig {
        GoogleConfig::new("acme-prod", "123456789012")
    }

    #[test]
    fn names_follow_googles_formats() {
        let p = project();
        assert_eq!(
            p.provider_name("github", "actions"),
            "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/providers/actions"
        );
        assert_eq!(
            p.default_audience("github", "actions"),
            "https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/providers/actions"
        );
        assert_eq!(
            p.principal("github", "repo:acme/infra:ref:refs/heads/main"),
            "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/repo:acme/infra:ref:refs/heads/main"
        );
        assert_eq!(
            p.principal_set("github", "repository", "acme/infra"),
            "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/attribute.repository/acme/infra"
        );
        assert_eq!(
            p.pool_members("github"),
            "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/*"
        );
    }

    #[test]
    fn configs_a_test_could_not_mean_are_refused() {
        let github = || WorkloadProvider::new("github", "actions", "https://token.example");
        assert!(project().provider(github()).validate().is_ok());
        let bad = [
            GoogleConfig::new("Acme", "1"),
            GoogleConfig::new("acme-prod", "12a"),
            project().provider(github()).provider(github()),
            project().provider(WorkloadProvider::new("gh", "actions", "https://x.example")),
            project().provider(WorkloadProvider::new(
                "github",
                "Actions",
                "https://x.example",
            )),
            project().provider(WorkloadProvider::new(
                "github",
                "actions",
                "http://x.example",
            )),
            project().provider(github().map("attribute.x", "assertion.a.b")),
            project().provider(github().map("attribute.x-y", "assertion.a")),
            project().provider(github().map("google.groups", "assertion.a")),
            project().provider(WorkloadProvider {
                attribute_mapping: Vec::new(),
                ..github()
            }),
            project().provider(github().condition("", "x")),
            project().provider(github().grant("serviceAccount:a@b.c", &["x"])),
            project().service_account(ServiceAccount::new("nobody")),
            project()
                .service_account(ServiceAccount::new("a@p.iam.gserviceaccount.com"))
                .service_account(ServiceAccount::new("a@p.iam.gserviceaccount.com")),
            project().service_account(
                ServiceAccount::new("a@p.iam.gserviceaccount.com").workload_identity_user("alice"),
            ),
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
    }

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
