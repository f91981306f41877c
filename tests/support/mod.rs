//! Shared helpers for integration tests: launching the plugin as Terraform does, and talking gRPC to it.
#![allow(dead_code)]

pub mod entra;
pub mod moto;
pub mod pki;
pub mod terraform;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authcheck::plugin::cty::{self, Value};
use authcheck::plugin::proto::tfplugin6 as tf;
use authcheck::plugin::proto::tfplugin6::provider_client::ProviderClient;
use authcheck::plugin::schema;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tonic::transport::{Channel, Endpoint};

/// Terraform's magic cookie.
pub const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A client identity like the one go-plugin makes: self-signed P-521 CA certificate for localhost.
pub struct ClientIdentity {
    pub cert_pem: String,
    pub cert_der: CertificateDer<'static>,
    pub key_der: Vec<u8>,
}

pub fn client_identity() -> ClientIdentity {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("p521 key");
    let cert = params.self_signed(&key).expect("self-signed");
    ClientIdentity {
        cert_pem: cert.pem(),
        cert_der: cert.der().clone(),
        key_der: key.serialize_der(),
    }
}

/// A running plugin process and what its handshake said.
pub struct Plugin {
    pub child: Child,
    pub line: String,
    pub socket: String,
    pub server_cert: Option<Vec<u8>>,
    pub started_to_handshake: Duration,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A killed plugin cannot remove its socket directory; the test that killed it does.
        if let Some(dir) = std::path::Path::new(&self.socket).parent()
            && dir
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("authcheck-plugin-"))
        {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub fn plugin_binary() -> &'static str {
    env!("CARGO_BIN_EXE_terraform-provider-authcheck")
}

/// Starts the plugin with Terraform's environment; `client_cert` enables mutual TLS.
pub fn start_plugin(client_cert: Option<&str>, extra_env: &[(&str, &str)]) -> Plugin {
    let mut command = Command::new(plugin_binary());
    command
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(pem) = client_cert {
        command.env("PLUGIN_CLIENT_CERT", pem);
    }
    for (k, v) in extra_env {
        command.env(k, v);
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("spawn plugin");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).expect("handshake line");
    let started_to_handshake = started.elapsed();
    // Keep draining stdout so the plugin never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    let line = line.trim_end().to_string();
    let parts: Vec<&str> = line.split('|').collect();
    assert!(parts.len() >= 5, "handshake line {line:?}");
    let server_cert = parts.get(5).filter(|p| p.len() > 50).map(|p| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(p)
            .expect("cert base64")
    });
    Plugin {
        child,
        socket: parts[3].to_string(),
        line,
        server_cert,
        started_to_handshake,
    }
}

/// Accepts exactly the certificate the plugin announced, as go-plugin's client does.
#[derive(Debug)]
struct PinnedServer {
    expected: Vec<u8>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_slice() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// TLS client config presenting `identity` (or no certificate) and pinning the server's.
pub fn tls_client(
    identity: Option<&ClientIdentity>,
    server_cert: &[u8],
) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedServer {
        expected: server_cert.to_vec(),
        algorithms: provider.signature_verification_algorithms,
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match identity {
        Some(identity) => builder
            .with_client_auth_cert(
                vec![identity.cert_der.clone()],
                PrivateKeyDer::try_from(identity.key_der.clone()).expect("key"),
            )
            .expect("client auth"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

/// Opens a TLS connection over the plugin's socket.
pub async fn tls_connect(
    plugin: &Plugin,
    config: Arc<rustls::ClientConfig>,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::UnixStream>> {
    let stream = tokio::net::UnixStream::connect(&plugin.socket).await?;
    let connector = tokio_rustls::TlsConnector::from(config);
    let name = ServerName::try_from("localhost").expect("name");
    let mut tls = connector.connect(name, stream).await?;
    // TLS 1.3 reports a refused client certificate only on the first read: provoke it.
    use tokio::io::AsyncWriteExt;
    tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await?;
    tls.flush().await?;
    Ok(tls)
}

/// A gRPC channel to the plugin, over mTLS when it announced a certificate.
pub async fn channel(plugin: &Plugin, identity: Option<&ClientIdentity>) -> Channel {
    let socket = plugin.socket.clone();
    let endpoint = Endpoint::try_from("http://localhost").expect("endpoint");
    match &plugin.server_cert {
        None => endpoint
            .connect_with_connector(tower::service_fn(move |_| {
                let socket = socket.clone();
                async move {
                    let stream = tokio::net::UnixStream::connect(socket).await?;
                    Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
                }
            }))
            .await
            .expect("plaintext channel"),
        Some(cert) => {
            let config = tls_client(identity, cert);
            endpoint
                .connect_with_connector(tower::service_fn(move |_| {
                    let socket = socket.clone();
                    let config = config.clone();
                    async move {
                        let stream = tokio::net::UnixStream::connect(socket).await?;
                        let connector = tokio_rustls::TlsConnector::from(config);
                        let tls = connector
                            .connect(ServerName::try_from("localhost").expect("name"), stream)
                            .await?;
                        Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
                    }
                }))
                .await
                .expect("tls channel")
        }
    }
}

pub fn provider_client(channel: Channel) -> ProviderClient<Channel> {
    ProviderClient::new(channel)
}

/// A configuration object for `attrs`, with every attribute null except those given.
pub fn config(attrs: &[schema::Attr], set: &[(&str, Value)]) -> (Value, tf::DynamicValue) {
    let mut object = std::collections::BTreeMap::new();
    for attr in attrs {
        object.insert(attr.name.to_string(), Value::Null);
    }
    for (name, value) in set {
        object.insert(name.to_string(), value.clone());
    }
    let value = Value::Object(object);
    let bytes = cty::encode_msgpack(&value, &schema::object_type(attrs)).expect("encode config");
    (
        value,
        tf::DynamicValue {
            msgpack: bytes,
            json: Vec::new(),
        },
    )
}

pub fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

pub fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

/// Decodes a data source state.
pub fn decode_state(state: &tf::DynamicValue) -> Value {
    let ty = schema::object_type(&schema::data_source_attrs());
    cty::decode_dynamic(&state.msgpack, &state.json, &ty).expect("decode state")
}

/// A plugin started by hand with `--debug`, and the `TF_REATTACH_PROVIDERS` value it printed.
pub struct DebugPlugin {
    pub child: Child,
    pub reattach: String,
    pub socket: String,
}

impl Drop for DebugPlugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_debug_plugin(extra_env: &[(&str, &str)]) -> DebugPlugin {
    let mut command = Command::new(plugin_binary());
    command
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in extra_env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("spawn debug plugin");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut reattach = String::new();
    for _ in 0..20 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(rest) = line.trim().strip_prefix("export TF_REATTACH_PROVIDERS=") {
            reattach = rest.trim_matches('\'').to_string();
            break;
        }
    }
    assert!(!reattach.is_empty(), "no TF_REATTACH_PROVIDERS line");
    let parsed: serde_json::Value = serde_json::from_str(&reattach).expect("reattach JSON");
    let socket = parsed["registry.terraform.io/authcheck/authcheck"]["Addr"]["String"]
        .as_str()
        .expect("socket")
        .to_string();
    DebugPlugin {
        child,
        reattach,
        socket,
    }
}

/// Compares `actual` with `tests/golden/NAME`; `AUTHCHECK_BLESS=1` rewrites the file instead.
pub fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("AUTHCHECK_BLESS").is_some() {
        std::fs::write(&path, actual).expect("bless");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "{name} differs from the golden file (AUTHCHECK_BLESS=1 to update)"
    );
}
