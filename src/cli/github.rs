//! GitHub Actions: workflow commands (an `::error` or `::warning` annotation per failed or warning check) and
//! the Markdown job summary appended to `GITHUB_STEP_SUMMARY`.
//!
//! Workflow commands are read line by line from stdout, so a server's words must never start a line or carry
//! a line end: data is escaped as the runner expects (`%`, CR, LF; in properties also `:` and `,`) and `::` is
//! broken up as well, on top of the scrubbing every server word already had.

use std::fmt::Write;

use super::render::verdict;
use super::words::CliWords;
use crate::check::{Report, Status};
use crate::surface::{self, Place};

/// Escapes a workflow command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace("::", ": :")
}

/// Escapes a workflow command's property value (such as `title`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One annotation line per failed check (`::error`) and warning (`::warning`); when the report failed without a
/// failed step, one `::error` for the report itself.
pub fn annotations(report: &Report) -> String {
    let mut out = String::new();
    let reason = report.reason.code();
    let summary = report.summary_in(&CliWords);
    let got = report
        .diagnosis
        .got()
        .map(|got| format!("\nGot: {}", got.render(&CliWords)))
        .unwrap_or_default();
    let fix = report
        .diagnosis
        .fix()
        .map(|fix| format!("{got}\nWhat to do: {}", fix.render(&CliWords)))
        .unwrap_or(got);
    let mut failed_step = false;
    for item in &report.findings.checks {
        let detail = item.detail.render(&CliWords);
        match item.status {
            Status::Fail => {
                failed_step = true;
                let title = format!("authcheck: {reason} ({})", item.name());
                let _ = writeln!(
                    out,
                    "::error title={}::{}",
                    escape_property(&title),
                    escape_data(&format!("{summary}\n{}: {detail}{fix}", item.name()))
                );
            }
            Status::Warn => {
                let title = format!("authcheck: warning ({})", item.name());
                let _ = writeln!(
                    out,
                    "::warning title={}::{}",
                    escape_property(&title),
                    escape_data(&detail)
                );
            }
            Status::Pass | Status::Skip => {}
        }
    }
    if !report.valid && !failed_step {
        let _ = writeln!(
            out,
            "::error title={}::{}",
            escape_property(&format!("authcheck: {reason}")),
            escape_data(&format!("{summary}{fix}"))
        );
    }
    out
}

/// Annotations, then the human text that follows them: no line of that text may read as a workflow command.
pub fn with_human_text(annotations: String, human: &str) -> String {
    let mut out = annotations;
    for line in human.lines() {
        match line.strip_prefix("::") {
            Some(rest) => out.push_str(&format!(" ::{rest}\n")),
            None => out.push_str(&format!("{line}\n")),
        }
    }
    out
}

/// Text for a Markdown table cell or a line: one line, pipes and markup made literal.
pub fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\r', '\n'], " ")
}

/// The job summary: verdict, reason, the fix, the checks and the facts, in Markdown.
pub fn step_summary(report: &Report) -> String {
    let mut out = String::new();
    let icon = match verdict(report) {
        "VALID" => "✅",
        "UNKNOWN" => "⚠️",
        _ => "❌",
    };
    let _ = writeln!(
        out,
        "### {icon} authcheck: {} (`{}`)\n\n{}\n",
        verdict(report),
        report.reason.code(),
        cell(&report.summary_in(&CliWords))
    );
    if !report.valid
        && let Some(fix) = report.diagnosis.fix()
    {
        let _ = writeln!(out, "**What to do:** {}\n", cell(&fix.render(&CliWords)));
    }
    if !report.findings.checks.is_empty() {
        let _ = writeln!(out, "| status | step | detail |\n|---|---|---|");
        for item in &report.findings.checks {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                item.status.code(),
                item.name(),
                cell(&item.detail.render(&CliWords))
            );
        }
        out.push('\n');
    }
    let facts: Vec<(&str, String)> = surface::outputs_in(Place::Cli)
        .filter_map(|row| Some((row.fact?, super::render::fact(report, row.output)?)))
        .collect();
    if !facts.is_empty() {
        let _ = writeln!(out, "| fact | value |\n|---|---|");
        for (name, value) in facts {
            let _ = writeln!(out, "| {name} | {} |", cell(&value));
        }
        out.push('\n');
    }
    out
}

/// Appends the job summary to the file `GITHUB_STEP_SUMMARY` names, when it names one.
pub fn append_step_summary(report: &Report) -> Result<(), String> {
    append_to_step_summary(&step_summary(report))
}

/// Appends Markdown to the file `GITHUB_STEP_SUMMARY` names, when it names one.
pub fn append_to_step_summary(markdown: &str) -> Result<(), String> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(markdown.as_bytes()))
        .map_err(|err| {
            format!(
                "cannot append the job summary to GITHUB_STEP_SUMMARY ({}): {err}",
                std::path::Path::new(&path).display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_so_no_line_can_start_a_command() {
        assert_eq!(
            escape_data("a%b\r\nc::error::x"),
            "a%25b%0D%0Ac: :error: :x"
        );
        assert_eq!(escape_property("t: a, b"), "t%3A a%2C b");
        let hostile = "bad%0A::error::injected\n::warning::also";
        let escaped = escape_data(hostile);
        assert!(
            !escaped.contains('\n') && !escaped.contains("::"),
            "{escaped}"
        );
        assert!(escaped.contains("%250A"), "{escaped}");
    }

    #[test]
    fn markdown_cells_stay_one_cell() {
        assert_eq!(cell("a|b\nc<script>"), "a\\|b c&lt;script&gt;");
    }
}
