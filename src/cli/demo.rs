//! `authcheck demo`: an embedded test OAuth2 server and what authcheck says about clients that fail the ways
//! real ones do; `demo --terraform`: the same server seen through a real `terraform plan`.

use std::io::Write;

use super::{
    EXIT_FAILED, EXIT_UNKNOWN, EXIT_USAGE, EXIT_VALID, render, runtime_or_report, style_for_stdout,
};
use crate::check::{self, Given, Inputs, Secret, SecretOrigin};
use crate::surface::Input;

/// `authcheck demo`: an embedded test server, a handful of clients, and what authcheck says about each.
pub fn demo_command() -> i32 {
    let Some(runtime) = runtime_or_report() else {
        return EXIT_UNKNOWN;
    };
    runtime.block_on(async {
        let idp = match crate::demo::idp::Idp::start(crate::demo::idp::demo_config()).await {
            Ok(idp) => idp,
            Err(err) => {
                eprintln!("authcheck: cannot start the demo server on loopback: {err}");
                return EXIT_UNKNOWN;
            }
        };
        let genesys = match crate::demo::idp::Idp::start(crate::demo::idp::demo_genesys_config()).await {
            Ok(idp) => idp,
            Err(err) => {
                eprintln!("authcheck: cannot start the demo's Genesys Cloud server on loopback: {err}");
                return EXIT_UNKNOWN;
            }
        };
        let style = style_for_stdout();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "authcheck demo: a test OAuth2 server is running at {} with a few clients that succeed and fail the \
             ways real ones do.\nEach check below is what `authcheck check` (or a failing `terraform plan`) \
             would show.\n",
            idp.base_url()
        );
        let cases = crate::demo::idp::demo_cases();
        let total = cases.len();
        for (index, case) in cases.into_iter().enumerate() {
            let list = |items: &[&str]| Given::List(items.iter().map(|s| s.to_string()).collect());
            let mut inputs = Inputs::new()
                .with_text(Input::ClientId, case.client_id)
                .with(
                    Input::ClientSecret,
                    Given::Secret(
                        Secret::new(case.secret_sent),
                        SecretOrigin::Env("AUTHCHECK_CLIENT_SECRET".into()),
                    ),
                )
                .with(Input::Scopes, list(&case.scopes))
                .with(Input::RequiredScopes, list(&case.required_scopes))
                .with(Input::TimeoutSeconds, Given::Int(10))
                .with(Input::MaxRetries, Given::Int(1));
            let mut command = format!("$ authcheck check --client-id {}", case.client_id);
            if case.genesys {
                // The demo's own hosts stand in for a region's login and api hosts.
                inputs.set(Input::GenesysLoginUrl, Given::Text(genesys.base_url()));
                inputs.set(Input::GenesysApiUrl, Given::Text(genesys.base_url()));
                inputs.set(Input::RequiredPermissions, list(&case.required_permissions));
                command.push_str(&format!(
                    " --genesys-login-url {base} --genesys-api-url {base}",
                    base = genesys.base_url()
                ));
            } else {
                inputs.set(Input::TokenUrl, Given::Text(idp.token_url()));
                command.push_str(&format!(" --token-url {}", idp.token_url()));
            }
            for scope in &case.scopes {
                command.push_str(&format!(" --scope {scope}"));
            }
            for scope in &case.required_scopes {
                command.push_str(&format!(" --require-scope {scope}"));
            }
            for permission in &case.required_permissions {
                command.push_str(&format!(" --require-permission {permission}"));
            }
            let report = match inputs.resolve(&|_| None) {
                Ok(request) => check::run(request, tokio::sync::watch::channel(false).1).await,
                Err(report) => *report,
            };
            let _ = writeln!(out, "── {}/{total}: {} ──", index + 1, case.title);
            let _ = writeln!(out, "{command}");
            let _ = writeln!(out, "{}", render::text(&report, style));
        }
        let _ = writeln!(out, "To check your own credentials: authcheck check --help");
        EXIT_VALID
    })
}

/// Finds a Terraform CLI: the one given, $TERRAFORM, the test suite's, or the one on PATH.
fn find_terraform(given: Option<&str>) -> Option<std::path::PathBuf> {
    if let Some(path) = given {
        return Some(path.into());
    }
    if let Some(path) = std::env::var_os("TERRAFORM") {
        return Some(path.into());
    }
    let cached = std::path::Path::new(".cache/terraform/bin/terraform-1.15.5");
    if cached.exists() {
        return std::fs::canonicalize(cached).ok();
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| candidate.is_file())
    })
}

/// `authcheck demo --terraform`: a passing and a failing `terraform plan` against the embedded test server.
pub fn demo_terraform_command(given: Option<&str>) -> i32 {
    let Some(terraform) = find_terraform(given) else {
        eprintln!(
            "authcheck: no Terraform CLI found; give its path (authcheck demo --terraform PATH), set TERRAFORM, or run \
             scripts/install-terraform"
        );
        return EXIT_USAGE;
    };
    let plugin_dir = match std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(std::path::Path::to_path_buf))
    {
        Some(dir) if dir.join("terraform-provider-authcheck").is_file() => dir,
        _ => {
            eprintln!(
                "authcheck: terraform-provider-authcheck is not next to this binary; build both with cargo build"
            );
            return EXIT_USAGE;
        }
    };
    let Some(runtime) = runtime_or_report() else {
        return EXIT_UNKNOWN;
    };
    runtime.block_on(async move {
        let idp = match crate::demo::idp::Idp::start(crate::demo::idp::demo_config()).await {
            Ok(idp) => idp,
            Err(err) => {
                eprintln!("authcheck: cannot start the demo server on loopback: {err}");
                return EXIT_UNKNOWN;
            }
        };
        let dir = std::env::temp_dir().join(format!("authcheck-demo-{}", std::process::id()));
        let files = [
            (
                "dev.tfrc",
                format!(
                    "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/authcheck/authcheck\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                    plugin_dir.display()
                ),
            ),
            (
                "main.tf",
                format!(
                    "terraform {{\n  required_providers {{\n    authcheck = {{ source = \"authcheck/authcheck\" }}\n  }}\n}}\n\n\
                     data \"authcheck_client_credentials\" \"pipeline\" {{\n  token_url         = \"{}\"\n  client_id         = \"demo-rotated\"\n  client_secret_env = \"PIPELINE_CLIENT_SECRET\"\n}}\n\n\
                     output \"credentials\" {{\n  value = data.authcheck_client_credentials.pipeline.summary\n}}\n",
                    idp.token_url()
                ),
            ),
        ];
        let written = std::fs::create_dir_all(&dir).and_then(|()| {
            files.iter().try_for_each(|(name, text)| std::fs::write(dir.join(name), text))
        });
        if let Err(err) = written {
            eprintln!("authcheck: cannot write the demo configuration in {}: {err}", dir.display());
            return EXIT_UNKNOWN;
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "authcheck demo --terraform: {} plans {}/main.tf against a test OAuth2 server at {}.\n", terraform.display(), dir.display(), idp.base_url());
        let mut code = EXIT_VALID;
        for (title, secret, expect_success) in [
            ("the pipeline holds the current secret: the plan passes", "demo-rotated-secret-v2", true),
            ("the secret was rotated and the pipeline still holds the old one: the plan fails, saying so", "demo-rotated-secret-v1", false),
        ] {
            let _ = writeln!(out, "── {title} ──\n$ terraform plan");
            let _ = out.flush();
            let (terraform, workdir) = (terraform.clone(), dir.clone());
            let result = tokio::task::spawn_blocking(move || {
                std::process::Command::new(&terraform)
                    .args(["plan", "-no-color", "-input=false"])
                    .current_dir(&workdir)
                    .env("TF_CLI_CONFIG_FILE", workdir.join("dev.tfrc"))
                    .env("TF_DATA_DIR", workdir.join(".terraform"))
                    .env("CHECKPOINT_DISABLE", "1")
                    .env("PIPELINE_CLIENT_SECRET", secret)
                    .output()
            })
            .await;
            match result {
                Ok(Ok(output)) => {
                    let _ = out.write_all(&output.stdout);
                    let _ = out.write_all(&output.stderr);
                    let _ = writeln!(out, "(terraform exited with {})\n", output.status.code().unwrap_or(-1));
                    if output.status.success() != expect_success {
                        code = EXIT_FAILED;
                    }
                }
                _ => {
                    eprintln!("authcheck: cannot run terraform in {}", dir.display());
                    code = EXIT_UNKNOWN;
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        code
    })
}
