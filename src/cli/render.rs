//! The CLI's renderings of a report: the human text and the JSON object, both in the CLI's words and, for
//! JSON, with the data source's output names (from the surface table).

use std::fmt::Write;

use serde_json::{Map, Value, json};

use super::words::CliWords;
use crate::check::report::values::{CheckRow, OutValue};
use crate::check::{Report, Status, Vocabulary};
use crate::surface::{self, Output, Place};

/// The report as JSON, with the data source's output names.
pub fn json(report: &Report) -> Value {
    json_in(report, &CliWords)
}

/// The report as JSON, its sentences in `vocabulary`'s words.
pub fn json_in(report: &Report, vocabulary: &dyn Vocabulary) -> Value {
    let mut object = Map::new();
    for row in surface::outputs_in(Place::Cli) {
        let value = match report.output(row.output, vocabulary) {
            OutValue::Bool(b) => json!(b),
            OutValue::Text(text) => json!(text),
            OutValue::Int(n) => json!(n),
            OutValue::List(items) => json!(items),
            // No CLI output is a secret.
            OutValue::Secret(_) => Value::Null,
            OutValue::Checks(items) => {
                Value::Array(items.into_iter().map(CheckRow::json).collect())
            }
        };
        object.insert(row.name.to_string(), value);
    }
    Value::Object(object)
}

/// Terminal styling, off unless writing to a terminal without `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to emit ANSI colours.
    pub color: bool,
}

impl Style {
    pub(crate) fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }
}

/// A step's mark; a failed step of a check that could not tell (outage, rate limit) is `????`, as its headline
/// says UNKNOWN rather than INVALID.
fn mark(status: Status, inconclusive: bool, style: Style) -> String {
    match status {
        Status::Pass => style.paint("32", "pass"),
        Status::Warn => style.paint("33", "warn"),
        Status::Fail if inconclusive => style.paint("33;1", "????"),
        Status::Fail => style.paint("31;1", "FAIL"),
        Status::Skip => style.paint("2", "skip"),
    }
}

/// The value of one fact as the human report shows it, when there is one.
pub(super) fn fact(report: &Report, output: Output) -> Option<String> {
    fact_in(report, output, &CliWords)
}

fn fact_in(report: &Report, output: Output, vocabulary: &dyn Vocabulary) -> Option<String> {
    match (output, report.output(output, vocabulary)) {
        (Output::ExpiresIn, OutValue::Int(n)) => n.map(|s| format!("{s}s")),
        (Output::GrantedScopes, OutValue::List(items)) => {
            (!items.is_empty() || report.findings.token_type.is_some()).then(|| {
                format!(
                    "{} (from {})",
                    items.join(" "),
                    report.findings.scopes_source.code()
                )
            })
        }
        (_, OutValue::List(items)) => (!items.is_empty()).then(|| items.join(" ")),
        (_, OutValue::Text(text)) => text,
        (_, OutValue::Int(n)) => n.map(|n| n.to_string()),
        (_, OutValue::Bool(b)) => Some(b.to_string()),
        (_, OutValue::Checks(_) | OutValue::Secret(_)) => None,
    }
}

/// The headline word: VALID, INVALID, or UNKNOWN when the check could not tell.
pub fn verdict(report: &Report) -> &'static str {
    if report.valid {
        "VALID"
    } else if report.reason.is_inconclusive() {
        "UNKNOWN"
    } else {
        "INVALID"
    }
}

/// The human report: verdict first, then the explanation, the steps, and the facts.
pub fn text(report: &Report, style: Style) -> String {
    text_in(report, style, &CliWords)
}

/// The human report in `vocabulary`'s words.
pub fn text_in(report: &Report, style: Style, vocabulary: &dyn Vocabulary) -> String {
    let mut out = String::new();
    let word = verdict(report);
    let painted = match word {
        "VALID" => style.paint("32;1", word),
        "UNKNOWN" => style.paint("33;1", word),
        _ => style.paint("31;1", word),
    };
    let _ = writeln!(
        out,
        "{painted} ({}): {}",
        report.reason.code(),
        report.summary_in(vocabulary)
    );
    let detail = report.detail_in(vocabulary);
    if !detail.is_empty() {
        out.push('\n');
        for line in detail.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    if !report.findings.checks.is_empty() {
        let _ = writeln!(out, "\nChecks:");
        let width = report
            .findings
            .checks
            .iter()
            .map(|c| c.name().len())
            .max()
            .unwrap_or(0);
        for item in &report.findings.checks {
            let _ = writeln!(
                out,
                "  [{}] {:width$}  {}",
                mark(item.status, report.reason.is_inconclusive(), style),
                item.name(),
                item.detail.render(vocabulary)
            );
        }
    }
    let facts: Vec<(&str, String)> = surface::outputs_in(Place::Cli)
        .filter_map(|row| Some((row.fact?, fact_in(report, row.output, vocabulary)?)))
        .collect();
    if !facts.is_empty() {
        let _ = writeln!(out, "\nFacts:");
        let width = facts.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        for (name, value) in facts {
            let _ = writeln!(out, "  {name:width$}  {value}");
        }
    }
    out
}
