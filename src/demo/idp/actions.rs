//! A stand-in for GitHub Actions' ID-token service, so that the `ARM_USE_OIDC` path (a job that requests its
//! own token) runs end to end: `GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=…` with
//! `Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>` answers `{"count":…,"value":"<jwt>"}` (facts:
//! machine-credentials.md section 4). The job's subject travels in the request URL, which a runner treats as
//! opaque; the token is unsigned in substance, as the Entra flavour does not verify GitHub's signature.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::http::{Request, Response, js, obj};
use super::unix_now;

/// GitHub Actions' token issuer.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The bearer a job presents to the ID-token service (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
pub const ACTIONS_REQUEST_TOKEN: &str = "actions-runtime-token-5d1e9a";
/// The service's path.
pub(super) const PATH: &str = "/_actions/idtoken";

/// `ACTIONS_ID_TOKEN_REQUEST_URL` for a job whose token carries `subject`, on the test server at `base_url`.
pub fn actions_request_url(base_url: &str, subject: &str) -> String {
    let subject: String = url::form_urlencoded::byte_serialize(subject.as_bytes()).collect();
    format!("{base_url}{PATH}?api-version=2.0&subject={subject}")
}

/// A GitHub Actions ID token: issuer, subject and audience as a job's, valid for five minutes. A subject of
/// the `repo:OWNER/NAME:…` form also gives the `repository` and `repository_owner` claims a real job's token
/// carries, which Google attribute conditions usually read.
pub fn github_id_token(subject: &str, audience: &str) -> String {
    let repository = subject
        .strip_prefix("repo:")
        .and_then(|rest| rest.split(':').next())
        .filter(|repo| repo.contains('/'));
    match repository {
        Some(repository) => {
            let owner = repository.split('/').next().unwrap_or_default();
            workload_token_with_claims(
                GITHUB_ISSUER,
                subject,
                audience,
                &[("repository", repository), ("repository_owner", owner)],
            )
        }
        None => workload_token(GITHUB_ISSUER, subject, audience),
    }
}

/// A workload's ID token (a CI job's, a Kubernetes service account's) as the Entra flavour reads it: issuer,
/// subject and audience, valid for five minutes; its signature is a placeholder.
pub fn workload_token(issuer: &str, subject: &str, audience: &str) -> String {
    let now = unix_now();
    workload(issuer, subject, audience, now, now + 300)
}

/// Like [`workload_token`], but expiring at `exp` (seconds since the epoch; in the past for an expired token).
/// It was issued five minutes before `exp`, or now if that is earlier.
pub fn workload_token_until(issuer: &str, subject: &str, audience: &str, exp: u64) -> String {
    let iat = exp.saturating_sub(300).min(unix_now());
    workload(issuer, subject, audience, iat, exp)
}

/// A JWT with exactly this header and these claims (JSON text, base64url-encoded as given) and the placeholder
/// signature, for tokens the other helpers do not make: another `alg`, a claim left out.
pub fn placeholder_jwt(header: &str, claims: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.as_bytes()),
        URL_SAFE_NO_PAD.encode(claims.as_bytes()),
        URL_SAFE_NO_PAD.encode(b"not-a-github-signature")
    )
}

/// Like [`workload_token`], with these string claims after the standard ones (GitHub's `repository`,
/// `repository_owner`, `ref`, …). A name the standard claims already use would be sent twice: don't.
pub fn workload_token_with_claims(
    issuer: &str,
    subject: &str,
    audience: &str,
    extra: &[(&str, &str)],
) -> String {
    let now = unix_now();
    workload_with(issuer, subject, audience, now, now + 300, extra)
}

fn workload(issuer: &str, subject: &str, audience: &str, iat: u64, exp: u64) -> String {
    workload_with(issuer, subject, audience, iat, exp, &[])
}

fn workload_with(
    issuer: &str,
    subject: &str,
    audience: &str,
    iat: u64,
    exp: u64,
    extra: &[(&str, &str)],
) -> String {
    let mut fields = vec![
        ("iss", js(issuer)),
        ("sub", js(subject)),
        ("aud", js(audience)),
        ("iat", iat.to_string()),
        ("nbf", iat.to_string()),
        ("exp", exp.to_string()),
    ];
    fields.extend(extra.iter().map(|(name, value)| (*name, js(*value))));
    let claims = obj(&fields);
    placeholder_jwt(
        r#"{"alg":"RS256","typ":"JWT","kid":"workload-test"}"#,
        &claims,
    )
}

/// Answers a token request: 401 without the runtime bearer, 400 without an audience.
pub(super) fn id_token(request: &Request) -> Response {
    let bearer = request
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(ACTIONS_REQUEST_TOKEN) {
        return Response::json(401, obj(&[("message", js("Bad credentials"))]));
    }
    let (Some(subject), Some(audience)) = (
        request.query("subject").into_iter().next(),
        request.query("audience").into_iter().next(),
    ) else {
        return Response::json(
            400,
            obj(&[("message", js("audience and subject are required"))]),
        );
    };
    Response::json(
        200,
        obj(&[
            ("count", "1".to_string()),
            ("value", js(github_id_token(&subject, &audience))),
        ]),
    )
}
