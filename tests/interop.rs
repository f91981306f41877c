//! The engine against real authorisation servers this project did not write: Node's oidc-provider and
//! Python's Authlib, started on loopback by scripts/interop-server and scripts/interop-authlib-server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use authcheck::check::{
    self, AuthMethod, CheckRequest, Endpoint, Plain, Reason, Secret, SecretOrigin,
};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(script: &str) -> Server {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(root.join("scripts").join(script))
        .env("OIDC_MAX_SECONDS", "300")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|err| panic!("start {script}: {err}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("LISTENING line");
    let base = line
        .trim()
        .strip_prefix("LISTENING ")
        .unwrap_or_else(|| panic!("{script} did not start: {line:?}"))
        .to_string();
    Server { child, base }
}

fn request(
    endpoint: Endpoint,
    id: &str,
    secret: &str,
    scopes: &[&str],
    method: AuthMethod,
) -> CheckRequest {
    let mut request = CheckRequest::new(
        endpoint,
        id,
        Secret::new(secret),
        SecretOrigin::Env("TEST_SECRET".into()),
    );
    request.auth_method = method;
    request.scopes = scopes.iter().map(|s| s.to_string()).collect();
    request.timeout = Duration::from_secs(10);
    request.max_retries = 0;
    request
}

async fn run(request: CheckRequest) -> check::Report {
    let (_keep, cancel) = tokio::sync::watch::channel(false);
    check::run(request, cancel).await
}

struct Case {
    name: &'static str,
    id: &'static str,
    secret: &'static str,
    scopes: &'static [&'static str],
    method: AuthMethod,
    reason: Reason,
    summary_has: &'static str,
}

async fn table(server: &Server, token_path: &str, cases: &[Case]) -> Vec<String> {
    let mut problems = Vec::new();
    for case in cases {
        let endpoint = Endpoint::TokenUrl(format!("{}{token_path}", server.base));
        let report = run(request(
            endpoint,
            case.id,
            case.secret,
            case.scopes,
            case.method,
        ))
        .await;
        if report.reason != case.reason || !report.summary_in(&Plain).contains(case.summary_has) {
            problems.push(format!(
                "{}: expected {} / {:?}, got {} / {:?}\n{}",
                case.name,
                case.reason.code(),
                case.summary_has,
                report.reason.code(),
                report.summary_in(&Plain),
                report.detail_in(&Plain)
            ));
        }
        if report.detail_in(&Plain).contains(case.secret)
            || report.summary_in(&Plain).contains(case.secret)
        {
            problems.push(format!("{}: the secret appears in the report", case.name));
        }
    }
    problems
}

#[tokio::test]
async fn oidc_provider_answers_are_named_right() {
    let server = start("interop-server");
    use AuthMethod::{Auto, ClientSecretBasic as Basic};
    let cases = [
        Case {
            name: "good basic",
            id: "cc-basic",
            secret: "basic-secret-1",
            scopes: &["read"],
            method: Basic,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "good post via auto",
            id: "cc-post",
            secret: "post-secret-1",
            scopes: &[],
            method: Auto,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "special characters, RFC encoding",
            id: "cc-special",
            secret: "s3cr+t/with=chars&%",
            scopes: &[],
            method: Basic,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "wrong secret",
            id: "cc-basic",
            secret: "not-the-secret",
            scopes: &[],
            method: Auto,
            reason: Reason::InvalidClient,
            summary_has: "unknown client or wrong secret",
        },
        Case {
            name: "unknown client",
            id: "cc-nobody",
            secret: "x-secret",
            scopes: &[],
            method: Auto,
            reason: Reason::InvalidClient,
            summary_has: "unknown client or wrong secret",
        },
        Case {
            name: "grant not allowed",
            id: "cc-nogrant",
            secret: "nogrant-secret-1",
            scopes: &[],
            method: Auto,
            reason: Reason::GrantNotAllowed,
            summary_has: "not allowed to use the client-credentials grant",
        },
        Case {
            name: "refused scope",
            id: "cc-basic",
            secret: "basic-secret-1",
            scopes: &["read", "admin"],
            method: Auto,
            reason: Reason::InvalidScope,
            summary_has: "refused scope \"admin\"",
        },
    ];
    let problems = table(&server, "/token", &cases).await;

    // A JWT access token: the granted scopes are read from its claims. It lacks `write`, which the check did
    // not request; asked for it, the server grants it: valid, with a warning to request it.
    let mut jwt = request(
        Endpoint::TokenUrl(format!("{}/token", server.base)),
        "cc-jwt",
        "jwt-secret-1",
        &["read"],
        AuthMethod::Auto,
    );
    jwt.required_scopes = vec!["read".into(), "write".into()];
    let report = run(jwt).await;
    let mut problems = problems;
    let warned = report.checks.iter().any(|c| {
        c.name == "scopes"
            && c.status == check::Status::Warn
            && c.detail
                .render(&Plain)
                .contains("gets write when it asks for it")
    });
    if report.reason != Reason::Ok || !warned {
        problems.push(format!(
            "jwt scopes: {} {:?} {:?}\n{}",
            report.reason.code(),
            report.granted_scopes,
            report.checks,
            report.detail_in(&Plain)
        ));
    }

    // Discovery from the issuer finds the token endpoint.
    let report = run(request(
        Endpoint::Issuer(server.base.clone()),
        "cc-basic",
        "basic-secret-1",
        &[],
        AuthMethod::Auto,
    ))
    .await;
    if report.reason != Reason::Ok
        || report.token_url.as_deref() != Some(format!("{}/token", server.base).as_str())
    {
        problems.push(format!(
            "discovery: {} {:?}\n{}",
            report.reason.code(),
            report.token_url,
            report.detail_in(&Plain)
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[tokio::test]
async fn authlib_answers_are_named_right() {
    let server = start("interop-authlib-server");
    use AuthMethod::{Auto, ClientSecretBasic as Basic, ClientSecretPost as Post};
    let cases = [
        Case {
            name: "good basic",
            id: "cc-basic",
            secret: "basic-secret-1",
            scopes: &["read", "write"],
            method: Basic,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "post client via auto falls back to post",
            id: "cc-post",
            secret: "post-secret-1",
            scopes: &[],
            method: Auto,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "post client with explicit post",
            id: "cc-post",
            secret: "post-secret-1",
            scopes: &[],
            method: Post,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "wrong secret",
            id: "cc-basic",
            secret: "not-the-secret",
            scopes: &[],
            method: Basic,
            reason: Reason::InvalidClient,
            summary_has: "unknown client or wrong secret",
        },
        Case {
            name: "unknown client",
            id: "cc-nobody",
            secret: "x-secret",
            scopes: &[],
            method: Basic,
            reason: Reason::ClientNotFound,
            summary_has: "does not know client cc-nobody",
        },
        Case {
            name: "grant not allowed",
            id: "cc-nogrant",
            secret: "nogrant-secret-1",
            scopes: &[],
            method: Basic,
            reason: Reason::GrantNotAllowed,
            summary_has: "not allowed",
        },
        Case {
            name: "refused scope",
            id: "cc-basic",
            secret: "basic-secret-1",
            scopes: &["admin"],
            method: Basic,
            reason: Reason::InvalidScope,
            summary_has: "refused scope \"admin\"",
        },
    ];
    let problems = table(&server, "/token", &cases).await;
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Required scopes on real servers with only `token_url` given (and, for oidc-provider, through `issuer`): a
/// client not allowed a scope fails naming it; a client allowed it but not given it by default passes with a
/// warning that says to request it.
#[tokio::test]
async fn required_scopes_are_verified_whatever_the_server_shows() {
    let mut problems = Vec::new();
    for (script, token_path, issuer) in [
        ("interop-server", "/token", true),
        ("interop-authlib-server", "/token", false),
    ] {
        let server = start(script);
        let mut endpoints = vec![Endpoint::TokenUrl(format!("{}{token_path}", server.base))];
        if issuer {
            endpoints.push(Endpoint::Issuer(server.base.clone()));
        }
        for endpoint in endpoints {
            let label = format!("{script} {endpoint:?}");
            let check = |id: &str, secret: &str| {
                let mut request = request(endpoint.clone(), id, secret, &[], AuthMethod::Auto);
                request.required_scopes = vec!["write".into()];
                request
            };
            let report = run(check("cc-readonly", "readonly-secret-1")).await;
            if report.reason != Reason::MissingScopes || report.missing_scopes != ["write"] {
                problems.push(format!(
                    "{label}: a client not allowed `write`: {} {:?}\n{}",
                    report.reason.code(),
                    report.missing_scopes,
                    report.detail_in(&Plain)
                ));
            }
            let report = run(check("cc-basic", "basic-secret-1")).await;
            let warned = report.checks.iter().any(|c| {
                c.name == "scopes"
                    && c.status == check::Status::Warn
                    && c.detail.render(&Plain).contains("when it asks for it")
            });
            if report.reason != Reason::Ok || !warned {
                problems.push(format!(
                    "{label}: a client given `write` only when asked: {} {:?}\n{}",
                    report.reason.code(),
                    report.checks,
                    report.detail_in(&Plain)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
