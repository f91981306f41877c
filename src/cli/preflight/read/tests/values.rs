//! What provider arguments evaluate to: variables in Terraform's precedence, templates, `file()`, and what
//! only Terraform can evaluate.

use super::*;

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
    assert_eq!(why, "var.a, set in terraform.tfvars to a function call");
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

/// A `TF_VAR_` or `.tfvars` value is the variable's value, often a secret; a key pasted without quotes reads as a
/// reference. When such a value cannot be evaluated, `why` says what kind of expression it is and quotes none of
/// it (found by the preflight_config fuzz target: "set in TF_VAR_secret to the reference <the secret>").
#[test]
fn an_unreadable_tf_var_or_tfvars_value_is_described_without_quoting_it() {
    let tf = "variable \"k\" {\n  type = list(string)\n}\nprovider \"x\" {\n  k = var.k\n}\n";
    let cases = [
        ("s3cr3tw0rd", "a reference"),
        ("upper(s3cr3tw0rd)", "a function call"),
        ("[s3cr3tw0rd]", "a list or object"),
        ("s3cr3tw0rd.x[0]", "an expression only Terraform"),
        ("-s3cr3tw0rd", "an operation"),
        ("\"a-${s3cr3tw0rd}\"", "a template"),
        ("s3cr3tw0rd ? 1 : 2", "an expression"),
    ];
    for (value, kind) in cases {
        let from_env = read_with(&[("main.tf", tf)], &[], &[("TF_VAR_k", value)]);
        let tfvars = format!("k = {value}\n");
        let from_file = read_with(&[("main.tf", tf)], &[("terraform.tfvars", &tfvars)], &[]);
        for (config, place) in [(from_env, "TF_VAR_k"), (from_file, "terraform.tfvars")] {
            let why = unreadable_why(&config, "x", "k");
            assert!(
                !why.contains("s3cr3t"),
                "{value}: the value is quoted: {why}"
            );
            assert!(
                !format!("{config:?}").contains("s3cr3t"),
                "{value}: in Debug"
            );
            assert!(
                why.starts_with(&format!("var.k, set in {place} to {kind}")),
                "{value}: {why}"
            );
        }
    }
}
