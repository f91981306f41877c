//! One check inside its time budget, cancellable: the steps run until they say how the check ends, or the budget
//! or a cancellation ends it first; either way a whole report comes back.

use std::time::Duration;

use crate::check::inputs::request::CheckRequest;
use crate::check::report::{Diagnosis, Findings, Line, Outcome, Reason, Report, Status, Step};
use crate::check::run::steps::{Keep, check};
use crate::log::{Level, emit};
use crate::surface::Input;
use crate::words;

/// Cancels a running check when it turns true (Terraform's StopProvider, Ctrl-C in the CLI).
pub type Cancel = tokio::sync::watch::Receiver<bool>;

/// Runs a check. Never panics on outside input and never outlives `request.timeout` by more than a moment.
pub async fn run_once(request: CheckRequest, mut cancel: Cancel, keep: Keep) -> Report {
    let budget = request.timeout;
    let work = check(&request, keep);
    let report = tokio::select! {
        report = tokio::time::timeout(budget + Duration::from_millis(250), work) => match report {
            Ok(report) => report,
            Err(_) => timed_out(&request),
        },
        () = cancelled(&mut cancel) => {
            let mut found = Findings::default();
            found.push(Step::TokenRequest, Status::Skip, "cancelled");
            found.conclude(Outcome::new(
                Reason::EndpointUnreachable,
                words!["The check was cancelled before it finished"],
                Diagnosis::note(words![
                    "The run was interrupted (asked to stop, or the process was interrupted) while the check was \
                     in progress, so nothing can be said about the credentials."
                ]),
            ))
        }
    };
    emit(
        if report.valid {
            Level::Info
        } else {
            Level::Warn
        },
        "check finished",
        &[
            ("reason", report.reason.code()),
            (
                "token_url",
                report.findings.token_url.as_deref().unwrap_or(""),
            ),
            ("client_id", &request.client_id),
        ],
    );
    report
}

async fn cancelled(cancel: &mut Cancel) {
    if cancel.wait_for(|stop| *stop).await.is_err() {
        // The sender is gone: nobody can cancel any more.
        std::future::pending::<()>().await;
    }
}

fn timed_out(request: &CheckRequest) -> Report {
    let mut found = Findings::default();
    found.push(Step::TokenRequest, Status::Fail, "timed out");
    found.conclude(Outcome::new(
        Reason::EndpointUnreachable,
        words![
            format!("The check did not finish within {}s (", request.timeout.as_secs()),
            Input::TimeoutSeconds,
            ")"
        ],
        Diagnosis {
            lines: vec![
                Line::Note(words![
                    "The server accepted the connection but did not answer in time. This says nothing about the \
                     credentials."
                ]),
                Line::Causes(vec![
                    words!["the server or a proxy in between hangs"],
                    words!["a firewall drops the traffic"],
                    words!["the timeout is too short for this network"],
                ]),
                Line::Fix(words![
                    "check that the URL answers from this machine (curl -v); raise ",
                    Input::TimeoutSeconds,
                    " if the network is slow."
                ]),
            ],
        },
    ))
}
