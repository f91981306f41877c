//! The federated token, read or requested now: a file is read again for every check, since Kubernetes rotates
//! it; GitHub Actions' ID-token service is asked for one with the audience the credential expects.

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use tokio::time::Instant;

use crate::check::base::heard::{Body, Scrubber};
use crate::check::base::http::{self, TransportError};
use crate::check::base::secret::Secret;
use crate::check::endpoint::transport;
use crate::check::inputs::credential::federated::Federated;
use crate::check::inputs::env::{io_reason, shown_path};
use crate::check::report::words::Words;
use crate::check::report::{Diagnosis, Outcome, Reason};
use crate::surface::Input;
use crate::words;

fn refused(input: Input, summary: Words, detail: Words) -> Outcome {
    Outcome::new(Reason::InvalidInput, summary, Diagnosis::note(detail)).blaming(input)
}

/// The token, fetched or read now.
pub async fn obtain(
    source: &Federated,
    client: &reqwest::Client,
    deadline: Instant,
    scrub: &Scrubber,
) -> Result<Secret, Outcome> {
    let token = match source {
        Federated::Value(value, _) => value.clone(),
        Federated::File(path) => match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    // The file's own text (a trailing newline, often) is wiped once the token is taken from it.
                    let text = Secret::new(text);
                    Secret::concat(&[text.expose().trim()])
                }
                Err(_) => {
                    return Err(refused(
                        Input::FederatedTokenFile,
                        words![format!(
                            "The federated token file {} is not text",
                            shown_path(path)
                        )],
                        words![
                            "A federated token is a JWT (three base64url parts separated by dots)."
                        ],
                    ));
                }
            },
            Err(err) => {
                return Err(refused(
                    Input::FederatedTokenFile,
                    words![format!(
                        "Cannot read the federated token file {}: {}",
                        shown_path(path),
                        io_reason(&err)
                    )],
                    words![
                        Input::FederatedTokenFile,
                        format!(
                            " is {}; reading it failed ({}). In Kubernetes, check that the pod has the \
                             projected service account token volume (workload identity injects it).",
                            shown_path(path),
                            io_reason(&err)
                        )
                    ],
                ));
            }
        },
        Federated::GithubActions {
            url,
            request_token,
            audience,
        } => github(url, request_token, audience, client, deadline, scrub).await?,
    };
    if token.expose().split('.').count() != 3 {
        return Err(refused(
            Input::FederatedTokenFile,
            words![
                "The federated token from ",
                source.describe(),
                " is not a JWT"
            ],
            words![
                "A federated token is a JWT (header.payload.signature). Check that the variable or file holds the \
                 ID token itself, not a JSON answer around it or a path."
            ],
        ));
    }
    Ok(token)
}

async fn github(
    url: &str,
    request_token: &Secret,
    audience: &str,
    client: &reqwest::Client,
    deadline: Instant,
    scrub: &Scrubber,
) -> Result<Secret, Outcome> {
    let separator = if url.contains('?') { '&' } else { '?' };
    let target = format!(
        "{url}{separator}audience={}",
        url::form_urlencoded::byte_serialize(audience.as_bytes()).collect::<String>()
    );
    let mut headers = HeaderMap::new();
    let bearer = Secret::concat(&["Bearer ", request_token.expose()]);
    if let Ok(mut value) = HeaderValue::from_str(bearer.expose()) {
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    let failed = |got: String| {
        Outcome::new(
            Reason::EndpointUnreachable,
            words!["Could not get an ID token from GitHub Actions"],
            Diagnosis::note(words![
                format!("GET of ACTIONS_ID_TOKEN_REQUEST_URL answered: {got}. "),
                "Retry the job; GitHub's token service is rarely down for long."
            ]),
        )
    };
    let answer = tokio::time::timeout_at(deadline, http::get(client, &target, headers))
        .await
        .unwrap_or(Err(TransportError::Timeout))
        .map_err(|err| failed(transport::describe(&err, scrub)))?;
    if answer.status != 200 || answer.truncated {
        return Err(failed(format!("HTTP {}", answer.status)));
    }
    let value = answer
        .json()
        .ok_or_else(|| failed("a body that is not JSON".to_string()))?;
    match value.text("value") {
        Some(token) => Ok(token.into_secret()),
        None => Err(failed(format!(
            "JSON without a value field ({})",
            Body::of(&answer).describe(scrub)
        ))),
    }
}
