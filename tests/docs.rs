//! docs/ in the registry layout stays in step with the schema: the "Schema" section of each page is generated
//! from the attribute descriptions Terraform shows. `AUTHCHECK_BLESS=1 cargo test --test docs` rewrites it.

use std::path::Path;

use authcheck::check::internals::values::CheckRow;
use authcheck::check::internals::words::one_of;
use authcheck::check::{Status, Step};
use authcheck::plugin::schema::{self, Attr, Role};

const MARKER: &str =
    "<!-- schema generated from src/plugin/schema.rs; AUTHCHECK_BLESS=1 cargo test --test docs -->";

fn type_name(ty: &authcheck::plugin::cty::CtyType) -> String {
    use authcheck::plugin::cty::CtyType as T;
    match ty {
        T::String => "String".into(),
        T::Number => "Number".into(),
        T::Bool => "Boolean".into(),
        T::List(inner) => format!("List of {}", type_name(inner)),
        T::Object(_) => "Object".into(),
        other => format!("{other:?}"),
    }
}

fn section(title: &str, attrs: &[&Attr]) -> String {
    if attrs.is_empty() {
        return String::new();
    }
    let mut out = format!("### {title}\n\n");
    for attr in attrs {
        let sensitive = if attr.sensitive { ", Sensitive" } else { "" };
        out.push_str(&format!(
            "- `{}` ({}{sensitive}) {}\n",
            attr.name,
            type_name(&attr.ty),
            attr.description
        ));
    }
    out.push('\n');
    out
}

fn schema_markdown(attrs: &[Attr]) -> String {
    let optional: Vec<&Attr> = attrs.iter().filter(|a| a.role != Role::Computed).collect();
    let read_only: Vec<&Attr> = attrs.iter().filter(|a| a.role == Role::Computed).collect();
    let mut out = format!("{MARKER}\n## Schema\n\n");
    out.push_str(&section("Optional", &optional));
    out.push_str(&section("Read-Only", &read_only));
    if read_only.iter().any(|a| a.name == "checks") {
        out.push_str(
            "<a id=\"nestedatt--checks\"></a>\n### Nested Schema for `checks`\n\nRead-Only:\n\n",
        );
        let steps: Vec<&str> = Step::ALL.iter().map(|s| s.code()).collect();
        let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.code()).collect();
        let [name, status, detail] = CheckRow::KEYS;
        out.push_str(&format!(
            "- `{name}` (String) Step name: {}.\n- `{status}` (String) {}.\n- `{detail}` (String) One line saying what was seen.\n",
            one_of(&steps),
            one_of(&statuses)
        ));
    }
    out
}

fn check_page(path: &str, attrs: &[Attr]) -> Option<String> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let head = text.split(MARKER).next().unwrap_or("").to_string();
    let expected = format!("{head}{}", schema_markdown(attrs));
    if text == expected {
        return None;
    }
    if std::env::var_os("AUTHCHECK_BLESS").is_some() {
        std::fs::write(&file, &expected).expect("write docs");
        return None;
    }
    Some(format!(
        "{path} is out of date with the schema; run AUTHCHECK_BLESS=1 cargo test --test docs"
    ))
}

#[test]
fn docs_list_every_attribute_with_the_schema_description() {
    let problems: Vec<String> = [
        check_page("docs/index.md", &schema::provider_attrs()),
        check_page(
            "docs/data-sources/client_credentials.md",
            &schema::data_source_attrs(),
        ),
        check_page(
            "docs/ephemeral-resources/client_credentials.md",
            &schema::ephemeral_attrs(),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_reason_code_is_documented() {
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/data-sources/client_credentials.md"),
    )
    .expect("page");
    for reason in authcheck::check::Reason::ALL {
        assert!(
            page.contains(&format!("| `{}` |", reason.code())),
            "reason {} missing from the reason table",
            reason.code()
        );
    }
}

#[test]
fn every_example_file_is_shown_in_the_docs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/data-sources/client_credentials.md"))
        .expect("page");
    let dir = root.join("examples/data-sources/authcheck_client_credentials");
    for entry in std::fs::read_dir(dir).expect("examples") {
        let path = entry.expect("entry").path();
        if path
            .file_name()
            .is_some_and(|n| n == "versions.tf" || n == "variables.tf")
        {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("example");
        let first_block = text
            .lines()
            .find(|l| l.starts_with("data "))
            .expect("a data block");
        assert!(
            page.contains(first_block),
            "docs lack example {first_block:?}"
        );
    }
}
