//! Tests of the reader as its callers use it: sources in, a `Configuration` out. Each test names the behaviour
//! it pins. Here the module's shape (providers, blocks, files, syntaxes); `values.rs`: what arguments evaluate
//! to; `limits.rs`: secrets kept out of sight and memory, bounds on hostile input.

use super::*;

mod limits;
mod values;

fn sources(tf: &[(&str, &str)], tfvars: &[(&str, &str)]) -> Sources {
    let owned = |files: &[(&str, &str)]| {
        files
            .iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
            .collect()
    };
    Sources {
        tf: owned(tf),
        tfvars: owned(tfvars),
    }
}

fn no_files(path: &str) -> Result<Vec<u8>, String> {
    Err(format!("no such file {path}"))
}

/// Reads `tf` and `tfvars` with `env` as the environment and no files for `file()`.
fn read_with(tf: &[(&str, &str)], tfvars: &[(&str, &str)], env: &[(&str, &str)]) -> Configuration {
    let env = |name: &str| {
        env.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    };
    match parse(&sources(tf, tfvars), &env, &no_files) {
        Ok(config) => config,
        Err(error) => panic!("{error}"),
    }
}

fn read_one(tf: &str) -> Configuration {
    read_with(&[("main.tf", tf)], &[], &[])
}

fn provider<'a>(config: &'a Configuration, local: &str) -> &'a ProviderBlock {
    match config.providers.iter().find(|p| p.local == local) {
        Some(found) => found,
        None => panic!("no provider {local} in {config:?}"),
    }
}

fn attr<'a>(config: &'a Configuration, local: &str, name: &str) -> &'a Attr {
    match provider(config, local).attributes.get(name) {
        Some(found) => found,
        None => panic!("no attribute {name} in {config:?}"),
    }
}

/// The text of a known string attribute and where it came from.
fn known_text<'a>(config: &'a Configuration, local: &str, name: &str) -> (&'a str, &'a Origin) {
    match attr(config, local, name) {
        Attr::Known {
            value: Value::Text(text),
            from,
            ..
        } => (text.as_str(), from),
        other => panic!("{name} is {other:?}"),
    }
}

fn unreadable_why(config: &Configuration, local: &str, name: &str) -> String {
    match attr(config, local, name) {
        Attr::Unreadable { why, .. } => why.clone(),
        other => panic!("{name} is {other:?}"),
    }
}

fn from_var(name: &str, from: VarSource) -> Origin {
    Origin::Variable {
        name: name.into(),
        from,
    }
}

#[test]
fn required_providers_short_and_long_forms_are_normalized() {
    let config = read_one(
        r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
    azurerm = "~> 3.0"
    genesyscloud = { source = "MyPureCloud/GenesysCloud" }
    google = { source = "google" }
    mine = { source = "Example.COM/Team/Mine" }
    nosource = { version = "1.0" }
  }
}
"#,
    );
    let found: Vec<(&str, &str, u32)> = config
        .required
        .iter()
        .map(|r| (r.local.as_str(), r.source.as_str(), r.at.line))
        .collect();
    assert_eq!(
        found,
        [
            ("aws", "registry.terraform.io/hashicorp/aws", 4),
            ("azurerm", "registry.terraform.io/hashicorp/azurerm", 5),
            (
                "genesyscloud",
                "registry.terraform.io/mypurecloud/genesyscloud",
                6
            ),
            ("google", "registry.terraform.io/hashicorp/google", 7),
            ("mine", "example.com/team/mine", 8),
            ("nosource", "registry.terraform.io/hashicorp/nosource", 9),
        ]
    );
    assert_eq!(config.required[0].at.file, "main.tf");
}

#[test]
fn provider_alias_is_kept_apart_from_attributes() {
    let config = read_one(
        r#"
provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "eu"
  region = "eu-west-1"
}
"#,
    );
    assert_eq!(config.providers.len(), 2);
    let eu = &config.providers[1];
    assert_eq!(
        (eu.local.as_str(), eu.alias.as_deref(), eu.at.line),
        ("aws", Some("eu"), 6)
    );
    assert!(!eu.attributes.contains_key("alias"));
    assert_eq!(
        eu.attributes["region"].value().and_then(Value::as_str),
        Some("eu-west-1")
    );
    assert_eq!(config.providers[0].alias, None);
}

#[test]
fn nested_assume_role_block_is_read_with_its_attributes() {
    let config = read_one(
        r#"
provider "aws" {
  region = "us-east-1"
  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/deploy"
    session_name = "ci"
  }
  assume_role_with_web_identity {
    role_arn = "arn:aws:iam::123456789012:role/oidc"
  }
  default_tags { tags = { team = "x" } }
}
"#,
    );
    let blocks = &provider(&config, "aws").blocks;
    let names: Vec<&str> = blocks.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "assume_role",
            "assume_role_with_web_identity",
            "default_tags"
        ]
    );
    let role = &blocks[0].1;
    assert_eq!(role.at.line, 4);
    assert_eq!(
        role.attributes["role_arn"].value().and_then(Value::as_str),
        Some("arn:aws:iam::123456789012:role/deploy")
    );
    assert_eq!(role.attributes["session_name"].at().line, 6);
    let tags = blocks[2].1.attributes["tags"]
        .value()
        .and_then(|v| v.get("team"))
        .and_then(Value::as_str);
    assert_eq!(tags, Some("x"));
}

#[test]
fn a_parse_error_names_the_file_and_line() {
    let tf = "provider \"x\" {\n  a = \"ok\"\n  b = = 3\n}\n";
    let error = match parse(&sources(&[("ok.tf", "")], &[]), &|_| None, &no_files).and_then(|_| {
        parse(
            &sources(&[("ok.tf", ""), ("broken.tf", tf)], &[]),
            &|_| None,
            &no_files,
        )
    }) {
        Err(error) => error,
        Ok(config) => panic!("parsed: {config:?}"),
    };
    assert_eq!(error.kind, ReadErrorKind::Parse);
    assert_eq!(
        error.at,
        Some(Location {
            file: "broken.tf".into(),
            line: 3
        })
    );
    let shown = error.to_string();
    assert!(
        shown.starts_with("broken.tf:3: not valid HCL at column"),
        "{shown}"
    );
    assert!(!shown.contains('\n'), "{shown}");
}

#[test]
fn a_tfvars_parse_error_and_invalid_utf8_are_parse_errors_with_lines() {
    let error = parse(
        &sources(
            &[("main.tf", "")],
            &[("terraform.tfvars", "a = 1\n\nb = = 2\n")],
        ),
        &|_| None,
        &no_files,
    );
    assert!(matches!(
        error,
        Err(ReadError {
            kind: ReadErrorKind::Parse,
            at: Some(Location { line: 3, .. }),
            ..
        })
    ));
    let bytes = Sources {
        tf: vec![("main.tf".into(), b"# ok\n# \xff\n".to_vec())],
        tfvars: Vec::new(),
    };
    match parse(&bytes, &|_| None, &no_files) {
        Err(error) => assert_eq!(error.to_string(), "main.tf:2: the file is not UTF-8 text"),
        Ok(config) => panic!("{config:?}"),
    }
}

#[test]
fn tf_json_provider_variable_and_required_providers_are_read() {
    let json = r#"{
  "terraform": {"required_providers": {"genesyscloud": {"source": "mypurecloud/genesyscloud"}}},
  "variable": {"client_id": {"type": "string", "default": "${not-a-template}"}, "region": {}},
  "provider": {
    "genesyscloud": [
      {"oauthclient_id": "${var.client_id}", "aws_region": "$${literal}"},
      {"alias": "eu", "oauthclient_id": "x-${var.region}", "nested": {"a": "b"}}
    ]
  },
  "resource": {"genesyscloud_user": {"u": {"name": "n"}}}
}"#;
    let config = read_with(&[("main.tf.json", json)], &[], &[]);
    assert_eq!(
        config.required[0].source,
        "registry.terraform.io/mypurecloud/genesyscloud"
    );
    assert_eq!(config.variables, ["client_id", "region"]);
    let first = &config.providers[0];
    match &first.attributes["oauthclient_id"] {
        Attr::Known { value, from, at } => {
            // A default in JSON is literal text: Terraform evaluates it with no context.
            assert_eq!(value.as_str(), Some("${not-a-template}"));
            assert_eq!(from, &from_var("client_id", VarSource::Default));
            assert_eq!(
                at,
                &Location {
                    file: "main.tf.json".into(),
                    line: 0
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        first.attributes["aws_region"]
            .value()
            .and_then(Value::as_str),
        Some("${literal}")
    );
    let second = &config.providers[1];
    assert_eq!(second.alias.as_deref(), Some("eu"));
    assert!(
        matches!(&second.attributes["oauthclient_id"], Attr::Unset { variable, .. } if variable == "region")
    );
    assert_eq!(second.blocks[0].0, "nested");
    assert_eq!(config.used, ["genesyscloud"]);
}

#[test]
fn tf_json_that_is_not_json_is_a_parse_error_with_the_line() {
    let error = parse(
        &sources(
            &[("main.tf.json", "{\n  \"provider\": {\n    oops\n}")],
            &[],
        ),
        &|_| None,
        &no_files,
    );
    match error {
        Err(error) => {
            assert_eq!(error.kind, ReadErrorKind::Parse);
            assert_eq!(
                error.at,
                Some(Location {
                    file: "main.tf.json".into(),
                    line: 3
                })
            );
            assert!(
                error.message.starts_with("not valid JSON at column 5: "),
                "{}",
                error.message
            );
        }
        Ok(config) => panic!("{config:?}"),
    }
}

#[test]
fn a_cloud_block_or_remote_backend_means_plans_run_elsewhere() {
    let cloud = read_one(
        "terraform {\n  cloud {\n    organization = \"acme\"\n    workspaces { name = \"w\" }\n  }\n}\n",
    );
    let expected = Elsewhere {
        what: "cloud".into(),
        organization: Some("acme".into()),
        at: Location {
            file: "main.tf".into(),
            line: 2,
        },
    };
    assert_eq!(cloud.runs_elsewhere, Some(expected));

    let from_env = read_with(
        &[("main.tf", "terraform {\n cloud {}\n}\n")],
        &[],
        &[("TF_CLOUD_ORGANIZATION", "org2")],
    );
    assert_eq!(
        from_env
            .runs_elsewhere
            .and_then(|e| e.organization)
            .as_deref(),
        Some("org2")
    );

    let remote =
        read_one("terraform {\n  backend \"remote\" {\n    organization = \"acme\"\n  }\n}\n");
    assert_eq!(
        remote.runs_elsewhere.map(|e| e.what).as_deref(),
        Some("backend \"remote\"")
    );

    let s3 = read_one("terraform {\n  backend \"s3\" {\n    bucket = \"b\"\n  }\n}\n");
    assert_eq!(s3.runs_elsewhere, None);
}

#[test]
fn resource_types_and_provider_meta_arguments_imply_used_providers() {
    let config = read_one(
        r#"
resource "aws_s3_bucket" "b" {}
data "azurerm_client_config" "c" {}
ephemeral "google_service_account_key" "k" {}
resource "google_project" "p" { provider = google-beta }
resource "aws_instance" "i" { provider = aws.west }
resource "terraform_data" "t" {}
resource "random" "r" {}
module "m" {
  source    = "./m"
  providers = { azuread = azuread.other }
}
"#,
    );
    assert_eq!(
        config.used,
        [
            "aws",
            "azuread",
            "azurerm",
            "google",
            "google-beta",
            "random"
        ]
    );
}

#[test]
fn an_override_file_merges_into_the_provider_block_with_the_same_name_and_alias() {
    let config = read_with(
        &[
            (
                "main.tf",
                "provider \"aws\" {\n  region = \"a\"\n  profile = \"p\"\n  assume_role { role_arn = \"r1\" }\n}\nprovider \"aws\" {\n  alias = \"eu\"\n  region = \"b\"\n}\n",
            ),
            (
                "main_override.tf",
                "provider \"aws\" {\n  region = \"c\"\n  assume_role { role_arn = \"r2\" }\n}\n",
            ),
        ],
        &[],
        &[],
    );
    assert_eq!(config.providers.len(), 2);
    assert_eq!(known_text(&config, "aws", "region").0, "c");
    assert_eq!(known_text(&config, "aws", "profile").0, "p");
    let roles = &config.providers[0].blocks;
    assert_eq!(roles.len(), 1);
    assert_eq!(
        roles[0].1.attributes["role_arn"]
            .value()
            .and_then(Value::as_str),
        Some("r2")
    );
    assert_eq!(roles[0].1.at.file, "main_override.tf");
    assert_eq!(
        config.providers[1].attributes["region"]
            .value()
            .and_then(Value::as_str),
        Some("b")
    );
    assert_eq!(config.files, ["main.tf", "main_override.tf"]);
}
