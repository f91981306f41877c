//! The engine against the project's own test server and against sockets that misbehave: one row per way a
//! client-credentials request ends, asserting the reason and the words a user reads.

use std::time::{Duration, Instant};

use authcheck::check::{
    self, AuthMethod, CheckRequest, Endpoint, Plain, Reason, Report, Secret, SecretOrigin,
};
use authcheck::demo::idp::{Behavior, Client, Idp, IdpConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn request(token_url: &str, id: &str, secret: &str) -> CheckRequest {
    let mut request = CheckRequest::new(
        Endpoint::TokenUrl(token_url.to_string()),
        id,
        Secret::new(secret),
        SecretOrigin::Env("TEST_SECRET".into()),
    );
    request.auth_method = AuthMethod::Auto;
    request.timeout = Duration::from_secs(5);
    request.max_retries = 2;
    request
}

async fn run(request: CheckRequest) -> Report {
    let (_keep, cancel) = tokio::sync::watch::channel(false);
    check::run(request, cancel).await
}

fn expect(report: &Report, reason: Reason, words: &[&str]) -> Option<String> {
    let all = format!(
        "{}\n{}",
        report.summary_in(&Plain),
        report.detail_in(&Plain)
    );
    let missing: Vec<&&str> = words.iter().filter(|w| !all.contains(**w)).collect();
    (report.reason != reason || !missing.is_empty()).then(|| {
        format!(
            "expected {} with {missing:?}; got {}:\n{all}",
            reason.code(),
            report.reason.code()
        )
    })
}

/// A raw TCP server that does `behave` with each connection, for answers no real server should give.
async fn raw_server<F, Fut>(behave: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let behave = std::sync::Arc::new(behave);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let behave = behave.clone();
            tokio::spawn(async move { behave(stream).await });
        }
    });
    format!("http://{addr}/token")
}

async fn read_request(stream: &mut tokio::net::TcpStream) {
    let mut buf = vec![0u8; 65536];
    let _ = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await;
}

#[tokio::test]
async fn each_way_a_token_request_ends_is_named() {
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("good", "good-secret").scopes(&["read", "write"]),
        Client::new("post-only", "post-secret").behavior(Behavior::PostOnly),
        Client::new("no-scope", "ns-secret").behavior(Behavior::NoScopeField),
        Client::new("jwt", "jwt-secret")
            .scopes(&["read"])
            .behavior(Behavior::JwtAccessToken),
        Client::new("flaky", "flaky-secret").behavior(Behavior::RateLimited {
            failures_before_success: 1,
        }),
        Client::new("busy", "busy-secret").behavior(Behavior::AlwaysRateLimited),
        Client::new("broken", "broken-secret").behavior(Behavior::ServerError),
        Client::new("no-grant", "ng-secret").behavior(Behavior::GrantNotAllowed),
    ]))
    .await
    .expect("idp");
    let url = idp.token_url();
    let base = idp.base_url();
    let mut problems = Vec::new();
    let mut row = |name: &str, outcome: Option<String>| {
        if let Some(problem) = outcome {
            problems.push(format!("{name}: {problem}"));
        }
    };

    let report = run(request(&url, "good", "good-secret")).await;
    row(
        "good",
        expect(
            &report,
            Reason::Ok,
            &["obtained a token", "client_secret_basic"],
        ),
    );
    assert_eq!(report.findings.granted_scopes, ["read", "write"]);

    let report = run(request(&url, "good", "wrong")).await;
    row(
        "wrong secret",
        expect(
            &report,
            Reason::InvalidSecret,
            &[
                "rejected the client secret",
                "environment variable TEST_SECRET",
            ],
        ),
    );

    let report = run(request(&url, "nobody", "x")).await;
    row(
        "unknown client",
        expect(
            &report,
            Reason::ClientNotFound,
            &["does not know client nobody"],
        ),
    );

    let report = run(request(&url, "post-only", "post-secret")).await;
    row(
        "post only via auto",
        expect(&report, Reason::Ok, &["client_secret_post"]),
    );
    assert!(
        report
            .findings
            .checks
            .iter()
            .any(|c| c.name() == "auth_method"
                && c.detail
                    .render(&Plain)
                    .contains("auth_method = \"client_secret_post\"")),
        "{:?}",
        report.findings.checks
    );

    let mut explicit = request(&url, "post-only", "post-secret");
    explicit.auth_method = AuthMethod::ClientSecretBasic;
    let report = run(explicit).await;
    row(
        "explicit basic does one request",
        expect(
            &report,
            Reason::InvalidClient,
            &["unknown client or wrong secret"],
        ),
    );
    assert!(
        !report.detail_in(&Plain).contains("Also tried"),
        "explicit methods try once: {}",
        report.detail_in(&Plain)
    );

    let mut scoped = request(&url, "good", "good-secret");
    scoped.scopes = vec!["read".into(), "admin".into()];
    let report = run(scoped).await;
    row(
        "refused scope",
        expect(&report, Reason::InvalidScope, &["refused scope \"admin\""]),
    );

    // No scope field and an opaque token: the discovery document the token URL implies names the
    // introspection endpoint, which tells.
    let mut required = request(&url, "no-scope", "ns-secret");
    required.required_scopes = vec!["read".into()];
    let report = run(required).await;
    row("scopes by introspection", expect(&report, Reason::Ok, &[]));
    assert_eq!(report.findings.scopes_source.code(), "introspection");
    assert!(
        report
            .findings
            .checks
            .iter()
            .any(|c| c.name() == "scopes" && c.status == check::Status::Pass)
    );

    let mut jwt = request(&url, "jwt", "jwt-secret");
    jwt.required_scopes = vec!["read".into(), "write".into()];
    let report = run(jwt).await;
    row(
        "jwt scopes",
        expect(
            &report,
            Reason::MissingScopes,
            &["lacks required scope write"],
        ),
    );
    assert_eq!(report.findings.scopes_source.code(), "jwt");
    assert_eq!(report.findings.missing_scopes, ["write"]);

    let report = run(request(&url, "flaky", "flaky-secret")).await;
    row(
        "rate limited then recovering",
        expect(&report, Reason::Ok, &[]),
    );

    let report = run(request(&url, "busy", "busy-secret")).await;
    row(
        "rate limited to exhaustion",
        expect(
            &report,
            Reason::RateLimited,
            &["rate-limiting", "tried 3 times"],
        ),
    );

    let report = run(request(&url, "broken", "broken-secret")).await;
    row(
        "server error",
        expect(
            &report,
            Reason::ServerError,
            &["HTTP 503", "503 Service Unavailable"],
        ),
    );

    let report = run(request(&url, "no-grant", "ng-secret")).await;
    row(
        "grant not allowed",
        expect(
            &report,
            Reason::GrantNotAllowed,
            &["not allowed to use the client-credentials grant"],
        ),
    );

    let report = run(request(
        &format!("{base}/nothing-here"),
        "good",
        "good-secret",
    ))
    .await;
    row(
        "404 html",
        expect(
            &report,
            Reason::NotATokenEndpoint,
            &["HTTP 404", "Not Found"],
        ),
    );

    let mut discovered = request("", "good", "good-secret");
    discovered.endpoint = Endpoint::Issuer(base.clone());
    let report = run(discovered).await;
    row("discovery", expect(&report, Reason::Ok, &[]));
    assert_eq!(
        report.findings.token_url.as_deref(),
        Some(format!("{base}/oauth/token").as_str())
    );

    let mut bad_issuer = request("", "good", "good-secret");
    bad_issuer.endpoint = Endpoint::Issuer(format!("{base}/realms/nope"));
    let report = run(bad_issuer).await;
    row(
        "discovery failed",
        expect(
            &report,
            Reason::DiscoveryFailed,
            &["/realms/nope/.well-known/openid-configuration", "HTTP 404"],
        ),
    );

    let report = run(request(
        "http://idp.example.com/token",
        "good",
        "good-secret",
    ))
    .await;
    row(
        "plain http remote",
        expect(
            &report,
            Reason::InsecureTransport,
            &["https://idp.example.com/token"],
        ),
    );

    let report = run(request(&url, "good", "good-secret\n")).await;
    row(
        "trailing newline",
        expect(&report, Reason::InvalidInput, &["ends with a newline"]),
    );
    assert!(
        !report.summary_in(&Plain).contains("good-secret")
            && !report.detail_in(&Plain).contains("good-secret")
    );

    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[tokio::test]
async fn hostile_or_absent_servers_end_within_the_budget_with_the_right_reason() {
    let mut problems = Vec::new();

    // Nothing listens: refused, named with host and port.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let report = run(request(&format!("http://127.0.0.1:{port}/token"), "a", "b")).await;
    if let Some(p) = expect(
        &report,
        Reason::EndpointUnreachable,
        &[&format!("127.0.0.1:{port} refused")],
    ) {
        problems.push(format!("refused: {p}"));
    }

    // Accepts and never answers: the whole check ends at timeout_seconds.
    let hang = raw_server(|stream| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(stream);
    })
    .await;
    let mut slow = request(&hang, "a", "b");
    slow.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let report = run(slow).await;
    let took = started.elapsed();
    if let Some(p) = expect(
        &report,
        Reason::EndpointUnreachable,
        &["did not answer within 1s"],
    ) {
        problems.push(format!("hang: {p}"));
    }
    assert!(took < Duration::from_millis(1600), "hang took {took:?}");

    // Redirects are reported, not followed.
    let redirect = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 302 Found\r\nLocation: https://login.example.com/signin\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
    })
    .await;
    let report = run(request(&redirect, "a", "b")).await;
    if let Some(p) = expect(
        &report,
        Reason::NotATokenEndpoint,
        &["redirect", "https://login.example.com/signin"],
    ) {
        problems.push(format!("redirect: {p}"));
    }

    // 50 MB of body: capped, no exhaustion, named as not a token endpoint.
    let huge = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 52428800\r\nConnection: close\r\n\r\n")
            .await;
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..50 {
            if stream.write_all(&chunk).await.is_err() {
                return;
            }
        }
    })
    .await;
    let report = run(request(&huge, "a", "b")).await;
    if let Some(p) = expect(&report, Reason::NotATokenEndpoint, &["HTTP 200"]) {
        problems.push(format!("huge: {p}"));
    }

    // Reset after the headers.
    let reset = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"acc")
            .await;
        drop(stream);
    })
    .await;
    let mut no_retry = request(&reset, "a", "b");
    no_retry.max_retries = 0;
    let report = run(no_retry).await;
    if report.reason == Reason::Ok {
        problems.push(format!(
            "reset mid-body must not pass: {}",
            report.detail_in(&Plain)
        ));
    }

    // Invalid UTF-8 and garbage with 200.
    let garbage = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 6\r\nConnection: close\r\n\r\n\xff\xfe{\x00\x01}")
            .await;
    })
    .await;
    let report = run(request(&garbage, "a", "b")).await;
    if report.reason == Reason::Ok {
        problems.push("garbage must not pass".to_string());
    }
    // Trickles one byte a second after the headers: the budget still holds.
    let trickle = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
            .await;
        for _ in 0..60 {
            if stream.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    let mut slow = request(&trickle, "a", "b");
    slow.timeout = Duration::from_secs(2);
    let started = Instant::now();
    let report = run(slow).await;
    if report.reason != Reason::EndpointUnreachable
        || started.elapsed() > Duration::from_millis(2600)
    {
        problems.push(format!(
            "trickle: {} after {:?}: {}",
            report.reason.code(),
            started.elapsed(),
            report.summary_in(&Plain)
        ));
    }

    // Accepts TCP but never completes the TLS handshake.
    let stalled_tls = raw_server(|stream| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(stream);
    })
    .await
    .replace("http://", "https://");
    let mut slow = request(&stalled_tls, "a", "b");
    slow.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let report = run(slow).await;
    if report.reason != Reason::EndpointUnreachable
        || started.elapsed() > Duration::from_millis(1600)
    {
        problems.push(format!(
            "stalled TLS: {} after {:?}: {}",
            report.reason.code(),
            started.elapsed(),
            report.summary_in(&Plain)
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[tokio::test]
async fn cancelling_ends_a_check_at_once() {
    let hang = raw_server(|stream| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(stream);
    })
    .await;
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(check::run(request(&hang, "a", "b"), cancel));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    cancel_tx.send(true).expect("send");
    let report = task.await.expect("join");
    assert!(started.elapsed() < Duration::from_millis(200));
    assert!(
        report.summary_in(&Plain).contains("cancelled"),
        "{}",
        report.summary_in(&Plain)
    );
}

#[tokio::test]
async fn identical_checks_running_together_share_one_token_request() {
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("shared-a", "secret-a").behavior(Behavior::Slow(Duration::from_millis(300))),
        Client::new("shared-b", "secret-b"),
    ]))
    .await
    .expect("idp");
    let url = idp.token_url();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (id, secret) = if i % 2 == 0 {
            ("shared-a", "secret-a")
        } else {
            ("shared-b", "secret-b")
        };
        tasks.push(tokio::spawn(run(request(&url, id, secret))));
    }
    for task in tasks {
        assert_eq!(task.await.expect("join").reason, Reason::Ok);
    }
    assert_eq!(idp.requests(), 2, "one request per distinct credential");
    // A different secret for the same client is a different check.
    let report = run(request(&url, "shared-b", "other")).await;
    assert_eq!(report.reason, Reason::InvalidSecret);
    assert!(idp.requests() > 2);
}

/// Required scopes against the project's own server, counted at the server: evidence first, then asking;
/// a server that ignores `scope` warns, and fails as `unverifiable` with `strict`.
#[tokio::test]
async fn required_scopes_are_verified_by_asking_when_nothing_else_tells() {
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("defaults", "d-secret")
            .scopes(&["read", "write"])
            .default_scopes(&["read"])
            .behavior(Behavior::NoScopeField),
        Client::new("limited", "l-secret")
            .scopes(&["read"])
            .behavior(Behavior::NoScopeField),
        Client::new("deaf", "deaf-secret").behavior(Behavior::IgnoresScope),
    ]))
    .await
    .expect("idp");
    let url = idp.token_url();
    let required = |id: &str, secret: &str, scopes: &[&str]| {
        let mut request = request(&url, id, secret);
        request.required_scopes = scopes.iter().map(|s| s.to_string()).collect();
        request.max_retries = 0;
        request
    };

    // Introspection says the default token has read only; asking for write gets a token that has it.
    let before = idp.requests();
    let report = check::run_fresh(required("defaults", "d-secret", &["write"]), no_cancel()).await;
    assert_eq!(report.reason, Reason::Ok, "{}", report.detail_in(&Plain));
    let scopes_step = report
        .findings
        .checks
        .iter()
        .find(|c| c.name() == "scopes")
        .expect("scopes step");
    assert_eq!(scopes_step.status, check::Status::Warn);
    let words = scopes_step.detail.render(&Plain);
    assert!(
        words.contains("gets write when it asks for it") && words.contains("scopes"),
        "{words}"
    );
    assert!(words.contains("asked the server once more"), "{words}");
    // Token requests, counted at the server: the check's own and the one asking for write.
    assert_eq!(idp.requests() - before, 2, "token requests made");

    // Two scopes required, one refused: one request per scope names it.
    let report = check::run_fresh(
        required("limited", "l-secret", &["read", "write"]),
        no_cancel(),
    )
    .await;
    assert_eq!(
        report.reason,
        Reason::MissingScopes,
        "{}",
        report.detail_in(&Plain)
    );
    assert_eq!(report.findings.missing_scopes, ["write"]);
    assert!(
        report
            .detail_in(&Plain)
            .contains("asked the server 3 more times")
    );

    // A server that ignores scope: a warning that says what would make it verifiable; strict fails.
    let report = check::run_fresh(required("deaf", "deaf-secret", &["read"]), no_cancel()).await;
    assert_eq!(report.reason, Reason::Ok);
    let step = report
        .findings
        .checks
        .iter()
        .find(|c| c.name() == "scopes")
        .expect("scopes step");
    assert_eq!(step.status, check::Status::Warn);
    assert!(
        step.detail
            .render(&Plain)
            .contains("what would make it verifiable")
    );
    let mut strict = required("deaf", "deaf-secret", &["read"]);
    strict.strict = true;
    let report = check::run_fresh(strict, no_cancel()).await;
    assert_eq!(
        report.reason,
        Reason::Unverifiable,
        "{}",
        report.detail_in(&Plain)
    );
    assert!(report.reason.is_inconclusive());
}

fn no_cancel() -> check::Cancel {
    let (sender, cancel) = tokio::sync::watch::channel(false);
    std::mem::forget(sender);
    cancel
}

/// An authorisation server on loopback that publishes metadata listing `methods` and refuses every client the
/// way oidc-provider refuses a secret sent for a client registered with a key: a bare `invalid_client`.
/// Answers with its base URL (the issuer).
async fn refusing_server(methods: &'static [&'static str]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let issuer = base.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let issuer = issuer.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let read = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..read]);
                let (status, body) = if head.starts_with("GET /.well-known/openid-configuration ") {
                    let listed: Vec<String> = methods.iter().map(|m| format!("{m:?}")).collect();
                    (
                        "200 OK",
                        format!(
                            r#"{{"issuer":"{issuer}","token_endpoint":"{issuer}/token","token_endpoint_auth_methods_supported":[{}]}}"#,
                            listed.join(",")
                        ),
                    )
                } else if head.starts_with("POST /token ") {
                    (
                        "401 Unauthorized",
                        r#"{"error":"invalid_client","error_description":"client authentication failed"}"#
                            .to_string(),
                    )
                } else {
                    ("404 Not Found", "{}".to_string())
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    base
}

/// A secret refused with a bare `invalid_client` by a server whose metadata lists methods that need a key, a
/// signed assertion or a certificate: the causes name those methods and the inputs each needs; a server whose
/// metadata lists only secrets, and a token URL given without an issuer, keep the causes they had.
#[tokio::test]
async fn a_refused_secret_names_the_other_methods_the_metadata_lists() {
    let mut problems = Vec::new();
    let by_issuer = |base: &str| {
        let mut request = request("", "keyed", "some-secret");
        request.endpoint = Endpoint::Issuer(base.to_string());
        request.max_retries = 0;
        request
    };
    let generic = "the server expects the other authentication method (this request used client_secret_basic)";

    let keyed = refusing_server(&[
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "client_secret_jwt",
        "tls_client_auth",
    ])
    .await;
    let report = run(by_issuer(&keyed)).await;
    if let Some(p) = expect(
        &report,
        Reason::InvalidClient,
        &[
            "the server's metadata lists",
            "private_key_jwt (give the client's key in private_key_file, private_key_pem or pkcs12_file)",
            "auth_method = \"client_secret_jwt\"",
            "auth_method = \"tls_client_auth\", with certificate_file and its key",
            "this request used client_secret_basic",
        ],
    ) {
        problems.push(format!("all three listed: {p}"));
    }
    let detail = report.detail_in(&Plain);
    if detail.contains(generic) || detail.contains("self_signed_tls_client_auth") {
        problems.push(format!(
            "all three listed: the generic cause, or a method not listed:\n{detail}"
        ));
    }

    // Only one of them listed: only that one is named.
    let one = refusing_server(&["client_secret_basic", "client_secret_jwt"]).await;
    let report = run(by_issuer(&one)).await;
    let detail = report.detail_in(&Plain);
    if let Some(p) = expect(
        &report,
        Reason::InvalidClient,
        &["auth_method = \"client_secret_jwt\""],
    ) {
        problems.push(format!("client_secret_jwt listed: {p}"));
    }
    if detail.contains("private_key_jwt") || detail.contains("tls_client_auth") {
        problems.push(format!(
            "client_secret_jwt listed: a method not listed is named:\n{detail}"
        ));
    }

    // Secrets only: the causes are today's.
    let secrets = refusing_server(&["client_secret_basic", "client_secret_post"]).await;
    let report = run(by_issuer(&secrets)).await;
    if let Some(p) = expect(&report, Reason::InvalidClient, &[generic]) {
        problems.push(format!("secrets only: {p}"));
    }

    // A token URL without an issuer: no metadata at hand, the causes are today's.
    let mut direct = request(&format!("{keyed}/token"), "keyed", "some-secret");
    direct.max_retries = 0;
    let report = run(direct).await;
    if let Some(p) = expect(&report, Reason::InvalidClient, &[generic]) {
        problems.push(format!("token URL: {p}"));
    }
    if report.detail_in(&Plain).contains("private_key_jwt") {
        problems.push("token URL: a method is named without metadata".to_string());
    }

    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
