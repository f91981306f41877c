//! The CI snippets of docs/guides/aws.md, run as written: the `authcheck check` line of each, with the token the
//! snippet describes (GitHub Actions' ID-token request; GitLab's `id_tokens` variable), against the test server's
//! STS flavour: a job the role trusts and one it does not, each. Nothing secret appears in what they print.

use std::path::Path;
use std::process::Command;

use authcheck::demo::idp::{
    ACTIONS_REQUEST_TOKEN, GITHUB_ISSUER, Idp, OidcProvider, StsConfig, StsRole,
    actions_request_url, workload_token,
};

const GITLAB: &str = "https://gitlab.com";
const AUDIENCE: &str = "sts.amazonaws.com";

async fn sts() -> Idp {
    Idp::start_sts(
        StsConfig::new("123456789012")
            .provider(OidcProvider::new(GITHUB_ISSUER, &[AUDIENCE]))
            .provider(OidcProvider::new(GITLAB, &[AUDIENCE]))
            .role(
                StsRole::new("deploy")
                    .trust_web_identity(
                        GITHUB_ISSUER,
                        Some(AUDIENCE),
                        "repo:acme/infra:ref:refs/heads/main",
                    )
                    .trust_web_identity(GITLAB, Some(AUDIENCE), "project_path:acme/infra:*"),
            ),
    )
    .await
    .expect("sts")
}

/// The first fenced `yaml` block of the guide that contains `marker`.
fn guide_block(marker: &str) -> String {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guides/aws.md"))
            .expect("guide");
    guide
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains(marker))
        .unwrap_or_else(|| panic!("no yaml block with {marker:?} in docs/guides/aws.md"))
        .to_string()
}

/// The snippet's `authcheck check …` line with the test server as STS (a redirection stays last).
fn check_line(block: &str, sts: &str) -> String {
    let line = block
        .lines()
        .find(|l| l.contains("authcheck check"))
        .expect("an authcheck line");
    let at = line.find("authcheck check").unwrap_or(0);
    let line = line[at..].replacen("authcheck", env!("CARGO_BIN_EXE_authcheck"), 1);
    match line.split_once(" > ") {
        Some((command, file)) => format!("{command} --aws-sts-url {sts} > {file}"),
        None => format!("{line} --aws-sts-url {sts}"),
    }
}

/// Runs a snippet's line through bash with the CI's variables; `(exit code, output, files written)`.
async fn run(
    idp: &Idp,
    block: &str,
    ci: Vec<(&'static str, String)>,
) -> (Option<i32>, String, String) {
    let line = check_line(block, &idp.base_url());
    let dir = std::env::temp_dir().join(format!(
        "authcheck-aws-snippet-{}-{}",
        std::process::id(),
        ci.len() + line.len()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new("bash");
        command
            .args(["-c", &line])
            .current_dir(&dir)
            .env("HOME", &dir);
        for name in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
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
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
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

/// Every token the server minted would start with this header.
const TOKEN_HEADER: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Indvcmtsb2FkLXRlc3QifQ";

fn no_secrets(idp: &Idp, text: &str) {
    let mut never = idp.sts_issued_secrets();
    never.extend([ACTIONS_REQUEST_TOKEN.to_string(), TOKEN_HEADER.to_string()]);
    for secret in never {
        assert!(!text.contains(&secret), "a secret in: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_github_actions_snippet_runs_as_written() {
    let idp = sts().await;
    let block = guide_block("id-token: write");
    let job = |subject: &str| {
        vec![
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
    let (code, text, _) = run(&idp, &block, job("repo:acme/infra:ref:refs/heads/main")).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("assumed-role/deploy/"), "{text}");
    no_secrets(&idp, &text);
    let (code, text, _) = run(&idp, &block, job("repo:acme/infra:environment:prod")).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("::error"), "{text}");
    assert!(text.contains("repo:acme/infra:environment:prod"), "{text}");
    no_secrets(&idp, &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_gitlab_snippet_runs_as_written() {
    let idp = sts().await;
    let block = guide_block("id_tokens");
    let job = |subject: &str| vec![("AWS_ID_TOKEN", workload_token(GITLAB, subject, AUDIENCE))];
    let (code, text, report) = run(
        &idp,
        &block,
        job("project_path:acme/infra:ref_type:branch:ref:main"),
    )
    .await;
    assert_eq!(code, Some(0), "{text}");
    assert!(report.contains("<testsuite"), "{report}");
    no_secrets(&idp, &format!("{text}{report}"));
    let (code, text, report) = run(
        &idp,
        &block,
        job("project_path:acme/other:ref_type:branch:ref:main"),
    )
    .await;
    assert_eq!(code, Some(1), "{text}");
    assert!(report.contains("<failure"), "{report}");
    assert!(report.contains("gitlab.com:sub"), "{report}");
    no_secrets(&idp, &format!("{text}{report}"));
}
