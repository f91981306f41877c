//! The `authcheck` command: `check`, `preflight`, `demo`, `external` and `completions`, with help at every level.
//!
//! Layers, as in ripgrep: clap parses the command line built from the surface table ([`args`]); the flags become
//! the engine's inputs; the engine runs; one renderer per output ([`render`] for text and JSON, [`external`]
//! for the external data source protocol) writes the report in the CLI's own words ([`words`]).

pub mod args;
pub mod demo;
pub mod external;
pub mod github;
pub mod junit;
pub mod plan;
pub mod preflight;
pub mod render;
pub mod words;

use std::io::{IsTerminal, Read, Write};

use clap::{Arg, ArgAction, Command};

use crate::check::{self, Report};
use args::Format;

/// Exit code: the credentials work.
pub const EXIT_VALID: i32 = 0;
/// Exit code: the check failed (credentials, configuration, scopes, organisation).
pub const EXIT_FAILED: i32 = 1;
/// Exit code: the command line is wrong.
pub const EXIT_USAGE: i32 = 2;
/// Exit code: could not tell (unreachable, 5xx, rate limited after retries).
pub const EXIT_UNKNOWN: i32 = 3;

const ABOUT: &str = "Check OAuth2 client credentials and name the real reason when they fail";

const AFTER: &str = "\
Exit codes: 0 valid, 1 the check failed, 2 usage error, 3 could not tell (unreachable, 5xx, rate limited).

Start with `authcheck demo` (no account needed), then `authcheck check --help`.";

/// The whole command line.
pub fn command() -> Command {
    Command::new("authcheck")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .after_help(AFTER)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(args::command())
        .subcommand(preflight::command::command())
        .subcommand(
            Command::new("demo")
                .about("Run checks against an embedded test server (no account needed)")
                .arg(
                    Arg::new("terraform")
                        .long("terraform")
                        .value_name("TERRAFORM")
                        .num_args(0..=1)
                        .help(
                            "show the same server through a real `terraform plan` (passing, then failing); \
                             TERRAFORM is the CLI to use (default: $TERRAFORM, the test suite's, or PATH)",
                        ),
                ),
        )
        .subcommand(
            Command::new("external")
                .about("Act as the program of Terraform's external data source (a JSON query on stdin, JSON on stdout)")
                .after_help(
                    "The query holds the data source's input names as strings (lists space-separated, booleans \
                     \"true\"/\"false\"); never the secret (Terraform stores the query in state): name its variable \
                     in client_secret_env. See examples/external-program/main.tf.",
                ),
        )
        .subcommand(
            Command::new("completions")
                .about("Print shell completions (bash, zsh, fish, elvish or powershell)")
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(clap::value_parser!(clap_complete::Shell))
                        .action(ArgAction::Set),
                ),
        )
}

/// The exit code a report maps to.
pub fn exit_code(report: &Report) -> i32 {
    if report.valid {
        EXIT_VALID
    } else if report.usage {
        EXIT_USAGE
    } else if report.reason.is_inconclusive() {
        EXIT_UNKNOWN
    } else {
        EXIT_FAILED
    }
}

pub(crate) fn style_for_stdout() -> render::Style {
    render::Style {
        color: std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// A single-threaded runtime for one command; on failure the reason is printed and `None` returned.
pub(crate) fn runtime_or_report() -> Option<tokio::runtime::Runtime> {
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

/// A cancellation that Ctrl-C sets; call inside the runtime.
pub(crate) fn cancel_on_ctrl_c() -> check::Cancel {
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = cancel_tx.send(true);
        }
    });
    cancel
}

/// Runs a check to completion; Ctrl-C cancels it.
pub async fn run_with_ctrl_c(request: check::CheckRequest) -> Report {
    check::run(request, cancel_on_ctrl_c()).await
}

/// `authcheck check`.
fn check_command(matches: &clap::ArgMatches) -> i32 {
    let parsed = match args::Args::from_matches(matches) {
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
    let planned = match parsed.plan_json.as_deref().map(plan::read).transpose() {
        Ok(planned) => planned,
        Err(message) => {
            eprintln!("authcheck: {message}");
            return EXIT_USAGE;
        }
    };
    let env = |name: &str| std::env::var(name).ok();
    let mut inputs_client_id = None;
    let report = match inputs.resolve(&env) {
        Ok(mut request) => {
            if let Some(planned) = planned
                && !plan::require(&mut request, planned)
            {
                eprintln!(
                    "authcheck: --plan-json checks Genesys Cloud permissions: give --genesys-region (or \
                     GENESYSCLOUD_REGION) for the client the plan's genesyscloud provider uses"
                );
                return EXIT_USAGE;
            }
            inputs_client_id = Some(request.client_id.clone());
            runtime.block_on(run_with_ctrl_c(request))
        }
        Err(report) => *report,
    };
    let text = match parsed.format {
        Format::Json => format!("{:#}\n", render::json(&report)),
        Format::Text => render::text(&report, style_for_stdout()),
        Format::Github => github::with_human_text(
            github::annotations(&report),
            &render::text(&report, render::Style { color: false }),
        ),
        Format::Junit => junit::junit(
            &report,
            inputs_client_id.as_deref(),
            &check::base::clock::rfc3339(check::base::clock::now_unix()),
        ),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if let Err(message) = github::append_step_summary(&report) {
        eprintln!("authcheck: {message}");
    }
    exit_code(&report)
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
    let matches = match command()
        .try_get_matches_from(std::iter::once("authcheck".to_string()).chain(args))
    {
        Ok(matches) => matches,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_VALID
            };
        }
    };
    match matches.subcommand() {
        Some(("check", sub)) => check_command(sub),
        Some(("preflight", sub)) => preflight::command::preflight_command(sub),
        Some(("demo", sub)) => match sub.value_source("terraform") {
            Some(_) => {
                demo::demo_terraform_command(sub.get_one::<String>("terraform").map(String::as_str))
            }
            None => demo::demo_command(),
        },
        Some(("external", _)) => external_command(),
        Some(("completions", sub)) => {
            let Some(shell) = sub.get_one::<clap_complete::Shell>("shell").copied() else {
                return EXIT_USAGE;
            };
            clap_complete::generate(shell, &mut command(), "authcheck", &mut std::io::stdout());
            EXIT_VALID
        }
        _ => EXIT_USAGE,
    }
}
