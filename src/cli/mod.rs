//! The `authcheck` command: argument parsing, text and JSON reports, and the demo.
//!
//! Arguments are parsed in two layers: [`parse`] only reads flags into [`Args`] (usage errors, exit 2);
//! [`Args::inputs`] turns them into the engine's [`Inputs`], reading the secret from a file or stdin.

pub mod external;
pub mod render;

use std::io::{IsTerminal, Read, Write};

use crate::check::{self, Inputs, Report, Secret, SecretOrigin};

/// Exit code: the credentials work.
pub const EXIT_VALID: i32 = 0;
/// Exit code: the check failed (credentials, configuration, scopes, organisation).
pub const EXIT_FAILED: i32 = 1;
/// Exit code: the command line is wrong.
pub const EXIT_USAGE: i32 = 2;
/// Exit code: could not tell (unreachable, 5xx, rate limited after retries).
pub const EXIT_UNKNOWN: i32 = 3;

const USAGE: &str = "\
authcheck: check OAuth2 client credentials and name the real reason when they fail

Usage:
  authcheck check [options]     check one set of client credentials
  authcheck demo                run checks against an embedded test server (no account needed)
  authcheck demo --terraform [TERRAFORM]
                                the same server, seen through a real `terraform plan` (passing, then failing)
  authcheck external            act as the program of Terraform's external data source (JSON on stdin/stdout)
  authcheck --version | --help

Endpoint (one of; or AUTHCHECK_TOKEN_URL, AUTHCHECK_ISSUER, GENESYSCLOUD_REGION):
  --token-url URL               the OAuth2 token endpoint
  --issuer URL                  an OIDC issuer; its discovery document names the token endpoint
  --genesys-region REGION       a Genesys Cloud region, e.g. eu-west-1
  --genesys-api-url URL         Genesys Cloud API base URL override (gateways, tests)
  --genesys-login-url URL       Genesys Cloud login base URL override (gateways, tests)

Credentials (the secret is never a command-line argument: ps would show it):
  --client-id ID                or AUTHCHECK_CLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_ID
  --client-secret-file FILE     read the secret from FILE (exact contents)
  --client-secret-stdin         read the secret from standard input (one trailing newline is dropped)
                                otherwise AUTHCHECK_CLIENT_SECRET, then GENESYSCLOUD_OAUTHCLIENT_SECRET

Request:
  --scope S                     request scope S (repeatable)
  --require-scope S             fail unless the token carries scope S (repeatable)
  --audience A                  send audience=A (Auth0)
  --resource R                  send resource=R (RFC 8707)
  --expect-org X                Genesys Cloud: the organisation (id, name or short name) expected
  --auth-method M               auto (default), client_secret_basic or client_secret_post
  --timeout SECS                budget for the whole check, retries included (default 30)

Output:
  --format text|json            text (default) or the report as JSON, with the data source's names

Exit codes: 0 valid, 1 the check failed, 2 usage error, 3 could not tell (unreachable, 5xx, rate limited).

Examples:
  AUTHCHECK_CLIENT_SECRET=... authcheck check --token-url https://login.example.com/oauth2/token --client-id ci-bot
  authcheck check --genesys-region eu-west-1 --client-id \"$GENESYSCLOUD_OAUTHCLIENT_ID\"   # secret from GENESYSCLOUD_OAUTHCLIENT_SECRET
  vault read -field=secret kv/ci | authcheck check --issuer https://idp.example.com --client-id ci --client-secret-stdin --format json
";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human report.
    Text,
    /// JSON report.
    Json,
}

/// Flags of `authcheck check`, as given.
#[derive(Debug, Default)]
pub struct Args {
    /// `--token-url` and friends, as strings.
    pub strings: std::collections::BTreeMap<&'static str, String>,
    /// `--scope`, repeated.
    pub scopes: Vec<String>,
    /// `--require-scope`, repeated.
    pub required_scopes: Vec<String>,
    /// `--client-secret-file`.
    pub secret_file: Option<String>,
    /// `--client-secret-stdin`.
    pub secret_stdin: bool,
    /// `--format`.
    pub format: Option<Format>,
    /// `--timeout`.
    pub timeout: Option<i64>,
}

const VALUE_FLAGS: [(&str, &str); 10] = [
    ("--token-url", "token_url"),
    ("--issuer", "issuer"),
    ("--genesys-region", "genesys_region"),
    ("--genesys-api-url", "genesys_api_url"),
    ("--genesys-login-url", "genesys_login_url"),
    ("--client-id", "client_id"),
    ("--audience", "audience"),
    ("--resource", "resource"),
    ("--expect-org", "expected_organization"),
    ("--auth-method", "auth_method"),
];

/// Reads `check`'s flags; a usage error is a message for stderr.
pub fn parse(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone().or_else(|| iter.next().cloned()) {
                Some(v) => Ok(v),
                None => Err(format!("{name} needs a value")),
            }
        };
        match flag {
            "--client-secret" => {
                return Err("--client-secret is not accepted: anyone on this machine can read command lines (ps). \
                            Use --client-secret-file, --client-secret-stdin, or AUTHCHECK_CLIENT_SECRET."
                    .to_string());
            }
            "--client-secret-stdin" => parsed.secret_stdin = true,
            "--client-secret-file" => parsed.secret_file = Some(value(flag)?),
            "--scope" => parsed.scopes.push(value(flag)?),
            "--require-scope" => parsed.required_scopes.push(value(flag)?),
            "--format" => {
                parsed.format = Some(match value(flag)?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    other => return Err(format!("--format must be text or json, not {other:?}")),
                })
            }
            "--timeout" => {
                let text = value(flag)?;
                parsed.timeout = Some(
                    text.parse()
                        .map_err(|_| format!("--timeout takes whole seconds, not {text:?}"))?,
                );
            }
            _ => match VALUE_FLAGS.iter().find(|(name, _)| *name == flag) {
                Some((name, key)) => {
                    let v = value(name)?;
                    if parsed.strings.insert(key, v).is_some() {
                        return Err(format!("{name} was given twice"));
                    }
                }
                None => return Err(format!("unknown option {arg:?} (see authcheck --help)")),
            },
        }
    }
    if parsed.secret_stdin && parsed.secret_file.is_some() {
        return Err(
            "give either --client-secret-file or --client-secret-stdin, not both".to_string(),
        );
    }
    let endpoints: Vec<&str> = ["token_url", "issuer", "genesys_region"]
        .into_iter()
        .filter(|k| parsed.strings.contains_key(k))
        .collect();
    if endpoints.len() > 1 {
        return Err(format!(
            "give one of --token-url, --issuer or --genesys-region (got {})",
            endpoints
                .iter()
                .map(|e| format!("--{}", e.replace('_', "-")))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    Ok(parsed)
}

impl Args {
    /// The engine inputs these flags describe; reads the secret from stdin when asked.
    pub fn inputs(&self, stdin: &mut dyn Read) -> Result<Inputs, String> {
        let get = |key: &str| self.strings.get(key).cloned();
        let client_secret = if self.secret_stdin {
            let mut text = String::new();
            stdin
                .take(64 * 1024)
                .read_to_string(&mut text)
                .map_err(|err| format!("cannot read the secret from standard input: {err}"))?;
            // A pipe from echo or a heredoc ends with one newline that is not part of the secret.
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            Some((Secret::new(text), SecretOrigin::Stdin))
        } else {
            None
        };
        Ok(Inputs {
            client_id: get("client_id"),
            client_secret,
            client_secret_file: self.secret_file.clone(),
            token_url: get("token_url"),
            issuer: get("issuer"),
            genesys_region: get("genesys_region"),
            genesys_api_url: get("genesys_api_url"),
            genesys_login_url: get("genesys_login_url"),
            auth_method: get("auth_method"),
            scopes: (!self.scopes.is_empty()).then(|| self.scopes.clone()),
            required_scopes: (!self.required_scopes.is_empty())
                .then(|| self.required_scopes.clone()),
            audience: get("audience"),
            resource: get("resource"),
            expected_organization: get("expected_organization"),
            timeout_seconds: self.timeout,
            ..Inputs::default()
        })
    }
}

/// The exit code a report maps to.
pub fn exit_code(report: &Report) -> i32 {
    if report.valid {
        EXIT_VALID
    } else if report.reason.is_inconclusive() {
        EXIT_UNKNOWN
    } else {
        EXIT_FAILED
    }
}

fn style_for_stdout() -> render::Style {
    render::Style {
        color: std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// A single-threaded runtime for one command; on failure the reason is printed and `None` returned.
fn runtime_or_report() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime),
        Err(err) => {
            eprintln!("authcheck: cannot start: {err}");
            None
        }
    }
}

/// Runs a check to completion; Ctrl-C cancels it.
pub async fn run_with_ctrl_c(request: check::CheckRequest) -> Report {
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = cancel_tx.send(true);
        }
    });
    check::run(request, cancel).await
}

/// `authcheck check`.
fn check_command(args: &[String]) -> i32 {
    let parsed = match parse(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("authcheck: {message}");
            return EXIT_USAGE;
        }
    };
    let inputs = match parsed.inputs(&mut std::io::stdin()) {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("authcheck: {message}");
            return EXIT_USAGE;
        }
    };
    let Some(runtime) = runtime_or_report() else {
        return EXIT_UNKNOWN;
    };
    let env = |name: &str| std::env::var(name).ok();
    let report = match inputs.resolve(&env) {
        Ok(request) => runtime.block_on(run_with_ctrl_c(request)),
        Err(report) => *report,
    };
    let text = match parsed.format.unwrap_or(Format::Text) {
        Format::Json => format!("{:#}\n", render::json(&report)),
        Format::Text => render::text(&report, style_for_stdout()),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    exit_code(&report)
}

/// `authcheck demo`: an embedded test server, a handful of clients, and what authcheck says about each.
fn demo_command() -> i32 {
    let Some(runtime) = runtime_or_report() else {
        return EXIT_UNKNOWN;
    };
    runtime.block_on(async {
        let idp = match crate::demo::idp::Idp::start(crate::demo::idp::demo_config()).await {
            Ok(idp) => idp,
            Err(err) => {
                eprintln!("authcheck: cannot start the demo server on loopback: {err}");
                return EXIT_UNKNOWN;
            }
        };
        let style = style_for_stdout();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "authcheck demo: a test OAuth2 server is running at {} with a few clients that succeed and fail the \
             ways real ones do.\nEach check below is what `authcheck check` (or a failing `terraform plan`) \
             would show.\n",
            idp.base_url()
        );
        let cases = crate::demo::idp::demo_cases();
        let total = cases.len();
        for (index, case) in cases.into_iter().enumerate() {
            let inputs = Inputs {
                client_id: Some(case.client_id.to_string()),
                client_secret: Some((Secret::new(case.secret_sent), SecretOrigin::Env("AUTHCHECK_CLIENT_SECRET".into()))),
                token_url: Some(idp.token_url()),
                scopes: Some(case.scopes.iter().map(|s| s.to_string()).collect()),
                required_scopes: Some(case.required_scopes.iter().map(|s| s.to_string()).collect()),
                timeout_seconds: Some(10),
                max_retries: Some(1),
                ..Inputs::default()
            };
            let report = match inputs.resolve(&|_| None) {
                Ok(request) => check::run(request, tokio::sync::watch::channel(false).1).await,
                Err(report) => *report,
            };
            let _ = writeln!(out, "── {}/{total}: {} ──", index + 1, case.title);
            let _ = writeln!(out, "$ authcheck check --token-url {} --client-id {}{}", idp.token_url(), case.client_id,
                case.scopes.iter().map(|s| format!(" --scope {s}")).chain(case.required_scopes.iter().map(|s| format!(" --require-scope {s}"))).collect::<String>());
            let _ = writeln!(out, "{}", render::text(&report, style));
        }
        let _ = writeln!(out, "To check your own credentials: authcheck check --help");
        EXIT_VALID
    })
}

/// Finds a Terraform CLI: the one given, $TERRAFORM, the test suite's, or the one on PATH.
fn find_terraform(given: Option<&str>) -> Option<std::path::PathBuf> {
    if let Some(path) = given {
        return Some(path.into());
    }
    if let Some(path) = std::env::var_os("TERRAFORM") {
        return Some(path.into());
    }
    let cached = std::path::Path::new(".cache/terraform/bin/terraform-1.15.5");
    if cached.exists() {
        return std::fs::canonicalize(cached).ok();
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| candidate.is_file())
    })
}

/// `authcheck demo --terraform`: a passing and a failing `terraform plan` against the embedded test server.
fn demo_terraform_command(given: Option<&str>) -> i32 {
    let Some(terraform) = find_terraform(given) else {
        eprintln!(
            "authcheck: no Terraform CLI found; give its path (authcheck demo --terraform PATH), set TERRAFORM, or run \
             scripts/install-terraform"
        );
        return EXIT_USAGE;
    };
    let plugin_dir = match std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(std::path::Path::to_path_buf))
    {
        Some(dir) if dir.join("terraform-provider-authcheck").is_file() => dir,
        _ => {
            eprintln!(
                "authcheck: terraform-provider-authcheck is not next to this binary; build both with cargo build"
            );
            return EXIT_USAGE;
        }
    };
    let Some(runtime) = runtime_or_report() else {
        return EXIT_UNKNOWN;
    };
    runtime.block_on(async move {
        let idp = match crate::demo::idp::Idp::start(crate::demo::idp::demo_config()).await {
            Ok(idp) => idp,
            Err(err) => {
                eprintln!("authcheck: cannot start the demo server on loopback: {err}");
                return EXIT_UNKNOWN;
            }
        };
        let dir = std::env::temp_dir().join(format!("authcheck-demo-{}", std::process::id()));
        let files = [
            (
                "dev.tfrc",
                format!(
                    "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/authcheck/authcheck\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                    plugin_dir.display()
                ),
            ),
            (
                "main.tf",
                format!(
                    "terraform {{\n  required_providers {{\n    authcheck = {{ source = \"authcheck/authcheck\" }}\n  }}\n}}\n\n\
                     data \"authcheck_client_credentials\" \"pipeline\" {{\n  token_url         = \"{}\"\n  client_id         = \"demo-rotated\"\n  client_secret_env = \"PIPELINE_CLIENT_SECRET\"\n}}\n\n\
                     output \"credentials\" {{\n  value = data.authcheck_client_credentials.pipeline.summary\n}}\n",
                    idp.token_url()
                ),
            ),
        ];
        let written = std::fs::create_dir_all(&dir).and_then(|()| {
            files.iter().try_for_each(|(name, text)| std::fs::write(dir.join(name), text))
        });
        if let Err(err) = written {
            eprintln!("authcheck: cannot write the demo configuration in {}: {err}", dir.display());
            return EXIT_UNKNOWN;
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "authcheck demo --terraform: {} plans {}/main.tf against a test OAuth2 server at {}.\n", terraform.display(), dir.display(), idp.base_url());
        let mut code = EXIT_VALID;
        for (title, secret, expect_success) in [
            ("the pipeline holds the current secret: the plan passes", "demo-rotated-secret-v2", true),
            ("the secret was rotated and the pipeline still holds the old one: the plan fails, saying so", "demo-rotated-secret-v1", false),
        ] {
            let _ = writeln!(out, "── {title} ──\n$ terraform plan");
            let _ = out.flush();
            let (terraform, workdir) = (terraform.clone(), dir.clone());
            let result = tokio::task::spawn_blocking(move || {
                std::process::Command::new(&terraform)
                    .args(["plan", "-no-color", "-input=false"])
                    .current_dir(&workdir)
                    .env("TF_CLI_CONFIG_FILE", workdir.join("dev.tfrc"))
                    .env("TF_DATA_DIR", workdir.join(".terraform"))
                    .env("CHECKPOINT_DISABLE", "1")
                    .env("PIPELINE_CLIENT_SECRET", secret)
                    .output()
            })
            .await;
            match result {
                Ok(Ok(output)) => {
                    let _ = out.write_all(&output.stdout);
                    let _ = out.write_all(&output.stderr);
                    let _ = writeln!(out, "(terraform exited with {})\n", output.status.code().unwrap_or(-1));
                    if output.status.success() != expect_success {
                        code = EXIT_FAILED;
                    }
                }
                _ => {
                    eprintln!("authcheck: cannot run terraform in {}", dir.display());
                    code = EXIT_UNKNOWN;
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        code
    })
}

/// `authcheck external`: the `hashicorp/external` protocol on stdin and stdout.
fn external_command() -> i32 {
    let mut input = Vec::new();
    if let Err(err) = std::io::stdin()
        .take(1024 * 1024 + 1)
        .read_to_end(&mut input)
    {
        eprintln!("authcheck: cannot read the query from standard input: {err}");
        return EXIT_USAGE;
    }
    let query = match external::parse_query(&input) {
        Ok(query) => query,
        Err(message) => {
            eprintln!("authcheck: {message}");
            return EXIT_USAGE;
        }
    };
    let Some(runtime) = runtime_or_report() else {
        return EXIT_UNKNOWN;
    };
    let env = |name: &str| std::env::var(name).ok();
    let report = match query.inputs.resolve(&env) {
        Ok(request) => runtime.block_on(run_with_ctrl_c(request)),
        Err(report) => *report,
    };
    if !report.valid && query.fail_on_error {
        eprintln!("{}", external::failure_line(&report));
        return exit_code(&report);
    }
    let text = match serde_json::to_string(&external::outputs(&report)) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("authcheck: cannot encode the result: {err}");
            return EXIT_UNKNOWN;
        }
    };
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    EXIT_VALID
}

/// Entry point of the `authcheck` binary; returns the exit code.
pub fn main(args: Vec<String>) -> i32 {
    match args.first().map(String::as_str) {
        Some("check") => check_command(&args[1..]),
        Some("demo") if args.get(1).map(String::as_str) == Some("--terraform") => {
            demo_terraform_command(args.get(2).map(String::as_str))
        }
        Some("demo") if args.len() > 1 => {
            eprintln!("authcheck: demo takes no arguments but --terraform [TERRAFORM]");
            EXIT_USAGE
        }
        Some("demo") => demo_command(),
        Some("external") => external_command(),
        Some("--version" | "-V" | "version") => {
            println!("authcheck {}", env!("CARGO_PKG_VERSION"));
            EXIT_VALID
        }
        Some("--help" | "-h" | "help") | None => {
            print!("{USAGE}");
            if args.is_empty() {
                EXIT_USAGE
            } else {
                EXIT_VALID
            }
        }
        Some(other) => {
            eprintln!("authcheck: unknown command {other:?}\n\n{USAGE}");
            EXIT_USAGE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_secret_is_never_accepted_as_an_argument() {
        let err = parse(&args(&["--client-secret", "hunter2"])).expect_err("refused");
        assert!(err.contains("ps"), "{err}");
        assert!(!err.contains("hunter2"));
    }

    #[test]
    fn repeated_scopes_and_inline_values_parse() {
        let parsed = parse(&args(&[
            "--scope",
            "a",
            "--scope=b",
            "--require-scope",
            "a",
            "--token-url=https://x/t",
        ]))
        .expect("ok");
        assert_eq!(parsed.scopes, ["a", "b"]);
        assert_eq!(parsed.required_scopes, ["a"]);
        assert_eq!(
            parsed.strings.get("token_url").map(String::as_str),
            Some("https://x/t")
        );
    }

    #[test]
    fn two_endpoints_are_a_usage_error() {
        let err = parse(&args(&[
            "--token-url",
            "https://a/t",
            "--issuer",
            "https://b",
        ]))
        .expect_err("conflict");
        assert!(err.contains("--token-url and --issuer"), "{err}");
    }

    #[test]
    fn stdin_secret_drops_exactly_one_line_end() {
        let parsed = parse(&args(&["--client-secret-stdin"])).expect("ok");
        let inputs = parsed.inputs(&mut "s3cret\n".as_bytes()).expect("read");
        let (secret, origin) = inputs.client_secret.expect("secret");
        assert_eq!(secret.expose(), "s3cret");
        assert_eq!(origin, SecretOrigin::Stdin);
        let inputs = parsed.inputs(&mut "s3cret\n\n".as_bytes()).expect("read");
        assert_eq!(inputs.client_secret.expect("secret").0.expose(), "s3cret\n");
    }
}
