//! `probe_other_regions`: after Genesys Cloud refused a client, ask the other public regions whether they know
//! it, to say where it lives.

use tokio::time::Instant;

use crate::check::base::heard::Scrubber;
use crate::check::base::http;
use crate::check::endpoint::transport;
use crate::check::exchange::interpret::context::Codes;
use crate::check::exchange::interpret::{self, Context, Verdict, short};
use crate::check::exchange::present::{Prepared, Presentation};
use crate::check::inputs::request::CheckRequest;
use crate::check::report::words::{Assign, Words};
use crate::check::report::{Findings, Line, Outcome, Reason, Status, Step};
use crate::check::vendors::genesys::regions::{self, Hosts};
use crate::check::vendors::genesys::settings::Settings;
use crate::check::vendors::genesys::wording::WORDING;
use crate::check::vendors::vendor::AfterRefusal;
use crate::surface::Input;
use crate::words;

/// What another Genesys Cloud region said about the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// A token was issued: the client lives there and the secret is right.
    Accepted,
    /// The client exists there but the secret was refused.
    SecretRefused,
    /// The region does not know the client.
    Unknown,
    /// No clear answer (unreachable, rate limited, …): what came back instead.
    NoAnswer(Words),
}

/// Asks each (region, token URL) whether it knows the client, all at once, inside the deadline.
pub async fn probe_regions(
    request: &CheckRequest,
    client: &reqwest::Client,
    targets: Vec<(String, String)>,
    how: Presentation,
    deadline: Instant,
    scrub: &Scrubber,
) -> Vec<(String, ProbeOutcome)> {
    let codes: Vec<&'static Codes> = crate::check::vendors::registry::codes();
    let prepared = Prepared::token(request, how, None);
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (region, url)) in targets.into_iter().enumerate() {
        let prepared = prepared.clone();
        let client = client.clone();
        let id = request.client_id.clone();
        let scrub = scrub.clone();
        let codes = codes.clone();
        tasks.spawn(async move {
            let answer = tokio::time::timeout_at(
                deadline,
                http::post_form(&client, &url, prepared.headers, prepared.body),
            )
            .await;
            let origin = Words::default();
            let outcome = match answer {
                Err(_) => ProbeOutcome::NoAnswer(words!["no answer in time"]),
                Ok(Err(err)) => ProbeOutcome::NoAnswer(words![transport::describe(&err, &scrub)]),
                Ok(Ok(answer)) => {
                    let ctx = Context {
                        host: &url,
                        client_id: &id,
                        method: how.method(),
                        secret_origin: &origin,
                        secret_input: Input::ClientSecret,
                        scopes: &[],
                        scrub: &scrub,
                        assertion: None,
                        key: None,
                        codes: &codes,
                        wording: Some(&WORDING),
                        listed_methods: &[],
                    };
                    match interpret::interpret(&answer, &ctx) {
                        Verdict::Token(_) => ProbeOutcome::Accepted,
                        Verdict::Failed(f) if f.reason == Reason::InvalidSecret => {
                            ProbeOutcome::SecretRefused
                        }
                        Verdict::Failed(f) if f.reason == Reason::ClientNotFound => {
                            ProbeOutcome::Unknown
                        }
                        Verdict::Failed(f) => ProbeOutcome::NoAnswer(f.got),
                    }
                }
            };
            (index, region, outcome)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(result) = joined {
            results.push(result);
        }
    }
    results.sort_by_key(|(index, _, _)| *index);
    results
        .into_iter()
        .map(|(_, region, outcome)| (region, outcome))
        .collect()
}

/// The probe step: asks the other regions and refines the outcome with what they said.
pub async fn step(with: AfterRefusal<'_>) {
    let AfterRefusal {
        request,
        client,
        how,
        deadline,
        found,
        outcome,
        scrub,
    } = with;
    let Some(Settings {
        hosts: Hosts {
            region, login_base, ..
        },
        ..
    }) = request.vendor.get::<Settings>()
    else {
        return;
    };
    let standard = region
        .as_deref()
        .and_then(regions::domain_of)
        .is_some_and(|domain| login_base == &format!("https://login.{domain}"));
    let Some(current) = region.as_deref().filter(|_| standard) else {
        found.push(
            Step::RegionProbe,
            Status::Skip,
            words![
                Input::ProbeOtherRegions,
                " needs a standard region; ",
                Input::GenesysLoginUrl,
                " overrides it, so no other region was asked"
            ],
        );
        return;
    };
    let targets = regions::probe_token_urls(Some(current))
        .into_iter()
        .map(|(region, url)| (region.to_string(), url))
        .collect();
    let results = probe_regions(request, client, targets, how, deadline, scrub).await;
    apply(request, current, &results, found, outcome);
}

/// Turns what the regions said into the outcome: the client's home region, or a note.
pub fn apply(
    request: &CheckRequest,
    current: &str,
    results: &[(String, ProbeOutcome)],
    found: &mut Findings,
    outcome: &mut Outcome,
) {
    let accepted: Vec<&str> = results
        .iter()
        .filter(|(_, o)| *o == ProbeOutcome::Accepted)
        .map(|(r, _)| r.as_str())
        .collect();
    let known: Vec<&str> = results
        .iter()
        .filter(|(_, o)| *o == ProbeOutcome::SecretRefused)
        .map(|(r, _)| r.as_str())
        .collect();
    let silent = results
        .iter()
        .filter(|(_, o)| matches!(o, ProbeOutcome::NoAnswer(_)))
        .count();
    let asked = results.len();
    if let Some(home) = accepted.first() {
        let summary = words![format!(
            "Client {} lives in Genesys Cloud region {home}, not {current}",
            short(&request.client_id)
        )];
        found.push(Step::RegionProbe, Status::Fail, summary.clone());
        outcome.diagnosis.push(Line::Fact(
            "Region probe",
            words![
                "(",
                Assign(Input::ProbeOtherRegions, "true".into()),
                format!(") {home} issued a token with these credentials.")
            ],
        ));
        outcome.diagnosis.set_fix(words![
            "set ",
            Assign(Input::GenesysRegion, (*home).to_string()),
            " (and the genesyscloud provider's aws_region) for this client."
        ]);
        outcome.reason = Reason::ClientNotFound;
        outcome.summary = summary;
        outcome.blame = Some(Input::GenesysRegion);
    } else if !known.is_empty() {
        let line = format!(
            "region {} also know{} this client id but refused the secret: the id exists in more than one \
             organisation, or the secret is wrong everywhere",
            known.join(", "),
            if known.len() == 1 { "s" } else { "" }
        );
        found.push(Step::RegionProbe, Status::Warn, line.clone());
        outcome
            .diagnosis
            .push(Line::Fact("Region probe", words![format!("{line}.")]));
    } else {
        let line = format!(
            "none of the {asked} other regions knows this client{}: it was deleted, or the id is wrong",
            if silent > 0 {
                format!(" ({silent} did not answer clearly)")
            } else {
                String::new()
            }
        );
        found.push(Step::RegionProbe, Status::Pass, line.clone());
        outcome
            .diagnosis
            .push(Line::Fact("Region probe", words![format!("{line}.")]));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::check::base::secret::Secret;
    use crate::check::inputs::request::SecretOrigin;
    use crate::check::inputs::request::{Endpoint, VendorSettings};
    use crate::check::report::Diagnosis;
    use crate::check::report::words::Plain;

    fn settings(login_base: &str, region: Option<&str>) -> VendorSettings {
        VendorSettings::new(
            super::super::vendor::ID,
            Settings {
                hosts: Hosts {
                    login_base: login_base.into(),
                    api_base: login_base.replace("login", "api"),
                    region: region.map(str::to_string),
                },
                required_permissions: Vec::new(),
                permission_caveats: Vec::new(),
            },
        )
    }

    fn request(id: &str, secret: &str) -> CheckRequest {
        CheckRequest::new(
            Endpoint::TokenUrl("https://idp.example/token".into()),
            id,
            Secret::new(secret),
            SecretOrigin::Env("S".into()),
        )
    }

    #[tokio::test]
    async fn region_probe_finds_where_the_client_lives_and_says_so() {
        use crate::demo::idp::{Client, Flavor, Idp, IdpConfig};
        let config = |clients: Vec<Client>| IdpConfig {
            clients,
            flavor: Flavor::Genesys,
            max_lifetime: Duration::from_secs(60),
        };
        let id = "3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90";
        let elsewhere = Idp::start(config(vec![Client::new(id, "s3cret-value")]))
            .await
            .expect("idp");
        let nowhere = Idp::start(config(vec![])).await.expect("idp");
        let mut req = request(id, "s3cret-value");
        req.vendor = settings("https://login.mypurecloud.com", Some("us-east-1"));
        let client = http::client(None, Duration::from_secs(5), true).expect("client");
        let targets = vec![
            ("eu-west-1".to_string(), elsewhere.token_url()),
            ("ap-southeast-2".to_string(), nowhere.token_url()),
        ];
        let deadline = Instant::now() + Duration::from_secs(5);
        let scrub = Scrubber::default();
        let results = probe_regions(
            &req,
            &client,
            targets,
            Presentation::Basic,
            deadline,
            &scrub,
        )
        .await;
        assert_eq!(
            results,
            vec![
                ("eu-west-1".to_string(), ProbeOutcome::Accepted),
                ("ap-southeast-2".to_string(), ProbeOutcome::Unknown),
            ]
        );
        let mut outcome = Outcome::new(
            Reason::InvalidSecret,
            words!["rejected"],
            Diagnosis::note(words!["Sent: ..."]),
        );
        let mut found = Findings::default();
        apply(&req, "us-east-1", &results, &mut found, &mut outcome);
        assert_eq!(outcome.reason, Reason::ClientNotFound);
        let summary = outcome.summary.render(&Plain);
        assert!(
            summary.contains("lives in Genesys Cloud region eu-west-1, not us-east-1"),
            "{summary}"
        );
        let detail = outcome.diagnosis.render(&Plain);
        assert!(
            detail.contains("genesys_region = \"eu-west-1\""),
            "{detail}"
        );
    }

    #[tokio::test]
    async fn region_probe_is_skipped_when_the_login_url_is_overridden() {
        let mut req = request("3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90", "s3cret-value");
        req.vendor = settings("http://127.0.0.1:9", None);
        let client = http::client(None, Duration::from_secs(1), true).expect("client");
        let mut outcome = Outcome::new(
            Reason::InvalidSecret,
            words!["rejected"],
            Diagnosis::default(),
        );
        let mut found = Findings::default();
        step(AfterRefusal {
            request: &req,
            client: &client,
            how: Presentation::Basic,
            deadline: Instant::now() + Duration::from_secs(1),
            found: &mut found,
            outcome: &mut outcome,
            scrub: &Scrubber::default(),
        })
        .await;
        assert!(
            found
                .checks
                .iter()
                .any(|c| c.name() == "region_probe" && c.status == Status::Skip)
        );
        assert_eq!(outcome.reason, Reason::InvalidSecret);
    }
}
