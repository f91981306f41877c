//! An AWS check from the STS endpoint on: the credentials as found (`chain.rs`), turned into the ones the
//! pipeline will act with (a web identity token exchanged by `AssumeRoleWithWebIdentity`, keys that assume a role
//! by `AssumeRole`), then `GetCallerIdentity` with those: who they are (`principal`) and in which account
//! (`account_id`, held to `aws_account_id`). GetCallerIdentity needs no permission, so it answers for any
//! working credentials.

use crate::check::base::heard::{Heard, Scrubber, Xml};
use crate::check::base::secret::Secret;
use crate::check::endpoint::Hosts;
use crate::check::endpoint::transport::transport_failure;
use crate::check::exchange::federated;
use crate::check::inputs::credential::jwt;
use crate::check::inputs::request::CheckRequest;
use crate::check::report::diagnosis::{Diagnosis, Line};
use crate::check::report::words::Words;
use crate::check::report::{Failure, Findings, Outcome, Reason, Status, Step};
use crate::check::vendors::aws::refusals::{Asked, explain};
use crate::check::vendors::aws::settings::{
    Keys, Role, Settings, Source, WebIdentity, key_id_shown,
};
use crate::check::vendors::aws::sts::{Action, Budget, Called, Signing, call};
use crate::check::vendors::vendor::{BoxFuture, OwnCheck};
use crate::check::verify::conclusion::fingerprint;
use crate::surface::Input;
use crate::words;

/// Credentials the check holds and will act with.
struct Held {
    access_key_id: String,
    secret: Secret,
    session_token: Option<Secret>,
    /// When session credentials expire, as STS said.
    expiration: Option<Heard>,
}

impl Held {
    fn from_keys(keys: &Keys) -> Held {
        Held {
            access_key_id: keys.access_key_id.clone(),
            secret: keys.secret.clone(),
            session_token: keys.session_token.clone(),
            expiration: None,
        }
    }

    fn signing<'a>(&'a self, region: &'a str) -> Signing<'a> {
        Signing {
            access_key_id: &self.access_key_id,
            secret: &self.secret,
            session_token: self.session_token.as_ref(),
            region,
        }
    }
}

/// What every request of the check shares.
struct Ctx<'a> {
    request: &'a CheckRequest,
    settings: &'a Settings,
    client: &'a reqwest::Client,
    url: &'a url::Url,
    budget: Budget,
    hosts: &'a dyn Hosts,
}

/// The whole check; the run stage calls it through the vendor.
pub fn run(with: OwnCheck<'_>) -> BoxFuture<'_, Outcome> {
    Box::pin(async move {
        let OwnCheck {
            request,
            client,
            url,
            deadline,
            found,
            scrub,
            hosts,
        } = with;
        let Some(settings) = request.vendor.get::<Settings>() else {
            return internal("the AWS settings are missing");
        };
        let Some(source) = &settings.source else {
            return internal("the AWS credentials were not read");
        };
        for secret in source.secrets() {
            scrub.add_secret(secret.expose());
        }
        let ctx = Ctx {
            request,
            settings,
            client,
            url,
            budget: Budget {
                deadline,
                max_retries: request.max_retries,
            },
            hosts,
        };
        let held = match obtain(&ctx, source, found, scrub).await {
            Ok(held) => held,
            Err(outcome) => return *outcome,
        };
        identity(&ctx, &held, source, found, scrub).await
    })
}

/// The inputs step: where the credentials came from, what was noticed finding them, and how they will be used.
pub fn inputs(request: &CheckRequest, found: &mut Findings) {
    let Some(settings) = request.vendor.get::<Settings>() else {
        return;
    };
    if let Some(source) = &settings.source {
        found.push(
            Step::Inputs,
            Status::Pass,
            words!["AWS credentials: ", source.describe()],
        );
        found.auth_method_used = Some(source.method().to_string());
        if let Some(words) = padded_key(source) {
            found.push(Step::Inputs, Status::Warn, words);
        }
    }
    for (status, words) in &settings.notes {
        found.push(Step::Inputs, *status, words.clone());
    }
}

/// Keys with whitespace around them (a pasted newline): STS will refuse the key or its signature.
fn padded_key(source: &Source) -> Option<Words> {
    let keys = match source {
        Source::Keys(keys) => keys,
        Source::AssumeRole { with, .. } => return padded_key(with),
        Source::WebIdentity(_) => return None,
    };
    let padded = |text: &str| text.trim() != text;
    let which = if padded(&keys.access_key_id) {
        "access key id"
    } else if padded(keys.secret.expose()) {
        "secret access key"
    } else if keys
        .session_token
        .as_ref()
        .is_some_and(|t| padded(t.expose()))
    {
        "session token"
    } else {
        return None;
    };
    Some(words![format!(
        "the {which} has spaces or a line break around it (pasted with a newline?): AWS will refuse it"
    )])
}

fn internal(what: &str) -> Outcome {
    Outcome::new(
        Reason::InvalidInput,
        words![format!("Internal error: {what}")],
        Diagnosis::note(words!["This is a bug in authcheck; please report it."]),
    )
}

/// The credentials the pipeline will act with: the keys themselves, or the session a role assumption gives.
fn obtain<'a>(
    ctx: &'a Ctx<'a>,
    source: &'a Source,
    found: &'a mut Findings,
    scrub: &'a mut Scrubber,
) -> BoxFuture<'a, Result<Held, Box<Outcome>>> {
    Box::pin(async move {
        match source {
            Source::Keys(keys) => Ok(Held::from_keys(keys)),
            Source::WebIdentity(web) => web_identity(ctx, web, found, scrub).await,
            Source::AssumeRole { role, with } => {
                let base = obtain(ctx, with, found, scrub).await?;
                let keys = match with.as_ref() {
                    Source::Keys(keys) => Some(keys),
                    _ => None,
                };
                assume_role(ctx, role, &base, keys, found, scrub).await
            }
        }
    })
}

/// Reads or requests the web identity token, then `AssumeRoleWithWebIdentity` (unsigned).
async fn web_identity(
    ctx: &Ctx<'_>,
    web: &WebIdentity,
    found: &mut Findings,
    scrub: &mut Scrubber,
) -> Result<Held, Box<Outcome>> {
    let token = match federated::obtain(&web.token, ctx.client, ctx.budget.deadline, scrub).await {
        Ok(token) => token,
        Err(mut outcome) => {
            // The token came from the input that named it, or from the environment (nothing to blame).
            outcome.blame = web.token_input;
            found.push(Step::FederatedToken, Status::Fail, outcome.summary.clone());
            return Err(Box::new(outcome));
        }
    };
    scrub.add_token(token.expose());
    let facts = jwt::facts_of(token.expose());
    found.push(
        Step::FederatedToken,
        Status::Pass,
        words![
            "web identity token from ",
            web.token.describe(),
            facts
                .as_ref()
                .map(|f| format!(": {}", f.describe(scrub)))
                .unwrap_or_default()
        ],
    );
    let session = web
        .role
        .session_name
        .as_deref()
        .unwrap_or(&ctx.settings.session_name);
    let action = Action {
        name: "AssumeRoleWithWebIdentity",
        params: vec![
            ("RoleArn", web.role.arn.as_str()),
            ("RoleSessionName", session),
        ],
        secret: Some(("WebIdentityToken", &token)),
    };
    let sent = words![
        format!(
            "POST {} Action=AssumeRoleWithWebIdentity (unsigned) RoleArn={} RoleSessionName={} with the token from ",
            ctx.url, web.role.arn, session
        ),
        web.token.describe(),
        claims(facts.as_ref(), scrub)
    ];
    let asked = |scrub| Asked {
        action: "AssumeRoleWithWebIdentity",
        keys: None,
        role: Some(&web.role),
        token: facts.as_ref(),
        token_input: web.token_input,
        region: &ctx.settings.region,
        scrub,
    };
    let (called, tries) = call(
        ctx.client,
        ctx.url.as_str(),
        &action,
        None,
        &ctx.budget,
        scrub,
    )
    .await;
    let doc = answered(ctx, called, tries, sent, &asked(scrub), found, scrub)?;
    issued(
        &doc,
        "AssumeRoleWithWebIdentityResult",
        &web.role,
        found,
        scrub,
    )
}

/// ` (iss "…", sub "…", aud "…")`: the claims a trust policy is matched against.
fn claims(facts: Option<&jwt::AssertionFacts>, scrub: &Scrubber) -> String {
    let Some(facts) = facts else {
        return String::new();
    };
    let said: Vec<String> = [
        ("iss", &facts.iss),
        ("sub", &facts.sub),
        ("aud", &facts.aud),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        value
            .as_ref()
            .map(|v| format!("{name} {:?}", scrub.quote(v, 200)))
    })
    .collect();
    format!(" ({})", said.join(", "))
}

/// `AssumeRole` signed with `base`.
async fn assume_role(
    ctx: &Ctx<'_>,
    role: &Role,
    base: &Held,
    keys: Option<&Keys>,
    found: &mut Findings,
    scrub: &mut Scrubber,
) -> Result<Held, Box<Outcome>> {
    let session = role
        .session_name
        .as_deref()
        .unwrap_or(&ctx.settings.session_name);
    let mut params = vec![("RoleArn", role.arn.as_str()), ("RoleSessionName", session)];
    // A cross-account role's trust policy may ask for the external id the profile names.
    if let Some(external_id) = &role.external_id {
        params.push(("ExternalId", external_id.as_str()));
    }
    let action = Action {
        name: "AssumeRole",
        params,
        secret: None,
    };
    let sent = words![format!(
        "POST {} Action=AssumeRole RoleArn={} RoleSessionName={session}{}, signed (SigV4) with access key {}",
        ctx.url,
        role.arn,
        if role.external_id.is_some() {
            " ExternalId=(the profile's)"
        } else {
            ""
        },
        key_id_shown(&base.access_key_id)
    )];
    let signing = base.signing(&ctx.settings.region);
    let (called, tries) = call(
        ctx.client,
        ctx.url.as_str(),
        &action,
        Some(&signing),
        &ctx.budget,
        scrub,
    )
    .await;
    let asked = Asked {
        action: "AssumeRole",
        keys,
        role: Some(role),
        token: None,
        token_input: None,
        region: &ctx.settings.region,
        scrub,
    };
    let doc = answered(ctx, called, tries, sent, &asked, found, scrub)?;
    issued(&doc, "AssumeRoleResult", role, found, scrub)
}

/// The answer's document, or the outcome that explains why there is none; the step either way.
fn answered(
    ctx: &Ctx<'_>,
    called: Called,
    tries: u32,
    sent: Words,
    asked: &Asked<'_>,
    found: &mut Findings,
    scrub: &Scrubber,
) -> Result<Xml, Box<Outcome>> {
    let step = if asked.action == "GetCallerIdentity" {
        Step::Identity
    } else {
        Step::TokenRequest
    };
    let failure = match called {
        Called::Done(doc) => return Ok(doc),
        Called::Refused(error) => explain(&error, asked),
        Called::Unreachable(err) => {
            transport_failure(&err, ctx.url, ctx.request.timeout, ctx.hosts, scrub)
        }
        Called::Unreadable(status, body) if status >= 500 || status == 429 => {
            gateway_failed(status, &body, ctx)
        }
        Called::Unreadable(status, body) => not_sts(status, &body, ctx),
        Called::Unsigned(why) => {
            let mut failure = Failure::new(Reason::InvalidSecret, words![why.clone()]);
            failure.summary = words![format!("The request could not be signed: {why}")];
            failure.meaning = words!["Nothing was sent."];
            failure.fix =
                words!["Check the access key id and secret for characters a header cannot hold."];
            failure
        }
    };
    let retried = if tries > 1 {
        format!(" (after {tries} tries)")
    } else {
        String::new()
    };
    found.push(step, Status::Fail, words![failure.summary.clone(), retried]);
    Err(Box::new(failure.outcome(sent, None)))
}

/// A failure or a rate limit answered by something in front of STS (a load balancer's page): could not tell.
fn gateway_failed(status: u16, body: &str, ctx: &Ctx<'_>) -> Failure {
    let reason = if status == 429 {
        Reason::RateLimited
    } else {
        Reason::ServerError
    };
    let mut failure = Failure::new(reason, words![format!("HTTP {status}, {body}")]);
    failure.summary = words![format!(
        "{} answered HTTP {status} with {body}; nothing is known yet about the credentials",
        ctx.url
    )];
    failure.meaning = words![
        "STS (or a gateway or proxy in front of it) failed or is limiting requests; it was retried within the \
         time budget."
    ];
    failure.causes = vec![
        words!["an outage or throttling at AWS or at a VPC endpoint"],
        words!["a proxy between this machine and STS failing"],
    ];
    failure.fix = words!["Retry later; if it persists only from CI, check the proxy."];
    failure
}

/// An answer that is not STS's: the endpoint is something else.
fn not_sts(status: u16, body: &str, ctx: &Ctx<'_>) -> Failure {
    let blame = if ctx.settings.sts_url_given {
        Input::AwsStsUrl
    } else {
        Input::AwsRegion
    };
    let mut failure = Failure::new(
        Reason::NotATokenEndpoint,
        words![format!("HTTP {status}, {body}")],
    );
    failure.blame = Some(blame);
    failure.summary = words![format!(
        "{} answered HTTP {status} with {body}: this is not AWS STS",
        ctx.url
    )];
    failure.meaning =
        words!["STS answers every action with an XML document (a result or an ErrorResponse)."];
    failure.causes = vec![
        words![
            blame,
            " points at another service, a proxy's page or a wrong path"
        ],
        words!["a corporate proxy intercepted the request"],
    ];
    failure.fix = words![
        "Use the region's STS endpoint (https://sts.<region>.amazonaws.com), or the VPC endpoint's URL."
    ];
    failure
}

/// Session credentials from an assume result; the token-request step and the session's lifetime.
fn issued(
    doc: &Xml,
    result: &str,
    role: &Role,
    found: &mut Findings,
    scrub: &mut Scrubber,
) -> Result<Held, Box<Outcome>> {
    let at = |name: &str| {
        doc.find(result)
            .and_then(|r| r.text_at(&["Credentials", name]))
    };
    let (Some(id), Some(secret), Some(session)) =
        (at("AccessKeyId"), at("SecretAccessKey"), at("SessionToken"))
    else {
        let summary = words![format!("AWS STS answered {result} without credentials")];
        found.push(Step::TokenRequest, Status::Fail, summary.clone());
        return Err(Box::new(Outcome::new(
            Reason::MalformedResponse,
            summary,
            Diagnosis::note(words![
                "The answer lacks Credentials/AccessKeyId, SecretAccessKey or SessionToken."
            ]),
        )));
    };
    let secret = secret.into_secret();
    let session = session.into_secret();
    scrub.add_secret(secret.expose());
    scrub.add_secret(session.expose());
    scrub.add_token(session.expose());
    // The key id signs the next request: taken as it was said, and held to what an access key id is.
    let access_key_id = id.into_secret().expose().to_string();
    if access_key_id.is_empty()
        || access_key_id.len() > 128
        || !access_key_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        let summary = words![format!(
            "AWS STS answered {result} with an access key id that is not one"
        )];
        found.push(Step::TokenRequest, Status::Fail, summary.clone());
        return Err(Box::new(Outcome::new(
            Reason::MalformedResponse,
            summary,
            Diagnosis::note(words![
                "An access key id is letters and digits (ASIA… for session credentials)."
            ]),
        )));
    }
    let expiration = at("Expiration");
    let until = expiration
        .as_ref()
        .map(|e| format!(" until {}", scrub.quote(e, 40)))
        .unwrap_or_default();
    let assumed = doc
        .find(result)
        .and_then(|r| r.text_at(&["AssumedRoleUser", "Arn"]))
        .map(|arn| format!(" as {}", scrub.quote(&arn, 300)))
        .unwrap_or_default();
    found.push(
        Step::TokenRequest,
        Status::Pass,
        format!(
            "role {} assumed{assumed}: session credentials {}{until}",
            role.arn,
            key_id_shown(&access_key_id)
        ),
    );
    Ok(Held {
        access_key_id,
        secret,
        session_token: Some(session),
        expiration,
    })
}

/// `GetCallerIdentity` with the credentials the pipeline acts with, and the account guard.
async fn identity(
    ctx: &Ctx<'_>,
    held: &Held,
    source: &Source,
    found: &mut Findings,
    scrub: &mut Scrubber,
) -> Outcome {
    let action = Action {
        name: "GetCallerIdentity",
        params: Vec::new(),
        secret: None,
    };
    let sent = words![format!(
        "POST {} Action=GetCallerIdentity, signed (SigV4) with access key {}",
        ctx.url,
        key_id_shown(&held.access_key_id)
    )];
    let signing = held.signing(&ctx.settings.region);
    let (called, tries) = call(
        ctx.client,
        ctx.url.as_str(),
        &action,
        Some(&signing),
        &ctx.budget,
        scrub,
    )
    .await;
    let keys = match source {
        Source::Keys(keys) => Some(keys),
        _ => None,
    };
    let asked = Asked {
        action: "GetCallerIdentity",
        keys,
        role: None,
        token: None,
        token_input: None,
        region: &ctx.settings.region,
        scrub,
    };
    let doc = match answered(ctx, called, tries, sent.clone(), &asked, found, scrub) {
        Ok(doc) => doc,
        Err(outcome) => return *outcome,
    };
    concluded(ctx, &doc, held, sent, found, scrub)
}

/// The caller's facts, the session's lifetime, the account guard, and how the check ends.
fn concluded(
    ctx: &Ctx<'_>,
    doc: &Xml,
    held: &Held,
    sent: Words,
    found: &mut Findings,
    scrub: &Scrubber,
) -> Outcome {
    let result = doc.find("GetCallerIdentityResult");
    let field = |name: &str| result.and_then(|r| r.text_at(&[name]));
    let arn = field("Arn").map(|a| scrub.quote(&a, 300));
    let account = field("Account").map(|a| scrub.quote(&a, 40));
    found.principal = arn.clone();
    found.account_id = account.clone();
    if let Some(token) = &held.session_token {
        found.token_fingerprint = Some(fingerprint(token.expose()));
    }
    if let Some(expires) = held.expiration.as_ref().and_then(Heard::rfc3339) {
        found.expires_at = Some(crate::check::base::clock::rfc3339(expires));
        found.expires_in = Some(expires - crate::check::base::clock::now_unix());
    }
    let who = arn
        .as_ref()
        .map_or("an unnamed caller".to_string(), |a| a.to_string());
    let in_account = account
        .as_ref()
        .map_or(String::new(), |a| format!(" in account {a}"));
    let mut lines = vec![
        Line::Sent(sent),
        Line::Got(words![format!("HTTP 200: {who}{in_account}")]),
    ];
    if let Some(wanted) = &ctx.settings.account_id
        && account.as_ref().is_none_or(|a| a.as_str() != wanted)
    {
        let summary = words![format!(
            "The AWS identity {who} is in account {}, not {wanted}",
            account.as_ref().map_or("(not said)", |a| a.as_str())
        )];
        found.push(Step::Identity, Status::Fail, summary.clone());
        lines.push(Line::Meaning(words![
            "The credentials work, but they act in another account than the pipeline is meant to deploy to; the \
             aws provider's allowed_account_ids would stop the apply the same way."
        ]));
        lines.push(Line::Fix(words![
            "Use the credentials (or the role) of account ",
            wanted.clone(),
            ", or correct ",
            Input::AwsAccountId,
            "."
        ]));
        let mut outcome = Outcome::new(Reason::WrongOrganization, summary, Diagnosis { lines });
        outcome.blame = Some(Input::AwsAccountId);
        return outcome;
    }
    found.push(Step::Identity, Status::Pass, format!("{who}{in_account}"));
    if let Some(until) = &found.expires_at {
        lines.push(Line::Fact("Session expires", words![until.clone()]));
    }
    Outcome::new(
        Reason::Ok,
        words![format!("AWS credentials work: {who}{in_account}")],
        Diagnosis { lines },
    )
}
