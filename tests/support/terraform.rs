//! Running real Terraform CLIs against the provider under test, the way the end-to-end tests all need it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The Terraform CLIs to test with (scripts/install-terraform); none installed is a failure, not a skip.
pub fn terraforms() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join("scripts/terraform-versions"))
        .output()
        .expect("run scripts/terraform-versions");
    let list: Vec<PathBuf> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .collect();
    assert!(
        !list.is_empty(),
        "no Terraform CLI installed: run scripts/install-terraform (scripts/test does). {}",
        String::from_utf8_lossy(&out.stderr)
    );
    list
}

/// `terraform version` as (major, minor).
pub fn version_of(terraform: &Path) -> (u32, u32) {
    let out = Command::new(terraform)
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("version");
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("Terraform v")
        .to_string();
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// A temporary configuration directory whose CLI config points `authcheck/authcheck` at the built provider.
pub struct Workspace {
    pub dir: PathBuf,
    pub cli_config: PathBuf,
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Creates a workspace with `versions.tf` (the provider requirement) and the given files.
pub fn workspace(name: &str, files: &[(&str, String)]) -> Workspace {
    let dir = std::env::temp_dir().join(format!("authcheck-tf-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("workspace");
    let plugin_dir = Path::new(env!("CARGO_BIN_EXE_terraform-provider-authcheck"))
        .parent()
        .expect("bin dir");
    let cli_config = dir.join("dev.tfrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/authcheck/authcheck\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            plugin_dir.display()
        ),
    )
    .expect("cli config");
    if !files
        .iter()
        .any(|(name, text)| *name == "versions.tf" || text.contains("required_providers"))
    {
        std::fs::write(
            dir.join("versions.tf"),
            "terraform {\n  required_providers {\n    authcheck = { source = \"authcheck/authcheck\" }\n  }\n}\n",
        )
        .expect("versions.tf");
    }
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("tf file");
    }
    Workspace { dir, cli_config }
}

/// A terraform command in the workspace, isolated from the caller's Terraform and authcheck settings.
pub fn command(tf: &Path, ws: &Workspace, args: &[&str]) -> Command {
    let mut command = Command::new(tf);
    command
        .args(args)
        .current_dir(&ws.dir)
        .env("TF_CLI_CONFIG_FILE", &ws.cli_config)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_DATA_DIR", ws.dir.join(".terraform"))
        .env_remove("TF_LOG")
        .env_remove("AUTHCHECK_TOKEN_URL")
        .env_remove("AUTHCHECK_CLIENT_ID")
        .env_remove("AUTHCHECK_CLIENT_SECRET")
        .env_remove("GENESYSCLOUD_OAUTHCLIENT_ID")
        .env_remove("GENESYSCLOUD_OAUTHCLIENT_SECRET")
        .env_remove("GENESYSCLOUD_REGION");
    command
}

/// Runs terraform with extra environment and returns its output.
pub fn run(tf: &Path, ws: &Workspace, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(tf, ws, args)
        .envs(env.iter().copied())
        .output()
        .expect("run terraform")
}

/// stdout and stderr together.
pub fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Terraform wraps diagnostic text to the terminal width; compare with whitespace runs collapsed.
pub fn contains(haystack: &str, needle: &str) -> bool {
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    squash(haystack).contains(&squash(needle))
}

/// What is wrong with a scenario's plan: the exit code it should have, the words it must show (compared with
/// whitespace collapsed, as Terraform wraps them) and a secret it must never show; empty when nothing is.
pub fn plan_problems(
    name: &str,
    out: &Output,
    code: Option<i32>,
    needles: &[&str],
    secret: &str,
) -> Vec<String> {
    let all = text(out);
    let mut problems = Vec::new();
    if out.status.code() != code {
        problems.push(format!(
            "{name}: exit {:?}, expected {code:?}:\n{all}",
            out.status.code()
        ));
    }
    for needle in needles {
        if !contains(&all, needle) {
            problems.push(format!("{name}: lacks {needle:?}:\n{all}"));
        }
    }
    if all.contains(secret) {
        problems.push(format!("{name}: the secret appears in the output"));
    }
    problems
}

/// What a saved plan (a zip archive) holds, as text.
pub fn plan_contents(plan: &Path) -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); sys.stdout.buffer.write(b''.join(z.read(n) for n in z.namelist()))"])
        .arg(plan)
        .output()
        .expect("unzip plan");
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The secret as it could leak: raw, URL-encoded, base64, and inside a Basic header for `client_id`.
pub fn secret_forms(client_id: &str, secret: &str) -> Vec<String> {
    use base64::Engine;
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let encoded_id: String = url::form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
    vec![
        secret.to_string(),
        encoded.clone(),
        b64(format!("{client_id}:{secret}")),
        b64(format!("{encoded_id}:{encoded}")),
        b64(secret.to_string()),
    ]
}

/// True when `text` holds one of the test server's opaque tokens ("demo-" and 32 hex digits) or a JWT it minted.
pub fn contains_token(text: &str) -> bool {
    let opaque = text.match_indices("demo-").any(|(at, _)| {
        text[at + 5..]
            .chars()
            .take(32)
            .filter(|c| c.is_ascii_hexdigit())
            .count()
            == 32
    });
    // base64url of the test server's JWT header {"alg":"HS256","typ":"at+jwt"}.
    opaque || text.contains("eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9")
}

/// What one traced `terraform plan` left behind: its output, its `TF_LOG=trace` log and, when it was saved, the
/// saved plan's contents (empty otherwise), for the leak searches.
pub struct Traced {
    pub out: Output,
    pub log: String,
    pub saved: String,
}

/// `terraform plan` number `n` in `ws` with `TF_LOG=trace` to a file, saved with `-out` when `save`; `configure`
/// sets the run's own environment.
pub fn traced_plan(
    tf: &Path,
    ws: &Workspace,
    n: usize,
    save: bool,
    configure: impl FnOnce(&mut Command),
) -> Traced {
    let log = ws.dir.join(format!("trace-{n}.log"));
    let plan = ws.dir.join(format!("plan-{n}.tfplan"));
    let out_arg = format!("-out={}", plan.display());
    let mut args = vec!["plan", "-no-color", "-input=false"];
    if save {
        args.push(&out_arg);
    }
    let mut command = command(tf, ws, &args);
    configure(&mut command);
    command.env("TF_LOG", "trace").env("TF_LOG_PATH", &log);
    let out = command.output().expect("terraform");
    Traced {
        out,
        log: std::fs::read_to_string(&log).unwrap_or_default(),
        saved: if save {
            plan_contents(&plan)
        } else {
            String::new()
        },
    }
}
