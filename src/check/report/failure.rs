//! A failed request, explained: what came back, what it means, the likely causes and the fix, the input to
//! blame and whether trying again may help; and the outcome it becomes.

use std::time::Duration;

use crate::check::report::diagnosis::{Diagnosis, Line};
use crate::check::report::findings::Outcome;
use crate::check::report::reason::Reason;
use crate::check::report::refusal::ErrorCode;
use crate::check::report::words::Words;
use crate::surface::Input;

/// A failed exchange, explained.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The reason code.
    pub reason: Reason,
    /// One line naming the cause.
    pub summary: Words,
    /// What came back, in one line.
    pub got: Words,
    /// What it means.
    pub meaning: Words,
    /// Likely causes, most likely first.
    pub causes: Vec<Words>,
    /// What to do.
    pub fix: Words,
    /// The input to blame.
    pub blame: Option<Input>,
    /// Whether trying again may help, and after how long the server asked to wait.
    pub retry: Retry,
    /// The RFC 6749 `error` code, when there was one.
    pub error_code: Option<ErrorCode>,
}

impl Failure {
    /// A failure of `reason` with nothing filled in yet.
    pub fn new(reason: Reason, got: impl Into<Words>) -> Failure {
        Failure {
            reason,
            summary: Words::default(),
            got: got.into(),
            meaning: Words::default(),
            causes: Vec::new(),
            fix: Words::default(),
            blame: None,
            retry: Retry::No,
            error_code: None,
        }
    }
}

/// Whether a failure is worth retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// No: the answer will not change.
    No,
    /// Yes, after backoff or the server's `Retry-After`.
    Yes(Option<Duration>),
}

impl Failure {
    /// The outcome this failure explains: what was sent, what came back (and what the other ways tried got),
    /// what it means, the causes and the fix.
    pub fn outcome(&self, sent: Words, also: Option<Words>) -> Outcome {
        let mut lines = vec![Line::Sent(sent), Line::Got(self.got.clone())];
        if let Some(also) = also {
            lines.push(Line::Also(also));
        }
        lines.push(Line::Meaning(self.meaning.clone()));
        lines.push(Line::Causes(self.causes.clone()));
        lines.push(Line::Fix(self.fix.clone()));
        Outcome {
            reason: self.reason,
            summary: self.summary.clone(),
            diagnosis: Diagnosis { lines },
            blame: self.blame,
            usage: false,
        }
    }
}
