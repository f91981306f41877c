//! Serving the provider the way go-plugin expects: the handshake line, a private unix socket, optional
//! mutual TLS, the health and controller services, and a prompt exit on Shutdown.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;

use super::proto::plugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use super::proto::tfplugin6::provider_server::ProviderServer;
use super::provider::AuthcheckProvider;
use super::tls::{Connection, server_tls};

/// go-plugin's magic cookie: Terraform sets it so plugins can tell they were launched by it.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The cookie's value, fixed by Terraform for every provider.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The provider address used in examples and reattach lines.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/authcheck/authcheck";
/// Largest gRPC message accepted, as Terraform's own SDKs allow.
const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// What the binary prints when a person runs it.
pub const RUN_BY_HAND: &str = "\
terraform-provider-authcheck is a Terraform provider plugin: Terraform starts it, you do not.

Use it from a configuration with
  terraform { required_providers { authcheck = { source = \"authcheck/authcheck\" } } }
and a data \"authcheck_client_credentials\" block; see the README and docs/ for examples.
To check credentials from a shell or a CI step, use the `authcheck check` command instead.
To attach Terraform to a provider you started yourself (debugging), run it with --debug.
";

/// How the process was asked to serve.
pub enum Mode {
    /// Launched by Terraform (the magic cookie is set).
    Managed,
    /// `--debug`: plaintext, print `TF_REATTACH_PROVIDERS`.
    Debug,
}

/// Runs the plugin until Terraform shuts it down; returns the process exit code.
pub fn main(mode: Mode) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("terraform-provider-authcheck: cannot start: {err}");
            return 1;
        }
    };
    runtime.block_on(async {
        match serve(mode).await {
            Ok(()) => 0,
            Err(message) => {
                eprintln!("terraform-provider-authcheck: {message}");
                1
            }
        }
    })
}

/// Picks protocol 6 from what Terraform offers.
pub fn negotiate(offered: Option<&str>) -> Result<u32, String> {
    let Some(offered) = offered else {
        // Terraform always sets it; an old or foreign client that does not is given 6 and told so in the line.
        return Ok(6);
    };
    let versions: Vec<u32> = offered
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    if versions.contains(&6) {
        Ok(6)
    } else {
        Err(format!(
            "this provider speaks plugin protocol 6 (Terraform 1.0 and later), but the client offered only {offered:?}; \
             upgrade Terraform to 1.0 or later"
        ))
    }
}

/// The socket directory of this process, so an exit that skips destructors (the parent's death, SIGTERM) can
/// still remove it.
static SOCKET_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Leaves at once, removing the socket directory first.
fn exit_now(code: i32) -> ! {
    if let Some(dir) = SOCKET_DIR.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
    std::process::exit(code);
}

/// A directory only this user can enter, removed when dropped.
struct PrivateDir(PathBuf);

impl PrivateDir {
    fn create() -> Result<PrivateDir, String> {
        use std::os::unix::fs::DirBuilderExt;
        let base = std::env::temp_dir();
        for attempt in 0..16u32 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .subsec_nanos();
            let path = base.join(format!(
                "authcheck-plugin-{}-{nanos:x}-{attempt}",
                std::process::id()
            ));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(PrivateDir(path)),
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(err) => {
                    return Err(format!(
                        "cannot create a socket directory in {}: {err}",
                        base.display()
                    ));
                }
            }
        }
        Err(format!(
            "cannot create a unique socket directory in {}",
            base.display()
        ))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Controller {
    shutdown: watch::Sender<bool>,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: tonic::Request<super::proto::plugin::Empty>,
    ) -> Result<tonic::Response<super::proto::plugin::Empty>, tonic::Status> {
        crate::log::emit(
            crate::log::Level::Debug,
            "shutdown requested by the client",
            &[],
        );
        let _ = self.shutdown.send(true);
        Ok(tonic::Response::new(super::proto::plugin::Empty {}))
    }
}

async fn serve(mode: Mode) -> Result<(), String> {
    let debug = matches!(mode, Mode::Debug);
    let protocol = if debug {
        6
    } else {
        negotiate(std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok().as_deref())?
    };
    crate::log::set_sink(super::hclog::sink);

    if !debug {
        leave_with_terraform();
    }

    let dir = PrivateDir::create()?;
    let _ = SOCKET_DIR.set(dir.path().to_path_buf());
    let socket = dir.path().join("plugin.sock");
    let listener = UnixListener::bind(&socket)
        .map_err(|err| format!("cannot listen on {}: {err}", socket.display()))?;

    let tls = match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !debug && !pem.trim().is_empty() => Some(server_tls(&pem)?),
        _ => None,
    };

    let (shutdown_tx, mut shutdown_rx) = watch::channel(false);
    let provider = AuthcheckProvider::new();
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let router = tonic::transport::Server::builder()
        .add_service(
            ProviderServer::new(provider)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: shutdown_tx.clone(),
        }))
        .add_service(health_service);

    let socket_text = socket.display().to_string();
    announce(
        debug,
        protocol,
        &socket_text,
        tls.as_ref().map(|tls| tls.cert_base64.as_str()),
    );
    crate::log::emit(
        crate::log::Level::Debug,
        "plugin serving",
        &[
            ("address", &socket_text),
            ("tls", if tls.is_some() { "true" } else { "false" }),
        ],
    );

    let incoming = accept(
        listener,
        tls.map(|tls| tokio_rustls::TlsAcceptor::from(tls.config)),
    );

    let mut hard_stop = shutdown_rx.clone();
    let stop = async move {
        if debug {
            let _ = tokio::signal::ctrl_c().await;
        } else {
            let _ = shutdown_rx.wait_for(|stop| *stop).await;
        }
    };
    let graceful = router.serve_with_incoming_shutdown(incoming, stop);
    let served = tokio::select! {
        result = graceful => result,
        // Terraform waits up to 2s for the process after Shutdown; do not let a lingering connection hold it.
        () = async {
            let _ = hard_stop.wait_for(|stop| *stop).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        } => Ok(()),
    };
    drop(dir);
    served.map_err(|err| format!("gRPC server failed: {err}"))
}

/// Managed by Terraform: leave when Terraform goes away or a supervisor terminates the process, and let Ctrl-C
/// (which Terraform turns into StopProvider) pass.
fn leave_with_terraform() {
    // If Terraform dies without calling Shutdown (killed, crashed), nobody will ever call it: leave too, rather
    // than linger as an orphan holding a socket.
    let parent = std::os::unix::process::parent_id();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if std::os::unix::process::parent_id() != parent {
                crate::log::emit(
                    crate::log::Level::Warn,
                    "Terraform went away without shutting the plugin down; exiting",
                    &[],
                );
                exit_now(0);
            }
        }
    });
    // Asked to terminate (a supervisor, not Terraform, which calls Shutdown): leave no socket behind.
    if let Ok(mut terminate) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    {
        tokio::spawn(async move {
            if terminate.recv().await.is_some() {
                exit_now(0);
            }
        });
    }
    // Ctrl-C reaches the whole process group; Terraform turns it into StopProvider, so the signal is eaten.
    if let Ok(mut interrupts) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
    {
        tokio::spawn(async move { while interrupts.recv().await.is_some() {} });
    }
}

/// Prints go-plugin's handshake line (with the certificate Terraform is to pin, under mutual TLS), or in debug
/// mode the reattach line a person pastes into their shell.
fn announce(debug: bool, protocol: u32, socket_text: &str, cert_base64: Option<&str>) {
    let mut out = std::io::stdout().lock();
    let line = format!(
        "1|{protocol}|unix|{socket_text}|grpc|{}\n",
        cert_base64.unwrap_or_default()
    );
    if debug {
        let reattach = serde_json::json!({
            PROVIDER_ADDRESS: {
                "Protocol": "grpc",
                "ProtocolVersion": 6,
                "Pid": std::process::id(),
                "Test": true,
                "Addr": {"Network": "unix", "String": socket_text},
            }
        });
        let _ = writeln!(
            out,
            "terraform-provider-authcheck is serving in debug mode: plaintext gRPC on a private unix socket, \
             for attaching Terraform by hand.\nIn the shell where you run terraform:\n\n  \
             export TF_REATTACH_PROVIDERS='{reattach}'\n\nPress Ctrl-C to stop."
        );
    } else {
        let _ = out.write_all(line.as_bytes());
    }
    let _ = out.flush();
}

/// Accepts connections (and does TLS handshakes) off the accept loop, so one slow peer blocks nobody.
fn accept(
    listener: UnixListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
) -> ReceiverStream<Result<Connection, std::io::Error>> {
    let (tx, rx) = mpsc::channel::<Result<Connection, std::io::Error>>(16);
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let Some(acceptor) = acceptor.clone() else {
                if tx.send(Ok(Connection::Plain(stream))).await.is_err() {
                    return;
                }
                continue;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                // A peer without the pinned certificate fails here and never reaches a service.
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => {
                        let _ = tx.send(Ok(Connection::Tls(Box::new(tls)))).await;
                    }
                    Ok(Err(err)) => crate::log::emit(
                        crate::log::Level::Warn,
                        "refused a connection at the TLS handshake",
                        &[("error", &err.to_string())],
                    ),
                    Err(_) => {
                        crate::log::emit(crate::log::Level::Warn, "TLS handshake timed out", &[])
                    }
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_six_is_picked_whatever_the_order() {
        assert_eq!(negotiate(Some("5,6")), Ok(6));
        assert_eq!(negotiate(Some("6,5")), Ok(6));
        assert_eq!(negotiate(Some("6")), Ok(6));
    }

    #[test]
    fn a_client_without_protocol_six_gets_a_clear_error() {
        let err = negotiate(Some("4,5")).expect_err("no 6");
        assert!(err.contains("protocol 6"), "{err}");
        assert!(err.contains("\"4,5\""), "{err}");
    }
}
