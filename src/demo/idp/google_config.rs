//! The Google flavour's configuration: a project, its service accounts and their keys, and the failures to
//! imitate, as tests write them (`google_provider` has the workload identity providers); `Idp::start_google` serves
//! one.

use std::fmt;
use std::time::Duration;

use super::assertion::RegisteredKey;
use super::google_provider::{WorkloadProvider, well_formed_member};

/// The project a Google-flavoured server has when nothing else is configured (plain [`super::Idp::start`]).
pub const GOOGLE_TEST_PROJECT: &str = "authcheck-test";
/// That project's number.
pub const GOOGLE_TEST_PROJECT_NUMBER: &str = "123456789012";

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
    /// The first this many requests to the flavour's endpoints get Google's 503 `UNAVAILABLE`, so a client's
    /// retries show.
    pub unavailable_first: u64,
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
}
