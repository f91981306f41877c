//! A Google Cloud identity as a pipeline meets it, against the test server's Google flavour (built from facts
//! cloud-federation.md section 2 and checked with google-auth in tests/google_server.rs): workload identity
//! federation from a token file and from GitHub Actions' token service as google-github-actions/auth configures
//! it, impersonation, a service-account key, the permissions the apply needs; and each way they fail (attribute
//! condition, audience, expiry, a disabled provider, no Workload Identity User binding, a deleted key, an account
//! that does not exist, a missing permission, a `${ ... }` the CI never filled in, an unsupported source, a file
//! that is not a configuration). Each through `authcheck check` in every format and `terraform plan`s of
//! examples/google on every CLI; no private key, subject token, CI request token or access token appears in any
//! output, trace log or saved plan.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use authcheck::demo::idp::{
    ACTIONS_REQUEST_TOKEN, GITHUB_ISSUER, GoogleBehavior, GoogleConfig, Idp, RegisteredKey,
    ServiceAccount, WorkloadProvider, actions_request_url, workload_token_until,
    workload_token_with_claims,
};
use serde_json::{Value, json};
use support::terraform::{Traced, contains, terraforms, traced_plan, workspace};

const PROJECT_ID: &str = "acme-prod";
const PROJECT_NUMBER: &str = "987654321098";
const POOL: &str = "github";
const PROVIDER: &str = "actions";
const RETIRED: &str = "retired";
const DEPLOYER: &str = "deploy@acme-prod.iam.gserviceaccount.com";
const KEYED: &str = "ci-key@acme-prod.iam.gserviceaccount.com";
const GONE: &str = "removed@acme-prod.iam.gserviceaccount.com";
const KEY_ID: &str = "6f1c0e6a2b9d4c8e8a5b1f3d7c2e9a4b6d8f0a1c";
const OLD_KEY_ID: &str = "0a9b8c7d6e5f40312a1b2c3d4e5f60718293a4b5";
const INFRA: &str = "repo:acme/infra:ref:refs/heads/main";
/// A repository whose subject (`repo:NAME:ref:…`, mapped to `google.subject`) is past Google's 127 bytes.
const LONG_REPOSITORY: &str = "acme/a-repository-name-so-long-that-mapped-to-an-attribute-it-passes-the-limit-google-sets-on-attribute-values-of-127-bytes";
const HELD: &str = "storage.buckets.list";
const NOT_HELD: &str = "compute.instances.create";
/// base64url of the test server's workload-token header: any output holding it holds a subject token.
const TOKEN_HEADER: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Indvcmtsb2FkLXRlc3QifQ";

/// Every variable the google provider or the CI could bring in from the machine running the tests.
const CLEARED: [&str; 15] = [
    "GOOGLE_CREDENTIALS",
    "GOOGLE_CLOUD_KEYFILE_JSON",
    "GCLOUD_KEYFILE_JSON",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT",
    "GOOGLE_PROJECT",
    "GOOGLE_CLOUD_PROJECT",
    "CLOUDSDK_CORE_PROJECT",
    "AUTHCHECK_GCP_API_URL",
    "GOOGLE_GHA_CREDS_PATH",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "AWS_ROLE_ARN",
];

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys")
            .join(name),
    )
    .expect("key fixture")
}

fn project() -> GoogleConfig {
    GoogleConfig::new(PROJECT_ID, PROJECT_NUMBER)
}

/// The audience the provider admits in a token (`https:` and its full name).
fn audience() -> String {
    project().default_audience(POOL, PROVIDER)
}

/// The configuration's `audience`: the provider's full name.
fn provider_name() -> String {
    project().provider_name(POOL, PROVIDER)
}

/// The project: a GitHub pool whose provider admits acme's repositories, a retired provider, a deployer the
/// infra repository may impersonate, an account with a key.
async fn google() -> Idp {
    google_behaving(GoogleBehavior::default()).await
}

/// [`google`], failing or slow as `behavior` says.
async fn google_behaving(behavior: GoogleBehavior) -> Idp {
    let p = project();
    let infra = p.principal_set(POOL, "repository", "acme/infra");
    let key = RegisteredKey::from_pem(&fixture("rsa-2048.pem"), None, None).expect("fixture key");
    let config = p
        .clone()
        .provider(
            WorkloadProvider::new(POOL, PROVIDER, GITHUB_ISSUER)
                .condition("repository_owner", "acme")
                .grant(&infra, &[HELD]),
        )
        .provider(WorkloadProvider::new(POOL, RETIRED, GITHUB_ISSUER).disabled())
        .service_account(
            ServiceAccount::new(DEPLOYER)
                .workload_identity_user(&infra)
                .permissions(&[HELD, "resourcemanager.projects.get"]),
        )
        .service_account(
            ServiceAccount::new(KEYED)
                .key(KEY_ID, key)
                .permissions(&[HELD]),
        );
    Idp::start_google(GoogleConfig { behavior, ..config })
        .await
        .expect("google")
}

/// A GitHub Actions token for `repository` with `audience`, expiring at `exp` when given.
fn github_token(repository: &str, audience: &str, exp: Option<u64>) -> String {
    let subject = format!("repo:{repository}:ref:refs/heads/main");
    match exp {
        Some(exp) => workload_token_until(GITHUB_ISSUER, &subject, audience, exp),
        None => {
            let owner = repository.split('/').next().unwrap_or_default();
            workload_token_with_claims(
                GITHUB_ISSUER,
                &subject,
                audience,
                &[("repository", repository), ("repository_owner", owner)],
            )
        }
    }
}

/// How the configuration reaches the check.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Given {
    /// `gcp_credentials_file` / `--gcp-credentials-file`.
    Input,
    /// `GOOGLE_APPLICATION_CREDENTIALS`, as google-github-actions/auth exports it.
    AdcVariable,
    /// `GOOGLE_CREDENTIALS` holding the JSON itself.
    JsonVariable,
    /// Only what the scenario's own environment sets.
    EnvOnly,
}

/// One pipeline: its credential configuration, how it is given, and what the check must conclude.
struct Scenario {
    name: &'static str,
    config: Value,
    given: Given,
    /// `gcp_service_account` given by the configuration (the check impersonates it).
    impersonate: Option<&'static str>,
    permissions: &'static [&'static str],
    env: Vec<(&'static str, String)>,
    reason: &'static str,
    /// The CLI's usage exit (2): the input the command line named is itself wrong.
    usage: bool,
    needles: &'static [&'static str],
}

impl Scenario {
    fn exit_code(&self) -> i32 {
        match self.reason {
            "ok" => 0,
            "server_error" => 3,
            _ if self.usage => 2,
            _ => 1,
        }
    }
}

/// Files a scenario refers to, in one scratch directory.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("scratch file");
        path.display().to_string()
    }
}

fn external(base: &str, audience: &str, source: Value, impersonate: Option<&str>) -> Value {
    let mut config = json!({
        "type": "external_account",
        "audience": audience,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": format!("{base}/v1/token"),
        "credential_source": source,
    });
    if let Some(account) = impersonate {
        config["service_account_impersonation_url"] = json!(format!(
            "{base}/v1/projects/-/serviceAccounts/{account}:generateAccessToken"
        ));
    }
    config
}

fn key_config(base: &str, email: &str, key_id: &str, pem: &str) -> Value {
    json!({
        "type": "service_account",
        "project_id": PROJECT_ID,
        "private_key_id": key_id,
        "private_key": pem,
        "client_email": email,
        "client_id": "104240418372911234567",
        "token_uri": format!("{base}/token"),
    })
}

fn scenarios(base: &str, files: &Files) -> Vec<Scenario> {
    let aud = audience();
    let name = provider_name();
    let file_source = |name: &str, token: String| json!({"file": files.write(name, &token)});
    let infra_file = |name: &str| file_source(name, github_token("acme/infra", &aud, None));
    // google-github-actions/auth: the runner's token service, its request token in a header, JSON answer.
    let actions_source = json!({
        "url": format!("{}&audience={}", actions_request_url(base, INFRA), url_encode(&aud)),
        "headers": {"Authorization": format!("Bearer {ACTIONS_REQUEST_TOKEN}")},
        "format": {"type": "json", "subject_token_field_name": "value"},
    });
    let past = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() - 600)
        .unwrap_or(0);
    let key = fixture("rsa-2048.pem");
    let scenario = |name, config, reason, needles| Scenario {
        name,
        config,
        given: Given::Input,
        impersonate: None,
        permissions: &[],
        env: Vec::new(),
        reason,
        usage: false,
        needles,
    };
    vec![
        Scenario {
            impersonate: Some(DEPLOYER),
            permissions: &[HELD],
            ..scenario(
                "token file, impersonation and a permission held: good",
                external(base, &name, infra_file("infra.jwt"), None),
                "ok",
                &[DEPLOYER, PROJECT_NUMBER],
            )
        },
        Scenario {
            given: Given::AdcVariable,
            permissions: &[HELD],
            ..scenario(
                "google-github-actions/auth (token service, impersonation in the configuration): good",
                external(base, &name, actions_source.clone(), Some(DEPLOYER)),
                "ok",
                &[DEPLOYER, PROJECT_NUMBER],
            )
        },
        Scenario {
            permissions: &[HELD],
            ..scenario(
                "federated principal used directly, its principal set granted the permission: good",
                external(base, &name, infra_file("direct.jwt"), None),
                "ok",
                &["principal://", "subject/repo:acme/infra"],
            )
        },
        Scenario {
            given: Given::JsonVariable,
            permissions: &[HELD],
            ..scenario(
                "a service-account key in GOOGLE_CREDENTIALS: good",
                key_config(base, KEYED, KEY_ID, &key),
                "ok",
                &[KEYED, PROJECT_NUMBER],
            )
        },
        Scenario {
            impersonate: Some(DEPLOYER),
            permissions: &[HELD, NOT_HELD],
            ..scenario(
                "the deployer lacks a permission the apply needs",
                external(base, &name, infra_file("lacks.jwt"), None),
                "missing_permissions",
                &[NOT_HELD, PROJECT_ID],
            )
        },
        scenario(
            "another owner's repository: the attribute condition refuses it",
            external(
                base,
                &name,
                file_source("fork.jwt", github_token("fork/infra", &aud, None)),
                None,
            ),
            "invalid_assertion",
            &["attribute condition", "repository_owner"],
        ),
        scenario(
            "a token for another audience",
            external(
                base,
                &name,
                file_source(
                    "aws-aud.jwt",
                    github_token("acme/infra", "sts.amazonaws.com", None),
                ),
                None,
            ),
            "invalid_assertion",
            &["audience", "sts.amazonaws.com"],
        ),
        scenario(
            "an expired token",
            external(
                base,
                &name,
                file_source("expired.jwt", github_token("acme/infra", &aud, Some(past))),
                None,
            ),
            "invalid_assertion",
            &["expired"],
        ),
        scenario(
            "a disabled provider",
            external(
                base,
                &project().provider_name(POOL, RETIRED),
                infra_file("retired.jwt"),
                None,
            ),
            "client_not_found",
            &[
                "invalid_target",
                "retired",
                "gcloud iam workload-identity-pools providers",
            ],
        ),
        Scenario {
            impersonate: Some(DEPLOYER),
            ..scenario(
                "another repository may not impersonate the deployer",
                external(
                    base,
                    &name,
                    file_source("other.jwt", github_token("acme/other", &aud, None)),
                    None,
                ),
                "access_denied",
                &[DEPLOYER, "roles/iam.workloadIdentityUser", "acme/other"],
            )
        },
        scenario(
            "a key the account no longer has",
            key_config(base, KEYED, OLD_KEY_ID, &fixture("rsa-other.pem")),
            "invalid_assertion",
            &[KEYED, OLD_KEY_ID, "gcloud iam service-accounts keys"],
        ),
        scenario(
            "a key of an account that was deleted",
            key_config(base, GONE, KEY_ID, &key),
            "client_not_found",
            &[GONE],
        ),
        scenario(
            "a GitHub Enterprise Server token against a provider for github.com",
            external(
                base,
                &name,
                file_source(
                    "ghes.jwt",
                    workload_token_with_claims(
                        "https://ghes.acme.example/_services/token",
                        INFRA,
                        &aud,
                        &[("repository", "acme/infra"), ("repository_owner", "acme")],
                    ),
                ),
                None,
            ),
            "invalid_assertion",
            &["GitHub Enterprise", "ghes.acme.example"],
        ),
        scenario(
            "a repository name mapped past 127 bytes",
            external(
                base,
                &name,
                file_source("long.jwt", github_token(LONG_REPOSITORY, &aud, None)),
                None,
            ),
            "invalid_assertion",
            &["127 bytes"],
        ),
        Scenario {
            permissions: &[HELD],
            ..scenario(
                "an impersonated_service_account configuration over federation: good",
                json!({
                    "type": "impersonated_service_account",
                    "service_account_impersonation_url": format!(
                        "{base}/v1/projects/-/serviceAccounts/{DEPLOYER}:generateAccessToken"
                    ),
                    "source_credentials": external(base, &name, infra_file("source.jwt"), None),
                }),
                "ok",
                &[DEPLOYER, PROJECT_NUMBER],
            )
        },
        Scenario {
            env: vec![("GOOGLE_IMPERSONATE_SERVICE_ACCOUNT", DEPLOYER.to_string())],
            given: Given::AdcVariable,
            ..scenario(
                "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT for another repository's token",
                external(
                    base,
                    &name,
                    file_source("env-other.jwt", github_token("acme/other", &aud, None)),
                    None,
                ),
                "access_denied",
                &[DEPLOYER, "roles/iam.workloadIdentityUser"],
            )
        },
        scenario(
            "GitHub's token service named without a JSON format",
            external(
                base,
                &name,
                json!({
                    "url": actions_source["url"].clone(),
                    "headers": actions_source["headers"].clone(),
                }),
                Some(DEPLOYER),
            ),
            "invalid_input",
            &["subject_token_field_name", "no JSON format"],
        ),
        Scenario {
            env: vec![(
                "GOOGLE_APPLICATION_CREDENTIALS",
                key_config(base, KEYED, KEY_ID, &key).to_string(),
            )],
            given: Given::EnvOnly,
            ..scenario(
                "GOOGLE_APPLICATION_CREDENTIALS holding the key's JSON instead of its path",
                json!("unused"),
                "invalid_input",
                &["holds JSON, not a path", "GOOGLE_CREDENTIALS"],
            )
        },
        Scenario {
            usage: true,
            ..scenario(
                "an audience the CI never filled in",
                external(
                    base,
                    "//iam.googleapis.com/${{ vars.WIF_PROVIDER }}",
                    infra_file("literal.jwt"),
                    None,
                ),
                "invalid_input",
                &["${{ vars.WIF_PROVIDER }}"],
            )
        },
        scenario(
            "an AWS-sourced configuration",
            external(
                base,
                &name,
                // As `gcloud iam workload-identity-pools create-cred-config --aws` writes it: a url as well.
                json!({
                    "environment_id": "aws1",
                    "region_url": "http://169.254.169.254/latest/meta-data/placement/availability-zone",
                    "url": "http://169.254.169.254/latest/meta-data/iam/security-credentials",
                    "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15",
                }),
                None,
            ),
            "invalid_input",
            &["environment_id"],
        ),
        Scenario {
            given: Given::AdcVariable,
            ..scenario(
                "GOOGLE_APPLICATION_CREDENTIALS names a token, not a configuration",
                json!("not-a-configuration"),
                "invalid_input",
                &["GOOGLE_APPLICATION_CREDENTIALS"],
            )
        },
    ]
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn scratch(what: &str) -> Files {
    let dir = std::env::temp_dir().join(format!("authcheck-google-{}-{what}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    Files { dir }
}

fn all_text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The configuration's text as written to disk (a string value is written as it is, not as JSON).
fn config_text(scenario: &Scenario) -> String {
    match &scenario.config {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The scenario's environment; with `Given::Input` the returned path is the configuration the check names.
fn pipeline_env(command: &mut Command, files: &Files, n: usize, scenario: &Scenario) -> String {
    for name in CLEARED {
        command.env_remove(name);
    }
    command.env("HOME", &files.dir);
    command.envs(scenario.env.iter().map(|(k, v)| (*k, v.as_str())));
    let path = files.write(&format!("config-{n}.json"), &config_text(scenario));
    match scenario.given {
        Given::Input | Given::EnvOnly => {}
        Given::AdcVariable => {
            command.env("GOOGLE_APPLICATION_CREDENTIALS", &path);
        }
        Given::JsonVariable => {
            command.env("GOOGLE_CREDENTIALS", config_text(scenario));
        }
    }
    path
}

/// Every secret the run could leak: the keys, the subject tokens, the runner's request token, every access
/// token the server issued.
fn leaks(idp: &Idp, name: &str, what: &str, text: &str) -> Vec<String> {
    let mut never = idp.google_issued_tokens();
    for pem in ["rsa-2048.pem", "rsa-other.pem"] {
        // A line from the middle of the key's base64, as any dump of it would hold.
        if let Some(line) = fixture(pem).lines().nth(5) {
            never.push(line.to_string());
        }
    }
    never.extend([ACTIONS_REQUEST_TOKEN.to_string(), TOKEN_HEADER.to_string()]);
    let mut found: Vec<String> = never
        .iter()
        .filter(|secret| text.contains(secret.as_str()))
        .map(|secret| format!("{name}: {what} shows a secret ({} chars)", secret.len()))
        .collect();
    if text.contains("ya29.") {
        found.push(format!("{name}: {what} shows a ya29. token"));
    }
    found
}

fn cli(idp: &Idp, files: &Files, n: usize, scenario: &Scenario, format: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    command.args([
        "check",
        "--gcp-project",
        PROJECT_ID,
        "--gcp-api-url",
        &idp.base_url(),
        "--timeout",
        "10",
        "--format",
        format,
    ]);
    let path = pipeline_env(&mut command, files, n, scenario);
    if scenario.given == Given::Input {
        command.args(["--gcp-credentials-file", &path]);
    }
    if let Some(account) = scenario.impersonate {
        command.args(["--gcp-service-account", account]);
    }
    for permission in scenario.permissions {
        command.args(["--require-permission", permission]);
    }
    command.output().expect("authcheck")
}

/// What a report in `format` must show of the scenario, beyond its needles.
fn format_problems(scenario: &Scenario, format: &str, out: &Output) -> Vec<String> {
    let text = all_text(out);
    let mut problems = Vec::new();
    if out.status.code() != Some(scenario.exit_code()) {
        problems.push(format!(
            "{} ({format}): exit {:?}, expected {}\n{text}",
            scenario.name,
            out.status.code(),
            scenario.exit_code()
        ));
    }
    let shows_reason = match format {
        "github" if scenario.reason != "ok" => text.contains("::error"),
        // A cloud check has no client id: the suite is named by its endpoint, no empty "client".
        "junit" => {
            text.contains("<testsuite name=\"authcheck")
                && !text.contains("authcheck client")
                && text.contains(scenario.reason)
        }
        _ => true,
    };
    if !shows_reason {
        problems.push(format!(
            "{} ({format}): not a {format} report\n{text}",
            scenario.name
        ));
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_google_identity_good_and_each_way_it_fails_through_the_cli() {
    let idp = Arc::new(google().await);
    let files = Arc::new(scratch("cli"));
    let mut problems = Vec::new();
    for (n, scenario) in scenarios(&idp.base_url(), &files).into_iter().enumerate() {
        let scenario = Arc::new(scenario);
        let (i, f, s) = (idp.clone(), files.clone(), scenario.clone());
        let outs = tokio::task::spawn_blocking(move || {
            ["json", "text", "github", "junit"].map(|format| (format, cli(&i, &f, n, &s, format)))
        })
        .await
        .expect("join");
        let json = &outs[0].1;
        let report: Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
        if report["reason"] != scenario.reason {
            problems.push(format!(
                "{}: reason {}, expected {}\n{}",
                scenario.name,
                report["reason"],
                scenario.reason,
                all_text(json)
            ));
        }
        if scenario.reason == "ok" {
            let principal = report["principal"].as_str().unwrap_or_default();
            if principal.is_empty() || report["account_id"] != PROJECT_NUMBER {
                problems.push(format!(
                    "{}: principal {principal:?}, account_id {}",
                    scenario.name, report["account_id"]
                ));
            }
            if !scenario.permissions.is_empty() && report["permissions_source"] != "iam" {
                problems.push(format!(
                    "{}: permissions_source {}",
                    scenario.name, report["permissions_source"]
                ));
            }
        }
        let human = all_text(&outs[1].1);
        // SHOW=<part of a scenario's name> prints its report, to read what a user would.
        if std::env::var("SHOW").is_ok_and(|v| scenario.name.contains(v.as_str())) {
            eprintln!("{human}");
        }
        for needle in scenario.needles {
            if !contains(&human, needle) {
                problems.push(format!("{}: lacks {needle:?}\n{human}", scenario.name));
            }
        }
        for (format, out) in &outs {
            problems.extend(format_problems(&scenario, format, out));
            problems.extend(leaks(&idp, scenario.name, format, &all_text(out)));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_missing_permission_is_named_with_the_project() {
    let idp = Arc::new(google().await);
    let files = Arc::new(scratch("missing"));
    let scenario = scenarios(&idp.base_url(), &files)
        .into_iter()
        .find(|s| s.reason == "missing_permissions")
        .expect("scenario");
    let i = idp.clone();
    let out = tokio::task::spawn_blocking(move || cli(&i, &files, 90, &scenario, "json"))
        .await
        .expect("join");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(report["missing_permissions"], json!([NOT_HELD]), "{report}");
    assert_eq!(report["permissions_source"], "iam", "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_plans_of_examples_google_tell_each_identity_good_from_each_way_it_fails() {
    let idp = Arc::new(google().await);
    let files = Arc::new(scratch("terraform"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/google");
    let file = |name: &str| std::fs::read_to_string(root.join(name)).expect("example");
    let ws = Arc::new(workspace(
        "google",
        &[
            ("main.tf", file("main.tf")),
            ("versions.tf", file("versions.tf")),
        ],
    ));
    let mut problems = Vec::new();
    let base = idp.base_url();
    let runs = terraforms().into_iter().flat_map(|tf| {
        scenarios(&base, &files)
            .into_iter()
            .enumerate()
            .map(move |(n, scenario)| (tf.clone(), n, scenario))
    });
    for (run, (tf, n, scenario)) in runs.enumerate() {
        let (ws, f, base) = (ws.clone(), files.clone(), idp.base_url());
        let version = tf.display().to_string();
        let good = scenario.reason == "ok";
        let scenario = Arc::new(scenario);
        let s = scenario.clone();
        let Traced { out, log, saved } = tokio::task::spawn_blocking(move || {
            traced_plan(&tf, &ws, run, good, |command| {
                let path = pipeline_env(command, &f, n, &s);
                if s.given == Given::Input {
                    command.env("TF_VAR_gcp_credentials_file", &path);
                }
                if let Some(account) = s.impersonate {
                    command.env("TF_VAR_gcp_service_account", account);
                }
                command.env("TF_VAR_gcp_api_url", &base).env(
                    "TF_VAR_required_permissions",
                    serde_json::to_string(s.permissions).unwrap_or_default(),
                );
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
        if good {
            for needle in scenario.needles.iter().filter(|n| n.contains('@')) {
                if !contains(&text, needle) {
                    problems.push(format!(
                        "{name}: the plan's outputs lack {needle:?}\n{text}"
                    ));
                }
            }
        } else {
            for needle in scenario.needles {
                if !contains(&text, needle) {
                    problems.push(format!("{name}: lacks {needle:?}\n{text}"));
                }
            }
        }
        if !log.contains("authcheck") {
            problems.push(format!("{name}: the trace log has nothing of the plugin"));
        }
        problems.extend(leaks(&idp, &name, "the plan's output", &text));
        problems.extend(leaks(&idp, &name, "the trace log", &log));
        problems.extend(leaks(&idp, &name, "the saved plan", &saved));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

/// `authcheck external` as hashicorp/external runs it: the query's gcp_* keys select Google Cloud, and the
/// answer is a flat object of strings with the principal and the project number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_external_program_checks_a_google_identity() {
    let idp = Arc::new(google().await);
    let files = scratch("external");
    let good = scenarios(&idp.base_url(), &files)
        .into_iter()
        .next()
        .expect("scenario");
    let path = files.write("external.json", &config_text(&good));
    let query = json!({
        "gcp_credentials_file": path,
        "gcp_service_account": DEPLOYER,
        "gcp_project": PROJECT_ID,
        "gcp_api_url": idp.base_url(),
        "required_permissions": HELD,
    });
    let (out, denied) = tokio::task::spawn_blocking(move || {
        let run = |query: &Value| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
            command.arg("external");
            for name in CLEARED {
                command.env_remove(name);
            }
            let mut child = command
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("authcheck external");
            if let Some(mut stdin) = child.stdin.take() {
                use std::io::Write as _;
                stdin
                    .write_all(query.to_string().as_bytes())
                    .expect("query");
            }
            child.wait_with_output().expect("external")
        };
        let mut other = query.clone();
        other["required_permissions"] = json!(NOT_HELD);
        (run(&query), run(&other))
    })
    .await
    .expect("join");
    assert_eq!(out.status.code(), Some(0), "{}", all_text(&out));
    let answer: Value = serde_json::from_slice(&out.stdout).expect("a JSON object");
    assert_eq!(answer["principal"], DEPLOYER, "{answer}");
    assert_eq!(answer["account_id"], PROJECT_NUMBER, "{answer}");
    assert!(
        answer
            .as_object()
            .is_some_and(|o| o.values().all(Value::is_string)),
        "{answer}"
    );
    assert_ne!(denied.status.code(), Some(0), "{}", all_text(&denied));
    assert!(
        all_text(&denied).contains(NOT_HELD),
        "{}",
        all_text(&denied)
    );
    for out in [&out, &denied] {
        let leaked = leaks(&idp, "external", "the program's output", &all_text(out));
        assert!(leaked.is_empty(), "{leaked:?}");
    }
}

/// A server that answers every request with `status` and an error whose words are the request itself (its
/// headers with the bearer, its body with the subject token) wrapped in terminal control sequences.
async fn echoing_server(status: u16) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 16 * 1024];
                // Enough of the request: the headers and whatever body came with them.
                let read = tokio::time::timeout(Duration::from_millis(300), async {
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        request.extend_from_slice(&buf[..n]);
                    }
                });
                let _ = read.await;
                let echoed = String::from_utf8_lossy(&request);
                let words = format!("\u{1b}[31m{echoed}\u{1b}]0;pwned\u{7}");
                let body = json!({
                    "error": "invalid_grant",
                    "error_description": words,
                    "error_uri": words,
                })
                .to_string();
                let answer = format!(
                    "HTTP/1.1 {status} Refused\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("http://{address}")
}

/// An STS that repeats the subject token, and an IAM API that repeats the federated token's bearer, reach no
/// face with the token or a control character.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_echoing_the_request_leak_no_token_and_no_control_character() {
    let idp = Arc::new(google().await);
    let echo = echoing_server(400).await;
    let files = Arc::new(scratch("echo"));
    let token = github_token("acme/infra", &audience(), None);
    let payload = token.split('.').nth(1).unwrap_or_default().to_string();
    let source = json!({"file": files.write("echo.jwt", &token)});
    // STS itself echoes; then the real STS, with an IAM Credentials that echoes.
    let sts_echo = external(&echo, &provider_name(), source.clone(), None);
    let iam_echo = external(&idp.base_url(), &provider_name(), source, Some(DEPLOYER));
    let runs = [("STS", sts_echo, idp.base_url()), ("IAM", iam_echo, echo)];
    let mut problems = Vec::new();
    for (n, (what, config, api)) in runs.into_iter().enumerate() {
        let path = files.write(&format!("echo-{n}.json"), &config.to_string());
        for format in ["text", "json", "github", "junit"] {
            let (path, api) = (path.clone(), api.clone());
            let out = tokio::task::spawn_blocking(move || {
                let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
                for name in CLEARED {
                    command.env_remove(name);
                }
                command
                    .args(["check", "--gcp-credentials-file", &path])
                    .args(["--gcp-api-url", &api, "--gcp-project", PROJECT_ID])
                    .args(["--timeout", "10", "--format", format])
                    .output()
                    .expect("authcheck")
            })
            .await
            .expect("join");
            let text = all_text(&out);
            if out.status.code() == Some(0) {
                problems.push(format!("{what} ({format}): passed\n{text}"));
            }
            if !text.contains("Refused") && !text.contains("400") {
                problems.push(format!(
                    "{what} ({format}): the refusal is not shown\n{text}"
                ));
            }
            if text.contains(&payload) || text.contains('\u{1b}') || text.contains('\u{7}') {
                problems.push(format!(
                    "{what} ({format}): a token or a control character\n{text:?}"
                ));
            }
            if std::env::var("SHOW").is_ok_and(|v| v == what) && format == "text" {
                eprintln!("{text}");
            }
            problems.extend(leaks(&idp, what, format, &text));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

/// A token service that answers the token as plain text (no `format` in the configuration), as google-auth
/// reads such a source: the whole answer is the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_source_without_a_format_is_a_plain_text_token() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let idp = Arc::new(google().await);
    let token = github_token("acme/infra", &audience(), None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let served = token.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = format!("{served}\n");
            let mut buf = [0u8; 8192];
            let _ = tokio::time::timeout(Duration::from_secs(2), socket.read(&mut buf)).await;
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    let files = scratch("text-url");
    let config = external(
        &idp.base_url(),
        &provider_name(),
        json!({"url": format!("http://{address}/token")}),
        Some(DEPLOYER),
    );
    let path = files.write("text-url.json", &config.to_string());
    let api = idp.base_url();
    let out = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
        for name in CLEARED {
            command.env_remove(name);
        }
        command
            .args([
                "check",
                "--gcp-credentials-file",
                &path,
                "--gcp-api-url",
                &api,
            ])
            .args(["--gcp-project", PROJECT_ID, "--format", "json"])
            .output()
            .expect("authcheck")
    })
    .await
    .expect("join");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(report["reason"], "ok", "{}", all_text(&out));
    assert_eq!(report["principal"], DEPLOYER, "{report}");
    assert!(leaks(&idp, "text url", "the report", &all_text(&out)).is_empty());
}

/// Runs `authcheck check --format json` on the configuration at `path` with `args`; the report.
async fn check_json(path: String, args: Vec<String>) -> (Value, String) {
    let out = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
        for name in CLEARED {
            command.env_remove(name);
        }
        command
            .args(["check", "--gcp-credentials-file", &path, "--format", "json"])
            .args(args)
            .output()
            .expect("authcheck")
    })
    .await
    .expect("join");
    (
        serde_json::from_slice(&out.stdout).unwrap_or_default(),
        all_text(&out),
    )
}

/// generateAccessToken goes where the configuration's service_account_impersonation_url points (a private
/// endpoint), not to iamcredentials.googleapis.com, when no API URL is given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_impersonation_url_of_the_configuration_is_where_impersonation_goes() {
    let idp = google().await;
    let files = scratch("impersonation-host");
    let token = github_token("acme/infra", &audience(), None);
    let source = json!({"file": files.write("host.jwt", &token)});
    let config = external(&idp.base_url(), &provider_name(), source, Some(DEPLOYER));
    let path = files.write("host.json", &config.to_string());
    let (report, text) = check_json(path, Vec::new()).await;
    assert_eq!(report["reason"], "ok", "{text}");
    assert_eq!(report["principal"], DEPLOYER, "{text}");
}

/// A bearer token never goes to a remote host over plain http: an API URL or a subject token URL of http to
/// another machine is refused before anything is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_a_remote_api_or_token_source_is_refused_before_sending() {
    let idp = google().await;
    let files = scratch("insecure");
    let key = key_config(&idp.base_url(), KEYED, KEY_ID, &fixture("rsa-2048.pem"));
    let key_path = files.write("insecure-key.json", &key.to_string());
    let before = idp.requests();
    let args = [
        "--gcp-project",
        PROJECT_ID,
        "--gcp-api-url",
        "http://api.example.com",
    ];
    let (report, text) = check_json(key_path, args.map(str::to_string).to_vec()).await;
    assert_eq!(report["reason"], "insecure_transport", "{text}");
    assert!(text.contains("gcp-api-url"), "{text}");
    let remote_source = external(
        &idp.base_url(),
        &provider_name(),
        json!({"url": "http://metadata.example.com/token", "headers": {"Authorization": "Bearer x"}}),
        None,
    );
    let path = files.write("insecure-source.json", &remote_source.to_string());
    let (report, text) = check_json(path, Vec::new()).await;
    assert_eq!(report["reason"], "insecure_transport", "{text}");
    assert_eq!(idp.requests(), before, "something was sent");
}

/// Google's 503s are asked again within max_retries: two of them, then the check passes; with no retries
/// allowed, the check could not tell (exit 3), and says Google failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_answers_are_retried_within_max_retries() {
    let behavior = GoogleBehavior {
        unavailable_first: 2,
        ..GoogleBehavior::default()
    };
    let key_file = |idp: &Idp, files: &Files| {
        let key = key_config(&idp.base_url(), KEYED, KEY_ID, &fixture("rsa-2048.pem"));
        files.write("retried-key.json", &key.to_string())
    };
    let files = scratch("retries");
    let idp = google_behaving(behavior.clone()).await;
    let (report, text) = check_json(key_file(&idp, &files), Vec::new()).await;
    assert_eq!(report["reason"], "ok", "{text}");
    assert_eq!(idp.requests(), 3, "two 503s, then the key grant");
    let idp = google_behaving(behavior).await;
    let args = vec!["--max-retries".to_string(), "0".to_string()];
    let (report, text) = check_json(key_file(&idp, &files), args).await;
    assert_eq!(report["reason"], "server_error", "{text}");
    assert_eq!(idp.requests(), 1, "asked once");
}

/// A Resource Manager that cannot be reached is named as such, not the STS or token URL that answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_api_host_is_the_one_named() {
    let idp = google().await;
    let files = scratch("unreachable-api");
    let key = key_config(&idp.base_url(), KEYED, KEY_ID, &fixture("rsa-2048.pem"));
    let path = files.write("unreachable.json", &key.to_string());
    // A port nothing listens on: bound, then closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let api = format!("http://{closed}");
    let args = [
        "--gcp-project",
        PROJECT_ID,
        "--require-permission",
        HELD,
        "--gcp-api-url",
        &api,
    ];
    let (report, text) = check_json(path, args.map(str::to_string).to_vec()).await;
    assert_eq!(report["reason"], "endpoint_unreachable", "{text}");
    let summary = report["summary"].as_str().unwrap_or_default();
    assert!(summary.contains(&closed.to_string()), "{text}");
    assert!(!summary.contains(&idp.base_url()), "{text}");
}
