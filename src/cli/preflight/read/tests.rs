//! Tests of the reader as its callers use it: sources in, a `Configuration` out. Each test names the behaviour
//! it pins.

use super::*;

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

const REGION_VARIABLE: &str = r#"
variable "region" {
  type    = string
  default = "from-default"
}
provider "aws" {
  region = var.region
}
"#;

#[test]
fn variable_default_is_used_when_nothing_else_sets_it() {
    let config = read_one(REGION_VARIABLE);
    assert_eq!(
        known_text(&config, "aws", "region"),
        ("from-default", &from_var("region", VarSource::Default))
    );
    assert_eq!(config.variables, ["region"]);
}

#[test]
fn tf_var_overrides_the_default() {
    let config = read_with(
        &[("main.tf", REGION_VARIABLE)],
        &[],
        &[("TF_VAR_region", "from-env")],
    );
    assert_eq!(
        known_text(&config, "aws", "region"),
        ("from-env", &from_var("region", VarSource::Env))
    );
}

#[test]
fn terraform_tfvars_overrides_tf_var() {
    let config = read_with(
        &[("main.tf", REGION_VARIABLE)],
        &[("terraform.tfvars", "region = \"from-tfvars\"\n")],
        &[("TF_VAR_region", "from-env")],
    );
    let from = from_var("region", VarSource::Tfvars("terraform.tfvars".into()));
    assert_eq!(known_text(&config, "aws", "region"), ("from-tfvars", &from));
}

#[test]
fn auto_tfvars_override_terraform_tfvars_and_the_later_auto_file_wins() {
    // Given out of order on purpose: the reader applies Terraform's order whatever the caller's.
    let config = read_with(
        &[("main.tf", REGION_VARIABLE)],
        &[
            ("b.auto.tfvars", "region = \"from-b\"\n"),
            ("terraform.tfvars", "region = \"from-tfvars\"\n"),
            ("a.auto.tfvars.json", r#"{"region": "from-a"}"#),
            ("terraform.tfvars.json", r#"{"region": "from-tfvars-json"}"#),
        ],
        &[("TF_VAR_region", "from-env")],
    );
    let from = from_var("region", VarSource::Tfvars("b.auto.tfvars".into()));
    assert_eq!(known_text(&config, "aws", "region"), ("from-b", &from));
}

#[test]
fn terraform_tfvars_json_overrides_terraform_tfvars() {
    let config = read_with(
        &[("main.tf", REGION_VARIABLE)],
        &[
            ("terraform.tfvars", "region = \"from-tfvars\"\n"),
            (
                "terraform.tfvars.json",
                r#"{"region": "from-json", "undeclared": 1}"#,
            ),
        ],
        &[],
    );
    let from = from_var("region", VarSource::Tfvars("terraform.tfvars.json".into()));
    assert_eq!(known_text(&config, "aws", "region"), ("from-json", &from));
}

#[test]
fn a_tf_var_for_a_complex_type_is_parsed_as_hcl_and_for_a_string_taken_as_written() {
    let config = read_with(
        &[(
            "main.tf",
            r#"
variable "scopes" { type = list(string) }
variable "raw" { type = string }
variable "port" { type = number }
variable "on" { type = bool }
provider "x" {
  scopes = var.scopes
  raw    = var.raw
  port   = var.port
  on     = var.on
}
"#,
        )],
        &[],
        &[
            ("TF_VAR_scopes", r#"["a", "b"]"#),
            ("TF_VAR_raw", r#"["a"]"#),
            ("TF_VAR_port", "8443"),
            ("TF_VAR_on", "true"),
        ],
    );
    let scopes = attr(&config, "x", "scopes").value().cloned();
    let texts =
        |items: &[&str]| Value::List(items.iter().map(|s| Value::Text(Text::new(*s))).collect());
    assert_eq!(scopes, Some(texts(&["a", "b"])));
    assert_eq!(known_text(&config, "x", "raw").0, r#"["a"]"#);
    assert_eq!(
        attr(&config, "x", "port").value(),
        Some(&Value::Number("8443".into()))
    );
    assert_eq!(attr(&config, "x", "on").value(), Some(&Value::Bool(true)));
}

#[test]
fn a_template_of_variables_and_literals_is_evaluated_to_text() {
    let config = read_with(
        &[(
            "main.tf",
            r#"
variable "env" { default = "prod" }
variable "n" { default = 3 }
variable "names" { default = ["a", "b"] }
provider "x" {
  url     = "https://${var.env}-api.example.com:${var.n}/${true}"
  same    = "${var.names}"
  strip   = "a  ${~ var.env ~}  b"
  heredoc = <<-EOT
    line ${var.env}
  EOT
}
"#,
        )],
        &[],
        &[],
    );
    let (url, from) = known_text(&config, "x", "url");
    assert_eq!(url, "https://prod-api.example.com:3/true");
    assert_eq!(from, &from_var("env", VarSource::Default));
    let list = Value::List(vec![
        Value::Text(Text::new("a")),
        Value::Text(Text::new("b")),
    ]);
    assert_eq!(
        attr(&config, "x", "same").value(),
        Some(&list),
        "a lone interpolation keeps its type"
    );
    assert_eq!(known_text(&config, "x", "strip").0, "aprodb");
    assert_eq!(known_text(&config, "x", "heredoc").0, "line prod\n");
}

#[test]
fn file_reads_through_read_file_with_a_literal_or_variable_path() {
    let tf = r#"
variable "key_path" { default = "keys/sa.json" }
provider "google" {
  credentials = file(var.key_path)
  other       = file("${path.module}/token.txt")
  missing     = file("nope.txt")
}
"#;
    let read_file = |path: &str| match path {
        "keys/sa.json" => Ok(b"{\"type\": \"service_account\"}".to_vec()),
        "./token.txt" => Ok(b"tok".to_vec()),
        other => Err(format!("cannot open {other}")),
    };
    let config = match parse(&sources(&[("main.tf", tf)], &[]), &|_| None, &read_file) {
        Ok(config) => config,
        Err(error) => panic!("{error}"),
    };
    let (text, from) = known_text(&config, "google", "credentials");
    assert_eq!(text, "{\"type\": \"service_account\"}");
    assert_eq!(
        from,
        &Origin::File {
            path: "keys/sa.json".into()
        }
    );
    assert_eq!(known_text(&config, "google", "other").0, "tok");
    assert!(unreadable_why(&config, "google", "missing").contains("cannot open nope.txt"));
}

#[test]
fn locals_data_sources_functions_and_other_expressions_are_unreadable_with_why() {
    let config = read_one(
        r#"
provider "x" {
  a = local.prefix
  b = data.vault_generic_secret.x.data["key"]
  c = lookup(var.m, "k")
  d = var.a == "" ? "x" : "y"
  e = [for s in var.l : s]
  f = module.creds.secret
  g = aws_iam_role.x.arn
  h = var.list[*].id
  i = "${local.p}-x"
  j = 1 + 2
  k = provider::aws::arn_parse("x")
}
"#,
    );
    let why = |name| unreadable_why(&config, "x", name);
    assert_eq!(why("a"), "the local value local.prefix");
    assert_eq!(why("b"), "the data source data.vault_generic_secret.x");
    assert_eq!(why("c"), "the function lookup()");
    assert_eq!(why("d"), "a conditional expression");
    assert_eq!(why("e"), "a for expression");
    assert_eq!(why("f"), "the output of module.creds");
    assert_eq!(why("g"), "the resource aws_iam_role.x.arn");
    assert_eq!(why("h"), "a splat expression");
    assert_eq!(why("i"), "the local value local.p");
    assert_eq!(why("j"), "an expression with the operator +");
    assert_eq!(why("k"), "the function provider::aws::arn_parse()");
    match attr(&config, "x", "b") {
        Attr::Unreadable { expression, at, .. } => {
            // String literals in a shown expression are hidden: they may be secrets.
            assert_eq!(expression, r#"data.vault_generic_secret.x.data["…"]"#);
            assert_eq!(at.line, 4);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_undeclared_variable_is_unreadable() {
    let config = read_one("provider \"x\" {\n  a = var.nobody\n}\n");
    assert_eq!(unreadable_why(&config, "x", "a"), "an undeclared variable");
}

#[test]
fn a_variable_nothing_sets_is_unset_with_the_location() {
    let config = read_with(
        &[
            ("vars.tf", "variable \"secret\" {\n  sensitive = true\n}\n"),
            (
                "main.tf",
                "provider \"x\" {\n\n  s = \"${var.secret}-x\"\n}\n",
            ),
        ],
        &[],
        &[],
    );
    let expected = Attr::Unset {
        variable: "secret".into(),
        at: Location {
            file: "main.tf".into(),
            line: 3,
        },
    };
    assert_eq!(attr(&config, "x", "s"), &expected);
    assert_eq!(config.files, ["main.tf", "vars.tf"]);
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

#[test]
fn debug_of_a_configuration_holding_a_secret_literal_does_not_show_it() {
    let config = read_with(
        &[(
            "main.tf",
            "variable \"s\" {}\nprovider \"azurerm\" {\n  client_secret = \"s3cr3t-literal-value\"\n  other = var.s\n}\n",
        )],
        &[("terraform.tfvars", "s = \"s3cr3t-from-tfvars\"\n")],
        &[],
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(shown.contains("client_secret"));
    assert_eq!(
        known_text(&config, "azurerm", "client_secret").0,
        "s3cr3t-literal-value"
    );
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for open in ["[", "{a=", "(", "f(", "\"${", "-", "!"] {
        let tf = format!("a = {}", open.repeat(100_000));
        let error = parse(&sources(&[("deep.tf", &tf)], &[]), &|_| None, &no_files);
        assert!(
            matches!(
                error,
                Err(ReadError {
                    kind: ReadErrorKind::Parse,
                    ..
                })
            ),
            "{open}"
        );
    }
    let json = "[".repeat(100_000);
    let error = parse(
        &sources(&[("deep.tf.json", &json)], &[]),
        &|_| None,
        &no_files,
    );
    assert!(matches!(
        error,
        Err(ReadError {
            kind: ReadErrorKind::Parse,
            ..
        })
    ));
    let blocks = "b {\n".repeat(100_000);
    assert!(parse(&sources(&[("deep.tf", &blocks)], &[]), &|_| None, &no_files).is_err());
    // Within the limits, the deepest values hcl-edit and serde_json accept evaluate.
    let tf = format!(
        "variable \"v\" {{ type = any }}\nprovider \"x\" {{ a = {}1{} }}\n",
        "[".repeat(60),
        "]".repeat(60)
    );
    read_with(
        &[("main.tf", &tf)],
        &[],
        &[(
            "TF_VAR_v",
            &format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)),
        )],
    );
}

#[test]
fn a_value_used_many_times_stops_at_the_budget() {
    let big = "x".repeat(1 << 20);
    let mut tf = String::from("variable \"big\" {}\nprovider \"x\" {\n");
    for i in 0..40 {
        tf.push_str(&format!("  a{i} = var.big\n"));
    }
    tf.push_str("}\n");
    let config = read_with(&[("main.tf", &tf)], &[], &[("TF_VAR_big", &big)]);
    let unreadable = provider(&config, "x")
        .attributes
        .values()
        .filter(|a| matches!(a, Attr::Unreadable { .. }))
        .count();
    assert!(
        (5..40).contains(&unreadable),
        "{unreadable} of 40 unreadable"
    );
}

#[test]
fn debug_of_sources_shows_names_and_lengths_only() {
    let shown = format!(
        "{:?}",
        sources(&[("main.tf", "client_secret = \"s3cr3t\"")], &[])
    );
    assert_eq!(shown, r#"Sources { tf: [("main.tf", 24)], tfvars: [] }"#);
}

#[test]
fn a_tfvars_value_that_is_not_a_literal_and_a_computed_key_are_unreadable() {
    let config = read_with(
        &[(
            "main.tf",
            "variable \"a\" {}\nprovider \"x\" {\n  a = var.a\n  m = { (var.a) = 1 }\n}\n",
        )],
        &[("terraform.tfvars", "a = upper(\"x\")\n")],
        &[],
    );
    let why = unreadable_why(&config, "x", "a");
    assert_eq!(
        why,
        "var.a, set in terraform.tfvars to the function upper()"
    );
    let config = read_with(
        &[(
            "main.tf",
            "variable \"a\" {}\nprovider \"x\" {\n  m = { (var.a) = 1 }\n}\n",
        )],
        &[],
        &[("TF_VAR_a", "secret-key")],
    );
    assert_eq!(
        unreadable_why(&config, "x", "m"),
        "an object key computed from a variable or file"
    );
}

#[test]
fn the_files_bytes_are_wiped_when_the_sources_are_dropped() {
    let watch = crate::wiped::Watch::new(&[b"preflight-sources-marker-8c2e4a"]);
    let sources = Sources {
        tf: vec![(
            "main.tf".to_string(),
            b"provider \"genesyscloud\" {\n  oauthclient_secret = \"preflight-sources-marker-8c2e4a\"\n}\n".to_vec(),
        )],
        tfvars: Vec::new(),
    };
    drop(sources);
    assert_eq!(watch.leaks(), 0);
}

#[test]
fn a_secret_literal_leaves_no_copy_behind_once_parsed_and_dropped() {
    let watch = crate::wiped::Watch::new(&[
        b"preflight-parse-marker-3b7d1f",
        b"preflight-tfvars-marker-9e0c2d",
    ]);
    let sources = Sources {
        tf: vec![(
            "main.tf".to_string(),
            b"variable \"s\" {}\nprovider \"genesyscloud\" {\n  oauthclient_secret = \"preflight-parse-marker-3b7d1f\"\n  oauthclient_id = var.s\n}\n".to_vec(),
        )],
        tfvars: vec![(
            "terraform.tfvars".to_string(),
            b"s = \"preflight-tfvars-marker-9e0c2d\"\n".to_vec(),
        )],
    };
    let config = parse(&sources, &|_| None, &|_| Err("none".into()));
    assert!(config.is_ok());
    drop(config);
    drop(sources);
    assert_eq!(watch.leaks(), 0);
}

#[test]
fn a_secret_read_by_file_or_from_json_leaves_no_copy_behind() {
    let watch = crate::wiped::Watch::new(&[
        b"preflight-file-marker-5a1b7c",
        b"preflight-json-marker-2d4f6a",
    ]);
    let sources = Sources {
        tf: vec![
            (
                "main.tf".to_string(),
                b"provider \"google\" {\n  credentials = file(\"key.json\")\n}\n".to_vec(),
            ),
            (
                "azure.tf.json".to_string(),
                br#"{"provider": {"azurerm": {"client_secret": "preflight-json-marker-2d4f6a"}}}"#
                    .to_vec(),
            ),
        ],
        tfvars: Vec::new(),
    };
    let read_file = |_: &str| Ok(b"preflight-file-marker-5a1b7c".to_vec());
    let config = parse(&sources, &|_| None, &read_file);
    assert!(config.is_ok());
    drop(config);
    drop(sources);
    assert_eq!(watch.leaks(), 0);
}
