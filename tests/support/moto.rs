//! moto, a real AWS emulator (STS and IAM with IAM authentication on), on loopback for one test: `Moto::start()`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the server may take to print its JSON line once the venv exists (it takes about 1.5 s).
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running `scripts/aws-moto-server`: one account with users `ci-deployer` and `ci-nobody` and role `deploy`,
/// already proven to refuse unknown keys, wrong secrets and unauthorised AssumeRole. Dropping it stops the server.
pub struct Moto {
    /// `http://127.0.0.1:PORT`: the STS and IAM endpoint (both on this one port).
    pub endpoint: String,
    /// The 12-digit account the users and the role live in.
    pub account: String,
    /// The region to sign for (`us-east-1`).
    pub region: String,
    /// `ci-deployer`: may `sts:AssumeRole` on `deploy`, which trusts it.
    pub deployer: MotoUser,
    /// `ci-nobody`: a valid key with no policies (AssumeRole on `deploy` is `AccessDenied`).
    pub nobody: MotoUser,
    /// `arn:aws:iam::<account>:role/deploy`.
    pub deploy_role_arn: String,
    child: Child,
}

/// An IAM user and its one access key.
pub struct MotoUser {
    /// `AKIA...`: known to moto, so it passes the key check.
    pub access_key_id: String,
    /// The key's secret: sign SigV4 with it (or alter it to get `SignatureDoesNotMatch`).
    pub secret_access_key: String,
    /// `arn:aws:iam::<account>:user/<name>`.
    pub arn: String,
}

impl Moto {
    /// Starts the server on a random loopback port and waits (bounded) for its JSON line.
    pub fn start() -> Moto {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/aws-moto-server");
        // Installing the venv can take minutes on a first run; only the server's own start-up is timed.
        let installed = Command::new(&script)
            .arg("--install-only")
            .stdin(Stdio::null())
            .status()
            .expect("run scripts/aws-moto-server --install-only");
        assert!(
            installed.success(),
            "scripts/aws-moto-server --install-only failed: {installed}"
        );

        let mut child = Command::new(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn scripts/aws-moto-server");
        let stdout = child.stdout.take().expect("moto server stdout is piped");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let first = reader.read_line(&mut line).map(|_| line.clone());
            let _ = sender.send(first);
            // The server writes nothing more to stdout; drain anyway so it can never block on a full pipe.
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                line.clear();
            }
        });
        let line = match receiver.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            outcome => {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "scripts/aws-moto-server gave no JSON line within {START_TIMEOUT:?} ({outcome:?}, exit {status:?}); \
                     its reason is on stderr above"
                );
            }
        };
        match parse(&line) {
            Ok((endpoint, account, region, deployer, nobody, deploy_role_arn)) => Moto {
                endpoint,
                account,
                region,
                deployer,
                nobody,
                deploy_role_arn,
                child,
            },
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("scripts/aws-moto-server printed {line:?}: {why}");
            }
        }
    }
}

/// The fields of the server's JSON line, in `Moto`'s order.
type Fields = (String, String, String, MotoUser, MotoUser, String);

fn parse(line: &str) -> Result<Fields, String> {
    let parsed: serde_json::Value =
        serde_json::from_str(line).map_err(|err| format!("not JSON: {err}"))?;
    let text = |path: &[&str]| -> Result<String, String> {
        path.iter()
            .fold(&parsed, |value, key| &value[*key])
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no string at {path:?}"))
    };
    let user = |name: &str| -> Result<MotoUser, String> {
        Ok(MotoUser {
            access_key_id: text(&["users", name, "access_key_id"])?,
            secret_access_key: text(&["users", name, "secret_access_key"])?,
            arn: text(&["users", name, "arn"])?,
        })
    };
    Ok((
        text(&["endpoint"])?,
        text(&["account"])?,
        text(&["region"])?,
        user("ci-deployer")?,
        user("ci-nobody")?,
        text(&["roles", "deploy"])?,
    ))
}

impl Drop for Moto {
    fn drop(&mut self) {
        // EOF on its stdin is the server's own signal to stop; the kill covers a server that is stuck.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
