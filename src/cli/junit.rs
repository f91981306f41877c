//! A JUnit XML report (one test suite for the check, one test case per step), the shape GitLab, Jenkins and
//! Azure Pipelines read into their test views.

use std::fmt::Write;

use super::words::CliWords;
use crate::check::{Report, Status};

/// Text for XML: the five markup characters escaped, characters XML 1.0 cannot hold removed.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The report as JUnit XML. Failed steps are failures (message: reason and summary; body: the detail);
/// skipped steps are skipped; warnings pass and carry their words in `system-out`.
pub fn junit(report: &Report, client_id: Option<&str>, timestamp: &str) -> String {
    let count = |status: Status| {
        report
            .findings
            .checks
            .iter()
            .filter(|c| c.status == status)
            .count()
    };
    let tests = report.findings.checks.len().max(1);
    let mut failures = count(Status::Fail);
    let skipped = count(Status::Skip);
    let unflagged_failure = !report.valid && failures == 0;
    if unflagged_failure {
        failures = 1;
    }
    let reason = report.reason.code();
    let summary = report.summary_in(&CliWords);
    let detail = report.detail_in(&CliWords);
    // Cloud checks (AWS, Google) have no client id: the suite is then named by the endpoint alone.
    let suite = format!(
        "authcheck{}{}",
        client_id
            .filter(|id| !id.trim().is_empty())
            .map(|id| format!(" client {id}"))
            .unwrap_or_default(),
        report
            .findings
            .token_url
            .as_deref()
            .map(|url| format!(" at {url}"))
            .unwrap_or_default()
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"authcheck\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" timestamp=\"{}\">",
        escape(suite.trim()),
        escape(timestamp)
    );
    let _ = writeln!(
        out,
        "    <properties>\n      <property name=\"valid\" value=\"{}\"/>\n      <property name=\"reason\" value=\"{reason}\"/>\n    </properties>",
        report.valid
    );
    let mut seen: Vec<&str> = Vec::new();
    for item in &report.findings.checks {
        let nth = seen.iter().filter(|n| **n == item.name()).count();
        seen.push(item.name());
        let name = if nth == 0 {
            item.name().to_string()
        } else {
            format!("{} #{}", item.name(), nth + 1)
        };
        let words = item.detail.render(&CliWords);
        let _ = write!(
            out,
            "    <testcase classname=\"authcheck.{}\" name=\"{}\" time=\"0\"",
            escape(item.name()),
            escape(&name)
        );
        match item.status {
            Status::Fail => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{reason}\">{}</failure>\n    </testcase>",
                    escape(&format!("{reason}: {summary}")),
                    escape(&format!("{words}\n\n{detail}"))
                );
            }
            Status::Skip => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    escape(&words)
                );
            }
            Status::Warn => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{}</system-out>\n    </testcase>",
                    escape(&format!("warning: {words}"))
                );
            }
            Status::Pass => {
                let _ = writeln!(out, "/>");
            }
        }
    }
    if unflagged_failure || report.findings.checks.is_empty() {
        let _ = write!(
            out,
            "    <testcase classname=\"authcheck.check\" name=\"check\" time=\"0\""
        );
        if report.valid {
            let _ = writeln!(out, "/>");
        } else {
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"{reason}\">{}</failure>\n    </testcase>",
                escape(&format!("{reason}: {summary}")),
                escape(&detail)
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_characters_xml_cannot_hold_are_escaped() {
        assert_eq!(
            escape("a<b>&\"'\u{1b}[2J\tz"),
            "a&lt;b&gt;&amp;&quot;&apos;[2J\tz"
        );
    }
}
