//! A preflight in each of the CLI's formats: a line per provider configuration, then each failing one's full
//! report (text); one JSON object; GitHub annotations and a step-summary table; JUnit, a test case per provider.
//! Each provider's report is rendered in that provider's words ([`ProviderWords`]).

use std::fmt::Write;

use serde_json::{Value, json};

use crate::check::Report;
use crate::cli::preflight::providers::Configured;
use crate::cli::preflight::run::{Entry, Preflight, Verdict};
use crate::cli::preflight::words::ProviderWords;
use crate::cli::render::{self, Style};
use crate::cli::{github, junit};

/// How one entry ends, from best to worst as the exit code ranks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Not checked (never a failure).
    Skipped,
    /// The identity works.
    Ok,
    /// Could not tell (unreachable, 5xx, rate limited).
    Unknown,
    /// The check failed.
    Failed,
    /// The configuration cannot be checked as written.
    Usage,
}

/// What an entry whose check ended without a report says.
const UNFINISHED: &str = "the check ended before it could tell (interrupted)";

/// An entry's standing.
pub fn standing(entry: &Entry) -> Standing {
    match &entry.verdict {
        Verdict::NotChecked(_) => Standing::Skipped,
        Verdict::Unfinished => Standing::Unknown,
        Verdict::Checked(report) if report.valid => Standing::Ok,
        Verdict::Checked(report) if report.usage => Standing::Usage,
        Verdict::Checked(report) if report.reason.is_inconclusive() => Standing::Unknown,
        Verdict::Checked(_) => Standing::Failed,
    }
}

/// The exit code: the worst entry's (usage 2, failed 1, could not tell 3, else 0).
pub fn exit_code(preflight: &Preflight) -> i32 {
    match preflight.entries.iter().map(standing).max() {
        Some(Standing::Usage) => crate::cli::EXIT_USAGE,
        Some(Standing::Failed) => crate::cli::EXIT_FAILED,
        Some(Standing::Unknown) => crate::cli::EXIT_UNKNOWN,
        _ => crate::cli::EXIT_VALID,
    }
}

/// True when no checked configuration failed.
pub fn valid(preflight: &Preflight) -> bool {
    preflight
        .entries
        .iter()
        .all(|e| matches!(standing(e), Standing::Ok | Standing::Skipped))
}

fn words_of(entry: &Entry) -> Option<ProviderWords<'_>> {
    Some(ProviderWords {
        kind: entry.configured.kind?,
        given_by: &entry.given_by,
    })
}

/// The entry's report in its provider's words.
fn report_text(entry: &Entry, report: &Report, style: Style) -> String {
    match words_of(entry) {
        Some(words) => render::text_in(report, style, &words),
        None => render::text(report, style),
    }
}

/// The summary line of a report in its provider's words.
fn summary(entry: &Entry, report: &Report) -> String {
    match words_of(entry) {
        Some(words) => report.summary_in(&words),
        None => report.summary_in(&crate::cli::words::CliWords),
    }
}

/// What the first lines say about where the plan runs.
fn elsewhere_line(preflight: &Preflight) -> Option<String> {
    let elsewhere = preflight.runs_elsewhere.as_ref()?;
    Some(format!(
        "The configuration's {} block ({}:{}) runs the plan remotely{}: it sees that workspace's variables, none of \
         this runner's, so these checks test the runner, not where the plan runs.",
        elsewhere.what,
        elsewhere.at.file,
        elsewhere.at.line,
        elsewhere
            .organization
            .as_deref()
            .map(|o| format!(" in organization {o}"))
            .unwrap_or_default()
    ))
}

fn name(configured: &Configured) -> String {
    configured.address()
}

/// The human report.
pub fn text(preflight: &Preflight, style: Style) -> String {
    let mut out = String::new();
    let checked = preflight
        .entries
        .iter()
        .filter(|e| standing(e) != Standing::Skipped)
        .count();
    let word = if valid(preflight) {
        style.paint("32;1", "VALID")
    } else {
        style.paint("31;1", "INVALID")
    };
    let _ = writeln!(
        out,
        "{word}: {} provider configuration{} ({checked} checked, {} not checked)",
        preflight.entries.len(),
        if preflight.entries.len() == 1 {
            ""
        } else {
            "s"
        },
        preflight.entries.len() - checked
    );
    if let Some(line) = elsewhere_line(preflight) {
        let _ = writeln!(out, "\n{} {line}", style.paint("33;1", "warning:"));
    }
    out.push('\n');
    let width = preflight
        .entries
        .iter()
        .map(|e| name(&e.configured).len())
        .max()
        .unwrap_or(0);
    for entry in &preflight.entries {
        let (mark, rest) = match (&entry.verdict, standing(entry)) {
            (Verdict::NotChecked(why), _) => {
                (style.paint("2", "skip"), format!("not checked: {why}"))
            }
            (Verdict::Unfinished, _) => (style.paint("33;1", "????"), UNFINISHED.to_string()),
            (Verdict::Checked(report), Standing::Ok) => (
                style.paint("32", " ok "),
                report
                    .findings
                    .principal
                    .as_ref()
                    .map(|p| p.to_string())
                    .or_else(|| report.findings.client_name.as_ref().map(|c| c.to_string()))
                    .unwrap_or_else(|| summary(entry, report)),
            ),
            (Verdict::Checked(report), standing) => (
                match standing {
                    Standing::Unknown => style.paint("33;1", "????"),
                    _ => style.paint("31;1", "FAIL"),
                },
                format!("{}: {}", report.reason.code(), summary(entry, report)),
            ),
        };
        let _ = writeln!(out, "  [{mark}] {:width$}  {rest}", name(&entry.configured));
    }
    for entry in &preflight.entries {
        let Verdict::Checked(report) = &entry.verdict else {
            continue;
        };
        if report.valid && entry.notes.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n── {} ({}, {}) ──",
            name(&entry.configured),
            entry.configured.source,
            entry
                .configured
                .at
                .as_deref()
                .unwrap_or("no provider block")
        );
        for note in &entry.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        if !report.valid {
            for line in report_text(entry, report, style).lines() {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    let _ = writeln!(out, "  {line}");
                }
            }
        }
    }
    out
}

/// The JSON object: `{"valid", "runs_elsewhere", "files", "providers": [{"provider", "alias", ..., "report"}]}`.
pub fn json(preflight: &Preflight) -> Value {
    let providers: Vec<Value> = preflight
        .entries
        .iter()
        .map(|entry| {
            let (checked, why, report) = match &entry.verdict {
                Verdict::NotChecked(why) => (false, Some(why.clone()), Value::Null),
                Verdict::Unfinished => (false, Some(UNFINISHED.to_string()), Value::Null),
                Verdict::Checked(report) => (
                    true,
                    None,
                    match words_of(entry) {
                        Some(words) => render::json_in(report, &words),
                        None => render::json(report),
                    },
                ),
            };
            json!({
                "provider": entry.configured.source,
                "local_name": entry.configured.local,
                "alias": entry.configured.alias,
                "at": entry.configured.at,
                "checked": checked,
                "not_checked_because": why,
                "notes": entry.notes,
                "report": report,
            })
        })
        .collect();
    json!({
        "valid": valid(preflight),
        "runs_elsewhere": elsewhere_line(preflight),
        "files": preflight.files,
        "providers": providers,
    })
}

/// GitHub Actions workflow commands: an `::error` per failing provider, a `::warning` for a remote plan.
pub fn annotations(preflight: &Preflight) -> String {
    let mut out = String::new();
    if let Some(line) = elsewhere_line(preflight) {
        let _ = writeln!(
            out,
            "::warning title={}::{}",
            github::escape_property("authcheck preflight: the plan runs remotely"),
            github::escape_data(&line)
        );
    }
    for entry in &preflight.entries {
        let Verdict::Checked(report) = &entry.verdict else {
            continue;
        };
        if report.valid {
            continue;
        }
        let fix = match (words_of(entry), report.diagnosis.fix()) {
            (Some(words), Some(fix)) => format!("\nWhat to do: {}", fix.render(&words)),
            _ => String::new(),
        };
        let title = format!(
            "authcheck preflight: {} {}",
            name(&entry.configured),
            report.reason.code()
        );
        let _ = writeln!(
            out,
            "::error title={}::{}",
            github::escape_property(&title),
            github::escape_data(&format!("{}{fix}", summary(entry, report)))
        );
    }
    out
}

/// The job summary: a table with a row per provider configuration.
pub fn step_summary(preflight: &Preflight) -> String {
    let cell = github::cell;
    let icon = if valid(preflight) { "✅" } else { "❌" };
    let mut out = format!("### {icon} authcheck preflight\n\n");
    if let Some(line) = elsewhere_line(preflight) {
        let _ = writeln!(out, "⚠️ {}\n", cell(&line));
    }
    out.push_str("| provider | verdict | principal | reason |\n|---|---|---|---|\n");
    for entry in &preflight.entries {
        let (verdict, principal, reason) = match &entry.verdict {
            Verdict::NotChecked(why) => ("not checked".to_string(), String::new(), why.clone()),
            Verdict::Unfinished => ("unknown".to_string(), String::new(), UNFINISHED.to_string()),
            Verdict::Checked(report) => (
                render::verdict(report).to_ascii_lowercase(),
                report
                    .findings
                    .principal
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                format!("`{}` {}", report.reason.code(), summary(entry, report)),
            ),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&name(&entry.configured)),
            verdict,
            cell(&principal),
            cell(&reason)
        );
    }
    out.push('\n');
    out
}

/// JUnit XML: one test case per provider configuration (failures carry the report; not checked are skipped).
pub fn junit(preflight: &Preflight, timestamp: &str) -> String {
    let count = |s: Standing| {
        preflight
            .entries
            .iter()
            .filter(|e| standing(e) == s)
            .count()
    };
    let failures = count(Standing::Failed) + count(Standing::Usage) + count(Standing::Unknown);
    let skipped = count(Standing::Skipped);
    let tests = preflight.entries.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"authcheck preflight\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"authcheck preflight\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" timestamp=\"{}\">",
        junit::escape(timestamp)
    );
    if let Some(line) = elsewhere_line(preflight) {
        let _ = writeln!(out, "    <system-out>{}</system-out>", junit::escape(&line));
    }
    for entry in &preflight.entries {
        let _ = write!(
            out,
            "    <testcase classname=\"authcheck.preflight.{}\" name=\"{}\" time=\"0\"",
            junit::escape(&entry.configured.local),
            junit::escape(&name(&entry.configured))
        );
        match &entry.verdict {
            Verdict::NotChecked(why) => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    junit::escape(why)
                );
            }
            Verdict::Unfinished => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{UNFINISHED}\" type=\"unfinished\"/>\n    </testcase>"
                );
            }
            Verdict::Checked(report) if report.valid => {
                let _ = writeln!(out, "/>");
            }
            Verdict::Checked(report) => {
                let reason = report.reason.code();
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{reason}\">{}</failure>\n    </testcase>",
                    junit::escape(&format!("{reason}: {}", summary(entry, report))),
                    junit::escape(&report_text(entry, report, Style { color: false }))
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
