//! What a check learns on its way ([`Findings`]: every step and every fact), how it ends ([`Outcome`]), and the
//! [`Report`] that joins them ([`Findings::conclude`]). Faces render the report; none of them adds to it or parses
//! another's rendering.

use crate::check::base::heard::Quoted;
use crate::check::base::secret::Secret;
use crate::check::report::diagnosis::Diagnosis;
use crate::check::report::reason::{PermissionsSource, Reason, ScopesSource, Status};
use crate::check::report::step::{CheckItem, Step};
use crate::check::report::words::{Vocabulary, Words};
use crate::surface::Input;

/// How a check ended: the part of a report that must always be decided.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The cause.
    pub reason: Reason,
    /// One line naming the cause.
    pub summary: Words,
    /// The explanation.
    pub diagnosis: Diagnosis,
    /// The input most to blame, when one is.
    pub blame: Option<Input>,
    /// The inputs were refused before anything else happened (the CLI's usage error).
    pub usage: bool,
}

impl Outcome {
    /// An outcome with nothing to blame.
    pub fn new(reason: Reason, summary: Words, diagnosis: Diagnosis) -> Outcome {
        Outcome {
            reason,
            summary,
            diagnosis,
            blame: None,
            usage: false,
        }
    }

    /// The same outcome blaming `input`.
    pub fn blaming(mut self, input: Input) -> Outcome {
        self.blame = Some(input);
        self
    }
}

/// What a check learnt on its way, before it knows how it ends; the report carries it whole.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// Every step, in order.
    pub checks: Vec<CheckItem>,
    /// The token endpoint the check used.
    pub token_url: Option<Quoted>,
    /// The client authentication method the server accepted, when a request was answered with a token.
    pub auth_method_used: Option<String>,
    /// The issued token's type.
    pub token_type: Option<Quoted>,
    /// Seconds the token is valid for.
    pub expires_in: Option<i64>,
    /// When the token expires, RFC 3339.
    pub expires_at: Option<String>,
    /// Scopes the server granted, when known.
    pub granted_scopes: Vec<Quoted>,
    /// Required scopes that were not granted.
    pub missing_scopes: Vec<String>,
    /// Where `granted_scopes` came from.
    pub scopes_source: ScopesSource,
    /// Permissions to grant (Genesys permissions, an Azure role's action).
    pub missing_permissions: Vec<String>,
    /// Where the client's permissions were learnt (`none` when none were required).
    pub permissions_source: PermissionsSource,
    /// Organisation id (Genesys Cloud).
    pub organization_id: Option<Quoted>,
    /// Organisation name (Genesys Cloud).
    pub organization_name: Option<Quoted>,
    /// The OAuth client's display name, when the server says it.
    pub client_name: Option<Quoted>,
    /// Who the credentials are, as the vendor names it (an AWS caller ARN).
    pub principal: Option<Quoted>,
    /// The account the identity belongs to (an AWS account).
    pub account_id: Option<Quoted>,
    /// Short SHA-256 prefix of the token, to tell tokens apart without showing them.
    pub token_fingerprint: Option<String>,
    /// The token itself: only the ephemeral resource hands it out.
    pub access_token: Option<Secret>,
}

impl Findings {
    /// Appends a step.
    pub fn push(&mut self, step: Step, status: Status, detail: impl Into<Words>) {
        self.checks.push(CheckItem {
            step,
            status,
            detail: detail.into(),
        });
    }

    /// The complete report: the findings and how the check ended.
    pub fn conclude(self, outcome: Outcome) -> Report {
        Report {
            valid: outcome.reason == Reason::Ok,
            reason: outcome.reason,
            summary: outcome.summary,
            diagnosis: outcome.diagnosis,
            blame: outcome.blame,
            usage: outcome.usage,
            findings: self,
        }
    }
}

/// Everything a check found out; faces render it, none of them adds to it. Only `Findings::conclude` builds
/// one, so a report always says how the check ended.
#[derive(Debug, Clone)]
pub struct Report {
    /// True only when `reason` is `ok`.
    pub valid: bool,
    /// The cause.
    pub reason: Reason,
    /// One line naming the cause.
    pub summary: Words,
    /// What was sent where, what came back, what it means and what to do.
    pub diagnosis: Diagnosis,
    /// The input most to blame, when one is.
    pub blame: Option<Input>,
    /// The inputs were refused before anything was read or sent (the CLI exits with its usage code).
    pub usage: bool,
    /// Everything learnt on the way: the steps and the facts (token, scopes, permissions, organisation).
    pub findings: Findings,
}

impl Report {
    /// A report of a check refused on its inputs, before anything was read or sent.
    pub fn refused(summary: Words, detail: Words, blame: Input) -> Report {
        let mut findings = Findings::default();
        findings.push(Step::Inputs, Status::Fail, summary.clone());
        findings.conclude(Outcome {
            reason: Reason::InvalidInput,
            summary,
            diagnosis: Diagnosis::note(detail),
            blame: Some(blame),
            usage: true,
        })
    }

    /// The same report, marked as a usage error (or not).
    pub fn with_usage(mut self, usage: bool) -> Report {
        self.usage = usage;
        self
    }

    /// The summary in a face's vocabulary.
    pub fn summary_in(&self, vocabulary: &dyn Vocabulary) -> String {
        self.summary.render(vocabulary)
    }

    /// The detail in a face's vocabulary.
    pub fn detail_in(&self, vocabulary: &dyn Vocabulary) -> String {
        self.diagnosis.render(vocabulary)
    }
}
