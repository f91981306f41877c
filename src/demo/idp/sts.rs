//! The test IdP's AWS STS flavour: an account's OIDC providers, roles, users and sessions, served over STS's
//! query protocol (`POST /`, a form with `Action` and `Version=2011-06-15`, XML answers), with the codes and
//! messages of facts cloud-federation.md section 1. `sts_config` has what tests configure, `sts_web`
//! AssumeRoleWithWebIdentity, `sts_auth` and `sts_sigv4` the signature check that AssumeRole and
//! GetCallerIdentity need, `sts_time` the time formats. This module has the state, the documents and the routing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

pub use super::sts_config::{
    OidcProvider, StsBehavior, StsConfig, StsRole, StsUser, TrustCondition,
};

use super::http::{Request, Response};
use super::sts_auth::{Caller, authenticate};
use super::sts_time::iso8601;
use super::{State, unix_now};

/// The account an STS-flavoured server has when nothing else is configured.
pub const STS_TEST_ACCOUNT: &str = "123456789012";

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const VERSION: &str = "2011-06-15";
const MAX_SESSIONS: usize = 10_000;
/// Every role's MaxSessionDuration (IAM's default: one hour).
pub(super) const MAX_SESSION_SECS: u64 = 3600;

// ---------------------------------------------------------------------------------------------------------
// State

/// The flavour's share of the server state.
pub(super) struct StsState {
    pub(super) config: StsConfig,
    requests: AtomicU64,
    sessions: Mutex<HashMap<String, Session>>,
}

/// Temporary credentials issued by this server.
#[derive(Clone)]
pub(super) struct Session {
    pub(super) secret: String,
    pub(super) token: String,
    pub(super) exp: u64,
    pub(super) arn: String,
    pub(super) user_id: String,
}

/// What a new session is for.
pub(super) struct Grant<'a> {
    pub(super) role: &'a str,
    pub(super) session_name: &'a str,
    pub(super) seconds: u64,
}

impl StsState {
    pub(super) fn new(config: StsConfig) -> Self {
        StsState {
            config,
            requests: AtomicU64::new(0),
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// The role a RoleArn names in this account.
    pub(super) fn find_role(&self, arn: &str) -> Option<&StsRole> {
        let rest = arn.strip_prefix("arn:aws:iam::")?;
        let (account, resource) = rest.split_once(':')?;
        let path = resource.strip_prefix("role/")?;
        let name = path.rsplit('/').next()?;
        if account != self.config.account {
            return None;
        }
        self.config.roles.iter().find(|r| r.name == name)
    }

    /// The secret access keys and session tokens of every session issued so far.
    pub(super) fn issued_secrets(&self) -> Vec<String> {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions
            .values()
            .flat_map(|s| [s.secret.clone(), s.token.clone()])
            .collect()
    }

    pub(super) fn session(&self, key_id: &str) -> Option<Session> {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.get(key_id).cloned()
    }
}

/// Issues and remembers a session for `grant`; returns the `<Credentials>` and `<AssumedRoleUser>` elements.
pub(super) fn issue(state: &State, grant: &Grant<'_>) -> String {
    let sts = &state.sts;
    let n = state.minted.fetch_add(1, Ordering::SeqCst);
    let key_id = format!(
        "ASIA{}",
        state.digest_hex("sts-key", n)[..16].to_ascii_uppercase()
    );
    let secret = STANDARD.encode(&derived(state, "sts-secret", n)[..30]);
    let mut token_bytes = Vec::with_capacity(128);
    for salt in ["sts-token-1", "sts-token-2", "sts-token-3", "sts-token-4"] {
        token_bytes.extend_from_slice(&derived(state, salt, n));
    }
    let token = format!("IQoJb3JpZ2luX2VjE{}", STANDARD.encode(token_bytes));
    let seconds = sts.config.behavior.session_seconds.unwrap_or(grant.seconds);
    let exp = unix_now().saturating_add(seconds);
    let arn = format!(
        "arn:aws:sts::{}:assumed-role/{}/{}",
        sts.config.account, grant.role, grant.session_name
    );
    let user_id = format!("{}:{}", role_id(state, grant.role), grant.session_name);
    let elements = format!(
        "    <Credentials>\n      <AccessKeyId>{}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      \
         <SessionToken>{}</SessionToken>\n      <Expiration>{}</Expiration>\n    </Credentials>\n    \
         <AssumedRoleUser>\n      <AssumedRoleId>{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n",
        xml(&key_id),
        xml(&secret),
        xml(&token),
        iso8601(exp),
        xml(&user_id),
        xml(&arn)
    );
    let session = Session {
        secret,
        token,
        exp,
        arn,
        user_id,
    };
    let mut map = sts.sessions.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_SESSIONS {
        let now = unix_now();
        map.retain(|_, s| s.exp > now);
        if map.len() >= MAX_SESSIONS {
            // Still full of live sessions: forget an arbitrary one rather than grow without bound.
            if let Some(key) = map.keys().next().cloned() {
                map.remove(&key);
            }
        }
    }
    map.insert(key_id, session);
    elements
}

/// Bytes that look random but need no RNG dependency; never derived from a secret.
fn derived(state: &State, salt: &str, n: u64) -> [u8; 32] {
    Sha256::digest(format!("{n}:{salt}:{}", state.start_nanos).as_bytes()).into()
}

/// A stable id of the form IAM gives: a prefix and 17 upper-case characters from the name.
pub(super) fn stable_id(prefix: &str, account: &str, name: &str) -> String {
    let hash = Sha256::digest(format!("{account}:{prefix}:{name}").as_bytes());
    let body: String = hash.iter().map(|b| format!("{b:02X}")).collect();
    format!("{prefix}{}", &body[..17])
}

fn role_id(state: &State, role: &str) -> String {
    stable_id("AROA", &state.sts.config.account, role)
}

// ---------------------------------------------------------------------------------------------------------
// Documents

/// Escapes text for an XML element; characters XML 1.0 cannot carry at all (most controls) become U+FFFD, so a
/// token's claims cannot make the document unreadable.
pub(super) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

/// STS's error document, with the request id also in `x-amzn-RequestId`.
pub(super) fn error(status: u16, code: &str, message: &str, id: &str) -> Response {
    let body = format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{}</Code>\n    \
         <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        xml(code),
        xml(message),
        xml(id)
    );
    Response::xml(status, body).header("x-amzn-RequestId", id)
}

/// A success document: `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…`; `result` is XML.
pub(super) fn success(action: &str, result: &str, id: &str) -> Response {
    let body = format!(
        "<{action}Response xmlns=\"{NAMESPACE}\">\n  <{action}Result>\n{result}  </{action}Result>\n  \
         <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n",
        xml(id)
    );
    Response::xml(200, body).header("x-amzn-RequestId", id)
}

/// Not sourced from the facts: the wording of AWS's validation errors, from memory.
pub(super) fn validation(id: &str, message: &str) -> Response {
    error(
        400,
        "ValidationError",
        &format!("1 validation error detected: {message}"),
        id,
    )
}

// ---------------------------------------------------------------------------------------------------------
// Requests

pub(super) type Params = Vec<(String, String)>;

pub(super) fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Answers one STS request (`POST /`).
pub(super) fn serve(state: &State, request: &Request) -> Response {
    let answer = serve_xml(state, request);
    // AWS's query APIs answer JSON when a client asks for application/json (Teleport RFD 0041 shows STS's
    // GetCallerIdentity doing so): a client that asks for JSON and reads XML breaks here as it would on AWS.
    let wants_json = request
        .header("accept")
        .is_some_and(|a| a.contains("application/json") && !a.contains("xml"));
    if wants_json {
        answer.into_json()
    } else {
        answer
    }
}

fn serve_xml(state: &State, request: &Request) -> Response {
    let sts = &state.sts;
    let n = state.minted.fetch_add(1, Ordering::SeqCst);
    let hex = state.digest_hex("sts-request", n);
    let id = format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    let seen = sts.requests.fetch_add(1, Ordering::SeqCst);
    if seen < u64::from(sts.config.behavior.throttle_first) {
        // Not sourced from the facts: STS's throttling answer as SDKs see it.
        return error(400, "Throttling", "Rate exceeded", &id);
    }
    if sts.config.behavior.region_disabled {
        // Not sourced from the facts: the wording, from AWS's documentation of regional STS as remembered.
        return error(
            403,
            "RegionDisabledException",
            &format!(
                "STS is not activated in this region for account:{}. Your account administrator can activate STS \
                 in this region using the IAM Console.",
                sts.config.account
            ),
            &id,
        );
    }
    let params: Params = url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let action = param(&params, "Action").unwrap_or_default();
    let version = param(&params, "Version").unwrap_or_default();
    if version != VERSION
        || !matches!(
            action,
            "AssumeRoleWithWebIdentity" | "AssumeRole" | "GetCallerIdentity"
        )
    {
        // Not sourced from the facts: the query protocol's answer to an unknown operation, from memory.
        return error(
            400,
            "InvalidAction",
            &format!("Could not find operation {action} for version {version}"),
            &id,
        );
    }
    if action == "AssumeRoleWithWebIdentity" {
        // Unsigned: "does not require the use of Amazon Web Services security credentials".
        return super::sts_web::assume_role_with_web_identity(state, &params, &id);
    }
    let caller = match authenticate(state, request, &id) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    if action == "GetCallerIdentity" {
        let result = format!(
            "    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n",
            xml(&caller.arn),
            xml(&caller.user_id),
            xml(&sts.config.account)
        );
        return success("GetCallerIdentity", &result, &id);
    }
    assume_role(state, &params, &caller, &id)
}

fn assume_role(state: &State, params: &Params, caller: &Caller, id: &str) -> Response {
    let (role_arn, session_name, seconds) = match role_params(params, id) {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let role = state.sts.find_role(role_arn);
    let trusted = role
        .zip(caller.user.as_ref())
        .is_some_and(|(role, user)| role.trusted_users.iter().any(|t| t == user));
    let Some(role) = role.filter(|_| trusted) else {
        // The facts quote moto's shorter form; real IAM names the resource too.
        return error(
            403,
            "AccessDenied",
            &format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                caller.arn
            ),
            id,
        );
    };
    let grant = Grant {
        role: &role.name,
        session_name,
        seconds,
    };
    success("AssumeRole", &issue(state, &grant), id)
}

/// RoleArn, RoleSessionName and DurationSeconds (default one hour) as STS validates them.
pub(super) fn role_params<'a>(
    params: &'a Params,
    id: &str,
) -> Result<(&'a str, &'a str, u64), Response> {
    let Some(role_arn) = param(params, "RoleArn") else {
        return Err(validation(
            id,
            "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
        ));
    };
    let Some(session_name) = param(params, "RoleSessionName") else {
        return Err(validation(
            id,
            "Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
        ));
    };
    if !(20..=2048).contains(&role_arn.len()) {
        return Err(validation(
            id,
            &format!(
                "Value '{role_arn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than \
                 or equal to 20"
            ),
        ));
    }
    let name_ok = (2..=64).contains(&session_name.len())
        && session_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if !name_ok {
        return Err(validation(
            id,
            &format!(
                "Value '{session_name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy \
                 regular expression pattern: [\\w+=,.@-]*"
            ),
        ));
    }
    let seconds = match param(params, "DurationSeconds") {
        None => MAX_SESSION_SECS,
        Some(text) => match text.parse::<u64>() {
            Ok(s) if s < 900 => {
                return Err(validation(
                    id,
                    &format!(
                        "Value '{s}' at 'durationSeconds' failed to satisfy constraint: Member must have value \
                         greater than or equal to 900"
                    ),
                ));
            }
            Ok(s) if s <= MAX_SESSION_SECS => s,
            _ => {
                // Not sourced from the facts: IAM's answer past the role's MaxSessionDuration, from memory.
                return Err(validation(
                    id,
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                ));
            }
        },
    };
    Ok((role_arn, session_name, seconds))
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_markup_and_drops_what_xml_cannot_carry() {
        assert_eq!(
            xml(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(xml("a\u{1}b\tc\u{FFFF}"), "a\u{FFFD}b\tc\u{FFFD}");
    }
}
