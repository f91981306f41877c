//! The provider over real gRPC, launched the way Terraform launches it: handshake, mutual TLS, services.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use authcheck::demo::idp::{Client, Idp, IdpConfig};
use authcheck::plugin::cty::Value;
use authcheck::plugin::proto::plugin::grpc_controller_client::GrpcControllerClient;
use authcheck::plugin::proto::tfplugin6 as tf;
use authcheck::plugin::schema;
use support::*;

#[test]
fn run_by_hand_it_explains_itself_and_exits_1() {
    let out = std::process::Command::new(plugin_binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("Terraform provider plugin"), "{text}");
    assert!(text.contains("authcheck check"), "{text}");
}

#[test]
fn a_client_without_protocol_6_gets_a_clear_error() {
    let out = std::process::Command::new(plugin_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("protocol 6") && text.contains("\"4,5\""),
        "{text}"
    );
}

#[test]
fn handshake_line_announces_protocol_6_on_a_private_unix_socket_with_the_server_cert() {
    let identity = client_identity();
    let plugin = start_plugin(Some(&identity.cert_pem), &[]);
    let parts: Vec<&str> = plugin.line.split('|').collect();
    assert_eq!(&parts[..3], ["1", "6", "unix"]);
    assert_eq!(parts[4], "grpc");
    assert!(
        plugin.server_cert.is_some(),
        "cert field present: {}",
        plugin.line
    );
    assert!(!parts[5].contains('='), "base64 without padding");
    let dir = std::path::Path::new(&plugin.socket).parent().expect("dir");
    let mode = std::fs::metadata(dir)
        .expect("dir metadata")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700, "only the owner may enter the socket directory");
    eprintln!("exec to handshake line: {:?}", plugin.started_to_handshake);
}

#[test]
fn without_plugin_client_cert_it_serves_plaintext_and_announces_no_cert() {
    let plugin = start_plugin(None, &[]);
    assert!(plugin.server_cert.is_none(), "{}", plugin.line);
    assert!(plugin.line.starts_with("1|6|unix|"));
}

#[tokio::test]
async fn the_exact_client_certificate_is_accepted_and_others_are_refused_at_the_handshake() {
    let identity = client_identity();
    let plugin = start_plugin(Some(&identity.cert_pem), &[]);
    let cert = plugin.server_cert.clone().expect("cert");

    let good = tls_connect(&plugin, tls_client(Some(&identity), &cert)).await;
    assert!(
        good.is_ok(),
        "pinned certificate accepted: {:?}",
        good.err()
    );

    let stranger = client_identity();
    async fn refused(
        result: std::io::Result<tokio_rustls::client::TlsStream<tokio::net::UnixStream>>,
    ) -> bool {
        match result {
            Err(_) => true,
            Ok(mut tls) => {
                use tokio::io::AsyncReadExt;
                let mut buf = [0u8; 64];
                // A refused client certificate surfaces as an alert on the first read in TLS 1.3.
                let read: Result<std::io::Result<usize>, _> =
                    tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf)).await;
                matches!(read, Ok(Err(_)) | Ok(Ok(0)))
            }
        }
    }
    let other = tls_connect(&plugin, tls_client(Some(&stranger), &cert)).await;
    assert!(
        refused(other).await,
        "a different P-521 certificate is refused"
    );
    let none = tls_connect(&plugin, tls_client(None, &cert)).await;
    assert!(refused(none).await, "no certificate is refused");
}

#[tokio::test]
async fn schema_names_every_attribute_with_a_description() {
    let identity = client_identity();
    let plugin = start_plugin(Some(&identity.cert_pem), &[]);
    let mut client = provider_client(channel(&plugin, Some(&identity)).await);
    let schema = client
        .get_provider_schema(tf::get_provider_schema::Request {})
        .await
        .expect("schema")
        .into_inner();
    let data = schema
        .data_source_schemas
        .get("authcheck_client_credentials")
        .expect("data source");
    let names: Vec<&str> = data
        .block
        .as_ref()
        .expect("block")
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    for expected in [
        "client_id",
        "client_secret_env",
        "scopes",
        "required_scopes",
        "fail_on_error",
        "valid",
        "reason",
        "checks",
        "token_fingerprint",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let provider = schema.provider.expect("provider").block.expect("block");
    let secret = provider
        .attributes
        .iter()
        .find(|a| a.name == "client_secret")
        .expect("client_secret");
    assert!(secret.sensitive);
    assert!(
        provider
            .attributes
            .iter()
            .chain(data.block.as_ref().expect("block").attributes.iter())
            .all(|a| !a.description.is_empty())
    );
}

#[tokio::test]
async fn validation_passes_unknowns_and_points_at_conflicting_inputs() {
    let plugin = start_plugin(None, &[]);
    let mut client = provider_client(channel(&plugin, None).await);
    let attrs = schema::data_source_attrs();
    let (_, unknown) = config(
        &attrs,
        &[("token_url", Value::Unknown), ("client_id", Value::Unknown)],
    );
    let diags = client
        .validate_data_resource_config(tf::validate_data_resource_config::Request {
            type_name: "authcheck_client_credentials".into(),
            config: Some(unknown),
        })
        .await
        .expect("validate")
        .into_inner()
        .diagnostics;
    assert!(diags.is_empty(), "unknowns pass validation: {diags:?}");

    let (_, conflicting) = config(
        &attrs,
        &[
            ("token_url", s("https://a.example/token")),
            ("issuer", s("https://b.example")),
            ("scopes", list(&["read write"])),
        ],
    );
    let diags = client
        .validate_data_resource_config(tf::validate_data_resource_config::Request {
            type_name: "authcheck_client_credentials".into(),
            config: Some(conflicting),
        })
        .await
        .expect("validate")
        .into_inner()
        .diagnostics;
    assert!(
        diags
            .iter()
            .all(|d| d.severity == tf::diagnostic::Severity::Error as i32)
    );
    let conflict = diags
        .iter()
        .find(|d| d.summary.contains("Conflicting endpoint"))
        .expect("conflict diag");
    assert!(conflict.attribute.is_some());
    assert!(
        diags.iter().any(|d| d.summary.contains("scopes entry 0")),
        "{diags:?}"
    );
}

async fn read(
    client: &mut authcheck::plugin::proto::tfplugin6::provider_client::ProviderClient<
        tonic::transport::Channel,
    >,
    provider: &[(&str, Value)],
    data: &[(&str, Value)],
) -> tf::read_data_source::Response {
    let (_, provider_config) = config(&schema::provider_attrs(), provider);
    let configured = client
        .configure_provider(tf::configure_provider::Request {
            terraform_version: "1.15.5".into(),
            config: Some(provider_config),
            client_capabilities: None,
        })
        .await
        .expect("configure")
        .into_inner();
    assert!(
        configured.diagnostics.is_empty(),
        "{:?}",
        configured.diagnostics
    );
    let (_, data_config) = config(&schema::data_source_attrs(), data);
    client
        .read_data_source(tf::read_data_source::Request {
            type_name: "authcheck_client_credentials".into(),
            config: Some(data_config),
            provider_meta: None,
            client_capabilities: None,
        })
        .await
        .expect("read")
        .into_inner()
}

#[tokio::test]
async fn read_data_source_reports_ok_and_a_named_failure() {
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("svc", "right-secret").scopes(&["read", "write"]),
    ]))
    .await
    .expect("idp");
    let identity = client_identity();
    let plugin = start_plugin(
        Some(&identity.cert_pem),
        &[
            ("SVC_SECRET", "right-secret"),
            ("BAD_SECRET", "wrong-secret"),
        ],
    );
    let mut client = provider_client(channel(&plugin, Some(&identity)).await);
    let provider = [("token_url", s(&idp.token_url())), ("client_id", s("svc"))];

    let ok = read(
        &mut client,
        &provider,
        &[
            ("client_secret_env", s("SVC_SECRET")),
            ("required_scopes", list(&["read"])),
        ],
    )
    .await;
    assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
    let state = decode_state(ok.state.as_ref().expect("state"));
    assert_eq!(state.get("reason").and_then(Value::as_str), Some("ok"));
    assert_eq!(state.get("valid").and_then(Value::as_bool), Some(true));
    assert_eq!(
        state.get("token_url").and_then(Value::as_str),
        Some(idp.token_url().as_str())
    );
    assert_eq!(
        state.get("auth_method_used").and_then(Value::as_str),
        Some("client_secret_basic")
    );
    assert!(
        state
            .get("token_fingerprint")
            .and_then(Value::as_str)
            .is_some_and(|f| f.starts_with("sha256:"))
    );

    let bad = read(
        &mut client,
        &provider,
        &[("client_secret_env", s("BAD_SECRET"))],
    )
    .await;
    let diag = bad.diagnostics.first().expect("a diagnostic");
    assert_eq!(diag.severity, tf::diagnostic::Severity::Error as i32);
    assert!(
        diag.summary.contains("rejected the client secret"),
        "{}",
        diag.summary
    );
    assert!(
        diag.detail.contains("reason: invalid_secret"),
        "{}",
        diag.detail
    );
    assert!(
        !diag.detail.contains("wrong-secret"),
        "the secret never appears"
    );
    let step = &diag.attribute.as_ref().expect("path").steps[0];
    assert_eq!(
        step.selector,
        Some(tf::attribute_path::step::Selector::AttributeName(
            "client_secret_env".into()
        ))
    );

    // Advice names what a Terraform user sets: attributes and HCL, never CLI flags (the CLI's half is in
    // tests/cli.rs).
    let insecure = read(
        &mut client,
        &provider,
        &[
            ("token_url", s("http://idp.example.com/oauth2/token")),
            ("client_secret_env", s("SVC_SECRET")),
        ],
    )
    .await;
    let diag = insecure.diagnostics.first().expect("a diagnostic");
    let shown = format!("{}\n\n{}\n", diag.summary, diag.detail);
    support::golden("plugin_insecure_transport.txt", &shown);
    assert!(
        shown.contains("allow_http = true in the provider block") && !shown.contains("--"),
        "{shown}"
    );

    let soft = read(
        &mut client,
        &provider,
        &[
            ("client_secret_env", s("BAD_SECRET")),
            ("fail_on_error", Value::Bool(false)),
        ],
    )
    .await;
    assert_eq!(
        soft.diagnostics[0].severity,
        tf::diagnostic::Severity::Warning as i32
    );
    let state = decode_state(soft.state.as_ref().expect("state"));
    assert_eq!(state.get("valid").and_then(Value::as_bool), Some(false));
    assert_eq!(
        state.get("reason").and_then(Value::as_str),
        Some("invalid_secret")
    );
}

#[tokio::test]
async fn stop_provider_cancels_a_check_in_flight() {
    let idp = Idp::start(IdpConfig::new(vec![Client::new("slow", "s").behavior(
        authcheck::demo::idp::Behavior::Slow(Duration::from_secs(20)),
    )]))
    .await
    .expect("idp");
    let plugin = start_plugin(None, &[("SLOW_SECRET", "s")]);
    let channel = channel(&plugin, None).await;
    let mut reader = provider_client(channel.clone());
    let mut stopper = provider_client(channel);
    let provider = [("token_url", s(&idp.token_url())), ("client_id", s("slow"))];
    let started = Instant::now();
    let read_task = tokio::spawn(async move {
        read(
            &mut reader,
            &provider,
            &[("client_secret_env", s("SLOW_SECRET"))],
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    stopper
        .stop_provider(tf::stop_provider::Request {})
        .await
        .expect("stop");
    let response = tokio::time::timeout(Duration::from_secs(5), read_task)
        .await
        .expect("read ends promptly")
        .expect("join");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        response.diagnostics[0].summary.contains("cancelled"),
        "{:?}",
        response.diagnostics
    );
}

#[tokio::test]
async fn controller_shutdown_makes_the_process_exit_promptly() {
    let identity = client_identity();
    let mut plugin = start_plugin(Some(&identity.cert_pem), &[]);
    let mut controller = GrpcControllerClient::new(channel(&plugin, Some(&identity)).await);
    let asked = Instant::now();
    let _ = controller
        .shutdown(authcheck::plugin::proto::plugin::Empty {})
        .await;
    let deadline = Instant::now() + Duration::from_secs(2);
    let status = loop {
        if let Some(status) = plugin.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "plugin still running 2s after Shutdown"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(status.success());
    eprintln!("Shutdown to exit: {:?}", asked.elapsed());
    assert!(
        !std::path::Path::new(&plugin.socket).exists(),
        "socket removed on exit"
    );
}

#[tokio::test]
async fn health_service_reports_plugin_serving() {
    let plugin = start_plugin(None, &[]);
    let mut health =
        tonic_health::pb::health_client::HealthClient::new(channel(&plugin, None).await);
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health")
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

#[test]
fn sigint_does_not_kill_the_plugin() {
    let plugin = start_plugin(None, &[]);
    let pid = plugin.child.id() as i32;
    let _ = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status();
    std::thread::sleep(Duration::from_millis(300));
    let mut plugin = plugin;
    assert!(
        plugin.child.try_wait().expect("wait").is_none(),
        "still running after SIGINT"
    );
}

#[tokio::test]
async fn debug_mode_prints_a_reattach_line_and_serves_plaintext() {
    let debug = start_debug_plugin(&[]);
    let parsed: serde_json::Value = serde_json::from_str(&debug.reattach).expect("json");
    let entry = &parsed["registry.terraform.io/authcheck/authcheck"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Addr"]["Network"], "unix");
    assert_eq!(entry["Pid"], debug.child.id());
    let plugin = Plugin {
        child: std::process::Command::new("true")
            .spawn()
            .expect("placeholder child"),
        line: String::new(),
        socket: debug.socket.clone(),
        server_cert: None,
        started_to_handshake: Duration::ZERO,
    };
    let mut client = provider_client(channel(&plugin, None).await);
    let schema = client
        .get_provider_schema(tf::get_provider_schema::Request {})
        .await
        .expect("schema over plaintext")
        .into_inner();
    assert!(
        schema
            .data_source_schemas
            .contains_key("authcheck_client_credentials")
    );
}

#[test]
fn the_plugin_exits_when_terraform_dies_without_shutting_it_down() {
    // A stand-in for Terraform: a shell that starts the plugin, gives it a second to serve, then dies.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "TF_PLUGIN_MAGIC_COOKIE={COOKIE} PLUGIN_PROTOCOL_VERSIONS=6 {} >/dev/null 2>&1 & echo $!; sleep 1",
            plugin_binary()
        ))
        .output()
        .expect("sh");
    let pid: i32 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("pid");
    let alive = |pid: i32| {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ")
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let gone = !alive(pid);
    if !gone {
        let _ = std::process::Command::new("kill")
            .arg(pid.to_string())
            .status();
    }
    assert!(gone, "the orphaned plugin kept running");
}
