//! Terraform's JSON syntax (`.tf.json`, `.tfvars.json`), read with serde_json into the reader's blocks.
//!
//! In a `.tf.json` file a block's labels are nested object keys (`"provider": {"aws": {...}}`), and at every block
//! level an array of objects stands for several blocks. Strings are templates where Terraform evaluates
//! expressions ("${var.region}") and literal text where it takes literals (variable defaults, `.tfvars.json`).
//!
//! What the reader cannot know without the provider's schema: whether an object-valued property of a provider
//! block is a nested block or an attribute of object type. It reads a property whose value is an object (or an
//! array of objects only) as nested blocks (`"assume_role": {"role_arn": "..."}`), any other as an attribute.
//!
//! serde_json's `Value` sorts object keys and drops repeated ones, so [`J`] keeps members in the order written.
//! serde_json refuses input nested deeper than 128 levels, so the recursive walks here stay shallow. Locations in
//! JSON files carry the file name and line 0: serde_json gives no positions for parsed values.

use super::assemble::{Block, Item};
use super::expr::Expr;
use super::hcl;
use super::value::{Text, masked, printable};
use super::{Location, ReadError, ReadErrorKind};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value with its object members in the order written.
#[derive(Debug)]
enum J {
    Null,
    Bool(bool),
    Number(String),
    Str(Text),
    Array(Vec<J>),
    Object(Vec<(String, J)>),
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<J, D::Error> {
        deserializer.deserialize_any(JVisitor)
    }
}

struct JVisitor;

impl<'de> Visitor<'de> for JVisitor {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<J, E> {
        Ok(J::Bool(value))
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<J, E> {
        Ok(J::Number(value.to_string()))
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<J, E> {
        Ok(J::Number(value.to_string()))
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<J, E> {
        Ok(J::Number(value.to_string()))
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<J, E> {
        Ok(J::Str(Text::new(value)))
    }
    fn visit_string<E: de::Error>(self, value: String) -> Result<J, E> {
        Ok(J::Str(Text::new(value)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(J::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, J>()? {
            members.push((key, value));
        }
        Ok(J::Object(members))
    }
}

/// The top-level object of a JSON file, or a `Parse` error with serde_json's line.
fn parse_root(file: &str, text: &str) -> Result<Vec<(String, J)>, ReadError> {
    let error = |line: usize, message: String| ReadError {
        kind: ReadErrorKind::Parse,
        at: Some(Location {
            file: file.to_owned(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
        }),
        message,
    };
    match serde_json::from_str::<J>(text) {
        Ok(J::Object(members)) => Ok(members),
        Ok(_) => Err(error(
            1,
            "the top level of the file is not a JSON object".into(),
        )),
        Err(why) => {
            // serde_json's message ends with " at line L column C"; the line goes into the location.
            let full = why.to_string();
            let message = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(message, _)| message);
            Err(error(
                why.line(),
                format!(
                    "not valid JSON at column {}: {}",
                    why.column(),
                    printable(message, 200)
                ),
            ))
        }
    }
}

/// The objects a block level holds: one object, or each object of an array (several blocks).
fn bodies(value: &J) -> Vec<&[(String, J)]> {
    match value {
        J::Object(members) => vec![members.as_slice()],
        J::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                J::Object(members) => Some(members.as_slice()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The `label: body` pairs of a labelled block level, comments (`"//"`) left out.
fn labelled(value: &J) -> Vec<(&str, &J)> {
    bodies(value)
        .into_iter()
        .flatten()
        .filter(|(key, _)| key != "//")
        .map(|(key, value)| (key.as_str(), value))
        .collect()
}

/// How a property's value is read.
#[derive(Clone, Copy)]
enum Mode {
    /// Strings are templates (provider arguments, `required_providers`, `cloud`, `backend`).
    Expression,
    /// Strings are literal text (variable defaults, `.tfvars.json`, meta-arguments the reader only names).
    Literal,
    /// A string is one HCL expression (a variable's `type`).
    Hcl,
}

struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn at(&self) -> Location {
        Location {
            file: self.file.to_owned(),
            line: 0,
        }
    }

    fn item(&self, value: &J, mode: Mode) -> Item {
        Item {
            at: self.at(),
            text: written(value),
            expr: convert(value, mode),
        }
    }

    fn block(&self, kind: &str, labels: Vec<String>, attrs: Vec<(String, Item)>) -> Block {
        Block {
            kind: kind.to_owned(),
            labels,
            at: self.at(),
            attrs,
            blocks: Vec::new(),
        }
    }

    /// Every property of a body as an attribute, comments left out.
    fn attrs(&self, body: &[(String, J)], mode: Mode) -> Vec<(String, Item)> {
        body.iter()
            .filter(|(key, _)| key != "//")
            .map(|(key, value)| (key.clone(), self.item(value, mode)))
            .collect()
    }

    fn terraform(&self, body: &[(String, J)]) -> Block {
        let mut block = self.block("terraform", Vec::new(), Vec::new());
        for (key, value) in body {
            match key.as_str() {
                "required_providers" | "cloud" => {
                    for inner in bodies(value) {
                        block.blocks.push(self.block(
                            key,
                            Vec::new(),
                            self.attrs(inner, Mode::Expression),
                        ));
                    }
                }
                "backend" => {
                    for (kind, inner) in labelled(value) {
                        for inner in bodies(inner) {
                            let attrs = self.attrs(inner, Mode::Expression);
                            block
                                .blocks
                                .push(self.block("backend", vec![kind.to_owned()], attrs));
                        }
                    }
                }
                _ => {}
            }
        }
        block
    }

    fn provider(&self, name: &str, body: &[(String, J)]) -> Block {
        let mut block = self.block("provider", vec![name.to_owned()], Vec::new());
        for (key, value) in body.iter().filter(|(key, _)| key != "//") {
            let is_block = match value {
                J::Object(_) => true,
                J::Array(items) => {
                    !items.is_empty() && items.iter().all(|item| matches!(item, J::Object(_)))
                }
                _ => false,
            };
            if is_block {
                for inner in bodies(value) {
                    block.blocks.push(self.block(
                        key,
                        Vec::new(),
                        self.attrs(inner, Mode::Expression),
                    ));
                }
            } else {
                block
                    .attrs
                    .push((key.clone(), self.item(value, Mode::Expression)));
            }
        }
        block
    }

    fn variable(&self, name: &str, body: &[(String, J)]) -> Block {
        let attrs = body
            .iter()
            .filter_map(|(key, value)| match key.as_str() {
                // Terraform evaluates a default with no context: its strings are literal text.
                "default" => Some((key.clone(), self.item(value, Mode::Literal))),
                "type" => Some((key.clone(), self.item(value, Mode::Hcl))),
                _ => None,
            })
            .collect();
        self.block("variable", vec![name.to_owned()], attrs)
    }

    /// `resource`, `data` and `ephemeral`: two labels; only the `provider` meta-argument is kept.
    fn resources(&self, kind: &str, value: &J, out: &mut Vec<Block>) {
        for (type_name, named) in labelled(value) {
            for (name, body) in labelled(named) {
                for body in bodies(body) {
                    let attrs = body
                        .iter()
                        .filter(|(key, _)| key == "provider")
                        .map(|(key, value)| (key.clone(), self.item(value, Mode::Literal)))
                        .collect();
                    out.push(self.block(kind, vec![type_name.to_owned(), name.to_owned()], attrs));
                }
            }
        }
    }
}

/// The blocks of a `.tf.json` file the reader keeps.
pub(super) fn parse_file(file: &str, text: &str) -> Result<Vec<Block>, ReadError> {
    let root = parse_root(file, text)?;
    let reader = Reader { file };
    let mut blocks = Vec::new();
    for (key, value) in &root {
        match key.as_str() {
            "terraform" => {
                blocks.extend(bodies(value).into_iter().map(|body| reader.terraform(body)))
            }
            "provider" | "variable" | "module" => {
                for (name, inner) in labelled(value) {
                    for body in bodies(inner) {
                        blocks.push(match key.as_str() {
                            "provider" => reader.provider(name, body),
                            "variable" => reader.variable(name, body),
                            _ => {
                                let attrs = body
                                    .iter()
                                    .filter(|(key, _)| key == "providers")
                                    .map(|(key, value)| {
                                        (key.clone(), reader.item(value, Mode::Literal))
                                    })
                                    .collect();
                                reader.block("module", vec![name.to_owned()], attrs)
                            }
                        });
                    }
                }
            }
            "resource" | "data" | "ephemeral" => reader.resources(key, value, &mut blocks),
            _ => {}
        }
    }
    Ok(blocks)
}

/// The `name: value` members of a `.tfvars.json` file (values are literal).
pub(super) fn parse_tfvars(file: &str, text: &str) -> Result<Vec<(String, Item)>, ReadError> {
    let root = parse_root(file, text)?;
    Ok(Reader { file }.attrs(&root, Mode::Literal))
}

/// A JSON value in the reader's expression model.
fn convert(value: &J, mode: Mode) -> Expr {
    match value {
        J::Null => Expr::Null,
        J::Bool(flag) => Expr::Bool(*flag),
        J::Number(number) => Expr::Number(number.clone()),
        J::Str(text) => match mode {
            Mode::Literal => Expr::Str(text.clone()),
            // Only a string with an interpolation or directive sequence needs the template parser.
            Mode::Expression if !text.as_str().contains("${") && !text.as_str().contains("%{") => {
                Expr::Str(text.clone())
            }
            Mode::Expression => hcl::parse_template(text.as_str())
                .unwrap_or_else(|| Expr::Opaque("a string template that does not parse".into())),
            Mode::Hcl => hcl::parse_expression(text.as_str())
                .unwrap_or_else(|| Expr::Opaque("an expression that does not parse".into())),
        },
        J::Array(items) => Expr::List(items.iter().map(|item| convert(item, mode)).collect()),
        J::Object(members) => Expr::Object(
            members
                .iter()
                .map(|(key, value)| (Expr::Str(Text::new(key.as_str())), convert(value, mode)))
                .collect(),
        ),
    }
}

/// The first `max` characters of `text`.
fn prefix(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(end, _)| &text[..end])
}

/// A JSON value as written (compact), for an unreadable attribute's `expression`; strings are shown as their
/// text. Stops once long enough to show. The buffer is sized once and wiped: it may hold a secret's start.
fn written(value: &J) -> Text {
    fn write(value: &J, out: &mut String) {
        if out.len() > 100 {
            return;
        }
        match value {
            J::Null => out.push_str("null"),
            J::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
            J::Number(number) => out.push_str(prefix(number, 40)),
            J::Str(text) => {
                // Literals may be secrets: a string is shown as its template's shape.
                out.push('"');
                let mut shape = masked(prefix(text.as_str(), 200), true);
                out.push_str(prefix(&shape, 40));
                zeroize::Zeroize::zeroize(&mut shape);
                out.push('"');
            }
            J::Array(items) => {
                out.push('[');
                for item in items {
                    write(item, out);
                    if out.len() > 100 {
                        break;
                    }
                    out.push(',');
                }
                out.push(']');
            }
            J::Object(members) => {
                out.push('{');
                for (key, value) in members {
                    out.push_str(prefix(key, 40));
                    out.push(':');
                    write(value, out);
                    if out.len() > 100 {
                        break;
                    }
                    out.push(',');
                }
                out.push('}');
            }
        }
    }
    // Each push adds at most 40 characters (160 bytes) plus punctuation once the length is checked: 1 KiB is
    // never outgrown, and the nesting closes at most 128 brackets.
    let mut out = String::with_capacity(1024);
    match value {
        J::Str(text) => {
            let mut shape = masked(prefix(text.as_str(), 400), true);
            out.push_str(prefix(&shape, 90));
            zeroize::Zeroize::zeroize(&mut shape);
        }
        other => write(other, &mut out),
    }
    let shown = Text::new(printable(&out, 80));
    zeroize::Zeroize::zeroize(&mut out);
    shown
}
