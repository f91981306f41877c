//! The CI snippets of docs/guides/google-cloud.md, run as written against the test server's Google flavour, with
//! the project, pool, providers and service account the guide names: GitHub Actions after
//! google-github-actions/auth (the configuration it writes, GOOGLE_APPLICATION_CREDENTIALS, the job's token
//! service), and GitLab (the `id_tokens` variable written to a file, the configuration `gcloud ...
//! create-cred-config` writes, then the snippet's `authcheck check` line). A job the service account trusts and
//! one it does not, each; nothing secret in what they print or write.

use std::path::{Path, PathBuf};
use std::process::Command;

use authcheck::demo::idp::{
    ACTIONS_REQUEST_TOKEN, GITHUB_ISSUER, GoogleConfig, Idp, ServiceAccount, WorkloadProvider,
    actions_request_url, workload_token,
};
use serde_json::json;

const PROJECT: &str = "acme-prod";
const NUMBER: &str = "123456789012";
const POOL: &str = "ci-pipelines";
const GITLAB: &str = "https://gitlab.com";
const DEPLOYER: &str = "deploy@acme-prod.iam.gserviceaccount.com";
const GITLAB_MAIN: &str = "project_path:acme/infra:ref_type:branch:ref:main";
/// Every workload token the tests mint starts with this header.
const TOKEN_HEADER: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Indvcmtsb2FkLXRlc3QifQ";

async fn google() -> Idp {
    let p = GoogleConfig::new(PROJECT, NUMBER);
    let infra = p.principal_set(POOL, "repository", "acme/infra");
    let gitlab_main = p.principal(POOL, GITLAB_MAIN);
    let config = p
        .clone()
        .provider(WorkloadProvider::new(POOL, "github", GITHUB_ISSUER))
        .provider(WorkloadProvider::new(POOL, "gitlab", GITLAB))
        .service_account(
            ServiceAccount::new(DEPLOYER)
                .workload_identity_user(&infra)
                .workload_identity_user(&gitlab_main)
                .permissions(&["storage.buckets.create"]),
        );
    Idp::start_google(config).await.expect("google")
}

/// The provider's full name and the audience its tokens carry.
fn provider(name: &str) -> (String, String) {
    let p = GoogleConfig::new(PROJECT, NUMBER);
    (p.provider_name(POOL, name), p.default_audience(POOL, name))
}

/// The first fenced `yaml` block of the guide that contains `marker`.
fn guide_block(marker: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guides/google-cloud.md");
    let guide = std::fs::read_to_string(path).expect("guide");
    guide
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains(marker))
        .unwrap_or_else(|| panic!("no yaml block with {marker:?} in docs/guides/google-cloud.md"))
        .to_string()
}

/// The block's line holding `marker`, from that command on, as a CI shell would run it.
fn line_of(block: &str, marker: &str) -> String {
    let line = block
        .lines()
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no line with {marker:?}"));
    let at = line.find(marker).unwrap_or(0);
    line[at..].to_string()
}

/// The snippet's `authcheck check …` line with this build and the test server as Google's APIs (before a
/// redirection, which stays last).
fn check_line(block: &str, api: &str) -> String {
    let line =
        line_of(block, "authcheck check").replacen("authcheck", env!("CARGO_BIN_EXE_authcheck"), 1);
    match line.split_once(" > ") {
        Some((command, file)) => format!("{command} --gcp-api-url {api} > {file}"),
        None => format!("{line} --gcp-api-url {api}"),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "authcheck-google-snippet-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// Runs `script` through bash in `dir` with the CI's variables; `(exit code, output, files written)`.
async fn run(
    dir: PathBuf,
    script: String,
    ci: Vec<(&'static str, String)>,
) -> (Option<i32>, String, String) {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new("bash");
        command
            .args(["-c", &script])
            .current_dir(&dir)
            .env("HOME", &dir)
            .env("CI_PROJECT_DIR", &dir);
        for name in [
            "GOOGLE_CREDENTIALS",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT",
            "GOOGLE_PROJECT",
            "AUTHCHECK_GCP_API_URL",
            "GITHUB_STEP_SUMMARY",
        ] {
            command.env_remove(name);
        }
        command.envs(ci.iter().map(|(k, v)| (*k, v.as_str())));
        let out = command.output().expect("bash");
        let written: String = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "xml"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect();
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text, written)
    })
    .await
    .expect("join")
}

fn no_secrets(idp: &Idp, text: &str) {
    let mut never = idp.google_issued_tokens();
    never.extend([ACTIONS_REQUEST_TOKEN.to_string(), TOKEN_HEADER.to_string()]);
    for secret in never {
        assert!(!text.contains(&secret), "a secret in: {text}");
    }
    assert!(!text.contains("ya29."), "an access token in: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_github_actions_snippet_runs_as_written() {
    let idp = google().await;
    let block = guide_block("google-github-actions/auth");
    let (name, audience) = provider("github");
    assert!(
        block.contains(name.trim_start_matches("//iam.googleapis.com/")),
        "the snippet names another provider:\n{block}"
    );
    // What google-github-actions/auth writes before the check runs: the job's token service as the source.
    let job = |subject: &str, dir: &Path| {
        let config = json!({
            "type": "external_account",
            "audience": name,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": format!("{}/v1/token", idp.base_url()),
            "service_account_impersonation_url": format!(
                "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/{DEPLOYER}:generateAccessToken"
            ),
            "credential_source": {
                "url": format!(
                    "{}&audience={}",
                    actions_request_url(&idp.base_url(), subject),
                    url::form_urlencoded::byte_serialize(audience.as_bytes()).collect::<String>()
                ),
                "headers": {"Authorization": format!("Bearer {ACTIONS_REQUEST_TOKEN}")},
                "format": {"type": "json", "subject_token_field_name": "value"},
            },
        });
        let path = dir.join("gha-creds-1a2b3c.json");
        std::fs::write(&path, config.to_string()).expect("configuration");
        vec![
            ("GITHUB_ACTIONS", "true".to_string()),
            ("GOOGLE_APPLICATION_CREDENTIALS", path.display().to_string()),
        ]
    };
    let script = check_line(&block, &idp.base_url());
    let dir = scratch("github-good");
    let ci = job("repo:acme/infra:ref:refs/heads/main", &dir);
    let (code, text, _) = run(dir, script.clone(), ci).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(DEPLOYER), "{text}");
    no_secrets(&idp, &text);
    let dir = scratch("github-other");
    let ci = job("repo:acme/other:ref:refs/heads/main", &dir);
    let (code, text, _) = run(dir, script, ci).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("::error"), "{text}");
    assert!(text.contains("roles/iam.workloadIdentityUser"), "{text}");
    no_secrets(&idp, &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_gitlab_snippet_runs_as_written() {
    let idp = google().await;
    let block = guide_block("id_tokens");
    let (name, audience) = provider("gitlab");
    assert!(
        block.contains(&format!("aud: {audience}")),
        "the snippet asks for another audience:\n{block}"
    );
    // The snippet's own steps, but gcloud's, which writes this configuration (with STS at the test server).
    let write_token = line_of(&block, "printf");
    let job = |subject: &str, dir: &Path| {
        let config = json!({
            "type": "external_account",
            "audience": name,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": format!("{}/v1/token", idp.base_url()),
            "service_account_impersonation_url": format!(
                "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/{DEPLOYER}:generateAccessToken"
            ),
            "credential_source": {"file": dir.join(".gcp-id-token").display().to_string()},
        });
        std::fs::write(dir.join(".gcp-credentials.json"), config.to_string())
            .expect("configuration");
        vec![("GCP_ID_TOKEN", workload_token(GITLAB, subject, &audience))]
    };
    let script = format!("{write_token} && {}", check_line(&block, &idp.base_url()));
    let dir = scratch("gitlab-good");
    let ci = job(GITLAB_MAIN, &dir);
    let (code, text, report) = run(dir, script.clone(), ci).await;
    assert_eq!(code, Some(0), "{text}{report}");
    assert!(report.contains("<testsuite"), "{report}");
    no_secrets(&idp, &format!("{text}{report}"));
    let dir = scratch("gitlab-other");
    let ci = job("project_path:acme/other:ref_type:branch:ref:main", &dir);
    let (code, text, report) = run(dir, script, ci).await;
    assert_eq!(code, Some(1), "{text}{report}");
    assert!(report.contains("<failure"), "{report}");
    assert!(
        report.contains("subject/project_path:acme/other"),
        "{report}"
    );
    no_secrets(&idp, &format!("{text}{report}"));
}
