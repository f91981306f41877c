//! HCL native syntax (`.tf`, `.tfvars`): parsed by hcl-rs (its `hcl-edit` parser, which keeps the byte spans the
//! locations come from), then turned into the reader's blocks and expressions.
//!
//! Deep nesting: hcl-edit rejects input nested deeper than 64 levels (expressions, templates, blocks) and chains of
//! more than 128 binary operators with a parse error, so neither its recursive parser nor the recursive walks
//! here and in expr.rs can overflow the stack; no depth scan is needed before parsing (the `deep_nesting_*` tests
//! pin this).

use super::assemble::{Block, Item, is_kept, keeps_attr};
use super::brackets;
use super::expr::{Expr, Part, Step};
use super::value::{Text, masked, printable};
use super::{Location, ReadError, ReadErrorKind};
use hcl::edit::expr::{Expression, TraversalOperator, UnaryOperator};
use hcl::edit::structure::{Body, Structure};
use hcl::edit::template::{Element, Template};
use hcl::edit::{Span, parser};

/// How many characters of an expression an unreadable attribute shows.
const SHOWN: usize = 80;

/// Byte offsets to 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    fn line(&self, offset: usize) -> u32 {
        u32::try_from(self.0.partition_point(|&newline| newline < offset) + 1).unwrap_or(u32::MAX)
    }
}

/// One file being read: its name, text and line index.
struct Source<'a> {
    file: &'a str,
    text: &'a str,
    lines: Lines,
}

impl Source<'_> {
    fn at(&self, span: Option<std::ops::Range<usize>>) -> Location {
        Location {
            file: self.file.to_owned(),
            line: span.map_or(0, |span| self.lines.line(span.start)),
        }
    }

    /// The expression as written, made printable and short.
    fn written(&self, expr: &Expression) -> Text {
        let text = expr
            .span()
            .and_then(|span| self.text.get(span))
            .unwrap_or("");
        // Literals may be secrets: only the expression's shape is shown.
        let mut shape = masked(text, false);
        let shown = Text::new(printable(&shape, SHOWN));
        zeroize::Zeroize::zeroize(&mut shape);
        shown
    }
}

/// The parser's refusal as a `ReadError` naming the file and the line hcl-edit located it at.
fn parse_error(file: &str, error: &parser::Error) -> ReadError {
    let location = error.location();
    ReadError {
        kind: ReadErrorKind::Parse,
        at: Some(Location {
            file: file.to_owned(),
            line: u32::try_from(location.line()).unwrap_or(u32::MAX),
        }),
        message: format!(
            "not valid HCL at column {}: {}",
            location.column(),
            printable(error.message(), 200)
        ),
    }
}

fn parse_body(file: &str, text: &str) -> Result<Body, ReadError> {
    // Brackets first: the parser's time explodes on one left open (see `brackets`).
    brackets::check(text).map_err(|unbalanced| ReadError {
        kind: ReadErrorKind::Parse,
        at: Some(Location {
            file: file.to_owned(),
            line: unbalanced.line,
        }),
        message: unbalanced.message,
    })?;
    parser::parse_body(text).map_err(|error| parse_error(file, &error))
}

/// Overwrites every string literal of a parsed body before it is dropped: a literal may be a secret
/// (`client_secret = "..."`), and the reader's own copies are already wiped `Text`s.
struct Wipe;

impl hcl::edit::visit_mut::VisitMut for Wipe {
    fn visit_string_mut(&mut self, node: &mut hcl::edit::Decorated<String>) {
        zeroize::Zeroize::zeroize(node.value_mut());
    }

    fn visit_literal_mut(&mut self, node: &mut hcl::edit::Spanned<String>) {
        zeroize::Zeroize::zeroize(node.value_mut());
    }
}

fn wipe(mut body: Body) {
    hcl::edit::visit_mut::visit_body_mut(&mut Wipe, &mut body);
}

/// The blocks of a `.tf` file the reader keeps (see `assemble::is_kept`).
pub(super) fn parse_file(file: &str, text: &str) -> Result<Vec<Block>, ReadError> {
    let body = parse_body(file, text)?;
    let source = Source {
        file,
        text,
        lines: Lines::new(text),
    };
    let blocks = body
        .blocks()
        .filter(|block| is_kept(block.ident.as_str()))
        .map(|block| {
            let kind = block.ident.as_str();
            let mut converted = convert_block(&source, block, &|name| keeps_attr(kind, name));
            // Resources and modules need no nested blocks; the others keep one level of them.
            if !matches!(kind, "resource" | "data" | "ephemeral" | "module") {
                converted.blocks = block
                    .body
                    .blocks()
                    .map(|inner| convert_block(&source, inner, &|_| true))
                    .collect();
            }
            converted
        })
        .collect();
    wipe(body);
    Ok(blocks)
}

/// A block with the attributes `keep` accepts; nested blocks are added by the caller, which knows how deep to go.
fn convert_block(
    source: &Source,
    block: &hcl::edit::structure::Block,
    keep: &dyn Fn(&str) -> bool,
) -> Block {
    Block {
        kind: block.ident.as_str().to_owned(),
        labels: block
            .labels
            .iter()
            .map(|label| label.as_str().to_owned())
            .collect(),
        at: source.at(block.span()),
        attrs: attributes(source, &block.body, keep),
        blocks: Vec::new(),
    }
}

fn attributes(source: &Source, body: &Body, keep: &dyn Fn(&str) -> bool) -> Vec<(String, Item)> {
    body.iter()
        .filter_map(Structure::as_attribute)
        .filter(|attribute| keep(attribute.key.as_str()))
        .map(|attribute| {
            let item = Item {
                at: source.at(attribute.span()),
                text: source.written(&attribute.value),
                expr: convert(source, &attribute.value),
            };
            (attribute.key.as_str().to_owned(), item)
        })
        .collect()
}

/// The `name = value` lines of a `.tfvars` file (blocks in it are ignored; Terraform refuses them).
pub(super) fn parse_tfvars(file: &str, text: &str) -> Result<Vec<(String, Item)>, ReadError> {
    let body = parse_body(file, text)?;
    let source = Source {
        file,
        text,
        lines: Lines::new(text),
    };
    let lines = attributes(&source, &body, &|_| true);
    wipe(body);
    Ok(lines)
}

/// One HCL expression (a `TF_VAR_` value for a complex type, a `.tf.json` string in expression mode).
pub(super) fn parse_expression(text: &str) -> Option<Expr> {
    // Brackets first, as for a file: the parser backtracks over one left open here just the same.
    brackets::check(text).ok()?;
    let expr = parser::parse_expr(text).ok()?;
    let source = Source {
        file: "",
        text,
        lines: Lines(Vec::new()),
    };
    Some(convert(&source, &expr))
}

/// One HCL template (a `.tf.json` string in a place where Terraform evaluates templates).
pub(super) fn parse_template(text: &str) -> Option<Expr> {
    brackets::check_template(text).ok()?;
    let template = parser::parse_template(text).ok()?;
    let source = Source {
        file: "",
        text,
        lines: Lines(Vec::new()),
    };
    Some(convert_template(&source, &template))
}

/// An hcl-edit expression in the reader's model.
fn convert(source: &Source, expr: &Expression) -> Expr {
    match expr {
        Expression::Null(_) => Expr::Null,
        Expression::Bool(value) => Expr::Bool(*value.value()),
        Expression::Number(number) => {
            let written = number
                .span()
                .and_then(|span| source.text.get(span))
                .map(str::trim);
            Expr::Number(
                written
                    .filter(|w| !w.is_empty())
                    .map_or_else(|| number.value().to_string(), str::to_owned),
            )
        }
        Expression::String(text) => Expr::Str(Text::new(text.value().clone())),
        Expression::Array(items) => {
            Expr::List(items.iter().map(|item| convert(source, item)).collect())
        }
        Expression::Object(object) => Expr::Object(
            object
                .iter()
                .map(|(key, value)| {
                    let key = match (key.as_ident(), key.as_expr()) {
                        (Some(ident), _) => Expr::Str(Text::new(ident.as_str())),
                        (_, Some(expr)) => convert(source, expr),
                        _ => Expr::Opaque("an object key the reader does not know".into()),
                    };
                    (key, convert(source, value.expr()))
                })
                .collect(),
        ),
        Expression::StringTemplate(template) => convert_template(source, template),
        Expression::HeredocTemplate(heredoc) => convert_template(source, &heredoc.template),
        Expression::Parenthesis(inner) => convert(source, inner.inner()),
        Expression::Variable(name) => Expr::Ref(vec![name.as_str().to_owned()]),
        Expression::Traversal(traversal) => {
            convert_traversal(source, &traversal.expr, &traversal.operators)
        }
        Expression::FuncCall(call) => {
            let mut name: Vec<&str> = call
                .name
                .namespace
                .iter()
                .map(|part| part.as_str())
                .collect();
            name.push(call.name.name.as_str());
            let name = name.join("::");
            if call.args.expand_final() {
                return Expr::Opaque(format!(
                    "the function {}() with expanded arguments",
                    printable(&name, 60)
                ));
            }
            Expr::Call {
                name,
                args: call.args.iter().map(|arg| convert(source, arg)).collect(),
            }
        }
        Expression::UnaryOp(op) => match op.operator.value() {
            UnaryOperator::Neg => Expr::Neg(Box::new(convert(source, &op.expr))),
            UnaryOperator::Not => Expr::Not(Box::new(convert(source, &op.expr))),
        },
        Expression::BinaryOp(op) => Expr::Opaque(format!(
            "an expression with the operator {}",
            op.operator.value().as_str()
        )),
        Expression::Conditional(_) => Expr::Opaque("a conditional expression".into()),
        Expression::ForExpr(_) => Expr::Opaque("a for expression".into()),
    }
}

/// A traversal (`var.x`, `local.y`, `data.t.n.attr`, `aws.west`) in the reader's model.
fn convert_traversal(
    source: &Source,
    base: &Expression,
    operators: &[hcl::edit::Decorated<TraversalOperator>],
) -> Expr {
    let Expression::Variable(root) = base else {
        return Expr::Opaque("an element of a computed value".into());
    };
    if operators.iter().any(|op| {
        matches!(
            op.value(),
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)
        )
    }) {
        return Expr::Opaque("a splat expression".into());
    }
    // The leading attribute names (`data.aws_x.name`), for naming what is referred to.
    let names: Vec<&str> = operators
        .iter()
        .map_while(|op| match op.value() {
            TraversalOperator::GetAttr(name) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let dotted = |count: usize| {
        let mut parts = vec![root.as_str()];
        parts.extend(names.iter().take(count));
        printable(&parts.join("."), 60)
    };
    match (root.as_str(), names.as_slice()) {
        ("var", [name, ..]) => {
            let path = operators[1..]
                .iter()
                .map(|op| match op.value() {
                    TraversalOperator::GetAttr(key) => Step::Attr(key.as_str().to_owned()),
                    TraversalOperator::Index(index) => Step::Index(convert(source, index)),
                    TraversalOperator::LegacyIndex(index) => {
                        Step::Index(Expr::Number(index.value().to_string()))
                    }
                    // Splats were refused above.
                    _ => Step::Index(Expr::Opaque("a splat expression".into())),
                })
                .collect();
            Expr::Var {
                name: (*name).to_owned(),
                path,
            }
        }
        ("path", ["module" | "root"]) => Expr::PathModule,
        ("local", [_, ..]) => Expr::Opaque(format!("the local value {}", dotted(1))),
        ("data", _) => Expr::Opaque(format!("the data source {}", dotted(2))),
        ("module", _) => Expr::Opaque(format!("the output of {}", dotted(1))),
        ("ephemeral", _) => Expr::Opaque(format!("the ephemeral resource {}", dotted(2))),
        ("path" | "terraform" | "each" | "count" | "self", _) => {
            Expr::Opaque(format!("the value {}", dotted(1)))
        }
        (_, _) if names.len() == operators.len() => {
            let mut all = vec![root.as_str().to_owned()];
            all.extend(names.iter().map(|name| (*name).to_owned()));
            Expr::Ref(all)
        }
        (_, _) => Expr::Opaque(format!("the resource {}", dotted(1))),
    }
}

/// A template in the reader's model, with the strip markers (`${~ x ~}`) applied to the literal parts around.
fn convert_template(source: &Source, template: &Template) -> Expr {
    let elements: Vec<&Element> = template.iter().collect();
    let mut parts = Vec::with_capacity(elements.len());
    for (i, element) in elements.iter().enumerate() {
        match element {
            Element::Literal(text) => {
                let mut text: &str = text.value();
                if i > 0 && strips(elements[i - 1], false) {
                    text = text.trim_start();
                }
                if elements.get(i + 1).is_some_and(|next| strips(next, true)) {
                    text = text.trim_end();
                }
                parts.push(Part::Lit(Text::new(text)));
            }
            Element::Interpolation(interpolation) => {
                parts.push(Part::Interp(convert(source, &interpolation.expr)))
            }
            Element::Directive(_) => {
                return Expr::Opaque("a template directive (%{if} or %{for})".into());
            }
        }
    }
    // A template that is one interpolation and nothing else is that value, not converted to a string (HCL's
    // rule): "${var.list}" is the list.
    if let [Part::Interp(_)] = parts.as_slice()
        && let Some(Part::Interp(expr)) = parts.pop()
    {
        return expr;
    }
    match parts.as_slice() {
        [] => Expr::Str(Text::default()),
        [Part::Lit(text)] => Expr::Str(text.clone()),
        _ => Expr::Template(parts),
    }
}

/// Whether an interpolation strips the white space before it (`start`) or after it.
fn strips(element: &Element, start: bool) -> bool {
    match element {
        Element::Interpolation(interpolation) if start => interpolation.strip.strip_start(),
        Element::Interpolation(interpolation) => interpolation.strip.strip_end(),
        _ => false,
    }
}
