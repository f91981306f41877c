//! After Genesys Cloud issued a token: which organisation and OAuth client it belongs to, and whether that
//! client can do anything with it.
//!
//! Both endpoints read here need no permission, so they answer for any valid token. Nothing learnt here can
//! fail the credential check by itself: a token was issued, and a broken or slow API host is reported as a
//! warning. Only the caller, comparing [`OrgFacts`] with `expected_organization`, turns a mismatch into a
//! failure.

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::check::base::heard::{Answer, Heard, Json, JsonRef, Quoted, Scrubber};
use crate::check::base::http::{self, TransportError};
use crate::check::base::secret::Secret;
use crate::check::endpoint::transport;
use crate::check::vendors::genesys::regions::is_uuid;

const TOKENS_ME: &str = "/api/v2/tokens/me";
const ORGANIZATIONS_ME: &str = "/api/v2/organizations/me";
/// The grants of the token's own subject.
pub(super) const SUBJECTS_ME: &str = "/api/v2/authorization/subjects/me";
/// Longest piece of server-supplied text quoted in a warning; error messages are short, pages are not.
const MAX_QUOTE: usize = 200;

/// What Genesys Cloud says about the organisation and OAuth client behind a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgFacts {
    /// Organisation id.
    pub organization_id: Option<Quoted>,
    /// Organisation display name.
    pub organization_name: Option<Quoted>,
    /// Organisation short name (`thirdPartyOrgName`), globally unique.
    pub short_name: Option<Quoted>,
    /// The OAuth client's id, as Genesys reports it.
    pub client_id: Option<Quoted>,
    /// The OAuth client's display name.
    pub client_name: Option<Quoted>,
    /// The OAuth client's grant type, e.g. `CLIENT-CREDENTIALS`.
    pub grant_type: Option<Quoted>,
    /// The OAuth client's state: `active`, `disabled` or `inactive`.
    pub state: Option<Quoted>,
    /// How many role-division pairs the OAuth client has.
    pub role_divisions: Option<usize>,
    /// The pairs themselves: (role id, division id).
    pub role_division_ids: Vec<(Quoted, Quoted)>,
    /// `authorizedScope` of the token, as the server said it.
    pub authorized_scopes: Option<Vec<Heard>>,
    /// Things the user should act on; never a reason to fail the credential check.
    pub warnings: Vec<String>,
    /// Neutral facts for the report detail.
    pub notes: Vec<String>,
}

/// How the organisation behind a token compares with `expected_organization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgMatch {
    /// The id, name or short name is the expected one.
    Matches,
    /// The organisation is known and is another one.
    Mismatch {
        /// `expected_organization`, trimmed.
        expected: String,
        /// The organisation the token belongs to, described by name, short name and id.
        actual: String,
    },
    /// Too little is known to tell; says why.
    Unknown(String),
}

/// Asks `GET /api/v2/tokens/me` and `GET /api/v2/organizations/me` about `access_token`, both by `deadline`.
pub async fn lookup(
    client: &reqwest::Client,
    api_base: &str,
    access_token: &Secret,
    deadline: Instant,
    scrub: &Scrubber,
) -> OrgFacts {
    lookup_with_grants(client, api_base, access_token, false, deadline, scrub)
        .await
        .0
}

/// [`lookup`], and when `grants` is set `GET /api/v2/authorization/subjects/me` alongside, so that checking
/// permissions read from grants costs no dependent round trip more than a check without.
pub async fn lookup_with_grants(
    client: &reqwest::Client,
    api_base: &str,
    access_token: &Secret,
    grants: bool,
    deadline: Instant,
    scrub: &Scrubber,
) -> (OrgFacts, Option<Result<Json, String>>) {
    let Some(headers) = http::bearer(access_token) else {
        let facts = OrgFacts {
            warnings: vec![
                "the organisation was not looked up: the access token holds characters an HTTP header \
                 cannot carry"
                    .to_string(),
            ],
            ..OrgFacts::default()
        };
        return (facts, None);
    };
    let base = api_base.trim().trim_end_matches('/');
    let subjects_me = async {
        if grants {
            Some(fetch(client, base, SUBJECTS_ME, &headers, deadline, scrub).await)
        } else {
            None
        }
    };
    let (tokens_me, organizations_me, subjects_me) = tokio::join!(
        fetch(client, base, TOKENS_ME, &headers, deadline, scrub),
        fetch(client, base, ORGANIZATIONS_ME, &headers, deadline, scrub),
        subjects_me,
    );
    (assemble(tokens_me, organizations_me, scrub), subjects_me)
}

/// Opens `connections` connections to the API host while the token request is still in flight, so that the
/// follow-up requests (`tokens/me`, `organizations/me`, the grants) find them open (see [`http::prewarm`]).
pub fn prewarm(
    client: &reqwest::Client,
    api_base: &str,
    connections: usize,
    deadline: Instant,
) -> tokio::task::JoinSet<()> {
    let url = format!(
        "{}{ORGANIZATIONS_ME}",
        api_base.trim().trim_end_matches('/')
    );
    http::prewarm(client, &url, connections, deadline)
}

/// Compares `expected` (an id, name or short name) with what the organisation said about itself.
pub fn match_expected(expected: &str, facts: &OrgFacts) -> OrgMatch {
    let expected = expected.trim();
    if expected.is_empty() {
        return OrgMatch::Unknown("expected_organization is empty".to_string());
    }
    let same = |field: &Option<Quoted>| {
        field
            .as_deref()
            .is_some_and(|value| value.trim().eq_ignore_ascii_case(expected))
    };
    if same(&facts.organization_id) || same(&facts.organization_name) || same(&facts.short_name) {
        return OrgMatch::Matches;
    }
    // A mismatch fails the check, so it needs the field the user most likely meant; otherwise say "cannot tell".
    let decisive = if is_uuid(expected) {
        facts.organization_id.is_some()
    } else {
        facts.organization_name.is_some() && facts.short_name.is_some()
    };
    if decisive {
        return OrgMatch::Mismatch {
            expected: expected.to_string(),
            actual: describe_org(facts),
        };
    }
    let known = if facts.organization_id.is_some() || facts.organization_name.is_some() {
        format!("only part of it is known: {}", describe_org(facts))
    } else {
        "it could not be read".to_string()
    };
    // Only a failed request explains missing facts; a roles or state warning would mislead here.
    let why = facts
        .warnings
        .iter()
        .find(|w| w.starts_with("GET "))
        .map(|w| format!(" ({w})"))
        .unwrap_or_default();
    OrgMatch::Unknown(format!(
        "cannot tell whether the token belongs to organisation {expected:?}: {known}{why}"
    ))
}

/// One organisation in words: `Acme Prod (acme-prod, id 1234…)`, with whatever parts are known.
fn describe_org(facts: &OrgFacts) -> String {
    let mut inside = Vec::new();
    if let Some(short) = &facts.short_name {
        inside.push(short.to_string());
    }
    if let Some(id) = &facts.organization_id {
        inside.push(format!("id {id}"));
    }
    match (&facts.organization_name, inside.is_empty()) {
        (Some(name), true) => name.to_string(),
        (Some(name), false) => format!("{name} ({})", inside.join(", ")),
        (None, false) => inside.join(", "),
        (None, true) => "an unknown organisation".to_string(),
    }
}

/// GETs one endpoint by the deadline, waiting out one 429 when its `Retry-After` fits; a warning on failure.
pub(super) async fn fetch(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    headers: &HeaderMap,
    deadline: Instant,
    scrub: &Scrubber,
) -> Result<Json, String> {
    let url = format!("{base}{path}");
    let mut waited = false;
    loop {
        let sent =
            tokio::time::timeout_at(deadline, http::get(client, &url, headers.clone())).await;
        let answer = match sent {
            Err(_) | Ok(Err(TransportError::Timeout)) => {
                return Err(format!("GET {path} did not answer within the time budget"));
            }
            Ok(Err(err)) => {
                return Err(format!(
                    "GET {path} failed: {}",
                    transport::describe(&err, scrub)
                ));
            }
            Ok(Ok(answer)) => answer,
        };
        // Waiting is only worth it when the retry can still be answered before the deadline.
        if answer.status == 429
            && !waited
            && let Some(pause) = answer.retry_after
            // checked: Retry-After is the server's number, and Instant addition panics on overflow.
            && Instant::now().checked_add(pause).is_some_and(|t| t < deadline)
        {
            waited = true;
            tokio::time::sleep(pause).await;
            continue;
        }
        return interpret(path, &answer, waited, scrub);
    }
}

/// A 200 with a JSON object is the answer; anything else becomes a one-line warning.
fn interpret(path: &str, answer: &Answer, waited: bool, scrub: &Scrubber) -> Result<Json, String> {
    let correlation = answer
        .request_id
        .as_ref()
        .map(|(name, value)| format!("; {name} {}", scrub.quote(value, MAX_QUOTE)))
        .unwrap_or_default();
    if answer.status == 200 {
        return match answer.json() {
            Some(json) if json.is_object() => Ok(json),
            _ => Err(format!(
                "GET {path} answered HTTP 200 with {}, not a JSON object{correlation}",
                answer.body_kind(scrub)
            )),
        };
    }
    let said = error_words(answer, scrub);
    let mut warning = format!("GET {path} answered HTTP {} ({said})", answer.status);
    if answer.status == 429 {
        warning.push_str(&match answer.retry_after {
            _ if waited => "; still limited after waiting out Retry-After once".to_string(),
            Some(pause) => format!(
                "; its Retry-After of {} s does not fit in the time left",
                pause.as_secs()
            ),
            None => "; no Retry-After was given".to_string(),
        });
    }
    warning.push_str(&correlation);
    Err(warning)
}

/// `code: message` from a Genesys error body, or what kind of body it was.
fn error_words(answer: &Answer, scrub: &Scrubber) -> String {
    if (300..400).contains(&answer.status) {
        return "a redirect, not followed".to_string();
    }
    let parsed = answer.json();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|json| json.text(name))
            .map(|text| scrub.quote(&text, MAX_QUOTE))
            .filter(|s| !s.is_empty())
    };
    match (field("code"), field("message")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(text), None) | (None, Some(text)) => text.into_string(),
        (None, None) => answer.body_kind(scrub),
    }
}

/// A field of the server's JSON, scrubbed: names and ids are server words like any other.
fn text(value: JsonRef<'_>, key: &str, scrub: &Scrubber) -> Option<Quoted> {
    value
        .field(key)
        .map(|text| scrub.quote(&text, MAX_QUOTE))
        .filter(|s| !s.is_empty())
}

fn named_id(value: JsonRef<'_>, key: &str, scrub: &Scrubber) -> Option<Quoted> {
    value.get(key).and_then(|v| text(v, "id", scrub))
}

/// Builds the facts from the two answers (or the warnings that replaced them).
fn assemble(
    tokens_me: Result<Json, String>,
    organizations_me: Result<Json, String>,
    scrub: &Scrubber,
) -> OrgFacts {
    let mut facts = OrgFacts::default();
    let token = match tokens_me {
        Ok(value) => Some(value),
        Err(warning) => {
            facts.warnings.push(warning);
            None
        }
    };
    let org = match organizations_me {
        Ok(value) => Some(value),
        Err(warning) => {
            facts.warnings.push(warning);
            None
        }
    };
    let token = token.as_ref().map(Json::root);
    let org = org.as_ref().map(Json::root);
    read(&mut facts, token, org, scrub);
    remark_on_organisation(&mut facts, token, org, scrub);
    remark_on_client(&mut facts);
    facts
}

/// The facts the two answers hold: the organisation and the OAuth client behind the token.
fn read(
    facts: &mut OrgFacts,
    token: Option<JsonRef<'_>>,
    org: Option<JsonRef<'_>>,
    scrub: &Scrubber,
) {
    let oauth_client = token.and_then(|t| t.get("OAuthClient"));
    let token_org = token.and_then(|t| t.get("organization"));

    facts.organization_id = org
        .and_then(|o| text(o, "id", scrub))
        .or_else(|| token_org.and_then(|o| text(o, "id", scrub)))
        .or_else(|| oauth_client.and_then(|c| named_id(c, "organization", scrub)));
    facts.organization_name = org
        .and_then(|o| text(o, "name", scrub))
        .or_else(|| token_org.and_then(|o| text(o, "name", scrub)));
    facts.short_name = org.and_then(|o| text(o, "thirdPartyOrgName", scrub));
    facts.authorized_scopes = token
        .and_then(|t| t.get("authorizedScope"))
        .filter(|scopes| scopes.is_array())
        .map(JsonRef::texts);
    if let Some(c) = oauth_client {
        facts.client_id = text(c, "id", scrub);
        facts.client_name = text(c, "name", scrub);
        facts.grant_type = text(c, "authorizedGrantType", scrub);
        facts.state = text(c, "state", scrub);
        facts.role_divisions = c.get("roleDivisions").and_then(JsonRef::len);
        facts.role_division_ids = c
            .get("roleDivisions")
            .map(|pairs| {
                pairs
                    .items()
                    .filter_map(|pair| {
                        Some((
                            text(pair, "roleId", scrub)?,
                            text(pair, "divisionId", scrub)?,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
}

/// Notes and warnings on the organisation (its name, a trustee's token, a state other than active) and on how
/// the token was issued.
fn remark_on_organisation(
    facts: &mut OrgFacts,
    token: Option<JsonRef<'_>>,
    org: Option<JsonRef<'_>>,
    scrub: &Scrubber,
) {
    let oauth_client = token.and_then(|t| t.get("OAuthClient"));
    if facts.organization_id.is_some() || facts.organization_name.is_some() {
        facts
            .notes
            .push(format!("organisation {}", describe_org(facts)));
    }
    if let (Some(token), Some(current)) = (token, &facts.organization_id) {
        // A token acting in another organisation than its home one comes from a trustee arrangement.
        if let Some(home) = named_id(token, "homeOrganization", scrub)
            && !home.eq_ignore_ascii_case(current)
        {
            let home_name = token
                .get("homeOrganization")
                .and_then(|h| text(h, "name", scrub))
                .map(|n| format!("{n}, "))
                .unwrap_or_default();
            facts.notes.push(format!(
                "the token's home organisation is another one ({home_name}id {home})"
            ));
        }
    }
    if let Some(org_state) = org.and_then(|o| text(o, "state", scrub))
        && !org_state.eq_ignore_ascii_case("active")
    {
        facts.warnings.push(format!(
            "the organisation's state is {org_state:?}, not active"
        ));
    }
    if oauth_client.is_some() {
        facts.notes.push(describe_client(facts));
    }
    if oauth_client
        .and_then(|c| named_id(c, "organization", scrub))
        .is_some_and(|id| id.as_str() == "purecloud-builtin")
    {
        facts.notes.push(
            "the token comes from a built-in Genesys client (a user's token), not a client-credentials client"
                .to_string(),
        );
    }
}

/// Warnings on the OAuth client: no roles, or a state other than active.
fn remark_on_client(facts: &mut OrgFacts) {
    let client_label = facts
        .client_name
        .as_ref()
        .map(|n| format!("OAuth client {n:?}"))
        .unwrap_or_else(|| "the OAuth client".to_string());
    let client_credentials = facts
        .grant_type
        .as_deref()
        .is_some_and(|g| g.eq_ignore_ascii_case("CLIENT-CREDENTIALS"));
    if client_credentials && facts.role_divisions == Some(0) {
        facts.warnings.push(format!(
            "{client_label} has no roles: the token was issued, but every API call made with it will be refused \
             with 403 (missing permissions); assign roles (with their divisions) to the OAuth client in Admin > \
             OAuth"
        ));
    }
    if let Some(state) = &facts.state
        && !state.eq_ignore_ascii_case("active")
    {
        let meaning = match state.to_ascii_lowercase().as_str() {
            "disabled" => {
                "Genesys invalidates the tokens of a disabled client and issues it no new ones"
            }
            "inactive" => "Genesys issues no tokens to an inactive client and deletes it later",
            _ => "only an active client is sure to keep getting tokens",
        };
        facts.warnings.push(format!(
            "{client_label} is in state {state:?}, not active: {meaning}; reactivate it in Admin > OAuth or \
             switch to an active client"
        ));
    }
}

/// `OAuth client 'CI deployer', grant CLIENT-CREDENTIALS, 2 role-division pairs`, with whatever is known.
fn describe_client(facts: &OrgFacts) -> String {
    let mut parts = vec![match (&facts.client_name, &facts.client_id) {
        (Some(name), Some(id)) if name != id => format!("OAuth client '{name}' (id {id})"),
        (Some(name), _) => format!("OAuth client '{name}'"),
        (None, Some(id)) => format!("OAuth client {id}"),
        (None, None) => "OAuth client".to_string(),
    }];
    if let Some(grant) = &facts.grant_type {
        parts.push(format!("grant {grant}"));
    }
    if let Some(state) = &facts.state {
        parts.push(format!("state {state}"));
    }
    match facts.role_divisions {
        Some(1) => parts.push("1 role-division pair".to_string()),
        Some(n) => parts.push(format!("{n} role-division pairs")),
        None => {}
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use base64::Engine as _;
    use serde_json::{Value, json};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::demo::idp::{Client, Flavor, Idp, IdpConfig, Org};
    use reqwest::header::{AUTHORIZATION, HeaderValue};

    fn doc(value: Value) -> Result<Json, String> {
        Ok(Json::from(value))
    }

    fn said(words: &[&str]) -> Option<Vec<Heard>> {
        Some(words.iter().map(|w| Heard::new(*w)).collect())
    }

    const ORG_ID: &str = "0b8e6a52-4c1d-4f3a-9e27-6d5c4b3a2f10";
    const STAGING_ID: &str = "7a1c2e3d-4b5f-4a6e-8d7c-9b0a1f2e3d4c";

    fn tokens_me(roles: usize, state: &str) -> Value {
        let divisions: Vec<Value> = (0..roles)
            .map(|i| json!({"roleId": format!("r{i}"), "divisionId": "d"}))
            .collect();
        json!({
            "organization": {"id": ORG_ID, "name": "Acme Prod"},
            "homeOrganization": {"id": ORG_ID, "name": "Acme Prod"},
            "authorizedScope": ["architect", "routing"],
            "dateTokenIdles": "2026-01-01T00:00:00Z",
            "OAuthClient": {
                "id": "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
                "name": "CI deployer",
                "authorizedGrantType": "CLIENT-CREDENTIALS",
                "state": state,
                "roleDivisions": divisions,
                "organization": {"id": ORG_ID, "name": "Acme Prod"}
            }
        })
    }

    fn organizations_me() -> Value {
        json!({"id": ORG_ID, "name": "Acme Prod", "thirdPartyOrgName": "acme-prod", "state": "active",
               "defaultCountryCode": "IE", "version": 12})
    }

    #[test]
    fn both_answers_fill_every_fact() {
        let facts = assemble(
            doc(tokens_me(2, "active")),
            doc(organizations_me()),
            &Scrubber::default(),
        );
        assert_eq!(facts.organization_id.as_deref(), Some(ORG_ID));
        assert_eq!(facts.organization_name.as_deref(), Some("Acme Prod"));
        assert_eq!(facts.short_name.as_deref(), Some("acme-prod"));
        assert_eq!(
            facts.client_id.as_deref(),
            Some("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")
        );
        assert_eq!(facts.client_name.as_deref(), Some("CI deployer"));
        assert_eq!(facts.grant_type.as_deref(), Some("CLIENT-CREDENTIALS"));
        assert_eq!(facts.state.as_deref(), Some("active"));
        assert_eq!(facts.role_divisions, Some(2));
        assert_eq!(facts.authorized_scopes, said(&["architect", "routing"]));
        assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
        assert_eq!(
            facts.notes,
            [
                format!("organisation Acme Prod (acme-prod, id {ORG_ID})"),
                "OAuth client 'CI deployer' (id 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b), grant \
                 CLIENT-CREDENTIALS, state active, 2 role-division pairs"
                    .to_string(),
            ]
        );
    }

    #[test]
    fn tokens_me_alone_still_names_the_organisation() {
        let facts = assemble(
            doc(tokens_me(1, "active")),
            Err(
                "GET /api/v2/organizations/me answered HTTP 503 (a text/html body of 10 bytes)"
                    .into(),
            ),
            &Scrubber::default(),
        );
        assert_eq!(facts.organization_id.as_deref(), Some(ORG_ID));
        assert_eq!(facts.organization_name.as_deref(), Some("Acme Prod"));
        assert_eq!(facts.short_name, None);
        assert_eq!(facts.warnings.len(), 1);
        assert!(facts.notes[1].ends_with("1 role-division pair"));
    }

    #[test]
    fn organisation_id_falls_back_to_the_oauth_client_organisation() {
        let token = json!({"OAuthClient": {"id": "c", "organization": {"id": ORG_ID}}});
        let facts = assemble(doc(token), Err("down".into()), &Scrubber::default());
        assert_eq!(facts.organization_id.as_deref(), Some(ORG_ID));
        assert_eq!(facts.role_divisions, None);
        assert_eq!(facts.authorized_scopes, None);
    }

    #[test]
    fn client_credentials_without_roles_is_warned_about() {
        let facts = assemble(
            doc(tokens_me(0, "active")),
            doc(organizations_me()),
            &Scrubber::default(),
        );
        assert_eq!(facts.role_divisions, Some(0));
        assert_eq!(facts.warnings.len(), 1, "{:?}", facts.warnings);
        let warning = &facts.warnings[0];
        assert!(
            warning.contains("\"CI deployer\" has no roles"),
            "{warning}"
        );
        assert!(warning.contains("403"), "{warning}");
        assert!(warning.contains("Admin > OAuth"), "{warning}");
    }

    #[test]
    fn roles_do_not_matter_for_other_grants() {
        let mut token = tokens_me(0, "active");
        token["OAuthClient"]["authorizedGrantType"] = json!("CODE");
        let facts = assemble(doc(token), doc(organizations_me()), &Scrubber::default());
        assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    }

    #[test]
    fn a_client_that_is_not_active_is_warned_about() {
        for (state, words) in [
            ("disabled", "invalidates the tokens"),
            ("inactive", "deletes it later"),
            ("outdated_sdk_version", "only an active client"),
        ] {
            let facts = assemble(
                doc(tokens_me(1, state)),
                doc(organizations_me()),
                &Scrubber::default(),
            );
            assert_eq!(facts.warnings.len(), 1, "{state}");
            assert!(facts.warnings[0].contains(&format!("state {state:?}")));
            assert!(facts.warnings[0].contains(words), "{}", facts.warnings[0]);
        }
    }

    #[test]
    fn an_organisation_that_is_not_active_is_warned_about() {
        let mut org = organizations_me();
        org["state"] = json!("deleted");
        let facts = assemble(doc(tokens_me(1, "active")), doc(org), &Scrubber::default());
        assert_eq!(
            facts.warnings,
            ["the organisation's state is \"deleted\", not active"]
        );
    }

    #[test]
    fn trustee_and_builtin_clients_are_noted() {
        let mut token = tokens_me(1, "active");
        token["homeOrganization"] = json!({"id": STAGING_ID, "name": "Partner"});
        token["OAuthClient"]["organization"] = json!({"id": "purecloud-builtin"});
        let facts = assemble(doc(token), doc(organizations_me()), &Scrubber::default());
        assert!(facts.notes.iter().any(|n| n.contains(&format!(
            "home organisation is another one (Partner, id {STAGING_ID})"
        ))));
        assert!(
            facts
                .notes
                .iter()
                .any(|n| n.contains("built-in Genesys client"))
        );
    }

    #[test]
    fn odd_shapes_are_ignored_not_trusted() {
        let token = json!({"organization": "Acme", "authorizedScope": "a b", "OAuthClient": {"roleDivisions": {}}});
        let facts = assemble(
            doc(token),
            doc(json!({"id": 7, "name": ""})),
            &Scrubber::default(),
        );
        assert_eq!(facts.organization_id, None);
        assert_eq!(facts.organization_name, None);
        assert_eq!(facts.authorized_scopes, None);
        assert_eq!(facts.role_divisions, None);
        assert!(facts.warnings.is_empty());
    }

    fn answer(status: u16, content_type: &str, body: &str) -> Answer {
        let mut answer = Answer::bare(status, content_type, body.as_bytes());
        answer.request_id = Some(("inin-correlation-id", Heard::new("c0ffee")));
        answer
    }

    #[test]
    fn error_answers_become_one_line_warnings() {
        let bad = answer(
            401,
            "application/json",
            r#"{"message":"Invalid login credentials.","code":"bad.credentials","status":401}"#,
        );
        assert_eq!(
            interpret(TOKENS_ME, &bad, false, &Scrubber::default()).unwrap_err(),
            "GET /api/v2/tokens/me answered HTTP 401 (bad.credentials: Invalid login credentials.); \
             inin-correlation-id c0ffee"
        );
        let page = answer(
            502,
            "text/html; charset=utf-8",
            "<html>\n<b>gateway</b></html>",
        );
        let warning = interpret(ORGANIZATIONS_ME, &page, false, &Scrubber::default()).unwrap_err();
        assert!(
            warning.contains("HTTP 502 (a text/html body of 28 bytes)"),
            "{warning}"
        );
        assert!(!warning.contains("gateway"));
        let not_json = answer(200, "text/plain", "hello");
        assert!(
            interpret(TOKENS_ME, &not_json, false, &Scrubber::default())
                .unwrap_err()
                .contains("HTTP 200 with a text/plain body of 5 bytes, not a JSON object")
        );
        let long = format!(r#"{{"message":"{}\n"}}"#, "x".repeat(500));
        let warning = interpret(
            TOKENS_ME,
            &answer(403, "application/json", &long),
            false,
            &Scrubber::default(),
        )
        .unwrap_err();
        assert!(warning.len() < 320 && !warning.contains('\n'), "{warning}");
        let mut limited = answer(
            429,
            "application/json",
            r#"{"code":"too.many.requests.retry.after"}"#,
        );
        limited.retry_after = Some(Duration::from_secs(42));
        let warning = interpret(TOKENS_ME, &limited, false, &Scrubber::default()).unwrap_err();
        assert!(warning.contains("Retry-After of 42 s"), "{warning}");
    }

    fn quoted(text: &str) -> Quoted {
        Scrubber::default().quote_text(text, 200)
    }

    fn facts_of(id: Option<&str>, name: Option<&str>, short: Option<&str>) -> OrgFacts {
        OrgFacts {
            organization_id: id.map(quoted),
            organization_name: name.map(quoted),
            short_name: short.map(quoted),
            ..OrgFacts::default()
        }
    }

    #[test]
    fn expected_organisation_matches_id_name_or_short_name() {
        let facts = facts_of(Some(ORG_ID), Some("Acme Prod"), Some("acme-prod"));
        for expected in [
            ORG_ID,
            &ORG_ID.to_ascii_uppercase(),
            "Acme Prod",
            " acme prod ",
            "ACME-PROD",
        ] {
            assert_eq!(
                match_expected(expected, &facts),
                OrgMatch::Matches,
                "{expected}"
            );
        }
        assert_eq!(
            match_expected("acme-staging", &facts),
            OrgMatch::Mismatch {
                expected: "acme-staging".to_string(),
                actual: format!("Acme Prod (acme-prod, id {ORG_ID})"),
            }
        );
        assert!(matches!(
            match_expected(STAGING_ID, &facts),
            OrgMatch::Mismatch { .. }
        ));
    }

    #[test]
    fn partial_knowledge_is_not_a_mismatch() {
        let warning = "GET /api/v2/organizations/me answered HTTP 503 (x)".to_string();
        let mut facts = facts_of(Some(ORG_ID), Some("Acme Prod"), None);
        facts.warnings.push(warning.clone());
        // The short name is unknown, so "acme-staging" might still be this organisation's.
        let OrgMatch::Unknown(why) = match_expected("acme-staging", &facts) else {
            panic!("expected Unknown");
        };
        assert!(
            why.contains("only part of it is known: Acme Prod (id"),
            "{why}"
        );
        assert!(why.contains(&warning), "{why}");
        // An id is decisive as soon as the id is known.
        assert!(matches!(
            match_expected(STAGING_ID, &facts),
            OrgMatch::Mismatch { .. }
        ));
        let nothing = OrgFacts::default();
        assert!(
            matches!(match_expected(STAGING_ID, &nothing), OrgMatch::Unknown(w) if w.contains("could not be read"))
        );
        assert!(matches!(match_expected("  ", &facts), OrgMatch::Unknown(_)));
    }

    // ------------------------------------------------------------------------------------------------
    // Against the test IdP and small raw servers

    fn genesys_idp(clients: Vec<Client>) -> IdpConfig {
        IdpConfig {
            clients,
            flavor: Flavor::Genesys,
            max_lifetime: Duration::from_secs(60),
        }
    }

    async fn lookup(
        client: &reqwest::Client,
        base: &str,
        token: &str,
        deadline: Instant,
    ) -> OrgFacts {
        super::lookup(
            client,
            base,
            &Secret::new(token),
            deadline,
            &Scrubber::default(),
        )
        .await
    }

    fn http_client() -> reqwest::Client {
        http::client(None, Duration::from_secs(10), true).expect("client")
    }

    fn soon(seconds: u64) -> Instant {
        Instant::now() + Duration::from_secs(seconds)
    }

    /// A token the way Genesys's SDKs ask for one: Basic over the raw id and secret, grant in the form.
    async fn token(idp: &Idp, id: &str, secret: &str) -> String {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        let response = http_client()
            .post(idp.token_url())
            .header("Authorization", format!("Basic {basic}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status().as_u16(), 200);
        let body = response.text().await.expect("token body");
        let json: Value = serde_json::from_str(&body).expect("token JSON");
        json["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    fn acme() -> Org {
        Org {
            id: ORG_ID.to_string(),
            name: "Acme Prod".to_string(),
            short_name: "acme-prod".to_string(),
        }
    }

    #[tokio::test]
    async fn the_test_idp_organisation_is_found_and_matched() {
        let idp = Idp::start(genesys_idp(vec![
            Client::new("ci", "s").org(acme()).name("CI deployer"),
        ]))
        .await
        .expect("idp");
        let access = token(&idp, "ci", "s").await;
        let facts = lookup(
            &http_client(),
            &format!("{}/", idp.base_url()),
            &access,
            soon(10),
        )
        .await;
        assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
        assert_eq!(facts.organization_id.as_deref(), Some(ORG_ID));
        assert_eq!(facts.organization_name.as_deref(), Some("Acme Prod"));
        assert_eq!(facts.short_name.as_deref(), Some("acme-prod"));
        assert_eq!(facts.client_id.as_deref(), Some("ci"));
        assert_eq!(facts.client_name.as_deref(), Some("CI deployer"));
        assert_eq!(facts.grant_type.as_deref(), Some("CLIENT-CREDENTIALS"));
        assert_eq!(facts.role_divisions, Some(1));
        assert_eq!(facts.authorized_scopes, said(&["read", "write"]));
        for expected in [ORG_ID, "acme prod", "ACME-PROD"] {
            assert_eq!(
                match_expected(expected, &facts),
                OrgMatch::Matches,
                "{expected}"
            );
        }
        let OrgMatch::Mismatch { expected, actual } = match_expected("acme-staging", &facts) else {
            panic!("a mismatch");
        };
        assert_eq!(expected, "acme-staging");
        assert!(actual.contains("Acme Prod (acme-prod, id"), "{actual}");
        let joined = format!("{facts:?}");
        assert!(
            !joined.contains(&access),
            "the token never appears in the facts"
        );
    }

    #[tokio::test]
    async fn a_client_without_roles_gets_the_403_warning() {
        let idp = Idp::start(genesys_idp(vec![Client::new("bare", "s").roles(false)]))
            .await
            .expect("idp");
        let access = token(&idp, "bare", "s").await;
        let facts = lookup(&http_client(), &idp.base_url(), &access, soon(10)).await;
        assert_eq!(facts.role_divisions, Some(0));
        assert_eq!(facts.warnings.len(), 1, "{:?}", facts.warnings);
        assert!(facts.warnings[0].contains("has no roles"));
        assert_eq!(facts.organization_name.as_deref(), Some("Demo Org"));
    }

    #[tokio::test]
    async fn a_bad_token_gives_warnings_and_no_facts() {
        let idp = Idp::start(genesys_idp(vec![Client::new("ci", "s")]))
            .await
            .expect("idp");
        let bogus = "not-a-token-0123456789";
        let facts = lookup(&http_client(), &idp.base_url(), bogus, soon(10)).await;
        assert_eq!(facts.organization_id, None);
        assert_eq!(facts.warnings.len(), 2, "{:?}", facts.warnings);
        assert!(
            facts.warnings[0].starts_with(
                "GET /api/v2/tokens/me answered HTTP 401 (bad.credentials: Invalid login credentials.); \
                 inin-correlation-id "
            ),
            "{}",
            facts.warnings[0]
        );
        assert!(facts.warnings[1].starts_with("GET /api/v2/organizations/me answered HTTP 401"));
        assert!(facts.warnings.iter().all(|w| !w.contains(bogus)));
        assert!(matches!(
            match_expected(ORG_ID, &facts),
            OrgMatch::Unknown(_)
        ));
        // A token no header can carry is refused before anything is sent.
        let facts = lookup(&http_client(), &idp.base_url(), "a\nb", soon(10)).await;
        assert_eq!(facts.warnings.len(), 1);
        assert!(!facts.warnings[0].contains("a\nb"));
    }

    /// Serves canned HTTP answers on loopback, one per connection, in order; records the request heads.
    ///
    /// The test IdP has no way to answer an API call with 429, hence this.
    async fn canned(replies: Vec<String>) -> (String, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let mut heads = Vec::new();
            for reply in replies {
                let Ok((mut stream, _)) = listener.accept().await else {
                    break;
                };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match stream.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => break,
                    }
                }
                heads.push(String::from_utf8_lossy(&head).into_owned());
                if !reply.is_empty() {
                    let _ = stream.write_all(reply.as_bytes()).await;
                    let _ = stream.shutdown().await;
                } else {
                    // An empty reply means: hold the connection open and never answer.
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            }
            heads
        });
        (base, task)
    }

    fn reply(status: &str, extra: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: \
             close\r\n\r\n{body}",
            body.len()
        )
    }

    fn too_many(seconds: u64) -> String {
        let body = format!(
            r#"{{"message":"Rate limit exceeded the maximum. Retry the request in [{seconds}] seconds","code":"too.many.requests.retry.after","status":429}}"#
        );
        reply(
            "429 Too Many Requests",
            &format!("Retry-After: {seconds}\r\n"),
            &body,
        )
    }

    #[tokio::test]
    async fn an_api_429_with_retry_after_is_waited_out_once() {
        let (tokens_base, tokens_heads) = canned(vec![
            too_many(1),
            reply("200 OK", "", &tokens_me(1, "active").to_string()),
        ])
        .await;
        let started = Instant::now();
        let facts = fetch(
            &http_client(),
            &tokens_base,
            TOKENS_ME,
            &bearer("t0ken"),
            soon(10),
            &Scrubber::default(),
        )
        .await;
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "Retry-After was honoured"
        );
        let value = facts.expect("the second answer");
        assert!(
            value
                .get("OAuthClient")
                .and_then(|client| client.field("name"))
                .is_some_and(|name| name.is("CI deployer"))
        );
        let heads = tokens_heads.await.expect("server");
        assert_eq!(heads.len(), 2);
        assert!(
            heads
                .iter()
                .all(|h| h.starts_with("GET /api/v2/tokens/me "))
        );
        assert!(heads.iter().all(|h| {
            h.to_ascii_lowercase()
                .contains("authorization: bearer t0ken")
        }));
    }

    #[tokio::test]
    async fn a_second_429_or_one_that_does_not_fit_is_a_warning() {
        let (base, heads) = canned(vec![too_many(1), too_many(1)]).await;
        let warning = fetch(
            &http_client(),
            &base,
            TOKENS_ME,
            &bearer("t"),
            soon(10),
            &Scrubber::default(),
        )
        .await
        .expect_err("still limited");
        assert!(
            warning.starts_with(
                "GET /api/v2/tokens/me answered HTTP 429 (too.many.requests.retry.after: Rate limit exceeded"
            ),
            "{warning}"
        );
        assert!(
            warning.ends_with("still limited after waiting out Retry-After once"),
            "{warning}"
        );
        assert_eq!(heads.await.expect("server").len(), 2, "honoured once only");

        // A Retry-After no clock can add is a warning, not an overflow.
        let (base, heads) = canned(vec![too_many(u64::MAX)]).await;
        let warning = fetch(
            &http_client(),
            &base,
            TOKENS_ME,
            &bearer("t"),
            soon(5),
            &Scrubber::default(),
        )
        .await
        .expect_err("does not fit");
        assert!(warning.contains("does not fit"), "{warning}");
        assert_eq!(heads.await.expect("server").len(), 1);

        let (base, heads) = canned(vec![too_many(30)]).await;
        let started = Instant::now();
        let warning = fetch(
            &http_client(),
            &base,
            TOKENS_ME,
            &bearer("t"),
            soon(5),
            &Scrubber::default(),
        )
        .await
        .expect_err("does not fit");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "no pointless wait"
        );
        assert!(
            warning.contains("Retry-After of 30 s does not fit"),
            "{warning}"
        );
        assert_eq!(heads.await.expect("server").len(), 1);
    }

    #[tokio::test]
    async fn a_silent_api_host_is_cut_off_at_the_deadline() {
        let (base, _heads) = canned(vec![String::new(), String::new()]).await;
        let started = Instant::now();
        let facts = lookup(
            &http_client(),
            &base,
            "t",
            Instant::now() + Duration::from_millis(500),
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(facts.warnings.len(), 2, "{:?}", facts.warnings);
        assert!(
            facts
                .warnings
                .iter()
                .all(|w| w.ends_with("did not answer within the time budget"))
        );
    }

    #[tokio::test]
    async fn an_unreachable_api_host_is_a_warning() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        drop(listener);
        let facts = lookup(&http_client(), &base, "t", soon(5)).await;
        assert_eq!(facts.warnings.len(), 2, "{:?}", facts.warnings);
        assert!(
            facts.warnings[0].starts_with("GET /api/v2/tokens/me failed: connection refused"),
            "{:?}",
            facts.warnings
        );
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
        );
        headers
    }
}
