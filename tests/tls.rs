//! TLS failures are named by what the user can do: untrusted CA (ca_cert_pem fixes it), wrong name, expired, not TLS.

mod support;

use std::time::Duration;

use authcheck::check::{
    self, AuthMethod, CheckRequest, Endpoint, Plain, Reason, Report, Secret, SecretOrigin,
};
use support::pki::TestCa;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves a fixed token answer over TLS with a leaf certificate for `names`, valid in `window`.
async fn tls_server(ca: &TestCa, names: &[&str], expired: bool) -> u16 {
    let mut params =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("params");
    if expired {
        params.not_before = rcgen::date_time_ymd(2001, 1, 1);
        params.not_after = rcgen::date_time_ymd(2002, 1, 1);
    }
    let acceptor = ca.acceptor(params);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut buf = vec![0u8; 16384];
                let _ = tokio::time::timeout(Duration::from_millis(500), tls.read(&mut buf)).await;
                let body = r#"{"access_token":"tls-token","token_type":"Bearer","expires_in":60}"#;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(reply.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn request(url: String, ca: Option<&str>) -> CheckRequest {
    let mut request = CheckRequest::new(
        Endpoint::TokenUrl(url),
        "tls-client",
        Secret::new("tls-secret"),
        SecretOrigin::Env("S".into()),
    );
    request.auth_method = AuthMethod::ClientSecretBasic;
    request.ca_cert_pem = ca.map(str::to_string);
    request.timeout = Duration::from_secs(5);
    request.max_retries = 0;
    request
}

async fn run(request: CheckRequest) -> Report {
    check::run(request, tokio::sync::watch::channel(false).1).await
}

#[tokio::test]
async fn tls_failures_are_classified_and_ca_cert_pem_fixes_a_private_ca() {
    let pki = TestCa::new("authcheck test CA");
    let port = tls_server(&pki, &["localhost"], false).await;
    let url = format!("https://localhost:{port}/token");

    let report = run(request(url.clone(), None)).await;
    assert_eq!(
        report.reason,
        Reason::TlsError,
        "{}",
        report.detail_in(&Plain)
    );
    assert!(
        report
            .summary_in(&Plain)
            .contains("not signed by a trusted CA"),
        "{}",
        report.summary_in(&Plain)
    );
    assert!(
        report.detail_in(&Plain).contains("ca_cert_pem"),
        "{}",
        report.detail_in(&Plain)
    );

    let report = run(request(url.clone(), Some(&pki.pem))).await;
    assert_eq!(report.reason, Reason::Ok, "{}", report.detail_in(&Plain));

    let other = tls_server(&pki, &["other.example"], false).await;
    let report = run(request(
        format!("https://localhost:{other}/token"),
        Some(&pki.pem),
    ))
    .await;
    assert_eq!(
        report.reason,
        Reason::TlsError,
        "{}",
        report.detail_in(&Plain)
    );
    assert!(
        report.summary_in(&Plain).contains("for another name"),
        "{}",
        report.summary_in(&Plain)
    );

    let expired = tls_server(&pki, &["localhost"], true).await;
    let report = run(request(
        format!("https://localhost:{expired}/token"),
        Some(&pki.pem),
    ))
    .await;
    assert_eq!(
        report.reason,
        Reason::TlsError,
        "{}",
        report.detail_in(&Plain)
    );
    assert!(
        report.summary_in(&Plain).contains("expired"),
        "{}",
        report.summary_in(&Plain)
    );

    let report = run(request(
        url,
        Some("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"),
    ))
    .await;
    assert_eq!(
        report.reason,
        Reason::InvalidInput,
        "{}",
        report.detail_in(&Plain)
    );
}

#[tokio::test]
async fn plain_http_on_an_https_url_is_named() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let _ = tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buf)).await;
            let _ = stream
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
        }
    });
    let report = run(request(format!("https://localhost:{port}/token"), None)).await;
    assert_eq!(
        report.reason,
        Reason::TlsError,
        "{}",
        report.detail_in(&Plain)
    );
    assert!(
        report.summary_in(&Plain).contains("does not speak TLS"),
        "{}",
        report.summary_in(&Plain)
    );
}
