//! A Google Cloud check from the token endpoint on: a federated token (the subject token from its file or URL,
//! exchanged at STS) or a key's token (the JWT-bearer grant), then the service account impersonated
//! (`generateAccessToken`), then, with `required_permissions`, `testIamPermissions` on the project and its number
//! (`account_id`). `principal` is the service account, or the federated principal when none is impersonated.

use crate::check::base::heard::{Heard, Json, Scrubber};
use crate::check::base::secret::Secret;
use crate::check::endpoint::Hosts;
use crate::check::endpoint::transport::transport_failure;
use crate::check::endpoint::url::usable_url;
use crate::check::inputs::credential::{jwt, keys};
use crate::check::inputs::request::CheckRequest;
use crate::check::report::diagnosis::{Diagnosis, Line};
use crate::check::report::words::Words;
use crate::check::report::{Failure, Findings, Outcome, PermissionsSource, Reason, Status, Step};
use crate::check::vendors::google::api::{self, Called};
use crate::check::vendors::google::config::{Config, ExternalAccount, KeyFile, SubjectSource};
use crate::check::vendors::google::refusals::{Asked, explain};
use crate::check::vendors::google::settings::Settings;
use crate::check::vendors::vendor::{BoxFuture, OwnCheck};
use crate::check::verify::conclusion::fingerprint;
use crate::surface::Input;
use crate::words;

/// The claims of a subject token a trust decision reads, shown beside a refusal.
const CLAIMS: [&str; 7] = [
    "iss",
    "sub",
    "aud",
    "repository",
    "repository_owner",
    "ref",
    "environment",
];

/// What every call of the check shares.
struct Ctx<'a> {
    request: &'a CheckRequest,
    settings: &'a Settings,
    client: &'a reqwest::Client,
    url: &'a url::Url,
    deadline: tokio::time::Instant,
    hosts: &'a dyn Hosts,
}

impl Ctx<'_> {
    /// The requests' budget: the check's deadline and its max_retries.
    fn budget(&self) -> api::Budget {
        api::Budget {
            deadline: self.deadline,
            max_retries: self.request.max_retries,
        }
    }
}

/// A token the check holds, and who it acts as.
struct Held {
    token: Secret,
    principal: String,
    expires_in: Option<i64>,
    claims: Vec<(&'static str, Heard)>,
}

/// The inputs step: the configuration, where it came from, and the account impersonated.
pub fn inputs(request: &CheckRequest, found: &mut Findings) {
    let Some(settings) = request.vendor.get::<Settings>() else {
        return;
    };
    let (status, words) = settings.status_note();
    found.push(Step::Inputs, status, words);
    found.auth_method_used = Some(
        match base_config(&settings.config) {
            Config::ServiceAccount(_) => "service_account_key",
            _ => "workload_identity",
        }
        .to_string(),
    );
    for (status, words) in &settings.notes {
        found.push(Step::Inputs, *status, words.clone());
    }
}

/// The configuration that gets the first token (an impersonated one's source).
fn base_config(config: &Config) -> &Config {
    match config {
        Config::Impersonated { source, .. } => source,
        other => other,
    }
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
            return Outcome::new(
                Reason::InvalidInput,
                words!["Internal error: the Google settings are missing"],
                Diagnosis::note(words!["This is a bug in authcheck; please report it."]),
            );
        };
        for secret in settings.config.secrets() {
            scrub.add_secret(secret.expose());
        }
        if let Err(outcome) = hosts_usable(request, settings, found) {
            return *outcome;
        }
        let ctx = Ctx {
            request,
            settings,
            client,
            url,
            deadline,
            hosts,
        };
        let held = match base_config(&settings.config) {
            Config::ExternalAccount(account) => federate(&ctx, account, found, scrub).await,
            Config::ServiceAccount(key) => key_token(&ctx, key, found, scrub).await,
            Config::Impersonated { .. } => Err(Box::new(Outcome::new(
                Reason::InvalidInput,
                words!["The Google credential configuration impersonates twice"],
                Diagnosis::note(words!["Give the first credentials as source_credentials."]),
            ))),
        };
        let mut held = match held {
            Ok(held) => held,
            Err(outcome) => return *outcome,
        };
        if let Some(account) = &settings.service_account {
            held = match impersonate(&ctx, account, held, found, scrub).await {
                Ok(held) => held,
                Err(outcome) => return *outcome,
            };
        }
        conclude(&ctx, held, found, scrub).await
    })
}

/// The URLs beyond the token endpoint that will carry a token (the subject token's URL with its request token,
/// IAM Credentials and Resource Manager with a bearer): usable, and https unless on loopback or allowed.
fn hosts_usable(
    request: &CheckRequest,
    settings: &Settings,
    found: &mut Findings,
) -> Result<(), Box<Outcome>> {
    let from_file = settings.blame.unwrap_or(Input::GcpCredentialsFile);
    let mut urls: Vec<(&str, Words, Input)> = Vec::new();
    if let Config::ExternalAccount(account) = base_config(&settings.config)
        && let SubjectSource::Url { url, .. } = &account.source
    {
        urls.push((
            url,
            words!["The subject token's URL (", from_file, ")"],
            from_file,
        ));
    }
    if settings.service_account.is_some() {
        let blame = if settings.config.impersonation_base() == Some(settings.iam_base.as_str()) {
            from_file
        } else {
            Input::GcpApiUrl
        };
        urls.push((
            &settings.iam_base,
            words!["IAM Credentials' URL (", blame, ")"],
            blame,
        ));
    }
    if settings.project.is_some() {
        urls.push((
            &settings.resource_manager_base,
            words!["Resource Manager's URL (", Input::GcpApiUrl, ")"],
            Input::GcpApiUrl,
        ));
    }
    for (url, what, blame) in urls {
        usable_url(url, what, blame, request.allow_http, found).map_err(Box::new)?;
    }
    Ok(())
}

/// The claims of a subject token a refusal shows.
fn claims_of(token: &Secret) -> Vec<(&'static str, Heard)> {
    let Some(payload) = token.expose().split('.').nth(1) else {
        return Vec::new();
    };
    let Some(claims) = jwt::decode_part(payload) else {
        return Vec::new();
    };
    CLAIMS
        .iter()
        .filter_map(|name| {
            let value = claims.get(name)?;
            let text = value
                .text()
                .or_else(|| value.is_array().then(|| Heard::joined(&value.texts(), " ")))?;
            Some((*name, text))
        })
        .collect()
}

/// ` (iss "…", sub "…", repository "…")`.
fn claims_line(claims: &[(&'static str, Heard)], scrub: &Scrubber) -> String {
    if claims.is_empty() {
        return String::new();
    }
    let said: Vec<String> = claims
        .iter()
        .map(|(name, value)| format!("{name} {:?}", scrub.quote(value, 200)))
        .collect();
    format!(" ({})", said.join(", "))
}

fn asked<'a>(
    ctx: &'a Ctx<'a>,
    what: &'static str,
    claims: &'a [(&'static str, Heard)],
    scrub: &'a Scrubber,
) -> Asked<'a> {
    let audience = match base_config(&ctx.settings.config) {
        Config::ExternalAccount(account) => Some(account.audience.as_str()),
        _ => None,
    };
    let key_id = match base_config(&ctx.settings.config) {
        Config::ServiceAccount(key) => key.private_key_id.as_deref(),
        _ => None,
    };
    Asked {
        what,
        audience,
        claims,
        service_account: ctx.settings.service_account.as_deref().or(
            match base_config(&ctx.settings.config) {
                Config::ServiceAccount(key) => Some(key.client_email.as_str()),
                _ => None,
            },
        ),
        key_id,
        project: ctx.settings.project.as_deref(),
        blame: ctx.settings.blame,
        impersonation_input: ctx.settings.impersonation_input,
        key_caller: match base_config(&ctx.settings.config) {
            Config::ServiceAccount(key) => Some(key.client_email.as_str()),
            _ => None,
        },
        scrub,
    }
}

/// The subject token, then the STS token exchange.
async fn federate(
    ctx: &Ctx<'_>,
    account: &ExternalAccount,
    found: &mut Findings,
    scrub: &mut Scrubber,
) -> Result<Held, Box<Outcome>> {
    let subject = match api::subject_token(&account.source, ctx.client, ctx.deadline, scrub).await {
        Ok(token) => token,
        Err(why) => return Err(no_subject(ctx, why, found, scrub)),
    };
    scrub.add_token(subject.expose());
    let claims = claims_of(&subject);
    found.push(
        Step::FederatedToken,
        Status::Pass,
        format!("subject token{}", claims_line(&claims, scrub)),
    );
    let called = api::exchange(
        ctx.client,
        ctx.url.as_str(),
        &account.audience,
        &account.subject_token_type,
        &subject,
        ctx.budget(),
        scrub,
    )
    .await;
    let sent = words![format!(
        "POST {} (RFC 8693 token exchange) audience={} with the subject token{}",
        ctx.url,
        account.audience,
        claims_line(&claims, scrub)
    )];
    let json = answered(
        ctx,
        (ctx.url.as_str(), sent),
        called,
        &asked(ctx, "the STS token exchange", &claims, scrub),
        Step::TokenRequest,
        found,
        scrub,
    )?;
    let token = taken(&json, "access_token", found, scrub)?;
    let principal = federated_principal(&account.audience, &claims, scrub);
    found.push(
        Step::TokenRequest,
        Status::Pass,
        format!("Google STS issued a federated token for {principal}"),
    );
    Ok(Held {
        token,
        principal,
        expires_in: json.get("expires_in").and_then(|e| e.as_i64()),
        claims,
    })
}

/// `principal://…/workloadIdentityPools/POOL/subject/SUB`, the identity of a federated token.
fn federated_principal(
    audience: &str,
    claims: &[(&'static str, Heard)],
    scrub: &Scrubber,
) -> String {
    // The audience is the configuration's own text: one printable line in a report.
    let audience = crate::check::vendors::google::config::printable_long(audience);
    let pool = audience
        .trim_start_matches("//iam.googleapis.com/")
        .split("/providers/")
        .next()
        .unwrap_or_default();
    let sub = claims
        .iter()
        .find(|(n, _)| *n == "sub")
        .map(|(_, v)| scrub.quote(v, 200).into_string())
        .unwrap_or_default();
    format!("principal://iam.googleapis.com/{pool}/subject/{sub}")
}

/// A subject token that could not be had, as an outcome.
fn no_subject(
    ctx: &Ctx<'_>,
    why: api::NoSubject,
    found: &mut Findings,
    scrub: &Scrubber,
) -> Box<Outcome> {
    let (reason, summary, detail) = match why {
        api::NoSubject::File(path, why) => (
            Reason::InvalidInput,
            words![format!(
                "Cannot read the subject token file {}: {why}",
                crate::check::inputs::env::shown_path(&path)
            )],
            words![
                "The configuration's credential_source names this file; in Kubernetes, check the projected token volume."
            ],
        ),
        api::NoSubject::Field(field) => (
            Reason::MalformedResponse,
            words![format!(
                "The subject token's source holds no {field:?} field"
            )],
            words!["The configuration's credential_source format names this JSON field."],
        ),
        api::NoSubject::JsonWithoutFormat => (
            Reason::InvalidInput,
            words![
                "The subject token's URL answers JSON, but the configuration's credential_source has no JSON format"
            ],
            words![
                "Without a format the whole answer is taken as the token (as google-auth does), and STS would refuse \
                 it. Add \"format\": {\"type\": \"json\", \"subject_token_field_name\": \"value\"} to \
                 credential_source (google-github-actions/auth writes this for GitHub's token service)."
            ],
        ),
        api::NoSubject::EmptyAnswer => (
            Reason::MalformedResponse,
            words!["The subject token's URL answered an empty body"],
            words!["The configuration's credential_source names this URL for the token."],
        ),
        api::NoSubject::Environment(id) => (
            Reason::InvalidInput,
            words![format!(
                "The configuration's subject token comes from {} (environment_id): not checked yet",
                crate::check::vendors::google::config::printable(&id)
            )],
            words![
                "authcheck reads subject tokens from a file or a URL; an AWS identity as the source is not supported yet."
            ],
        ),
        api::NoSubject::Url(called) => {
            let got = match called {
                Called::Refused(error) => format!(
                    "HTTP {} {:?}",
                    error.status,
                    scrub.quote(&error.message, 200)
                ),
                Called::Unreadable(status, body) => format!("HTTP {status}, {body}"),
                Called::Unreachable(err) => {
                    crate::check::endpoint::transport::describe(&err, scrub)
                }
                Called::Done(_) => "an answer without the token".to_string(),
            };
            (
                Reason::EndpointUnreachable,
                words![format!(
                    "Could not get the subject token from its URL: {got}"
                )],
                words![
                    "In GitHub Actions, the job needs permissions: id-token: write, and the configuration's URL is the job's ACTIONS_ID_TOKEN_REQUEST_URL."
                ],
            )
        }
    };
    found.push(Step::FederatedToken, Status::Fail, summary.clone());
    let mut outcome = Outcome::new(reason, summary, Diagnosis::note(detail));
    outcome.blame = ctx.settings.blame;
    Box::new(outcome)
}

/// A key's token: the JWT-bearer grant of an RS256 assertion signed with the key.
async fn key_token(
    ctx: &Ctx<'_>,
    key: &KeyFile,
    found: &mut Findings,
    scrub: &mut Scrubber,
) -> Result<Held, Box<Outcome>> {
    let blame = ctx.settings.blame.unwrap_or(Input::GcpCredentialsFile);
    let signing = match keys::from_pem(blame, key.private_key.expose()) {
        Ok((signing, _)) => signing,
        Err(_) => {
            let summary = words![format!(
                "The private_key of the key file of {} is not a PEM private key",
                key.client_email
            )];
            found.push(Step::Inputs, Status::Fail, summary.clone());
            let mut outcome = Outcome::new(
                Reason::InvalidInput,
                summary,
                Diagnosis::note(words![
                    "A service-account key file holds an RSA private key in PEM; download a new key."
                ]),
            );
            outcome.blame = ctx.settings.blame;
            return Err(Box::new(outcome));
        }
    };
    let now = crate::check::base::clock::now_unix();
    let mut header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
    if let Some(id) = &key.private_key_id {
        header["kid"] = serde_json::json!(id);
    }
    let claims = serde_json::json!({
        "iss": key.client_email,
        "scope": api::CLOUD_PLATFORM,
        "aud": key.token_uri,
        "iat": now,
        "exp": now + 3600,
    });
    let assertion = jwt::signed(&signing, keys::Alg::Rs256, &header, &claims).map_err(|_| {
        Box::new(Outcome::new(
            Reason::InvalidInput,
            words![format!("The key of {} cannot sign RS256", key.client_email)],
            Diagnosis::note(words![
                "Google service-account keys are RSA keys; download a new key."
            ]),
        ))
    })?;
    scrub.add_token(assertion.expose());
    let called = api::key_grant(
        ctx.client,
        ctx.url.as_str(),
        &assertion,
        ctx.budget(),
        scrub,
    )
    .await;
    let sent = words![format!(
        "POST {} (JWT-bearer grant) an RS256 assertion of {} signed with key {}",
        ctx.url,
        key.client_email,
        key.private_key_id.as_deref().unwrap_or("(no id)")
    )];
    let json = answered(
        ctx,
        (ctx.url.as_str(), sent),
        called,
        &asked(ctx, "the key's token request", &[], scrub),
        Step::TokenRequest,
        found,
        scrub,
    )?;
    let token = taken(&json, "access_token", found, scrub)?;
    found.push(
        Step::TokenRequest,
        Status::Pass,
        format!("Google issued a token for {}", key.client_email),
    );
    Ok(Held {
        token,
        principal: key.client_email.clone(),
        expires_in: json.get("expires_in").and_then(|e| e.as_i64()),
        claims: Vec::new(),
    })
}

/// `generateAccessToken` for `account` with the token held.
async fn impersonate(
    ctx: &Ctx<'_>,
    account: &str,
    held: Held,
    found: &mut Findings,
    scrub: &mut Scrubber,
) -> Result<Held, Box<Outcome>> {
    let called = api::generate_access_token(
        ctx.client,
        &ctx.settings.iam_base,
        account,
        &held.token,
        ctx.budget(),
        scrub,
    )
    .await;
    let sent = words![format!(
        "POST {}/v1/projects/-/serviceAccounts/{account}:generateAccessToken as {}",
        ctx.settings.iam_base, held.principal
    )];
    let json = answered(
        ctx,
        (&ctx.settings.iam_base, sent),
        called,
        &asked(ctx, "generateAccessToken", &held.claims, scrub),
        Step::Identity,
        found,
        scrub,
    )?;
    let token = taken(&json, "accessToken", found, scrub)?;
    found.push(
        Step::Identity,
        Status::Pass,
        format!("{} impersonates {account}", held.principal),
    );
    let expires_in = json
        .text("expireTime")
        .and_then(|t| t.rfc3339())
        .map(|at| at - crate::check::base::clock::now_unix());
    Ok(Held {
        token,
        principal: account.to_string(),
        expires_in,
        claims: held.claims,
    })
}

/// A token field of a JSON answer, as a secret the scrubber knows.
fn taken(
    json: &Json,
    field: &str,
    found: &mut Findings,
    scrub: &mut Scrubber,
) -> Result<Secret, Box<Outcome>> {
    match json.text(field).filter(|t| !t.is_blank()) {
        Some(token) => {
            let token = token.into_secret();
            scrub.add_token(token.expose());
            Ok(token)
        }
        None => {
            let summary = words![format!("Google answered without {field}")];
            found.push(Step::TokenRequest, Status::Fail, summary.clone());
            Err(Box::new(Outcome::new(
                Reason::MalformedResponse,
                summary,
                Diagnosis::note(words![
                    "A token answer carries the token; this one did not."
                ]),
            )))
        }
    }
}

/// The answer's document, or the outcome that explains why there is none; the failing step either way. The
/// request is where it went (a transport failure names that host) and what was sent.
fn answered(
    ctx: &Ctx<'_>,
    (at, sent): (&str, Words),
    called: Called,
    asked: &Asked<'_>,
    step: Step,
    found: &mut Findings,
    scrub: &Scrubber,
) -> Result<Json, Box<Outcome>> {
    let failure = match called {
        Called::Done(json) => return Ok(json),
        Called::Refused(error) => explain(&error, asked),
        Called::Unreachable(err) => transport_failure(
            &err,
            &url::Url::parse(at).unwrap_or_else(|_| ctx.url.clone()),
            ctx.request.timeout,
            ctx.hosts,
            scrub,
        ),
        Called::Unreadable(status, body) => {
            let mut failure = Failure::new(
                if status >= 500 {
                    Reason::ServerError
                } else {
                    Reason::NotATokenEndpoint
                },
                words![format!("HTTP {status}, {body}")],
            );
            failure.summary = words![format!(
                "Google answered {} with HTTP {status} and {body}",
                asked.what
            )];
            failure.meaning =
                words!["Google's services answer JSON; this is something else (a proxy's page?)."];
            failure.fix = words![
                "Check the URLs of the configuration and ",
                Input::GcpApiUrl,
                "."
            ];
            failure.blame = ctx.settings.blame;
            failure
        }
    };
    found.push(step, Status::Fail, failure.summary.clone());
    Err(Box::new(failure.outcome(sent, None)))
}

/// The project's number and the permissions, then how the check ends.
async fn conclude(
    ctx: &Ctx<'_>,
    held: Held,
    found: &mut Findings,
    scrub: &mut Scrubber,
) -> Outcome {
    found.principal = Some(scrub.quote_text(&held.principal, 300));
    found.token_fingerprint = Some(fingerprint(held.token.expose()));
    if let Some(seconds) = held.expires_in {
        found.expires_in = Some(seconds);
        found.expires_at = Some(crate::check::base::clock::rfc3339(
            crate::check::base::clock::now_unix() + seconds,
        ));
    }
    let mut lines = vec![Line::Fact("Acts as", words![held.principal.clone()])];
    if let Some(project) = &ctx.settings.project {
        // projects.get and testIamPermissions do not wait for each other: one round trip for both.
        let scrub: &Scrubber = scrub;
        let base = &ctx.settings.resource_manager_base;
        let required = &ctx.settings.required_permissions;
        let number = api::project(ctx.client, base, project, &held.token, ctx.budget(), scrub);
        let tested = async {
            if required.is_empty() {
                return None;
            }
            let called = api::test_iam_permissions(
                ctx.client,
                base,
                project,
                required,
                &held.token,
                ctx.budget(),
                scrub,
            );
            Some(called.await)
        };
        let (number, tested) = tokio::join!(number, tested);
        project_number(project, number, found, scrub);
        if let Some(called) = tested
            && let Err(outcome) = permissions(ctx, project, &held, called, found, scrub, &mut lines)
        {
            return *outcome;
        }
    }
    Outcome::new(
        Reason::Ok,
        words![format!("Google Cloud credentials work: {}", held.principal)],
        Diagnosis { lines },
    )
}

/// `projects.get`: the project's number for `account_id` (a warning when it cannot be read).
fn project_number(project: &str, called: Called, found: &mut Findings, scrub: &Scrubber) {
    match called {
        Called::Done(json) => {
            let number = json.text("projectNumber");
            found.account_id = number.as_ref().map(|n| scrub.quote(n, 40));
            found.push(
                Step::Organization,
                Status::Pass,
                format!(
                    "project {project}{}",
                    number
                        .map(|n| format!(" (number {})", scrub.quote(&n, 40)))
                        .unwrap_or_default()
                ),
            );
        }
        _ => found.push(
            Step::Organization,
            Status::Warn,
            format!("project {project} could not be read (its number is unknown)"),
        ),
    }
}

/// `testIamPermissions`: every required permission held, or the missing ones.
fn permissions(
    ctx: &Ctx<'_>,
    project: &str,
    held: &Held,
    called: Called,
    found: &mut Findings,
    scrub: &Scrubber,
    lines: &mut Vec<Line>,
) -> Result<(), Box<Outcome>> {
    let required = &ctx.settings.required_permissions;
    found.permissions_source = PermissionsSource::Unknown;
    let sent = words![format!(
        "POST {}/v1/projects/{project}:testIamPermissions as {}",
        ctx.settings.resource_manager_base, held.principal
    )];
    let json = answered(
        ctx,
        (&ctx.settings.resource_manager_base, sent),
        called,
        &asked(ctx, "testIamPermissions", &held.claims, scrub),
        Step::Permissions,
        found,
        scrub,
    )?;
    let held_permissions: Vec<Heard> = json
        .get("permissions")
        .map(|p| p.texts())
        .unwrap_or_default();
    let missing: Vec<String> = required
        .iter()
        .filter(|wanted| !held_permissions.iter().any(|h| h.is(wanted)))
        .cloned()
        .collect();
    found.permissions_source = PermissionsSource::Iam;
    if missing.is_empty() {
        found.push(
            Step::Permissions,
            Status::Pass,
            format!(
                "every required permission held on project {project} ({})",
                required.len()
            ),
        );
        return Ok(());
    }
    found.missing_permissions = missing.clone();
    let summary = words![format!(
        "{} lacks {} on project {project}",
        held.principal,
        missing.join(", ")
    )];
    found.push(Step::Permissions, Status::Fail, summary.clone());
    lines.push(Line::List(
        "Not granted",
        missing.iter().map(|m| words![m.clone()]).collect(),
    ));
    lines.push(Line::Meaning(words![
        "The credentials work, but IAM says this identity does not hold these permissions on the project: the \
         apply will fail with 403 where it needs them."
    ]));
    lines.push(Line::Fix(words![format!(
        "Grant {} a role that includes them: gcloud projects add-iam-policy-binding {project} \
         --member=\"{}\" --role=ROLE (gcloud iam roles list --filter to find one).",
        held.principal,
        member(&held.principal)
    )]));
    let mut outcome = Outcome::new(
        Reason::MissingPermissions,
        summary,
        Diagnosis {
            lines: std::mem::take(lines),
        },
    );
    outcome.blame = Some(Input::RequiredPermissions);
    Err(Box::new(outcome))
}

/// An IAM member for a principal: `serviceAccount:EMAIL`, or the federated principal as it is.
fn member(principal: &str) -> String {
    if principal.starts_with("principal") {
        principal.to_string()
    } else {
        format!("serviceAccount:{principal}")
    }
}
