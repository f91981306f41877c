//! The test server's AWS STS flavour, checked with boto3 (the real AWS client, tests/interop/sts_boto3_check.py
//! in the venv of scripts/cloud-venv): what boto3 parses from each answer is what a real STS would have given it,
//! per facts cloud-federation.md section 1. A passing session-credential call also proves the server's SigV4
//! check accepts a real client's signature, session token included.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authcheck::demo::idp::{
    GITHUB_ISSUER, Idp, OidcProvider, StsBehavior, StsConfig, StsRole, StsUser, github_id_token,
    placeholder_jwt, workload_token, workload_token_until,
};
use serde_json::Value;

const ACCOUNT: &str = "210987654321";
const AUDIENCE: &str = "sts.amazonaws.com";
const OTHER_AUDIENCE: &str = "another-client-id";
const MAIN: &str = "repo:acme/app:ref:refs/heads/main";
const UNREACHABLE_ISSUER: &str = "https://oidc.unreachable.example";
const DEPLOYER: &str = "ci-deployer";
const DEPLOYER_KEY: &str = "AKIA2EXAMPLEDEPLOYER";
// A secret with `/` and `+`, as real ones have.
const DEPLOYER_SECRET: &str = "dEpL0y/eRsecret+KEYwJalrXUtnFEMI/K7MDENG";
const NOBODY: &str = "ci-nobody";
const NOBODY_KEY: &str = "AKIA2EXAMPLENOBODY01";
const NOBODY_SECRET: &str = "n0B0dy+secretKEYwJalrXUtnFEMI/K7MDENGbPx";
const SCRIPT_DEADLINE: Duration = Duration::from_secs(60);

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn account() -> StsConfig {
    let github = OidcProvider::new(GITHUB_ISSUER, &[AUDIENCE, OTHER_AUDIENCE]);
    let mut unreachable = OidcProvider::new(UNREACHABLE_ISSUER, &[AUDIENCE]);
    unreachable.keys_unreachable = true;
    StsConfig::new(ACCOUNT)
        .provider(github)
        .provider(unreachable)
        .user(StsUser::new(DEPLOYER, DEPLOYER_KEY, DEPLOYER_SECRET))
        .user(StsUser::new(NOBODY, NOBODY_KEY, NOBODY_SECRET))
        .role(
            StsRole::new("deploy")
                .trust_web_identity(
                    GITHUB_ISSUER,
                    Some(AUDIENCE),
                    "repo:acme/app:ref:refs/heads/*",
                )
                .trust_user(DEPLOYER),
        )
}

async fn start(config: StsConfig) -> Idp {
    Idp::start_sts(config).await.expect("start the STS flavour")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

// ---------------------------------------------------------------------------------------------------------
// Running boto3

fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cloud-venv");
        let out = Command::new(script)
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/cloud-venv");
        assert!(out.status.success(), "scripts/cloud-venv failed");
        PathBuf::from(String::from_utf8(out.stdout).expect("utf-8 path").trim())
    })
}

/// A token in a file that is removed with this value.
struct TokenFile(PathBuf);

impl TokenFile {
    fn new(token: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "authcheck-sts-{}-{}.jwt",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::write(&path, token).expect("write token file");
        TokenFile(path)
    }

    fn path(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs the boto3 script with `args` after `--endpoint <url>` and the secret in `STS_TEST_SECRET`; its JSON line.
async fn boto3(idp: &Idp, args: Vec<String>, secret: Option<&str>) -> Value {
    let endpoint = idp.base_url();
    let secret = secret.map(str::to_owned);
    tokio::task::spawn_blocking(move || run_script(&endpoint, &args, secret.as_deref()))
        .await
        .expect("script thread")
}

fn run_script(endpoint: &str, args: &[String], secret: Option<&str>) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/sts_boto3_check.py");
    let mut command = Command::new(python());
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg(script)
        .args(["--endpoint", endpoint, "--region", "eu-west-2"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(secret) = secret {
        command.env("STS_TEST_SECRET", secret);
    }
    let mut child = command.spawn().expect("start python");
    let begun = Instant::now();
    loop {
        if child.try_wait().expect("wait for python").is_some() {
            break;
        }
        if begun.elapsed() > SCRIPT_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sts_boto3_check.py ran longer than {SCRIPT_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("python output");
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    let line = text.lines().next().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON line ({e}): {text:?}"))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn web_identity(token: &TokenFile, role: &str, session: &str) -> Vec<String> {
    strings(&[
        "web-identity",
        "--role-arn",
        &role_arn(role),
        "--session-name",
        session,
        "--token-file",
        &token.path(),
    ])
}

fn caller_identity(key_id: &str) -> Vec<String> {
    strings(&[
        "caller-identity",
        "--access-key-id",
        key_id,
        "--secret-access-key-env",
        "STS_TEST_SECRET",
    ])
}

fn assume_role(key_id: &str, role: &str, session: &str) -> Vec<String> {
    strings(&[
        "assume-role",
        "--access-key-id",
        key_id,
        "--secret-access-key-env",
        "STS_TEST_SECRET",
        "--role-arn",
        &role_arn(role),
        "--session-name",
        session,
    ])
}

/// Asserts that boto3 reports a ClientError with this code, message and status, from STS's error document.
fn assert_refused(out: &Value, step: &str, code: &str, message: &str, status: u16) {
    assert_eq!(out["step"], step, "{out}");
    let error = &out["error"];
    assert_eq!(error["code"], code, "{out}");
    assert_eq!(error["message"], message, "{out}");
    assert_eq!(error["status"], status, "{out}");
    assert_eq!(error["type"], "Sender", "{out}");
    let id = error["request_id"].as_str().unwrap_or_default();
    assert_eq!(id.len(), 36, "a request id like STS's: {out}");
}

// ---------------------------------------------------------------------------------------------------------
// AssumeRoleWithWebIdentity

#[tokio::test]
async fn web_identity_gives_a_session_whose_signature_get_caller_identity_accepts() {
    let idp = start(account()).await;
    let token = TokenFile::new(&github_id_token(MAIN, AUDIENCE));
    let out = boto3(&idp, web_identity(&token, "deploy", "gha-run-42"), None).await;
    assert!(out.get("error").is_none(), "{out}");

    let web = &out["AssumeRoleWithWebIdentity"];
    let arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/deploy/gha-run-42");
    assert_eq!(web["AssumedRoleUser"]["Arn"], arn.as_str());
    let role_id = web["AssumedRoleUser"]["AssumedRoleId"]
        .as_str()
        .expect("id");
    assert!(
        role_id.starts_with("AROA") && role_id.ends_with(":gha-run-42"),
        "{role_id}"
    );
    assert_eq!(web["SubjectFromWebIdentityToken"], MAIN);
    // As real STS answers: the IAM provider's ARN, not the token's `iss`.
    assert_eq!(
        web["Provider"],
        format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")
    );
    assert_eq!(web["Audience"], AUDIENCE);
    let credentials = &web["Credentials"];
    let key_id = credentials["AccessKeyId"].as_str().expect("key id");
    assert!(
        key_id.len() == 20
            && key_id.starts_with("ASIA")
            && key_id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
        "{key_id}"
    );
    assert_eq!(credentials["SecretAccessKeyLength"], 40);
    assert!(
        credentials["SessionTokenLength"].as_u64() > Some(100),
        "{out}"
    );
    // boto3 parsed the Expiration into a UTC datetime.
    let expiration = credentials["Expiration"].as_str().expect("expiration");
    assert!(expiration.ends_with("+00:00"), "{expiration}");

    let caller = &out["GetCallerIdentity"];
    assert_eq!(caller["Arn"], arn.as_str(), "{out}");
    assert_eq!(caller["Account"], ACCOUNT);
    assert_eq!(caller["UserId"], role_id);
    assert_eq!(idp.requests(), 2);
}

#[tokio::test]
async fn web_identity_refusals_reach_boto3_as_sts_codes_messages_and_statuses() {
    let idp = start(account()).await;
    let now = unix_now();
    let expired_at = now - 120;
    let denied = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
    let cases: Vec<(&str, String, &str, &str, String, u16)> = vec![
        (
            "not a JWT",
            "not-a-jwt".into(),
            "deploy",
            "InvalidIdentityToken",
            "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)".into(),
            400,
        ),
        (
            "HS256",
            placeholder_jwt(
                r#"{"alg":"HS256","typ":"JWT"}"#,
                &format!(r#"{{"iss":"{GITHUB_ISSUER}","sub":"{MAIN}","aud":"{AUDIENCE}","exp":{}}}"#, now + 300),
            ),
            "deploy",
            "InvalidIdentityToken",
            "Unsupported token signing algorithm HS256: only RS256 is accepted".into(),
            400,
        ),
        (
            "unknown issuer",
            workload_token("https://gitlab.example.com", MAIN, AUDIENCE),
            "deploy",
            "InvalidIdentityToken",
            "No OpenIDConnect provider found in your account for https://gitlab.example.com".into(),
            400,
        ),
        (
            "keys unreachable",
            workload_token(UNREACHABLE_ISSUER, MAIN, AUDIENCE),
            "deploy",
            "InvalidIdentityToken",
            "Couldn't retrieve verification key from your identity provider,  please reference \
             AssumeRoleWithWebIdentity documentation for requirements"
                .into(),
            400,
        ),
        (
            "no aud",
            placeholder_jwt(
                r#"{"alg":"RS256","typ":"JWT"}"#,
                &format!(r#"{{"iss":"{GITHUB_ISSUER}","sub":"{MAIN}","exp":{}}}"#, now + 300),
            ),
            "deploy",
            "InvalidIdentityToken",
            "Missing a required claim: aud".into(),
            400,
        ),
        (
            "aud not a client id",
            github_id_token(MAIN, "api://AzureADTokenExchange"),
            "deploy",
            "InvalidIdentityToken",
            "Incorrect token audience".into(),
            400,
        ),
        (
            "expired",
            workload_token_until(GITHUB_ISSUER, MAIN, AUDIENCE, expired_at),
            "deploy",
            "ExpiredTokenException",
            String::new(), // checked below: the message carries the server's clock
            400,
        ),
        (
            "environment subject",
            github_id_token("repo:acme/app:environment:prod", AUDIENCE),
            "deploy",
            "AccessDenied",
            denied.into(),
            403,
        ),
        (
            "org name in another case",
            github_id_token("repo:Acme/app:ref:refs/heads/main", AUDIENCE),
            "deploy",
            "AccessDenied",
            denied.into(),
            403,
        ),
        (
            "aud the provider admits but the trust policy does not",
            github_id_token(MAIN, OTHER_AUDIENCE),
            "deploy",
            "AccessDenied",
            denied.into(),
            403,
        ),
        (
            "no such role",
            github_id_token(MAIN, AUDIENCE),
            "no-such-role",
            "AccessDenied",
            denied.into(),
            403,
        ),
    ];
    for (what, token, role, code, message, status) in cases {
        let file = TokenFile::new(&token);
        let out = boto3(&idp, web_identity(&file, role, "gha-run"), None).await;
        if code == "ExpiredTokenException" {
            let got = out["error"]["message"].as_str().unwrap_or_default();
            let clock = got
                .strip_prefix("Token expired: current date/time ")
                .and_then(|rest| {
                    rest.strip_suffix(&format!(
                        " must be before the expiration date/time{expired_at}"
                    ))
                })
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{what}: {out}"));
            assert!((now..=unix_now()).contains(&clock), "{what}: {out}");
            assert_refused(&out, "AssumeRoleWithWebIdentity", code, got, status);
        } else {
            assert_refused(&out, "AssumeRoleWithWebIdentity", code, &message, status);
        }
        assert!(
            out.get("AssumeRoleWithWebIdentity").is_none(),
            "{what}: {out}"
        );
    }
}

#[tokio::test]
async fn an_expired_session_is_refused_with_expired_token() {
    let config = StsConfig {
        behavior: StsBehavior {
            session_seconds: Some(1),
            ..StsBehavior::default()
        },
        ..account()
    };
    let idp = start(config).await;
    let token = TokenFile::new(&github_id_token(MAIN, AUDIENCE));
    let mut args = web_identity(&token, "deploy", "short");
    args.extend(strings(&["--pause", "2.5"]));
    let out = boto3(&idp, args, None).await;
    assert!(
        out["AssumeRoleWithWebIdentity"]["Credentials"]["AccessKeyId"].is_string(),
        "{out}"
    );
    assert_refused(
        &out,
        "GetCallerIdentity",
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
    );
}

#[tokio::test]
async fn throttling_region_and_idp_failures_reach_boto3_unretried() {
    let throttled = start(StsConfig {
        behavior: StsBehavior {
            throttle_first: 1,
            ..StsBehavior::default()
        },
        ..account()
    })
    .await;
    let out = boto3(
        &throttled,
        caller_identity(DEPLOYER_KEY),
        Some(DEPLOYER_SECRET),
    )
    .await;
    assert_refused(
        &out,
        "GetCallerIdentity",
        "Throttling",
        "Rate exceeded",
        400,
    );
    // One request only: boto3 did not retry, and the next one is served.
    assert_eq!(throttled.requests(), 1);
    let out = boto3(
        &throttled,
        caller_identity(DEPLOYER_KEY),
        Some(DEPLOYER_SECRET),
    )
    .await;
    assert!(out["GetCallerIdentity"]["Arn"].is_string(), "{out}");

    let disabled = start(StsConfig {
        behavior: StsBehavior {
            region_disabled: true,
            ..StsBehavior::default()
        },
        ..account()
    })
    .await;
    let out = boto3(
        &disabled,
        caller_identity(DEPLOYER_KEY),
        Some(DEPLOYER_SECRET),
    )
    .await;
    assert_refused(
        &out,
        "GetCallerIdentity",
        "RegionDisabledException",
        &format!(
            "STS is not activated in this region for account:{ACCOUNT}. Your account administrator can activate \
             STS in this region using the IAM Console."
        ),
        403,
    );

    let idp_down = start(StsConfig {
        behavior: StsBehavior {
            idp_communication_error: true,
            ..StsBehavior::default()
        },
        ..account()
    })
    .await;
    let token = TokenFile::new(&github_id_token(MAIN, AUDIENCE));
    let out = boto3(&idp_down, web_identity(&token, "deploy", "gha"), None).await;
    assert_refused(
        &out,
        "AssumeRoleWithWebIdentity",
        "IDPCommunicationError",
        "The identity provider could not be reached to verify the identity token. Retry the request.",
        400,
    );
}

// ---------------------------------------------------------------------------------------------------------
// Signed calls with an IAM user's key

#[tokio::test]
async fn a_users_key_signs_get_caller_identity() {
    let idp = start(account()).await;
    let out = boto3(&idp, caller_identity(DEPLOYER_KEY), Some(DEPLOYER_SECRET)).await;
    let caller = &out["GetCallerIdentity"];
    assert_eq!(
        caller["Arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/{DEPLOYER}"),
        "{out}"
    );
    assert_eq!(caller["Account"], ACCOUNT);
    let user_id = caller["UserId"].as_str().expect("user id");
    assert!(
        user_id.starts_with("AIDA") && user_id.len() == 21,
        "{user_id}"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_signature_does_not_match() {
    let idp = start(account()).await;
    let out = boto3(&idp, caller_identity(DEPLOYER_KEY), Some(NOBODY_SECRET)).await;
    assert_refused(
        &out,
        "GetCallerIdentity",
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret \
         Access Key and signing method. Consult the service documentation for details.",
        403,
    );
}

#[tokio::test]
async fn an_unknown_key_id_is_invalid_client_token_id() {
    let idp = start(account()).await;
    let out = boto3(
        &idp,
        caller_identity("AKIA2EXAMPLEUNKNOWN0"),
        Some(DEPLOYER_SECRET),
    )
    .await;
    assert_refused(
        &out,
        "GetCallerIdentity",
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    );
}

#[tokio::test]
async fn a_trusted_user_assumes_the_role_and_its_session_signs() {
    let idp = start(account()).await;
    let out = boto3(
        &idp,
        assume_role(DEPLOYER_KEY, "deploy", "handoff"),
        Some(DEPLOYER_SECRET),
    )
    .await;
    let arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/deploy/handoff");
    let assumed = &out["AssumeRole"];
    assert_eq!(assumed["AssumedRoleUser"]["Arn"], arn.as_str(), "{out}");
    assert!(
        assumed["Credentials"]["AccessKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("ASIA"))
    );
    assert_eq!(out["GetCallerIdentity"]["Arn"], arn.as_str(), "{out}");
}

#[tokio::test]
async fn an_untrusted_user_is_denied_assume_role_naming_caller_and_role() {
    let idp = start(account()).await;
    let out = boto3(
        &idp,
        assume_role(NOBODY_KEY, "deploy", "handoff"),
        Some(NOBODY_SECRET),
    )
    .await;
    assert_refused(
        &out,
        "AssumeRole",
        "AccessDenied",
        &format!(
            "User: arn:aws:iam::{ACCOUNT}:user/{NOBODY} is not authorized to perform: sts:AssumeRole on resource: \
             arn:aws:iam::{ACCOUNT}:role/deploy"
        ),
        403,
    );
}

// ---------------------------------------------------------------------------------------------------------
// The wire, without boto3

#[tokio::test]
async fn error_documents_have_sts_shape_request_id_header_and_escaped_values() {
    let idp = start(account()).await;
    let issuer = "https://evil.example/<x>&\"'";
    let token = workload_token(issuer, MAIN, AUDIENCE);
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "AssumeRoleWithWebIdentity")
        .append_pair("Version", "2011-06-15")
        .append_pair("RoleArn", &role_arn("deploy"))
        .append_pair("RoleSessionName", "raw")
        .append_pair("WebIdentityToken", &token)
        .finish();
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let response = http
        .post(format!("{}/", idp.base_url()))
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 400);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "text/xml");
    let id = header("x-amzn-requestid");
    let text = response.text().await.expect("body");
    assert_eq!(
        text,
        format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    \
             <Type>Sender</Type>\n    <Code>InvalidIdentityToken</Code>\n    <Message>No OpenIDConnect provider \
             found in your account for https://evil.example/&lt;x&gt;&amp;&quot;&apos;</Message>\n  </Error>\n  \
             <RequestId>{id}</RequestId>\n</ErrorResponse>\n"
        )
    );
    assert_eq!(id.len(), 36);
    let document = roxmltree::Document::parse(&text).expect("well-formed XML");
    let message = document
        .descendants()
        .find(|n| n.has_tag_name("Message"))
        .and_then(|n| n.text())
        .expect("Message");
    assert_eq!(
        message,
        format!("No OpenIDConnect provider found in your account for {issuer}")
    );

    // An unsigned GetCallerIdentity is not answered with an identity.
    let response = http
        .post(format!("{}/", idp.base_url()))
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body("Action=GetCallerIdentity&Version=2011-06-15")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 403);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("<Code>MissingAuthenticationToken</Code>")
    );
}
