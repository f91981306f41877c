//! Authenticates the STS flavour's signed calls (AssumeRole, GetCallerIdentity): the Authorization header, the
//! clock, the access key (a user's, or a session's with its token), then the SigV4 signature.

use aws_lc_rs::constant_time::verify_slices_are_equal;

use super::State;
use super::http::{Request, Response};
use super::sts::{error, stable_id};
use super::sts_sigv4::{self, Signed};
use super::sts_time::{amz_date, parse_amz_date};
use super::unix_now;

/// How far `X-Amz-Date` may be from the server's clock.
const CLOCK_WINDOW_SECS: u64 = 15 * 60;

/// Who signed a request.
pub(super) struct Caller {
    pub(super) arn: String,
    pub(super) user_id: String,
    /// The IAM user's name; `None` for session credentials.
    pub(super) user: Option<String>,
}

/// Checks a SigV4-signed request: the header, the clock, the key (a user's, or a session's with its token), the
/// signature. The order of these checks is the server's choice, not sourced; so are the codes and messages other
/// than InvalidClientTokenId, SignatureDoesNotMatch for a wrong signature, and ExpiredToken (facts 1.2): they are
/// AWS's as remembered.
pub(super) fn authenticate(state: &State, request: &Request, id: &str) -> Result<Caller, Response> {
    let incomplete = |message: &str| error(400, "IncompleteSignature", message, id);
    let mismatch = |message: &str| error(403, "SignatureDoesNotMatch", message, id);
    if request.header_count("authorization") > 1 {
        return Err(incomplete("Only one Authorization header may be sent."));
    }
    let Some(header) = request.header("authorization") else {
        // Not sourced from the facts: AWS's answer to an unsigned request, from memory.
        return Err(error(
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
            id,
        ));
    };
    let auth = sts_sigv4::parse_authorization(header).map_err(|m| incomplete(&m))?;
    let Some((amz, when)) = request
        .header("x-amz-date")
        .and_then(|d| parse_amz_date(d).map(|t| (d, t)))
    else {
        return Err(incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ));
    };
    let now = unix_now();
    check_scope_and_clock(&auth, amz, when, now, id)?;
    let presented_token = request.header("x-amz-security-token");
    let (secret, caller) = credentials_of(state, auth.key_id, presented_token, now, id)?;
    let signed = Signed {
        method: &request.method,
        path: request.path(),
        query: request.raw_query(),
        headers: request.headers(),
        body: &request.body,
    };
    if !sts_sigv4::signature_matches(&signed, &auth, amz, &secret) {
        return Err(mismatch(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret \
             Access Key and signing method. Consult the service documentation for details.",
        ));
    }
    Ok(caller)
}

/// The credential scope (date, service, region, terminator) and the signature's time, as STS checks them before the
/// key.
fn check_scope_and_clock(
    auth: &sts_sigv4::Authorization<'_>,
    amz: &str,
    when: u64,
    now: u64,
    id: &str,
) -> Result<(), Response> {
    let mismatch = |message: &str| error(403, "SignatureDoesNotMatch", message, id);
    if auth.date != &amz[..8] {
        return Err(mismatch(&format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != \
             '{}', from '{amz}'.",
            auth.date,
            &amz[..8]
        )));
    }
    if auth.service != "sts" {
        return Err(mismatch(
            "Credential should be scoped to correct service: 'sts'. ",
        ));
    }
    if auth.region.is_empty() {
        return Err(mismatch("Credential should be scoped to a valid region. "));
    }
    if auth.terminator != "aws4_request" {
        return Err(mismatch(&format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
            auth.terminator
        )));
    }
    if when + CLOCK_WINDOW_SECS < now {
        return Err(mismatch(&format!(
            "Signature expired: {amz} is now earlier than {} ({} - 15 min.)",
            amz_date(now.saturating_sub(CLOCK_WINDOW_SECS)),
            amz_date(now)
        )));
    }
    if when > now + CLOCK_WINDOW_SECS {
        return Err(mismatch(&format!(
            "Signature not yet current: {amz} is still later than {} ({} + 15 min.)",
            amz_date(now + CLOCK_WINDOW_SECS),
            amz_date(now)
        )));
    }
    Ok(())
}

/// The secret that must have signed, and who signs: a user's long-term key (without a session token), or a
/// session this server issued (with its token, unexpired).
fn credentials_of(
    state: &State,
    key_id: &str,
    presented_token: Option<&str>,
    now: u64,
    id: &str,
) -> Result<(String, Caller), Response> {
    let sts = &state.sts;
    let invalid = || {
        error(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            id,
        )
    };
    let found = if let Some(user) = sts.config.users.iter().find(|u| u.access_key_id == key_id) {
        if presented_token.is_some() {
            // A long-term key with a session token is not a pair STS issued.
            return Err(invalid());
        }
        let caller = Caller {
            arn: format!("arn:aws:iam::{}:user/{}", sts.config.account, user.name),
            user_id: stable_id("AIDA", &sts.config.account, &user.name),
            user: Some(user.name.clone()),
        };
        (user.secret_access_key.clone(), caller)
    } else if let Some(session) = sts.session(key_id) {
        let token_ok = presented_token.is_some_and(|t| {
            verify_slices_are_equal(t.as_bytes(), session.token.as_bytes()).is_ok()
        });
        if !token_ok {
            return Err(invalid());
        }
        if session.exp <= now {
            return Err(error(
                403,
                "ExpiredToken",
                "The security token included in the request is expired",
                id,
            ));
        }
        let caller = Caller {
            arn: session.arn,
            user_id: session.user_id,
            user: None,
        };
        (session.secret, caller)
    } else {
        return Err(invalid());
    };
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{Reply, get, post, send};
    use super::super::{Idp, StsConfig, StsUser};

    const KEY: &str = "AKIAUNITTEST00000001";

    async fn start() -> Idp {
        let config = StsConfig::new("111122223333").user(StsUser::new("u", KEY, "secret"));
        Idp::start_sts(config).await.expect("start")
    }

    async fn call(idp: &Idp, headers: &[(&str, &str)], body: &str) -> Reply {
        send(idp, &post("/", headers, body)).await
    }

    fn assert_sts_error(reply: &Reply, status: u16, code: &str, message_start: &str) {
        assert_eq!(reply.status, status, "{}", reply.body);
        assert!(
            reply.body.contains(&format!("<Code>{code}</Code>")),
            "{}",
            reply.body
        );
        assert!(
            reply.body.contains(&format!("<Message>{message_start}")),
            "{}",
            reply.body
        );
        let id = reply.header("x-amzn-requestid").expect("request id header");
        assert!(reply.body.contains(&format!("<RequestId>{id}</RequestId>")));
        assert_eq!(reply.header("content-type").as_deref(), Some("text/xml"));
    }

    fn authorization(scope: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential={KEY}/{scope}, SignedHeaders=host;x-amz-date, Signature={}",
            "0".repeat(64)
        )
    }

    #[tokio::test]
    async fn signed_calls_are_refused_before_the_signature_for_what_the_header_and_clock_show() {
        let idp = start().await;
        let body = "Action=GetCallerIdentity&Version=2011-06-15";
        let reply = call(&idp, &[], body).await;
        assert_sts_error(
            &reply,
            403,
            "MissingAuthenticationToken",
            "Request is missing",
        );

        let stale = authorization("20150830/us-east-1/sts/aws4_request");
        let reply = call(
            &idp,
            &[
                ("Authorization", &stale),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            body,
        )
        .await;
        assert_sts_error(
            &reply,
            403,
            "SignatureDoesNotMatch",
            "Signature expired: 20150830T123600Z is now earlier than ",
        );

        let now = super::amz_date(super::unix_now());
        let iam = authorization(&format!("{}/us-east-1/iam/aws4_request", &now[..8]));
        let reply = call(&idp, &[("Authorization", &iam), ("X-Amz-Date", &now)], body).await;
        assert_sts_error(
            &reply,
            403,
            "SignatureDoesNotMatch",
            "Credential should be scoped to correct service: &apos;sts&apos;.",
        );

        let good_scope = authorization(&format!("{}/us-east-1/sts/aws4_request", &now[..8]));
        let reply = call(&idp, &[("Authorization", &good_scope)], body).await;
        assert_sts_error(
            &reply,
            400,
            "IncompleteSignature",
            "Authorization header requires",
        );

        // A long-term key with a session token is not a pair STS issued.
        let headers = [
            ("Authorization", good_scope.as_str()),
            ("X-Amz-Date", now.as_str()),
            ("X-Amz-Security-Token", "IQoJb3JpZ2luX2VjEforged"),
        ];
        let reply = call(&idp, &headers, body).await;
        assert_sts_error(&reply, 403, "InvalidClientTokenId", "The security token");

        // The right key, scope and clock, but not the signature.
        let reply = call(&idp, &headers[..2], body).await;
        assert_sts_error(
            &reply,
            403,
            "SignatureDoesNotMatch",
            "The request signature",
        );
    }

    #[tokio::test]
    async fn unknown_actions_and_other_methods_are_refused() {
        let idp = start().await;
        let reply = call(&idp, &[], "Action=ListUsers&Version=2011-06-15").await;
        assert_sts_error(
            &reply,
            400,
            "InvalidAction",
            "Could not find operation ListUsers for version 2011-06-15",
        );
        let reply = call(&idp, &[], "Action=GetCallerIdentity&Version=2010-05-08").await;
        assert_sts_error(&reply, 400, "InvalidAction", "Could not find operation");
        let reply = send(&idp, &get("/?Action=GetCallerIdentity", &[])).await;
        assert_eq!(reply.status, 405);
        assert_eq!(idp.requests(), 3);
    }

    #[tokio::test]
    async fn configs_a_test_could_not_mean_are_refused() {
        let user = |name: &str, key: &str| StsUser::new(name, key, "s");
        for config in [
            StsConfig::new("12345"),
            StsConfig::new("12345678901x"),
            StsConfig::new("111122223333")
                .user(user("a", "K1"))
                .user(user("a", "K2")),
            StsConfig::new("111122223333")
                .user(user("a", "K1"))
                .user(user("b", "K1")),
            StsConfig::new("111122223333")
                .role(super::super::StsRole::new("r").trust_user("ghost")),
        ] {
            let err = Idp::start_sts(config).await.expect_err("refused");
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        }
    }
}
