//! `authcheck preflight` on a configuration of four providers authcheck knows (genesyscloud, azurerm, aws with an
//! alias that assumes a role, google) and two it does not check (random, cloudflare), against the test server's
//! Genesys, Entra and Google flavours and moto: all good, then each broken in turn, the account guard, values from
//! `TF_VAR_*` and `.tfvars`, a value only Terraform can evaluate, every format, and no secret in any of them.
//! Then the configurations it must refuse: no `.tf` file, HCL that does not parse, a variable nobody sets.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use authcheck::demo::idp::{
    Client, ENTRA_TEST_SUBSCRIPTION, ENTRA_TEST_TENANT, Flavor, GoogleConfig, Idp, IdpConfig, Org,
    RegisteredKey, ServiceAccount,
};
use serde_json::{Value, json};
use support::moto::Moto;
use support::terraform::{contains_token, secret_forms};

const GENESYS_ID: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const GENESYS_SECRET: &str = "genesys-preflight-secret-9d8c7b";
const ENTRA_APP: &str = "9b1d4c6e-5f70-4182-9dae-3f4a5b6c7d8e";
const ENTRA_SECRET: &str = "Xq8~preflight-entra-secret-4a5b6c";
const PROJECT_ID: &str = "acme-prod";
const PROJECT_NUMBER: &str = "987654321098";
const KEYED: &str = "ci-key@acme-prod.iam.gserviceaccount.com";
const KEY_ID: &str = "6f1c0e6a2b9d4c8e8a5b1f3d7c2e9a4b6d8f0a1c";
/// `{"alg":` in base64url: the start of any JWT (assertions, access tokens of the test server).
const JWT_START: &str = "eyJhbGciOi";

/// Variables of the machine running the tests that would change what any of the four providers finds.
const CLEARED_PREFIXES: &[&str] = &[
    "GENESYSCLOUD_",
    "ARM_",
    "AZURE_",
    "AWS_",
    "GOOGLE_",
    "GCLOUD_",
    "CLOUDSDK_",
    "AUTHCHECK_",
    "TF_VAR_",
    "ACTIONS_ID_TOKEN_",
    "GITHUB_STEP_SUMMARY",
];

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("fixture")
}

struct Servers {
    genesys: Idp,
    entra: Idp,
    google: Idp,
    moto: Moto,
}

async fn servers() -> Servers {
    let org = Org {
        id: "6b1f0c2d-aaaa-4bbb-8ccc-123456789abc".into(),
        name: "Acme Prod".into(),
        short_name: "acme-prod".into(),
    };
    let genesys = Idp::start(IdpConfig {
        clients: vec![
            Client::new(GENESYS_ID, GENESYS_SECRET)
                .org(org)
                .name("CI deployer"),
        ],
        flavor: Flavor::Genesys,
        max_lifetime: Duration::from_secs(300),
    })
    .await
    .expect("genesys");
    let entra = Idp::start(IdpConfig {
        clients: vec![
            Client::new(ENTRA_APP, ENTRA_SECRET).subscription_role(ENTRA_TEST_SUBSCRIPTION),
        ],
        flavor: Flavor::Entra,
        max_lifetime: Duration::from_secs(300),
    })
    .await
    .expect("entra");
    let key = RegisteredKey::from_pem(&fixture("keys/rsa-2048.pem"), None, None).expect("key");
    let google = Idp::start_google(
        GoogleConfig::new(PROJECT_ID, PROJECT_NUMBER).service_account(
            ServiceAccount::new(KEYED)
                .key(KEY_ID, key)
                .permissions(&["storage.buckets.list"]),
        ),
    )
    .await
    .expect("google");
    let moto = tokio::task::spawn_blocking(Moto::start)
        .await
        .expect("moto");
    Servers {
        genesys,
        entra,
        google,
        moto,
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("authcheck-preflight-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

/// The module: four known providers (aws twice), random and cloudflare; values from a literal, `TF_VAR_*`
/// (genesys_client_id), terraform.tfvars (arm_client_id), a default (aws_region) and a local (not readable).
fn module(s: &Servers, dir: &Path, key_id: &str) {
    write(
        dir,
        "versions.tf",
        r#"terraform {
  required_providers {
    genesyscloud = { source = "mypurecloud/genesyscloud" }
    azurerm      = { source = "hashicorp/azurerm" }
    aws          = { source = "hashicorp/aws" }
    google       = { source = "hashicorp/google" }
    random       = { source = "hashicorp/random" }
    cloudflare   = { source = "cloudflare/cloudflare" }
  }
}
"#,
    );
    write(
        dir,
        "variables.tf",
        r#"variable "genesys_client_id" { type = string }
variable "arm_client_id" { type = string }
variable "aws_region" {
  type    = string
  default = "us-east-1"
}
variable "aws_account" { type = string }
variable "forbidden" {
  type    = list(string)
  default = []
}
variable "deploy_role" { type = string }
locals {
  session = "preflight-${var.aws_region}"
}
"#,
    );
    write(
        dir,
        "providers.tf",
        &format!(
            r#"provider "genesyscloud" {{
  oauthclient_id = var.genesys_client_id
  aws_region     = "us-east-1"
}}

provider "azurerm" {{
  features {{}}
  tenant_id       = "{ENTRA_TEST_TENANT}"
  client_id       = var.arm_client_id
  subscription_id = "{ENTRA_TEST_SUBSCRIPTION}"
}}

provider "aws" {{
  region                = var.aws_region
  allowed_account_ids   = [var.aws_account]
  forbidden_account_ids = var.forbidden
}}

provider "aws" {{
  alias  = "deploy"
  region = var.aws_region
  assume_role {{
    role_arn     = var.deploy_role
    session_name = local.session
  }}
}}

provider "google" {{
  credentials = "gcp-key.json"
  project     = "{PROJECT_ID}"
}}

resource "random_id" "suffix" {{
  byte_length = 4
}}
"#
        ),
    );
    write(
        dir,
        "terraform.tfvars",
        &format!("arm_client_id = \"{ENTRA_APP}\"\n"),
    );
    write(
        dir,
        "gcp-key.json",
        &json!({
            "type": "service_account",
            "project_id": PROJECT_ID,
            "private_key_id": key_id,
            "private_key": fixture("keys/rsa-2048.pem"),
            "client_email": KEYED,
            "client_id": "104240418372911234567",
            "token_uri": format!("{}/token", s.google.base_url()),
        })
        .to_string(),
    );
}

/// The pipeline's environment: secrets and keys where the providers read them, the test servers as endpoints.
fn pipeline_env(s: &Servers) -> Vec<(&'static str, String)> {
    vec![
        (
            "GENESYSCLOUD_OAUTHCLIENT_SECRET",
            GENESYS_SECRET.to_string(),
        ),
        ("AUTHCHECK_GENESYS_LOGIN_URL", s.genesys.base_url()),
        ("AUTHCHECK_GENESYS_API_URL", s.genesys.base_url()),
        ("ARM_CLIENT_SECRET", ENTRA_SECRET.to_string()),
        ("AUTHCHECK_ENTRA_LOGIN_URL", s.entra.base_url()),
        ("AUTHCHECK_AZURE_MANAGEMENT_URL", s.entra.base_url()),
        ("AWS_ACCESS_KEY_ID", s.moto.deployer.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY",
            s.moto.deployer.secret_access_key.clone(),
        ),
        ("AUTHCHECK_AWS_STS_URL", s.moto.endpoint.clone()),
        ("AUTHCHECK_GCP_API_URL", s.google.base_url()),
        ("TF_VAR_genesys_client_id", GENESYS_ID.to_string()),
        ("TF_VAR_aws_account", s.moto.account.clone()),
        ("TF_VAR_deploy_role", s.moto.deploy_role_arn.clone()),
    ]
}

async fn preflight(dir: &Path, format: &str, env: &[(&'static str, String)]) -> Output {
    preflight_with(dir, &[], format, env).await
}

async fn preflight_with(
    dir: &Path,
    extra: &[&str],
    format: &str,
    env: &[(&'static str, String)],
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    command
        .args(["preflight", "--dir"])
        .arg(dir)
        .args(extra)
        .args(["--format", format, "--timeout", "20"]);
    for (name, _) in std::env::vars() {
        if CLEARED_PREFIXES.iter().any(|p| name.starts_with(p)) {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    tokio::task::spawn_blocking(move || command.output().expect("authcheck preflight"))
        .await
        .expect("join")
}

fn all_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Nothing secret in `text`: the secrets in every form the pipeline holds (raw, URL-encoded, base64, in a Basic
/// header), the private key, the test server's tokens, any JWT.
fn leaks(s: &Servers, text: &str) -> Vec<String> {
    let key = fixture("keys/rsa-2048.pem");
    let key_line = key.lines().nth(3).unwrap_or("-----").to_string();
    let mut never = secret_forms(GENESYS_ID, GENESYS_SECRET);
    never.extend(secret_forms(ENTRA_APP, ENTRA_SECRET));
    never.extend(secret_forms(
        &s.moto.deployer.access_key_id,
        &s.moto.deployer.secret_access_key,
    ));
    never.extend([key_line, JWT_START.to_string(), "ya29.".to_string()]);
    if contains_token(text) {
        never.push("a token of the test server".to_string());
    }
    never
        .into_iter()
        .filter(|needle| needle.starts_with("a token") || text.contains(needle.as_str()))
        .collect()
}

/// The JSON entries by address: (address, alias) -> entry.
fn entries(out: &Output) -> Vec<Value> {
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("preflight JSON does not parse ({err}):\n{}", all_text(out)));
    report["providers"].as_array().cloned().unwrap_or_default()
}

fn entry<'a>(entries: &'a [Value], local: &str, alias: Option<&str>) -> &'a Value {
    entries
        .iter()
        .find(|e| e["local_name"] == local && e["alias"].as_str() == alias)
        .unwrap_or_else(|| panic!("no entry for {local} {alias:?} in {entries:#?}"))
}

fn reason(entry: &Value) -> String {
    entry["report"]["reason"]
        .as_str()
        .unwrap_or("(not checked)")
        .to_string()
}

/// A provider broken by one variable: (local name, alias, the variable and its value, the reasons expected).
type Broken = (
    &'static str,
    Option<&'static str>,
    (&'static str, String),
    &'static [&'static str],
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_providers_each_checked_as_it_authenticates_and_each_broken_in_turn() {
    let s = servers().await;
    let dir = scratch("four");
    module(&s, &dir, KEY_ID);
    let env = pipeline_env(&s);

    let out = preflight(&dir, "json", &env).await;
    let all = entries(&out);
    assert_eq!(out.status.code(), Some(0), "{}", all_text(&out));
    for (local, alias) in [
        ("genesyscloud", None),
        ("azurerm", None),
        ("aws", None),
        ("aws", Some("deploy")),
        ("google", None),
    ] {
        let e = entry(&all, local, alias);
        assert_eq!(reason(e), "ok", "{local} {alias:?}: {e:#}");
        assert_eq!(e["checked"], true);
    }
    assert!(
        entry(&all, "aws", Some("deploy"))["report"]["principal"]
            .as_str()
            .is_some_and(|p| p.contains("assumed-role/deploy"))
    );
    assert_eq!(entry(&all, "google", None)["report"]["principal"], KEYED);
    assert_eq!(
        entry(&all, "azurerm", None)["report"]["account_id"],
        ENTRA_TEST_SUBSCRIPTION
    );
    // The local in session_name is named, and the check still runs with the default session name.
    let notes = entry(&all, "aws", Some("deploy"))["notes"].to_string();
    assert!(
        notes.contains("local.session") && notes.contains("only Terraform can evaluate"),
        "{notes}"
    );
    for (local, why) in [
        ("random", "holds no identity"),
        ("cloudflare", "does not know"),
    ] {
        let e = entry(&all, local, None);
        assert_eq!(e["checked"], false, "{e:#}");
        assert!(
            e["not_checked_because"]
                .as_str()
                .is_some_and(|w| w.contains(why)),
            "{e:#}"
        );
    }
    assert!(
        leaks(&s, &all_text(&out)).is_empty(),
        "{:?}",
        leaks(&s, &all_text(&out))
    );

    // Each broken in turn: that provider fails with its reason, the others stay ok, the exit code is 1.
    let broken: Vec<Broken> = vec![
        (
            "genesyscloud",
            None,
            (
                "GENESYSCLOUD_OAUTHCLIENT_SECRET",
                "wrong-genesys-secret-1".into(),
            ),
            &["invalid_secret", "invalid_client"],
        ),
        (
            "azurerm",
            None,
            ("ARM_CLIENT_SECRET", "wrong-entra-secret-22".into()),
            &["invalid_secret", "invalid_client"],
        ),
        (
            "aws",
            None,
            ("TF_VAR_aws_account", "111122223333".into()),
            &["wrong_organization"],
        ),
        (
            "aws",
            Some("deploy"),
            (
                "TF_VAR_deploy_role",
                format!("arn:aws:iam::{}:role/missing", s.moto.account),
            ),
            &["access_denied", "client_not_found"],
        ),
        // A list variable from TF_VAR_ (parsed as HCL, as Terraform does) naming the account as forbidden.
        (
            "aws",
            None,
            ("TF_VAR_forbidden", format!("[\"{}\"]", s.moto.account)),
            &["wrong_organization"],
        ),
    ];
    for (local, alias, (name, value), reasons) in broken {
        let mut env = pipeline_env(&s);
        env.retain(|(n, _)| *n != name);
        env.push((name, value.clone()));
        let out = preflight(&dir, "json", &env).await;
        let all = entries(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{local} {alias:?} broken:\n{}",
            all_text(&out)
        );
        let failing = entry(&all, local, alias);
        assert!(
            reasons.contains(&reason(failing).as_str()),
            "{local} {alias:?}: {failing:#}"
        );
        for other in all.iter().filter(|e| e["checked"] == true) {
            if other["local_name"] != local || other["alias"].as_str() != alias {
                assert_eq!(reason(other), "ok", "{local} broken, yet {other:#}");
            }
        }
        let mut leaked = leaks(&s, &all_text(&out));
        leaked.retain(|l| *l != value);
        assert!(
            leaked.is_empty() && !all_text(&out).contains(&value) || name.starts_with("TF_VAR"),
            "{leaked:?}"
        );
    }

    // google: a key that was deleted.
    let gone = scratch("google-gone");
    module(&s, &gone, "0a9b8c7d6e5f40312a1b2c3d4e5f60718293a4b5");
    let out = preflight(&gone, "json", &env).await;
    let all = entries(&out);
    assert_eq!(out.status.code(), Some(1), "{}", all_text(&out));
    assert_eq!(
        reason(entry(&all, "google", None)),
        "invalid_assertion",
        "{}",
        all_text(&out)
    );
    assert_eq!(reason(entry(&all, "genesyscloud", None)), "ok");

    // Every format, the genesys secret wrong: its provider named with its reason, in the provider's words.
    let mut bad = pipeline_env(&s);
    bad.retain(|(n, _)| *n != "GENESYSCLOUD_OAUTHCLIENT_SECRET");
    bad.push((
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "wrong-genesys-secret-1".into(),
    ));
    let text = preflight(&dir, "text", &bad).await;
    let t = all_text(&text);
    assert_eq!(text.status.code(), Some(1), "{t}");
    assert!(t.contains("[FAIL] provider \"genesyscloud\""), "{t}");
    assert!(
        t.contains("[ ok ] provider \"aws\" (alias \"deploy\")"),
        "{t}"
    );
    assert!(t.contains("[skip] provider \"random\""), "{t}");
    assert!(
        t.contains("GENESYSCLOUD_OAUTHCLIENT_SECRET"),
        "the fix names the provider's variable: {t}"
    );
    let github = preflight(&dir, "github", &bad).await;
    let g = all_text(&github);
    assert_eq!(g.matches("::error ").count(), 1, "{g}");
    assert!(g.contains("provider \"genesyscloud\""), "{g}");
    let junit = preflight(&dir, "junit", &bad).await;
    let j = String::from_utf8_lossy(&junit.stdout).to_string();
    roxmltree::Document::parse(&j).expect("JUnit is XML");
    assert!(
        j.contains("tests=\"7\" failures=\"1\"") && j.contains("skipped=\"2\""),
        "{j}"
    );
    for out in [&text, &github, &junit] {
        let leaked = leaks(&s, &all_text(out));
        assert!(leaked.is_empty(), "{leaked:?}");
        assert!(!all_text(out).contains("wrong-genesys-secret-1"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_adds_the_permissions_its_genesys_changes_need() {
    let s = servers().await;
    let dir = scratch("plan");
    module(&s, &dir, KEY_ID);
    let plan = dir.join("plan.json");
    write(
        &dir,
        "plan.json",
        r#"{"format_version":"1.2","resource_changes":[{"address":"genesyscloud_routing_queue.support","mode":"managed","type":"genesyscloud_routing_queue","provider_name":"registry.terraform.io/mypurecloud/genesyscloud","change":{"actions":["create"]}}]}"#,
    );
    let plan = plan.display().to_string();
    let out = preflight_with(&dir, &["--plan-json", &plan], "json", &pipeline_env(&s)).await;
    let all = entries(&out);
    assert_eq!(out.status.code(), Some(1), "{}", all_text(&out));
    let genesys = entry(&all, "genesyscloud", None);
    assert_eq!(reason(genesys), "missing_permissions", "{genesys:#}");
    assert!(
        genesys["report"]["missing_permissions"]
            .to_string()
            .contains("routing:queue:add"),
        "{genesys:#}"
    );
    assert_eq!(reason(entry(&all, "aws", None)), "ok");
    let leaked = leaks(&s, &all_text(&out));
    assert!(leaked.is_empty(), "{leaked:?}");
}

#[tokio::test]
async fn configurations_that_cannot_be_read_are_usage_errors_that_name_the_place() {
    let env: Vec<(&'static str, String)> = Vec::new();
    let empty = scratch("empty");
    let out = preflight(&empty, "text", &env).await;
    assert_eq!(out.status.code(), Some(2), "{}", all_text(&out));
    assert!(all_text(&out).contains(".tf"), "{}", all_text(&out));

    let broken = scratch("parse");
    write(
        &broken,
        "main.tf",
        "provider \"aws\" {\n  region = \"us-east-1\"\n  profile = \n}\n",
    );
    let out = preflight(&broken, "json", &env).await;
    assert_eq!(out.status.code(), Some(2), "{}", all_text(&out));
    assert!(all_text(&out).contains("main.tf:"), "{}", all_text(&out));

    let unset = scratch("unset");
    write(
        &unset,
        "main.tf",
        "variable \"secret\" {}\nprovider \"genesyscloud\" {\n  aws_region = \"us-east-1\"\n  oauthclient_secret = var.secret\n}\n",
    );
    let out = preflight(&unset, "text", &env).await;
    let t = all_text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("var.secret") && t.contains("main.tf:4") && t.contains("TF_VAR_secret"),
        "{t}"
    );

    let remote = scratch("remote");
    write(
        &remote,
        "main.tf",
        "terraform {\n  cloud {\n    organization = \"acme\"\n  }\n}\nprovider \"random\" {}\n",
    );
    let out = preflight(&remote, "text", &env).await;
    let t = all_text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("runs the plan remotely") && t.contains("main.tf:2"),
        "{t}"
    );
}
