//! Required scopes verified with the strongest evidence there is: the answer's `scope`, the token's claims,
//! RFC 7662 introspection (an endpoint from discovery, also the discovery the token URL implies), what the
//! vendor's API says (Genesys' `authorizedScope`), and last of all asking the server: one more token request
//! for the required scopes, and when that is refused, one per scope to name the ones the client may not have.

use tokio::time::Instant;

use crate::check::base::heard::{Heard, Scrubber};
use crate::check::base::http::{self, TransportError};
use crate::check::base::secret::Secret;
use crate::check::endpoint::discovery;
use crate::check::endpoint::host_label;
use crate::check::endpoint::transport;
use crate::check::exchange::interpret::{self, Context, Verdict};
use crate::check::exchange::present::{Prepared, assertion_for};
use crate::check::report::words::Words;
use crate::check::report::{Reason, ScopesSource};
use crate::check::verify::claims;
use crate::check::verify::introspect::introspect;
use crate::check::verify::probe::Probe;
use crate::surface::Input;
use crate::words;

/// A scope no server grants, asked for to learn whether the server reads `scope` at all.
const CANARY: &str = "authcheck-canary-scope-never-granted";

/// How the required scopes came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeVerdict {
    /// No scope is required.
    NotRequired,
    /// Every required scope is granted.
    Granted,
    /// Granted, but only when asked for: the token the pipeline gets without asking lacks these.
    GrantedWhenRequested(Vec<String>),
    /// These required scopes are not granted.
    Missing(Vec<String>),
    /// Nothing could tell; says why and what would make it verifiable.
    Unverifiable(Words),
}

/// What the scope step learnt.
#[derive(Debug, Clone)]
pub struct ScopeFinding {
    /// The scopes the best evidence shows, when any does (the server's words).
    pub granted: Option<Vec<Heard>>,
    /// Where they were learnt.
    pub source: ScopesSource,
    /// The verdict on the required scopes.
    pub verdict: ScopeVerdict,
    /// Extra token requests made to ask the server.
    pub asked: u32,
    /// What a step along the way could not do (an introspection that failed), for a warning.
    pub notes: Vec<String>,
}

/// One answer to a token request for some scopes.
enum Asked {
    /// A token; its `scope` field, if any.
    Token(Secret, Option<Heard>),
    /// `invalid_scope` or its vendor equivalent.
    Refused,
    /// Something else; in words.
    Other(Words),
}

impl Probe<'_> {
    async fn ask(&self, wanted: &[String], scrub: &mut Scrubber) -> Asked {
        let mut request = self.request.clone();
        request.scopes = wanted.to_vec();
        let assertion = match assertion_for(
            &request,
            self.how,
            self.token_url.as_str(),
            self.federated.as_ref(),
            self.conventions,
        ) {
            Ok(assertion) => assertion,
            Err(why) => return Asked::Other(words![why.describe()]),
        };
        let mut local = scrub.clone();
        if let Some((assertion, _)) = &assertion {
            local.add_token(assertion.expose());
        }
        let prepared = Prepared::token(&request, self.how, assertion.as_ref().map(|(a, _)| a));
        let sent = tokio::time::timeout_at(
            self.deadline,
            http::post_form(
                self.client,
                self.token_url.as_str(),
                prepared.headers,
                prepared.body,
            ),
        )
        .await
        .unwrap_or(Err(TransportError::Timeout));
        let answer = match sent {
            Ok(answer) => answer,
            Err(err) => {
                return Asked::Other(words![format!(
                    "no answer ({})",
                    transport::describe(&err, scrub)
                )]);
            }
        };
        let host = host_label(self.token_url);
        let origin = self.request.secret_origin.describe();
        let ctx = Context {
            host: &host,
            client_id: &self.request.client_id,
            method: self.how.method(),
            secret_origin: &origin,
            secret_input: self.request.secret_origin.blame(),
            scopes: wanted,
            scrub: &local,
            assertion: assertion.as_ref().map(|(_, facts)| facts),
            key: self.request.key.as_ref(),
            codes: self.conventions.codes,
            wording: self.conventions.wording,
            listed_methods: &[],
        };
        match interpret::interpret(&answer, &ctx) {
            Verdict::Token(issued) => {
                scrub.add_token(issued.access_token.expose());
                Asked::Token(issued.access_token, issued.scope)
            }
            Verdict::Failed(failure) if failure.reason == Reason::InvalidScope => Asked::Refused,
            Verdict::Failed(failure) => Asked::Other(failure.summary),
        }
    }

    /// What a token's `scope` field, claims or introspection say it carries.
    async fn evidence(
        &self,
        token: &Secret,
        scope: Option<&Heard>,
        introspection: Option<&str>,
        scrub: &Scrubber,
        notes: &mut Vec<String>,
    ) -> Option<(Vec<Heard>, ScopesSource)> {
        if let Some(scope) = scope {
            return Some((scope.words(), ScopesSource::Response));
        }
        if let Some(found) = claims::from_jwt(token.expose()) {
            return Some((found, ScopesSource::Jwt));
        }
        let endpoint = introspection?;
        match introspect(self, endpoint, token, scrub).await {
            Ok(found) => Some((found, ScopesSource::Introspection)),
            Err(problem) => {
                notes.push(problem);
                None
            }
        }
    }
}

/// Verifies the required scopes against the token issued (`token`, its `scope` field) and, when that cannot
/// tell or shows one missing that was not asked for, by asking the server.
pub async fn verify(
    probe: &Probe<'_>,
    token: &Secret,
    scope: Option<&Heard>,
    vendor_scopes: Option<Vec<Heard>>,
    scrub: &mut Scrubber,
) -> ScopeFinding {
    let required = &probe.request.required_scopes;
    let introspection =
        introspection_endpoint(probe, token, scope, vendor_scopes.is_some(), scrub).await;
    let mut notes = Vec::new();
    let mut evidence = probe
        .evidence(token, scope, introspection.as_deref(), scrub, &mut notes)
        .await;
    if evidence.is_none()
        && let Some(found) = vendor_scopes
    {
        evidence = Some((found, ScopesSource::Genesys));
    }
    let mut finding = ScopeFinding {
        granted: evidence.as_ref().map(|(g, _)| g.clone()),
        source: evidence
            .as_ref()
            .map_or(ScopesSource::Unknown, |(_, source)| *source),
        verdict: ScopeVerdict::NotRequired,
        asked: 0,
        notes,
    };
    if required.is_empty() {
        return finding;
    }
    let missing_first = evidence
        .as_ref()
        .map(|(granted, _)| claims::missing(required, granted));
    if let Some(verdict) = settled(probe, missing_first.as_deref()) {
        finding.verdict = verdict;
        return finding;
    }
    // The first token did not show these: granted only on request, as far as anyone can tell.
    let not_shown = missing_first
        .unwrap_or_else(|| required.clone())
        .into_iter()
        .filter(|s| !probe.request.scopes.contains(s))
        .collect();
    let judge = Judge {
        required,
        not_shown,
    };
    ask_again(probe, &mut finding, introspection.as_deref(), &judge, scrub).await;
    finding
}

/// The introspection endpoint to ask: the one given, or, when nothing else could tell which scopes a token
/// carries, the one the discovery document the token URL implies names.
async fn introspection_endpoint(
    probe: &Probe<'_>,
    token: &Secret,
    scope: Option<&Heard>,
    vendor_scopes: bool,
    scrub: &Scrubber,
) -> Option<String> {
    let needs_discovery = !probe.request.required_scopes.is_empty()
        && probe.introspection.is_none()
        && scope.is_none()
        && claims::from_jwt(token.expose()).is_none()
        && !vendor_scopes
        && !probe.conventions.roles_not_scopes;
    if !needs_discovery {
        return probe.introspection.clone();
    }
    discovery::implied(probe.token_url, probe.client, probe.deadline)
        .await
        .and_then(|metadata| metadata.introspection_endpoint)
        .map(|endpoint| discovery::named_url(&endpoint, scrub))
}

/// The verdict when the first token's evidence settles it, with no need to ask the server again.
fn settled(probe: &Probe<'_>, missing_first: Option<&[String]>) -> Option<ScopeVerdict> {
    let missing = missing_first?;
    if missing.is_empty() {
        return Some(ScopeVerdict::Granted);
    }
    // Genesys client-credentials clients get their rights from roles: asking for scopes proves nothing.
    // Asked for already and not granted: asking again cannot change it.
    if probe.conventions.roles_not_scopes
        || missing.iter().all(|s| probe.request.scopes.contains(s))
    {
        return Some(ScopeVerdict::Missing(missing.to_vec()));
    }
    None
}

/// Judges the scopes a token shows against the required ones.
struct Judge<'a> {
    required: &'a [String],
    /// Required scopes the first token did not show and the pipeline does not ask for.
    not_shown: Vec<String>,
}

impl Judge<'_> {
    fn verdict(&self, granted: &[Heard]) -> ScopeVerdict {
        let missing = claims::missing(self.required, granted);
        if !missing.is_empty() {
            ScopeVerdict::Missing(missing)
        } else if self.not_shown.is_empty() {
            ScopeVerdict::Granted
        } else {
            ScopeVerdict::GrantedWhenRequested(self.not_shown.clone())
        }
    }
}

/// Asks the server for exactly the required scopes and reads what comes back.
async fn ask_again(
    probe: &Probe<'_>,
    finding: &mut ScopeFinding,
    introspection: Option<&str>,
    judge: &Judge<'_>,
    scrub: &mut Scrubber,
) {
    finding.asked += 1;
    match probe.ask(judge.required, scrub).await {
        Asked::Token(token, scope) => {
            let mut notes = Vec::new();
            let evidence = probe
                .evidence(&token, scope.as_ref(), introspection, scrub, &mut notes)
                .await;
            finding.notes.extend(notes);
            if let Some((granted, source)) = evidence {
                finding.verdict = judge.verdict(&granted);
                finding.granted = Some(granted);
                finding.source = source;
            } else {
                granted_unseen(probe, finding, introspection.is_some(), judge, scrub).await;
            }
        }
        Asked::Refused => which_refused(probe, finding, judge.required, scrub).await,
        Asked::Other(why) => {
            finding.verdict = ScopeVerdict::Unverifiable(words![
                "asking the server for the required scopes was answered with: ",
                why
            ]);
        }
    }
}

/// A token for the required scopes came back and nothing says what it carries: no scope field, no claims, no
/// introspection. That means "granted as requested" (RFC 6749 section 3.3), but only from a server that reads
/// `scope` at all, which asking for a scope it cannot know tells.
async fn granted_unseen(
    probe: &Probe<'_>,
    finding: &mut ScopeFinding,
    introspected: bool,
    judge: &Judge<'_>,
    scrub: &mut Scrubber,
) {
    finding.asked += 1;
    match probe.ask(&[CANARY.to_string()], scrub).await {
        Asked::Token(..) => {
            finding.verdict = ScopeVerdict::Unverifiable(words![
                "the server issues tokens whatever scope is asked for (even a made-up one) and nothing \
                 says which scopes a token carries (no scope field, no JWT claims, ",
                if introspected {
                    "no scope in introspection"
                } else {
                    "no introspection endpoint found"
                },
                ")"
            ]);
        }
        Asked::Refused => {
            // Granted as requested: the words are the user's own, held like the server's.
            let requested: Vec<Heard> = judge.required.iter().map(Heard::new).collect();
            finding.verdict = judge.verdict(&requested);
            finding.granted = Some(requested);
            finding.source = ScopesSource::Requested;
        }
        Asked::Other(why) => {
            finding.verdict = ScopeVerdict::Unverifiable(words![
                "a token for the required scopes came back without a scope field, and asking for a \
                 made-up scope to see whether the server reads scope at all was answered with: ",
                why
            ]);
        }
    }
}

/// The required scopes were refused together: with more than one, one request per scope (while the budget
/// lasts) names the ones the client may not have.
async fn which_refused(
    probe: &Probe<'_>,
    finding: &mut ScopeFinding,
    required: &[String],
    scrub: &mut Scrubber,
) {
    let mut refused = Vec::new();
    if required.len() > 1 {
        for scope in required {
            if Instant::now() >= probe.deadline {
                break;
            }
            finding.asked += 1;
            if matches!(
                probe.ask(std::slice::from_ref(scope), scrub).await,
                Asked::Refused
            ) {
                refused.push(scope.clone());
            }
        }
    }
    finding.verdict = ScopeVerdict::Missing(if refused.is_empty() {
        required.to_vec()
    } else {
        refused
    });
}

/// What would make the scopes verifiable, for the warning.
pub fn how_to_verify() -> Words {
    words![
        "a server that returns scope in its token answers, JWT access tokens, or an introspection endpoint in \
         discovery (give ",
        Input::Issuer,
        " instead of ",
        Input::TokenUrl,
        " when the server publishes one elsewhere)"
    ]
}
