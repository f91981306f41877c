//! The `authcheck` command as a CI step runs it: golden text and JSON output, exit codes, the secret never taken
//! from argv nor printed, and the `external` data source protocol.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use authcheck::demo::idp::{Behavior, Client, HUGE_TOKEN_PREFIX, Idp, IdpConfig};
use support::golden;

const SECRET: &str = "cli-secret-5e2a";

fn authcheck(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args(args)
        .env_remove("AUTHCHECK_CLIENT_SECRET")
        .env_remove("AUTHCHECK_CLIENT_ID")
        .env_remove("AUTHCHECK_TOKEN_URL")
        .env_remove("GENESYSCLOUD_OAUTHCLIENT_SECRET")
        .env_remove("GENESYSCLOUD_OAUTHCLIENT_ID")
        .env_remove("GENESYSCLOUD_REGION")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn authcheck");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin);
    }
    child.wait_with_output().expect("wait")
}

async fn run(args: Vec<String>, env: Vec<(String, String)>, stdin: Vec<u8>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        authcheck(&args, &env, &stdin)
    })
    .await
    .expect("join")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Replaces what changes between runs (ports, times, fingerprints) so output can be compared with a golden file.
fn stable(text: &str, port: u16) -> String {
    let mut out = text.replace(&port.to_string(), "PORT");
    for marker in ["expires_at", "sha256:"] {
        let mut result = String::new();
        for line in out.lines() {
            if let Some(at) = line.find(marker) {
                let keep = &line[..at + marker.len()];
                result.push_str(keep);
                result.push_str(" <varies>");
            } else {
                result.push_str(line);
            }
            result.push('\n');
        }
        out = result;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_in_text_and_json_with_the_documented_exit_codes() {
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("ci-bot", SECRET).scopes(&["read", "write"]),
        Client::new("busy-bot", SECRET).behavior(Behavior::AlwaysRateLimited),
    ]))
    .await
    .expect("idp");
    let port = idp.local_addr().port();
    let url = idp.token_url();
    let env = vec![("AUTHCHECK_CLIENT_SECRET".to_string(), SECRET.to_string())];

    let ok = run(
        strings(&[
            "check",
            "--token-url",
            &url,
            "--client-id",
            "ci-bot",
            "--require-scope",
            "read",
        ]),
        env.clone(),
        vec![],
    )
    .await;
    assert_eq!(ok.status.code(), Some(0));
    golden(
        "check_ok.txt",
        &stable(&String::from_utf8_lossy(&ok.stdout), port),
    );

    let bad = run(
        strings(&["check", "--token-url", &url, "--client-id", "ci-bot"]),
        vec![(
            "AUTHCHECK_CLIENT_SECRET".to_string(),
            "stale-secret".to_string(),
        )],
        vec![],
    )
    .await;
    assert_eq!(bad.status.code(), Some(1));
    golden(
        "check_invalid_secret.txt",
        &stable(&String::from_utf8_lossy(&bad.stdout), port),
    );

    let json = run(
        strings(&[
            "check",
            "--token-url",
            &url,
            "--client-id",
            "ci-bot",
            "--format",
            "json",
            "--scope",
            "read",
        ]),
        env.clone(),
        vec![],
    )
    .await;
    assert_eq!(json.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(value["valid"], true);
    assert_eq!(value["reason"], "ok");
    assert_eq!(value["granted_scopes"], serde_json::json!(["read"]));
    assert_eq!(value["scopes_source"], "response");
    let keys: Vec<&String> = value.as_object().expect("object").keys().collect();
    for name in [
        "valid",
        "reason",
        "summary",
        "detail",
        "token_url",
        "auth_method_used",
        "token_type",
        "expires_in",
        "expires_at",
        "granted_scopes",
        "missing_scopes",
        "scopes_source",
        "organization_id",
        "organization_name",
        "client_name",
        "token_fingerprint",
        "checks",
    ] {
        assert!(keys.iter().any(|k| *k == name), "JSON lacks {name}");
    }

    let busy = run(
        strings(&[
            "check",
            "--token-url",
            &url,
            "--client-id",
            "busy-bot",
            "--timeout",
            "3",
        ]),
        env.clone(),
        vec![],
    )
    .await;
    assert_eq!(
        busy.status.code(),
        Some(3),
        "could not tell: {}",
        String::from_utf8_lossy(&busy.stdout)
    );

    let usage = run(
        strings(&["check", "--client-secret", SECRET]),
        vec![],
        vec![],
    )
    .await;
    assert_eq!(usage.status.code(), Some(2));
    let text = String::from_utf8_lossy(&usage.stderr);
    assert!(text.contains("ps") && !text.contains(SECRET), "{text}");

    let stdin = run(
        strings(&[
            "check",
            "--token-url",
            &url,
            "--client-id",
            "ci-bot",
            "--client-secret-stdin",
        ]),
        vec![],
        format!("{SECRET}\n").into_bytes(),
    )
    .await;
    assert_eq!(
        stdin.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&stdin.stdout)
    );

    for out in [&ok, &bad, &json, &busy, &usage, &stdin] {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(SECRET), "the secret was printed");
        assert!(!all.contains("demo-"), "a token was printed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_proxy_is_named_as_the_proxy() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let out = run(
        strings(&[
            "check",
            "--token-url",
            "https://login.example.invalid/oauth2/token",
            "--client-id",
            "x",
            "--timeout",
            "5",
        ]),
        vec![
            ("AUTHCHECK_CLIENT_SECRET".into(), SECRET.into()),
            ("HTTPS_PROXY".into(), format!("http://127.0.0.1:{closed}")),
            ("NO_PROXY".into(), String::new()),
        ],
        vec![],
    )
    .await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("proxy"), "{text}");
}

/// The query the external example sends, read from the example itself.
fn example_query() -> serde_json::Map<String, serde_json::Value> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/external-program/main.tf"),
    )
    .expect("example");
    let block = text
        .split("query = {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("query block");
    block
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                serde_json::Value::String(v.trim().trim_matches('"').to_string()),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_speaks_the_external_data_source_protocol() {
    // hashicorp/external cannot be downloaded here, so this drives the program exactly as that provider does:
    // the query as a JSON object of strings on stdin, every environment variable passed through, then stdout
    // parsed as a JSON object of strings on exit 0, or stderr shown as the error on a non-zero exit.
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("ci-deployer", SECRET).scopes(&["read", "write"]),
    ]))
    .await
    .expect("idp");
    let mut query = example_query();
    assert_eq!(
        query.get("client_secret_env").and_then(|v| v.as_str()),
        Some("PIPELINE_CLIENT_SECRET")
    );
    query.insert(
        "token_url".into(),
        serde_json::Value::String(idp.token_url()),
    );
    let stdin = serde_json::to_vec(&query).expect("query");

    let ok = run(
        strings(&["external"]),
        vec![("PIPELINE_CLIENT_SECRET".into(), SECRET.into())],
        stdin.clone(),
    )
    .await;
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let result: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&ok.stdout).expect("json object");
    assert!(
        result.values().all(|v| v.is_string()),
        "only strings: {result:?}"
    );
    assert_eq!(result["valid"], "true");
    assert_eq!(result["granted_scopes"], "read write");
    assert_eq!(result["token_url"], idp.token_url().as_str());

    let bad = run(
        strings(&["external"]),
        vec![("PIPELINE_CLIENT_SECRET".into(), "stale".into())],
        stdin.clone(),
    )
    .await;
    assert_eq!(bad.status.code(), Some(1));
    let line = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(line.trim_end().lines().count(), 1, "one line: {line}");
    assert!(
        line.contains("rejected the client secret")
            && line.contains("(invalid_secret)")
            && line.contains("What to do"),
        "{line}"
    );
    assert!(bad.stdout.is_empty());

    query.insert(
        "fail_on_error".into(),
        serde_json::Value::String("false".into()),
    );
    let soft = run(
        strings(&["external"]),
        vec![("PIPELINE_CLIENT_SECRET".into(), "stale".into())],
        serde_json::to_vec(&query).expect("q"),
    )
    .await;
    assert_eq!(soft.status.code(), Some(0));
    let result: serde_json::Value = serde_json::from_slice(&soft.stdout).expect("json");
    assert_eq!(result["valid"], "false");
    assert_eq!(result["reason"], "invalid_secret");

    let leaky = run(
        strings(&["external"]),
        vec![],
        br#"{"client_secret":"cli-secret-5e2a"}"#.to_vec(),
    )
    .await;
    assert_eq!(leaky.status.code(), Some(2));
    for out in [&ok, &bad, &soft, &leaky] {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(SECRET), "the secret was printed");
    }
}

#[test]
fn demo_runs_every_case_against_the_embedded_server() {
    let out = authcheck(&["demo"], &[], b"");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    for reason in [
        "VALID (ok)",
        "(invalid_secret)",
        "(client_not_found)",
        "(missing_scopes)",
        "(grant_not_allowed)",
        "(rate_limited)",
        "(invalid_scope)",
        "SAML/SSO enforcement is not the cause",
        "(missing_permissions)",
        "architect:flow:view",
    ] {
        assert!(text.contains(reason), "demo lacks {reason}:\n{text}");
    }
}

#[test]
fn demo_with_terraform_shows_a_passing_and_a_failing_plan() {
    let terraform = support::terraform::terraforms().remove(0);
    let out = authcheck(
        &["demo", "--terraform", &terraform.to_string_lossy()],
        &[],
        b"",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("obtained a token from 127.0.0.1"), "{text}");
    assert!(text.contains("reason: invalid_secret"), "{text}");
    assert!(
        !text.contains("demo-rotated-secret-v1") && !text.contains("demo-rotated-secret-v2"),
        "secrets printed"
    );
}

/// A server that echoes the secret or the Basic header, or answers with a token too large to read: neither the
/// text nor the JSON report nor the external program's answer holds any form of the secret or the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_get_nothing_quoted_back() {
    let secret = "h0stile-secret+/=&-7b2e";
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("echo-secret", secret).behavior(Behavior::EchoSecret),
        Client::new("echo-basic", secret).behavior(Behavior::EchoAuthorization),
        Client::new("huge", secret).behavior(Behavior::HugeToken),
    ]))
    .await
    .expect("idp");
    let url = idp.token_url();
    let env = vec![("AUTHCHECK_CLIENT_SECRET".to_string(), secret.to_string())];
    for (id, reason) in [
        ("echo-secret", "invalid_secret"),
        ("echo-basic", "invalid_secret"),
        ("huge", "not_a_token_endpoint"),
    ] {
        let mut outs = Vec::new();
        for format in ["text", "json"] {
            outs.push(
                run(
                    strings(&[
                        "check",
                        "--token-url",
                        &url,
                        "--client-id",
                        id,
                        "--format",
                        format,
                    ]),
                    env.clone(),
                    vec![],
                )
                .await,
            );
        }
        let query = serde_json::json!({"token_url": url, "client_id": id, "client_secret_env": "AUTHCHECK_CLIENT_SECRET"});
        outs.push(
            run(
                strings(&["external"]),
                env.clone(),
                query.to_string().into_bytes(),
            )
            .await,
        );
        for out in &outs {
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(all.contains(reason), "{id}: {all}");
            for form in support::terraform::secret_forms(id, secret) {
                assert!(!all.contains(&form), "{id}: {form:?} in {all}");
            }
            assert!(!all.contains(HUGE_TOKEN_PREFIX), "{id}: token in output");
        }
    }
}

/// Advice names what the user of each face can set: CLI flags on the command line (golden), attributes in
/// Terraform (tests/plugin_grpc.rs has the other half).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_advice_names_cli_flags() {
    let out = run(
        strings(&[
            "check",
            "--token-url",
            "http://idp.example.com/oauth2/token",
            "--client-id",
            "ci-bot",
        ]),
        vec![("AUTHCHECK_CLIENT_SECRET".to_string(), SECRET.to_string())],
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    golden("check_insecure_transport.txt", &text);
    assert!(
        text.contains("--allow-http") && !text.contains("allow_http"),
        "{text}"
    );

    let missing = run(strings(&["check", "--client-id", "ci-bot"]), vec![], vec![]).await;
    assert_eq!(
        missing.status.code(),
        Some(2),
        "no endpoint is a usage error"
    );
    let text = String::from_utf8_lossy(&missing.stdout);
    assert!(
        text.contains("--token-url, --issuer or --genesys-region"),
        "{text}"
    );
}

/// CI formats: GitHub annotations (one per failed or warning check, nothing a server says can add one), the job
/// summary file, and JUnit XML read back with an XML parser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ci_formats_annotate_summarise_and_report_junit() {
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("ci-bot", SECRET).scopes(&["read"]),
        Client::new("quiet-bot", SECRET).behavior(Behavior::IgnoresScope),
        Client::new("inject-bot", SECRET).behavior(Behavior::Describe(
            "bad request%0A::error::injected\n::warning title=x::also <b>".to_string(),
        )),
    ]))
    .await
    .expect("idp");
    let url = idp.token_url();
    let dir = std::env::temp_dir().join(format!("authcheck-ci-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let summary_file = dir.join("summary.md");
    let env = vec![
        ("AUTHCHECK_CLIENT_SECRET".to_string(), SECRET.to_string()),
        (
            "GITHUB_STEP_SUMMARY".to_string(),
            summary_file.display().to_string(),
        ),
    ];
    let check = |id: &str, format: &str, extra: &[&str]| {
        let mut args = strings(&[
            "check",
            "--token-url",
            &url,
            "--client-id",
            id,
            "--format",
            format,
        ]);
        args.extend(extra.iter().map(|s| s.to_string()));
        run(args, env.clone(), vec![])
    };

    // Failing, warning and passing checks as GitHub annotations.
    let failing = check("inject-bot", "github", &[]).await;
    let warning = check("quiet-bot", "github", &["--require-scope", "read"]).await;
    let passing = check("ci-bot", "github", &["--require-scope", "read"]).await;
    assert_eq!(failing.status.code(), Some(1));
    assert_eq!(warning.status.code(), Some(0));
    assert_eq!(passing.status.code(), Some(0));
    let lines = |out: &Output, prefix: &str| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with(prefix))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let errors = lines(&failing, "::error");
    assert_eq!(
        errors.len(),
        1,
        "exactly one annotation for the failed check: {errors:?}"
    );
    assert!(
        errors[0].starts_with("::error title=authcheck%3A invalid_input (token_request)::"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("%250A: :error: :injected"),
        "{}",
        errors[0]
    );
    assert_eq!(lines(&failing, "::warning").len(), 0, "no injected warning");
    assert!(
        String::from_utf8_lossy(&failing.stdout)
            .lines()
            .filter(|l| l.starts_with("::"))
            .count()
            == 1
    );
    let warnings = lines(&warning, "::warning");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("could not verify --require-scope"),
        "{}",
        warnings[0]
    );
    assert!(
        lines(&passing, "::").is_empty(),
        "a passing check has no annotation"
    );
    assert!(String::from_utf8_lossy(&passing.stdout).contains("VALID (ok)"));

    // The job summary: one section per run, in order, with the verdict, the fix and the table of checks.
    let summary = std::fs::read_to_string(&summary_file).expect("summary file");
    let sections: Vec<&str> = summary.split("### ").filter(|s| !s.is_empty()).collect();
    assert_eq!(sections.len(), 3, "{summary}");
    assert!(
        sections[0].contains("INVALID (`invalid_input`)")
            && sections[0].contains("**What to do:**")
    );
    assert!(
        sections[0].contains("| fail | token_request |"),
        "{}",
        sections[0]
    );
    assert!(sections[1].contains("| warn | scopes |"), "{}", sections[1]);
    assert!(
        sections[2].contains("VALID (`ok`)") && sections[2].contains("| token_type | Bearer |")
    );
    assert!(!summary.contains("<b>") && !summary.contains(SECRET) && !summary.contains("demo-"));

    // JUnit: parsed as XML; one test case per check; the failure says the reason and the summary.
    let junit_failing = check("inject-bot", "junit", &[]).await;
    let junit_passing = check("ci-bot", "junit", &["--require-scope", "read"]).await;
    assert_eq!(junit_failing.status.code(), Some(1));
    assert_eq!(junit_passing.status.code(), Some(0));
    for (out, failures) in [(&junit_failing, 1), (&junit_passing, 0)] {
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let doc =
            roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("not XML ({e}):\n{text}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        let suites: Vec<_> = root
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 1);
        let cases: Vec<_> = suites[0]
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(
            suites[0].attribute("tests"),
            Some(cases.len().to_string().as_str())
        );
        assert_eq!(
            suites[0].attribute("failures"),
            Some(failures.to_string().as_str())
        );
        let failed: Vec<_> = cases
            .iter()
            .filter_map(|c| c.children().find(|n| n.has_tag_name("failure")))
            .collect();
        assert_eq!(failed.len(), failures);
        if let Some(failure) = failed.first() {
            assert!(
                failure
                    .attribute("message")
                    .is_some_and(|m| m.starts_with("invalid_input: "))
            );
            assert!(failure.text().is_some_and(|t| t.contains("What to do:")));
        }
        assert!(!text.contains(SECRET) && !text.contains("demo-"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Help exists at every level and every command a help text suggests runs as written; --version answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_at_every_level_and_the_commands_it_suggests_run() {
    for args in [
        &["--help"][..],
        &["help"],
        &["help", "check"],
        &["check", "--help"],
        &["check", "-h"],
        &["demo", "--help"],
        &["external", "--help"],
        &["completions", "--help"],
        &["--version"],
    ] {
        let out = run(strings(args), vec![], vec![]).await;
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {text}");
        assert!(!text.trim().is_empty(), "{args:?} printed nothing");
    }
    let help = run(strings(&["check", "--help"]), vec![], vec![]).await;
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    for flag in [
        "--token-url",
        "--client-secret-file",
        "--allow-http",
        "--ca-cert-file",
        "--max-retries",
        "--format",
    ] {
        assert!(help.contains(flag), "check --help lacks {flag}");
    }
    let top = run(strings(&["--help"]), vec![], vec![]).await;
    assert!(String::from_utf8_lossy(&top.stdout).contains("authcheck check --help"));
    for shell in ["bash", "zsh", "fish"] {
        let out = run(strings(&["completions", shell]), vec![], vec![]).await;
        assert_eq!(out.status.code(), Some(0));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("token-url"),
            "{shell}"
        );
    }
    let none = run(vec![], vec![], vec![]).await;
    assert_eq!(none.status.code(), Some(2), "no command is a usage error");
    let unknown = run(strings(&["chek"]), vec![], vec![]).await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("check"),
        "suggests the right name"
    );
}
