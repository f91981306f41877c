//! Every credential azurerm takes, good and each way it goes wrong, the way a pipeline meets it: the same
//! scenarios (only azurerm's `ARM_*` environment differs) run through `authcheck check` and through real
//! `terraform plan`s of examples/azure against the Entra flavour of the test IdP. Secrets: good, its ID pasted,
//! expired, app not in the tenant, tenant typo. PKCS#12 (path and base64): good, not registered, wrong password.
//! GitHub Actions OIDC (the job requests its own token): good, subject mismatch, case-only mismatch, a job without
//! `id-token: write`. Kubernetes workload identity: good, a token from another cluster. A role on the subscription
//! (`ARM_SUBSCRIPTION_ID`) and none. No secret, password,
//! certificate, assertion or token appears in any output, in Terraform's trace log, or in a saved plan.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use authcheck::demo::idp::{
    ACTIONS_REQUEST_TOKEN, Behavior, Client, ENTRA_TEST_SUBSCRIPTION, ENTRA_TEST_TENANT, Flavor,
    GITHUB_ISSUER, Idp, IdpConfig, RegisteredKey, actions_request_url, workload_token,
};
use support::terraform::{command, contains, plan_contents, secret_forms, terraforms, workspace};

mod support;

const APP: &str = "6e8a1f3b-2c4d-4e5f-8a9b-0c1d2e3f4a5b";
const EXPIRED_APP: &str = "7f9b2a4c-3d5e-4f60-9b8c-1d2e3f4a5b6c";
/// An app whose certificate is the one in tests/fixtures/certs/bundle.pfx.
const CERT_APP: &str = "3a5c7e9b-0d2f-4a4c-8e6a-9b1d3f5a7c9e";
/// An app whose only certificate is another one (renewed, but the new one never uploaded).
const RENEWED_APP: &str = "4b6d8f0a-1e3a-4b5d-9f7b-0c2e4a6b8d0f";
/// An app with the bundle's certificate whose server clock runs two hours ahead of this machine's.
const LATE_APP: &str = "1d3f5b7d-8e0a-4c2e-b4d6-f8a0c2e4a6b8";
const GITHUB_APP: &str = "8a0c3b5d-4e6f-4071-8c9d-2e3f4a5b6c7d";
const AKS_APP: &str = "5c7e9a1b-2f4b-4c6e-8a0c-1d3f5b7d9e1a";
const GITLAB_APP: &str = "2e4a6c8e-9f1b-4d3f-a5c7-e9b1d3f5a7c9";
const GITLAB_ISSUER: &str = "https://gitlab.com";
const GITLAB_SUBJECT: &str = "project_path:octo-group/infra:ref_type:branch:ref:main";
/// An app whose service principal has a role on the test subscription.
const DEPLOYER_APP: &str = "9b1d4c6e-5f70-4182-9dae-3f4a5b6c7d8e";
const SECRET: &str = "Xq8~entra-secret-value-2f6d9a1c";
const PFX_PASSWORD: &str = "pfx-password";
const EXCHANGE: &str = "api://AzureADTokenExchange";
const BRANCH_SUBJECT: &str = "repo:octo-org/deploy:ref:refs/heads/main";
const AKS_ISSUER: &str = "https://westeurope.oic.prod-aks.azure.com/8d1f5c2a-3b4e-4f60-9a7b-1c2d3e4f5a6b/2f4e6a8c-0b1d-4e3f-a5c7-9e1b3d5f7a9c/";
const OTHER_CLUSTER: &str = "https://westeurope.oic.prod-aks.azure.com/8d1f5c2a-3b4e-4f60-9a7b-1c2d3e4f5a6b/0a2c4e6f-8b1d-4f3a-b5c7-d9e1f3a5b7c9/";
const SERVICE_ACCOUNT: &str = "system:serviceaccount:deploy:terraform";
/// `{"alg":` in base64url: the start of every JWT (assertions, ID tokens, the test IdP's access tokens).
const JWT_START: &str = "eyJhbGciOi";

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(fixture(path)).expect("fixture")
}

async fn idp() -> Idp {
    let bundle_key = RegisteredKey::from_pem(
        &read("keys/rsa-2048.pem"),
        None,
        Some(&read("certs/rsa-2048.crt")),
    )
    .expect("bundle key");
    let other_key = RegisteredKey::from_pem(
        &read("certs/selfsigned-client-key.pem"),
        None,
        Some(&read("certs/selfsigned-client.pem")),
    )
    .expect("other key");
    Idp::start(IdpConfig {
        clients: vec![
            Client::new(APP, SECRET),
            Client::new(EXPIRED_APP, SECRET).behavior(Behavior::SecretExpired),
            Client::new(DEPLOYER_APP, SECRET).subscription_role(ENTRA_TEST_SUBSCRIPTION),
            Client::new(CERT_APP, "no-secret-for-this-app").registered_key(bundle_key.clone()),
            Client::new(RENEWED_APP, "no-secret-for-this-app").registered_key(other_key),
            Client::new(LATE_APP, "no-secret-for-this-app")
                .registered_key(bundle_key.clone())
                .clock_ahead(7200),
            Client::new(GITHUB_APP, "no-secret-for-this-app")
                .federated_credential(GITHUB_ISSUER, BRANCH_SUBJECT, EXCHANGE)
                .subscription_role(ENTRA_TEST_SUBSCRIPTION),
            Client::new(GITLAB_APP, "no-secret-for-this-app")
                .federated_credential(GITLAB_ISSUER, GITLAB_SUBJECT, EXCHANGE)
                .subscription_role(ENTRA_TEST_SUBSCRIPTION),
            Client::new(AKS_APP, "no-secret-for-this-app").federated_credential(
                AKS_ISSUER,
                SERVICE_ACCOUNT,
                EXCHANGE,
            ),
        ],
        flavor: Flavor::Entra,
        max_lifetime: Duration::from_secs(300),
    })
    .await
    .expect("entra idp")
}

/// One pipeline: azurerm's environment, and what the check must conclude from it.
struct Scenario {
    name: &'static str,
    env: Vec<(&'static str, String)>,
    /// The CLI's JSON `reason`; `ok` means the plan succeeds too.
    reason: &'static str,
    /// Words both the CLI's human report and the plan's diagnostic carry.
    needles: &'static [&'static str],
}

fn scenarios(base: &str, dir: &Path) -> Vec<Scenario> {
    use base64::Engine as _;
    let pfx = fixture("certs/bundle.pfx").display().to_string();
    let pfx_base64 = base64::engine::general_purpose::STANDARD
        .encode(std::fs::read(fixture("certs/bundle.pfx")).expect("pfx"));
    let token_file = |issuer: &str, subject: &str, name: &str| {
        let path = dir.join(name);
        std::fs::write(&path, workload_token(issuer, subject, EXCHANGE)).expect("token");
        path.display().to_string()
    };
    let aks_token = |issuer: &str, name: &str| token_file(issuer, SERVICE_ACCOUNT, name);
    let github_job = |subject: &str| {
        vec![
            ("ARM_USE_OIDC", "true".to_string()),
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
    let with = |app: &str, mut env: Vec<(&'static str, String)>| {
        env.push(("ARM_CLIENT_ID", app.to_string()));
        env
    };
    vec![
        Scenario {
            name: "secret: good",
            env: with(APP, vec![("ARM_CLIENT_SECRET", SECRET.into())]),
            reason: "ok",
            needles: &["https://management.azure.com/.default"],
        },
        Scenario {
            name: "secret: its ID pasted as the value",
            env: with(
                APP,
                vec![(
                    "ARM_CLIENT_SECRET",
                    "3c5e7a9b-1d2f-4a6b-8c0d-secret-id".into(),
                )],
            ),
            reason: "invalid_secret",
            needles: &["AADSTS7000215", "secret's ID"],
        },
        Scenario {
            name: "secret: expired",
            env: with(EXPIRED_APP, vec![("ARM_CLIENT_SECRET", SECRET.into())]),
            reason: "invalid_secret",
            needles: &["AADSTS7000222", "expired"],
        },
        Scenario {
            name: "secret: app not in the tenant",
            env: with(
                "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
                vec![("ARM_CLIENT_SECRET", SECRET.into())],
            ),
            reason: "client_not_found",
            needles: &["AADSTS700016"],
        },
        Scenario {
            name: "secret: tenant typo",
            env: with(
                APP,
                vec![
                    ("ARM_CLIENT_SECRET", SECRET.into()),
                    (
                        "ARM_TENANT_ID",
                        "8d1f5c2a-3b4e-4f60-9a7b-1c2d3e4f5a6c".into(),
                    ),
                ],
            ),
            reason: "client_not_found",
            needles: &["AADSTS90002", "ARM_TENANT_ID"],
        },
        Scenario {
            name: "subscription: a role on it",
            env: with(
                DEPLOYER_APP,
                vec![
                    ("ARM_CLIENT_SECRET", SECRET.into()),
                    ("ARM_SUBSCRIPTION_ID", ENTRA_TEST_SUBSCRIPTION.into()),
                ],
            ),
            reason: "ok",
            needles: &["rbac"],
        },
        Scenario {
            name: "subscription: no role on it",
            env: with(
                APP,
                vec![
                    ("ARM_CLIENT_SECRET", SECRET.into()),
                    ("ARM_SUBSCRIPTION_ID", ENTRA_TEST_SUBSCRIPTION.into()),
                ],
            ),
            reason: "missing_permissions",
            needles: &[
                "Microsoft.Resources/subscriptions/read",
                "az role assignment create",
            ],
        },
        Scenario {
            name: "pkcs12 path: good, signed PS256 with x5t#S256",
            env: with(
                CERT_APP,
                vec![
                    ("ARM_CLIENT_CERTIFICATE_PATH", pfx.clone()),
                    ("ARM_CLIENT_CERTIFICATE_PASSWORD", PFX_PASSWORD.into()),
                ],
            ),
            reason: "ok",
            needles: &["private_key_jwt"],
        },
        Scenario {
            name: "pkcs12 base64 in ARM_CLIENT_CERTIFICATE: good",
            env: with(
                CERT_APP,
                vec![
                    ("ARM_CLIENT_CERTIFICATE", pfx_base64.clone()),
                    ("ARM_CLIENT_CERTIFICATE_PASSWORD", PFX_PASSWORD.into()),
                ],
            ),
            reason: "ok",
            needles: &["private_key_jwt"],
        },
        Scenario {
            name: "pkcs12: certificate not registered on the app",
            env: with(
                RENEWED_APP,
                vec![
                    ("ARM_CLIENT_CERTIFICATE_PATH", pfx.clone()),
                    ("ARM_CLIENT_CERTIFICATE_PASSWORD", PFX_PASSWORD.into()),
                ],
            ),
            reason: "invalid_assertion",
            needles: &[
                "AADSTS700027",
                // The SHA-1 thumbprint the portal lists (tests/fixtures/certs/thumbprints.txt).
                "BD9ADF7A8945B856EE653789726052ACF8674055",
                "az ad app credential reset",
            ],
        },
        Scenario {
            name: "pkcs12: the assertion is outside Entra's time range",
            env: with(
                LATE_APP,
                vec![
                    ("ARM_CLIENT_CERTIFICATE_PATH", pfx.clone()),
                    ("ARM_CLIENT_CERTIFICATE_PASSWORD", PFX_PASSWORD.into()),
                ],
            ),
            reason: "invalid_assertion",
            needles: &["AADSTS700024", "this machine is 2 h behind"],
        },
        Scenario {
            name: "pkcs12: wrong password",
            env: with(
                CERT_APP,
                vec![
                    ("ARM_CLIENT_CERTIFICATE", pfx_base64),
                    (
                        "ARM_CLIENT_CERTIFICATE_PASSWORD",
                        "not-the-pfx-password".into(),
                    ),
                ],
            ),
            reason: "invalid_input",
            needles: &[
                "the password does not open it",
                "ARM_CLIENT_CERTIFICATE_PASSWORD",
            ],
        },
        Scenario {
            name: "pkcs12 base64: ARM_CLIENT_CERTIFICATE is not base64",
            env: with(
                CERT_APP,
                vec![("ARM_CLIENT_CERTIFICATE", "/home/ci/deployer.pfx".into())],
            ),
            reason: "invalid_input",
            needles: &[
                "ARM_CLIENT_CERTIFICATE is not base64",
                "ARM_CLIENT_CERTIFICATE_PATH",
            ],
        },
        Scenario {
            name: "pkcs12 path: a PEM file, not a .pfx",
            env: with(
                CERT_APP,
                vec![(
                    "ARM_CLIENT_CERTIFICATE_PATH",
                    fixture("certs/rsa-2048.crt").display().to_string(),
                )],
            ),
            reason: "invalid_input",
            needles: &["is not a PKCS#12 (.pfx) file"],
        },
        Scenario {
            name: "oidc token in ARM_OIDC_TOKEN: good",
            env: with(
                GITLAB_APP,
                vec![
                    ("ARM_USE_OIDC", "true".to_string()),
                    (
                        "ARM_OIDC_TOKEN",
                        workload_token(GITLAB_ISSUER, GITLAB_SUBJECT, EXCHANGE),
                    ),
                ],
            ),
            reason: "ok",
            needles: &["OIDC token from ARM_OIDC_TOKEN"],
        },
        Scenario {
            name: "oidc token file in ARM_OIDC_TOKEN_FILE_PATH: another project",
            env: with(
                GITLAB_APP,
                vec![
                    ("ARM_USE_OIDC", "true".to_string()),
                    (
                        "ARM_OIDC_TOKEN_FILE_PATH",
                        token_file(
                            GITLAB_ISSUER,
                            "project_path:octo-group/other:ref_type:branch:ref:main",
                            "gitlab-other",
                        ),
                    ),
                ],
            ),
            reason: "invalid_assertion",
            needles: &[
                "AADSTS700213",
                "subject \"project_path:octo-group/other:ref_type:branch:ref:main\"",
            ],
        },
        Scenario {
            name: "github oidc: good",
            env: with(GITHUB_APP, github_job(BRANCH_SUBJECT)),
            reason: "ok",
            needles: &["federated"],
        },
        Scenario {
            name: "github oidc: a job that names an environment",
            env: with(
                GITHUB_APP,
                github_job("repo:octo-org/deploy:environment:production"),
            ),
            reason: "invalid_assertion",
            needles: &[
                "AADSTS700213",
                "subject \"repo:octo-org/deploy:environment:production\"",
                "names an environment",
            ],
        },
        Scenario {
            name: "github oidc: subject differs in case only",
            env: with(
                GITHUB_APP,
                github_job("repo:Octo-Org/deploy:ref:refs/heads/main"),
            ),
            reason: "invalid_assertion",
            needles: &["AADSTS7002138", "only in letter case"],
        },
        Scenario {
            name: "github oidc: job without id-token: write",
            env: with(
                GITHUB_APP,
                vec![
                    ("ARM_USE_OIDC", "true".to_string()),
                    ("GITHUB_ACTIONS", "true".to_string()),
                ],
            ),
            reason: "invalid_input",
            needles: &["id-token: write"],
        },
        Scenario {
            name: "kubernetes: good",
            env: with(
                AKS_APP,
                vec![
                    ("ARM_USE_AKS_WORKLOAD_IDENTITY", "true".to_string()),
                    (
                        "AZURE_FEDERATED_TOKEN_FILE",
                        aks_token(AKS_ISSUER, "aks-good"),
                    ),
                ],
            ),
            reason: "ok",
            needles: &["federated"],
        },
        Scenario {
            name: "kubernetes: a token from another cluster",
            env: with(
                AKS_APP,
                vec![
                    ("ARM_USE_AKS_WORKLOAD_IDENTITY", "true".to_string()),
                    (
                        "AZURE_FEDERATED_TOKEN_FILE",
                        aks_token(OTHER_CLUSTER, "aks-other"),
                    ),
                ],
            ),
            reason: "invalid_assertion",
            needles: &["AADSTS700211", OTHER_CLUSTER, SERVICE_ACCOUNT],
        },
    ]
}

/// What must never be shown: the secret in every form, the PKCS#12 password and bytes, the runner's token, any
/// JWT (assertion, ID token, access token), and every secret, password, certificate or token value the scenario
/// itself sets (a wrong one is as secret as a right one).
fn forbidden(env: &[(&'static str, String)]) -> Vec<String> {
    use base64::Engine as _;
    let pfx_base64 = base64::engine::general_purpose::STANDARD
        .encode(std::fs::read(fixture("certs/bundle.pfx")).expect("pfx"));
    let mut never = secret_forms(APP, SECRET);
    never.extend([
        PFX_PASSWORD.to_string(),
        pfx_base64[40..100].to_string(),
        ACTIONS_REQUEST_TOKEN.to_string(),
        JWT_START.to_string(),
    ]);
    for (name, value) in env {
        let secret = ["SECRET", "PASSWORD", "TOKEN", "CERTIFICATE"]
            .iter()
            .any(|word| name.contains(word))
            && !["_PATH", "_FILE", "_URL"]
                .iter()
                .any(|tail| name.ends_with(tail));
        if secret && value.len() >= 6 {
            never.extend(secret_forms("-", value).into_iter().take(2));
        }
    }
    never
}

/// Variables from the machine running the tests that would change which credential azurerm's order picks.
const CLEARED: &[&str] = &[
    "AUTHCHECK_CLIENT_ID",
    "AUTHCHECK_CLIENT_SECRET",
    "ARM_CLIENT_ID",
    "ARM_CLIENT_SECRET",
    "ARM_CLIENT_CERTIFICATE",
    "ARM_CLIENT_CERTIFICATE_PATH",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
    "ARM_USE_OIDC",
    "ARM_OIDC_TOKEN",
    "ARM_OIDC_TOKEN_FILE_PATH",
    "ARM_OIDC_REQUEST_URL",
    "ARM_OIDC_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ARM_USE_AKS_WORKLOAD_IDENTITY",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "ARM_SUBSCRIPTION_ID",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
];

fn azurerm_env(command: &mut Command, env: &[(&'static str, String)]) {
    for name in CLEARED {
        command.env_remove(name);
    }
    command.env("ARM_TENANT_ID", ENTRA_TEST_TENANT);
    command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
}

/// A fresh directory for token files, one per test process.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "authcheck-entra-credentials-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn all_text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn leaks(name: &str, env: &[(&'static str, String)], what: &str, text: &str) -> Vec<String> {
    forbidden(env)
        .iter()
        .filter(|never| text.contains(never.as_str()))
        .map(|never| format!("{name}: {what} shows {never:?}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_tells_each_azurerm_credential_good_from_each_way_it_fails() {
    let idp = idp().await;
    let dir = scratch();
    let mut problems = Vec::new();
    for scenario in scenarios(&idp.base_url(), &dir) {
        let base = idp.base_url();
        let env = scenario.env.clone();
        let run = move |format: &'static str| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
            command.args(["check", "--entra-login-url", &base, "--format", format]);
            command.args(["--azure-management-url", &base]);
            azurerm_env(&mut command, &env);
            command.output().expect("authcheck")
        };
        let (json, human) = tokio::task::spawn_blocking(move || (run("json"), run("text")))
            .await
            .expect("join");
        let report: serde_json::Value =
            serde_json::from_slice(&json.stdout).unwrap_or(serde_json::Value::Null);
        let expected_code = if scenario.reason == "ok" { 0 } else { 1 };
        if report["reason"] != scenario.reason || json.status.code() != Some(expected_code) {
            problems.push(format!(
                "{}: exit {:?}, reason {}; expected {expected_code}, {}\n{}",
                scenario.name,
                json.status.code(),
                report["reason"],
                scenario.reason,
                all_text(&human)
            ));
        }
        let text = all_text(&human);
        if std::env::var("SHOW").is_ok_and(|v| scenario.name.contains(v.as_str())) {
            eprintln!("{text}");
        }
        for needle in scenario.needles {
            if !contains(&text, needle) && !contains(&report.to_string(), needle) {
                problems.push(format!("{}: lacks {needle:?}\n{text}", scenario.name));
            }
        }
        problems.extend(leaks(
            scenario.name,
            &scenario.env,
            "the human report",
            &text,
        ));
        problems.extend(leaks(
            scenario.name,
            &scenario.env,
            "the JSON report",
            &all_text(&json),
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

/// A certificate signs as Entra documents: PS256 and the certificate's `x5t#S256`, as the report of a refused
/// one shows (the good ones pass the test IdP's thumbprint lookup and PS256 verification).
#[tokio::test]
async fn a_certificate_for_entra_signs_ps256_with_its_sha256_thumbprint() {
    let idp = idp().await;
    let dir = scratch();
    let scenario = scenarios(&idp.base_url(), &dir)
        .into_iter()
        .find(|s| s.name.contains("not registered"))
        .expect("scenario");
    let base = idp.base_url();
    let out = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
        command.args(["check", "--entra-login-url", &base, "--format", "json"]);
        azurerm_env(&mut command, &scenario.env);
        command.output().expect("authcheck")
    })
    .await
    .expect("join");
    let text = all_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for needle in [
        "alg PS256",
        // x5t#S256 of tests/fixtures/certs/rsa-2048.crt (thumbprints.txt).
        "x5t#S256 MrOC3jx0fG_MA2LwwJwqJfcrbC6UOM14PDiP6uXWdh0",
        "client certificate from ARM_CLIENT_CERTIFICATE_PATH",
    ] {
        assert!(text.contains(needle), "lacks {needle:?}:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_plans_of_examples_azure_tell_each_credential_good_from_each_way_it_fails() {
    let idp = idp().await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/azure");
    let file = |name: &str| std::fs::read_to_string(root.join(name)).expect("example");
    let ws = Arc::new(workspace(
        "entra-credentials",
        &[
            ("main.tf", file("main.tf")),
            ("versions.tf", file("versions.tf")),
        ],
    ));
    let dir = scratch();
    let mut problems = Vec::new();
    // Every scenario on every Terraform CLI the project supports.
    let runs = terraforms().into_iter().flat_map(|tf| {
        scenarios(&idp.base_url(), &dir)
            .into_iter()
            .map(move |scenario| (tf.clone(), scenario))
    });
    for (n, (tf, scenario)) in runs.enumerate() {
        let (ws, base) = (ws.clone(), idp.base_url());
        let version = tf.display().to_string();
        let env = scenario.env.clone();
        // A good plan is saved and read back; every plan's trace log is kept.
        let good = scenario.reason == "ok";
        let (out, log, saved) = tokio::task::spawn_blocking(move || {
            let log = ws.dir.join(format!("trace-{n}.log"));
            let plan = ws.dir.join(format!("plan-{n}.tfplan"));
            let mut args = vec!["plan", "-no-color", "-input=false"];
            let out_arg = format!("-out={}", plan.display());
            if good {
                args.push(&out_arg);
            }
            let mut command = command(&tf, &ws, &args);
            azurerm_env(&mut command, &env);
            let out = command
                .env("TF_VAR_entra_login_url", &base)
                .env("TF_VAR_azure_management_url", &base)
                .env("TF_LOG", "trace")
                .env("TF_LOG_PATH", &log)
                .output()
                .expect("terraform");
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            let saved = if good {
                plan_contents(&plan)
            } else {
                String::new()
            };
            (out, log, saved)
        })
        .await
        .expect("join");
        let text = all_text(&out);
        let name = format!("{} ({version})", scenario.name);
        let name = name.as_str();
        let code = if good { 0 } else { 1 };
        if out.status.code() != Some(code) {
            problems.push(format!(
                "{}: exit {:?}, expected {code}\n{text}",
                name,
                out.status.code()
            ));
        }
        if !good && !contains(&text, &format!("reason: {}", scenario.reason)) {
            problems.push(format!("{}: not reason {}\n{text}", name, scenario.reason));
        }
        for needle in scenario.needles.iter().filter(|_| !good) {
            if !contains(&text, needle) {
                problems.push(format!("{}: lacks {needle:?}\n{text}", name));
            }
        }
        if good && saved.is_empty() {
            problems.push(format!("{}: no saved plan to read\n{text}", name));
        }
        // The plugin's own debug lines reach the trace log, so the leak check below reads them too.
        if scenario.reason != "invalid_input" && !log.contains("requesting a token") {
            problems.push(format!(
                "{}: the trace log holds nothing of the plugin",
                name
            ));
        }
        problems.extend(leaks(name, &scenario.env, "the plan output", &text));
        problems.extend(leaks(name, &scenario.env, "the trace log", &log));
        problems.extend(leaks(name, &scenario.env, "the saved plan", &saved));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n-----\n\n"));
}

/// One fenced `yaml` block of the guide: the first that contains `marker`.
fn guide_block(marker: &str) -> String {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guides/azure.md"))
            .expect("guide");
    guide
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains(marker))
        .unwrap_or_else(|| panic!("no yaml block with {marker:?} in docs/guides/azure.md"))
        .to_string()
}

/// The literal `KEY: "value"` settings of a snippet (values from CI variables, `${{ … }}`, are the test's).
fn literal_settings(block: &str) -> Vec<(&'static str, String)> {
    let mut settings = Vec::new();
    for line in block.lines() {
        let Some((key, value)) = line.trim().split_once(": \"") else {
            continue;
        };
        let value = value.split('"').next().unwrap_or_default();
        if key.starts_with("ARM_") {
            settings.push((
                &*Box::leak(key.to_string().into_boxed_str()),
                value.to_string(),
            ));
        }
    }
    settings
}

/// The snippet's `authcheck check …` line, as bash runs it.
fn check_line(block: &str) -> String {
    let line = block
        .lines()
        .find(|l| l.contains("authcheck check"))
        .expect("an authcheck line");
    let at = line.find("authcheck check").unwrap_or(0);
    line[at..].replacen("authcheck", env!("CARGO_BIN_EXE_authcheck"), 1)
}

/// Runs a snippet's check line through bash with the snippet's settings, the CI's variables and the test
/// server's hosts; `(exit code, all output, files written in the working directory)`.
async fn run_snippet(
    idp: &Idp,
    block: &str,
    ci: Vec<(&'static str, String)>,
) -> (Option<i32>, String, String) {
    let line = format!(
        "{} --entra-login-url {base} --azure-management-url {base}",
        check_line(block),
        base = idp.base_url()
    );
    // The redirection, if any, stays last.
    let line = match line.split_once(" > ") {
        Some((command, rest)) => {
            let (file, flags) = rest.split_once(' ').unwrap_or((rest, ""));
            format!("{command} {flags} > {file}")
        }
        None => line,
    };
    let dir = scratch().join(format!("snippet-{}", line.len()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut env = literal_settings(block);
    env.extend(ci);
    env.push(("ARM_SUBSCRIPTION_ID", ENTRA_TEST_SUBSCRIPTION.to_string()));
    let out = tokio::task::spawn_blocking(move || {
        let mut command = Command::new("bash");
        command.args(["-c", &line]).current_dir(&dir);
        azurerm_env(&mut command, &env);
        let out = command.output().expect("bash");
        let written: String = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        (out, written)
    })
    .await
    .expect("join");
    (out.0.status.code(), all_text(&out.0), out.1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_github_actions_snippet_runs_as_written() {
    let idp = idp().await;
    let block = guide_block("id-token: write");
    assert!(block.contains("ARM_USE_OIDC: \"true\""), "{block}");
    let job = |subject: &str| {
        vec![
            ("ARM_CLIENT_ID", GITHUB_APP.to_string()),
            ("GITHUB_ACTIONS", "true".to_string()),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                actions_request_url(&idp.base_url(), subject),
            ),
            (
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                ACTIONS_REQUEST_TOKEN.to_string(),
            ),
        ]
    };
    let (code, text, _) = run_snippet(&idp, &block, job(BRANCH_SUBJECT)).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("OIDC token requested from the CI"), "{text}");
    let (code, text, _) = run_snippet(&idp, &block, job("repo:octo-org/deploy:pull_request")).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("::error") && text.contains("AADSTS700213"),
        "{text}"
    );
    // Without `permissions: id-token: write` the runner sets no request variables.
    let (code, text, _) = run_snippet(
        &idp,
        &block,
        vec![
            ("ARM_CLIENT_ID", GITHUB_APP.to_string()),
            ("GITHUB_ACTIONS", "true".to_string()),
        ],
    )
    .await;
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("id-token: write"), "{text}");
    assert!(
        leaks("github snippet", &[], "the output", &text).is_empty(),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_gitlab_snippet_runs_as_written() {
    let idp = idp().await;
    let block = guide_block("id_tokens:");
    // The variable id_tokens fills, and the audience it asks GitLab for.
    let mut lines = block
        .lines()
        .skip_while(|l| !l.contains("id_tokens:"))
        .skip(1);
    let variable = lines
        .next()
        .map(|l| l.trim().trim_end_matches(':').to_string())
        .expect("an id_tokens variable");
    let audience = lines
        .next()
        .and_then(|l| l.trim().strip_prefix("aud: ").map(str::to_string))
        .expect("its aud");
    let variable: &'static str = Box::leak(variable.into_boxed_str());
    let job = |subject: &str| {
        vec![
            ("ARM_CLIENT_ID", GITLAB_APP.to_string()),
            (variable, workload_token(GITLAB_ISSUER, subject, &audience)),
        ]
    };
    let (code, text, junit) = run_snippet(&idp, &block, job(GITLAB_SUBJECT)).await;
    assert_eq!(code, Some(0), "{text}\n{junit}");
    assert!(junit.contains("<testsuite"), "{junit}");
    // The token worked and the role on the subscription was checked.
    assert!(
        junit.contains(r#"name="reason" value="ok""#) && junit.contains(r#"name="subscription""#),
        "{junit}"
    );
    let other_branch = "project_path:octo-group/infra:ref_type:branch:ref:feature-x";
    let (code, text, junit) = run_snippet(&idp, &block, job(other_branch)).await;
    assert_eq!(code, Some(1), "{text}\n{junit}");
    assert!(
        junit.contains("AADSTS700213") && junit.contains(other_branch),
        "{junit}"
    );
    let all = format!("{text}{junit}");
    assert!(
        leaks("gitlab snippet", &[], "the output", &all).is_empty(),
        "{all}"
    );
}

/// A key that is not its certificate's: Entra finds the certificate by its thumbprint, then the signature fails
/// (AADSTS50013); the report says the pair does not match, not that the certificate is unregistered.
#[tokio::test]
async fn a_key_that_is_not_the_certificates_is_told_apart_from_an_unregistered_certificate() {
    let idp = idp().await;
    let base = idp.base_url();
    let out = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
        command.args(["check", "--entra-login-url", &base, "--client-id", CERT_APP]);
        command
            .arg("--private-key-file")
            .arg(fixture("keys/rsa-other.pem"));
        command
            .arg("--certificate-file")
            .arg(fixture("certs/rsa-2048.crt"));
        azurerm_env(&mut command, &[]);
        command.output().expect("authcheck")
    })
    .await
    .expect("join");
    let text = all_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for needle in [
        "AADSTS50013",
        "the app has the certificate the assertion names",
        "the private key does not match it",
    ] {
        assert!(text.contains(needle), "lacks {needle:?}:\n{text}");
    }
    assert!(!text.contains("not registered"), "{text}");
}
