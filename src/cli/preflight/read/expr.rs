//! Expressions: the reader's small model of an HCL or JSON expression, and its evaluation to a `Value`.
//!
//! Both syntaxes are turned into [`Expr`] (hcl.rs, json.rs), so evaluation is written once. The model keeps what
//! can be known before `terraform plan` (literals, templates, `var.*`, `path.module`, `file()`) and turns the rest
//! into [`Expr::Opaque`] with the reason, so nothing that needs Terraform's graph is ever guessed at.

use super::value::{Origin, Text, Value, printable};
use super::variables::{Resolved, Variables};
use std::cell::Cell;

/// The most bytes of values one parse may build out of variables and files. A 4 MiB variable used by every
/// attribute of a 4 MiB file would otherwise be copied into each one; past this budget values become unreadable.
pub(super) const VALUE_BUDGET: usize = 32 << 20;

/// An expression, as far as the reader understands it.
#[derive(Debug, Clone)]
pub(super) enum Expr {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string with no interpolation.
    Str(Text),
    /// A string with interpolations (`"${var.a}-x"`), strip markers already applied to the literal parts.
    Template(Vec<Part>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `{ key = value }`; keys are expressions (an identifier key is a `Str`).
    Object(Vec<(Expr, Expr)>),
    /// `var.name` followed by attribute or index steps.
    Var { name: String, path: Vec<Step> },
    /// `path.module` or `path.root`: "." for the root module, the directory Terraform runs in.
    PathModule,
    /// Any other chain of names: `aws.west` (a provider reference), `string` (a type keyword), `aws_iam_role.x.arn`.
    Ref(Vec<String>),
    /// A function call.
    Call { name: String, args: Vec<Expr> },
    /// `-x`.
    Neg(Box<Expr>),
    /// `!x`.
    Not(Box<Expr>),
    /// Something only Terraform can evaluate, with why ("a local value").
    Opaque(String),
}

impl Expr {
    /// What kind of expression this is, in words that quote none of it: for values whose text may be a secret
    /// (a `TF_VAR_` or `.tfvars` value; a key pasted without quotes reads as a reference).
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::Str(_) => "a literal",
            Expr::Var { .. } | Expr::PathModule | Expr::Ref(_) => "a reference (an unquoted word?)",
            Expr::Call { .. } => "a function call",
            Expr::Template(_) => "a template with interpolations",
            Expr::List(_) | Expr::Object(_) => {
                "a list or object holding something that is not a literal"
            }
            Expr::Neg(_) | Expr::Not(_) => "an operation on something that is not a literal",
            Expr::Opaque(_) => "an expression only Terraform can evaluate",
        }
    }
}

/// One piece of a template.
#[derive(Debug, Clone)]
pub(super) enum Part {
    Lit(Text),
    Interp(Expr),
}

/// A step after `var.name`.
#[derive(Debug, Clone)]
pub(super) enum Step {
    Attr(String),
    Index(Expr),
}

impl Expr {
    /// The literal string this expression is, if it is one (a template of literal parts only counts).
    pub(super) fn literal_str(&self) -> Option<String> {
        match self {
            Expr::Str(text) => Some(text.as_str().to_owned()),
            Expr::Template(parts) => parts
                .iter()
                .map(|part| match part {
                    Part::Lit(text) => Some(text.as_str()),
                    Part::Interp(_) => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(|pieces| pieces.concat()),
            _ => None,
        }
    }

    /// The object member `name`, for an object expression.
    pub(super) fn member(&self, name: &str) -> Option<&Expr> {
        match self {
            Expr::Object(members) => members
                .iter()
                .find(|(key, _)| key.literal_str().as_deref() == Some(name))
                .map(|(_, value)| value),
            _ => None,
        }
    }
}

/// What an expression evaluates to.
#[derive(Debug)]
pub(super) enum Outcome {
    Known(Value, Origin),
    Unreadable(String),
    Unset(String),
}

/// Reads a file named in `file("...")`: the path as written, its bytes or why not.
pub(super) type ReadFile<'a> = &'a dyn Fn(&str) -> Result<Vec<u8>, String>;

/// What an evaluation may look at.
pub(super) struct Scope<'a> {
    /// Input variables; `None` where Terraform allows only literals (defaults, definitions files, `TF_VAR_`).
    pub vars: Option<&'a Variables>,
    /// `file()`; `None` where functions are not allowed.
    pub read_file: Option<ReadFile<'a>>,
    /// Bytes left of [`VALUE_BUDGET`], shared by every evaluation of one parse.
    pub budget: &'a Cell<usize>,
}

impl Scope<'_> {
    /// Takes `cost` bytes from the budget; false when it is spent.
    fn spend(&self, cost: usize) -> bool {
        match self.budget.get().checked_sub(cost) {
            Some(left) => {
                self.budget.set(left);
                true
            }
            None => {
                self.budget.set(0);
                false
            }
        }
    }
}

const TOO_LARGE: &str = "a value too large to read";

/// About how many bytes a value holds, for the budget.
fn weight(value: &Value) -> usize {
    match value {
        Value::Text(text) => text.as_str().len() + 1,
        Value::Number(number) => number.len() + 1,
        Value::Bool(_) | Value::Null => 1,
        Value::List(items) => items.iter().map(weight).sum::<usize>() + 1,
        Value::Object(members) => {
            members
                .iter()
                .map(|(key, value)| key.len() + weight(value))
                .sum::<usize>()
                + 1
        }
    }
}

/// Where a compound value came from: the first of its parts that was not a literal.
fn merge(origin: &mut Origin, part: Origin) {
    if *origin == Origin::Literal {
        *origin = part;
    }
}

/// Evaluates `expr` as Terraform would before planning, or says why it cannot be.
pub(super) fn eval(expr: &Expr, scope: &Scope) -> Outcome {
    match expr {
        Expr::Null => Outcome::Known(Value::Null, Origin::Literal),
        Expr::Bool(value) => Outcome::Known(Value::Bool(*value), Origin::Literal),
        Expr::Number(number) => Outcome::Known(Value::Number(number.clone()), Origin::Literal),
        Expr::Str(text) => Outcome::Known(Value::Text(text.clone()), Origin::Literal),
        Expr::Template(parts) => template(parts, scope),
        Expr::List(items) => {
            let mut origin = Origin::Literal;
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                match eval(item, scope) {
                    Outcome::Known(value, from) => {
                        merge(&mut origin, from);
                        values.push(value);
                    }
                    other => return other,
                }
            }
            Outcome::Known(Value::List(values), origin)
        }
        Expr::Object(members) => object(members, scope),
        Expr::Var { name, path } => variable(name, path, scope),
        Expr::PathModule => Outcome::Known(Value::Text(Text::new(".")), Origin::Literal),
        Expr::Ref(names) => Outcome::Unreadable(describe_ref(names)),
        Expr::Call { name, args } => call(name, args, scope),
        Expr::Neg(inner) => match eval(inner, scope) {
            Outcome::Known(Value::Number(number), from) => {
                let negated = match number.strip_prefix('-') {
                    Some(positive) => positive.to_owned(),
                    None => format!("-{number}"),
                };
                Outcome::Known(Value::Number(negated), from)
            }
            Outcome::Known(..) => {
                Outcome::Unreadable("a negated value that is not a number".into())
            }
            other => other,
        },
        Expr::Not(inner) => match eval(inner, scope) {
            Outcome::Known(Value::Bool(value), from) => Outcome::Known(Value::Bool(!value), from),
            Outcome::Known(..) => Outcome::Unreadable("a negated value that is not a bool".into()),
            other => other,
        },
        Expr::Opaque(why) => Outcome::Unreadable(why.clone()),
    }
}

/// What a reference to something other than a variable names, for `why`.
fn describe_ref(names: &[String]) -> String {
    let shown = printable(&names.join("."), 60);
    match names {
        [_] => format!("the reference {shown}"),
        _ => format!("the resource {shown}"),
    }
}

fn object(members: &[(Expr, Expr)], scope: &Scope) -> Outcome {
    let mut origin = Origin::Literal;
    let mut values = Vec::with_capacity(members.len());
    for (key, value) in members {
        // Object keys are plain strings (shown in `Debug`), so a key must be written in the configuration: one
        // computed from a variable or a file could be a secret's text.
        let key = match eval(key, scope) {
            Outcome::Known(_, Origin::Variable { .. } | Origin::File { .. }) => {
                return Outcome::Unreadable(
                    "an object key computed from a variable or file".into(),
                );
            }
            Outcome::Known(Value::Text(text), _) => text.as_str().to_owned(),
            Outcome::Known(Value::Number(number), _) => number,
            Outcome::Known(Value::Bool(value), _) => value.to_string(),
            Outcome::Known(..) => {
                return Outcome::Unreadable("an object key that is not a string".into());
            }
            other => return other,
        };
        match eval(value, scope) {
            Outcome::Known(value, from) => {
                merge(&mut origin, from);
                values.push((key, value));
            }
            other => return other,
        }
    }
    Outcome::Known(Value::Object(values), origin)
}

fn template(parts: &[Part], scope: &Scope) -> Outcome {
    // Every piece is evaluated first, then joined once, so the only copy of a secret is the final `Text`.
    let mut origin = Origin::Literal;
    let mut values = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            Part::Lit(text) => values.push(Value::Text(text.clone())),
            Part::Interp(expr) => match eval(expr, scope) {
                Outcome::Known(
                    value @ (Value::Text(_) | Value::Number(_) | Value::Bool(_)),
                    from,
                ) => {
                    merge(&mut origin, from);
                    values.push(value);
                }
                Outcome::Known(Value::Null, _) => {
                    return Outcome::Unreadable("a null value in a string template".into());
                }
                Outcome::Known(..) => {
                    return Outcome::Unreadable("a list or object in a string template".into());
                }
                other => return other,
            },
        }
    }
    let pieces: Vec<&str> = values
        .iter()
        .map(|value| match value {
            Value::Text(text) => text.as_str(),
            Value::Number(number) => number.as_str(),
            Value::Bool(true) => "true",
            _ => "false",
        })
        .collect();
    let text = Text::concat(&pieces);
    if !scope.spend(text.as_str().len()) {
        return Outcome::Unreadable(TOO_LARGE.into());
    }
    Outcome::Known(Value::Text(text), origin)
}

fn variable(name: &str, path: &[Step], scope: &Scope) -> Outcome {
    let Some(vars) = scope.vars else {
        return Outcome::Unreadable("a variable, where only a literal value is allowed".into());
    };
    let (value, from) = match vars.get(name) {
        None => return Outcome::Unreadable("an undeclared variable".into()),
        Some(Resolved::Unset) => return Outcome::Unset(name.to_owned()),
        Some(Resolved::Unreadable(why)) => return Outcome::Unreadable(why.clone()),
        Some(Resolved::Known(value, from)) => (value, from),
    };
    let mut current = value;
    for step in path {
        let next = match step {
            Step::Attr(key) => current.get(key),
            Step::Index(index) => match (eval(index, scope), current) {
                (Outcome::Known(Value::Text(key), _), Value::Object(_)) => {
                    current.get(key.as_str())
                }
                (Outcome::Known(Value::Number(n), _), Value::List(items)) => {
                    n.parse::<usize>().ok().and_then(|i| items.get(i))
                }
                (Outcome::Known(..), _) => None,
                (other, _) => return other,
            },
        };
        match next {
            Some(next) => current = next,
            None => {
                return Outcome::Unreadable(format!(
                    "an element var.{} does not have",
                    printable(name, 60)
                ));
            }
        }
    }
    if !scope.spend(weight(current)) {
        return Outcome::Unreadable(TOO_LARGE.into());
    }
    let origin = Origin::Variable {
        name: name.to_owned(),
        from: from.clone(),
    };
    Outcome::Known(current.clone(), origin)
}

fn call(name: &str, args: &[Expr], scope: &Scope) -> Outcome {
    let shown = printable(name, 60);
    let (Some(read_file), "file", [path]) = (scope.read_file, name, args) else {
        return Outcome::Unreadable(format!("the function {shown}()"));
    };
    let path = match eval(path, scope) {
        Outcome::Known(Value::Text(path), _) => path.as_str().to_owned(),
        Outcome::Known(..) => {
            return Outcome::Unreadable("file() of a value that is not a string".into());
        }
        other => return other,
    };
    let shown_path = printable(&path, 80);
    let bytes = match read_file(&path) {
        Ok(bytes) => bytes,
        Err(why) => {
            return Outcome::Unreadable(format!(
                "file(\"{shown_path}\"), which cannot be read: {}",
                printable(&why, 160)
            ));
        }
    };
    if !scope.spend(bytes.len()) {
        return Outcome::Unreadable(TOO_LARGE.into());
    }
    // `from_utf8` takes the bytes without copying; on failure they come back and are wiped.
    match String::from_utf8(bytes) {
        Ok(text) => Outcome::Known(Value::Text(Text::new(text)), Origin::File { path }),
        Err(error) => {
            zeroize::Zeroize::zeroize(&mut error.into_bytes());
            Outcome::Unreadable(format!("file(\"{shown_path}\"), which is not UTF-8 text"))
        }
    }
}
