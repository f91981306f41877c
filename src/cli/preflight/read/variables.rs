//! Input variables: each declared variable's value, by Terraform's precedence.
//!
//! Lowest to highest: the `default`, `TF_VAR_<name>`, `terraform.tfvars`, `terraform.tfvars.json`, then the
//! `*.auto.tfvars` / `*.auto.tfvars.json` files in lexical order of their names (later wins). `-var` and
//! `-var-file` are command-line options of `terraform plan` and cannot be seen from here.

use super::assemble::Item;
use super::expr::{Expr, Outcome, Scope, eval};
use super::hcl;
use super::value::{Text, Value, VarSource, printable};
use std::collections::BTreeMap;

/// A `variable` block, as far as its value is concerned.
#[derive(Debug)]
pub(super) struct Declared {
    pub name: String,
    pub kind: TypeKind,
    pub default: Option<Item>,
}

/// What a variable's `type` says about reading `TF_VAR_` and converting values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TypeKind {
    /// No `type`: any value; `TF_VAR_` is taken as a string.
    Untyped,
    /// `string`, `number` or `bool`: `TF_VAR_` is taken as written and converted.
    String,
    Number,
    Bool,
    /// Anything else (`list(string)`, `map(any)`, `object({...})`, `any`): `TF_VAR_` is an HCL expression.
    Complex,
}

impl TypeKind {
    /// The kind a `type` expression names (Terraform decides the same way: primitive types parse literally).
    pub(super) fn of(expr: Option<&Expr>) -> TypeKind {
        let Some(expr) = expr else {
            return TypeKind::Untyped;
        };
        match expr {
            Expr::Ref(names) => match names
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                ["string"] => TypeKind::String,
                ["number"] => TypeKind::Number,
                ["bool"] => TypeKind::Bool,
                _ => TypeKind::Complex,
            },
            _ => TypeKind::Complex,
        }
    }
}

/// A variable's value, once every source has been looked at.
#[derive(Debug)]
pub(super) enum Resolved {
    Known(Value, VarSource),
    Unreadable(String),
    Unset,
}

/// Every declared variable's value.
#[derive(Debug, Default)]
pub(super) struct Variables(BTreeMap<String, Resolved>);

impl Variables {
    /// The value of a declared variable; `None` when no `variable` block declares it.
    pub(super) fn get(&self, name: &str) -> Option<&Resolved> {
        self.0.get(name)
    }
}

/// One definitions file: its name and its `name = value` lines, in the order written.
pub(super) type Tfvars = (String, Vec<(String, Item)>);

/// Resolves every declared variable. `tfvars` are in precedence order (lowest first); `literal` evaluates a value
/// where only literals are allowed.
pub(super) fn resolve(
    declared: &[Declared],
    tfvars: &[Tfvars],
    env: &dyn Fn(&str) -> Option<String>,
    literal: &Scope,
) -> Variables {
    let mut values = BTreeMap::new();
    for variable in declared {
        if values.contains_key(&variable.name) {
            continue;
        }
        let mut resolved = match &variable.default {
            Some(default) => {
                from_literal(&variable.name, &default.expr, VarSource::Default, literal)
            }
            None => Resolved::Unset,
        };
        if let Some(raw) = env(&format!("TF_VAR_{}", variable.name)) {
            resolved = from_env(&variable.name, variable.kind, raw, literal);
        }
        for (file, lines) in tfvars {
            // Terraform uses the last definition when a file repeats a name.
            if let Some((_, item)) = lines.iter().rev().find(|(name, _)| *name == variable.name) {
                resolved = from_literal(
                    &variable.name,
                    &item.expr,
                    VarSource::Tfvars(file.clone()),
                    literal,
                );
            }
        }
        if let Resolved::Known(value, from) = resolved {
            resolved = Resolved::Known(convert(value, variable.kind), from);
        }
        values.insert(variable.name.clone(), resolved);
    }
    Variables(values)
}

fn from_literal(name: &str, expr: &Expr, from: VarSource, literal: &Scope) -> Resolved {
    match eval(expr, literal) {
        Outcome::Known(value, _) => Resolved::Known(value, from),
        Outcome::Unreadable(why) | Outcome::Unset(why) => {
            // A default is configuration, shown as any other expression is; a TF_VAR_ or .tfvars value is the
            // variable's value, so only its kind is named (`eval`'s why quotes references and function names).
            let (place, why) = match &from {
                VarSource::Default => ("its default".to_owned(), why),
                VarSource::Env => (
                    format!("TF_VAR_{}", printable(name, 60)),
                    expr.kind().to_owned(),
                ),
                VarSource::Tfvars(file) => (printable(file, 60), expr.kind().to_owned()),
            };
            Resolved::Unreadable(format!(
                "var.{}, set in {place} to {why}",
                printable(name, 60)
            ))
        }
    }
}

/// `TF_VAR_<name>`: as written for primitive and untyped variables, an HCL expression for the others.
fn from_env(name: &str, kind: TypeKind, raw: String, literal: &Scope) -> Resolved {
    if kind != TypeKind::Complex {
        return Resolved::Known(Value::Text(Text::new(raw)), VarSource::Env);
    }
    let raw = Text::new(raw);
    match hcl::parse_expression(raw.as_str()) {
        Some(expr) => from_literal(name, &expr, VarSource::Env, literal),
        None => Resolved::Unreadable(format!(
            "var.{}, whose TF_VAR_ value is not a valid HCL expression",
            printable(name, 60)
        )),
    }
}

/// The conversions Terraform makes to a primitive type constraint. A value that does not convert is kept as it
/// is: Terraform would refuse it, and the caller's check will see the odd value.
fn convert(value: Value, kind: TypeKind) -> Value {
    match (kind, value) {
        (TypeKind::String, Value::Number(number)) => Value::Text(Text::new(number)),
        (TypeKind::String, Value::Bool(flag)) => Value::Text(Text::new(flag.to_string())),
        (TypeKind::Number, Value::Text(text)) if is_number(text.as_str().trim()) => {
            Value::Number(text.as_str().trim().to_owned())
        }
        (TypeKind::Bool, Value::Text(text)) if matches!(text.as_str(), "true" | "false") => {
            Value::Bool(text.as_str() == "true")
        }
        (_, value) => value,
    }
}

/// A decimal number as Terraform writes one.
fn is_number(text: &str) -> bool {
    !text.is_empty()
        && text.parse::<f64>().is_ok_and(f64::is_finite)
        && !text.contains(['i', 'n', 'I', 'N', '+'])
}
