//! Google credential configurations, as the google provider and google-auth read them (facts:
//! cloud-federation.md 2.1): `external_account` (workload identity federation: an STS token URL, the provider's
//! audience, where the subject token comes from, and the service account to impersonate), `service_account` (a
//! key: its email, private key, key id and token URI) and `impersonated_service_account` (source credentials and
//! the account they impersonate). The JSON is read once and wiped; the private key and the CI request token it may
//! hold are `Secret`s from then on.

use serde_json::Value;

use crate::check::base::heard::Json;
use crate::check::base::secret::Secret;

/// Largest configuration read: a key file is a few kilobytes.
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;

/// The default STS token URL of external accounts.
pub const STS_TOKEN_URL: &str = "https://sts.googleapis.com/v1/token";
/// The default token URI of service-account keys.
pub const KEY_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// A credential configuration.
#[derive(Debug)]
pub enum Config {
    /// Workload identity federation.
    ExternalAccount(ExternalAccount),
    /// A service-account key.
    ServiceAccount(KeyFile),
    /// Source credentials that impersonate a service account.
    Impersonated {
        /// The credentials that ask.
        source: Box<Config>,
        /// The account impersonated (from `service_account_impersonation_url`).
        service_account: String,
        /// Where that URL sends generateAccessToken (its part before `/v1/projects/`).
        impersonation_base: Option<String>,
    },
}

/// An `external_account` configuration.
#[derive(Debug)]
pub struct ExternalAccount {
    /// `//iam.googleapis.com/projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV`.
    pub audience: String,
    /// `urn:ietf:params:oauth:token-type:jwt` or `:id_token`.
    pub subject_token_type: String,
    /// The STS token URL.
    pub token_url: String,
    /// Where the subject token comes from.
    pub source: SubjectSource,
    /// The service account to impersonate, from `service_account_impersonation_url`.
    pub service_account: Option<String>,
    /// Where that URL sends generateAccessToken (its part before `/v1/projects/`).
    pub impersonation_base: Option<String>,
}

/// Where an external account's subject token comes from.
#[derive(Debug)]
pub enum SubjectSource {
    /// A file (a Kubernetes projected token, a token a CI step wrote), read at every check.
    File {
        /// The path.
        path: String,
        /// The JSON field holding the token when the file is JSON.
        json_field: Option<String>,
    },
    /// A URL (GitHub Actions' token service, as google-github-actions/auth writes it), with its headers.
    Url {
        /// The URL.
        url: String,
        /// The headers (an `Authorization: Bearer` request token among them): secrets.
        headers: Vec<(String, Secret)>,
        /// The JSON field holding the token (a JSON `format`); none: the whole answer is the token.
        json_field: Option<String>,
    },
    /// `environment_id` (AWS as the source of a Google identity): not supported.
    Environment(String),
}

/// A `service_account` key file.
#[derive(Debug)]
pub struct KeyFile {
    /// `client_email`.
    pub client_email: String,
    /// `private_key` (PEM).
    pub private_key: Secret,
    /// `private_key_id`.
    pub private_key_id: Option<String>,
    /// `token_uri`.
    pub token_uri: String,
    /// `project_id`.
    pub project_id: Option<String>,
}

impl Config {
    /// Parses a configuration; the reason in words when it is not one authcheck can check.
    pub fn parse(text: &str) -> Result<Config, String> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err("it is larger than 256 KiB".to_string());
        }
        let value: Value = serde_json::from_str(text).map_err(|_| {
            "it is not JSON (a credential configuration is a JSON object)".to_string()
        })?;
        // Every string of the document is wiped once read, whatever is taken out of it.
        let mut document = Document(value);
        document.config()
    }

    /// The kind, as the `type` field names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Config::ExternalAccount(_) => "external_account",
            Config::ServiceAccount(_) => "service_account",
            Config::Impersonated { .. } => "impersonated_service_account",
        }
    }

    /// Where its `service_account_impersonation_url` sends generateAccessToken, when it has one: a private
    /// endpoint's host is honoured as google-auth honours it.
    pub fn impersonation_base(&self) -> Option<&str> {
        match self {
            Config::ExternalAccount(account) => account.impersonation_base.as_deref(),
            Config::Impersonated {
                impersonation_base, ..
            } => impersonation_base.as_deref(),
            Config::ServiceAccount(_) => None,
        }
    }

    /// The secrets it holds, for the scrubber and the shared-check identity.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Config::ExternalAccount(account) => match &account.source {
                SubjectSource::Url { headers, .. } => headers.iter().map(|(_, v)| v).collect(),
                _ => Vec::new(),
            },
            Config::ServiceAccount(key) => vec![&key.private_key],
            Config::Impersonated { source, .. } => source.secrets(),
        }
    }
}

/// A parsed configuration document, wiped when dropped.
struct Document(Value);

impl Drop for Document {
    fn drop(&mut self) {
        drop(Json::from(std::mem::take(&mut self.0)));
    }
}

impl Document {
    fn config(&mut self) -> Result<Config, String> {
        parse_object(&mut self.0, 0)
    }
}

/// A configuration object; `depth` bounds `source_credentials` nesting.
fn parse_object(value: &mut Value, depth: usize) -> Result<Config, String> {
    if depth > 2 {
        return Err("its source_credentials are nested too deep".to_string());
    }
    let object = value
        .as_object_mut()
        .ok_or_else(|| "it is not a JSON object".to_string())?;
    let kind = text(object, "type").ok_or_else(|| "it has no \"type\"".to_string())?;
    match kind.as_str() {
        "external_account" => external_account(object),
        "service_account" => key_file(object).map(Config::ServiceAccount),
        "impersonated_service_account" => {
            let service_account = text(object, "service_account_impersonation_url")
                .as_deref()
                .and_then(impersonated_account)
                .ok_or_else(|| {
                    "its service_account_impersonation_url does not name a service account".to_string()
                })?;
            let impersonation_base = text(object, "service_account_impersonation_url")
                .as_deref()
                .and_then(impersonation_base);
            let source = object
                .get_mut("source_credentials")
                .ok_or_else(|| "it has no \"source_credentials\"".to_string())?;
            Ok(Config::Impersonated {
                source: Box::new(parse_object(source, depth + 1)?),
                service_account,
                impersonation_base,
            })
        }
        "authorized_user" => Err(
            "it holds a person's credentials (authorized_user, from gcloud auth application-default login), \
             not a pipeline's"
                .to_string(),
        ),
        other => Err(format!("its type {:?} is not one authcheck checks", printable(other))),
    }
}

fn external_account(object: &mut serde_json::Map<String, Value>) -> Result<Config, String> {
    let audience = text(object, "audience").ok_or_else(|| "it has no \"audience\"".to_string())?;
    let source = object
        .get_mut("credential_source")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| "it has no \"credential_source\"".to_string())?;
    // As google-auth reads a source: a JSON `format` names the field; without one (or "text") the token is the
    // whole file or answer.
    let json_field = source
        .get("format")
        .filter(|f| f.get("type").and_then(Value::as_str) == Some("json"))
        .and_then(|f| f.get("subject_token_field_name"))
        .and_then(Value::as_str)
        .map(str::to_string);
    // An AWS-sourced configuration (gcloud --aws) has a `url` too (the metadata service's): environment_id
    // decides first, so it is named as unsupported rather than fetched as a token service.
    let subject = if let Some(environment) = text(source, "environment_id") {
        SubjectSource::Environment(environment)
    } else if let Some(path) = text(source, "file") {
        SubjectSource::File { path, json_field }
    } else if let Some(url) = text(source, "url") {
        let mut headers = Vec::new();
        if let Some(Value::Object(map)) = source.get_mut("headers") {
            for (name, value) in map.iter_mut() {
                if let Value::String(v) = value {
                    headers.push((name.clone(), Secret::new(std::mem::take(v))));
                }
            }
        }
        SubjectSource::Url {
            url,
            headers,
            json_field,
        }
    } else {
        return Err("its credential_source has no file, url or environment_id".to_string());
    };
    Ok(Config::ExternalAccount(ExternalAccount {
        audience,
        subject_token_type: text(object, "subject_token_type")
            .unwrap_or_else(|| "urn:ietf:params:oauth:token-type:jwt".to_string()),
        token_url: text(object, "token_url").unwrap_or_else(|| STS_TOKEN_URL.to_string()),
        source: subject,
        service_account: text(object, "service_account_impersonation_url")
            .as_deref()
            .and_then(impersonated_account),
        impersonation_base: text(object, "service_account_impersonation_url")
            .as_deref()
            .and_then(impersonation_base),
    }))
}

fn key_file(object: &mut serde_json::Map<String, Value>) -> Result<KeyFile, String> {
    let client_email =
        text(object, "client_email").ok_or_else(|| "it has no \"client_email\"".to_string())?;
    let private_key = match object.get_mut("private_key") {
        Some(Value::String(key)) if !key.is_empty() => Secret::new(std::mem::take(key)),
        _ => return Err("it has no \"private_key\"".to_string()),
    };
    Ok(KeyFile {
        client_email,
        private_key,
        private_key_id: text(object, "private_key_id"),
        token_uri: text(object, "token_uri").unwrap_or_else(|| KEY_TOKEN_URI.to_string()),
        project_id: text(object, "project_id"),
    })
}

/// A string member, trimmed, when set.
fn text(object: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The service account a `…/serviceAccounts/EMAIL:generateAccessToken` URL names.
pub fn impersonated_account(url: &str) -> Option<String> {
    let tail = url.rsplit("/serviceAccounts/").next()?;
    let email = tail.strip_suffix(":generateAccessToken")?;
    (email.contains('@') && !email.contains('/')).then(|| email.to_string())
}

/// `https://iamcredentials.googleapis.com` of
/// `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken`.
pub fn impersonation_base(url: &str) -> Option<String> {
    let (base, _) = url.trim().split_once("/v1/projects/")?;
    (!base.is_empty()).then(|| base.to_string())
}

/// Outside text fit for one line of a message, up to 300 characters (a provider's full name is about 110).
pub fn printable_long(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(300).collect()
}

/// Outside text fit for one line of a message.
pub fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GITHUB: &str = r#"{"type": "external_account",
      "audience": "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/github",
      "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
      "token_url": "https://sts.googleapis.com/v1/token",
      "credential_source": {"url": "https://actions.example/token?api-version=2.0&audience=x",
        "headers": {"Authorization": "Bearer runtime-token-123"},
        "format": {"type": "json", "subject_token_field_name": "value"}},
      "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/deploy@acme.iam.gserviceaccount.com:generateAccessToken"}"#;

    #[test]
    fn google_github_actions_auth_configurations_read_with_the_request_token_as_a_secret() {
        let Ok(Config::ExternalAccount(account)) = Config::parse(GITHUB) else {
            panic!("not an external account");
        };
        assert!(account.audience.ends_with("/providers/github"));
        assert_eq!(
            account.service_account.as_deref(),
            Some("deploy@acme.iam.gserviceaccount.com")
        );
        let SubjectSource::Url {
            headers,
            json_field,
            ..
        } = &account.source
        else {
            panic!("not a url source");
        };
        assert_eq!(json_field.as_deref(), Some("value"));
        assert_eq!(headers[0].1.expose(), "Bearer runtime-token-123");
        assert!(!format!("{account:?}").contains("runtime-token-123"));
    }

    #[test]
    fn keys_and_impersonated_accounts_read_and_people_are_refused() {
        let key = r#"{"type":"service_account","client_email":"ci@acme.iam.gserviceaccount.com",
            "private_key":"-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n","private_key_id":"k1"}"#;
        let Ok(Config::ServiceAccount(file)) = Config::parse(key) else {
            panic!("not a key");
        };
        assert_eq!(file.token_uri, KEY_TOKEN_URI);
        assert!(file.private_key.expose().starts_with("-----BEGIN"));
        let impersonated = format!(
            r#"{{"type":"impersonated_service_account","service_account_impersonation_url":"https://x/v1/projects/-/serviceAccounts/deploy@acme.iam.gserviceaccount.com:generateAccessToken","source_credentials":{key}}}"#
        );
        assert!(matches!(
            Config::parse(&impersonated),
            Ok(Config::Impersonated { .. })
        ));
        let person = r#"{"type":"authorized_user","client_id":"x","refresh_token":"r"}"#;
        assert!(Config::parse(person).is_err_and(|why| why.contains("person")));
        assert!(Config::parse("not json").is_err());
        assert!(Config::parse("[]").is_err());
    }
}
