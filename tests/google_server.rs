//! The test server's Google Cloud flavour, checked with google-auth (Google's own client library,
//! tests/interop/google_auth_check.py in the venv of scripts/cloud-venv): what google-auth makes of each answer is
//! what it would have made of Google's, per facts cloud-federation.md section 2. A key grant that passes also
//! proves the server verifies a real client's RS256 assertion; the refusals prove it refuses in Google's words.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authcheck::demo::idp::{
    GITHUB_ISSUER, GoogleBehavior, GoogleConfig, Idp, RegisteredKey, ServiceAccount,
    WorkloadProvider, workload_token_until, workload_token_with_claims,
};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use serde_json::{Value, json};

const PROJECT_ID: &str = "acme-prod";
const PROJECT_NUMBER: &str = "987654321098";
const POOL: &str = "github";
const PROVIDER: &str = "actions";
const DISABLED_PROVIDER: &str = "retired";
const DEPLOYER: &str = "deploy@acme-prod.iam.gserviceaccount.com";
const KEYED: &str = "ci-key@acme-prod.iam.gserviceaccount.com";
const KEY_ID: &str = "6f1c0e6a2b9d4c8e8a5b1f3d7c2e9a4b6d8f0a1c";
const MAIN: &str = "repo:acme/infra:ref:refs/heads/main";
const SCRIPT_DEADLINE: Duration = Duration::from_secs(60);

/// Facts cloud-federation.md 2.2, verbatim.
const GET_ACCESS_TOKEN_DENIED: &str = r#"{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"IAM_PERMISSION_DENIED","domain":"iam.googleapis.com","metadata":{"permission":"iam.serviceAccounts.getAccessToken"}}]}}"#;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys")
            .join(name),
    )
    .expect("key fixture")
}

fn project() -> GoogleConfig {
    GoogleConfig::new(PROJECT_ID, PROJECT_NUMBER)
}

/// The repository's principal set in the pool.
fn infra_set() -> String {
    project().principal_set(POOL, "repository", "acme/infra")
}

fn config() -> GoogleConfig {
    let key = RegisteredKey::from_pem(&fixture("rsa-2048.pem"), None, None).expect("fixture key");
    let p = project();
    p.clone()
        .provider(
            WorkloadProvider::new(POOL, PROVIDER, GITHUB_ISSUER)
                .condition("repository_owner", "acme")
                .grant(
                    &infra_set(),
                    &["storage.buckets.list", "resourcemanager.projects.get"],
                )
                .grant(
                    &p.principal(POOL, "repo:acme/other:ref:refs/heads/main"),
                    &["pubsub.topics.list"],
                ),
        )
        .provider(WorkloadProvider::new(POOL, DISABLED_PROVIDER, GITHUB_ISSUER).disabled())
        .service_account(
            ServiceAccount::new(DEPLOYER)
                .workload_identity_user(&infra_set())
                .permissions(&["compute.instances.list", "storage.buckets.list"]),
        )
        .service_account(
            ServiceAccount::new(KEYED)
                .key(KEY_ID, key)
                .permissions(&["storage.objects.get"]),
        )
}

async fn start(config: GoogleConfig) -> Idp {
    Idp::start_google(config)
        .await
        .expect("start the Google flavour")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// A GitHub Actions token for `repository` (owner before the slash) with the audience the provider expects.
fn github_token(repository: &str) -> String {
    let owner = repository.split('/').next().unwrap_or_default();
    let audience = project().default_audience(POOL, PROVIDER);
    workload_token_with_claims(
        GITHUB_ISSUER,
        &format!("repo:{repository}:ref:refs/heads/main"),
        &audience,
        &[("repository", repository), ("repository_owner", owner)],
    )
}

// ---------------------------------------------------------------------------------------------------------
// Credential files and running google-auth

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

/// A file in the temp directory, removed with this value.
struct TempFile(PathBuf);

impl TempFile {
    fn new(suffix: &str, contents: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "authcheck-google-{}-{}{suffix}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::write(&path, contents).expect("write temp file");
        TempFile(path)
    }

    fn path(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A credential file and what it refers to (the subject token file), kept alive together.
struct Credentials {
    file: TempFile,
    _token: Option<TempFile>,
}

/// The `external_account` configuration google-github-actions/auth writes, with a file credential source, STS at
/// this server and (when `impersonate` names an account) its generateAccessToken.
fn external_account(
    idp: &Idp,
    audience: &str,
    subject_token: &str,
    impersonate: Option<&str>,
) -> Credentials {
    let token = TempFile::new(".jwt", subject_token);
    let mut info = json!({
        "type": "external_account",
        "audience": audience,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": format!("{}/v1/token", idp.base_url()),
        "credential_source": {"file": token.path()},
    });
    if let Some(account) = impersonate {
        info["service_account_impersonation_url"] = json!(format!(
            "{}/v1/projects/-/serviceAccounts/{account}:generateAccessToken",
            idp.base_url()
        ));
    }
    Credentials {
        file: TempFile::new(".json", &info.to_string()),
        _token: Some(token),
    }
}

/// A service-account key file as the console downloads it, its token_uri at this server.
fn key_file(idp: &Idp, email: &str, key_id: &str, pem: &str) -> Credentials {
    let info = json!({
        "type": "service_account",
        "project_id": PROJECT_ID,
        "private_key_id": key_id,
        "private_key": pem,
        "client_email": email,
        "client_id": "104240418372911234567",
        "token_uri": format!("{}/token", idp.base_url()),
    });
    Credentials {
        file: TempFile::new(".json", &info.to_string()),
        _token: None,
    }
}

/// Runs google_auth_check.py for `credentials`, testing `permissions` on the project; its JSON line.
async fn google_auth(
    idp: &Idp,
    credentials: &Credentials,
    permissions: &[&str],
    extra: &[&str],
) -> Value {
    let mut args = vec![
        "--credentials".to_owned(),
        credentials.file.path(),
        "--resource-manager".to_owned(),
        idp.base_url(),
        "--project".to_owned(),
        PROJECT_ID.to_owned(),
    ];
    for permission in permissions {
        args.extend(["--permission".to_owned(), (*permission).to_owned()]);
    }
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let out = tokio::task::spawn_blocking(move || run_script(&args))
        .await
        .expect("script thread");
    // Whatever happened, the script printed no token this server issued.
    for token in idp.google_issued_tokens() {
        assert!(
            !out.to_string().contains(&token),
            "a token reached the output: {out}"
        );
    }
    out
}

fn run_script(args: &[String]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/google_auth_check.py");
    let mut child = Command::new(python())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start python");
    let begun = Instant::now();
    while child.try_wait().expect("wait for python").is_none() {
        if begun.elapsed() > SCRIPT_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("google_auth_check.py ran longer than {SCRIPT_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("python output");
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    let line = text.lines().next().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON line ({e}): {text:?}"))
}

/// Asserts a token google-auth got: Google's shape, valid about `seconds` from now.
fn assert_token(out: &Value, class: &str, seconds: i64) {
    assert!(out.get("error").is_none(), "{out}");
    assert_eq!(out["credentials"], class, "{out}");
    assert_eq!(out["token"]["prefix"], "ya29.", "{out}");
    assert!(out["token"]["length"].as_u64() > Some(100), "{out}");
    let expiry = out["expiry"].as_str().expect("expiry");
    let left = seconds_until(expiry) - unix_now() as i64;
    assert!(
        (seconds - 60..=seconds).contains(&left),
        "expiry {expiry} is {left}s away: {out}"
    );
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (UTC).
fn seconds_until(text: &str) -> i64 {
    let n = |range: std::ops::Range<usize>| -> i64 {
        text[range].parse().expect("a number in the expiry")
    };
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 1 - 719_468;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

/// Asserts google-auth refused with this exception, message and server answer.
fn assert_refused(out: &Value, class: &str, message: &str, response: &str) {
    let error = &out["error"];
    assert_eq!(error["class"], class, "{out}");
    assert_eq!(error["message"], message, "{out}");
    let got: Value = serde_json::from_str(error["response"].as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("the answer is not JSON ({e}): {out}"));
    let want: Value = serde_json::from_str(response).expect("expected JSON");
    assert_eq!(got, want, "{out}");
}

fn sts_body(error: &str, description: &str) -> String {
    json!({"error": error, "error_description": description}).to_string()
}

// ---------------------------------------------------------------------------------------------------------
// Workload identity federation

#[tokio::test]
async fn federation_then_impersonation_gives_the_accounts_token_and_its_permissions() {
    let idp = start(config()).await;
    let audience = project().provider_name(POOL, PROVIDER);
    let credentials =
        external_account(&idp, &audience, &github_token("acme/infra"), Some(DEPLOYER));
    let asked = [
        "compute.instances.list",
        "storage.objects.delete",
        "storage.buckets.list",
    ];
    let out = google_auth(&idp, &credentials, &asked, &["--get-project"]).await;
    assert_token(&out, "google.auth.identity_pool.Credentials", 3600);
    // The account's permissions, not the pool's (resourcemanager.projects.get is the pool's).
    assert_eq!(
        out["testIamPermissions"],
        json!({"status": 200, "body": {"permissions": ["compute.instances.list", "storage.buckets.list"]}}),
        "{out}"
    );
    assert_eq!(
        out["project"]["body"],
        json!({"projectNumber": PROJECT_NUMBER, "projectId": PROJECT_ID, "lifecycleState": "ACTIVE", "name": PROJECT_ID}),
        "{out}"
    );
    // STS, generateAccessToken, testIamPermissions, projects.get: nothing else, and nowhere else.
    assert_eq!(idp.requests(), 4);
    assert_eq!(idp.google_issued_tokens().len(), 2);
}

#[tokio::test]
async fn a_federated_token_used_directly_holds_what_its_principal_sets_were_granted() {
    let idp = start(config()).await;
    let audience = project().provider_name(POOL, PROVIDER);
    let asked = [
        "compute.instances.list",
        "resourcemanager.projects.get",
        "storage.buckets.list",
        "pubsub.topics.list",
    ];
    let credentials = external_account(&idp, &audience, &github_token("acme/infra"), None);
    let out = google_auth(&idp, &credentials, &asked, &[]).await;
    assert_token(&out, "google.auth.identity_pool.Credentials", 3600);
    assert_eq!(
        out["testIamPermissions"]["body"],
        json!({"permissions": ["resourcemanager.projects.get", "storage.buckets.list"]}),
        "{out}"
    );
    // Another repository of the owner: its own principal's grant, nothing of acme/infra's set.
    let credentials = external_account(&idp, &audience, &github_token("acme/other"), None);
    let out = google_auth(&idp, &credentials, &asked, &[]).await;
    assert_eq!(
        out["testIamPermissions"]["body"],
        json!({"permissions": ["pubsub.topics.list"]}),
        "{out}"
    );
}

#[tokio::test]
async fn sts_refusals_reach_google_auth_with_googles_error_bodies() {
    let idp = start(config()).await;
    let p = project();
    let audience = p.provider_name(POOL, PROVIDER);
    let default_audience = p.default_audience(POOL, PROVIDER);
    let long_repository = format!("acme/{}", "r".repeat(130));
    let ghes = "https://github.example.net/_services/token";
    let cases: Vec<(&str, String, String, &str, String)> = vec![
        (
            "a secret that was never interpolated",
            "${{ secrets.WIF_PROVIDER }}".into(),
            github_token("acme/infra"),
            "invalid_request",
            "Invalid value for \"audience\". This value should be the full resource name of the Identity Provider. \
             See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible \
             formats."
                .into(),
        ),
        (
            "the pool, not the provider",
            audience.split("/providers/").next().unwrap_or_default().into(),
            github_token("acme/infra"),
            "invalid_request",
            "Invalid value for \"audience\". This value should be the full resource name of the Identity Provider. \
             See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible \
             formats."
                .into(),
        ),
        ("an unknown pool", audience.replace("/github/", "/gitlab/"), github_token("acme/infra"), "invalid_target", String::new()),
        ("a disabled provider", p.provider_name(POOL, DISABLED_PROVIDER), github_token("acme/infra"), "invalid_target", String::new()),
        ("another project's number", audience.replace(PROJECT_NUMBER, "111111111111"), github_token("acme/infra"), "invalid_target", String::new()),
        ("not a JWT", audience.clone(), "not-a-jwt".into(), "invalid_grant", "Unable to parse the ID Token.".into()),
        (
            "expired",
            audience.clone(),
            workload_token_until(GITHUB_ISSUER, MAIN, &default_audience, unix_now() - 60),
            "invalid_grant",
            "The ID Token has expired.".into(),
        ),
        (
            "a GHES issuer",
            audience.clone(),
            workload_token_with_claims(ghes, MAIN, &default_audience, &[("repository_owner", "acme")]),
            "invalid_grant",
            format!("The issuer in ID Token {ghes} does not match the expected ones: {GITHUB_ISSUER}"),
        ),
        (
            "the audience the AWS action asks for",
            audience.clone(),
            workload_token_with_claims(GITHUB_ISSUER, MAIN, "sts.amazonaws.com", &[("repository_owner", "acme")]),
            "invalid_grant",
            "The audience in ID Token [sts.amazonaws.com] does not match the expected audience.".into(),
        ),
        (
            "a repository name over 127 bytes",
            audience.clone(),
            github_token(&long_repository),
            "invalid_request",
            "The size of mapped attribute exceeds the 127 bytes limit.".into(),
        ),
        (
            "the owner in another case",
            audience.clone(),
            github_token("Acme/infra"),
            "unauthorized_client",
            "The given credential is rejected by the attribute condition.".into(),
        ),
    ];
    let invalid_target = "The target service indicated by the \"audience\" parameters is invalid. This might either \
                          be because the pool or provider is disabled or deleted or because it doesn't exist.";
    for (what, audience, subject_token, error, description) in cases {
        let description = if error == "invalid_target" {
            invalid_target.to_owned()
        } else {
            description
        };
        let credentials = external_account(&idp, &audience, &subject_token, Some(DEPLOYER));
        let out = google_auth(&idp, &credentials, &["storage.buckets.list"], &[]).await;
        assert!(out.get("token").is_none(), "{what}: {out}");
        assert_refused(
            &out,
            "google.auth.exceptions.OAuthError",
            &format!("Error code {error}: {description}"),
            &sts_body(error, &description),
        );
    }
    // Every refusal stopped at STS: no token was issued.
    assert!(idp.google_issued_tokens().is_empty());
}

#[tokio::test]
async fn impersonation_denied_is_permission_denied_with_googles_body() {
    let idp = start(config()).await;
    let audience = project().provider_name(POOL, PROVIDER);
    // Admitted by the pool, but not in the account's workload identity users; and an account that does not exist.
    for (repository, account) in [
        ("acme/other", DEPLOYER),
        ("acme/infra", "ghost@acme-prod.iam.gserviceaccount.com"),
    ] {
        let credentials =
            external_account(&idp, &audience, &github_token(repository), Some(account));
        let out = google_auth(&idp, &credentials, &["storage.buckets.list"], &[]).await;
        assert_refused(
            &out,
            "google.auth.exceptions.RefreshError",
            "Unable to acquire impersonated credentials",
            GET_ACCESS_TOKEN_DENIED,
        );
    }
    // The body is the facts' text to the byte, not only the same JSON.
    let federated = sts_token(&idp, &github_token("acme/other")).await;
    let reply = post_json(
        &idp,
        &format!("/v1/projects/-/serviceAccounts/{DEPLOYER}:generateAccessToken"),
        &federated,
        json!({"scope": ["https://www.googleapis.com/auth/cloud-platform"], "lifetime": "3600s"}),
    )
    .await;
    assert_eq!(reply, (403, GET_ACCESS_TOKEN_DENIED.to_owned()));
}

// ---------------------------------------------------------------------------------------------------------
// Service-account keys

#[tokio::test]
async fn a_service_account_key_gets_a_token_and_the_accounts_permissions() {
    let idp = start(config()).await;
    let credentials = key_file(&idp, KEYED, KEY_ID, &fixture("rsa-2048.pem"));
    let out = google_auth(
        &idp,
        &credentials,
        &["storage.objects.get", "storage.buckets.list"],
        &[],
    )
    .await;
    assert_token(&out, "google.oauth2.service_account.Credentials", 3599);
    assert_eq!(
        out["testIamPermissions"]["body"],
        json!({"permissions": ["storage.objects.get"]}),
        "{out}"
    );
    // None of the asked permissions held: Google answers an empty object.
    let out = google_auth(&idp, &credentials, &["compute.instances.list"], &[]).await;
    assert_eq!(
        out["testIamPermissions"],
        json!({"status": 200, "body": {}}),
        "{out}"
    );
}

#[tokio::test]
async fn a_key_the_account_does_not_have_is_invalid_jwt_signature() {
    let idp = start(config()).await;
    let refused = sts_body("invalid_grant", "Invalid JWT Signature.");
    // Another key under the registered id (a forged or regenerated key), and the right key under an id the
    // account no longer has (deleted, rotated).
    for (key_id, pem) in [
        (KEY_ID, fixture("rsa-other.pem")),
        ("0000deleted0000", fixture("rsa-2048.pem")),
    ] {
        let credentials = key_file(&idp, KEYED, key_id, &pem);
        let out = google_auth(&idp, &credentials, &["storage.objects.get"], &[]).await;
        assert_refused(
            &out,
            "google.auth.exceptions.RefreshError",
            "invalid_grant: Invalid JWT Signature.",
            &refused,
        );
    }
}

#[tokio::test]
async fn an_unknown_service_account_is_account_not_found() {
    let idp = start(config()).await;
    let credentials = key_file(
        &idp,
        "ghost@acme-prod.iam.gserviceaccount.com",
        KEY_ID,
        &fixture("rsa-2048.pem"),
    );
    let out = google_auth(&idp, &credentials, &["storage.objects.get"], &[]).await;
    assert_refused(
        &out,
        "google.auth.exceptions.RefreshError",
        "invalid_grant: Invalid grant: account not found",
        &sts_body("invalid_grant", "Invalid grant: account not found"),
    );
}

// ---------------------------------------------------------------------------------------------------------
// The wire, without google-auth

fn http() -> reqwest::Client {
    // No proxy: a CI runner's HTTP_PROXY must not capture a loopback test.
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

async fn post_form(idp: &Idp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let response = http()
        .post(format!("{}{path}", idp.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("send");
    (
        response.status().as_u16(),
        response.text().await.expect("body"),
    )
}

async fn post_json(idp: &Idp, path: &str, bearer: &str, body: Value) -> (u16, String) {
    let response = http()
        .post(format!("{}{path}", idp.base_url()))
        .header("Authorization", format!("Bearer {bearer}"))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("send");
    (
        response.status().as_u16(),
        response.text().await.expect("body"),
    )
}

/// A federated token for `subject_token` from the server's STS.
async fn sts_token(idp: &Idp, subject_token: &str) -> String {
    let audience = project().provider_name(POOL, PROVIDER);
    let (status, body) = post_form(
        idp,
        "/v1/token",
        &[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("audience", &audience),
            ("scope", "https://www.googleapis.com/auth/cloud-platform"),
            (
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:access_token",
            ),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
            ("subject_token", subject_token),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        json["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(json["token_type"], "Bearer");
    assert!(json["expires_in"].is_u64(), "{body}");
    json["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// An RS256 assertion signed with a fixture key, with this header `kid` and these claims.
fn assertion(pem: &str, kid: &str, claims: &Value) -> String {
    let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).expect("PEM key");
    let pair = RsaKeyPair::from_pkcs8(der.secret_der()).expect("RSA key");
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0; pair.public_modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message.as_bytes(),
        &mut signature,
    )
    .expect("sign");
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[tokio::test]
async fn the_key_grant_checks_audience_lifetime_and_scope_after_the_signature() {
    let idp = start(config()).await;
    let now = unix_now() as i64;
    let own = format!("{}/token", idp.base_url());
    let claims = |aud: &str, iat: i64, exp: i64, scope: Option<&str>| {
        let mut claims = json!({"iss": KEYED, "aud": aud, "iat": iat, "exp": exp});
        if let Some(scope) = scope {
            claims["scope"] = json!(scope);
        }
        claims
    };
    let scope = Some("https://www.googleapis.com/auth/cloud-platform");
    let lifetime = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. \
                    Check your iat and exp values in the JWT claim.";
    let cases = [
        (
            "this server's token URL",
            claims(&own, now, now + 3600, scope),
            200,
            "",
        ),
        (
            "Google's, as google-auth writes it",
            claims("https://oauth2.googleapis.com/token", now, now + 600, scope),
            200,
            "",
        ),
        (
            "another audience",
            claims(
                "https://www.googleapis.com/oauth2/v4/token",
                now,
                now + 600,
                scope,
            ),
            400,
            "Invalid JWT: Failed audience check. The right audience is https://oauth2.googleapis.com/token",
        ),
        (
            "expired",
            claims(&own, now - 4000, now - 400, scope),
            400,
            lifetime,
        ),
        (
            "longer than an hour",
            claims(&own, now, now + 3601, scope),
            400,
            lifetime,
        ),
        (
            "issued in the future",
            claims(&own, now + 1000, now + 2000, scope),
            400,
            lifetime,
        ),
        (
            "no scope",
            claims(&own, now, now + 600, None),
            400,
            "Invalid OAuth scope or ID token audience provided.",
        ),
    ];
    let pem = fixture("rsa-2048.pem");
    for (what, claims, status, description) in cases {
        let grant = assertion(&pem, KEY_ID, &claims);
        let (got, body) = post_form(
            &idp,
            "/token",
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &grant),
            ],
        )
        .await;
        assert_eq!(got, status, "{what}: {body}");
        let json: Value = serde_json::from_str(&body).expect("JSON");
        if status == 200 {
            assert_eq!(json["expires_in"], 3599, "{what}");
            assert_eq!(json["token_type"], "Bearer", "{what}");
            assert!(
                json["access_token"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("ya29.")),
                "{what}"
            );
        } else {
            let error = if description.starts_with("Invalid OAuth scope") {
                "invalid_scope"
            } else {
                "invalid_grant"
            };
            assert_eq!(
                json,
                json!({"error": error, "error_description": description}),
                "{what}"
            );
        }
    }
    // A bad signature is found before anything else: the same expired claims, signed with another key.
    let grant = assertion(
        &fixture("rsa-other.pem"),
        KEY_ID,
        &claims(&own, now - 4000, now - 400, None),
    );
    let (status, body) = post_form(
        &idp,
        "/token",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &grant),
        ],
    )
    .await;
    assert_eq!(
        (status, body),
        (400, sts_body("invalid_grant", "Invalid JWT Signature."))
    );
}

#[tokio::test]
async fn unknown_bearers_are_unauthenticated_and_unknown_projects_denied() {
    let idp = start(config()).await;
    let unauthenticated = json!({"error": {
        "code": 401,
        "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or \
                    other valid authentication credential. See \
                    https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "status": "UNAUTHENTICATED",
    }});
    let ask = json!({"permissions": ["storage.buckets.list"]});
    let test_iam = format!("/v1/projects/{PROJECT_ID}:testIamPermissions");
    let (status, body) = post_json(&idp, &test_iam, "ya29.not-issued-here", ask.clone()).await;
    assert_eq!(status, 401);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON"),
        unauthenticated
    );

    let token = sts_token(&idp, &github_token("acme/infra")).await;
    for project in [PROJECT_ID, PROJECT_NUMBER] {
        let path = format!("/v1/projects/{project}:testIamPermissions");
        let (status, body) = post_json(&idp, &path, &token, ask.clone()).await;
        assert_eq!(
            (status, body.as_str()),
            (200, r#"{"permissions":["storage.buckets.list"]}"#)
        );
    }
    let (status, body) = post_json(
        &idp,
        "/v1/projects/someone-else:testIamPermissions",
        &token,
        ask.clone(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON"),
        json!({"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}})
    );
}

#[tokio::test]
async fn an_expired_token_is_unauthenticated_everywhere() {
    let idp = start(GoogleConfig {
        behavior: GoogleBehavior {
            token_seconds: Some(1),
            ..GoogleBehavior::default()
        },
        ..config()
    })
    .await;
    let token = sts_token(&idp, &github_token("acme/infra")).await;
    // Issued for one second (counted in whole seconds): gone after two.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let impersonate = format!("/v1/projects/-/serviceAccounts/{DEPLOYER}:generateAccessToken");
    let test_iam = format!("/v1/projects/{PROJECT_ID}:testIamPermissions");
    for path in [impersonate, test_iam] {
        let (status, body) = post_json(
            &idp,
            &path,
            &token,
            json!({"scope": ["x"], "permissions": ["x"]}),
        )
        .await;
        assert_eq!(status, 401, "{path}: {body}");
        assert!(body.contains("\"UNAUTHENTICATED\""), "{path}: {body}");
    }
    let response = http()
        .get(format!("{}/v1/projects/{PROJECT_NUMBER}", idp.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn configs_a_test_could_not_mean_are_refused_at_start() {
    let key = RegisteredKey::from_pem(&fixture("ec-p256.pem"), None, None).expect("EC key");
    for config in [
        GoogleConfig::new("acme-prod", "not-a-number"),
        project().provider(WorkloadProvider::new("GitHub", PROVIDER, GITHUB_ISSUER)),
        project().service_account(ServiceAccount::new(KEYED).key("ec", key)),
        project().service_account(
            ServiceAccount::new(DEPLOYER).workload_identity_user("repo:acme/infra"),
        ),
    ] {
        let err = Idp::start_google(config).await.expect_err("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
}
