//! What a check is asked to do, and how the faces' raw inputs become that.

use std::time::Duration;

use super::report::{Blame, Reason, Report};
use super::secret::Secret;

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Basic first; on `invalid_client`, once more in the body.
    Auto,
    /// HTTP Basic with form-encoded id and secret (RFC 6749 section 2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

impl AuthMethod {
    /// Parses the documented names.
    pub fn parse(text: &str) -> Option<AuthMethod> {
        match text {
            "auto" => Some(AuthMethod::Auto),
            "client_secret_basic" => Some(AuthMethod::ClientSecretBasic),
            "client_secret_post" => Some(AuthMethod::ClientSecretPost),
            _ => None,
        }
    }

    /// The documented name.
    pub fn code(self) -> &'static str {
        match self {
            AuthMethod::Auto => "auto",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
        }
    }
}

/// Where the token endpoint comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A token URL given outright.
    TokenUrl(String),
    /// An issuer whose metadata names the token endpoint.
    Issuer(String),
    /// A Genesys Cloud organisation: login and API base URLs.
    Genesys {
        /// Base of the login host, e.g. `https://login.mypurecloud.ie`.
        login_base: String,
        /// Base of the API host, e.g. `https://api.mypurecloud.ie`.
        api_base: String,
        /// The region name when one was given.
        region: Option<String>,
    },
}

/// Where the secret was taken from, so messages can say which variable or file to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretOrigin {
    /// An attribute (`client_secret` of the provider block or ephemeral resource).
    Attribute(&'static str),
    /// An environment variable.
    Env(String),
    /// A file.
    File(String),
    /// Standard input.
    Stdin,
}

impl SecretOrigin {
    /// How to name the origin in a sentence.
    pub fn describe(&self) -> String {
        match self {
            SecretOrigin::Attribute(name) => format!("the `{name}` attribute"),
            SecretOrigin::Env(name) => format!("environment variable {name}"),
            SecretOrigin::File(path) => format!("file {path}"),
            SecretOrigin::Stdin => "standard input".to_string(),
        }
    }
}

/// A fully resolved check, ready to run.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// Where to ask for the token.
    pub endpoint: Endpoint,
    /// The OAuth client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
    /// Where the secret came from.
    pub secret_origin: SecretOrigin,
    /// How to authenticate.
    pub auth_method: AuthMethod,
    /// Scopes to request.
    pub scopes: Vec<String>,
    /// Scopes the token must carry.
    pub required_scopes: Vec<String>,
    /// Auth0-style `audience` parameter.
    pub audience: Option<String>,
    /// RFC 8707 `resource` parameter.
    pub resource: Option<String>,
    /// Genesys organisation the credentials must belong to.
    pub expected_organization: Option<String>,
    /// Extra trusted roots, PEM.
    pub ca_cert_pem: Option<String>,
    /// Budget for the whole check, retries included.
    pub timeout: Duration,
    /// Retries for transient failures.
    pub max_retries: u32,
    /// Allow plain http to hosts that are not loopback.
    pub allow_http: bool,
    /// Genesys Cloud: on a rejected client, ask the other regions whether they know it.
    pub probe_other_regions: bool,
    /// What was assumed while reading the endpoint inputs (e.g. a region given as a URL), for a warning.
    pub endpoint_note: Option<String>,
}

/// Default budget for a whole check.
pub const DEFAULT_TIMEOUT_SECONDS: i64 = 30;
/// Default number of retries for transient failures.
pub const DEFAULT_MAX_RETRIES: i64 = 2;

/// Raw inputs from one configuration level (provider block, data source, CLI flags, external query).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `client_id`.
    pub client_id: Option<String>,
    /// An inline secret (provider block or ephemeral resource).
    pub client_secret: Option<(Secret, SecretOrigin)>,
    /// `client_secret_env`: the name of a variable holding the secret.
    pub client_secret_env: Option<String>,
    /// `client_secret_file`: a file holding the secret.
    pub client_secret_file: Option<String>,
    /// `token_url`.
    pub token_url: Option<String>,
    /// `issuer`.
    pub issuer: Option<String>,
    /// `genesys_region`.
    pub genesys_region: Option<String>,
    /// `genesys_api_url`.
    pub genesys_api_url: Option<String>,
    /// `genesys_login_url`.
    pub genesys_login_url: Option<String>,
    /// `auth_method`.
    pub auth_method: Option<String>,
    /// `scopes`.
    pub scopes: Option<Vec<String>>,
    /// `required_scopes`.
    pub required_scopes: Option<Vec<String>>,
    /// `audience`.
    pub audience: Option<String>,
    /// `resource`.
    pub resource: Option<String>,
    /// `expected_organization`.
    pub expected_organization: Option<String>,
    /// `ca_cert_pem`.
    pub ca_cert_pem: Option<String>,
    /// `timeout_seconds`.
    pub timeout_seconds: Option<i64>,
    /// `max_retries`.
    pub max_retries: Option<i64>,
    /// `allow_http`.
    pub allow_http: Option<bool>,
    /// `probe_other_regions`.
    pub probe_other_regions: Option<bool>,
}

impl Inputs {
    /// True when this level names any endpoint input.
    fn has_endpoint(&self) -> bool {
        self.token_url.is_some()
            || self.issuer.is_some()
            || self.genesys_region.is_some()
            || self.genesys_api_url.is_some()
            || self.genesys_login_url.is_some()
    }

    /// True when this level names any secret source.
    fn has_secret(&self) -> bool {
        self.client_secret.is_some()
            || self.client_secret_env.is_some()
            || self.client_secret_file.is_some()
    }

    /// Lays `over` on top of `self`: any input `over` sets wins; endpoint and secret inputs win as groups,
    /// so a data source's `token_url` is never mixed with a provider's `issuer`.
    pub fn overlay(mut self, over: Inputs) -> Inputs {
        let (over_endpoint, over_secret) = (over.has_endpoint(), over.has_secret());
        if over_endpoint {
            self.token_url = over.token_url;
            self.issuer = over.issuer;
            self.genesys_region = over.genesys_region;
            self.genesys_api_url = over.genesys_api_url;
            self.genesys_login_url = over.genesys_login_url;
        }
        if over_secret {
            self.client_secret = over.client_secret;
            self.client_secret_env = over.client_secret_env;
            self.client_secret_file = over.client_secret_file;
        }
        macro_rules! take {
            ($($field:ident),*) => { $( if over.$field.is_some() { self.$field = over.$field; } )* };
        }
        take!(
            client_id,
            auth_method,
            scopes,
            required_scopes,
            audience,
            resource,
            expected_organization,
            ca_cert_pem,
            timeout_seconds,
            max_retries,
            allow_http,
            probe_other_regions
        );
        self
    }

    /// Names of the endpoint inputs set at this level that exclude each other.
    pub fn conflicting_endpoints(&self) -> Vec<&'static str> {
        let mut set = Vec::new();
        if self.token_url.is_some() {
            set.push("token_url");
        }
        if self.issuer.is_some() {
            set.push("issuer");
        }
        if self.genesys_region.is_some() || self.genesys_login_url.is_some() {
            set.push(if self.genesys_region.is_some() {
                "genesys_region"
            } else {
                "genesys_login_url"
            });
        }
        if set.len() > 1 { set } else { Vec::new() }
    }

    /// Resolves these inputs, with environment fallbacks, into a runnable request; or a report saying what is wrong.
    pub fn resolve(
        self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<CheckRequest, Box<Report>> {
        let invalid = |blame: Blame, summary: String, detail: String| {
            let mut report = Report::new(Reason::InvalidInput, summary, detail);
            report.blame = Some(blame);
            report.push(
                "inputs",
                super::report::Status::Fail,
                report.summary.clone(),
            );
            Box::new(report)
        };
        let env_nonempty = |name: &str| env(name).filter(|v| !v.is_empty());

        let conflicts = self.conflicting_endpoints();
        if !conflicts.is_empty() {
            return Err(invalid(
                Blame::TokenUrl,
                format!("Conflicting endpoint inputs: {} are all set", conflicts.join(" and ")),
                "Set exactly one of `token_url`, `issuer` or `genesys_region` (with `genesys_login_url` and \
                 `genesys_api_url` for gateways): each names the token endpoint a different way, and authcheck \
                 will not guess which one you meant."
                    .to_string(),
            ));
        }

        let endpoint_note = match (&self.token_url, &self.issuer, &self.genesys_region) {
            (None, None, Some(region)) => super::genesys::region_note(region),
            (None, None, None)
                if self.genesys_api_url.is_none() && self.genesys_login_url.is_none() =>
            {
                match (
                    env_nonempty("AUTHCHECK_TOKEN_URL"),
                    env_nonempty("AUTHCHECK_ISSUER"),
                    env_nonempty("GENESYSCLOUD_REGION"),
                ) {
                    (None, None, Some(region)) => super::genesys::region_note(&region)
                        .map(|note| format!("{note} (from GENESYSCLOUD_REGION)")),
                    _ => None,
                }
            }
            _ => None,
        };
        let endpoint = if let Some(url) = self.token_url {
            Endpoint::TokenUrl(url)
        } else if let Some(issuer) = self.issuer {
            Endpoint::Issuer(issuer)
        } else if self.genesys_region.is_some()
            || self.genesys_api_url.is_some()
            || self.genesys_login_url.is_some()
        {
            super::genesys::endpoint(
                self.genesys_region.as_deref(),
                self.genesys_api_url.as_deref(),
                self.genesys_login_url.as_deref(),
            )
            .map_err(|(summary, detail)| invalid(Blame::GenesysRegion, summary, detail))?
        } else if let Some(url) = env_nonempty("AUTHCHECK_TOKEN_URL") {
            Endpoint::TokenUrl(url)
        } else if let Some(issuer) = env_nonempty("AUTHCHECK_ISSUER") {
            Endpoint::Issuer(issuer)
        } else if let Some(region) = env_nonempty("GENESYSCLOUD_REGION") {
            super::genesys::endpoint(Some(&region), None, None)
                .map_err(|(summary, detail)| invalid(Blame::GenesysRegion, summary, detail))?
        } else {
            return Err(invalid(
                Blame::TokenUrl,
                "No token endpoint: set token_url, issuer or genesys_region".to_string(),
                "authcheck needs to know where to ask for a token. Set `token_url` (the OAuth2 token endpoint), \
                 `issuer` (an OIDC issuer, whose discovery document names the endpoint) or `genesys_region`, in the \
                 data source or the provider block; or set AUTHCHECK_TOKEN_URL, AUTHCHECK_ISSUER or \
                 GENESYSCLOUD_REGION in the environment."
                    .to_string(),
            ));
        };

        let client_id = match self.client_id {
            Some(id) => id,
            None => match env_nonempty("AUTHCHECK_CLIENT_ID")
                .or_else(|| env_nonempty("GENESYSCLOUD_OAUTHCLIENT_ID"))
            {
                Some(id) => id,
                None => {
                    return Err(invalid(
                        Blame::ClientId,
                        "No client id: set client_id".to_string(),
                        "Set `client_id` in the data source or the provider block, or AUTHCHECK_CLIENT_ID (or \
                         GENESYSCLOUD_OAUTHCLIENT_ID) in the environment."
                            .to_string(),
                    ));
                }
            },
        };

        let (client_secret, secret_origin) = if let Some(name) = self.client_secret_env {
            match env(&name) {
                Some(value) => (Secret::new(value), SecretOrigin::Env(name)),
                None => {
                    return Err(invalid(
                        Blame::ClientSecret,
                        format!("Environment variable {name} (client_secret_env) is not set"),
                        format!(
                            "`client_secret_env` names the variable {name}, but it is not set in the environment \
                             Terraform runs in. Export it in the pipeline step that runs terraform, or correct \
                             the name."
                        ),
                    ));
                }
            }
        } else if let Some(path) = self.client_secret_file {
            match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => (Secret::new(text), SecretOrigin::File(path)),
                    Err(_) => {
                        return Err(invalid(
                            Blame::ClientSecret,
                            format!("The secret file {path} is not UTF-8 text"),
                            "An OAuth2 client secret is text. Check that the file holds the secret itself, not \
                             an encrypted or binary form of it."
                                .to_string(),
                        ));
                    }
                },
                Err(err) => {
                    return Err(invalid(
                        Blame::ClientSecret,
                        format!("Cannot read the secret file {path}: {}", io_reason(&err)),
                        format!(
                            "`client_secret_file` is {path}; reading it failed ({}). Check the path (it is \
                             relative to the directory terraform runs in) and the file's permissions.",
                            io_reason(&err)
                        ),
                    ));
                }
            }
        } else if let Some((secret, origin)) = self.client_secret {
            (secret, origin)
        } else if let Some(value) = env("AUTHCHECK_CLIENT_SECRET") {
            (
                Secret::new(value),
                SecretOrigin::Env("AUTHCHECK_CLIENT_SECRET".to_string()),
            )
        } else if let Some(value) = env("GENESYSCLOUD_OAUTHCLIENT_SECRET") {
            (
                Secret::new(value),
                SecretOrigin::Env("GENESYSCLOUD_OAUTHCLIENT_SECRET".to_string()),
            )
        } else {
            return Err(invalid(
                Blame::ClientSecret,
                "No client secret: set client_secret_env, client_secret_file or the provider's client_secret"
                    .to_string(),
                "authcheck found no secret. Give it one of: `client_secret_env` (the name of an environment \
                 variable) or `client_secret_file` on the data source; `client_secret` in the provider block; or \
                 AUTHCHECK_CLIENT_SECRET (or GENESYSCLOUD_OAUTHCLIENT_SECRET) in the environment. The data source \
                 has no `client_secret` attribute on purpose: Terraform stores data source arguments in state."
                    .to_string(),
            ));
        };

        let auth_method = match self.auth_method.as_deref() {
            None => AuthMethod::Auto,
            Some(text) => AuthMethod::parse(text).ok_or_else(|| {
                invalid(
                    Blame::AuthMethod,
                    format!("Unknown auth_method {text:?}"),
                    "`auth_method` must be `auto`, `client_secret_basic` or `client_secret_post`."
                        .to_string(),
                )
            })?,
        };

        let timeout_seconds = self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        if !(1..=600).contains(&timeout_seconds) {
            return Err(invalid(
                Blame::TokenUrl,
                format!("timeout_seconds must be between 1 and 600, got {timeout_seconds}"),
                "`timeout_seconds` bounds the whole check, retries included.".to_string(),
            ));
        }
        let max_retries = self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
        if !(0..=10).contains(&max_retries) {
            return Err(invalid(
                Blame::TokenUrl,
                format!("max_retries must be between 0 and 10, got {max_retries}"),
                "`max_retries` is how often a transient failure (429, 5xx, reset) is retried inside the timeout."
                    .to_string(),
            ));
        }

        Ok(CheckRequest {
            endpoint,
            client_id,
            client_secret,
            secret_origin,
            auth_method,
            scopes: self.scopes.unwrap_or_default(),
            required_scopes: self.required_scopes.unwrap_or_default(),
            audience: self.audience,
            resource: self.resource,
            expected_organization: self.expected_organization,
            ca_cert_pem: self.ca_cert_pem,
            timeout: Duration::from_secs(timeout_seconds.unsigned_abs()),
            max_retries: u32::try_from(max_retries).unwrap_or(0),
            allow_http: self.allow_http.unwrap_or(false),
            probe_other_regions: self.probe_other_regions.unwrap_or(false),
            endpoint_note,
        })
    }
}

/// A short, stable description of an I/O error (without the OS error number noise).
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn base() -> Inputs {
        Inputs {
            client_id: Some("id".into()),
            client_secret: Some((Secret::new("s"), SecretOrigin::Attribute("client_secret"))),
            token_url: Some("https://idp.example/token".into()),
            ..Inputs::default()
        }
    }

    #[test]
    fn data_source_endpoint_replaces_the_providers_as_a_group() {
        let provider = Inputs {
            issuer: Some("https://issuer.example".into()),
            ..base()
        };
        let provider = Inputs {
            token_url: None,
            ..provider
        };
        let data = Inputs {
            token_url: Some("https://other.example/token".into()),
            ..Inputs::default()
        };
        let merged = provider.overlay(data);
        assert_eq!(
            merged.token_url.as_deref(),
            Some("https://other.example/token")
        );
        assert!(merged.issuer.is_none());
        assert!(merged.conflicting_endpoints().is_empty());
    }

    #[test]
    fn two_endpoint_inputs_at_one_level_are_refused() {
        let inputs = Inputs {
            issuer: Some("https://issuer.example".into()),
            ..base()
        };
        let report = inputs.resolve(&no_env).expect_err("conflict");
        assert_eq!(report.reason, Reason::InvalidInput);
        assert!(
            report.summary.contains("token_url and issuer"),
            "{}",
            report.summary
        );
    }

    #[test]
    fn client_secret_env_names_the_missing_variable() {
        let inputs = Inputs {
            client_secret: None,
            client_secret_env: Some("MY_SECRET".into()),
            ..base()
        };
        let report = inputs.resolve(&no_env).expect_err("missing");
        assert!(report.summary.contains("MY_SECRET"));
        assert_eq!(report.blame, Some(Blame::ClientSecret));
    }

    #[test]
    fn environment_fallbacks_fill_id_secret_and_endpoint() {
        let env = |name: &str| match name {
            "AUTHCHECK_TOKEN_URL" => Some("https://env.example/token".to_string()),
            "GENESYSCLOUD_OAUTHCLIENT_ID" => Some("gid".to_string()),
            "GENESYSCLOUD_OAUTHCLIENT_SECRET" => Some("gsecret".to_string()),
            _ => None,
        };
        let request = Inputs::default().resolve(&env).expect("resolves");
        assert_eq!(
            request.endpoint,
            Endpoint::TokenUrl("https://env.example/token".into())
        );
        assert_eq!(request.client_id, "gid");
        assert_eq!(request.client_secret.expose(), "gsecret");
        assert_eq!(
            request.secret_origin,
            SecretOrigin::Env("GENESYSCLOUD_OAUTHCLIENT_SECRET".into())
        );
    }

    #[test]
    fn missing_secret_explains_every_source() {
        let inputs = Inputs {
            client_secret: None,
            ..base()
        };
        let report = inputs.resolve(&no_env).expect_err("no secret");
        assert!(report.detail.contains("client_secret_env"));
        assert!(report.detail.contains("AUTHCHECK_CLIENT_SECRET"));
    }
}
