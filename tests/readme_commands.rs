//! A newcomer's path: every `authcheck` command the README and the help texts suggest is run as written (through
//! bash, with the built binary first on PATH and `cargo run --bin authcheck --` read as `authcheck`), and none of
//! them is a usage error. Commands that need a server the README does not provide end in a report (exit 1 or 3),
//! which is what a user would see; what is asserted is that the command line itself is right.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const EXIT_USAGE: i32 = 2;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Drops a trailing `# comment` outside quotes.
fn without_comment(line: &str) -> &str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if i > 0 && line[..i].ends_with(' ') => return line[..i].trim_end(),
            _ => {}
        }
    }
    line.trim_end()
}

/// The command a snippet suggests, from its `authcheck` (or `cargo run --bin authcheck --`) on, keeping the
/// variable assignments before it; `None` when it runs no authcheck command.
fn command_in(snippet: &str) -> Option<String> {
    let snippet = snippet.replace("cargo run --bin authcheck --", "authcheck");
    // `a && b && authcheck ...`: the authcheck part (the rest are build steps).
    let part = snippet
        .split("&&")
        .map(str::trim)
        .find(|p| p.split_whitespace().any(|w| w == "authcheck"))?;
    let words: Vec<&str> = part.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "authcheck")?;
    // A pipe's producer stays; otherwise only the assignments (NAME=value) directly before the command.
    let start = if words[..at].contains(&"|") {
        0
    } else {
        words[..at]
            .iter()
            .rposition(|w| !w.contains('='))
            .map_or(0, |i| i + 1)
    };
    Some(words[start..].join(" "))
}

/// Every suggested command in the README: fenced sh and yaml blocks (with `\` continuations joined, `run:` and
/// `- ` list markers dropped) and inline code spans.
fn readme_commands() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let mut pending = String::new();
    for line in text.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("```") {
            fence = match fence {
                None => Some(rest.trim().to_string()),
                Some(_) => None,
            };
            continue;
        }
        match fence.as_deref() {
            Some("sh" | "bash" | "yaml" | "console") => {
                let line = without_comment(line.trim());
                if let Some(start) = line.strip_suffix('\\') {
                    pending.push_str(start);
                    pending.push(' ');
                    continue;
                }
                let full = format!("{pending}{line}");
                pending.clear();
                let full = full
                    .trim()
                    .trim_start_matches("- ")
                    .trim_start_matches("run: ")
                    .to_string();
                if let Some(command) = command_in(&full) {
                    out.push(command);
                }
            }
            Some(_) => {}
            None => {
                for (i, span) in line.split('`').enumerate() {
                    if i % 2 == 1
                        && (span.starts_with("authcheck ") || span.contains(" authcheck "))
                        && let Some(command) = command_in(span)
                    {
                        out.push(command);
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The examples `authcheck check --help` and `authcheck --help` give.
fn help_commands() -> Vec<String> {
    let mut out = Vec::new();
    for args in [&["check", "--help"][..], &["--help"][..]] {
        let help = Command::new(env!("CARGO_BIN_EXE_authcheck"))
            .args(args)
            .output()
            .expect("help");
        let text = String::from_utf8_lossy(&help.stdout).to_string();
        for line in text.lines() {
            let line = without_comment(line.trim());
            if (line.starts_with("authcheck ") || line.contains(" authcheck "))
                && let Some(command) = command_in(line)
            {
                out.push(command);
            }
            for (i, span) in line.split('`').enumerate() {
                if i % 2 == 1 && span.starts_with("authcheck ") {
                    out.push(span.to_string());
                }
            }
        }
    }
    out
}

fn run(command: &str, workdir: &Path) -> (Option<i32>, String) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_authcheck"));
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // A secret store the README's pipe reads from: the user's own; here a fixed word.
    let command = command.replace("vault read -field=secret kv/ci", "echo example-secret");
    let mut child = Command::new("bash")
        .args(["-c", &command])
        .current_dir(workdir)
        .env("PATH", path)
        // What a CI job that runs the README's snippets would have set.
        .env("TOKEN_URL", "http://127.0.0.1:9/oauth/token")
        .env("CLIENT_ID", "ci-deployer")
        .env("AUTHCHECK_CLIENT_SECRET", "example-secret")
        .env(
            "GENESYSCLOUD_OAUTHCLIENT_ID",
            "3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90",
        )
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "example-secret")
        .env("ARM_CLIENT_ID", "6e8a1f3b-2c4d-4e5f-8a9b-0c1d2e3f4a5b")
        .env("ARM_CLIENT_SECRET", "example-secret")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash");
    let started = std::time::Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn every_command_the_readme_and_the_help_suggest_runs_as_written() {
    let mut commands = readme_commands();
    commands.extend(help_commands());
    // Usage synopses and a subcommand named in prose (`authcheck check`, `authcheck external`) are names, not
    // suggestions to run.
    commands.retain(|c| {
        let after: Vec<&str> = c
            .split_whitespace()
            .skip_while(|w| *w != "authcheck")
            .skip(1)
            .collect();
        !c.contains('<')
            && !c.contains("[OPTIONS]")
            && !matches!(after[..], ["check"] | ["external"])
    });
    commands.sort();
    commands.dedup();
    assert!(
        commands.len() >= 10,
        "the README and help texts suggest more commands than were found: {commands:#?}"
    );
    // The plan-json step runs where the previous CI step left plan.json; the rest from the checkout, as the
    // README's first commands are written.
    let scratch = std::env::temp_dir().join(format!("authcheck-readme-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    std::fs::write(
        scratch.join("plan.json"),
        r#"{"format_version":"1.2","resource_changes":[]}"#,
    )
    .expect("plan.json");
    std::fs::create_dir_all(scratch.join("module")).expect("module");
    std::fs::write(scratch.join("module/main.tf"), "provider \"random\" {}\n").expect("main.tf");
    let handles: Vec<_> = commands
        .into_iter()
        .map(|command| {
            let workdir = if command.contains("preflight") {
                // A preflight runs where the configuration is: a module with one provider block.
                scratch.join("module")
            } else if command.contains("plan.json") || command.contains("> ") {
                scratch.clone()
            } else {
                root().to_path_buf()
            };
            std::thread::spawn(move || {
                let (code, output) = run(&command, &workdir);
                (command, code, output)
            })
        })
        .collect();
    let mut problems = Vec::new();
    for handle in handles {
        let (command, code, output) = handle.join().expect("thread");
        let unknown = output.contains("unexpected argument")
            || output.contains("unrecognized subcommand")
            || output.contains("command not found");
        if code == Some(EXIT_USAGE) || code.is_none() || unknown {
            problems.push(format!("`{command}` exited {code:?}:\n{output}"));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(problems.is_empty(), "{}", problems.join("\n-----\n"));
}

#[test]
fn the_readme_counts_the_demo_clients_right() {
    let text = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let cases = authcheck::demo::demo_cases().len();
    let words = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    assert!(
        text.contains(&format!("about {cases} kinds of client")),
        "README's first command says another number of demo clients than {cases}"
    );
    assert!(
        text.contains(&format!("{} clients", words[cases])),
        "README's 'Try it' says another number of demo clients than {cases}"
    );
}
