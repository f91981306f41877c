//! Rendering a report for people (text) and for programs (JSON), with the same names as the data source.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::check::{Report, Status};

/// The report as JSON, with the data source's output names.
pub fn json(report: &Report) -> Value {
    json!({
        "valid": report.valid,
        "reason": report.reason.code(),
        "summary": report.summary,
        "detail": report.detail,
        "token_url": report.token_url,
        "auth_method_used": report.auth_method_used,
        "token_type": report.token_type,
        "expires_in": report.expires_in,
        "expires_at": report.expires_at,
        "granted_scopes": report.granted_scopes,
        "missing_scopes": report.missing_scopes,
        "scopes_source": report.scopes_source.code(),
        "organization_id": report.organization_id,
        "organization_name": report.organization_name,
        "client_name": report.client_name,
        "token_fingerprint": report.token_fingerprint,
        "checks": report.checks.iter().map(|c| json!({
            "name": c.name,
            "status": c.status.code(),
            "detail": c.detail,
        })).collect::<Vec<_>>(),
    })
}

/// Terminal styling, off unless writing to a terminal without `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to emit ANSI colours.
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }
}

fn mark(status: Status, style: Style) -> String {
    match status {
        Status::Pass => style.paint("32", "pass"),
        Status::Warn => style.paint("33", "warn"),
        Status::Fail => style.paint("31;1", "FAIL"),
        Status::Skip => style.paint("2", "skip"),
    }
}

/// The human report: verdict first, then the explanation, the steps, and the facts.
pub fn text(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let verdict = if report.valid {
        style.paint("32;1", "VALID")
    } else if report.reason.is_inconclusive() {
        style.paint("33;1", "UNKNOWN")
    } else {
        style.paint("31;1", "INVALID")
    };
    let _ = writeln!(
        out,
        "{verdict} ({}): {}",
        report.reason.code(),
        report.summary
    );
    if !report.detail.is_empty() {
        out.push('\n');
        for line in report.detail.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    if !report.checks.is_empty() {
        let _ = writeln!(out, "\nChecks:");
        let width = report
            .checks
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        for item in &report.checks {
            let _ = writeln!(
                out,
                "  [{}] {:width$}  {}",
                mark(item.status, style),
                item.name,
                item.detail
            );
        }
    }
    let facts: Vec<(&str, String)> = [
        ("token_url", report.token_url.clone()),
        ("auth_method_used", report.auth_method_used.clone()),
        ("token_type", report.token_type.clone()),
        ("expires_in", report.expires_in.map(|s| format!("{s}s"))),
        ("expires_at", report.expires_at.clone()),
        (
            "granted_scopes",
            (!report.granted_scopes.is_empty() || report.token_type.is_some()).then(|| {
                format!(
                    "{} (from {})",
                    report.granted_scopes.join(" "),
                    report.scopes_source.code()
                )
            }),
        ),
        (
            "missing_scopes",
            (!report.missing_scopes.is_empty()).then(|| report.missing_scopes.join(" ")),
        ),
        ("organization", report.organization_name.clone()),
        ("client_name", report.client_name.clone()),
        ("token_fingerprint", report.token_fingerprint.clone()),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| (name, v)))
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
