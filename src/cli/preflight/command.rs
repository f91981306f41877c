//! `authcheck preflight`: the command line (`--dir`, `--plan-json`, `--format`, `--timeout`), reading the
//! configuration, running every provider's check, and writing the report in the chosen format.

use std::io::Write;
use std::path::PathBuf;

use clap::{Arg, ArgMatches, Command};

use super::{read, render, run};
use crate::cli::args::{Format, format_arg};
use crate::cli::{
    EXIT_UNKNOWN, EXIT_USAGE, cancel_on_ctrl_c, github, plan, runtime_or_report, style_for_stdout,
};

const ABOUT: &str =
    "Check every identity a Terraform configuration's providers will use (no config change)";

const AFTER: &str = "\
Reads DIR as Terraform does: every *.tf and *.tf.json file, terraform.tfvars(.json), *.auto.tfvars(.json),
TF_VAR_* and variable defaults. Each provider configuration (aliases included) is checked the way that provider
finds its credentials: genesyscloud (oauthclient_id/secret, aws_region, GENESYSCLOUD_*), azurerm and azuread
(tenant_id, client_id, client_secret, client_certificate_path, use_oidc, ... and ARM_*), aws (region, profile,
keys, assume_role, assume_role_with_web_identity, allowed_account_ids, AWS_*), google (credentials, project,
impersonate_service_account, GOOGLE_*). Other providers are listed as not checked. Every check runs at once.

Exit codes: 0 every checked provider works, 1 one failed, 2 the configuration cannot be read or checked as
written (a parse error, a variable nobody sets), 3 could not tell. See docs/guides/preflight.md.

Examples:
  authcheck preflight                       # the configuration in this directory
  authcheck preflight --dir infra --format github
  terraform show -json plan.out > plan.json && authcheck preflight --plan-json plan.json";

/// The `preflight` subcommand.
pub fn command() -> Command {
    Command::new("preflight")
        .about(ABOUT)
        .after_help(AFTER)
        .arg(
            Arg::new("dir")
                .long("dir")
                .value_name("DIR")
                .default_value(".")
                .help("the root module to read (default: the current directory)"),
        )
        .arg(
            Arg::new("plan_json")
                .long("plan-json")
                .value_name("FILE")
                .help(
                    "also require the Genesys Cloud permissions a saved plan's genesyscloud changes need \
                     (`terraform show -json plan.out > plan.json`)",
                ),
        )
        .arg(format_arg(
            "text (default); json; github (an ::error annotation per failing provider, then the text); junit (a \
             test case per provider). With GITHUB_STEP_SUMMARY set, a table is appended to it",
        ))
        .arg(
            Arg::new("timeout")
                .long("timeout")
                .value_name("SECS")
                .value_parser(clap::value_parser!(i64).range(1..=600))
                .help("each check's time budget, retries included (default 30; the checks run at once)"),
        )
}

/// `authcheck preflight`.
pub fn preflight_command(matches: &ArgMatches) -> i32 {
    let dir = PathBuf::from(matches.get_one::<String>("dir").map_or(".", String::as_str));
    let format = Format::from_matches(matches);
    let planned = match matches
        .get_one::<String>("plan_json")
        .map(|path| plan::read(path))
        .transpose()
    {
        Ok(planned) => planned,
        Err(message) => {
            eprintln!("authcheck: {message}");
            return EXIT_USAGE;
        }
    };
    let env = |name: &str| std::env::var(name).ok();
    let config = match read::read(&dir, &env) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("authcheck preflight: {err}");
            if format == Format::Json {
                let error =
                    serde_json::json!({"valid": false, "error": err.to_string(), "providers": []});
                let _ = writeln!(std::io::stdout().lock(), "{error:#}");
            }
            return EXIT_USAGE;
        }
    };
    let Some(runtime) = runtime_or_report() else {
        return EXIT_UNKNOWN;
    };
    let options = run::Options {
        timeout: matches.get_one::<i64>("timeout").copied(),
        planned,
        fresh: false,
    };
    let preflight = runtime
        .block_on(async { run::run(&config, &dir, &env, &options, cancel_on_ctrl_c()).await });
    let text = match format {
        Format::Json => format!("{:#}\n", render::json(&preflight)),
        Format::Text => render::text(&preflight, style_for_stdout()),
        Format::Github => github::with_human_text(
            render::annotations(&preflight),
            &render::text(&preflight, crate::cli::render::Style { color: false }),
        ),
        Format::Junit => render::junit(
            &preflight,
            &crate::check::base::clock::rfc3339(crate::check::base::clock::now_unix()),
        ),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if let Err(message) = github::append_to_step_summary(&render::step_summary(&preflight)) {
        eprintln!("authcheck: {message}");
    }
    render::exit_code(&preflight)
}
