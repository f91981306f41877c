//! The command line, generated from the surface table: every input with a flag becomes a clap argument (with
//! its help, heading and value name), so help, parsing and completions come from the same definitions.
//!
//! Parsing is layered: clap reads the flags ([`command`]); [`Args::from_matches`] turns them into the engine's
//! [`Inputs`] and runs the input rules (usage errors); [`Args::inputs`] reads what the flags point at (standard
//! input, files).

use std::io::Read;

use clap::{Arg, ArgAction, ArgMatches, Command};

use super::words::CliWords;
use crate::check::{Given, Inputs, Secret, SecretOrigin};
use crate::surface::{self, Input, Kind, Place};

/// Output format of `authcheck check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human report.
    Text,
    /// The report as JSON, with the data source's names.
    Json,
    /// GitHub Actions annotations (workflow commands), then the human report.
    Github,
    /// A JUnit XML report.
    Junit,
}

impl Format {
    /// The `--format` a command line gave (text when none).
    pub fn from_matches(matches: &ArgMatches) -> Format {
        match matches.get_one::<String>("format").map(String::as_str) {
            Some("json") => Format::Json,
            Some("github") => Format::Github,
            Some("junit") => Format::Junit,
            _ => Format::Text,
        }
    }
}

/// The `--format` flag of a command, with that command's `help`.
pub fn format_arg(help: &'static str) -> Arg {
    Arg::new("format")
        .long("format")
        .value_name("FORMAT")
        .value_parser(["text", "json", "github", "junit"])
        .help(help)
}

const CHECK_ABOUT: &str =
    "Check one set of client credentials and name the real reason when they fail";

const CHECK_AFTER: &str = "\
The secret is never a command-line argument (anyone on this machine can read those with ps): it comes from
--client-secret-file, --client-secret-stdin, AUTHCHECK_CLIENT_SECRET, GENESYSCLOUD_OAUTHCLIENT_SECRET or ARM_CLIENT_SECRET.
Without an endpoint flag, AUTHCHECK_TOKEN_URL, AUTHCHECK_ISSUER, GENESYSCLOUD_REGION or ARM_TENANT_ID is used;
without --client-id, AUTHCHECK_CLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_ID or ARM_CLIENT_ID. For Entra ID with no
credential flag, the credential is the one azurerm would use, in its order: ARM_CLIENT_CERTIFICATE(_PATH) with
ARM_CLIENT_CERTIFICATE_PASSWORD, ARM_CLIENT_SECRET(_FILE_PATH), then with ARM_USE_OIDC an OIDC token (ARM_OIDC_TOKEN,
ARM_OIDC_TOKEN_FILE_PATH, the CI's), then with ARM_USE_AKS_WORKLOAD_IDENTITY AZURE_FEDERATED_TOKEN_FILE.

Exit codes: 0 valid, 1 the check failed, 2 usage error, 3 could not tell (unreachable, 5xx, rate limited).

Examples:
  AUTHCHECK_CLIENT_SECRET=... authcheck check --token-url https://login.example.com/oauth2/token --client-id ci-bot
  authcheck check --genesys-region eu-west-1 --expect-org acme-prod   # id and secret from GENESYSCLOUD_OAUTHCLIENT_*
  authcheck check --entra-tenant-id contoso.onmicrosoft.com --format github   # id and credential from ARM_*, as azurerm
  vault read -field=secret kv/ci | authcheck check --issuer https://idp.example.com --client-id ci --client-secret-stdin --format json";

/// The `check` subcommand, its arguments generated from the surface table.
pub fn command() -> Command {
    let mut command = Command::new("check")
        .about(CHECK_ABOUT)
        .after_help(CHECK_AFTER)
        .arg(
            format_arg(
                "text (default); json (the data source's names); github (an ::error or ::warning annotation \
                 per failed or warning check, then the text); junit (JUnit XML, one test case per check). \
                 With GITHUB_STEP_SUMMARY set, a Markdown summary is appended to that file in any format",
            )
            .help_heading("Output"),
        )
        .arg(
            Arg::new("plan_json")
                .long("plan-json")
                .value_name("FILE")
                .help(
                    "Genesys Cloud: require the permissions a saved plan's genesyscloud changes need, from \
                     `terraform show -json plan.out > plan.json` (create, update, delete, read, replace per address)",
                )
                .help_heading("Request"),
        )
        .arg(
            // Refused with an explanation rather than "unknown argument": the secret must not be an argument.
            Arg::new("client_secret_argument")
                .long("client-secret")
                .num_args(0..=1)
                .hide(true),
        );
    for row in surface::inputs_in(Place::Cli) {
        let Some(flag) = row.flag else { continue };
        let mut arg = Arg::new(row.name)
            .long(flag.long)
            .help(flag.help.unwrap_or(row.doc))
            .help_heading(flag.heading);
        arg = match (flag.value, row.kind) {
            (None, _) => arg.action(ArgAction::SetTrue),
            (Some(value), Kind::Tokens) => arg.value_name(value).action(ArgAction::Append),
            (Some(value), Kind::Int { .. }) => arg
                .value_name(value)
                .value_parser(clap::value_parser!(i64))
                .allow_negative_numbers(true),
            (Some(value), Kind::Choice(choices)) => {
                arg.value_name(value)
                    .value_parser(clap::builder::PossibleValuesParser::new(
                        choices.iter().copied(),
                    ))
            }
            (Some(value), _) => arg.value_name(value),
        };
        command = command.arg(arg);
    }
    command
}

/// Flags of `authcheck check`, as given.
#[derive(Debug)]
pub struct Args {
    /// The inputs the flags give directly.
    pub given: Inputs,
    /// `--client-secret-stdin`.
    pub secret_stdin: bool,
    /// `--format`.
    pub format: Format,
    /// `--plan-json`.
    pub plan_json: Option<String>,
}

impl Args {
    /// The inputs the parsed flags give, checked with the engine's input rules; a usage error is a message.
    pub fn from_matches(matches: &ArgMatches) -> Result<Args, String> {
        if matches.contains_id("client_secret_argument")
            && matches.value_source("client_secret_argument").is_some()
        {
            return Err(
                "--client-secret is not accepted: anyone on this machine can read command lines (ps). Use \
                 --client-secret-file, --client-secret-stdin, or AUTHCHECK_CLIENT_SECRET."
                    .to_string(),
            );
        }
        let mut given = Inputs::new();
        let mut secret_stdin = false;
        for row in surface::inputs_in(Place::Cli) {
            let Some(flag) = row.flag else { continue };
            if matches.value_source(row.name).is_none() {
                continue;
            }
            let value = match (flag.value, row.kind) {
                (None, _) => {
                    let on = matches.get_flag(row.name);
                    if row.input == Input::ClientSecretStdin {
                        secret_stdin = on;
                        continue;
                    }
                    Given::Bool(on)
                }
                (Some(_), Kind::Tokens) => Given::List(
                    matches
                        .get_many::<String>(row.name)
                        .map(|values| values.cloned().collect())
                        .unwrap_or_default(),
                ),
                (Some(_), Kind::Int { .. }) => match matches.get_one::<i64>(row.name) {
                    Some(n) => Given::Int(*n),
                    None => continue,
                },
                (Some(_), _) => match matches.get_one::<String>(row.name) {
                    Some(text) if flag.reads_file => Given::Text(read_flag_file(flag.long, text)?),
                    Some(text) => Given::Text(text.clone()),
                    None => continue,
                },
            };
            given.set(row.input, value);
        }
        if secret_stdin {
            // Marked for the input rules (one secret source), read later.
            given.set(Input::ClientSecretStdin, Given::Bool(true));
        }
        if let Some(problem) = crate::check::validate(&given).into_iter().next() {
            return Err(format!(
                "{} ({})",
                problem.summary.render(&CliWords),
                problem.detail.render(&CliWords)
            ));
        }
        given.remove(Input::ClientSecretStdin);
        let format = Format::from_matches(matches);
        Ok(Args {
            given,
            secret_stdin,
            format,
            plan_json: matches.get_one::<String>("plan_json").cloned(),
        })
    }

    /// The engine inputs these flags describe; reads the secret from stdin when asked.
    pub fn inputs(&self, stdin: &mut dyn Read) -> Result<Inputs, String> {
        let mut inputs = self.given.clone();
        if self.secret_stdin {
            let mut bytes = Vec::with_capacity(64 * 1024 + 1);
            stdin
                .take(64 * 1024)
                .read_to_end(&mut bytes)
                .map_err(|err| format!("cannot read the secret from standard input: {err}"))?;
            let mut text = match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(err) => {
                    let mut bytes = err.into_bytes();
                    zeroize::Zeroize::zeroize(&mut bytes);
                    return Err("the secret on standard input is not UTF-8 text".to_string());
                }
            };
            // A pipe from echo or a heredoc ends with one newline that is not part of the secret.
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            inputs.set(
                Input::ClientSecret,
                Given::Secret(Secret::new(text), SecretOrigin::Stdin),
            );
        }
        Ok(inputs)
    }
}

/// The contents of a file a flag names (`--ca-cert-file`); unreadable is a usage error naming the flag.
fn read_flag_file(flag: &str, path: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|err| {
        format!(
            "--{flag} {path}: {}",
            crate::check::inputs::env::io_reason(&err)
        )
    })?;
    String::from_utf8(bytes).map_err(|_| format!("--{flag} {path}: not a text (PEM) file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[&str]) -> Result<Args, String> {
        let matches = command()
            .try_get_matches_from(std::iter::once("check").chain(list.iter().copied()))
            .map_err(|err| err.to_string())?;
        Args::from_matches(&matches)
    }

    #[test]
    fn the_secret_is_never_accepted_as_an_argument() {
        let err = parse(&["--client-secret", "hunter2"]).expect_err("refused");
        assert!(err.contains("ps"), "{err}");
        assert!(!err.contains("hunter2"));
    }

    #[test]
    fn repeated_scopes_and_inline_values_parse() {
        let parsed = parse(&[
            "--scope",
            "a",
            "--scope=b",
            "--require-scope",
            "a",
            "--token-url=https://x/t",
        ])
        .expect("ok");
        assert_eq!(
            parsed.given.list(Input::Scopes),
            Some(&["a".to_string(), "b".to_string()][..])
        );
        assert_eq!(
            parsed.given.list(Input::RequiredScopes),
            Some(&["a".to_string()][..])
        );
        assert_eq!(parsed.given.text(Input::TokenUrl), Some("https://x/t"));
    }

    #[test]
    fn two_endpoints_are_a_usage_error() {
        let err =
            parse(&["--token-url", "https://a/t", "--issuer", "https://b"]).expect_err("conflict");
        assert!(err.contains("--token-url and --issuer"), "{err}");
    }

    #[test]
    fn out_of_range_and_malformed_values_are_usage_errors() {
        for (args, words) in [
            (
                &["--timeout", "0"][..],
                "--timeout must be between 1 and 600",
            ),
            (
                &["--timeout", "-1"][..],
                "--timeout must be between 1 and 600",
            ),
            (&["--timeout", "abc"][..], "invalid value 'abc'"),
            (
                &["--require-scope", ""][..],
                "--require-scope entry 0 is not a single scope",
            ),
            (
                &["--token-url", "login.example.com/oauth/token"][..],
                "did you mean https://",
            ),
            (&["--auth-method", "basic"][..], "invalid value 'basic'"),
        ] {
            let err = parse(args).expect_err("usage");
            assert!(err.contains(words), "{args:?}: {err}");
        }
    }

    #[test]
    fn stdin_secret_drops_exactly_one_line_end() {
        let parsed = parse(&["--client-secret-stdin"]).expect("ok");
        let inputs = parsed.inputs(&mut "s3cret\n".as_bytes()).expect("read");
        let (secret, origin) = inputs.secret(Input::ClientSecret).expect("secret");
        assert_eq!(secret.expose(), "s3cret");
        assert_eq!(origin, &SecretOrigin::Stdin);
        let inputs = parsed.inputs(&mut "s3cret\n\n".as_bytes()).expect("read");
        assert_eq!(
            inputs
                .secret(Input::ClientSecret)
                .expect("secret")
                .0
                .expose(),
            "s3cret\n"
        );
    }

    #[test]
    fn every_flag_of_the_surface_is_an_argument() {
        let command = command();
        for row in surface::inputs_in(Place::Cli) {
            let flag = row.flag.expect("cli rows have flags");
            assert!(
                command
                    .get_arguments()
                    .any(|a| a.get_long() == Some(flag.long)),
                "--{} is missing",
                flag.long
            );
        }
    }
}
