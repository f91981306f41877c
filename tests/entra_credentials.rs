//! Every credential azurerm takes, good and each way it goes wrong, the way a pipeline meets it: the same
//! scenarios (only azurerm's `ARM_*` environment differs) run through `authcheck check` and through real
//! `terraform plan`s of examples/azure against the Entra flavour of the test IdP. Secrets: good, its ID pasted,
//! expired, app not in the tenant, tenant typo. PKCS#12 (path and base64): good, not registered, wrong password.
//! GitHub Actions OIDC (the job requests its own token): good, subject mismatch, case-only mismatch, a job without
//! `id-token: write`. Kubernetes workload identity: good, a token from another cluster. A role on the subscription
//! (`ARM_SUBSCRIPTION_ID`) and none. No secret, password, certificate, assertion or token appears in any output,
//! in Terraform's trace log, or in a saved plan. The guide's CI snippets: tests/entra_snippets.rs.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use authcheck::demo::idp::{
    ACTIONS_REQUEST_TOKEN, ENTRA_TEST_SUBSCRIPTION, Idp, actions_request_url, workload_token,
};
use support::entra::*;
use support::terraform::{Traced, contains, terraforms, traced_plan, workspace};

mod support;

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
            name: "secret file in ARM_CLIENT_SECRET_FILE_PATH: good",
            env: with(
                APP,
                vec![("ARM_CLIENT_SECRET_FILE_PATH", {
                    let path = dir.join("arm-secret");
                    std::fs::write(&path, SECRET).expect("secret file");
                    path.display().to_string()
                })],
            ),
            reason: "ok",
            needles: &["ARM_CLIENT_SECRET_FILE_PATH"],
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
        Scenario {
            name: "kubernetes: the workload identity webhook's variables, azurerm not told to use them",
            env: vec![
                ("AZURE_CLIENT_ID", AKS_APP.to_string()),
                (
                    "AZURE_FEDERATED_TOKEN_FILE",
                    aks_token(AKS_ISSUER, "aks-webhook-only"),
                ),
            ],
            reason: "invalid_input",
            needles: &[
                "AZURE_FEDERATED_TOKEN_FILE",
                "ARM_USE_AKS_WORKLOAD_IDENTITY=true",
                "use_aks_workload_identity",
            ],
        },
        Scenario {
            name: "kubernetes: the webhook's variables and ARM_USE_AKS_WORKLOAD_IDENTITY: good",
            env: vec![
                ("ARM_USE_AKS_WORKLOAD_IDENTITY", "true".to_string()),
                ("AZURE_CLIENT_ID", AKS_APP.to_string()),
                (
                    "AZURE_FEDERATED_TOKEN_FILE",
                    aks_token(AKS_ISSUER, "aks-webhook-flag"),
                ),
            ],
            reason: "ok",
            needles: &["federated"],
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_tells_each_azurerm_credential_good_from_each_way_it_fails() {
    let idp = idp().await;
    let dir = scratch();
    let mut problems = Vec::new();
    for scenario in scenarios(&idp.base_url(), &dir) {
        let base = idp.base_url();
        let env = scenario.env.clone();
        let run = move |format| {
            cli_command(&base, &env, format, &[])
                .output()
                .expect("authcheck")
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

/// The environment of the scenario whose name contains `name`.
fn scenario_env(idp: &Idp, dir: &Path, name: &str) -> Vec<(&'static str, String)> {
    scenarios(&idp.base_url(), dir)
        .into_iter()
        .find(|s| s.name.contains(name))
        .expect("scenario")
        .env
}

/// `authcheck check --format FORMAT` against the test IdP at `base` (login and Resource Manager hosts), with
/// azurerm's environment `env` and `extra` flags.
fn cli_command(
    base: &str,
    env: &[(&'static str, String)],
    format: &str,
    extra: &[&str],
) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    command.args(["check", "--entra-login-url", base, "--format", format]);
    command.args(["--azure-management-url", base]);
    command.args(extra);
    azurerm_env(&mut command, env);
    command
}

/// [`cli_command`] with `--format json`, run.
async fn cli(
    idp: &Idp,
    env: Vec<(&'static str, String)>,
    extra: &'static [&'static str],
) -> std::process::Output {
    let base = idp.base_url();
    tokio::task::spawn_blocking(move || {
        cli_command(&base, &env, "json", extra)
            .output()
            .expect("authcheck")
    })
    .await
    .expect("join")
}

/// Entra takes only its token endpoint as the assertion's audience (AADSTS700023): the fix is to stop
/// overriding it.
#[tokio::test]
async fn an_assertion_audience_other_than_the_token_endpoint_is_refused_with_the_fix() {
    let idp = idp().await;
    let env = scenario_env(&idp, &scratch(), "pkcs12 path: good");
    let out = cli(
        &idp,
        env,
        &[
            "--assertion-audience",
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
        ],
    )
    .await;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let text = report.to_string();
    assert_eq!(report["reason"], "invalid_assertion", "{text}");
    assert!(text.contains("AADSTS700023"), "{text}");
    assert!(text.contains("Remove --assertion-audience"), "{text}");
}

/// A certificate signs as Entra documents: PS256 and the certificate's `x5t#S256`, as the report of a refused
/// one shows (the good ones pass the test IdP's thumbprint lookup and PS256 verification).
#[tokio::test]
async fn a_certificate_for_entra_signs_ps256_with_its_sha256_thumbprint() {
    let idp = idp().await;
    let dir = scratch();
    let env_of = |name: &str| scenario_env(&idp, &dir, name);
    let run = |env, extra| cli(&idp, env, extra);
    let out = run(env_of("not registered"), &[]).await;
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
    // RS256, as go-azure-sdk signs, is accepted too: it carries x5t beside x5t#S256.
    let out = run(
        env_of("pkcs12 path: good"),
        &["--signing-algorithm", "RS256"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", all_text(&out));
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
        let Traced { out, log, saved } = tokio::task::spawn_blocking(move || {
            traced_plan(&tf, &ws, n, good, |command| {
                azurerm_env(command, &env);
                command
                    .env("TF_VAR_entra_login_url", &base)
                    .env("TF_VAR_azure_management_url", &base);
            })
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
