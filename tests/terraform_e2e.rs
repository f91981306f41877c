//! End to end with real Terraform CLIs (installed by scripts/install-terraform) and dev_overrides:
//! schema, planned examples, and failing plans whose diagnostics are what a user reads.

mod support;

use std::path::Path;

use support::terraform::{
    contains, contains_token, plan_contents, run as terraform, secret_forms, terraforms, text,
    version_of, workspace,
};

use authcheck::demo::idp::{Client, Idp, IdpConfig};

const SECRET: &str = "pipeline-secret-7d1c";
const WRONG_SECRET: &str = "stale-secret-0000";

fn example(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect(path)
}

/// Collects failures so one run reports every version's problems at once.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, ok: bool, what: String) {
        if !ok {
            self.0.push(what);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_terraform_plans_examples_and_fails_with_the_named_cause() {
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("pipeline", SECRET).scopes(&["read", "write"]),
    ]))
    .await
    .expect("idp");
    let idp = std::sync::Arc::new(idp);
    let token_url = idp.token_url();
    let env = [
        ("AUTHCHECK_TOKEN_URL", token_url.as_str()),
        ("AUTHCHECK_CLIENT_ID", "pipeline"),
        ("PIPELINE_CLIENT_SECRET", SECRET),
        ("TF_VAR_client_id", "pipeline"),
        ("TF_VAR_token_url", token_url.as_str()),
    ];
    let bad_env = [
        ("AUTHCHECK_TOKEN_URL", token_url.as_str()),
        ("AUTHCHECK_CLIENT_ID", "pipeline"),
        ("PIPELINE_CLIENT_SECRET", WRONG_SECRET),
        ("TF_VAR_client_id", "pipeline"),
        ("TF_VAR_token_url", token_url.as_str()),
    ];
    let mut failures = Failures::default();
    let provider = example("examples/provider/provider.tf");
    let data_source = example("examples/data-sources/authcheck_client_credentials/data-source.tf");
    let report_only =
        example("examples/data-sources/authcheck_client_credentials/data-source-report-only.tf");
    let variables = example("examples/data-sources/authcheck_client_credentials/variables.tf");
    let ephemeral =
        example("examples/ephemeral-resources/authcheck_client_credentials/ephemeral-resource.tf");

    for tf in terraforms() {
        let version = version_of(&tf);
        let label = format!("terraform {}.{} ({})", version.0, version.1, tf.display());
        let tf = tf.clone();
        let idp = idp.clone();
        let (provider, data_source, report_only, ephemeral, variables) = (
            provider.clone(),
            data_source.clone(),
            report_only.clone(),
            ephemeral.clone(),
            variables.clone(),
        );
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let bad_env: Vec<(String, String)> = bad_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let found = tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let bad_env: Vec<(&str, &str)> = bad_env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let mut f = Failures::default();

            // The schema as Terraform reads it.
            let ws = workspace("schema", &[("main.tf", provider.clone())]);
            let out = terraform(&tf, &ws, &["providers", "schema", "-json"], &env);
            let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            let attrs = &schema["provider_schemas"]["registry.terraform.io/authcheck/authcheck"]["data_source_schemas"]
                ["authcheck_client_credentials"]["block"]["attributes"];
            f.check(out.status.success() && attrs["reason"]["computed"] == true, format!("{label}: schema -json: {}", text(&out)));
            f.check(attrs["reason"]["description"].as_str().is_some_and(|d| d.contains("invalid_secret")), format!("{label}: descriptions in schema"));

            // The examples plan cleanly against a working client.
            let ws = workspace("examples", &[("versions.tf", provider.clone()), ("data-source.tf", data_source.clone()), ("variables.tf", variables.clone())]);
            let out = terraform(&tf, &ws, &["plan", "-no-color", "-input=false"], &env);
            let all = text(&out);
            f.check(out.status.success(), format!("{label}: example plan failed: {all}"));
            f.check(all.contains("obtained a token from 127.0.0.1"), format!("{label}: example summary in plan output: {all}"));
            f.check(!all.contains(SECRET), format!("{label}: secret in plan output"));

            // Nothing secret in a saved plan, its JSON rendering, or a TF_LOG=trace log.
            let log = ws.dir.join("trace.log");
            let log_text = log.display().to_string();
            let mut traced = env.clone();
            traced.extend([("TF_LOG", "trace"), ("TF_LOG_PATH", log_text.as_str())]);
            let out = terraform(&tf, &ws, &["plan", "-no-color", "-input=false", "-out=saved.tfplan"], &traced);
            f.check(out.status.success(), format!("{label}: traced plan failed: {}", text(&out)));
            let shown = terraform(&tf, &ws, &["show", "-json", "saved.tfplan"], &env);
            let unzipped = plan_contents(&ws.dir.join("saved.tfplan"));
            let haystacks = [
                ("plan output", text(&out)),
                ("trace log", std::fs::read_to_string(&log).unwrap_or_default()),
                ("show -json", text(&shown)),
                ("plan file", unzipped.clone()),
            ];
            f.check(haystacks[1].1.contains("@module=authcheck") || haystacks[1].1.contains("authcheck"), format!("{label}: provider logs reach TF_LOG"));
            f.check(!haystacks[3].1.is_empty(), format!("{label}: plan file unreadable"));
            for (what, hay) in &haystacks {
                for secret in secret_forms("pipeline", SECRET) {
                    f.check(!hay.contains(&secret), format!("{label}: a form of the secret appears in the {what}"));
                }
                f.check(!contains_token(hay), format!("{label}: an access token appears in the {what}"));
            }

            // Fifty data sources with the same credentials: one token request.
            let fifty = "data \"authcheck_client_credentials\" \"many\" {\n  count = 50\n  client_secret_env = \"PIPELINE_CLIENT_SECRET\"\n  scopes = [\"write\"]\n}\n";
            let ws50 = workspace("fifty", &[("versions.tf", provider.clone()), ("main.tf", fifty.to_string())]);
            let before = idp.requests();
            let out = terraform(&tf, &ws50, &["plan", "-no-color", "-input=false", "-parallelism=50"], &env);
            let made = idp.requests() - before;
            f.check(out.status.success() && made == 1, format!("{label}: 50 identical data sources made {made} token requests: {}", text(&out)));

            // A stale secret fails the plan with the cause, the fix and the attribute to blame.
            let out = terraform(&tf, &ws, &["plan", "-no-color", "-input=false"], &bad_env);
            let all = text(&out);
            f.check(out.status.code() == Some(1), format!("{label}: failing plan exit code {:?}", out.status.code()));
            for needle in [
                "Error: 127.0.0.1:",
                "rejected the client secret for client pipeline",
                "client_secret_env = \"PIPELINE_CLIENT_SECRET\"",
                "Sent: POST http://127.0.0.1:",
                "as client \"pipeline\" using client_secret_basic",
                "error_description \"client authentication failed: invalid client secret\"",
                "environment variable PIPELINE_CLIENT_SECRET still holds the old one",
                "reason: invalid_secret",
            ] {
                f.check(contains(&all, needle), format!("{label}: failing plan lacks {needle:?}:\n{all}"));
            }
            f.check(!all.contains(WRONG_SECRET), format!("{label}: secret in failing plan output"));

            // fail_on_error = false: the plan goes on and reason tells what happened.
            if version >= (1, 5) {
                let ws = workspace("report-only", &[("versions.tf", provider.clone()), ("main.tf", report_only.clone()), ("variables.tf", variables.clone())]);
                let out = terraform(&tf, &ws, &["plan", "-no-color", "-input=false"], &bad_env);
                let all = text(&out);
                f.check(out.status.success(), format!("{label}: report-only plan must succeed: {all}"));
                f.check(contains(&all, "Client credentials check failed (invalid_secret)"), format!("{label}: check block warning: {all}"));
            }

            // An input unknown until apply defers the read instead of failing the plan.
            if version >= (1, 4) {
                let deferred = "resource \"terraform_data\" \"later\" {\n  input = \"pipeline\"\n}\n\
                    data \"authcheck_client_credentials\" \"later\" {\n  client_id = terraform_data.later.output\n  client_secret_env = \"PIPELINE_CLIENT_SECRET\"\n}\n";
                let ws = workspace("deferred", &[("main.tf", deferred.to_string())]);
                let out = terraform(&tf, &ws, &["plan", "-no-color", "-input=false"], &bad_env);
                let all = text(&out);
                f.check(out.status.success(), format!("{label}: deferred read must not fail the plan: {all}"));
                f.check(all.contains("will be read during apply"), format!("{label}: read deferred: {all}"));
            }

            // A provider started by hand with --debug, attached through TF_REATTACH_PROVIDERS.
            let debug = support::start_debug_plugin(&env);
            let ws = workspace("reattach", &[("versions.tf", provider.clone()), ("data-source.tf", data_source.clone()), ("variables.tf", variables.clone())]);
            std::fs::write(&ws.cli_config, "").expect("no dev overrides");
            let mut reattached = env.clone();
            reattached.push(("TF_REATTACH_PROVIDERS", debug.reattach.as_str()));
            let out = terraform(&tf, &ws, &["plan", "-no-color", "-input=false"], &reattached);
            let all = text(&out);
            f.check(out.status.success() && all.contains("obtained a token"), format!("{label}: reattached plan: {all}"));
            drop(debug);

            // The ephemeral resource hands out the token; neither it nor the secret reaches plan, state or logs.
            if version >= (1, 10) {
                let ws = workspace("ephemeral", &[("versions.tf", provider.clone()), ("main.tf", ephemeral.clone())]);
                let log = ws.dir.join("trace.log");
                let log_text = log.display().to_string();
                let mut traced = env.clone();
                let api_url = format!("{}/.well-known/openid-configuration", idp.base_url());
                traced.extend([("TF_VAR_client_secret", SECRET), ("TF_VAR_api_url", api_url.as_str()), ("TF_LOG", "trace"), ("TF_LOG_PATH", log_text.as_str())]);
                let out = terraform(&tf, &ws, &["plan", "-no-color", "-input=false", "-out=eph.tfplan"], &traced);
                let plan_text = text(&out);
                f.check(out.status.success(), format!("{label}: ephemeral plan failed: {plan_text}"));
                f.check(contains(&plan_text, "ephemeral.authcheck_client_credentials.api: Opening"), format!("{label}: ephemeral opened: {plan_text}"));
                let applied = terraform(&tf, &ws, &["apply", "-no-color", "-input=false", "-auto-approve"], &traced);
                f.check(applied.status.success(), format!("{label}: ephemeral apply failed: {}", text(&applied)));
                let state = std::fs::read_to_string(ws.dir.join("terraform.tfstate")).unwrap_or_default();
                let shown = terraform(&tf, &ws, &["show", "-json", "eph.tfplan"], &env);
                let unzipped = plan_contents(&ws.dir.join("eph.tfplan"));
                let log_contents = std::fs::read_to_string(&log).unwrap_or_default();
                f.check(log_contents.contains("OpenEphemeralResource") || log_contents.contains("ephemeral"), format!("{label}: trace log has the ephemeral calls"));
                for (what, hay) in [
                    ("plan output", plan_text.clone()),
                    ("apply output", text(&applied)),
                    ("state", state),
                    ("show -json", text(&shown)),
                    ("plan file", unzipped.clone()),
                    ("trace log", log_contents),
                ] {
                    for secret in secret_forms("pipeline", SECRET) {
                        f.check(!hay.contains(&secret), format!("{label}: ephemeral: a form of the secret appears in the {what}"));
                    }
                    f.check(!contains_token(&hay), format!("{label}: ephemeral: the access token appears in the {what}"));
                }
                let mut wrong = bad_env.clone();
                wrong.push(("TF_VAR_client_secret", WRONG_SECRET));
                let out = terraform(&tf, &ws, &["plan", "-no-color", "-input=false"], &wrong);
                let all = text(&out);
                f.check(out.status.code() == Some(1) && contains(&all, "reason: invalid_secret"), format!("{label}: failing ephemeral plan: {all}"));
                f.check(!all.contains(WRONG_SECRET), format!("{label}: secret in failing ephemeral plan"));
            }

            // Input mistakes are caught by validation with the attribute named.
            let bad_config = "data \"authcheck_client_credentials\" \"x\" {\n  token_url = \"https://a.example/token\"\n  issuer    = \"https://b.example\"\n  client_secret_env = \"PIPELINE_CLIENT_SECRET\"\n}\n";
            let ws = workspace("invalid", &[("main.tf", bad_config.to_string())]);
            let out = terraform(&tf, &ws, &["validate", "-no-color"], &env);
            let all = text(&out);
            f.check(!out.status.success() && contains(&all, "Conflicting endpoint inputs: token_url and issuer"), format!("{label}: validate: {all}"));
            f.check(all.contains("on main.tf line 3"), format!("{label}: validate points at issuer: {all}"));
            f.0
        })
        .await
        .expect("terraform scenarios");
        failures.0.extend(found);
    }
    assert!(
        failures.0.is_empty(),
        "{} problem(s):\n\n{}",
        failures.0.len(),
        failures.0.join("\n\n-----\n\n")
    );
}

/// Every example directory plans as it is, with only the variables it declares and the secret variable it
/// names: nothing may depend on an environment the reader was not told about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_directory_plans_as_it_is() {
    let idp = Idp::start(IdpConfig::new(vec![
        Client::new("pipeline", SECRET).scopes(&["read", "write"]),
    ]))
    .await
    .expect("idp");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    // examples/genesys, examples/azure, examples/aws and examples/google are planned against their test servers
    // (the Genesys, Entra, STS and Google flavours, and moto) by tests/genesys.rs, tests/entra_credentials.rs,
    // tests/aws.rs, tests/aws_web_identity.rs and tests/google.rs; examples/external-program needs the
    // hashicorp/external provider, which cannot be downloaded here (tests/cli.rs drives the program exactly as
    // that provider does).
    let elsewhere = ["genesys", "azure", "aws", "google", "external-program"];
    let mut dirs = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let mut has_tf = false;
        for entry in std::fs::read_dir(&dir).expect("examples dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "tf") {
                has_tf = true;
            }
        }
        let name = dir
            .strip_prefix(&root)
            .unwrap_or(&dir)
            .display()
            .to_string();
        if has_tf && !elsewhere.contains(&name.as_str()) {
            dirs.push((name, dir));
        }
    }
    dirs.sort();
    assert!(dirs.len() >= 3, "examples found: {dirs:?}");
    let tf = terraforms().remove(0);
    let version = version_of(&tf);
    let token_url = idp.token_url();
    let api_url = format!("{}/.well-known/openid-configuration", idp.base_url());
    let mut problems = Vec::new();
    for (name, dir) in dirs {
        let files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .map(|p| {
                let file = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                (file, std::fs::read_to_string(&p).expect("example"))
            })
            .collect();
        let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
        if all.contains("ephemeral \"") && version < (1, 10) {
            continue;
        }
        // The values a reader gives: the declared variables and the variables client_secret_env names.
        let mut env: Vec<(String, String)> = Vec::new();
        for line in all.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("variable \"") {
                let var = rest.split('"').next().unwrap_or_default();
                let value = match var {
                    "token_url" => token_url.clone(),
                    "client_id" => "pipeline".to_string(),
                    "client_secret" => SECRET.to_string(),
                    "api_url" => api_url.clone(),
                    other => {
                        problems.push(format!("{name}: no value known for variable {other}"));
                        continue;
                    }
                };
                env.push((format!("TF_VAR_{var}"), value));
            }
            if let Some(rest) = line.strip_prefix("client_secret_env") {
                let var = rest.split('"').nth(1).unwrap_or_default();
                env.push((var.to_string(), SECRET.to_string()));
            }
        }
        let borrowed: Vec<(&str, String)> =
            files.iter().map(|(f, t)| (f.as_str(), t.clone())).collect();
        let ws = workspace(&format!("example-{}", name.replace('/', "-")), &borrowed);
        let tf = tf.clone();
        let out = tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            terraform(&tf, &ws, &["plan", "-no-color", "-input=false"], &env)
        })
        .await
        .expect("join");
        if !out.status.success() {
            problems.push(format!("{name}: plan failed:\n{}", text(&out)));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
