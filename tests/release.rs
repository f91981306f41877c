//! The release artifacts install the way a user behind a firewall installs them: `scripts/release` packages the
//! provider, a filesystem mirror serves the zip, and real Terraform runs `init` and `plan` with no registry and
//! no network but loopback, planning a data source against the embedded test IdP.
//!
//! Which binary is packaged (the packaging and the mirror install are what is tested, not the compiler):
//! - `AUTHCHECK_RELEASE_TEST=release`: `scripts/release` as a user runs it, `cargo build --release` included
//!   (cargo reuses target/release when it is fresh; a cold build takes minutes);
//! - `AUTHCHECK_RELEASE_TEST=debug`: the binary this `cargo test` built, through `scripts/release --binary`;
//! - unset: `release` when target/release already holds a provider newer than every source file (so cargo has
//!   nothing to rebuild), `debug` otherwise. The test says which it used.
//!
//! When gpg is installed the checksums are signed with a throwaway key in a temporary GNUPGHOME and verified.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use authcheck::demo::idp::{Client, Idp, IdpConfig};
use base64::Engine;
use sha2::{Digest, Sha256};
use support::terraform::terraforms;

const NAME: &str = "terraform-provider-authcheck";
const ADDRESS: &str = "registry.terraform.io/authcheck/authcheck";
const CLIENT: &str = "mirror";
const SECRET: &str = "mirror-secret-3e8b61";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A directory removed when dropped (kept when `AUTHCHECK_KEEP_TMP` is set, for debugging).
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        // Short: gpg-agent puts its sockets in GNUPGHOME, and unix socket paths are limited to 108 bytes.
        let dir = std::env::temp_dir().join(format!("acrel-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("AUTHCHECK_KEEP_TMP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Terraform wraps and aligns its output; compare with whitespace runs collapsed.
fn contains(haystack: &str, needle: &str) -> bool {
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    squash(haystack).contains(&squash(needle))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Terraform's `h1:` package hash (Go's dirhash "Hash1") of a package holding exactly one file.
fn h1_of_single_file(name: &str, contents: &[u8]) -> String {
    let summary = format!("{}  {name}\n", sha256_hex(contents));
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(summary.as_bytes()))
    )
}

fn newest_mtime(path: &Path, newest: &mut SystemTime) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            newest_mtime(&entry.path(), newest);
        }
    } else if let Ok(modified) = meta.modified() {
        *newest = (*newest).max(modified);
    }
}

/// The mode to run in, and why.
fn mode() -> (bool, String) {
    match std::env::var("AUTHCHECK_RELEASE_TEST").as_deref() {
        Ok("release") => return (true, "AUTHCHECK_RELEASE_TEST=release".into()),
        Ok("debug") => return (false, "AUTHCHECK_RELEASE_TEST=debug".into()),
        Ok(other) if !other.is_empty() => {
            panic!("AUTHCHECK_RELEASE_TEST must be release or debug, not {other:?}")
        }
        _ => {}
    }
    let debug_bin = Path::new(env!("CARGO_BIN_EXE_terraform-provider-authcheck"));
    let release_bin = debug_bin
        .parent()
        .and_then(Path::parent)
        .map(|target| target.join("release").join(NAME));
    let Some(release_bin) = release_bin else {
        return (false, "no target/release next to the test build".into());
    };
    let Ok(built) = std::fs::metadata(&release_bin).and_then(|m| m.modified()) else {
        return (false, format!("{} does not exist", release_bin.display()));
    };
    let mut newest = SystemTime::UNIX_EPOCH;
    for source in ["src", "proto", "build.rs", "Cargo.toml", "Cargo.lock"] {
        newest_mtime(&root().join(source), &mut newest);
    }
    if built >= newest {
        (
            true,
            format!("{} is newer than every source file", release_bin.display()),
        )
    } else {
        (
            false,
            format!(
                "{} is older than the sources (set AUTHCHECK_RELEASE_TEST=release to rebuild it)",
                release_bin.display()
            ),
        )
    }
}

/// A throwaway signing key in its own GNUPGHOME; `None` when gpg is not installed.
struct Gpg {
    home: TempDir,
    fingerprint: String,
}

impl Gpg {
    fn throwaway() -> Option<Gpg> {
        if Command::new("gpg").arg("--version").output().is_err() {
            return None;
        }
        let home = TempDir::new("gpg");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&home.0, std::fs::Permissions::from_mode(0o700))
                .expect("chmod GNUPGHOME");
        }
        let gpg = |args: &[&str]| {
            Command::new("gpg")
                .args(["--batch", "--no-tty"])
                .args(args)
                .env("GNUPGHOME", &home.0)
                .output()
                .expect("run gpg")
        };
        // RSA: the Terraform Registry accepts RSA and DSA signing keys.
        let made = gpg(&[
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--quick-gen-key",
            "authcheck release test <release-test@authcheck.invalid>",
            "rsa2048",
            "sign",
            "1d",
        ]);
        assert!(
            made.status.success(),
            "gpg --quick-gen-key: {}",
            text(&made)
        );
        let listed = gpg(&["--with-colons", "--list-secret-keys"]);
        let fingerprint = String::from_utf8_lossy(&listed.stdout)
            .lines()
            .find_map(|l| {
                l.strip_prefix("fpr:")
                    .map(|rest| rest.trim_matches(':').to_string())
            })
            .expect("fingerprint of the new key");
        Some(Gpg { home, fingerprint })
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", &self.home.0)
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_zip_installs_from_a_filesystem_mirror_and_plans_offline() {
    let work = TempDir::new("work");
    let dist = work.0.join("dist");

    // 1. Package.
    let (release, why) = mode();
    let mut command = Command::new(root().join("scripts/release"));
    command
        .args(["--out"])
        .arg(&dist)
        .env("CARGO", env!("CARGO"));
    if !release {
        command.args([
            "--binary",
            env!("CARGO_BIN_EXE_terraform-provider-authcheck"),
        ]);
    }
    eprintln!(
        "release test: packaging the {} build ({why})",
        if release { "release" } else { "debug" }
    );
    let gpg = Gpg::throwaway();
    match &gpg {
        Some(gpg) => {
            command
                .env("GPG_FINGERPRINT", &gpg.fingerprint)
                .env("GNUPGHOME", &gpg.home.0)
                .env_remove("GPG_PASSPHRASE");
        }
        None => {
            eprintln!(
                "release test: gpg is not installed, so signing is not exercised (apt-get install gnupg)"
            );
            command.env_remove("GPG_FINGERPRINT");
        }
    }
    let packaged = command.output().expect("run scripts/release");
    assert!(
        packaged.status.success(),
        "scripts/release failed: {}",
        text(&packaged)
    );

    // 2. The registry layout.
    let prefix = format!("{NAME}_{VERSION}");
    let zip = dist.join(format!("{prefix}_linux_amd64.zip"));
    let manifest = dist.join(format!("{prefix}_manifest.json"));
    let sums = dist.join(format!("{prefix}_SHA256SUMS"));
    let sig = dist.join(format!("{prefix}_SHA256SUMS.sig"));
    for path in [&zip, &manifest, &sums] {
        assert!(
            path.is_file(),
            "{} missing; scripts/release said: {}",
            path.display(),
            text(&packaged)
        );
    }
    let manifest_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).expect("manifest"))
            .expect("manifest is JSON");
    assert_eq!(
        manifest_json,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );
    let sums_text = std::fs::read_to_string(&sums).expect("SHA256SUMS");
    let expected_sums: String = [&zip, &manifest]
        .iter()
        .map(|p| {
            format!(
                "{}  {}\n",
                sha256_hex(&std::fs::read(p).expect("artifact")),
                p.file_name().expect("name").to_string_lossy()
            )
        })
        .collect();
    assert_eq!(
        sums_text, expected_sums,
        "SHA256SUMS lists the zip and the manifest, sha256sum style"
    );
    if let Some(gpg) = &gpg {
        assert!(
            sig.is_file(),
            "no signature although GPG_FINGERPRINT was set: {}",
            text(&packaged)
        );
        let verified = Command::new("gpg")
            .args(["--batch", "--no-tty", "--verify"])
            .arg(&sig)
            .arg(&sums)
            .env("GNUPGHOME", &gpg.home.0)
            .output()
            .expect("gpg --verify");
        assert!(
            verified.status.success(),
            "signature does not verify: {}",
            text(&verified)
        );
        let bytes = std::fs::read(&sig).expect("signature");
        assert!(
            !bytes.starts_with(b"-----BEGIN"),
            "the registry wants a binary detached signature, not an armored one"
        );
    }

    // The zip holds exactly terraform-provider-authcheck_vX.Y.Z, executable, identical to the binary packaged.
    let member = format!("{NAME}_v{VERSION}");
    let listed = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor i in z.infolist(): print(i.filename, oct(i.external_attr >> 16))",
        ])
        .arg(&zip)
        .output()
        .expect("python3 zipfile");
    assert!(listed.status.success(), "{}", text(&listed));
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).trim(),
        format!("{member} 0o100755"),
        "zip members and modes"
    );

    // 3. A filesystem mirror in the packed layout, and a CLI config that allows nothing else.
    let mirror = work.0.join("mirror");
    let packed = mirror.join(ADDRESS);
    std::fs::create_dir_all(&packed).expect("mirror dir");
    std::fs::copy(&zip, packed.join(zip.file_name().expect("zip name")))
        .expect("copy zip into the mirror");
    let cli_config = work.0.join("mirror.tfrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{ADDRESS}\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .expect("CLI config");

    let idp = Idp::start(IdpConfig::new(vec![Client::new(CLIENT, SECRET)]))
        .await
        .expect("idp");
    let token_url = idp.token_url();
    let idp = std::sync::Arc::new(idp);

    let mut failures = Vec::new();
    for (i, tf) in terraforms().into_iter().enumerate() {
        let ws = work.0.join(format!("ws{i}"));
        std::fs::create_dir_all(&ws).expect("workspace");
        std::fs::write(
            ws.join("main.tf"),
            format!(
                "terraform {{\n  required_providers {{\n    authcheck = {{\n      source  = \"authcheck/authcheck\"\n      version = \"{VERSION}\"\n    }}\n  }}\n}}\n\n\
                 data \"authcheck_client_credentials\" \"mirror\" {{\n  token_url         = \"{token_url}\"\n  client_id         = \"{CLIENT}\"\n  client_secret_env = \"MIRROR_CLIENT_SECRET\"\n}}\n\n\
                 output \"valid\" {{\n  value = data.authcheck_client_credentials.mirror.valid\n}}\n\n\
                 output \"reason\" {{\n  value = data.authcheck_client_credentials.mirror.reason\n}}\n"
            ),
        )
        .expect("main.tf");
        let (cli_config, idp) = (cli_config.clone(), idp.clone());
        let member = member.clone();
        let found = tokio::task::spawn_blocking(move || {
            let run = |args: &[&str]| {
                Command::new(&tf)
                    .args(args)
                    .current_dir(&ws)
                    .env("TF_CLI_CONFIG_FILE", &cli_config)
                    .env("TF_DATA_DIR", ws.join(".terraform"))
                    .env("CHECKPOINT_DISABLE", "1")
                    .env("TF_IN_AUTOMATION", "1")
                    // Offline: anything that tries the network beyond loopback meets a closed port.
                    .env("HTTPS_PROXY", "http://127.0.0.1:9")
                    .env("HTTP_PROXY", "http://127.0.0.1:9")
                    .env("NO_PROXY", "127.0.0.1,localhost")
                    .env("MIRROR_CLIENT_SECRET", SECRET)
                    .env_remove("TF_PLUGIN_CACHE_DIR")
                    .env_remove("TF_LOG")
                    .env_remove("TF_REATTACH_PROVIDERS")
                    .env_remove("AUTHCHECK_TOKEN_URL")
                    .env_remove("AUTHCHECK_CLIENT_ID")
                    .env_remove("AUTHCHECK_CLIENT_SECRET")
                    .output()
                    .expect("run terraform")
            };
            let label = tf.display().to_string();
            let mut f = Vec::new();

            let init = run(&["init", "-input=false", "-no-color"]);
            let all = text(&init);
            if !init.status.success() {
                f.push(format!("{label}: terraform init from the mirror failed:\n{all}"));
                return f;
            }
            if !contains(&all, &format!("Installed authcheck/authcheck v{VERSION}")) {
                f.push(format!("{label}: init did not install v{VERSION} from the mirror:\n{all}"));
            }
            let installed = ws
                .join(".terraform/providers")
                .join(ADDRESS)
                .join(VERSION)
                .join("linux_amd64")
                .join(&member);
            match std::fs::read(&installed) {
                Ok(bytes) => {
                    let lock = std::fs::read_to_string(ws.join(".terraform.lock.hcl")).unwrap_or_default();
                    let h1 = h1_of_single_file(&member, &bytes);
                    if !lock.contains(&h1) {
                        f.push(format!("{label}: the lock file does not record {h1} for the installed package:\n{lock}"));
                    }
                }
                Err(err) => f.push(format!("{label}: {} not installed: {err}", installed.display())),
            }

            let before = idp.requests();
            let plan = run(&["plan", "-input=false", "-no-color"]);
            let all = text(&plan);
            if !plan.status.success() {
                f.push(format!("{label}: plan with the mirrored provider failed:\n{all}"));
            } else if !contains(&all, "valid = true") || !contains(&all, "reason = \"ok\"") {
                f.push(format!("{label}: the plan did not show the data source's result:\n{all}"));
            }
            if idp.requests() == before {
                f.push(format!("{label}: the plan made no token request to the IdP"));
            }
            if all.contains(SECRET) {
                f.push(format!("{label}: the secret appears in the plan output"));
            }
            f
        })
        .await
        .expect("terraform runs");
        failures.extend(found);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
