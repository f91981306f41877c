//! The surface table's views agree: the plugin schema, the CLI's flags and JSON keys, the external program's
//! query and output keys, and the docs. An attribute added to one view and not the others fails here.

use std::collections::BTreeSet;
use std::path::Path;

use authcheck::check::{Report, Words};
use authcheck::cli::{args, external, render};
use authcheck::plugin::schema::{self, Role};
use authcheck::surface::Input;

/// Inputs that deliberately have no command-line flag, and why.
const NO_FLAG: [(&str, &str); 6] = [
    (
        "client_secret",
        "secrets are never arguments: the CLI reads them from a file, stdin or the environment",
    ),
    (
        "client_secret_env",
        "the CLI reads AUTHCHECK_CLIENT_SECRET itself",
    ),
    ("fail_on_error", "the CLI's exit code says the outcome"),
    (
        "private_key_pem",
        "keys are never arguments: --private-key-file or --pkcs12-file",
    ),
    (
        "pkcs12_password",
        "passwords are never arguments: AUTHCHECK_PKCS12_PASSWORD",
    ),
    (
        "pkcs12_password_env",
        "the CLI reads AUTHCHECK_PKCS12_PASSWORD itself",
    ),
];

fn report() -> Report {
    Report::refused(Words::text("x"), Words::text("y"), Input::ClientId)
}

fn names<'a>(items: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    items.map(str::to_string).collect()
}

#[test]
fn every_output_of_the_data_source_is_a_cli_json_key_and_an_external_key() {
    let attrs = schema::data_source_attrs();
    let outputs = names(
        attrs
            .iter()
            .filter(|a| a.role != Role::Optional)
            .map(|a| a.name),
    );
    let json = render::json(&report());
    let json_keys = names(json.as_object().expect("object").keys().map(String::as_str));
    assert_eq!(json_keys, outputs, "CLI JSON keys vs data source outputs");
    let external_keys = names(external::outputs(&report()).into_keys());
    assert_eq!(
        external_keys, outputs,
        "external output keys vs data source outputs"
    );
}

#[test]
fn every_input_is_a_query_key_and_a_flag_unless_it_must_not_be() {
    let mut inputs: BTreeSet<&str> = BTreeSet::new();
    for attr in schema::data_source_attrs()
        .iter()
        .chain(schema::provider_attrs().iter())
        .filter(|a| a.role != Role::Computed)
    {
        inputs.insert(attr.name);
    }
    let command = args::command();
    for name in &inputs {
        let sensitive = schema::provider_attrs()
            .iter()
            .chain(schema::ephemeral_attrs().iter())
            .any(|a| a.name == *name && a.sensitive);
        let query = format!("{{\"{name}\":\"\"}}");
        let accepted = external::parse_query(query.as_bytes());
        if sensitive {
            assert!(accepted.is_err(), "{name} must not be a query key");
        } else {
            assert!(accepted.is_ok(), "{name} is not a query key: {accepted:?}");
        }
        let row = authcheck::surface::input_named(name).expect("a surface row");
        match row.flag {
            Some(flag) => assert!(
                command
                    .get_arguments()
                    .any(|a| a.get_long() == Some(flag.long)),
                "--{} is not an argument",
                flag.long
            ),
            None => assert!(
                NO_FLAG.iter().any(|(n, _)| n == name),
                "{name} has no command-line flag: give it one in the surface table, or say why not in NO_FLAG"
            ),
        }
    }
}

#[test]
fn every_attribute_is_in_the_docs_and_every_documented_attribute_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (page, attrs) in [
        ("docs/index.md", schema::provider_attrs()),
        (
            "docs/data-sources/client_credentials.md",
            schema::data_source_attrs(),
        ),
        (
            "docs/ephemeral-resources/client_credentials.md",
            schema::ephemeral_attrs(),
        ),
    ] {
        let text = std::fs::read_to_string(root.join(page)).expect("page");
        let schema_section = text.split("## Schema").nth(1).unwrap_or_default();
        let top_level = schema_section
            .split("### Nested Schema")
            .next()
            .unwrap_or_default();
        let documented: BTreeSet<String> = top_level
            .lines()
            .filter_map(|line| line.strip_prefix("- `"))
            .filter_map(|rest| rest.split_once('`').map(|(name, _)| name.to_string()))
            .collect();
        let schema_names = names(attrs.iter().map(|a| a.name));
        assert_eq!(documented, schema_names, "{page}");
    }
}
