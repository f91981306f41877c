//! Runs every provider configuration's check at once (the whole takes about as long as the slowest), each
//! seeing the environment as its own provider would, and gathers one entry per configuration.

use std::collections::BTreeMap;
use std::path::Path;

use tokio::task::JoinSet;

use crate::check::{
    self, Cancel, Diagnosis, Given, Line, Outcome, Reason, Report, Status, Step, Words,
};
use crate::cli::plan::{self, Planned};
use crate::cli::preflight::providers::{
    self, Accounts, Configured, Plan, Prepared, genesyscloud, hidden_from,
};
use crate::cli::preflight::read::{Configuration, Elsewhere};
use crate::surface::Input;
use crate::words;

/// The environment a preflight reads (a closure, so tests never touch the real one).
pub type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// What `authcheck preflight` was asked.
#[derive(Debug, Default)]
pub struct Options {
    /// `--timeout`: each check's budget, in seconds.
    pub timeout: Option<i64>,
    /// `--plan-json`: what a saved plan's Genesys changes need.
    pub planned: Option<Planned>,
    /// Ask every server again even for a check this process already made (benchmarks); otherwise identical
    /// configurations (two aliases with the same credentials) share one check.
    pub fresh: bool,
}

/// How one provider configuration ended.
#[derive(Debug)]
pub enum Verdict {
    /// Listed, not checked, for this reason.
    NotChecked(String),
    /// Checked (or refused before anything was sent): the report.
    Checked(Box<Report>),
    /// The check ended without a report (Ctrl-C, or a bug): nothing can be said, which is not a pass.
    Unfinished,
}

/// One provider configuration and its verdict.
#[derive(Debug)]
pub struct Entry {
    /// The configuration.
    pub configured: Configured,
    /// How it ended.
    pub verdict: Verdict,
    /// What was not read, or read differently.
    pub notes: Vec<String>,
    /// The argument that gave each input, for the report's words.
    pub given_by: BTreeMap<Input, String>,
}

/// The whole preflight.
#[derive(Debug)]
pub struct Preflight {
    /// The files read.
    pub files: Vec<String>,
    /// A `cloud` block or remote backend: the plan runs elsewhere.
    pub runs_elsewhere: Option<Elsewhere>,
    /// One entry per provider configuration.
    pub entries: Vec<Entry>,
}

/// A check ready to run, or its entry already decided.
enum Ready {
    Run(Box<check::CheckRequest>),
    Done(Verdict),
}

/// Checks every provider configuration of `config` (read from `dir`) at once.
pub async fn run(
    config: &Configuration,
    dir: &Path,
    env: Env<'_>,
    options: &Options,
    cancel: Cancel,
) -> Preflight {
    let mut entries = Vec::new();
    // The verdict of each entry; `None` while its check runs.
    let mut verdicts: Vec<Option<Verdict>> = Vec::new();
    let mut accounts = Vec::new();
    let mut tasks = JoinSet::new();
    for configured in providers::configurations(config) {
        let (ready, prepared) = prepare(&configured, config, dir, env, options);
        let index = verdicts.len();
        verdicts.push(match ready {
            Ready::Run(request) => {
                let cancel = cancel.clone();
                let fresh = options.fresh;
                tasks.spawn(async move {
                    let report = if fresh {
                        check::run_fresh(*request, cancel).await
                    } else {
                        check::run(*request, cancel).await
                    };
                    (index, report)
                });
                None
            }
            Ready::Done(verdict) => Some(verdict),
        });
        let (notes, given_by, guard) = prepared
            .map(|p| (p.notes, p.given_by, p.accounts))
            .unwrap_or_default();
        accounts.push(guard);
        entries.push((configured, notes, given_by));
    }
    while let Some(joined) = tasks.join_next().await {
        // A check that panicked leaves its entry without a verdict: `Unfinished` below.
        let Ok((index, report)) = joined else {
            continue;
        };
        let guard = accounts.get(index).cloned().unwrap_or_default();
        if let Some(slot) = verdicts.get_mut(index) {
            *slot = Some(Verdict::Checked(Box::new(guard_accounts(report, &guard))));
        }
    }
    let entries = entries
        .into_iter()
        .zip(verdicts)
        .map(|((configured, notes, given_by), verdict)| Entry {
            configured,
            verdict: verdict.unwrap_or(Verdict::Unfinished),
            notes,
            given_by,
        })
        .collect();
    Preflight {
        files: config.files.clone(),
        runs_elsewhere: config.runs_elsewhere.clone(),
        entries,
    }
}

/// The check of one configuration, resolved against the environment its provider sees.
fn prepare(
    configured: &Configured,
    config: &Configuration,
    dir: &Path,
    env: Env<'_>,
    options: &Options,
) -> (Ready, Option<Prepared>) {
    let Some(kind) = configured.kind else {
        let why = providers::unchecked_reason(configured).unwrap_or_default();
        return (Ready::Done(Verdict::NotChecked(why)), None);
    };
    let seen = |name: &str| {
        if hidden_from(kind, name) {
            None
        } else {
            env(name)
        }
    };
    let mut prepared = match providers::plan_for(configured, config, dir, &seen) {
        Plan::Check(prepared) => *prepared,
        Plan::NotChecked(why) => return (Ready::Done(Verdict::NotChecked(why)), None),
        Plan::Refused(report) => return (Ready::Done(Verdict::Checked(report)), None),
    };
    if let Some(timeout) = options.timeout {
        prepared
            .inputs
            .set(Input::TimeoutSeconds, Given::Int(timeout));
    }
    let overlay = &prepared.overlay;
    let env_of_check = |name: &str| {
        overlay
            .get(name)
            .map(|v| v.expose().to_string())
            .or_else(|| seen(name))
    };
    let resolved = prepared.inputs.clone().resolve(&env_of_check);
    let ready = match resolved {
        Ok(mut request) => {
            if std::ptr::eq(kind, &genesyscloud::KIND)
                && let Some(planned) = &options.planned
            {
                plan::require(&mut request, planned.clone());
            }
            Ready::Run(Box::new(request))
        }
        Err(report) => Ready::Done(Verdict::Checked(report)),
    };
    (ready, Some(prepared))
}

/// `allowed_account_ids` with more than one account, and `forbidden_account_ids`: a working identity in the
/// wrong account fails as the aws provider would stop it.
fn guard_accounts(report: Report, accounts: &Accounts) -> Report {
    if !report.valid || (accounts.allowed.is_empty() && accounts.forbidden.is_empty()) {
        return report;
    }
    let account = report.findings.account_id.as_ref().map(|a| a.to_string());
    let who = report
        .findings
        .principal
        .as_ref()
        .map_or("The AWS identity".to_string(), |p| {
            format!("The AWS identity {p}")
        });
    let (summary, fix): (Words, Words) = match account.as_deref() {
        Some(id) if accounts.forbidden.iter().any(|f| f == id) => (
            words![format!(
                "{who} is in account {id}, which forbidden_account_ids lists"
            )],
            words![
                "Use the credentials (or the role) of the account this configuration deploys to, or correct \
                 forbidden_account_ids."
            ],
        ),
        Some(id) if !accounts.allowed.is_empty() && !accounts.allowed.iter().any(|a| a == id) => (
            words![format!(
                "{who} is in account {id}, not one of allowed_account_ids ({})",
                accounts.allowed.join(", ")
            )],
            words![
                "Use the credentials (or the role) of an allowed account, or correct allowed_account_ids."
            ],
        ),
        Some(_) => return report,
        None => (
            words![format!(
                "{who}'s account was not said, so allowed_account_ids cannot be checked"
            )],
            words!["Run the check again; STS answered GetCallerIdentity without an account."],
        ),
    };
    let mut findings = report.findings;
    findings.push(Step::Identity, Status::Fail, summary.clone());
    let mut lines = report.diagnosis.lines;
    lines.push(Line::Meaning(words![
        "The credentials work, but the aws provider stops every plan in this account (\"AWS account ID not \
         allowed\")."
    ]));
    lines.push(Line::Fix(fix));
    findings.conclude(Outcome::new(
        Reason::WrongOrganization,
        summary,
        Diagnosis { lines },
    ))
}
