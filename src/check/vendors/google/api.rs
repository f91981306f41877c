//! Google's token services and APIs as the check calls them (facts: cloud-federation.md 2.1): the subject token
//! from a file or a URL, the STS token exchange (RFC 8693), the JWT-bearer grant of a key (RFC 7523),
//! `generateAccessToken` (IAM Credentials), `projects.get` and `projects.testIamPermissions` (Resource
//! Manager). Every call is bounded by the budget; answers are read as JSON whose words stay heard text.

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::check::base::heard::{Answer, Heard, Json, Scrubber};
use crate::check::base::http::{self, TransportError};
use crate::check::base::secret::Secret;
use crate::check::exchange::attempt::backoff;
use crate::check::inputs::env::read_secret_file;
use crate::check::vendors::google::config::SubjectSource;

/// The scope every Google token of the check asks for, as the google provider does.
pub const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Largest subject token file read.
const MAX_TOKEN_FILE: usize = 64 * 1024;

/// How one call ended.
pub enum Called {
    /// A 2xx JSON answer.
    Done(Json),
    /// Google refused, in its words.
    Refused(GoogleError),
    /// An answer that is not Google's: the status and what the body was.
    Unreadable(u16, String),
    /// No answer.
    Unreachable(TransportError),
}

/// A Google error answer: `{"error": "...", "error_description": "..."}` from a token service, or
/// `{"error": {"code": ..., "message": "...", "status": "..."}}` from an API.
#[derive(Debug)]
pub struct GoogleError {
    /// The HTTP status.
    pub status: u16,
    /// The OAuth2 `error`, or the API's `status` (`PERMISSION_DENIED`).
    pub code: Heard,
    /// `error_description`, or the API's `message`.
    pub message: Heard,
    /// An OAuth2-shaped error (STS, the key grant's token URI), not a Google API's `{"error":{…}}`.
    pub oauth: bool,
}

/// Reads an answer as Google's.
pub fn read(answer: &Answer, scrub: &Scrubber) -> Called {
    let Some(json) = answer.json() else {
        return Called::Unreadable(answer.status, answer.body_kind(scrub));
    };
    if (200..300).contains(&answer.status) {
        return Called::Done(json);
    }
    let oauth = json.text("error").map(|code| GoogleError {
        status: answer.status,
        code,
        message: json.text("error_description").unwrap_or_default(),
        oauth: true,
    });
    let api = || {
        let error = json.get("error")?;
        Some(GoogleError {
            status: answer.status,
            code: error
                .get("status")
                .and_then(|s| s.text())
                .unwrap_or_default(),
            message: error
                .get("message")
                .and_then(|m| m.text())
                .unwrap_or_default(),
            oauth: false,
        })
    };
    match oauth.or_else(api) {
        Some(error) => Called::Refused(error),
        None => Called::Unreadable(answer.status, answer.body_kind(scrub)),
    }
}

/// How long a request may take, and how often a transient failure is asked again.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// The end of the check's time budget.
    pub deadline: Instant,
    /// Retries after a 429, a 5xx or a transient transport failure (`max_retries`).
    pub max_retries: u32,
}

/// Sends what `call` makes until it is answered for good, the retries are spent or the deadline is near: a 429,
/// a 5xx (Google's, or a gateway's page) and a transient transport failure are asked again with backoff.
async fn bounded<F, Fut>(budget: Budget, mut call: F, scrub: &Scrubber) -> Called
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Answer, TransportError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        let called = match tokio::time::timeout_at(budget.deadline, call())
            .await
            .unwrap_or(Err(TransportError::Timeout))
        {
            Ok(answer) => read(&answer, scrub),
            Err(err) => Called::Unreachable(err),
        };
        let transient = match &called {
            Called::Refused(error) => error.status >= 500 || error.status == 429,
            Called::Unreadable(status, _) => *status >= 500 || *status == 429,
            Called::Unreachable(err) => err.is_transient(),
            Called::Done(_) => false,
        };
        let wait = backoff(tries);
        if !transient || tries > budget.max_retries || Instant::now() + wait >= budget.deadline {
            return called;
        }
        tokio::time::sleep(wait).await;
    }
}

/// Why no subject token could be had.
pub enum NoSubject {
    /// The file is missing or unreadable (the reason).
    File(String, String),
    /// The URL answered something else.
    Url(Called),
    /// The answer or the file does not hold the token where the configuration says.
    Field(String),
    /// The URL answered JSON, but the configuration has no JSON `format` naming the token's field.
    JsonWithoutFormat,
    /// The URL answered nothing to use as a token.
    EmptyAnswer,
    /// `environment_id` sources are not supported.
    Environment(String),
}

/// The subject token of an external account, from its file or URL.
pub async fn subject_token(
    source: &SubjectSource,
    client: &reqwest::Client,
    deadline: Instant,
    scrub: &Scrubber,
) -> Result<Secret, NoSubject> {
    match source {
        SubjectSource::File { path, json_field } => {
            let text = match read_secret_file(path, MAX_TOKEN_FILE) {
                Ok(Some(text)) => text,
                Ok(None) => return Err(NoSubject::File(path.clone(), "no such file".into())),
                Err(why) => return Err(NoSubject::File(path.clone(), why)),
            };
            match json_field {
                Some(field) => Json::parse(text.expose().as_bytes())
                    .and_then(|json| json.text(field))
                    .map(Heard::into_secret)
                    .ok_or_else(|| NoSubject::Field(field.clone())),
                None => Ok(Secret::concat(&[text.expose().trim()])),
            }
        }
        SubjectSource::Url {
            url,
            headers,
            json_field,
        } => {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                let (Ok(name), Ok(mut value)) = (
                    reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                    reqwest::header::HeaderValue::from_str(value.expose()),
                ) else {
                    continue;
                };
                value.set_sensitive(true);
                map.insert(name, value);
            }
            let answer = match tokio::time::timeout_at(deadline, http::get(client, url, map))
                .await
                .unwrap_or(Err(TransportError::Timeout))
            {
                Ok(answer) => answer,
                Err(err) => return Err(NoSubject::Url(Called::Unreachable(err))),
            };
            if !(200..300).contains(&answer.status) {
                return Err(NoSubject::Url(read(&answer, scrub)));
            }
            // As google-auth reads it: a JSON answer's named field, else (no format, or "text") the whole body.
            match json_field {
                Some(field) => answer
                    .json()
                    .and_then(|json| json.text(field))
                    .map(Heard::into_secret)
                    .ok_or_else(|| NoSubject::Field(field.clone())),
                // A JSON answer read as text would reach STS as a "token" it cannot parse: said here instead.
                None if answer.json().is_some_and(|json| json.is_object()) => {
                    Err(NoSubject::JsonWithoutFormat)
                }
                None => answer.body_as_secret().ok_or(NoSubject::EmptyAnswer),
            }
        }
        SubjectSource::Environment(id) => Err(NoSubject::Environment(id.clone())),
    }
}

/// The STS token exchange of a subject token for a federated access token.
pub async fn exchange(
    client: &reqwest::Client,
    token_url: &str,
    audience: &str,
    subject_token_type: &str,
    subject: &Secret,
    budget: Budget,
    scrub: &Scrubber,
) -> Called {
    let encode = |text: &str| Secret::form_encoded(text, false);
    let body = Secret::concat(&[
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&audience=",
        encode(audience).expose(),
        "&scope=",
        encode(CLOUD_PLATFORM).expose(),
        "&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&subject_token_type=",
        encode(subject_token_type).expose(),
        "&subject_token=",
        encode(subject.expose()).expose(),
    ]);
    let body = crate::check::base::secret::SecretBytes::new(body.expose().as_bytes().to_vec());
    let body = body.into_shared();
    let send = || http::post_form(client, token_url, HeaderMap::new(), body.clone());
    bounded(budget, send, scrub).await
}

/// The JWT-bearer grant of a signed key assertion.
pub async fn key_grant(
    client: &reqwest::Client,
    token_uri: &str,
    assertion: &Secret,
    budget: Budget,
    scrub: &Scrubber,
) -> Called {
    let body = Secret::concat(&[
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=",
        Secret::form_encoded(assertion.expose(), false).expose(),
    ]);
    let body = crate::check::base::secret::SecretBytes::new(body.expose().as_bytes().to_vec());
    let body = body.into_shared();
    let send = || http::post_form(client, token_uri, HeaderMap::new(), body.clone());
    bounded(budget, send, scrub).await
}

/// `generateAccessToken` for `account` with `bearer`.
pub async fn generate_access_token(
    client: &reqwest::Client,
    iam_base: &str,
    account: &str,
    bearer: &Secret,
    budget: Budget,
    scrub: &Scrubber,
) -> Called {
    let url = format!(
        "{iam_base}/v1/projects/-/serviceAccounts/{}:generateAccessToken",
        url::form_urlencoded::byte_serialize(account.as_bytes()).collect::<String>()
    );
    let body = serde_json::json!({"scope": [CLOUD_PLATFORM], "lifetime": "3600s"});
    post_as(client, &url, bearer, &body, budget, scrub).await
}

/// A JSON POST to a Google API with `bearer`, bounded by the deadline.
async fn post_as(
    client: &reqwest::Client,
    url: &str,
    bearer: &Secret,
    body: &serde_json::Value,
    budget: Budget,
    scrub: &Scrubber,
) -> Called {
    let headers = http::bearer(bearer).unwrap_or_default();
    let body = bytes::Bytes::from(body.to_string());
    let send = || http::post_json(client, url, headers.clone(), body.clone());
    bounded(budget, send, scrub).await
}

/// `projects.testIamPermissions` for `permissions` on `project` with `bearer`.
pub async fn test_iam_permissions(
    client: &reqwest::Client,
    base: &str,
    project: &str,
    permissions: &[String],
    bearer: &Secret,
    budget: Budget,
    scrub: &Scrubber,
) -> Called {
    let url = format!(
        "{base}/v1/projects/{}:testIamPermissions",
        path_part(project)
    );
    let body = serde_json::json!({ "permissions": permissions });
    post_as(client, &url, bearer, &body, budget, scrub).await
}

/// `projects.get` of `project` with `bearer` (its number is `account_id`).
pub async fn project(
    client: &reqwest::Client,
    base: &str,
    project: &str,
    bearer: &Secret,
    budget: Budget,
    scrub: &Scrubber,
) -> Called {
    let url = format!("{base}/v1/projects/{}", path_part(project));
    let headers = http::bearer(bearer).unwrap_or_default();
    bounded(budget, || http::get(client, &url, headers.clone()), scrub).await
}

/// A project id or number as one path segment.
fn path_part(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, body: &str) -> GoogleError {
        match read(
            &Answer::bare(status, "application/json", body.as_bytes()),
            &Scrubber::default(),
        ) {
            Called::Refused(error) => error,
            _ => panic!("not a refusal: {body}"),
        }
    }

    #[test]
    fn token_service_and_api_errors_read_alike() {
        let sts = refused(
            400,
            r#"{"error":"unauthorized_client","error_description":"The given credential is rejected by the attribute condition."}"#,
        );
        assert!(sts.code.is("unauthorized_client"));
        assert!(sts.message.contains("attribute condition"));
        let iam = refused(
            403,
            r#"{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).","status":"PERMISSION_DENIED"}}"#,
        );
        assert!(iam.code.is("PERMISSION_DENIED"));
        assert!(iam.message.contains("getAccessToken"));
        assert!(matches!(
            read(
                &Answer::bare(502, "text/html", b"<html>bad gateway</html>"),
                &Scrubber::default()
            ),
            Called::Unreadable(502, _)
        ));
    }
}
