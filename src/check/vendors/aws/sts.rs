//! AWS STS as the query protocol speaks it (facts: cloud-federation.md 1.1): `POST /` with a form body and
//! `Version=2011-06-15`, XML answers. `AssumeRoleWithWebIdentity` goes unsigned; `AssumeRole` and
//! `GetCallerIdentity` are signed with SigV4 by the AWS SDK's own signer crate (aws-sigv4), with the session token
//! in `X-Amz-Security-Token`. Throttling, a server error, STS failing to fetch an issuer's keys and a transient
//! transport failure are retried with backoff inside the budget; everything else is answered for good.

use std::time::SystemTime;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

use crate::check::base::heard::{Answer, Heard, Scrubber, Xml};
use crate::check::base::http::{self, TransportError};
use crate::check::base::secret::{Secret, SecretBytes};
use crate::check::exchange::attempt::backoff;
use crate::log::{Level, emit};

/// The query protocol's version of STS.
const VERSION: &str = "2011-06-15";

/// Credentials to sign a request with.
pub struct Signing<'a> {
    /// The access key id.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret: &'a Secret,
    /// The session token of temporary credentials.
    pub session_token: Option<&'a Secret>,
    /// The region in the signature's scope.
    pub region: &'a str,
}

/// One STS action: its name and parameters (a secret parameter, the web identity token, stays a secret).
pub struct Action<'a> {
    /// `AssumeRoleWithWebIdentity`, `AssumeRole`, `GetCallerIdentity`.
    pub name: &'static str,
    /// Plain parameters.
    pub params: Vec<(&'static str, &'a str)>,
    /// A secret parameter.
    pub secret: Option<(&'static str, &'a Secret)>,
}

/// How one action ended.
pub enum Called {
    /// A 2xx answer whose body is XML.
    Done(Xml),
    /// STS refused, with its error code and words.
    Refused(StsError),
    /// An answer that is not STS's: the status and what the body was.
    Unreadable(u16, String),
    /// No answer.
    Unreachable(TransportError),
    /// The request could not be signed (the signer's words).
    Unsigned(String),
}

/// An STS error answer.
#[derive(Debug)]
pub struct StsError {
    /// The HTTP status.
    pub status: u16,
    /// `Error/Code`.
    pub code: Heard,
    /// `Error/Message`.
    pub message: Heard,
    /// The request id, from the body or the `x-amzn-RequestId` header.
    pub request_id: Option<Heard>,
}

impl StsError {
    /// True when AWS's side failed and asking again may work: throttling, STS failing to reach an identity
    /// provider or to fetch its keys, a server error.
    pub fn transient(&self) -> bool {
        self.status >= 500
            || self.code.is("Throttling")
            || self.code.is("IDPCommunicationError")
            || self
                .message
                .lowered()
                .has("couldn't retrieve verification key")
    }
}

/// The retries an action may take.
pub struct Budget {
    /// The end of the check's time budget.
    pub deadline: Instant,
    /// Retries after a transient failure.
    pub max_retries: u32,
}

/// Sends `action` to `url` (signed when `signing` is given) until it is answered for good or the budget ends.
pub async fn call(
    client: &reqwest::Client,
    url: &str,
    action: &Action<'_>,
    signing: Option<&Signing<'_>>,
    budget: &Budget,
    scrub: &Scrubber,
) -> (Called, u32) {
    let body = form(action);
    let mut tries = 0;
    loop {
        tries += 1;
        let headers = match signing.map(|s| sign(url, &body, s)).transpose() {
            Ok(headers) => headers.unwrap_or_default(),
            Err(why) => return (Called::Unsigned(why), tries),
        };
        emit(
            Level::Debug,
            "calling AWS STS",
            &[("action", action.name), ("url", url)],
        );
        let sent = tokio::time::timeout_at(
            budget.deadline,
            http::post_form_accepting(client, url, headers, body.clone().into_shared(), "text/xml"),
        )
        .await
        .unwrap_or(Err(TransportError::Timeout));
        let called = match sent {
            Ok(answer) => read(&answer, scrub),
            Err(err) => Called::Unreachable(err),
        };
        let transient = match &called {
            Called::Refused(error) => error.transient(),
            Called::Unreachable(err) => err.is_transient(),
            // A load balancer's or a gateway's own page for a failure or a rate limit: worth asking again.
            Called::Unreadable(status, _) => *status >= 500 || *status == 429,
            _ => false,
        };
        let wait = backoff(tries);
        if !transient || tries > budget.max_retries || Instant::now() + wait >= budget.deadline {
            return (called, tries);
        }
        emit(
            Level::Debug,
            "retrying AWS STS after a transient failure",
            &[("wait_ms", &wait.as_millis().to_string())],
        );
        tokio::time::sleep(wait).await;
    }
}

/// The form body, built at its final size in memory that is wiped (the web identity token may be in it).
fn form(action: &Action<'_>) -> SecretBytes {
    let encode = |text: &str| Secret::form_encoded(text, true);
    let mut pieces: Vec<Secret> = vec![
        Secret::concat(&["Action=", action.name]),
        Secret::concat(&["Version=", VERSION]),
    ];
    for (name, value) in &action.params {
        pieces.push(Secret::concat(&[name, "=", encode(value).expose()]));
    }
    if let Some((name, value)) = action.secret {
        pieces.push(Secret::concat(&[
            name,
            "=",
            encode(value.expose()).expose(),
        ]));
    }
    let mut parts: Vec<&str> = Vec::with_capacity(pieces.len() * 2);
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            parts.push("&");
        }
        parts.push(piece.expose());
    }
    SecretBytes::new(Secret::concat(&parts).expose().as_bytes().to_vec())
}

/// The SigV4 headers for a POST of `body` to `url`: `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token`;
/// those that carry a credential are marked sensitive, which keeps them out of the HTTP stack's debug output.
fn sign(url: &str, body: &SecretBytes, signing: &Signing<'_>) -> Result<HeaderMap, String> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let credentials = aws_credential_types::Credentials::new(
        signing.access_key_id,
        signing.secret.expose(),
        signing.session_token.map(|t| t.expose().to_string()),
        None,
        "authcheck",
    );
    let identity = credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(signing.region)
        .name("sts")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|err| err.to_string())?
        .into();
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let signable = SignableRequest::new(
        "POST",
        url,
        headers.into_iter(),
        SignableBody::Bytes(body.expose()),
    )
    .map_err(|err| err.to_string())?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|err| err.to_string())?
        .into_parts();
    let (signed, _query) = instructions.into_parts();
    let mut out = HeaderMap::new();
    for header in signed {
        let name = HeaderName::from_bytes(header.name().as_bytes()).map_err(|e| e.to_string())?;
        let mut value = HeaderValue::from_str(header.value()).map_err(|e| e.to_string())?;
        value.set_sensitive(header.sensitive() || name == reqwest::header::AUTHORIZATION);
        out.insert(name, value);
    }
    Ok(out)
}

/// An answer read as STS's: a result document, an error document, or something else.
pub fn read(answer: &Answer, scrub: &Scrubber) -> Called {
    let header_id = answer
        .request_id
        .as_ref()
        .filter(|(name, _)| *name == "x-amzn-requestid")
        .map(|(_, id)| id.clone());
    let Some(doc) = Xml::of(answer) else {
        return Called::Unreadable(answer.status, answer.body_kind(scrub));
    };
    if (200..300).contains(&answer.status) && doc.find("Error").is_none() {
        return Called::Done(doc);
    }
    // Real STS answers `<ErrorResponse><Error>…</Error><RequestId>`; moto wraps the error in `<Errors>`.
    let Some(error) = doc.find("Error") else {
        return Called::Unreadable(answer.status, answer.body_kind(scrub));
    };
    let Some(code) = error.text_at(&["Code"]) else {
        return Called::Unreadable(answer.status, answer.body_kind(scrub));
    };
    Called::Refused(StsError {
        status: answer.status,
        code,
        message: error.text_at(&["Message"]).unwrap_or_default(),
        request_id: doc
            .find("RequestId")
            .map(|r| r.text().clone())
            .filter(|r| !r.is_blank())
            .or(header_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, body: &str) -> StsError {
        match read(
            &Answer::bare(status, "text/xml", body.as_bytes()),
            &Scrubber::default(),
        ) {
            Called::Refused(error) => error,
            _ => panic!("not read as a refusal: {body}"),
        }
    }

    #[test]
    fn sts_and_moto_error_documents_read_alike() {
        let sts = refused(
            400,
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message></Error><RequestId>rid-1</RequestId></ErrorResponse>"#,
        );
        assert!(sts.code.is("InvalidIdentityToken"));
        assert!(sts.message.is("Incorrect token audience"));
        assert!(sts.request_id.is_some_and(|r| r.is("rid-1")));
        let moto = refused(
            403,
            "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we \
             calculated does not match</Message><Type>Sender</Type></Error></Errors></ErrorResponse>",
        );
        assert!(moto.code.is("SignatureDoesNotMatch"));
        assert!(moto.request_id.is_none());
    }

    #[test]
    fn fetching_an_issuers_keys_throttling_and_server_errors_are_worth_retrying() {
        let keys = refused(
            400,
            "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>Couldn't retrieve verification key \
             from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for \
             requirements</Message></Error></ErrorResponse>",
        );
        assert!(keys.transient());
        let audience = refused(
            400,
            "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message>\
             </Error></ErrorResponse>",
        );
        assert!(!audience.transient());
        let throttled = refused(
            400,
            "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>",
        );
        assert!(throttled.transient());
    }

    #[test]
    fn a_page_that_is_not_sts_is_unreadable_and_a_result_is_done() {
        let html = Answer::bare(403, "text/html", b"<html><body>Forbidden</body>");
        assert!(matches!(
            read(&html, &Scrubber::default()),
            Called::Refused(_) | Called::Unreadable(..)
        ));
        let done = Answer::bare(
            200,
            "text/xml",
            b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/x</Arn>\
              </GetCallerIdentityResult></GetCallerIdentityResponse>",
        );
        assert!(matches!(read(&done, &Scrubber::default()), Called::Done(_)));
        let json = Answer::bare(200, "application/json", b"{\"a\":1}");
        assert!(matches!(
            read(&json, &Scrubber::default()),
            Called::Unreadable(200, _)
        ));
    }

    #[test]
    fn the_form_encodes_every_value_and_keeps_the_token_in_it() {
        let token = Secret::new("a.b+c/d=");
        let action = Action {
            name: "AssumeRoleWithWebIdentity",
            params: vec![
                ("RoleArn", "arn:aws:iam::123456789012:role/r"),
                ("RoleSessionName", "s 1"),
            ],
            secret: Some(("WebIdentityToken", &token)),
        };
        let body = form(&action);
        let text = std::str::from_utf8(body.expose()).expect("utf-8");
        assert_eq!(
            text,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr\
             &RoleSessionName=s%201&WebIdentityToken=a.b%2Bc%2Fd%3D"
        );
    }
}
