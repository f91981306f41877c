//! AWS identities the way a pipeline meets them, against moto (a real AWS emulator, IAM authentication on): access
//! keys good, with the wrong secret, unknown; a profile of the shared files; a role assumed with keys, allowed and
//! denied; the account guard; no credentials at all, and half a key. Each through `authcheck check` (text, JSON,
//! GitHub, JUnit and their exit codes) and through real `terraform plan`s of examples/aws on every CLI, whose
//! trace logs and saved plans are searched: no secret key appears anywhere. Web identity (a CI's token exchanged
//! for a role) is in tests/aws_web_identity.rs, against the test server's STS flavour.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use support::moto::Moto;
use support::terraform::{Traced, contains, terraforms, traced_plan, workspace};

/// Variables the check (or the aws provider) reads, cleared from every run so the caller's never leak in.
const CLEARED: [&str; 16] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "GITHUB_ACTIONS",
];

/// One pipeline: its environment and inputs, and what the check must conclude.
struct Scenario {
    name: &'static str,
    env: Vec<(&'static str, String)>,
    role: Option<String>,
    account: Option<&'static str>,
    /// The JSON `reason`; `ok` means the plan succeeds too.
    reason: &'static str,
    /// Words the human report and the plan's diagnostic both carry.
    needles: Vec<String>,
}

fn keys(user: &support::moto::MotoUser) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", user.access_key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", user.secret_access_key.clone()),
    ]
}

fn scenarios(moto: &Moto, home: &Path) -> Vec<Scenario> {
    let deployer = &moto.deployer;
    let credentials = home.join("credentials");
    std::fs::write(
        &credentials,
        format!(
            "[default]\nregion = us-east-1\n\n[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            deployer.access_key_id, deployer.secret_access_key
        ),
    )
    .expect("credentials file");
    let mut wrong = keys(deployer);
    wrong[1].1 = format!("{}x", &deployer.secret_access_key[1..]);
    vec![
        Scenario {
            name: "access keys: good",
            env: keys(deployer),
            role: None,
            account: Some("123456789012"),
            reason: "ok",
            needles: vec![deployer.arn.clone()],
        },
        Scenario {
            name: "access keys: the secret of another key",
            env: wrong,
            role: None,
            account: None,
            reason: "invalid_secret",
            needles: vec![
                "SignatureDoesNotMatch".into(),
                "AWS_SECRET_ACCESS_KEY".into(),
                deployer.access_key_id.clone(),
            ],
        },
        Scenario {
            name: "access keys: unknown key id",
            env: vec![
                ("AWS_ACCESS_KEY_ID", "AKIAZZZZZZZZZZZZZZZZ".into()),
                ("AWS_SECRET_ACCESS_KEY", deployer.secret_access_key.clone()),
            ],
            role: None,
            account: None,
            reason: "client_not_found",
            needles: vec!["InvalidClientTokenId".into(), "AKIAZZZZZZZZZZZZZZZZ".into()],
        },
        Scenario {
            name: "profile ci of the credentials file: good",
            env: vec![
                ("AWS_PROFILE", "ci".into()),
                (
                    "AWS_SHARED_CREDENTIALS_FILE",
                    credentials.display().to_string(),
                ),
            ],
            role: None,
            account: None,
            reason: "ok",
            needles: vec!["profile ci".into(), deployer.arn.clone()],
        },
        Scenario {
            name: "role assumed with keys: good",
            env: keys(deployer),
            role: Some(moto.deploy_role_arn.clone()),
            account: Some("123456789012"),
            reason: "ok",
            needles: vec!["assumed-role/deploy/".into()],
        },
        Scenario {
            name: "role assumed with keys: the caller may not",
            env: keys(&moto.nobody),
            role: Some(moto.deploy_role_arn.clone()),
            account: None,
            reason: "access_denied",
            needles: vec![moto.nobody.arn.clone(), moto.deploy_role_arn.clone()],
        },
        Scenario {
            name: "account guard: another account",
            env: keys(deployer),
            role: None,
            account: Some("999999999999"),
            reason: "wrong_organization",
            needles: vec!["not 999999999999".into(), "123456789012".into()],
        },
        Scenario {
            name: "no credentials anywhere",
            env: Vec::new(),
            role: None,
            account: None,
            reason: "invalid_input",
            needles: vec!["No AWS credentials".into()],
        },
        Scenario {
            name: "half a key",
            env: vec![("AWS_ACCESS_KEY_ID", deployer.access_key_id.clone())],
            role: None,
            account: None,
            reason: "invalid_input",
            needles: vec!["AWS_SECRET_ACCESS_KEY is not".into()],
        },
    ]
}

/// What must never be shown: every secret key moto holds, raw and encoded.
fn forbidden(moto: &Moto) -> Vec<String> {
    [&moto.deployer, &moto.nobody]
        .iter()
        .flat_map(|user| {
            let secret = &user.secret_access_key;
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            [secret.clone(), encoded]
        })
        .collect()
}

fn leaks(moto: &Moto, name: &str, what: &str, text: &str) -> Vec<String> {
    forbidden(moto)
        .into_iter()
        .filter(|never| text.contains(never.as_str()))
        .map(|never| format!("{name}: {what} shows a secret key ({} chars)", never.len()))
        .collect()
}

/// A home directory of one test (each test writes its own moto's keys into its credentials file).
fn home(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authcheck-aws-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("home");
    dir
}

fn all_text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The scenario's environment on a command, after clearing the caller's AWS variables.
fn pipeline_env(command: &mut Command, home: &Path, scenario: &Scenario) {
    for name in CLEARED {
        command.env_remove(name);
    }
    command.env("HOME", home);
    command.envs(scenario.env.iter().map(|(k, v)| (*k, v.as_str())));
}

fn cli(moto: &Moto, home: &Path, scenario: &Scenario, format: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    command.args([
        "check",
        "--aws-region",
        "us-east-1",
        "--aws-sts-url",
        &moto.endpoint,
        "--format",
        format,
    ]);
    if let Some(role) = &scenario.role {
        command.args(["--aws-role-arn", role]);
    }
    if let Some(account) = scenario.account {
        command.args(["--aws-account-id", account]);
    }
    pipeline_env(&mut command, home, scenario);
    command.env_remove("GITHUB_STEP_SUMMARY");
    command.output().expect("authcheck")
}

#[test]
fn every_aws_credential_good_and_each_way_it_fails_through_the_cli() {
    let moto = Moto::start();
    let home = home("cli");
    let mut problems = Vec::new();
    for scenario in scenarios(&moto, &home) {
        let json = cli(&moto, &home, &scenario, "json");
        let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
        let code = if scenario.reason == "ok" { 0 } else { 1 };
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
        let human = cli(&moto, &home, &scenario, "text");
        let text = all_text(&human);
        for needle in &scenario.needles {
            if !contains(&text, needle) {
                problems.push(format!("{}: lacks {needle:?}\n{text}", scenario.name));
            }
        }
        if scenario.reason == "ok" {
            for key in ["principal", "account_id"] {
                if !report[key].is_string() {
                    problems.push(format!("{}: no {key}\n{report}", scenario.name));
                }
            }
        }
        problems.extend(leaks(&moto, scenario.name, "the human report", &text));
        problems.extend(leaks(
            &moto,
            scenario.name,
            "the JSON report",
            &all_text(&json),
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

#[test]
fn a_refused_key_is_a_github_annotation_and_a_junit_failure_with_exit_code_one() {
    let moto = Moto::start();
    let home = home("formats");
    let scenario = scenarios(&moto, &home)
        .into_iter()
        .find(|s| s.name.contains("another key"))
        .expect("scenario");
    let github = cli(&moto, &home, &scenario, "github");
    let text = all_text(&github);
    assert_eq!(github.status.code(), Some(1), "{text}");
    assert!(text.contains("::error"), "{text}");
    assert!(text.contains("SignatureDoesNotMatch"), "{text}");
    let junit = cli(&moto, &home, &scenario, "junit");
    let xml = String::from_utf8_lossy(&junit.stdout).to_string();
    assert_eq!(junit.status.code(), Some(1), "{xml}");
    let doc = roxmltree::Document::parse(&xml).expect("junit xml");
    assert!(
        doc.descendants().any(|n| n.has_tag_name("failure")),
        "{xml}"
    );
    assert!(leaks(&moto, "github", "output", &text).is_empty());
    assert!(leaks(&moto, "junit", "output", &xml).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_plans_of_examples_aws_tell_each_credential_good_from_each_way_it_fails() {
    let moto = Arc::new(Moto::start());
    let home = home("terraform");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aws");
    let file = |name: &str| std::fs::read_to_string(root.join(name)).expect("example");
    let ws = Arc::new(workspace(
        "aws",
        &[
            ("main.tf", file("main.tf")),
            ("versions.tf", file("versions.tf")),
        ],
    ));
    let mut problems = Vec::new();
    let runs = terraforms().into_iter().flat_map(|tf| {
        scenarios(&moto, &home)
            .into_iter()
            .map(move |scenario| (tf.clone(), scenario))
    });
    for (n, (tf, scenario)) in runs.enumerate() {
        let (ws, moto2, home2) = (ws.clone(), moto.clone(), home.clone());
        let version = tf.display().to_string();
        let good = scenario.reason == "ok";
        let scenario = Arc::new(scenario);
        let s = scenario.clone();
        let Traced { out, log, saved } = tokio::task::spawn_blocking(move || {
            traced_plan(&tf, &ws, n, good, |command| {
                pipeline_env(command, &home2, &s);
                command.env("TF_VAR_aws_sts_url", &moto2.endpoint);
                if let Some(role) = &s.role {
                    command.env("TF_VAR_aws_role_arn", role);
                }
                if let Some(account) = s.account {
                    command.env("TF_VAR_aws_account_id", account);
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
        // A good plan shows its outputs (the principal), a failed one the diagnostic.
        let shown = scenario
            .needles
            .iter()
            .filter(|needle| !good || needle.contains("arn:") || needle.contains("assumed-role"));
        for needle in shown {
            if !contains(&text, needle) {
                problems.push(format!("{name}: lacks {needle:?}\n{text}"));
            }
        }
        if good && !contains(&text, "principal") {
            problems.push(format!("{name}: no principal output\n{text}"));
        }
        problems.extend(leaks(&moto, &name, "the plan's output", &text));
        problems.extend(leaks(&moto, &name, "the trace log", &log));
        problems.extend(leaks(&moto, &name, "the saved plan", &saved));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}
