//! Servers that put terminal control sequences where the check reads words, on every path such words take into
//! a report: the scopes a JWT access token claims, the `scope` field of a token answer, Genesys Cloud's
//! `authorizedScope`, and a library's words about a connection (a TLS certificate whose names hold escape
//! sequences). No control character but the report's own line ends reaches `authcheck check` in text, GitHub or
//! JUnit format, the step summary, or a `terraform plan` diagnostic; and no secret or token reaches any of them
//! or a TF_LOG=trace log.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use authcheck::demo::idp::{Behavior, Client, Flavor, Idp, IdpConfig};
use support::pki::TestCa;
use support::terraform::{command, contains_token, secret_forms, terraforms, workspace};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "hostile-words-secret+/=41";
const GENESYS_ID: &str = "5d4c3b2a-1f0e-4d9c-8b7a-6e5f4d3c2b1a";
/// The token the TLS server issues.
const TLS_TOKEN: &str = "tls-hostile-token-7f3e9a";

/// Scopes a hostile server grants: a colour change (CSI), a window-title change ended by BEL (OSC), a bare bell.
const HOSTILE_SCOPES: [&str; 4] = [
    "read",
    "red\u{1b}[31mred\u{1b}[0m",
    "\u{1b}]0;pwned\u{7}",
    "bell\u{7}",
];

/// Control characters other than line ends, with where they are.
fn controls(text: &str) -> Vec<(usize, char)> {
    text.char_indices()
        .filter(|(_, c)| c.is_control() && *c != '\n')
        .collect()
}

fn all_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// What must never appear: the secret in every form, any token the test servers issued.
fn leaks(client_id: &str, text: &str) -> Vec<String> {
    let mut found: Vec<String> = secret_forms(client_id, SECRET)
        .into_iter()
        .filter(|form| text.contains(form.as_str()))
        .collect();
    if contains_token(text) || text.contains(TLS_TOKEN) {
        found.push("a token".to_string());
    }
    found
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "authcheck-hostile-words-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// One hostile server and how to point the check at it.
struct Scenario {
    name: &'static str,
    client_id: &'static str,
    /// CLI flags naming the endpoint and the requirements.
    flags: Vec<String>,
    /// The same as data source arguments.
    hcl: String,
    /// Extra environment (a CA to trust).
    env: Vec<(String, String)>,
    /// Words the report must show, so the hostile words were really on the page.
    shows: &'static str,
}

fn cli(scenario: &Scenario, format: &str, summary: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    command
        .arg("check")
        .args(&scenario.flags)
        .args(["--client-id", scenario.client_id, "--format", format])
        .args(["--timeout", "15"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AUTHCHECK_CLIENT_SECRET", SECRET)
        .env("GITHUB_STEP_SUMMARY", summary)
        .envs(scenario.env.iter().map(|(k, v)| (k, v)));
    command.output().expect("run authcheck")
}

/// `authcheck check` in one format: the exit code, the words shown, and nothing raw or secret.
fn check_cli(scenario: &Scenario, format: &str, problems: &mut Vec<String>) {
    let dir = scratch(&format!("{}-{format}", scenario.name));
    let summary = dir.join("summary.md");
    let out = cli(scenario, format, &summary);
    let mut text = all_text(&out);
    if !matches!(out.status.code(), Some(1 | 3)) {
        problems.push(format!(
            "{} {format}: exit {:?}\n{text}",
            scenario.name,
            out.status.code()
        ));
    }
    if format == "text" && !text.contains(scenario.shows) {
        problems.push(format!(
            "{} {format}: lacks {:?}\n{text}",
            scenario.name, scenario.shows
        ));
    }
    text.push_str(&std::fs::read_to_string(&summary).unwrap_or_default());
    let bad = controls(&text);
    if !bad.is_empty() {
        problems.push(format!(
            "{} {format}: control characters {bad:?} in\n{text:?}",
            scenario.name
        ));
    }
    for leak in leaks(scenario.client_id, &text) {
        problems.push(format!("{} {format}: {leak} in the output", scenario.name));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `terraform plan` of a data source that points at the scenario's server: it fails with the words shown, and
/// neither the output nor the trace log holds anything raw or secret.
fn check_plan(scenario: &Scenario, terraform: &Path, problems: &mut Vec<String>) {
    let config = format!(
        "provider \"authcheck\" {{}}\n\ndata \"authcheck_client_credentials\" \"hostile\" {{\n  client_id = \"{}\"\n  client_secret_env = \"HOSTILE_SECRET\"\n{}}}\n",
        scenario.client_id, scenario.hcl
    );
    let version = support::terraform::version_of(terraform);
    let ws = workspace(
        &format!("hostile-{}-{}{}", scenario.name, version.0, version.1),
        &[("main.tf", config)],
    );
    let log = ws.dir.join("trace.log");
    let out = command(terraform, &ws, &["plan", "-no-color", "-input=false"])
        .env("HOSTILE_SECRET", SECRET)
        .env("TF_LOG", "trace")
        .env("TF_LOG_PATH", &log)
        .envs(scenario.env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("terraform plan");
    let text = all_text(&out);
    let label = format!("{} plan {}.{}", scenario.name, version.0, version.1);
    if out.status.code() != Some(1) || !support::terraform::contains(&text, scenario.shows) {
        problems.push(format!(
            "{label}: exit {:?}, expected 1 with {:?}:\n{text}",
            out.status.code(),
            scenario.shows
        ));
    }
    let bad = controls(&text);
    if !bad.is_empty() {
        problems.push(format!("{label}: control characters {bad:?} in\n{text:?}"));
    }
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    if !trace.contains("requesting a token") {
        problems.push(format!("{label}: the trace log lacks the provider's lines"));
    }
    for leak in leaks(scenario.client_id, &format!("{text}{trace}")) {
        problems.push(format!("{label}: {leak} in the output or trace log"));
    }
}

const FORMATS: [&str; 3] = ["text", "github", "junit"];

fn oauth_scenario(name: &'static str, idp: &Idp, client_id: &'static str) -> Scenario {
    let url = idp.token_url();
    Scenario {
        name,
        client_id,
        flags: vec![
            "--token-url".into(),
            url.clone(),
            "--require-scope".into(),
            "admin".into(),
        ],
        hcl: format!("  token_url = \"{url}\"\n  required_scopes = [\"admin\"]\n"),
        env: Vec::new(),
        shows: "lacks required scope admin",
    }
}

/// A TLS token endpoint whose first connection presents a certificate for localhost and answers with a token
/// (no scope field), and whose later connections present one whose names hold escape sequences: asking it again
/// about the scopes fails with the TLS library's words, which quote those names.
async fn tls_server(dir: &Path) -> (u16, PathBuf) {
    let ca = TestCa::new("hostile words test CA");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, &ca.pem).expect("ca file");
    let acceptor = |names: Vec<rcgen::SanType>| {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.subject_alt_names = names;
        ca.acceptor(params)
    };
    let dns = |name: &str| rcgen::SanType::DnsName(name.to_string().try_into().expect("ia5"));
    let good = acceptor(vec![dns("localhost")]);
    let hostile = acceptor(
        [
            "evil\u{1b}[31m.example",
            "\u{1b}]0;pwned\u{7}.example",
            &format!("{}.example", "x".repeat(60)),
            &format!("{}.example", "y".repeat(60)),
            &format!("{}.example", "z".repeat(60)),
        ]
        .iter()
        .map(|n| dns(n))
        .collect(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let connections = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let first = connections.fetch_add(1, Ordering::SeqCst) == 0;
            let acceptor = if first { good.clone() } else { hostile.clone() };
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut buf = vec![0u8; 16384];
                let _ = tokio::time::timeout(Duration::from_millis(500), tls.read(&mut buf)).await;
                let body = format!(
                    r#"{{"access_token":"{TLS_TOKEN}","token_type":"Bearer","expires_in":60}}"#
                );
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(reply.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, ca_file)
}

/// A fresh TLS server for each run: only the first connection it sees gets the certificate for localhost.
async fn transport_scenario(dir: &Path) -> Scenario {
    let (port, ca_file) = tls_server(dir).await;
    let url = format!("https://localhost:{port}/token");
    Scenario {
        name: "transport-words",
        client_id: "tls-client",
        flags: ["--token-url", &url, "--require-scope", "read", "--strict"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        hcl: format!("  token_url = \"{url}\"\n  required_scopes = [\"read\"]\n  strict = true\n"),
        env: vec![(
            "SSL_CERT_FILE".to_string(),
            ca_file.to_string_lossy().to_string(),
        )],
        shows: "TLS failed",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_words_reach_no_face_raw_on_any_path() {
    let oauth = Idp::start(IdpConfig::new(vec![
        Client::new("answer-scope", SECRET).scopes(&HOSTILE_SCOPES),
        Client::new("jwt-claims", SECRET)
            .scopes(&HOSTILE_SCOPES)
            .behavior(Behavior::JwtAccessToken),
    ]))
    .await
    .expect("oauth idp");
    let genesys = Idp::start(IdpConfig {
        clients: vec![
            Client::new(GENESYS_ID, SECRET)
                .scopes(&HOSTILE_SCOPES)
                .behavior(Behavior::NoScopeField),
        ],
        flavor: Flavor::Genesys,
        max_lifetime: Duration::from_secs(300),
    })
    .await
    .expect("genesys idp");
    let dir = scratch("tls");
    let base = genesys.base_url();
    let scenarios = vec![
        oauth_scenario("answer-scope", &oauth, "answer-scope"),
        oauth_scenario("jwt-claims", &oauth, "jwt-claims"),
        Scenario {
            name: "genesys-scope",
            client_id: GENESYS_ID,
            flags: [
                "--genesys-login-url",
                &base,
                "--genesys-api-url",
                &base,
                "--require-scope",
                "admin",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            hcl: format!(
                "  genesys_login_url = \"{base}\"\n  genesys_api_url = \"{base}\"\n  required_scopes = [\"admin\"]\n"
            ),
            env: Vec::new(),
            shows: "lacks required scope admin",
        },
    ];
    let terraforms = terraforms();
    // The servers answer on the runtime's workers while the CLI and Terraform run here.
    let mut problems = Vec::new();
    for scenario in &scenarios {
        for format in FORMATS {
            check_cli(scenario, format, &mut problems);
        }
        for terraform in &terraforms {
            check_plan(scenario, terraform, &mut problems);
        }
    }
    for format in FORMATS {
        check_cli(&transport_scenario(&dir).await, format, &mut problems);
    }
    for terraform in &terraforms {
        check_plan(&transport_scenario(&dir).await, terraform, &mut problems);
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
