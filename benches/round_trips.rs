//! Dependent round trips of a Genesys Cloud check, a Microsoft Entra ID check, an AWS check and a Google Cloud
//! check at a real distance: the embedded test server (Genesys, Entra, AWS STS and Google flavours) behind
//! delaying TCP proxies (one standing in for the login host or STS, AWS's or Google's, one for the API host:
//! Genesys' API, Resource Manager, or Google's IAM Credentials and Resource Manager behind `gcp_api_url`), each
//! adding half the round-trip time in each direction and a full round trip for the TCP handshake. A check's wall
//! time divided by the round-trip time is the number of round trips it waits for, one after another.
//!
//!   cargo bench --bench round_trips            (BENCH_RTT_MS, default 100; BENCH_RUNS, default 7)

use std::collections::HashMap;
use std::time::{Duration, Instant};

use authcheck::check::{self, Given, Inputs, Secret, SecretOrigin};
use authcheck::cli::preflight;
use authcheck::demo::idp::{
    Client, ENTRA_TEST_SUBSCRIPTION, ENTRA_TEST_TENANT, Flavor, GITHUB_ISSUER, GoogleConfig, Idp,
    IdpConfig, Inspect, OidcProvider, Org, ServiceAccount, StsConfig, StsRole, StsUser,
    WorkloadProvider, workload_token, workload_token_with_claims,
};
use authcheck::surface::Input;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const CLIENT_ID: &str = "3f2a8c1e-0b6d-4c53-9a71-2f0e5d4b8a90";
const SECRET: &str = "bench-genesys-secret";
/// The same roles, readable only as roles.
const ROLES_ID: &str = "22222222-3333-4444-8555-666666666666";
/// The same roles, not readable at all: probes tell.
const PROBE_ID: &str = "33333333-4444-4555-8666-777777777777";

/// Copies `from` to `to`, each chunk delivered `one_way` after it was read, and none before `not_before`.
async fn delayed_copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    one_way: Duration,
    not_before: tokio::time::Instant,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let reader = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let due = (tokio::time::Instant::now() + one_way).max(not_before);
                    if tx.send((due, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });
    while let Some((due, bytes)) = rx.recv().await {
        tokio::time::sleep_until(due).await;
        if to.write_all(&bytes).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
    reader.abort();
}

/// A proxy on loopback to `target` that makes every connection behave as if `rtt` away; returns its address.
async fn delaying_proxy(target: std::net::SocketAddr, rtt: Duration) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let addr = listener.local_addr().expect("proxy address");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let accepted = tokio::time::Instant::now();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(target).await else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                // The handshake: the client's first bytes reach the server one and a half round trips after it
                // started connecting (SYN, SYN-ACK, then the data).
                let first = accepted + rtt + rtt / 2;
                tokio::join!(
                    delayed_copy(client_read, server_write, rtt / 2, first),
                    delayed_copy(server_read, client_write, rtt / 2, accepted),
                );
            });
        }
    });
    addr
}

/// An Entra app with a role on the test subscription.
const ENTRA_APP: &str = "9b1d4c6e-5f70-4182-9dae-3f4a5b6c7d8e";

async fn entra_check(login: &str, management: &str, subscription: bool) -> (bool, String) {
    let mut inputs = Inputs::new()
        .with_text(Input::ClientId, ENTRA_APP)
        .with(
            Input::ClientSecret,
            Given::Secret(
                Secret::new(SECRET),
                SecretOrigin::Env("BENCH_SECRET".into()),
            ),
        )
        .with_text(Input::EntraTenantId, ENTRA_TEST_TENANT)
        .with_text(Input::EntraLoginUrl, login)
        .with(Input::MaxRetries, Given::Int(0));
    if subscription {
        inputs = inputs
            .with_text(Input::AzureSubscriptionId, ENTRA_TEST_SUBSCRIPTION)
            .with_text(Input::AzureManagementUrl, management);
    }
    let request = inputs.resolve(&|_| None).expect("resolves");
    let report = check::run_fresh(request, tokio::sync::watch::channel(false).1).await;
    (report.valid, report.reason.code().to_string())
}

const AWS_ROLE: &str = "arn:aws:iam::123456789012:role/deploy";
const AWS_KEY: &str = "AKIABENCH00000000001";
const AWS_SECRET: &str = "bench/aws/secret+0123456789abcdefghijklm";
const AWS_SUBJECT: &str = "repo:acme/infra:ref:refs/heads/main";

/// How an AWS check gets its credentials.
#[derive(Clone, Copy)]
enum AwsWay {
    /// Access keys: GetCallerIdentity only.
    Keys,
    /// Access keys assume the role, then GetCallerIdentity.
    AssumeRole,
    /// A web identity token file assumes the role, then GetCallerIdentity.
    WebIdentity,
}

async fn aws_check(sts: &str, way: AwsWay, token_file: &str) -> (bool, String) {
    let mut inputs = Inputs::new()
        .with_text(Input::AwsStsUrl, sts)
        .with_text(Input::AwsRegion, "us-east-1")
        .with(Input::MaxRetries, Given::Int(0));
    if matches!(way, AwsWay::AssumeRole) {
        inputs = inputs.with_text(Input::AwsRoleArn, AWS_ROLE);
    }
    let env = move |name: &str| -> Option<String> {
        let value = match (way, name) {
            (AwsWay::Keys | AwsWay::AssumeRole, "AWS_ACCESS_KEY_ID") => AWS_KEY,
            (AwsWay::Keys | AwsWay::AssumeRole, "AWS_SECRET_ACCESS_KEY") => AWS_SECRET,
            (AwsWay::WebIdentity, "AWS_ROLE_ARN") => AWS_ROLE,
            (AwsWay::WebIdentity, "AWS_WEB_IDENTITY_TOKEN_FILE") => token_file,
            _ => return None,
        };
        Some(value.to_string())
    };
    let request = inputs.resolve(&env).expect("resolves");
    let report = check::run_fresh(request, tokio::sync::watch::channel(false).1).await;
    (report.valid, report.reason.code().to_string())
}

const GCP_PROJECT: &str = "acme-prod";
const GCP_PROJECT_NUMBER: &str = "987654321098";
const GCP_POOL: &str = "github";
const GCP_PROVIDER: &str = "actions";
const GCP_DEPLOYER: &str = "deploy@acme-prod.iam.gserviceaccount.com";
const GCP_PERMISSION: &str = "storage.buckets.list";
const GCP_REPOSITORY: &str = "acme/infra";

/// The project: a GitHub pool whose provider admits acme's repositories, and a deployer the infra repository may
/// impersonate, holding the permission asked about.
///
/// No key row: the test server takes a key's assertion only when its audience is the server's own token URL (or
/// Google's), and authcheck signs it for the token_uri it calls: behind a proxy, the proxy's.
fn google_project() -> GoogleConfig {
    let project = GoogleConfig::new(GCP_PROJECT, GCP_PROJECT_NUMBER);
    let infra = project.principal_set(GCP_POOL, "repository", GCP_REPOSITORY);
    project
        .clone()
        .provider(
            WorkloadProvider::new(GCP_POOL, GCP_PROVIDER, GITHUB_ISSUER)
                .condition("repository_owner", "acme"),
        )
        .service_account(
            ServiceAccount::new(GCP_DEPLOYER)
                .workload_identity_user(&infra)
                .permissions(&[GCP_PERMISSION, "resourcemanager.projects.get"]),
        )
}

/// A GitHub Actions token of the infra repository, for the provider's default audience.
fn github_token() -> String {
    let audience =
        GoogleConfig::new(GCP_PROJECT, GCP_PROJECT_NUMBER).default_audience(GCP_POOL, GCP_PROVIDER);
    workload_token_with_claims(
        GITHUB_ISSUER,
        &format!("repo:{GCP_REPOSITORY}:ref:refs/heads/main"),
        &audience,
        &[("repository", GCP_REPOSITORY), ("repository_owner", "acme")],
    )
}

/// The external_account configuration google-github-actions/auth writes, with a file credential source and STS
/// behind `sts`; impersonating the deployer when asked.
fn federation_config(sts: &str, token_file: &str, impersonate: bool) -> String {
    let audience =
        GoogleConfig::new(GCP_PROJECT, GCP_PROJECT_NUMBER).provider_name(GCP_POOL, GCP_PROVIDER);
    let mut config = serde_json::json!({
        "type": "external_account",
        "audience": audience,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": format!("{sts}/v1/token"),
        "credential_source": {"file": token_file},
    });
    if impersonate {
        // Where the URL points does not matter: the check calls gcp_api_url's generateAccessToken.
        config["service_account_impersonation_url"] = serde_json::json!(format!(
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/{GCP_DEPLOYER}:generateAccessToken"
        ));
    }
    config.to_string()
}

async fn google_check(credentials: &str, api: &str, permissions: bool) -> (bool, String) {
    let mut inputs = Inputs::new()
        .with_text(Input::GcpCredentialsFile, credentials)
        .with_text(Input::GcpApiUrl, api)
        .with(Input::MaxRetries, Given::Int(0));
    if permissions {
        inputs = inputs.with_text(Input::GcpProject, GCP_PROJECT);
        inputs.set(
            Input::RequiredPermissions,
            Given::List(vec![GCP_PERMISSION.to_string()]),
        );
    }
    let request = inputs.resolve(&|_| None).expect("resolves");
    let report = check::run_fresh(request, tokio::sync::watch::channel(false).1).await;
    (report.valid, report.reason.code().to_string())
}

/// Runs `check` `runs` times and prints its table row: wall time and dependent round trips.
async fn row<F, Fut>(name: &str, runs: usize, rtt: Duration, check: F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = (bool, String)>,
{
    let mut samples = Vec::new();
    let mut outcome = String::new();
    for _ in 0..runs {
        let started = Instant::now();
        let (_, reason) = check().await;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        outcome = reason;
    }
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    println!(
        "| {name} | {:.0} / {median:.0} / {:.0} | {:.2} | {outcome} |",
        samples[0],
        samples[samples.len() - 1],
        median / rtt.as_millis() as f64
    );
    median
}

/// The address of a test server, for a proxy to forward to.
fn address(idp: &Idp) -> std::net::SocketAddr {
    idp.base_url()
        .trim_start_matches("http://")
        .parse()
        .expect("idp address")
}

async fn genesys_check(login: &str, api: &str, id: &str, permissions: &[&str]) -> (bool, String) {
    let mut inputs = Inputs::new()
        .with_text(Input::ClientId, id)
        .with(
            Input::ClientSecret,
            Given::Secret(
                Secret::new(SECRET),
                SecretOrigin::Env("BENCH_SECRET".into()),
            ),
        )
        .with_text(Input::GenesysLoginUrl, login)
        .with_text(Input::GenesysApiUrl, api)
        .with(Input::MaxRetries, Given::Int(0));
    if !permissions.is_empty() {
        inputs.set(
            Input::RequiredPermissions,
            Given::List(permissions.iter().map(|p| p.to_string()).collect()),
        );
    }
    let request = inputs.resolve(&|_| None).expect("resolves");
    let report = check::run_fresh(request, tokio::sync::watch::channel(false).1).await;
    (report.valid, report.reason.code().to_string())
}

fn main() {
    let rtt = Duration::from_millis(
        std::env::var("BENCH_RTT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100),
    );
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let quick = std::env::args().any(|a| a == "--test");
    let runs = if quick { 1 } else { runs };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let idp = Idp::start(IdpConfig {
            clients: [
                (CLIENT_ID, Inspect::Grants),
                (ROLES_ID, Inspect::Roles),
                (PROBE_ID, Inspect::Nothing),
            ]
            .into_iter()
            .map(|(id, inspect)| {
                Client::new(id, SECRET)
                    .org(Org {
                        id: "6b1f0c2d-aaaa-4bbb-8ccc-123456789abc".into(),
                        name: "Acme Prod".into(),
                        short_name: "acme-prod".into(),
                    })
                    .permission("routing:queue:view")
                    .inspect(inspect)
            })
            .collect(),
            flavor: Flavor::Genesys,
            max_lifetime: Duration::from_secs(300),
        })
        .await
        .expect("idp");
        let target = address(&idp);
        let login = format!("http://{}", delaying_proxy(target, rtt).await);
        let api = format!("http://{}", delaying_proxy(target, rtt).await);
        let (genesys_login, genesys_api) = (login.clone(), api.clone());
        println!(
            "round trips: a Genesys Cloud check over plain HTTP, login and API hosts each {} ms away (delaying \
             proxies), {runs} runs per row; wall time / RTT = dependent round trips (min / median / max)",
            rtt.as_millis()
        );
        println!("| check | wall ms (min / median / max) | round trips (median) | outcome |");
        println!("|---|---|---|---|");
        let rows: [(&str, &str, &[&str]); 5] = [
            ("token + organisation (tokens/me, organizations/me)", CLIENT_ID, &[]),
            ("... + required_permissions read from grants", CLIENT_ID, &["routing:queue:view"]),
            ("... + a missing permission (grants)", CLIENT_ID, &["architect:flow:view"]),
            ("... + required_permissions read from roles", ROLES_ID, &["routing:queue:view"]),
            ("... + required_permissions probed", PROBE_ID, &["routing:queue:view"]),
        ];
        for (name, id, permissions) in rows {
            row(name, runs, rtt, || genesys_check(&login, &api, id, permissions)).await;
        }

        let entra = Idp::start(IdpConfig {
            clients: vec![Client::new(ENTRA_APP, SECRET).subscription_role(ENTRA_TEST_SUBSCRIPTION)],
            flavor: Flavor::Entra,
            max_lifetime: Duration::from_secs(300),
        })
        .await
        .expect("entra idp");
        let login = format!("http://{}", delaying_proxy(address(&entra), rtt).await);
        let management = format!("http://{}", delaying_proxy(address(&entra), rtt).await);
        let (entra_login, entra_management) = (login.clone(), management.clone());
        println!();
        println!(
            "round trips: a Microsoft Entra ID check, login and Resource Manager hosts each {} ms away",
            rtt.as_millis()
        );
        println!("| check | wall ms (min / median / max) | round trips (median) | outcome |");
        println!("|---|---|---|---|");
        row("token (secret)", runs, rtt, || entra_check(&login, &management, false)).await;
        row(
            "token + role on the subscription (GET /subscriptions/{id})",
            runs,
            rtt,
            || entra_check(&login, &management, true),
        )
        .await;

        let sts = Idp::start_sts(
            StsConfig::new("123456789012")
                .provider(OidcProvider::new(GITHUB_ISSUER, &["sts.amazonaws.com"]))
                .role(
                    StsRole::new("deploy")
                        .trust_web_identity(GITHUB_ISSUER, Some("sts.amazonaws.com"), AWS_SUBJECT)
                        .trust_user("ci"),
                )
                .user(StsUser::new("ci", AWS_KEY, AWS_SECRET)),
        )
        .await
        .expect("sts idp");
        let endpoint = format!("http://{}", delaying_proxy(address(&sts), rtt).await);
        let token_file = std::env::temp_dir().join(format!("authcheck-bench-{}.jwt", std::process::id()));
        println!();
        println!(
            "round trips: an AWS check, STS {} ms away (floor: connect, then each STS action on that connection)",
            rtt.as_millis()
        );
        println!("| check | wall ms (min / median / max) | round trips (median) | outcome |");
        println!("|---|---|---|---|");
        let path = token_file.display().to_string();
        row("access keys + GetCallerIdentity", runs, rtt, || {
            aws_check(&endpoint, AwsWay::Keys, &path)
        })
        .await;
        row("access keys + AssumeRole + GetCallerIdentity", runs, rtt, || {
            aws_check(&endpoint, AwsWay::AssumeRole, &path)
        })
        .await;
        row("web identity + GetCallerIdentity", runs, rtt, || {
            // A fresh token for every run, as a CI job's.
            let _ = std::fs::write(
                &token_file,
                workload_token(GITHUB_ISSUER, AWS_SUBJECT, "sts.amazonaws.com"),
            );
            aws_check(&endpoint, AwsWay::WebIdentity, &path)
        })
        .await;
        let _ = std::fs::remove_file(&token_file);

        let google = Idp::start_google(google_project()).await.expect("google idp");
        let sts = format!("http://{}", delaying_proxy(address(&google), rtt).await);
        let api = format!("http://{}", delaying_proxy(address(&google), rtt).await);
        let scratch = |name: &str| {
            std::env::temp_dir()
                .join(format!("authcheck-bench-{}-{name}", std::process::id()))
                .display()
                .to_string()
        };
        let (token_file, federated, impersonated) = (
            scratch("github.jwt"),
            scratch("federation.json"),
            scratch("impersonation.json"),
        );
        for (path, text) in [
            (&federated, federation_config(&sts, &token_file, false)),
            (&impersonated, federation_config(&sts, &token_file, true)),
        ] {
            std::fs::write(path, text).expect("credential configuration");
        }
        // A fresh subject token for every run, as a CI job's.
        let fresh = || {
            let _ = std::fs::write(&token_file, github_token());
        };
        println!();
        println!(
            "round trips: a Google Cloud check, STS and the API host (IAM Credentials and Resource Manager, \
             gcp_api_url) each {} ms away",
            rtt.as_millis()
        );
        println!("| check | wall ms (min / median / max) | round trips (median) | outcome |");
        println!("|---|---|---|---|");
        row("federation (token file, STS token exchange)", runs, rtt, || {
            fresh();
            google_check(&federated, &api, false)
        })
        .await;
        row("... + impersonation (generateAccessToken)", runs, rtt, || {
            fresh();
            google_check(&impersonated, &api, false)
        })
        .await;
        row(
            "... + required_permissions (projects.get, testIamPermissions)",
            runs,
            rtt,
            || {
                fresh();
                google_check(&impersonated, &api, true)
            },
        )
        .await;

        let env: HashMap<&str, String> = HashMap::from([
            ("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET.to_string()),
            ("AUTHCHECK_GENESYS_LOGIN_URL", genesys_login),
            ("AUTHCHECK_GENESYS_API_URL", genesys_api),
            ("ARM_CLIENT_SECRET", SECRET.to_string()),
            ("AUTHCHECK_ENTRA_LOGIN_URL", entra_login),
            ("AUTHCHECK_AZURE_MANAGEMENT_URL", entra_management),
            ("AWS_ACCESS_KEY_ID", AWS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY", AWS_SECRET.to_string()),
            ("AUTHCHECK_AWS_STS_URL", endpoint.clone()),
            ("AUTHCHECK_GCP_API_URL", api.clone()),
        ]);
        let blocks = [
            ("genesyscloud", format!(
                "provider \"genesyscloud\" {{\n  oauthclient_id = \"{CLIENT_ID}\"\n  aws_region = \"us-east-1\"\n}}\n"
            )),
            ("azurerm", format!(
                "provider \"azurerm\" {{\n  features {{}}\n  tenant_id = \"{ENTRA_TEST_TENANT}\"\n  client_id = \"{ENTRA_APP}\"\n  \
                 subscription_id = \"{ENTRA_TEST_SUBSCRIPTION}\"\n}}\n"
            )),
            ("aws", format!(
                "provider \"aws\" {{\n  region = \"us-east-1\"\n  assume_role {{\n    role_arn = \"{AWS_ROLE}\"\n  }}\n}}\n"
            )),
            ("google", format!("provider \"google\" {{\n  credentials = \"{impersonated}\"\n}}\n")),
        ];
        println!();
        println!(
            "round trips: `authcheck preflight` of a configuration, each provider's hosts {} ms away as above; \
             each provider alone, then all four (target: within 0.5 round trips of the slowest alone)",
            rtt.as_millis()
        );
        println!("| configuration | wall ms (min / median / max) | round trips (median) | outcome |");
        println!("|---|---|---|---|");
        let module = |name: &str, text: String| {
            let dir = std::env::temp_dir().join(format!("authcheck-bench-{}-{name}", std::process::id()));
            let _ = std::fs::create_dir_all(&dir);
            std::fs::write(dir.join("main.tf"), text).expect("module");
            dir
        };
        let mut slowest = 0.0f64;
        let mut dirs = Vec::new();
        for (name, block) in &blocks {
            let dir = module(name, block.clone());
            let median = row(&format!("provider \"{name}\" alone"), runs, rtt, || {
                fresh();
                preflight_check(&dir, &env)
            })
            .await;
            slowest = slowest.max(median);
            dirs.push(dir);
        }
        let all = module("all", blocks.iter().map(|(_, b)| b.as_str()).collect());
        let median = row("all four at once", runs, rtt, || {
            fresh();
            preflight_check(&all, &env)
        })
        .await;
        println!(
            "\nall four at once - slowest alone: {:+.2} round trips (target <= 0.50)",
            (median - slowest) / rtt.as_millis() as f64
        );
        dirs.push(all);
        for dir in dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
        for path in [&token_file, &federated, &impersonated] {
            let _ = std::fs::remove_file(path);
        }
    });
}

/// `authcheck preflight` of `dir` in this process, every check asked afresh; valid when every provider is.
async fn preflight_check(dir: &std::path::Path, env: &HashMap<&str, String>) -> (bool, String) {
    let lookup = |name: &str| env.get(name).cloned();
    let config = preflight::read::read(dir, &lookup).expect("module reads");
    let options = preflight::run::Options {
        fresh: true,
        ..Default::default()
    };
    let cancel = tokio::sync::watch::channel(false).1;
    let done = preflight::run::run(&config, dir, &lookup, &options, cancel).await;
    let reasons: Vec<String> = done
        .entries
        .iter()
        .map(|e| match &e.verdict {
            preflight::run::Verdict::Checked(report) => report.reason.code().to_string(),
            preflight::run::Verdict::NotChecked(why) => format!("not checked: {why}"),
            preflight::run::Verdict::Unfinished => "unfinished".to_string(),
        })
        .collect();
    (preflight::render::valid(&done), reasons.join(" "))
}
