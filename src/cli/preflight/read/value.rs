//! The values the reader hands out: `Value`, the `Text` that wipes itself, and `Attr`, an attribute as read.

use super::Location;
use std::fmt;
use zeroize::Zeroize;

/// A string value. Any string in a configuration may be a secret (`client_secret = "..."`), so its `Debug` prints
/// only the length and its memory is zeroed when it is dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Text(String);

impl Text {
    /// Wraps a string, taking ownership so no copy is left behind.
    pub fn new(value: impl Into<String>) -> Text {
        Text(value.into())
    }

    /// The text itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The pieces joined in one allocation of the final size: a growing `String` copies itself and frees the old
    /// bytes unwiped.
    pub(crate) fn concat(pieces: &[&str]) -> Text {
        let mut text = String::with_capacity(pieces.iter().map(|piece| piece.len()).sum());
        for piece in pieces {
            text.push_str(piece);
        }
        Text(text)
    }
}

impl Drop for Text {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Text({} bytes)", self.0.len())
    }
}

/// A value as Terraform would see it, once known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string.
    Text(Text),
    /// A number, as written (Terraform's numbers are arbitrary precision; the caller converts what it needs).
    Number(String),
    /// `true` or `false`.
    Bool(bool),
    /// A list or tuple (also a set, which has no literal syntax of its own).
    List(Vec<Value>),
    /// An object or map, members in the order written.
    Object(Vec<(String, Value)>),
    /// `null`.
    Null,
}

impl Value {
    /// The text of a string value; `None` for every other kind.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text.as_str()),
            _ => None,
        }
    }

    /// The member `name` of an object value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value),
            _ => None,
        }
    }
}

/// Where a known value came from, so a report can say "from TF_VAR_client_secret" or "from terraform.tfvars".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written in the configuration itself.
    Literal,
    /// The value of an input variable. When an expression uses several variables, the first one read.
    Variable {
        /// The variable's name (without `var.`).
        name: String,
        /// Where the variable's value was set.
        from: VarSource,
    },
    /// The contents of a file read with `file("...")`.
    File {
        /// The path as the configuration gives it.
        path: String,
    },
}

/// Where an input variable's value was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarSource {
    /// The `TF_VAR_<name>` environment variable.
    Env,
    /// A variable definitions file (`terraform.tfvars`, `*.auto.tfvars`, their `.json` forms): its name.
    Tfvars(String),
    /// The variable's `default`.
    Default,
}

/// A provider attribute as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attr {
    /// The value is known before `terraform plan`.
    Known {
        /// The value.
        value: Value,
        /// Where it came from.
        from: Origin,
        /// Where the attribute is written.
        at: Location,
    },
    /// The value is only known while Terraform runs (or the reader does not evaluate this kind of expression).
    Unreadable {
        /// The expression as written: at most about 80 characters, control characters removed.
        expression: String,
        /// Why it cannot be read, a noun phrase: "a local value", "the function lookup()".
        why: String,
        /// Where the attribute is written.
        at: Location,
    },
    /// The attribute uses an input variable that nothing sets: no `TF_VAR_`, no definitions file, no default.
    Unset {
        /// The variable's name (without `var.`).
        variable: String,
        /// Where the attribute is written.
        at: Location,
    },
}

impl Attr {
    /// Where the attribute is written.
    pub fn at(&self) -> &Location {
        match self {
            Attr::Known { at, .. } | Attr::Unreadable { at, .. } | Attr::Unset { at, .. } => at,
        }
    }

    /// The value, when known.
    pub fn value(&self) -> Option<&Value> {
        match self {
            Attr::Known { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// `text` made safe for a one-line message: control characters become spaces, runs of white space one space, and
/// at most `max` characters are kept (an ellipsis marks a cut).
/// An expression as written, its string literals' text replaced by `…` (interpolations kept): shown in reports
/// when only Terraform can evaluate it, and a literal there may be a secret (`trimspace("...")`). `in_string`
/// reads `text` as the inside of a string (a `.tf.json` value, which is a template). A heredoc is cut at `<<`.
pub(crate) fn masked(text: &str, in_string: bool) -> String {
    enum Mode {
        Code(u32),
        Str,
    }
    let mut out = String::with_capacity(text.len().min(400));
    let mut modes = vec![if in_string { Mode::Str } else { Mode::Code(0) }];
    let mut chars = text.chars().peekable();
    let mut hidden_run = false;
    while let Some(c) = chars.next() {
        match modes.last_mut() {
            Some(Mode::Str) => {
                let opens = (c == '$' || c == '%') && chars.peek() == Some(&'{');
                if opens || c == '"' {
                    hidden_run = false;
                    out.push(c);
                    if opens {
                        chars.next();
                        out.push('{');
                        modes.push(Mode::Code(1));
                    } else {
                        modes.pop();
                    }
                    continue;
                }
                if c == '\\' {
                    chars.next();
                }
                if !hidden_run {
                    out.push('…');
                    hidden_run = true;
                }
            }
            Some(Mode::Code(depth)) => {
                match c {
                    '"' => {
                        out.push(c);
                        modes.push(Mode::Str);
                        continue;
                    }
                    '{' => *depth += 1,
                    '}' if *depth == 1 => {
                        out.push(c);
                        modes.pop();
                        continue;
                    }
                    '}' => *depth = depth.saturating_sub(1),
                    '<' if chars.peek() == Some(&'<') => {
                        out.push_str("<<…");
                        return out;
                    }
                    _ => {}
                }
                out.push(c);
            }
            None => out.push(c),
        }
        if out.len() > 400 {
            break;
        }
    }
    out
}

pub(crate) fn printable(text: &str, max: usize) -> String {
    // Sized once: the text may be a secret's start, and a growing string leaves unwiped copies behind.
    let mut out = String::with_capacity(text.len().min(max.saturating_mul(4)).saturating_add(4));
    let mut count = 0;
    let mut last_space = true;
    for c in text.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && last_space {
            continue;
        }
        if count == max {
            out.push('…');
            return out;
        }
        last_space = c == ' ';
        out.push(c);
        count += 1;
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_debug_shows_only_the_length() {
        let text = Text::new("hunter2-very-secret");
        assert_eq!(format!("{text:?}"), "Text(19 bytes)");
        assert_eq!(text.as_str(), "hunter2-very-secret");
    }

    #[test]
    fn text_is_wiped_when_dropped() {
        let watch = crate::wiped::Watch::new(&[b"preflight-read-text-marker-5f1c9a7e3b"]);
        let text = Text::new(String::from("preflight-read-text-marker-5f1c9a7e3b"));
        drop(text);
        assert_eq!(watch.leaks(), 0);
    }

    #[test]
    fn masked_hides_string_literals_and_keeps_interpolations() {
        assert_eq!(masked(r#"trimspace("s3cret")"#, false), r#"trimspace("…")"#);
        assert_eq!(
            masked(r#""${local.a}-tail" == "x\"y""#, false),
            r#""${local.a}…" == "…""#
        );
        assert_eq!(masked(r#"f(<<EOT\nsecret\nEOT\n)"#, false), "f(<<…");
        assert_eq!(masked("${data.x.y}:secret", true), "${data.x.y}…");
        assert_eq!(
            masked(r#"${lookup(var.m, "key")}"#, true),
            r#"${lookup(var.m, "…")}"#
        );
    }

    #[test]
    fn printable_removes_control_characters_and_caps_length() {
        assert_eq!(printable("a\n\t b\u{7}c", 80), "a b c");
        assert_eq!(printable("abcdef", 3), "abc…");
        assert_eq!(printable("  x  ", 80), "x");
    }
}
