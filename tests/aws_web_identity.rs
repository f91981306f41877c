//! A CI's ID token exchanged for an AWS role, as a pipeline meets it, against the test server's STS flavour
//! (built from facts cloud-federation.md section 1 and checked with boto3 in tests/aws_sts_server.rs): a token
//! file and GitHub Actions' token service, good; a job in an environment, GitHub's immutable subject form, an
//! issuer without an IAM OIDC provider, an audience the provider does not list, an expired token, STS unable to
//! fetch the issuer's keys (retried, then "could not tell"), a job without `id-token: write`, leftover access keys
//! that shadow the role. Each through `authcheck check` and `terraform plan`s of examples/aws on every CLI; no
//! token, session secret or session token appears in any output, trace log or saved plan.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use authcheck::demo::idp::{
    ACTIONS_REQUEST_TOKEN, GITHUB_ISSUER, Idp, OidcProvider, StsConfig, StsRole, StsUser,
    actions_request_url, workload_token, workload_token_until,
};
use support::terraform::{Traced, contains, terraforms, traced_plan, workspace};

const ACCOUNT: &str = "123456789012";
const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";
const MAIN: &str = "repo:acme/infra:ref:refs/heads/main";
const AUDIENCE: &str = "sts.amazonaws.com";
/// A self-hosted issuer whose keys STS cannot fetch.
const GITLAB: &str = "https://gitlab.acme.example";
const LEFTOVER_KEY: &str = "AKIALEFTOVER00000001";
const LEFTOVER_SECRET: &str = "leftover/secret+Key0123456789abcdefghijk";
/// base64url of the test server's workload-token header: any output holding it holds a token.
const TOKEN_HEADER: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Indvcmtsb2FkLXRlc3QifQ";

const CLEARED: [&str; 14] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
];

async fn sts() -> Idp {
    let config = StsConfig::new(ACCOUNT)
        .provider(OidcProvider::new(GITHUB_ISSUER, &[AUDIENCE]))
        .provider(OidcProvider {
            keys_unreachable: true,
            ..OidcProvider::new(GITLAB, &[AUDIENCE])
        })
        .role(
            StsRole::new("deploy")
                .trust_web_identity(GITHUB_ISSUER, Some(AUDIENCE), MAIN)
                .trust_web_identity(GITLAB, Some(AUDIENCE), "project_path:acme/infra:*"),
        )
        .user(StsUser::new("ci-leftover", LEFTOVER_KEY, LEFTOVER_SECRET));
    Idp::start_sts(config).await.expect("sts")
}

/// One pipeline: its environment and the role input, and what the check must conclude.
struct Scenario {
    name: &'static str,
    env: Vec<(&'static str, String)>,
    /// `aws_role_arn` given by the configuration (else the environment names the role).
    role_input: bool,
    reason: &'static str,
    needles: &'static [&'static str],
}

fn scenarios(base: &str, dir: &Path) -> Vec<Scenario> {
    let file = |name: &str, token: String| {
        let path = dir.join(name);
        std::fs::write(&path, token).expect("token file");
        path.display().to_string()
    };
    let token_file = |name: &str, issuer: &str, subject: &str, audience: &str| {
        file(name, workload_token(issuer, subject, audience))
    };
    let env_role = |path: String| {
        vec![
            ("AWS_ROLE_ARN", ROLE.to_string()),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", path),
        ]
    };
    let github_job = |subject: &str| {
        vec![
            ("GITHUB_ACTIONS", "true".to_string()),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                actions_request_url(base, subject),
            ),
            (
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                ACTIONS_REQUEST_TOKEN.to_string(),
            ),
        ]
    };
    let past = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() - 600)
        .unwrap_or(0);
    vec![
        Scenario {
            name: "token file (AWS_WEB_IDENTITY_TOKEN_FILE): good",
            env: env_role(token_file("main.jwt", GITHUB_ISSUER, MAIN, AUDIENCE)),
            role_input: false,
            reason: "ok",
            needles: &["assumed-role/deploy/"],
        },
        Scenario {
            name: "GitHub Actions job's own token: good",
            env: github_job(MAIN),
            role_input: true,
            reason: "ok",
            needles: &["assumed-role/deploy/"],
        },
        Scenario {
            name: "a job in an environment: the trust policy names the branch",
            env: github_job("repo:acme/infra:environment:prod"),
            role_input: true,
            reason: "access_denied",
            needles: &[
                "repo:acme/infra:environment:prod",
                "token.actions.githubusercontent.com:sub",
            ],
        },
        Scenario {
            name: "GitHub's immutable subject against a policy written with names",
            env: github_job("repo:acme@1234/infra@5678:ref:refs/heads/main"),
            role_input: true,
            reason: "access_denied",
            needles: &["immutable subject"],
        },
        Scenario {
            name: "an issuer without an IAM OIDC provider",
            env: env_role(token_file(
                "ghes.jwt",
                "https://ghes.acme.example/_services/token",
                MAIN,
                AUDIENCE,
            )),
            role_input: false,
            reason: "invalid_assertion",
            needles: &["create-open-id-connect-provider", "ghes.acme.example"],
        },
        Scenario {
            name: "an audience the provider does not list",
            env: env_role(token_file(
                "azure-aud.jwt",
                GITHUB_ISSUER,
                MAIN,
                "api://AzureADTokenExchange",
            )),
            role_input: false,
            reason: "invalid_assertion",
            needles: &[
                "api://AzureADTokenExchange",
                "add-client-id-to-open-id-connect-provider",
            ],
        },
        Scenario {
            name: "an expired token",
            env: env_role(file(
                "expired.jwt",
                workload_token_until(GITHUB_ISSUER, MAIN, AUDIENCE, past),
            )),
            role_input: false,
            reason: "invalid_assertion",
            needles: &["expired"],
        },
        Scenario {
            name: "STS cannot fetch a self-hosted issuer's keys",
            env: env_role(token_file(
                "gitlab.jwt",
                GITLAB,
                "project_path:acme/infra:ref_type:branch:ref:main",
                AUDIENCE,
            )),
            role_input: false,
            reason: "server_error",
            needles: &["could not fetch the signing keys", "AWS's side"],
        },
        Scenario {
            name: "a GitHub job without id-token: write",
            env: vec![("GITHUB_ACTIONS", "true".to_string())],
            role_input: true,
            reason: "invalid_input",
            needles: &["id-token: write"],
        },
        Scenario {
            name: "leftover access keys shadow the role",
            env: {
                let mut env = env_role(token_file("shadowed.jwt", GITHUB_ISSUER, MAIN, AUDIENCE));
                env.push(("AWS_ACCESS_KEY_ID", LEFTOVER_KEY.to_string()));
                env.push(("AWS_SECRET_ACCESS_KEY", LEFTOVER_SECRET.to_string()));
                env
            },
            role_input: false,
            reason: "ok",
            needles: &["never assumes AWS_ROLE_ARN", "user/ci-leftover"],
        },
    ]
}

fn exit_code(reason: &str) -> i32 {
    match reason {
        "ok" => 0,
        "server_error" => 3,
        _ => 1,
    }
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authcheck-aws-web-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

fn all_text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn pipeline_env(command: &mut Command, dir: &Path, scenario: &Scenario) {
    for name in CLEARED {
        command.env_remove(name);
    }
    command.env("HOME", dir);
    command.envs(scenario.env.iter().map(|(k, v)| (*k, v.as_str())));
}

/// Every token, secret and session credential the run could leak.
fn leaks(idp: &Idp, name: &str, what: &str, text: &str) -> Vec<String> {
    let mut never = idp.sts_issued_secrets();
    never.extend([
        LEFTOVER_SECRET.to_string(),
        ACTIONS_REQUEST_TOKEN.to_string(),
        TOKEN_HEADER.to_string(),
    ]);
    never
        .iter()
        .filter(|secret| text.contains(secret.as_str()))
        .map(|secret| format!("{name}: {what} shows a secret ({} chars)", secret.len()))
        .collect()
}

fn cli(idp: &Idp, dir: &Path, scenario: &Scenario, format: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    command.args([
        "check",
        "--aws-region",
        "us-east-1",
        "--aws-sts-url",
        &idp.base_url(),
        "--timeout",
        "10",
        "--format",
        format,
    ]);
    if scenario.role_input {
        command.args(["--aws-role-arn", ROLE]);
    }
    pipeline_env(&mut command, dir, scenario);
    command.output().expect("authcheck")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_web_identity_good_and_each_way_it_fails_through_the_cli() {
    let idp = Arc::new(sts().await);
    let dir = scratch();
    let mut problems = Vec::new();
    for scenario in scenarios(&idp.base_url(), &dir) {
        let scenario = Arc::new(scenario);
        let (i, d, s) = (idp.clone(), dir.clone(), scenario.clone());
        let (json, human) =
            tokio::task::spawn_blocking(move || (cli(&i, &d, &s, "json"), cli(&i, &d, &s, "text")))
                .await
                .expect("join");
        let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
        let code = exit_code(scenario.reason);
        if report["reason"] != scenario.reason || json.status.code() != Some(code) {
            problems.push(format!(
                "{}: reason {} exit {:?}, expected {} and {code}\n{}",
                scenario.name,
                report["reason"],
                json.status.code(),
                scenario.reason,
                all_text(&json)
            ));
        }
        let text = all_text(&human);
        // SHOW=<part of a scenario's name> prints its report, to read what a user would.
        if std::env::var("SHOW").is_ok_and(|v| scenario.name.contains(v.as_str())) {
            eprintln!("{text}");
        }
        for needle in scenario.needles {
            if !contains(&text, needle) {
                problems.push(format!("{}: lacks {needle:?}\n{text}", scenario.name));
            }
        }
        if scenario.reason == "ok" && report["auth_method_used"] == "web_identity" {
            let checks = report["checks"].to_string();
            if !checks.contains("federated_token") || report["expires_at"].is_null() {
                problems.push(format!(
                    "{}: no token step or expiry\n{report}",
                    scenario.name
                ));
            }
        }
        problems.extend(leaks(&idp, scenario.name, "the human report", &text));
        problems.extend(leaks(
            &idp,
            scenario.name,
            "the JSON report",
            &all_text(&json),
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_failing_to_fetch_an_issuers_keys_is_retried_before_it_is_called_could_not_tell() {
    let idp = Arc::new(sts().await);
    let dir = scratch();
    let scenario = scenarios(&idp.base_url(), &dir)
        .into_iter()
        .find(|s| s.reason == "server_error")
        .expect("scenario");
    let before = idp.requests();
    let i = idp.clone();
    let out = tokio::task::spawn_blocking(move || cli(&i, &dir, &scenario, "json"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(3), "{}", all_text(&out));
    assert!(
        idp.requests() - before > 1,
        "asked {} times",
        idp.requests() - before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_plans_of_examples_aws_tell_each_web_identity_good_from_each_way_it_fails() {
    let idp = Arc::new(sts().await);
    let dir = scratch();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aws");
    let file = |name: &str| std::fs::read_to_string(root.join(name)).expect("example");
    let ws = Arc::new(workspace(
        "aws-web-identity",
        &[
            ("main.tf", file("main.tf")),
            ("versions.tf", file("versions.tf")),
        ],
    ));
    let mut problems = Vec::new();
    let base = idp.base_url();
    let runs = terraforms().into_iter().flat_map(|tf| {
        scenarios(&base, &dir)
            .into_iter()
            .map(move |scenario| (tf.clone(), scenario))
    });
    for (n, (tf, scenario)) in runs.enumerate() {
        let (ws, d, base) = (ws.clone(), dir.clone(), idp.base_url());
        let version = tf.display().to_string();
        let good = scenario.reason == "ok";
        let scenario = Arc::new(scenario);
        let s = scenario.clone();
        let Traced { out, log, saved } = tokio::task::spawn_blocking(move || {
            traced_plan(&tf, &ws, n, good, |command| {
                pipeline_env(command, &d, &s);
                command.env("TF_VAR_aws_sts_url", &base);
                if s.role_input {
                    command.env("TF_VAR_aws_role_arn", ROLE);
                }
            })
        })
        .await
        .expect("join");
        let text = all_text(&out);
        let name = format!("{} ({version})", scenario.name);
        let code = if good { 0 } else { 1 };
        if out.status.code() != Some(code) {
            problems.push(format!(
                "{name}: exit {:?}, expected {code}\n{text}",
                out.status.code()
            ));
        }
        let shown = scenario
            .needles
            .iter()
            .filter(|needle| !good || needle.contains("assumed-role") || needle.contains("user/"));
        for needle in shown {
            if !contains(&text, needle) {
                problems.push(format!("{name}: lacks {needle:?}\n{text}"));
            }
        }
        problems.extend(leaks(&idp, &name, "the plan's output", &text));
        problems.extend(leaks(&idp, &name, "the trace log", &log));
        problems.extend(leaks(&idp, &name, "the saved plan", &saved));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

/// A server of `behavior`, with the same account as [`sts`].
async fn sts_behaving(behavior: authcheck::demo::idp::StsBehavior) -> Idp {
    let config = StsConfig {
        behavior,
        ..StsConfig::new(ACCOUNT)
            .provider(OidcProvider::new(GITHUB_ISSUER, &[AUDIENCE]))
            .role(StsRole::new("deploy").trust_web_identity(GITHUB_ISSUER, Some(AUDIENCE), MAIN))
            .user(StsUser::new("ci-leftover", LEFTOVER_KEY, LEFTOVER_SECRET))
    };
    Idp::start_sts(config).await.expect("sts")
}

/// The token-file scenario (role and token from the environment) against `idp`.
async fn token_file_check(idp: Arc<Idp>, extra: Vec<(&'static str, String)>) -> Output {
    let dir = scratch();
    let mut scenario = scenarios(&idp.base_url(), &dir)
        .into_iter()
        .find(|s| s.name.contains("AWS_WEB_IDENTITY_TOKEN_FILE"))
        .expect("scenario");
    scenario.env.extend(extra);
    tokio::task::spawn_blocking(move || cli(&idp, &dir, &scenario, "json"))
        .await
        .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_retried_and_then_the_role_is_assumed() {
    let idp = Arc::new(
        sts_behaving(authcheck::demo::idp::StsBehavior {
            throttle_first: 2,
            ..Default::default()
        })
        .await,
    );
    let out = token_file_check(idp.clone(), Vec::new()).await;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(report["reason"], "ok", "{}", all_text(&out));
    // Two throttled tries, then AssumeRoleWithWebIdentity and GetCallerIdentity.
    assert!(idp.requests() >= 4, "asked {} times", idp.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_where_sts_is_not_active_is_named() {
    let idp = Arc::new(
        sts_behaving(authcheck::demo::idp::StsBehavior {
            region_disabled: true,
            ..Default::default()
        })
        .await,
    );
    let out = token_file_check(idp, Vec::new()).await;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let text = report.to_string();
    assert_eq!(report["reason"], "access_denied", "{text}");
    assert!(text.contains("not activated in region us-east-1"), "{text}");
    assert!(text.contains("--aws-region"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_session_credentials_are_named_with_the_fix() {
    let idp = Arc::new(
        sts_behaving(authcheck::demo::idp::StsBehavior {
            session_seconds: Some(1),
            ..Default::default()
        })
        .await,
    );
    // Session credentials as an earlier step (configure-aws-credentials) would have exported them.
    let token = workload_token(GITHUB_ISSUER, MAIN, AUDIENCE);
    let body = format!(
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={}&RoleSessionName=earlier-step&DurationSeconds=900&WebIdentityToken={token}",
        url::form_urlencoded::byte_serialize(ROLE.as_bytes()).collect::<String>()
    );
    let answer = reqwest::Client::new()
        .post(idp.base_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("sts")
        .text()
        .await
        .expect("body");
    let doc = roxmltree::Document::parse(&answer).expect("xml");
    let text = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(str::to_string)
            .expect(name)
    };
    let session = vec![
        ("AWS_ACCESS_KEY_ID", text("AccessKeyId")),
        ("AWS_SECRET_ACCESS_KEY", text("SecretAccessKey")),
        ("AWS_SESSION_TOKEN", text("SessionToken")),
    ];
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let out = token_file_check(idp.clone(), session).await;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let shown = report.to_string();
    assert_eq!(report["reason"], "invalid_secret", "{shown}");
    assert!(shown.contains("have expired"), "{shown}");
    assert!(shown.contains("--aws-role-arn"), "{shown}");
    assert!(leaks(&idp, "expired session", "the report", &all_text(&out)).is_empty());
}
