//! From the merged inputs and the environment to a runnable [`CheckRequest`], or a report saying which input
//! is missing or wrong: the client id, the credential and how it is presented, the secret, the algorithm, the
//! budget and the scopes. The vendor of the check has chosen the endpoint and read its own environment first
//! (`run::resolve`); the environment fallbacks are the ones the surface table documents.

use std::time::Duration;

use crate::check::base::secret::Secret;
use crate::check::inputs::credential::federated::Federated;
use crate::check::inputs::credential::keys::Alg;
use crate::check::inputs::env::{
    Env, env_names, environment_refusal, from_env, io_reason, refuse, shown_path, unset_variable,
};
use crate::check::inputs::given::{Given, Inputs};
use crate::check::inputs::request::{
    AuthMethod, CheckRequest, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_SECONDS, Endpoint,
    KeyCredential, SecretOrigin, VendorSettings,
};
use crate::check::inputs::sources::Adopted;
use crate::check::report::Report;
use crate::check::report::words::Words;
use crate::surface::{self, Group, Input};
use crate::words;

/// How the client is to be authenticated: the method, the key or federated source it needs, the secret.
struct Credential {
    auth_method: AuthMethod,
    key: Option<KeyCredential>,
    federated: Option<Federated>,
    client_secret: Secret,
    secret_origin: SecretOrigin,
}

impl Inputs {
    /// The generic part of a check for `endpoint`, its credential read as `adopted` says (the vendor may have
    /// named where it comes from). The vendor's own settings and notes are the caller's to add.
    pub fn request(
        &self,
        env: Env<'_>,
        endpoint: Endpoint,
        adopted: &Adopted,
    ) -> Result<CheckRequest, Box<Report>> {
        let client_id = self.client_id(env)?;
        let credential = self.credential(env, adopted)?;
        let signing_algorithm = self.signing_algorithm(&credential)?;
        Ok(self.generic(endpoint, client_id, credential, signing_algorithm))
    }

    /// The generic part of a check whose vendor checks its own kind of identity (AWS): no OAuth2 client, only
    /// the endpoint, the budget and the connection settings.
    pub fn bare_request(&self, endpoint: Endpoint) -> CheckRequest {
        let credential = Credential {
            auth_method: AuthMethod::Auto,
            key: None,
            federated: None,
            client_secret: Secret::new(String::new()),
            secret_origin: SecretOrigin::Input(Input::ClientSecret),
        };
        self.generic(endpoint, String::new(), credential, None)
    }

    fn generic(
        &self,
        endpoint: Endpoint,
        client_id: String,
        credential: Credential,
        signing_algorithm: Option<Alg>,
    ) -> CheckRequest {
        let timeout_seconds = self
            .int(Input::TimeoutSeconds)
            .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        let max_retries = self.int(Input::MaxRetries).unwrap_or(DEFAULT_MAX_RETRIES);
        let list = |input| self.list(input).map(<[String]>::to_vec).unwrap_or_default();
        let text = |input| self.text(input).map(str::to_string);
        CheckRequest {
            endpoint,
            client_id,
            client_secret: credential.client_secret,
            secret_origin: credential.secret_origin,
            auth_method: credential.auth_method,
            scopes: list(Input::Scopes),
            required_scopes: list(Input::RequiredScopes),
            audience: text(Input::Audience),
            resource: text(Input::Resource),
            expected_organization: text(Input::ExpectedOrganization),
            ca_cert_pem: text(Input::CaCertPem),
            timeout: Duration::from_secs(timeout_seconds.clamp(1, 600).unsigned_abs()),
            max_retries: u32::try_from(max_retries.clamp(0, 10)).unwrap_or(0),
            allow_http: self.flag(Input::AllowHttp).unwrap_or(false),
            probe_other_regions: self.flag(Input::ProbeOtherRegions).unwrap_or(false),
            strict: self.flag(Input::Strict).unwrap_or(false),
            key: credential.key,
            federated: credential.federated,
            signing_algorithm,
            private_key_id: text(Input::PrivateKeyId),
            assertion_audience: text(Input::AssertionAudience),
            notes: Vec::new(),
            vendor: VendorSettings::none(),
        }
    }

    /// The client id, given or from the environment.
    fn client_id(&self, env: Env<'_>) -> Result<String, Box<Report>> {
        if let Some(id) = self.text(Input::ClientId) {
            return Ok(id.to_string());
        }
        match from_env(Input::ClientId, env) {
            Some((_, id)) => Ok(id),
            None => Err(refuse(
                Input::ClientId,
                words!["No client id: set ", Input::ClientId],
                words![
                    "Set ",
                    Input::ClientId,
                    format!(", or {} in the environment.", env_names(Input::ClientId))
                ],
            )),
        }
    }

    /// The method and what it needs: a key (which means private_key_jwt unless a method is set), a federated
    /// source, or the secret.
    fn credential(&self, env: Env<'_>, adopted: &Adopted) -> Result<Credential, Box<Report>> {
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
            match (self.secret_value(env), &adopted.unheeded) {
                (Ok(found), _) => found,
                // Nothing to send, but a credential the provider ignores is there: that is the news.
                (Err(_), Some((summary, detail))) => {
                    return Err(environment_refusal(summary.clone(), detail.clone()));
                }
                (Err(refusal), None) => return Err(refusal),
            }
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
        Ok(Credential {
            auth_method,
            key,
            federated,
            client_secret,
            secret_origin,
        })
    }

    /// The assertion's algorithm, when one is asked for: it must fit the key (or HMAC for client_secret_jwt).
    fn signing_algorithm(&self, credential: &Credential) -> Result<Option<Alg>, Box<Report>> {
        let key = &credential.key;
        let method = match credential.auth_method {
            AuthMethod::Auto if key.is_some() => AuthMethod::PrivateKeyJwt,
            AuthMethod::Auto if credential.federated.is_some() => AuthMethod::Federated,
            other => other,
        };
        Ok(match self.text(Input::SigningAlgorithm) {
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
        })
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
    let shown = shown_path(path);
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok((Secret::new(text), SecretOrigin::File(shown))),
            Err(err) => {
                let mut bytes = err.into_bytes();
                zeroize::Zeroize::zeroize(&mut bytes);
                Err(Box::new(
                    Report::refused(
                        words![format!("The secret file {shown} is not UTF-8 text")],
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
                words![format!("Cannot read the secret file {shown}: {}", io_reason(&err))],
                words![
                    file,
                    format!(
                        " is {shown}; reading it failed ({}). Check the path (relative paths start in the \
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
