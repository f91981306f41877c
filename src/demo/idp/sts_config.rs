//! The STS flavour's configuration: an AWS account's OIDC identity providers, roles, users and the failures to
//! imitate, as tests write them; `Idp::start_sts` serves one.

use std::fmt;

/// An AWS account as the STS flavour serves it: OIDC identity providers, roles, users with access keys.
#[derive(Debug, Clone)]
pub struct StsConfig {
    /// The 12-digit account id.
    pub account: String,
    /// IAM OIDC identity providers of the account.
    pub oidc_providers: Vec<OidcProvider>,
    /// IAM roles.
    pub roles: Vec<StsRole>,
    /// IAM users; the roles they may assume come from the roles' `trusted_users`.
    pub users: Vec<StsUser>,
    /// Failures to imitate.
    pub behavior: StsBehavior,
}

impl StsConfig {
    /// An account with nothing in it.
    pub fn new(account: impl Into<String>) -> Self {
        StsConfig {
            account: account.into(),
            oidc_providers: Vec::new(),
            roles: Vec::new(),
            users: Vec::new(),
            behavior: StsBehavior::default(),
        }
    }

    /// Adds an OIDC identity provider.
    pub fn provider(mut self, provider: OidcProvider) -> Self {
        self.oidc_providers.push(provider);
        self
    }

    /// Adds a role.
    pub fn role(mut self, role: StsRole) -> Self {
        self.roles.push(role);
        self
    }

    /// Adds a user.
    pub fn user(mut self, user: StsUser) -> Self {
        self.users.push(user);
        self
    }

    /// Refuses a config a test could not have meant: a bad account id, names or keys given twice, a role trusting
    /// a user that does not exist.
    pub(super) fn validate(&self) -> Result<(), String> {
        if self.account.len() != 12 || !self.account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("account must be 12 digits: {}", self.account));
        }
        for (i, user) in self.users.iter().enumerate() {
            let earlier = &self.users[..i];
            if earlier.iter().any(|u| u.name == user.name) {
                return Err(format!("user named twice: {}", user.name));
            }
            if user.access_key_id.is_empty()
                || earlier
                    .iter()
                    .any(|u| u.access_key_id == user.access_key_id)
            {
                return Err(format!("empty or repeated access key id for {}", user.name));
            }
        }
        for (i, role) in self.roles.iter().enumerate() {
            if self.roles[..i].iter().any(|r| r.name == role.name) {
                return Err(format!("role named twice: {}", role.name));
            }
            if let Some(unknown) = role
                .trusted_users
                .iter()
                .find(|t| !self.users.iter().any(|u| &u.name == *t))
            {
                return Err(format!("role {} trusts unknown user {unknown}", role.name));
            }
        }
        Ok(())
    }
}

/// An IAM OIDC identity provider: tokens from `issuer` whose `aud` is one of `client_ids` are admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProvider {
    /// The issuer URL, e.g. `https://token.actions.githubusercontent.com`.
    pub issuer: String,
    /// The provider's audiences ("client IDs"), e.g. `sts.amazonaws.com`.
    pub client_ids: Vec<String>,
    /// STS cannot fetch the issuer's keys: every token from it is refused with the verification-key message.
    pub keys_unreachable: bool,
}

impl OidcProvider {
    /// A reachable provider for `issuer` with these audiences.
    pub fn new(issuer: impl Into<String>, client_ids: &[&str]) -> Self {
        OidcProvider {
            issuer: issuer.into(),
            client_ids: client_ids.iter().map(|c| (*c).to_owned()).collect(),
            keys_unreachable: false,
        }
    }
}

/// An IAM role and whom its trust policy admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsRole {
    /// The role name (the last part of `arn:aws:iam::<account>:role/<name>`).
    pub name: String,
    /// `sts:AssumeRoleWithWebIdentity` statements: any one that matches admits the token.
    pub web_identity: Vec<TrustCondition>,
    /// Names of the users allowed `sts:AssumeRole` on this role.
    pub trusted_users: Vec<String>,
}

impl StsRole {
    /// A role that trusts nobody.
    pub fn new(name: impl Into<String>) -> Self {
        StsRole {
            name: name.into(),
            web_identity: Vec::new(),
            trusted_users: Vec::new(),
        }
    }

    /// Trusts tokens from `issuer` whose `sub` is like `subject` (and whose `aud` is `audience`, when given).
    pub fn trust_web_identity(
        mut self,
        issuer: &str,
        audience: Option<&str>,
        subject: &str,
    ) -> Self {
        self.web_identity.push(TrustCondition {
            issuer: issuer.to_owned(),
            audience: audience.map(str::to_owned),
            subject: subject.to_owned(),
        });
        self
    }

    /// Lets the user named `user` call `sts:AssumeRole` on this role.
    pub fn trust_user(mut self, user: &str) -> Self {
        self.trusted_users.push(user.to_owned());
        self
    }
}

/// One trust statement for web identities: `Federated` is the issuer's provider, with the conditions
/// `StringEquals "<host>:aud"` (when `audience` is set) and `StringLike "<host>:sub"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustCondition {
    /// The provider's issuer URL.
    pub issuer: String,
    /// The audience the token must carry; `None` leaves `aud` unchecked.
    pub audience: Option<String>,
    /// An IAM `StringLike` pattern: `*` any run of characters, `?` one character, case-sensitive.
    pub subject: String,
}

/// An IAM user with one access key.
#[derive(Clone)]
pub struct StsUser {
    /// The user name.
    pub name: String,
    /// The access key id, e.g. `AKIA…`.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
}

// Hand-written so that `{:?}` on a config in a failing test never prints a secret.
impl fmt::Debug for StsUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsUser")
            .field("name", &self.name)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

impl StsUser {
    /// A user with this access key.
    pub fn new(name: &str, access_key_id: &str, secret_access_key: &str) -> Self {
        StsUser {
            name: name.to_owned(),
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
        }
    }
}

/// Account-wide failures the flavour imitates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StsBehavior {
    /// STS is not activated in the region: every request gets 403 `RegionDisabledException`.
    pub region_disabled: bool,
    /// The first this many requests get 400 `Throttling` "Rate exceeded".
    pub throttle_first: u32,
    /// AssumeRoleWithWebIdentity gets 400 `IDPCommunicationError` for tokens of a known provider.
    pub idp_communication_error: bool,
    /// Issued sessions last this long whatever was asked (so a test can see them expire); `None`: as asked.
    pub session_seconds: Option<u64>,
}
