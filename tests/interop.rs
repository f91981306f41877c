//! The engine against real authorisation servers this project did not write: Node's oidc-provider and
//! Python's Authlib, started on loopback by scripts/interop-server and scripts/interop-authlib-server.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use authcheck::check::{
    self, AuthMethod, CheckRequest, Endpoint, Plain, Reason, Secret, SecretOrigin,
};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(script: &str) -> Server {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(root.join("scripts").join(script))
        .env("OIDC_MAX_SECONDS", "300")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|err| panic!("start {script}: {err}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("LISTENING line");
    let base = line
        .trim()
        .strip_prefix("LISTENING ")
        .unwrap_or_else(|| panic!("{script} did not start: {line:?}"))
        .to_string();
    Server { child, base }
}

fn request(
    endpoint: Endpoint,
    id: &str,
    secret: &str,
    scopes: &[&str],
    method: AuthMethod,
) -> CheckRequest {
    let mut request = CheckRequest::new(
        endpoint,
        id,
        Secret::new(secret),
        SecretOrigin::Env("TEST_SECRET".into()),
    );
    request.auth_method = method;
    request.scopes = scopes.iter().map(|s| s.to_string()).collect();
    request.timeout = Duration::from_secs(10);
    request.max_retries = 0;
    request
}

async fn run(request: CheckRequest) -> check::Report {
    let (_keep, cancel) = tokio::sync::watch::channel(false);
    check::run(request, cancel).await
}

struct Case {
    name: &'static str,
    id: &'static str,
    secret: &'static str,
    scopes: &'static [&'static str],
    method: AuthMethod,
    reason: Reason,
    summary_has: &'static str,
}

async fn table(server: &Server, token_path: &str, cases: &[Case]) -> Vec<String> {
    let mut problems = Vec::new();
    for case in cases {
        let endpoint = Endpoint::TokenUrl(format!("{}{token_path}", server.base));
        let report = run(request(
            endpoint,
            case.id,
            case.secret,
            case.scopes,
            case.method,
        ))
        .await;
        if report.reason != case.reason || !report.summary_in(&Plain).contains(case.summary_has) {
            problems.push(format!(
                "{}: expected {} / {:?}, got {} / {:?}\n{}",
                case.name,
                case.reason.code(),
                case.summary_has,
                report.reason.code(),
                report.summary_in(&Plain),
                report.detail_in(&Plain)
            ));
        }
        if report.detail_in(&Plain).contains(case.secret)
            || report.summary_in(&Plain).contains(case.secret)
        {
            problems.push(format!("{}: the secret appears in the report", case.name));
        }
    }
    problems
}

#[tokio::test]
async fn oidc_provider_answers_are_named_right() {
    let server = start("interop-server");
    use AuthMethod::{Auto, ClientSecretBasic as Basic};
    let cases = [
        Case {
            name: "good basic",
            id: "cc-basic",
            secret: "basic-secret-1",
            scopes: &["read"],
            method: Basic,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "good post via auto",
            id: "cc-post",
            secret: "post-secret-1",
            scopes: &[],
            method: Auto,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "special characters, RFC encoding",
            id: "cc-special",
            secret: "s3cr+t/with=chars&%",
            scopes: &[],
            method: Basic,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "wrong secret",
            id: "cc-basic",
            secret: "not-the-secret",
            scopes: &[],
            method: Auto,
            reason: Reason::InvalidClient,
            summary_has: "unknown client or wrong secret",
        },
        Case {
            name: "unknown client",
            id: "cc-nobody",
            secret: "x-secret",
            scopes: &[],
            method: Auto,
            reason: Reason::InvalidClient,
            summary_has: "unknown client or wrong secret",
        },
        Case {
            name: "grant not allowed",
            id: "cc-nogrant",
            secret: "nogrant-secret-1",
            scopes: &[],
            method: Auto,
            reason: Reason::GrantNotAllowed,
            summary_has: "not allowed to use the client-credentials grant",
        },
        Case {
            name: "refused scope",
            id: "cc-basic",
            secret: "basic-secret-1",
            scopes: &["read", "admin"],
            method: Auto,
            reason: Reason::InvalidScope,
            summary_has: "refused scope \"admin\"",
        },
    ];
    let problems = table(&server, "/token", &cases).await;

    // A JWT access token: the granted scopes are read from its claims. It lacks `write`, which the check did
    // not request; asked for it, the server grants it: valid, with a warning to request it.
    let mut jwt = request(
        Endpoint::TokenUrl(format!("{}/token", server.base)),
        "cc-jwt",
        "jwt-secret-1",
        &["read"],
        AuthMethod::Auto,
    );
    jwt.required_scopes = vec!["read".into(), "write".into()];
    let report = run(jwt).await;
    let mut problems = problems;
    let warned = report.findings.checks.iter().any(|c| {
        c.name() == "scopes"
            && c.status == check::Status::Warn
            && c.detail
                .render(&Plain)
                .contains("gets write when it asks for it")
    });
    if report.reason != Reason::Ok || !warned {
        problems.push(format!(
            "jwt scopes: {} {:?} {:?}\n{}",
            report.reason.code(),
            report.findings.granted_scopes,
            report.findings.checks,
            report.detail_in(&Plain)
        ));
    }

    // Discovery from the issuer finds the token endpoint.
    let report = run(request(
        Endpoint::Issuer(server.base.clone()),
        "cc-basic",
        "basic-secret-1",
        &[],
        AuthMethod::Auto,
    ))
    .await;
    if report.reason != Reason::Ok
        || report.findings.token_url.as_deref() != Some(format!("{}/token", server.base).as_str())
    {
        problems.push(format!(
            "discovery: {} {:?}\n{}",
            report.reason.code(),
            report.findings.token_url,
            report.detail_in(&Plain)
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[tokio::test]
async fn authlib_answers_are_named_right() {
    let server = start("interop-authlib-server");
    use AuthMethod::{Auto, ClientSecretBasic as Basic, ClientSecretPost as Post};
    let cases = [
        Case {
            name: "good basic",
            id: "cc-basic",
            secret: "basic-secret-1",
            scopes: &["read", "write"],
            method: Basic,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "post client via auto falls back to post",
            id: "cc-post",
            secret: "post-secret-1",
            scopes: &[],
            method: Auto,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "post client with explicit post",
            id: "cc-post",
            secret: "post-secret-1",
            scopes: &[],
            method: Post,
            reason: Reason::Ok,
            summary_has: "obtained a token",
        },
        Case {
            name: "wrong secret",
            id: "cc-basic",
            secret: "not-the-secret",
            scopes: &[],
            method: Basic,
            reason: Reason::InvalidClient,
            summary_has: "unknown client or wrong secret",
        },
        Case {
            name: "unknown client",
            id: "cc-nobody",
            secret: "x-secret",
            scopes: &[],
            method: Basic,
            reason: Reason::ClientNotFound,
            summary_has: "does not know client cc-nobody",
        },
        Case {
            name: "grant not allowed",
            id: "cc-nogrant",
            secret: "nogrant-secret-1",
            scopes: &[],
            method: Basic,
            reason: Reason::GrantNotAllowed,
            summary_has: "not allowed",
        },
        Case {
            name: "refused scope",
            id: "cc-basic",
            secret: "basic-secret-1",
            scopes: &["admin"],
            method: Basic,
            reason: Reason::InvalidScope,
            summary_has: "refused scope \"admin\"",
        },
    ];
    let problems = table(&server, "/token", &cases).await;
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Required scopes on real servers with only `token_url` given (and, for oidc-provider, through `issuer`): a
/// client not allowed a scope fails naming it; a client allowed it but not given it by default passes with a
/// warning that says to request it.
#[tokio::test]
async fn required_scopes_are_verified_whatever_the_server_shows() {
    let mut problems = Vec::new();
    for (script, token_path, issuer) in [
        ("interop-server", "/token", true),
        ("interop-authlib-server", "/token", false),
    ] {
        let server = start(script);
        let mut endpoints = vec![Endpoint::TokenUrl(format!("{}{token_path}", server.base))];
        if issuer {
            endpoints.push(Endpoint::Issuer(server.base.clone()));
        }
        for endpoint in endpoints {
            let label = format!("{script} {endpoint:?}");
            let check = |id: &str, secret: &str| {
                let mut request = request(endpoint.clone(), id, secret, &[], AuthMethod::Auto);
                request.required_scopes = vec!["write".into()];
                request
            };
            let report = run(check("cc-readonly", "readonly-secret-1")).await;
            if report.reason != Reason::MissingScopes || report.findings.missing_scopes != ["write"]
            {
                problems.push(format!(
                    "{label}: a client not allowed `write`: {} {:?}\n{}",
                    report.reason.code(),
                    report.findings.missing_scopes,
                    report.detail_in(&Plain)
                ));
            }
            let report = run(check("cc-basic", "basic-secret-1")).await;
            let warned = report.findings.checks.iter().any(|c| {
                c.name() == "scopes"
                    && c.status == check::Status::Warn
                    && c.detail.render(&Plain).contains("when it asks for it")
            });
            if report.reason != Reason::Ok || !warned {
                problems.push(format!(
                    "{label}: a client given `write` only when asked: {} {:?}\n{}",
                    report.reason.code(),
                    report.findings.checks,
                    report.detail_in(&Plain)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

fn fixture(path: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
        .display()
        .to_string()
}

/// Inputs as a user gives them (files by path), resolved and run.
async fn run_inputs(inputs: authcheck::check::Inputs) -> check::Report {
    let request = match inputs.resolve(&|_| None) {
        Ok(request) => request,
        Err(report) => return *report,
    };
    run(request).await
}

/// Client authentication without shared secrets against oidc-provider: each method works, and the common
/// failures are named with the likely cause, none of them quoting the key, the assertion or the token.
#[tokio::test]
async fn keys_certificates_and_federated_tokens_against_oidc_provider() {
    use authcheck::check::{Given, Inputs};
    use authcheck::surface::Input;
    let server = start("interop-server");
    let token_url = format!("{}/token", server.base);
    let ca = std::fs::read_to_string(fixture("certs/ca.pem")).expect("ca");
    let base = |id: &str| {
        Inputs::new()
            .with_text(Input::TokenUrl, token_url.clone())
            .with_text(Input::ClientId, id)
            .with(Input::TimeoutSeconds, Given::Int(10))
            .with(Input::MaxRetries, Given::Int(0))
    };
    let mut problems = Vec::new();
    let mut expect = |label: &str, report: &check::Report, reason: Reason, words: &[&str]| {
        let all = format!(
            "{}\n{}",
            report.summary_in(&Plain),
            report.detail_in(&Plain)
        );
        let missing: Vec<&&str> = words.iter().filter(|w| !all.contains(**w)).collect();
        if report.reason != reason || !missing.is_empty() {
            problems.push(format!(
                "{label}: expected {} with {missing:?}, got {}:\n{all}",
                reason.code(),
                report.reason.code()
            ));
        }
        for needle in ["PRIVATE KEY", "eyJ"] {
            if all.contains(needle) {
                problems.push(format!("{label}: {needle} appears in the report"));
            }
        }
    };

    // Each method works.
    for (label, inputs) in [
        (
            "private_key_jwt RSA (RS256)",
            base("cc-pkjwt-rsa").with_text(Input::PrivateKeyFile, fixture("keys/rsa-2048.pem")),
        ),
        (
            "private_key_jwt RSA (PS256, PKCS#1)",
            base("cc-pkjwt-rsa")
                .with_text(Input::PrivateKeyFile, fixture("keys/rsa-2048-pkcs1.pem"))
                .with_text(Input::SigningAlgorithm, "PS256"),
        ),
        (
            "private_key_jwt EC P-256 (SEC1)",
            base("cc-pkjwt-ec").with_text(Input::PrivateKeyFile, fixture("keys/ec-p256.pem")),
        ),
        (
            "private_key_jwt EC P-384",
            base("cc-pkjwt-ec").with_text(Input::PrivateKeyFile, fixture("keys/ec-p384.pem")),
        ),
        (
            "private_key_jwt from PKCS#12 with x5t#S256",
            base("cc-pkjwt-x5t")
                .with_text(Input::Pkcs12File, fixture("certs/bundle.pfx"))
                .with(
                    Input::Pkcs12Password,
                    Given::Secret(
                        authcheck::check::Secret::new("pfx-password"),
                        SecretOrigin::Input(Input::Pkcs12Password),
                    ),
                ),
        ),
        (
            "client_secret_jwt",
            base("cc-secretjwt")
                .with_text(Input::AuthMethod, "client_secret_jwt")
                .with(
                    Input::ClientSecret,
                    Given::Secret(
                        authcheck::check::Secret::new(
                            "secretjwt-secret-0123456789abcdef0123456789abcdef",
                        ),
                        SecretOrigin::Env("TEST_SECRET".into()),
                    ),
                ),
        ),
        (
            "tls_client_auth through the discovery's mTLS alias",
            base("cc-tls")
                .with_text(Input::AuthMethod, "tls_client_auth")
                .with_text(Input::PrivateKeyFile, fixture("certs/mtls-client-key.pem"))
                .with_text(Input::CertificateFile, fixture("certs/mtls-client.pem"))
                .with_text(Input::CaCertPem, ca.clone())
                .with_text(Input::Issuer, server.base.clone()),
        ),
        (
            "self_signed_tls_client_auth",
            base("cc-selfsigned")
                .with_text(Input::AuthMethod, "self_signed_tls_client_auth")
                .with_text(
                    Input::PrivateKeyFile,
                    fixture("certs/selfsigned-client-key.pem"),
                )
                .with_text(
                    Input::CertificateFile,
                    fixture("certs/selfsigned-client.pem"),
                )
                .with_text(Input::CaCertPem, ca.clone())
                .with_text(Input::Issuer, server.base.clone()),
        ),
    ] {
        let mut inputs = inputs;
        if inputs.is_set(Input::Issuer) {
            inputs.remove(Input::TokenUrl);
        }
        let report = run_inputs(inputs).await;
        expect(label, &report, Reason::Ok, &["obtained a token"]);
    }

    // The key is not the registered one: the key comes first among the causes, with the assertion's facts.
    let report = run_inputs(
        base("cc-pkjwt-rsa").with_text(Input::PrivateKeyFile, fixture("keys/rsa-other.pem")),
    )
    .await;
    expect(
        "wrong key",
        &report,
        Reason::InvalidClient,
        &[
            "Assertion: alg RS256",
            "1. the key that signed the assertion is not one registered",
            "client assertion",
        ],
    );

    // A wrong audience.
    let report = run_inputs(
        base("cc-pkjwt-rsa")
            .with_text(Input::PrivateKeyFile, fixture("keys/rsa-2048.pem"))
            .with_text(Input::AssertionAudience, "https://wrong.example/token"),
    )
    .await;
    expect(
        "wrong audience",
        &report,
        Reason::InvalidClient,
        &["aud \"https://wrong.example/token\"", "assertion_audience"],
    );

    // A secret sent for a client registered with a key.
    let report = run_inputs(base("cc-pkjwt-rsa").with(
        Input::ClientSecret,
        Given::Secret(
            authcheck::check::Secret::new("some-secret-value"),
            SecretOrigin::Env("TEST_SECRET".into()),
        ),
    ))
    .await;
    expect(
        "secret for a key client",
        &report,
        Reason::InvalidClient,
        &["the server expects the other authentication method"],
    );

    // The same through the issuer: oidc-provider's metadata lists the methods that need no plain secret, and the
    // causes name them instead of "the other authentication method".
    let mut by_issuer = base("cc-pkjwt-rsa")
        .with_text(Input::Issuer, server.base.clone())
        .with(
            Input::ClientSecret,
            Given::Secret(
                authcheck::check::Secret::new("some-secret-value"),
                SecretOrigin::Env("TEST_SECRET".into()),
            ),
        );
    by_issuer.remove(Input::TokenUrl);
    let report = run_inputs(by_issuer).await;
    let generic_stays = report
        .detail_in(&Plain)
        .contains("the server expects the other authentication method")
        .then(|| report.detail_in(&Plain));
    expect(
        "secret for a key client, metadata at hand",
        &report,
        Reason::InvalidClient,
        &[
            "the client may be registered for a method the server's metadata lists: private_key_jwt (give the \
             client's key in private_key_file, private_key_pem or pkcs12_file)",
            "client_secret_jwt (auth_method = \"client_secret_jwt\"",
            "mutual TLS (auth_method = \"tls_client_auth\" or auth_method = \"self_signed_tls_client_auth\"",
        ],
    );

    // An expired assertion, handed over as a federated token (a JWT minted elsewhere).
    let dir = std::env::temp_dir().join(format!("authcheck-interop-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let expired = dir.join("expired.jwt");
    std::fs::write(&expired, expired_assertion("cc-pkjwt-rsa", &token_url)).expect("write");
    let report = run_inputs(
        base("cc-pkjwt-rsa")
            .with_text(Input::AuthMethod, "federated")
            .with_text(Input::FederatedTokenFile, expired.display().to_string()),
    )
    .await;
    expect(
        "expired assertion",
        &report,
        Reason::InvalidClient,
        &["s ago", "federated token"],
    );

    // A federated method without a token, outside a CI job that may request one.
    let report = run_inputs(base("cc-pkjwt-rsa").with_text(Input::AuthMethod, "federated")).await;
    expect(
        "no federated token",
        &report,
        Reason::InvalidInput,
        &["id-token: write"],
    );
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(detail) = generic_stays {
        problems.push(format!(
            "secret for a key client, metadata at hand: the generic cause stays:\n{detail}"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// An assertion for `client_id` signed with the registered RSA key, expired an hour ago.
fn expired_assertion(client_id: &str, audience: &str) -> String {
    use base64::Engine;
    let key_pem = std::fs::read_to_string(fixture("keys/rsa-2048.pem")).expect("key");
    let (key, _) = authcheck::check::internals::credential::keys::from_pem(
        authcheck::surface::Input::PrivateKeyFile,
        &key_pem,
    )
    .expect("key");
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = authcheck::check::internals::clock::now_unix();
    let header = serde_json::json!({"alg": "RS256", "kid": "rsa-1"});
    let claims = serde_json::json!({"iss": client_id, "sub": client_id, "aud": audience, "iat": now - 4000, "exp": now - 3600, "jti": format!("expired-{now}")});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = key
        .sign(
            authcheck::check::internals::credential::keys::Alg::Rs256,
            input.as_bytes(),
        )
        .expect("sign");
    format!("{input}.{}", b64(&signature))
}

/// private_key_jwt and federated tokens through real `terraform plan`s (data source and ephemeral resource) and
/// the CLI, against oidc-provider; the plan output, TF_LOG=trace log and saved plan hold no key, assertion or
/// token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_federated_tokens_through_terraform_and_the_cli_leak_nothing() {
    use support::terraform::{
        contains, plan_contents, run as terraform, terraforms, text, version_of, workspace,
    };
    let server = start("interop-server");
    let token_url = format!("{}/token", server.base);
    let key_path = fixture("keys/rsa-2048.pem");
    let other_key = fixture("keys/rsa-other.pem");
    let key_pem = std::fs::read_to_string(&key_path).expect("key");
    // A line from the middle of each key: any quote of the key would contain it.
    let key_lines: Vec<String> = [
        key_pem.clone(),
        std::fs::read_to_string(&other_key).expect("key"),
    ]
    .iter()
    .map(|pem| pem.lines().nth(5).unwrap_or_default().to_string())
    .collect();
    let dir = std::env::temp_dir().join(format!("authcheck-interop-tf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let federated = dir.join("federated.jwt");
    std::fs::write(&federated, expired_assertion("cc-pkjwt-rsa", &token_url)).expect("write");
    let federated_token = std::fs::read_to_string(&federated).expect("token");
    let leaks = |label: &str, hay: &str, problems: &mut Vec<String>| {
        for line in &key_lines {
            if hay.contains(line.as_str()) {
                problems.push(format!("{label}: a private key appears"));
            }
        }
        // Assertions, federated tokens and oidc-provider's JWTs all start with a base64url JSON header.
        if hay.contains("eyJ") || hay.contains(federated_token.trim()) {
            problems.push(format!("{label}: a JWT (assertion or token) appears"));
        }
    };
    let mut problems = Vec::new();

    // The CLI.
    let cli = |args: Vec<String>| {
        std::process::Command::new(env!("CARGO_BIN_EXE_authcheck"))
            .args(args)
            .env_remove("AUTHCHECK_CLIENT_SECRET")
            .env("NO_COLOR", "1")
            .output()
            .expect("authcheck")
    };
    let args = |key: &str| -> Vec<String> {
        [
            "check",
            "--token-url",
            &token_url,
            "--client-id",
            "cc-pkjwt-rsa",
            "--private-key-file",
            key,
            "--format",
            "json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let good = cli(args(&key_path));
    let bad = cli(args(&other_key));
    if good.status.code() != Some(0) || bad.status.code() != Some(1) {
        problems.push(format!(
            "cli exit codes {:?} {:?}: {}",
            good.status.code(),
            bad.status.code(),
            String::from_utf8_lossy(&bad.stdout)
        ));
    }
    for out in [&good, &bad] {
        leaks(
            "cli",
            &format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            &mut problems,
        );
    }

    // Terraform: a data source with a key file, a failing one with the wrong key, a federated token file, and
    // (Terraform 1.10+) the ephemeral resource with the key inline.
    let tf = terraforms().remove(0);
    let version = version_of(&tf);
    let main = format!(
        "data \"authcheck_client_credentials\" \"key\" {{\n  token_url = \"{token_url}\"\n  client_id = \"cc-pkjwt-rsa\"\n  private_key_file = var.key_file\n}}\n\
         variable \"key_file\" {{\n  type = string\n}}\n"
    );
    let federated_main = format!(
        "data \"authcheck_client_credentials\" \"fed\" {{\n  token_url = \"{token_url}\"\n  client_id = \"cc-pkjwt-rsa\"\n  auth_method = \"federated\"\n  federated_token_file = \"{}\"\n}}\n",
        federated.display()
    );
    let ephemeral_main = format!(
        "variable \"key\" {{\n  type = string\n  sensitive = true\n  ephemeral = true\n}}\n\
         ephemeral \"authcheck_client_credentials\" \"key\" {{\n  token_url = \"{token_url}\"\n  client_id = \"cc-pkjwt-rsa\"\n  private_key_pem = var.key\n}}\n"
    );
    type Case<'a> = (&'a str, String, Vec<(String, String)>, bool, &'a str);
    let cases: Vec<Case> = {
        let mut cases = vec![
            (
                "key file",
                main.clone(),
                vec![("TF_VAR_key_file".into(), key_path.clone())],
                true,
                "Read complete",
            ),
            (
                "wrong key",
                main,
                vec![("TF_VAR_key_file".into(), other_key.clone())],
                false,
                "reason: invalid_client",
            ),
            (
                "expired federated token",
                federated_main,
                vec![],
                false,
                "federated token",
            ),
        ];
        if version >= (1, 10) {
            cases.push((
                "ephemeral key",
                ephemeral_main,
                vec![("TF_VAR_key".into(), key_pem.clone())],
                true,
                "Opening",
            ));
        }
        cases
    };
    for (label, config, env, success, words) in cases {
        let ws = workspace(
            &format!("interop-{}", label.replace(' ', "-")),
            &[("main.tf", config)],
        );
        let tf = tf.clone();
        let (out, log) = tokio::task::spawn_blocking(move || {
            let log = ws.dir.join("trace.log");
            let log_text = log.display().to_string();
            let mut env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            env.extend([("TF_LOG", "trace"), ("TF_LOG_PATH", log_text.as_str())]);
            let out = terraform(
                &tf,
                &ws,
                &["plan", "-no-color", "-input=false", "-out=p.tfplan"],
                &env,
            );
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            (
                out,
                format!("{log}{}", plan_contents(&ws.dir.join("p.tfplan"))),
            )
        })
        .await
        .expect("join");
        let all = text(&out);
        if out.status.success() != success || !contains(&all, words) {
            problems.push(format!(
                "{label}: exit {:?}, expected {words:?}:\n{all}",
                out.status.code()
            ));
        }
        leaks(label, &format!("{all}{log}"), &mut problems);
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// A secret given for oidc-provider's client registered with a key, found through the issuer: `authcheck check`
/// and a `terraform plan` each name the methods the server's metadata lists, and the inputs each needs, in their
/// own words (flags for the CLI, attributes and HCL for Terraform).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_for_a_key_client_names_the_listed_methods_in_each_face() {
    use support::terraform::{contains, run as terraform, terraforms, text, workspace};
    let server = start("interop-server");
    let secret = "some-secret-for-a-keyed-client";
    let dir = std::env::temp_dir().join(format!("authcheck-interop-keyed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let secret_file = dir.join("secret");
    std::fs::write(&secret_file, secret).expect("write");
    let mut problems = Vec::new();

    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args([
            "check",
            "--issuer",
            &server.base,
            "--client-id",
            "cc-pkjwt-rsa",
        ])
        .arg("--client-secret-file")
        .arg(&secret_file)
        .env_remove("AUTHCHECK_CLIENT_SECRET")
        .env("NO_COLOR", "1")
        .output()
        .expect("authcheck");
    let out = String::from_utf8_lossy(&cli.stdout).to_string();
    let wanted = [
        "INVALID (invalid_client)",
        "3. the client may be registered for a method the server's metadata lists: private_key_jwt (give the \
         client's key in --private-key-file or --pkcs12-file), client_secret_jwt (--auth-method \
         client_secret_jwt, with the same secret) or mutual TLS (--auth-method tls_client_auth or --auth-method \
         self_signed_tls_client_auth, with --certificate-file and its key); this request used client_secret_basic",
        "--private-key-file or --pkcs12-file for private_key_jwt",
    ];
    if cli.status.code() != Some(1) || wanted.iter().any(|w| !contains(&out, w)) {
        problems.push(format!(
            "cli: exit {:?}, expected {wanted:?}:\n{out}",
            cli.status.code()
        ));
    }
    for foreign in ["auth_method =", "private_key_file", secret] {
        if out.contains(foreign) {
            problems.push(format!("cli: {foreign:?} appears:\n{out}"));
        }
    }

    let tf = terraforms().remove(0);
    let main = format!(
        "data \"authcheck_client_credentials\" \"keyed\" {{\n  issuer = \"{}\"\n  client_id = \"cc-pkjwt-rsa\"\n  client_secret_env = \"KEYED_SECRET\"\n}}\n",
        server.base
    );
    let ws = workspace("interop-keyed-secret", &[("main.tf", main)]);
    let out = tokio::task::spawn_blocking(move || {
        let out = terraform(
            &tf,
            &ws,
            &["plan", "-no-color", "-input=false"],
            &[("KEYED_SECRET", secret)],
        );
        drop(ws);
        out
    })
    .await
    .expect("join");
    let all = text(&out);
    let wanted = [
        "reason: invalid_client",
        "3. the client may be registered for a method the server's metadata lists: private_key_jwt (give the \
         client's key in private_key_file or pkcs12_file), client_secret_jwt (auth_method = \
         \"client_secret_jwt\", with the same secret) or mutual TLS (auth_method = \"tls_client_auth\" or \
         auth_method = \"self_signed_tls_client_auth\", with certificate_file and its key); this request used \
         client_secret_basic",
        "private_key_file or pkcs12_file for private_key_jwt",
    ];
    if out.status.success() || wanted.iter().any(|w| !contains(&all, w)) {
        problems.push(format!(
            "terraform: exit {:?}, expected {wanted:?}:\n{all}",
            out.status.code()
        ));
    }
    for foreign in ["--auth-method", "--private-key-file", secret] {
        if all.contains(foreign) {
            problems.push(format!("terraform: {foreign:?} appears:\n{all}"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
