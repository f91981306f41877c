//! One answer from a token endpoint turned into a verdict: a token and its facts, or a failure explained. A
//! redirect is never followed; a success is read field by field; everything else goes to [`oauth`](super::oauth)
//! or [`answers`](super::answers). Every word of the server's passes the check's scrubber before it is quoted.

use crate::check::base::heard::{Answer, Body, Heard, Quoted};
use crate::check::base::secret::Secret;
use crate::check::exchange::interpret::answers::non_oauth_failure;
use crate::check::exchange::interpret::assertion::compare_clocks;
use crate::check::exchange::interpret::context::Context;
use crate::check::exchange::interpret::oauth::oauth_error;
use crate::check::report::{Failure, Reason};
use crate::surface::Input;
use crate::words;

/// The token fields of a successful answer.
#[derive(Debug)]
pub struct Issued {
    /// The token.
    pub access_token: Secret,
    /// `token_type` as sent.
    pub token_type: Quoted,
    /// `expires_in`, when present and sane.
    pub expires_in: Option<i64>,
    /// `scope`, when present.
    pub scope: Option<Heard>,
    /// Oddities that did not stop the token from being usable.
    pub warnings: Vec<String>,
}

/// Either a token or a failure.
#[derive(Debug)]
pub enum Verdict {
    /// A usable token came back.
    Token(Issued),
    /// It did not.
    Failed(Failure),
}

/// Interprets one answer from the token endpoint.
pub fn interpret(answer: &Answer, ctx: &Context<'_>) -> Verdict {
    let body = Body::of(answer);
    let status = answer.status;
    let scrub = ctx.scrub;
    if (300..400).contains(&status) {
        let location = answer.location.as_ref().map_or_else(
            || "(no Location header)".to_string(),
            |l| scrub.quote(l, 200).into_string(),
        );
        let mut failure = Failure::new(
            Reason::NotATokenEndpoint,
            format!("HTTP {status}, Location: {location}"),
        );
        failure.summary = words![format!(
            "{} answered with a redirect (HTTP {status}) instead of a token",
            ctx.host
        )];
        failure.meaning = words![
            "A token endpoint answers a POST directly. A redirect usually means the URL is a web page, a login \
             page, or http that the server upgrades to https. authcheck does not follow redirects with \
             credentials."
        ];
        failure.causes = vec![
            words!["the URL is missing a path segment or has an extra or missing trailing slash"],
            words!["the URL uses http:// and the server redirects to https://"],
            words!["the URL points at a sign-in page rather than the OAuth2 token endpoint"],
        ];
        failure.fix = words![
            "If the redirect target is the token endpoint, use it as ",
            Input::TokenUrl,
            format!(": {location}")
        ];
        failure.blame = Some(Input::TokenUrl);
        return Verdict::Failed(failure);
    }
    let mut failure = if let Some(error) = body.field("error") {
        oauth_error(answer, &body, &error, ctx)
    } else if (200..300).contains(&status) {
        return success(answer, &body, ctx);
    } else {
        non_oauth_failure(answer, &body, ctx)
    };
    compare_clocks(&mut failure, answer, ctx);
    Verdict::Failed(failure)
}

fn success(answer: &Answer, body: &Body, ctx: &Context<'_>) -> Verdict {
    let scrub = ctx.scrub;
    let malformed = |what: String| {
        let mut failure = Failure::new(
            Reason::MalformedResponse,
            format!("HTTP {}, {}", answer.status, body.describe(scrub)),
        );
        failure.summary = words![format!(
            "{} answered HTTP {} but not with a usable token: {what}",
            ctx.host, answer.status
        )];
        failure.meaning = words![
            "RFC 6749 section 5.1 says a successful answer carries access_token and token_type. This one does \
             not, so no client can use it."
        ];
        failure.causes = vec![
            words!["the URL is not the token endpoint but another endpoint that answers 200"],
            words!["a proxy or gateway rewrote the answer"],
            words!["the server is non-standard"],
        ];
        failure.fix = words![
            "Check ",
            Input::TokenUrl,
            " against the server's documentation or its discovery document (/.well-known/openid-configuration, \
             field token_endpoint)."
        ];
        failure.blame = Some(Input::TokenUrl);
        Verdict::Failed(failure)
    };
    match body {
        Body::Json(_) | Body::Form(_) => {}
        Body::Html(_) | Body::Other(_) | Body::Empty | Body::Truncated(_) => {
            let described = body.describe(scrub);
            let mut failure = Failure::new(
                Reason::NotATokenEndpoint,
                format!("HTTP {}, {described}", answer.status),
            );
            failure.summary = words![format!(
                "{} answered HTTP {} with {described} instead of a token",
                ctx.host, answer.status
            )];
            failure.meaning = words![
                "A token endpoint answers JSON. This URL serves something else: a web page, a portal, or a \
                 proxy's own page."
            ];
            failure.causes = vec![
                words![
                    Input::TokenUrl,
                    " points at a web page or API base URL instead of the token endpoint"
                ],
                words!["a proxy or captive portal answered instead of the server"],
            ];
            failure.fix = words![
                "Use the token endpoint URL (for OIDC servers, token_endpoint in \
                 /.well-known/openid-configuration; for Genesys Cloud, \
                 https://login.<region domain>/oauth/token)."
            ];
            failure.blame = Some(Input::TokenUrl);
            return Verdict::Failed(failure);
        }
    }
    let Some(token) = body.field("access_token").filter(|t| !t.is("")) else {
        return malformed("access_token is missing".to_string());
    };
    let Some(token_type) = body.field("token_type") else {
        return malformed("token_type is missing".to_string());
    };
    let mut warnings = Vec::new();
    let token_type_shown = scrub.quote(&token_type, 40);
    if !token_type.is_ci("bearer") {
        let lower = token_type.lowered();
        if lower.is("dpop") || lower.is("n_a") {
            warnings.push(format!(
                "token_type is {token_type_shown:?}, not Bearer; clients expecting Bearer may not use it"
            ));
        } else {
            return malformed(format!(
                "token_type is {token_type_shown:?}, expected Bearer"
            ));
        }
    }
    let expires_in = match body.field("expires_in") {
        None => {
            warnings.push(
                "the answer has no expires_in, so the token's lifetime is unknown".to_string(),
            );
            None
        }
        Some(text) => match lifetime(&text, &mut warnings) {
            Ok(seconds) => Some(seconds),
            Err(why) => {
                return malformed(format!("expires_in is {:?}, {why}", scrub.quote(&text, 40)));
            }
        },
    };
    Verdict::Token(Issued {
        access_token: token.into_secret(),
        token_type: token_type_shown,
        expires_in,
        scope: body.field("scope"),
        warnings,
    })
}

/// What `expires_in` means, JSON number or text alike (some servers send "3600"): whole seconds as they are; a
/// fraction rounded down with a warning, unless that leaves less than one second (a token that expires at once
/// cannot be used); zero, negative or non-numeric values are malformed; more than ten years warns.
fn lifetime(text: &Heard, warnings: &mut Vec<String>) -> Result<i64, &'static str> {
    const TEN_YEARS: f64 = 10.0 * 365.0 * 86_400.0;
    let seconds = match text.number::<f64>() {
        Some(seconds) if seconds.is_finite() && seconds > 0.0 => seconds,
        _ => return Err("not a positive number of seconds"),
    };
    if seconds < 1.0 {
        return Err("less than one second: the token would expire before it could be used");
    }
    if seconds.fract() != 0.0 {
        warnings.push(format!(
            "expires_in is {seconds}, not a whole number of seconds; read as {}",
            seconds.floor()
        ));
    }
    if seconds > TEN_YEARS {
        warnings.push(format!("expires_in is {seconds}, more than ten years"));
    }
    // `as` saturates: a huge lifetime becomes i64::MAX seconds, never a wrapped negative.
    Ok(seconds.floor() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::base::heard::Scrubber;
    use crate::check::exchange::interpret::context::Codes;
    use crate::check::inputs::request::AuthMethod;
    use crate::check::report::Retry;
    use crate::check::report::words::{Plain, Words};
    use crate::check::vendors::genesys::wording::WORDING;
    use std::time::Duration;

    fn answer(status: u16, content_type: &str, body: &str) -> Answer {
        Answer::bare(status, content_type, body.as_bytes())
    }

    fn ctx(genesys: bool) -> Context<'static> {
        static SCOPES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        static ORIGIN: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
        static SCRUB: std::sync::OnceLock<Scrubber> = std::sync::OnceLock::new();
        static CODES: std::sync::OnceLock<Vec<&'static Codes>> = std::sync::OnceLock::new();
        Context {
            host: "idp.example",
            client_id: "client-1",
            method: AuthMethod::ClientSecretBasic,
            secret_origin: ORIGIN.get_or_init(|| Words::text("environment variable S")),
            secret_input: Input::ClientSecret,
            scopes: SCOPES.get_or_init(|| vec!["read".to_string(), "admin".to_string()]),
            scrub: SCRUB.get_or_init(|| {
                Scrubber::for_credentials("client-1", &Secret::new("the-real-secret-value"))
            }),
            assertion: None,
            key: None,
            codes: CODES.get_or_init(crate::check::vendors::registry::codes),
            wording: genesys.then_some(&WORDING),
            listed_methods: &[],
        }
    }

    fn reason_of(status: u16, content_type: &str, body: &str, genesys: bool) -> (Reason, String) {
        match interpret(&answer(status, content_type, body), &ctx(genesys)) {
            Verdict::Token(_) => (Reason::Ok, String::new()),
            Verdict::Failed(f) => (f.reason, f.summary.render(&Plain)),
        }
    }

    #[test]
    fn a_secret_pasted_into_the_requested_scopes_is_never_quoted_back() {
        let scopes = vec![
            "read".to_string(),
            "client-1:the-real-secret-value".to_string(),
        ];
        let ctx = Context {
            scopes: &scopes,
            ..ctx(false)
        };
        let body = r#"{"error":"invalid_scope","scope":"client-1:the-real-secret-value"}"#;
        let Verdict::Failed(failure) = interpret(&answer(400, "application/json", body), &ctx)
        else {
            panic!("an invalid_scope answer is a failure");
        };
        assert_eq!(failure.reason, Reason::InvalidScope);
        for text in [&failure.summary, &failure.meaning] {
            let text = text.render(&Plain);
            assert!(!text.contains("the-real-secret-value"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
    }

    #[test]
    fn a_refusal_of_many_requested_scopes_names_a_bounded_few_once_each() {
        // Found by the token_response fuzz target: every requested scope the refusal's words contained was named,
        // each up to 500 characters, duplicates included, so a long scope list made a 2,000-character summary.
        let mut scopes: Vec<String> = (0..60).map(|i| format!("scope{i:02}")).collect();
        scopes.extend(std::iter::repeat_n("scope00".to_string(), 40));
        scopes.push("x".repeat(900));
        let ctx = Context {
            scopes: &scopes,
            ..ctx(false)
        };
        let description = scopes.join(" ");
        let body = format!(r#"{{"error":"invalid_scope","error_description":"{description}"}}"#);
        let Verdict::Failed(failure) = interpret(&answer(400, "application/json", &body), &ctx)
        else {
            panic!("an invalid_scope answer is a failure");
        };
        assert_eq!(failure.reason, Reason::InvalidScope);
        let summary = failure.summary.render(&Plain);
        assert!(
            summary.chars().count() < 400,
            "{} characters: {summary}",
            summary.len()
        );
        assert_eq!(summary.matches("\"scope00\"").count(), 1, "{summary}");
        assert!(summary.contains("and 56 more"), "{summary}");
        let meaning = failure.meaning.render(&Plain);
        assert!(
            meaning.chars().count() < 2000,
            "{} characters",
            meaning.len()
        );
    }

    #[test]
    fn a_legacy_aadsts70021_refusal_of_a_federated_token_is_an_invalid_assertion() {
        // Entra's pre-2023 wording came as invalid_request (facts: machine-credentials.md 3a), not invalid_client.
        let facts = crate::check::inputs::credential::jwt::AssertionFacts {
            iss: Some(Heard::new("https://token.actions.githubusercontent.com")),
            sub: Some(Heard::new("repo:octo-org/deploy:environment:prod")),
            ..Default::default()
        };
        let ctx = Context {
            method: AuthMethod::Federated,
            assertion: Some(&facts),
            ..ctx(false)
        };
        let body = r#"{"error":"invalid_request","error_description":"AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:octo-org/deploy:environment:prod'. Assertion Audience: 'api://AzureADTokenExchange'."}"#;
        let Verdict::Failed(failure) = interpret(&answer(400, "application/json", body), &ctx)
        else {
            panic!("not a failure");
        };
        assert_eq!(failure.reason, Reason::InvalidAssertion);
        assert!(
            failure
                .fix
                .render(&Plain)
                .contains("subject \"repo:octo-org/deploy:environment:prod\""),
            "{}",
            failure.fix.render(&Plain)
        );
    }

    /// oidc-provider's bare refusal of a secret sent for a client registered with a key: with the server's
    /// metadata at hand, the third cause names the methods it lists that the secret cannot stand in for, and the
    /// inputs each needs as references the faces render; without metadata, or with secrets only listed, the
    /// cause is the generic one.
    #[test]
    fn a_bare_invalid_client_names_the_methods_the_metadata_lists() {
        let body =
            r#"{"error":"invalid_client","error_description":"client authentication failed"}"#;
        let refusal = |listed: &'static [AuthMethod]| {
            let ctx = Context {
                listed_methods: listed,
                ..ctx(false)
            };
            match interpret(&answer(401, JSON, body), &ctx) {
                Verdict::Failed(failure) => failure,
                Verdict::Token(_) => panic!("not a failure"),
            }
        };
        let generic = "the server expects the other authentication method (this request used client_secret_basic)";

        let all = refusal(&[
            AuthMethod::ClientSecretBasic,
            AuthMethod::ClientSecretPost,
            AuthMethod::ClientSecretJwt,
            AuthMethod::PrivateKeyJwt,
            AuthMethod::TlsClientAuth,
        ]);
        assert_eq!(all.reason, Reason::InvalidClient);
        assert_eq!(all.causes.len(), 3);
        assert_eq!(
            all.causes[2].render(&Plain),
            "the client may be registered for a method the server's metadata lists: private_key_jwt (give the \
             client's key in private_key_file, private_key_pem or pkcs12_file), client_secret_jwt (auth_method = \
             \"client_secret_jwt\", with the same secret) or mutual TLS (auth_method = \"tls_client_auth\", with \
             certificate_file and its key); this request used client_secret_basic"
        );
        // Inputs stay references, for each face to name in its own words.
        assert!(all.causes[2].mentions(Input::AuthMethod));
        assert!(all.causes[2].mentions(Input::CertificateFile));
        assert!(
            all.causes[2]
                .pieces()
                .contains(&crate::check::report::words::Piece::Group(
                    crate::surface::Group::KeySource
                ))
        );
        assert!(
            all.fix
                .render(&Plain)
                .ends_with("with the client's key in private_key_file, private_key_pem or pkcs12_file for private_key_jwt."),
            "{}",
            all.fix.render(&Plain)
        );

        // Only what is listed is named.
        let one = refusal(&[
            AuthMethod::ClientSecretBasic,
            AuthMethod::SelfSignedTlsClientAuth,
        ]);
        assert_eq!(
            one.causes[2].render(&Plain),
            "the client may be registered for a method the server's metadata lists: mutual TLS (auth_method = \
             \"self_signed_tls_client_auth\", with certificate_file and its key); this request used \
             client_secret_basic"
        );
        assert!(
            one.fix
                .render(&Plain)
                .ends_with("to the method the client is registered for.")
        );

        // No metadata, or secrets only: today's cause and fix.
        for listed in [
            &[][..],
            &[AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost][..],
        ] {
            let plain = refusal(listed);
            assert_eq!(plain.causes[2].render(&Plain), generic);
            assert_eq!(
                plain.fix.render(&Plain),
                "Check client_id and the secret in environment variable S against the client's page on the \
                 server; if both are right, set auth_method to the method the client is registered for."
            );
        }
    }

    const JSON: &str = "application/json";

    /// Status, content type, body, whether the server is Genesys, the reason, and words the summary holds.
    const ANSWERS: &[(u16, &str, &str, bool, Reason, &str)] = &[
        (
            200,
            JSON,
            r#"{"access_token":"t","token_type":"bearer","expires_in":60}"#,
            false,
            Reason::Ok,
            "",
        ),
        (
            200,
            JSON,
            r#"{"access_token":"t","token_type":"Bearer"}"#,
            false,
            Reason::Ok,
            "",
        ),
        (
            200,
            "application/x-www-form-urlencoded",
            "access_token=t&token_type=bearer&expires_in=60",
            false,
            Reason::Ok,
            "",
        ),
        (
            200,
            JSON,
            r#"{"token_type":"Bearer"}"#,
            false,
            Reason::MalformedResponse,
            "access_token is missing",
        ),
        (
            200,
            JSON,
            r#"{"access_token":"t","token_type":"mac"}"#,
            false,
            Reason::MalformedResponse,
            "expected Bearer",
        ),
        (
            200,
            JSON,
            r#"{"access_token":"t","token_type":"Bearer","expires_in":-5}"#,
            false,
            Reason::MalformedResponse,
            "expires_in",
        ),
        (
            200,
            JSON,
            r#"{"error":"invalid_client"}"#,
            false,
            Reason::InvalidClient,
            "unknown client or wrong secret",
        ),
        (
            200,
            "text/html",
            "<html><head><title>Sign in</title></head></html>",
            false,
            Reason::NotATokenEndpoint,
            "\"Sign in\"",
        ),
        (
            401,
            JSON,
            r#"{"error":"invalid_client","error_description":"Invalid client secret"}"#,
            false,
            Reason::InvalidSecret,
            "rejected the client secret",
        ),
        (
            400,
            JSON,
            r#"{"error":"invalid_client","error_description":"client not found"}"#,
            false,
            Reason::ClientNotFound,
            "does not know client client-1",
        ),
        (
            401,
            JSON,
            r#"{"error":"invalid_client","description":"authentication failed","error_description":"authentication failed"}"#,
            true,
            Reason::InvalidSecret,
            "Genesys Cloud rejected the client secret",
        ),
        (
            401,
            JSON,
            r#"{"error":"invalid_client","error_description":"authentication failed"}"#,
            false,
            Reason::InvalidClient,
            "unknown client or wrong secret",
        ),
        (
            400,
            JSON,
            r#"{"error":"unauthorized_client","error_description":"Client not enabled to retrieve service account"}"#,
            false,
            Reason::GrantNotAllowed,
            "not allowed",
        ),
        (
            400,
            JSON,
            r#"{"error":"invalid_request","error_description":"requested grant type is not allowed for this client"}"#,
            false,
            Reason::GrantNotAllowed,
            "not allowed",
        ),
        (
            400,
            JSON,
            r#"{"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"}"#,
            false,
            Reason::InvalidClient,
            "unknown client or wrong secret",
        ),
        (
            400,
            JSON,
            r#"{"error":"unsupported_grant_type"}"#,
            false,
            Reason::GrantNotAllowed,
            "not allowed",
        ),
        (
            400,
            JSON,
            r#"{"error":"invalid_scope","error_description":"scope admin is not allowed"}"#,
            false,
            Reason::InvalidScope,
            "refused scope \"admin\"",
        ),
        (
            400,
            JSON,
            r#"{"error":"invalid_scope","scope":"admin"}"#,
            false,
            Reason::InvalidScope,
            "refused scope \"admin\"",
        ),
        (
            400,
            JSON,
            r#"{"error":"invalid_request","error_description":"AADSTS1002012: The provided value for scope read is not valid. Client credential flows must have a scope value with /.default suffixed"}"#,
            false,
            Reason::InvalidScope,
            "refused",
        ),
        (
            401,
            JSON,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#,
            false,
            Reason::InvalidSecret,
            "rejected the client secret",
        ),
        (
            400,
            JSON,
            r#"{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier 'x' was not found in the directory"}"#,
            false,
            Reason::ClientNotFound,
            "does not know",
        ),
        (
            401,
            JSON,
            r#"{"error":"access_denied","error_description":"Unauthorized"}"#,
            false,
            Reason::InvalidClient,
            "unknown client or wrong secret",
        ),
        (
            403,
            JSON,
            r#"{"error":"access_denied","error_description":"Client is not authorized to access \"https://x/api/v2/\". You might probably want to create a \"client-grant\""}"#,
            false,
            Reason::AccessDenied,
            "denied client",
        ),
        (
            400,
            JSON,
            r#"{"error":"invalid_request","description":"rate limit exceeded; try again","error_description":"rate limit exceeded; try again"}"#,
            true,
            Reason::RateLimited,
            "rate-limiting",
        ),
        (
            429,
            "text/plain",
            "slow down",
            false,
            Reason::RateLimited,
            "rate-limiting",
        ),
        (
            503,
            "text/html",
            "<html><title>Maintenance</title></html>",
            false,
            Reason::ServerError,
            "HTTP 503",
        ),
        (
            500,
            JSON,
            r#"{"error":"server_error"}"#,
            false,
            Reason::ServerError,
            "could not issue",
        ),
        (
            404,
            "text/html",
            "<html><head><title>404 Not Found</title></head></html>",
            false,
            Reason::NotATokenEndpoint,
            "\"404 Not Found\"",
        ),
        (
            405,
            JSON,
            r#"{"message":"Method not allowed"}"#,
            false,
            Reason::NotATokenEndpoint,
            "not a token endpoint",
        ),
        (
            401,
            "text/plain",
            "",
            false,
            Reason::InvalidClient,
            "unknown client or wrong secret",
        ),
        (
            403,
            "text/html",
            "<html><title>Access Denied</title></html>",
            false,
            Reason::AccessDenied,
            "denied",
        ),
        (
            400,
            JSON,
            r#"{"error":"invalid_request","error_description":"audience is required"}"#,
            false,
            Reason::InvalidInput,
            "malformed",
        ),
    ];

    #[test]
    fn each_answer_maps_to_its_reason() {
        let mut problems = Vec::new();
        for (status, content_type, body, genesys, reason, words) in ANSWERS {
            let (got, summary) = reason_of(*status, content_type, body, *genesys);
            if got != *reason || !summary.contains(words) {
                problems.push(format!(
                    "{status} {body}: expected {} with {words:?}, got {} {summary:?}",
                    reason.code(),
                    got.code()
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn expires_in_is_read_deliberately_in_json_and_form_bodies() {
        // (body, content type, expected: Ok(seconds) or Err(words of the malformed summary), warning words)
        let json = "application/json";
        let form = "application/x-www-form-urlencoded";
        type Row<'a> = (&'a str, &'a str, Result<i64, &'a str>, Option<&'a str>);
        let rows: &[Row] = &[
            ("expires_in=3600", form, Ok(3600), None),
            (r#""expires_in":3600"#, json, Ok(3600), None),
            (r#""expires_in":"3600""#, json, Ok(3600), None),
            (
                r#""expires_in":3599.7"#,
                json,
                Ok(3599),
                Some("not a whole number"),
            ),
            (
                "expires_in=3599.7",
                form,
                Ok(3599),
                Some("not a whole number"),
            ),
            // Found by the fuzzer (fuzz/regressions/token_response): a fraction under a second was read as 0.
            ("expires_in=.60", form, Err("less than one second"), None),
            (
                r#""expires_in":0.6"#,
                json,
                Err("less than one second"),
                None,
            ),
            (
                r#""expires_in":0"#,
                json,
                Err("not a positive number of seconds"),
                None,
            ),
            (
                "expires_in=-5",
                form,
                Err("not a positive number of seconds"),
                None,
            ),
            (
                "expires_in=soon",
                form,
                Err("not a positive number of seconds"),
                None,
            ),
            (
                "expires_in=1e30",
                form,
                Ok(i64::MAX),
                Some("more than ten years"),
            ),
        ];
        for (field, content_type, expected, warning) in rows {
            let body = if *content_type == json {
                format!(r#"{{"access_token":"t","token_type":"Bearer",{field}}}"#)
            } else {
                format!("access_token=t&token_type=bearer&{field}")
            };
            match (
                interpret(&answer(200, content_type, &body), &ctx(false)),
                expected,
            ) {
                (Verdict::Token(issued), Ok(seconds)) => {
                    assert_eq!(issued.expires_in, Some(*seconds), "{body}");
                    match warning {
                        Some(words) => assert!(
                            issued.warnings.iter().any(|w| w.contains(words)),
                            "{body}: {:?}",
                            issued.warnings
                        ),
                        None => {
                            assert!(issued.warnings.is_empty(), "{body}: {:?}", issued.warnings)
                        }
                    }
                }
                (Verdict::Failed(f), Err(words)) => {
                    assert_eq!(f.reason, Reason::MalformedResponse, "{body}");
                    let summary = f.summary.render(&Plain);
                    assert!(summary.contains(words), "{body}: {summary}");
                }
                (Verdict::Token(issued), Err(_)) => {
                    panic!("{body}: accepted with expires_in {:?}", issued.expires_in)
                }
                (Verdict::Failed(f), Ok(_)) => {
                    panic!("{body}: refused: {}", f.summary.render(&Plain))
                }
            }
        }
    }

    #[test]
    fn redirects_are_reported_with_their_location() {
        let mut a = answer(302, "text/html", "");
        a.location = Some(Heard::new("https://idp.example/login"));
        let Verdict::Failed(failure) = interpret(&a, &ctx(false)) else {
            panic!("a redirect is not a token");
        };
        assert_eq!(failure.reason, Reason::NotATokenEndpoint);
        assert!(
            failure
                .fix
                .render(&Plain)
                .contains("https://idp.example/login")
        );
    }

    #[test]
    fn retryable_answers_carry_retry_after() {
        let mut a = answer(429, "application/json", r#"{"error":"slow_down"}"#);
        a.retry_after = Some(Duration::from_secs(3));
        let Verdict::Failed(failure) = interpret(&a, &ctx(false)) else {
            panic!("429 is not a token");
        };
        assert_eq!(failure.retry, Retry::Yes(Some(Duration::from_secs(3))));
    }

    #[test]
    fn bodies_are_summarised_never_dumped() {
        let long = format!("{}\u{7}{}", "x".repeat(5000), "y");
        let (_, summary) = reason_of(404, "text/plain", &long, false);
        assert!(summary.len() < 400, "{}", summary.len());
        assert!(!summary.contains('\u{7}'));
    }

    #[test]
    fn summaries_stay_one_bounded_line_whatever_the_server_sends() {
        // Inputs the fuzzer found (fuzz/regressions/token_response).
        let long_key = format!("{{\"{}\":1}}", "k".repeat(2100));
        let long_error = format!("{{\"error\":\"{}\"}}", "e".repeat(3000));
        let cases = [
            answer(404, "application/json", "{\"\\u001b[2J\\n\":1}"),
            answer(404, "application/json", &long_key),
            answer(400, "application/json", &long_error),
        ];
        for a in cases {
            let Verdict::Failed(f) = interpret(&a, &ctx(false)) else {
                panic!("not a token")
            };
            for text in [&f.summary.render(&Plain), &f.got.render(&Plain)] {
                assert!(text.len() < 2000, "{} chars", text.len());
                assert!(!text.chars().any(char::is_control), "{text:?}");
            }
        }
        for location in [
            "https://x/".to_string() + &"a".repeat(2100),
            "https://x/\tpath".to_string(),
        ] {
            let mut a = answer(302, "text/html", "");
            a.location = Some(Heard::new(location));
            let Verdict::Failed(f) = interpret(&a, &ctx(false)) else {
                panic!("not a token")
            };
            let fix = f.fix.render(&Plain);
            assert!(
                fix.len() < 2000 && !fix.chars().any(char::is_control),
                "{fix:?}"
            );
        }
    }

    #[test]
    fn scope_words_match_whole_scopes_only() {
        let has = |text: &str, word: &str| Heard::new(text).lowered().has_word(word);
        assert!(has("scope admin is not allowed", "admin"));
        assert!(!has("already granted", "read"));
        assert!(!has("admin:all refused", "admin"));
    }

    #[test]
    fn a_server_that_echoes_the_secret_or_the_basic_header_is_quoted_without_it() {
        use base64::Engine;
        let basic =
            base64::engine::general_purpose::STANDARD.encode("client-1:the-real-secret-value");
        for body in [
            r#"{"error":"invalid_client","error_description":"bad secret the-real-secret-value"}"#
                .to_string(),
            format!(
                r#"{{"error":"invalid_request","error_description":"header was Basic {basic}"}}"#
            ),
            "debug: client_secret=the-real-secret-value".to_string(),
        ] {
            let Verdict::Failed(f) = interpret(&answer(400, "text/plain", &body), &ctx(false))
            else {
                panic!("not a token");
            };
            for text in [
                f.summary.render(&Plain),
                f.got.render(&Plain),
                f.meaning.render(&Plain),
            ] {
                assert!(!text.contains("the-real-secret-value"), "{text}");
                assert!(!text.contains(&basic), "{text}");
            }
        }
    }

    #[test]
    fn an_answer_over_the_cap_is_never_quoted() {
        let mut a = answer(
            200,
            "application/json",
            r#"{"access_token":"eyJ-huge-token-prefix"#,
        );
        a.truncated = true;
        let Verdict::Failed(f) = interpret(&a, &ctx(false)) else {
            panic!("a cut-off answer is not a token");
        };
        assert_eq!(f.reason, Reason::NotATokenEndpoint);
        for text in [f.summary.render(&Plain), f.got.render(&Plain)] {
            assert!(!text.contains("eyJ"), "{text}");
        }
    }
}
