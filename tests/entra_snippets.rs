//! The CI snippets of docs/guides/azure.md, run as written: the `authcheck check` line of each, with the
//! variables the snippet sets and the token it describes (GitHub Actions' ID-token request; GitLab's `id_tokens`),
//! against the Entra test IdP, a good job and a refused one each, nothing secret in what they print.

use std::path::Path;
use std::process::Command;

use authcheck::demo::idp::{
    ACTIONS_REQUEST_TOKEN, ENTRA_TEST_SUBSCRIPTION, Idp, actions_request_url, workload_token,
};
use support::entra::*;

mod support;

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
