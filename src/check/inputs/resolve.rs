//! From the merged inputs and the environment to a runnable [`CheckRequest`], or a report saying which input
//! is missing or wrong. The environment fallbacks are the ones the surface table documents.

use std::time::Duration;

use crate::check::base::secret::Secret;
use crate::check::inputs::credential::keys::Alg;
use crate::check::inputs::given::{Given, Inputs};
use crate::check::inputs::request::{
    AuthMethod, CheckRequest, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_SECONDS, Endpoint, SecretOrigin,
};
use crate::check::inputs::validate;
use crate::check::report::Report;
use crate::check::report::words::Words;
use crate::check::vendors::genesys;
use crate::check::vendors::genesys::permissions::{self, Op, Requirement};
use crate::surface::{self, Group, Input};
use crate::words;

/// Reads an environment variable (a closure, so tests and fuzzers never touch the real environment).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A short, stable description of an I/O error (without the OS error number noise).
pub fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => err.to_string(),
    }
}

/// The first non-empty environment variable of an input's documented fallbacks, with its name.
pub(super) fn from_env(input: Input, env: Env<'_>) -> Option<(&'static str, String)> {
    surface::input(input)
        .env
        .iter()
        .find_map(|name| env(name).filter(|v| !v.is_empty()).map(|v| (*name, v)))
}

/// `A (or B, C)`: an input's environment fallbacks in a sentence.
fn env_names(input: Input) -> String {
    match surface::input(input).env {
        [] => String::new(),
        [one] => (*one).to_string(),
        [first, rest @ ..] => format!("{first} (or {})", rest.join(", ")),
    }
}

/// `input` names the variable `name`, which is not set: `rest` says so and what to do ("is not set …").
pub(super) fn unset_variable(input: Input, name: &str, rest: &str) -> Box<Report> {
    refuse(
        input,
        words![
            format!("Environment variable {name} ("),
            input,
            ") is not set"
        ],
        words![input, format!(" names the variable {name}, but it {rest}")],
    )
}

/// A refusal: the check cannot run with these inputs.
pub(super) fn refuse(blame: Input, summary: Words, detail: Words) -> Box<Report> {
    Box::new(Report::refused(summary, detail, blame))
}

impl Inputs {
    /// Resolves these inputs, with environment fallbacks, into a runnable request; or a report saying what is
    /// wrong. Runs the same input rules every face runs first.
    pub fn resolve(mut self, env: Env<'_>) -> Result<CheckRequest, Box<Report>> {
        if let Some(problem) = validate::level(&self).into_iter().next() {
            return Err(refuse(problem.input, problem.summary, problem.detail));
        }
        let (endpoint, endpoint_note) = self.endpoint(env)?;
        // An Entra check that names no credential checks the one azurerm would use.
        let adopted = match endpoint {
            Endpoint::Entra { .. } => crate::check::vendors::entra::azurerm::adopt(&mut self, env),
            _ => crate::check::vendors::entra::azurerm::Adopted::default(),
        };
        let client_id = match self.text(Input::ClientId) {
            Some(id) => id.to_string(),
            None => match from_env(Input::ClientId, env) {
                Some((_, id)) => id,
                None => {
                    return Err(refuse(
                        Input::ClientId,
                        words!["No client id: set ", Input::ClientId],
                        words![
                            "Set ",
                            Input::ClientId,
                            format!(", or {} in the environment.", env_names(Input::ClientId))
                        ],
                    ));
                }
            },
        };
        let auth_method = self
            .text(Input::AuthMethod)
            .and_then(AuthMethod::parse)
            .unwrap_or(AuthMethod::Auto);
        let key = self.key_credential(env, adopted.pkcs12_base64)?;
        let wants_federated = auth_method == AuthMethod::Federated
            || (auth_method == AuthMethod::Auto
                && key.is_none()
                && self.sets_group(Group::FederatedSource));
        let federated = if wants_federated {
            Some(self.federated_source(env, adopted.ci_request)?)
        } else {
            None
        };
        let method = match auth_method {
            AuthMethod::Auto if key.is_some() => AuthMethod::PrivateKeyJwt,
            AuthMethod::Auto if federated.is_some() => AuthMethod::Federated,
            other => other,
        };
        let (client_secret, secret_origin) = if method.uses_secret() {
            self.secret_value(env)?
        } else {
            (
                Secret::new(String::new()),
                SecretOrigin::Input(Input::ClientSecret),
            )
        };
        let needs = |what: Words, inputs: Words| {
            refuse(
                Input::AuthMethod,
                words![format!("{} needs ", method.code()), what.clone()],
                words![
                    format!("{} authenticates with ", method.code()),
                    what,
                    ". Give it by ",
                    inputs,
                    ", or choose another ",
                    Input::AuthMethod,
                    "."
                ],
            )
        };
        let key_inputs = || words![Group::KeySource];
        match method {
            AuthMethod::PrivateKeyJwt if key.is_none() => {
                return Err(needs(words!["a private key"], key_inputs()));
            }
            m if m.is_tls() && key.as_ref().is_none_or(|k| k.certificate.is_none()) => {
                return Err(needs(
                    words!["a client certificate and its private key"],
                    words![Group::KeySource, " with ", Input::CertificateFile],
                ));
            }
            _ => {}
        }
        let signing_algorithm = match self.text(Input::SigningAlgorithm) {
            None => None,
            Some(text) => {
                let alg = Alg::parse(text).unwrap_or(Alg::Rs256);
                let fits = match (&key, method) {
                    (_, AuthMethod::ClientSecretJwt) => alg == Alg::Hs256,
                    (Some(key), _) => key.key.fits(alg),
                    (None, _) => true,
                };
                if !fits {
                    return Err(refuse(
                        Input::SigningAlgorithm,
                        words![
                            Input::SigningAlgorithm,
                            format!(
                                " {} does not fit {}",
                                alg.name(),
                                key.as_ref()
                                    .map_or("client_secret_jwt (HMAC with the secret)", |k| k
                                        .key
                                        .kind())
                            )
                        ],
                        words![
                            "RSA keys sign RS256 or PS256, EC P-256 keys ES256, EC P-384 keys ES384, and \
                             client_secret_jwt uses HS256. Set ",
                            Input::SigningAlgorithm,
                            " to match the key, or remove it to use the key's default."
                        ],
                    ));
                }
                Some(alg)
            }
        };
        let timeout_seconds = self
            .int(Input::TimeoutSeconds)
            .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        let max_retries = self.int(Input::MaxRetries).unwrap_or(DEFAULT_MAX_RETRIES);
        let list = |input| self.list(input).map(<[String]>::to_vec).unwrap_or_default();
        let text = |input| self.text(input).map(str::to_string);
        let (required_permissions, permission_caveats) = self.permissions(&endpoint)?;
        let azure_subscription = self.subscription(&endpoint, env)?;
        let scopes = match (&endpoint, list(Input::Scopes)) {
            // Entra refuses a client-credentials request without a scope; Resource Manager's is the one azurerm
            // deploys with (its first token, at plan time, is Microsoft Graph's: set scopes to check that one).
            (Endpoint::Entra { cloud, .. }, scopes) if scopes.is_empty() => {
                vec![cloud.management_scope().to_string()]
            }
            (_, scopes) => scopes,
        };
        Ok(CheckRequest {
            endpoint,
            client_id,
            client_secret,
            secret_origin,
            auth_method,
            scopes,
            required_scopes: list(Input::RequiredScopes),
            required_permissions,
            permission_caveats,
            azure_subscription,
            audience: text(Input::Audience),
            resource: text(Input::Resource),
            expected_organization: text(Input::ExpectedOrganization),
            ca_cert_pem: text(Input::CaCertPem),
            timeout: Duration::from_secs(timeout_seconds.clamp(1, 600).unsigned_abs()),
            max_retries: u32::try_from(max_retries.clamp(0, 10)).unwrap_or(0),
            allow_http: self.flag(Input::AllowHttp).unwrap_or(false),
            probe_other_regions: self.flag(Input::ProbeOtherRegions).unwrap_or(false),
            strict: self.flag(Input::Strict).unwrap_or(false),
            key,
            federated,
            signing_algorithm,
            private_key_id: text(Input::PrivateKeyId),
            assertion_audience: text(Input::AssertionAudience),
            endpoint_note,
            credential_notes: adopted,
        })
    }

    /// The Genesys permissions required: `required_permissions` as given, and each of `genesys_resources`'
    /// types with every operation, from the embedded table; plus what the table says it misses for them.
    fn permissions(
        &self,
        endpoint: &Endpoint,
    ) -> Result<(Vec<Requirement>, Vec<String>), Box<Report>> {
        let permissions = self.list(Input::RequiredPermissions).unwrap_or_default();
        let types = self.list(Input::GenesysResources).unwrap_or_default();
        if permissions.is_empty() && types.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        if !matches!(endpoint, Endpoint::Genesys { .. }) {
            let input = if permissions.is_empty() {
                Input::GenesysResources
            } else {
                Input::RequiredPermissions
            };
            return Err(refuse(
                input,
                words![input, " applies to Genesys Cloud only"],
                words![
                    "Genesys Cloud clients get their rights from roles, which authcheck can read; other servers \
                     say what a token may do through scopes. Set ",
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
                        "A Genesys Cloud permission is domain:entity:action, e.g. routing:queue:view (\"*\" \
                         matches any part); ",
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
            let found =
                permissions::requirements(type_name, &Op::ALL, type_name).map_err(|why| {
                    refuse(
                        Input::GenesysResources,
                        words![
                            Input::GenesysResources,
                            format!(" entry {index} is not a genesyscloud type")
                        ],
                        words![why],
                    )
                })?;
            out.extend(found);
            caveats.extend(permissions::caveats(type_name));
        }
        Ok((out, caveats))
    }

    /// The subscription to check after an Entra token: given (only with an Entra endpoint), or ARM_SUBSCRIPTION_ID
    /// when the endpoint is Entra's; a subscription ID is a GUID.
    fn subscription(
        &self,
        endpoint: &Endpoint,
        env: Env<'_>,
    ) -> Result<Option<(String, String)>, Box<Report>> {
        let Endpoint::Entra { cloud, .. } = endpoint else {
            if self.text(Input::AzureSubscriptionId).is_some() {
                return Err(refuse(
                    Input::AzureSubscriptionId,
                    words![
                        Input::AzureSubscriptionId,
                        " applies to Microsoft Entra ID only"
                    ],
                    words![
                        "A subscription is checked with a Resource Manager token from Entra ID. Set ",
                        Input::EntraTenantId,
                        " (or ARM_TENANT_ID) for the service principal's tenant."
                    ],
                ));
            }
            return Ok(None);
        };
        let (id, from) = match self.text(Input::AzureSubscriptionId) {
            Some(id) => (id.to_string(), None),
            None => match from_env(Input::AzureSubscriptionId, env) {
                Some((name, id)) => (id, Some(name)),
                None => return Ok(None),
            },
        };
        let id = id.trim().to_ascii_lowercase();
        if !crate::check::vendors::entra::cloud::is_guid(&id) {
            return Err(refuse(
                Input::AzureSubscriptionId,
                words![Input::AzureSubscriptionId, " is not a subscription ID"],
                words![format!(
                    "A subscription ID is a GUID (8-4-4-4-12 hexadecimal digits){}; it is {id:?}. Copy it from the \
                     subscription's Overview page, not its name.",
                    from.map(|n| format!(", here from {n}")).unwrap_or_default()
                )],
            ));
        }
        let base = self.text(Input::AzureManagementUrl).map_or_else(
            || cloud.management_base().to_string(),
            |u| u.trim().trim_end_matches('/').to_string(),
        );
        Ok(Some((id, base)))
    }

    /// An Entra endpoint: the tenant (given, or from the environment variable `from`), the cloud (given, else
    /// ARM_ENVIRONMENT / AZURE_ENVIRONMENT, else public) and its login host unless `entra_login_url` says another.
    fn entra(
        &self,
        env: Env<'_>,
        tenant: Option<String>,
        from: Option<&'static str>,
    ) -> Result<(Endpoint, Option<Words>), Box<Report>> {
        let Some(tenant) = tenant else {
            return Err(refuse(
                Input::EntraTenantId,
                words!["No ", Input::EntraTenantId, " for the Entra ID endpoint"],
                words![
                    "The token endpoint of Microsoft Entra ID is per tenant. Set ",
                    Input::EntraTenantId,
                    " (or ARM_TENANT_ID) to the tenant's ID or a verified domain."
                ],
            ));
        };
        let tenant =
            crate::check::vendors::entra::cloud::tenant(&tenant).map_err(|(summary, detail)| {
                let detail = match from {
                    Some(name) => words![detail, format!(" (It came from {name}.)")],
                    None => detail,
                };
                refuse(Input::EntraTenantId, summary, detail)
            })?;
        let cloud = match self
            .text(Input::EntraCloud)
            .map(|c| (None, c.to_string()))
            .or_else(|| from_env(Input::EntraCloud, env).map(|(n, c)| (Some(n), c)))
        {
            None => crate::check::vendors::entra::cloud::Cloud::Public,
            Some((name, text)) => crate::check::vendors::entra::cloud::Cloud::parse(&text)
                .ok_or_else(|| {
                    refuse(
                        Input::EntraCloud,
                        words![
                            Input::EntraCloud,
                            format!(" {:?} is not an Azure cloud", text.trim())
                        ],
                        words![format!(
                            "Use public, usgovernment or china{}.",
                            name.map(|n| format!(" (the value came from {n})"))
                                .unwrap_or_default()
                        )],
                    )
                })?,
        };
        let login_base = self.text(Input::EntraLoginUrl).map_or_else(
            || cloud.login_base().to_string(),
            |u| u.trim().trim_end_matches('/').to_string(),
        );
        Ok((
            Endpoint::Entra {
                tenant,
                cloud,
                login_base,
            },
            None,
        ))
    }

    /// The endpoint: this level's endpoint inputs, else the environment's, in the documented order.
    fn endpoint(&self, env: Env<'_>) -> Result<(Endpoint, Option<Words>), Box<Report>> {
        let genesys_error = |(summary, detail)| refuse(Input::GenesysRegion, summary, detail);
        if let Some(url) = self.text(Input::TokenUrl) {
            return Ok((Endpoint::TokenUrl(url.to_string()), None));
        }
        if let Some(issuer) = self.text(Input::Issuer) {
            return Ok((Endpoint::Issuer(issuer.to_string()), None));
        }
        let region = self.text(Input::GenesysRegion);
        let api = self.text(Input::GenesysApiUrl);
        let login = self.text(Input::GenesysLoginUrl);
        if region.is_some() || api.is_some() || login.is_some() {
            let endpoint = genesys::endpoint(region, api, login).map_err(genesys_error)?;
            return Ok((endpoint, region.and_then(genesys::region_note)));
        }
        if self.text(Input::EntraTenantId).is_some()
            || self.text(Input::EntraCloud).is_some()
            || self.text(Input::EntraLoginUrl).is_some()
        {
            return match self.text(Input::EntraTenantId) {
                Some(tenant) => self.entra(env, Some(tenant.to_string()), None),
                None => match from_env(Input::EntraTenantId, env) {
                    Some((name, tenant)) => self.entra(env, Some(tenant), Some(name)),
                    None => self.entra(env, None, None),
                },
            };
        }
        if let Some((_, url)) = from_env(Input::TokenUrl, env) {
            return Ok((Endpoint::TokenUrl(url), None));
        }
        if let Some((_, issuer)) = from_env(Input::Issuer, env) {
            return Ok((Endpoint::Issuer(issuer), None));
        }
        if let Some((name, region)) = from_env(Input::GenesysRegion, env) {
            let endpoint = genesys::endpoint(Some(&region), None, None).map_err(genesys_error)?;
            let note =
                genesys::region_note(&region).map(|note| words![note, format!(" (from {name})")]);
            return Ok((endpoint, note));
        }
        if let Some((name, tenant)) = from_env(Input::EntraTenantId, env) {
            return self.entra(env, Some(tenant), Some(name));
        }
        Err(refuse(
            Input::TokenUrl,
            words![
                "No token endpoint: set ",
                Input::TokenUrl,
                ", ",
                Input::Issuer,
                " or ",
                Input::GenesysRegion
            ],
            words![
                "authcheck needs to know where to ask for a token. Set ",
                Input::TokenUrl,
                " (the OAuth2 token endpoint), ",
                Input::Issuer,
                " (an OIDC issuer, whose discovery document names the endpoint) or ",
                Input::GenesysRegion,
                "; or set AUTHCHECK_TOKEN_URL, AUTHCHECK_ISSUER or GENESYSCLOUD_REGION in the environment."
            ],
        ))
    }

    /// The secret, from the first source given: a named variable, a file, the inline value, the environment.
    fn secret_value(&self, env: Env<'_>) -> Result<(Secret, SecretOrigin), Box<Report>> {
        if let Some(name) = self.text(Input::ClientSecretEnv) {
            return match env(name) {
                Some(value) => Ok((Secret::new(value), SecretOrigin::Env(name.to_string()))),
                None => Err(unset_variable(
                    Input::ClientSecretEnv,
                    name,
                    "is not set in the environment the check runs in. Export it in the pipeline step that runs \
                     the check, or correct the name.",
                )),
            };
        }
        if let Some(path) = self.text(Input::ClientSecretFile) {
            return read_secret_file(path);
        }
        if let Some((secret, origin)) = self.secret(Input::ClientSecret) {
            return Ok((secret.clone(), origin.clone()));
        }
        let row = surface::input(Input::ClientSecret);
        for name in row.env {
            if let Some(value) = env(name) {
                return Ok((Secret::new(value), SecretOrigin::Env((*name).to_string())));
            }
        }
        Err(refuse(
            Input::ClientSecret,
            words!["No client secret: give it by ", Group::SecretSource],
            words![
                "authcheck found no secret. Give it by ",
                Group::SecretSource,
                format!(
                    ", or set {} in the environment.",
                    env_names(Input::ClientSecret)
                )
            ],
        ))
    }
}

/// Reads a secret file whole; a missing, unreadable or non-text file is an input error naming the file.
fn read_secret_file(path: &str) -> Result<(Secret, SecretOrigin), Box<Report>> {
    let file = Input::ClientSecretFile;
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok((Secret::new(text), SecretOrigin::File(path.to_string()))),
            Err(err) => {
                let mut bytes = err.into_bytes();
                zeroize::Zeroize::zeroize(&mut bytes);
                Err(Box::new(
                    Report::refused(
                        words![format!("The secret file {path} is not UTF-8 text")],
                        words![
                            "An OAuth2 client secret is text. Check that the file holds the secret itself, not \
                             an encrypted or binary form of it."
                        ],
                        file,
                    )
                    .with_usage(false),
                ))
            }
        },
        Err(err) => Err(Box::new(
            Report::refused(
                words![format!("Cannot read the secret file {path}: {}", io_reason(&err))],
                words![
                    file,
                    format!(
                        " is {path}; reading it failed ({}). Check the path (relative paths start in the \
                         directory the check runs in) and the file's permissions.",
                        io_reason(&err)
                    )
                ],
                file,
            )
            .with_usage(false),
        )),
    }
}

impl Given {
    /// The text of a text input, if it is one.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Given::Text(text) => Some(text),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Reason;
    use crate::check::report::words::Plain;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn base() -> Inputs {
        Inputs::new()
            .with_text(Input::ClientId, "id")
            .with(
                Input::ClientSecret,
                Given::Secret(
                    Secret::new("s3cret-value"),
                    SecretOrigin::Input(Input::ClientSecret),
                ),
            )
            .with_text(Input::TokenUrl, "https://idp.example/token")
    }

    #[test]
    fn two_endpoint_inputs_at_one_level_are_refused() {
        let report = base()
            .with_text(Input::Issuer, "https://issuer.example")
            .resolve(&no_env)
            .expect_err("conflict");
        assert_eq!(report.reason, Reason::InvalidInput);
        assert!(report.usage);
        assert!(
            report.summary_in(&Plain).contains("token_url and issuer"),
            "{}",
            report.summary_in(&Plain)
        );
    }

    #[test]
    fn client_secret_env_names_the_missing_variable() {
        let mut inputs = base().with_text(Input::ClientSecretEnv, "MY_SECRET");
        inputs.remove(Input::ClientSecret);
        let report = inputs.resolve(&no_env).expect_err("missing");
        assert!(report.summary_in(&Plain).contains("MY_SECRET"));
        assert_eq!(report.blame, Some(Input::ClientSecretEnv));
    }

    #[test]
    fn environment_fallbacks_fill_id_secret_and_endpoint() {
        let env = |name: &str| match name {
            "AUTHCHECK_TOKEN_URL" => Some("https://env.example/token".to_string()),
            "GENESYSCLOUD_OAUTHCLIENT_ID" => Some("gid".to_string()),
            "GENESYSCLOUD_OAUTHCLIENT_SECRET" => Some("gsecret".to_string()),
            _ => None,
        };
        let request = Inputs::new().resolve(&env).expect("resolves");
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
        let mut inputs = base();
        inputs.remove(Input::ClientSecret);
        let report = inputs.resolve(&no_env).expect_err("no secret");
        let detail = report.detail_in(&Plain);
        assert!(detail.contains("client_secret_env"), "{detail}");
        assert!(detail.contains("AUTHCHECK_CLIENT_SECRET"), "{detail}");
    }

    #[test]
    fn an_unreadable_secret_file_is_not_a_usage_error() {
        let mut inputs = base().with_text(Input::ClientSecretFile, "/nonexistent/secret");
        inputs.remove(Input::ClientSecret);
        let report = inputs.resolve(&no_env).expect_err("no file");
        assert!(!report.usage);
        assert!(report.summary_in(&Plain).contains("no such file"));
    }
}
