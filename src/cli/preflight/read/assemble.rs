//! The files' blocks, whichever syntax they came from, turned into a [`Configuration`]: override files merged,
//! variables resolved, provider blocks evaluated, `required_providers`, `cloud`/`backend` and used providers found.

use super::expr::{Expr, Outcome, ReadFile, Scope, VALUE_BUDGET, eval};
use super::value::{Attr, Text, Value, printable};
use super::variables::{self, Declared, Tfvars, TypeKind};
use super::{Configuration, Elsewhere, Location, NestedBlock, ProviderBlock, Required};
use std::cell::Cell;
use std::collections::BTreeMap;

/// An attribute: where it is written, its text as written (already made printable and short; a `Text`, since
/// it may be the start of a secret) and its expression.
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub at: Location,
    pub text: Text,
    pub expr: Expr,
}

/// A block, kept only as deep as the reader needs: top-level blocks with their attributes and nested blocks, the
/// nested blocks with their attributes.
#[derive(Debug, Clone)]
pub(super) struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    pub at: Location,
    pub attrs: Vec<(String, Item)>,
    pub blocks: Vec<Block>,
}

impl Block {
    /// The attribute `name` (the last one when a body repeats it).
    pub(super) fn attr(&self, name: &str) -> Option<&Item> {
        self.attrs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, item)| item)
    }

    fn label(&self) -> &str {
        self.labels.first().map_or("", String::as_str)
    }

    /// The nested blocks of one type.
    fn nested<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |block| block.kind == kind)
    }
}

/// The top-level blocks the reader keeps; everything else in a file (locals, outputs, moved, import...) is skipped.
pub(super) fn is_kept(kind: &str) -> bool {
    matches!(
        kind,
        "terraform" | "provider" | "variable" | "resource" | "data" | "ephemeral" | "module"
    )
}

/// The attributes kept of a top-level block: all of them, or for resources and modules only the meta-arguments
/// that name providers (their other attributes can be large and are never evaluated).
pub(super) fn keeps_attr(kind: &str, name: &str) -> bool {
    match kind {
        "resource" | "data" | "ephemeral" => name == "provider",
        "module" => name == "providers",
        _ => true,
    }
}

/// One file's blocks.
pub(super) struct FileBlocks {
    pub blocks: Vec<Block>,
    pub is_override: bool,
}

/// True for Terraform's override files: `override.tf`, `*_override.tf` and their `.tf.json` forms.
pub(super) fn is_override(name: &str) -> bool {
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"))
        .unwrap_or(name);
    stem == "override" || stem.ends_with("_override")
}

/// Builds the configuration from the files' blocks (in Terraform's order) and the definitions files.
pub(super) fn configuration(
    files: Vec<String>,
    parsed: Vec<FileBlocks>,
    tfvars: &[Tfvars],
    env: &dyn Fn(&str) -> Option<String>,
    read_file: ReadFile,
) -> Configuration {
    let (mut base, overrides): (Vec<FileBlocks>, Vec<FileBlocks>) =
        parsed.into_iter().partition(|f| !f.is_override);
    let mut blocks: Vec<Block> = base
        .iter_mut()
        .flat_map(|file| std::mem::take(&mut file.blocks))
        .collect();
    let override_blocks: Vec<Block> = overrides.into_iter().flat_map(|file| file.blocks).collect();
    for over in override_blocks
        .iter()
        .filter(|b| b.kind == "provider" || b.kind == "variable")
    {
        merge_override(&mut blocks, over);
    }

    let budget = Cell::new(VALUE_BUDGET);
    let literal = Scope {
        vars: None,
        read_file: None,
        budget: &budget,
    };
    let declared: Vec<Declared> = blocks
        .iter()
        .filter(|block| block.kind == "variable" && !block.label().is_empty())
        .map(|block| Declared {
            name: block.label().to_owned(),
            kind: TypeKind::of(block.attr("type").map(|item| &item.expr)),
            default: block.attr("default").cloned(),
        })
        .collect();
    let vars = variables::resolve(&declared, tfvars, env, &literal);
    let scope = Scope {
        vars: Some(&vars),
        read_file: Some(read_file),
        budget: &budget,
    };

    let terraform_blocks = || blocks.iter().filter(|block| block.kind == "terraform");
    let mut required = Vec::new();
    let mut runs_elsewhere = None;
    for block in terraform_blocks() {
        add_required(&mut required, block, false);
        if runs_elsewhere.is_none() {
            runs_elsewhere = elsewhere(block, env, &literal).flatten();
        }
    }
    // An override file's `terraform` block replaces entries by name and replaces the backend or cloud block.
    for block in override_blocks
        .iter()
        .filter(|block| block.kind == "terraform")
    {
        add_required(&mut required, block, true);
        if let Some(found) = elsewhere(block, env, &literal) {
            runs_elsewhere = found;
        }
    }

    let mut variables: Vec<String> = declared.into_iter().map(|variable| variable.name).collect();
    variables.sort();
    variables.dedup();
    Configuration {
        files,
        required,
        providers: providers(&blocks, &scope),
        used: used(&blocks),
        runs_elsewhere,
        variables,
    }
}

/// Terraform's merge of an override block into the block it overrides (same type, same name, same alias): each
/// attribute replaces the one of the same name, and nested blocks of a type replace all the original's blocks of
/// that type. An override with no original (which Terraform refuses) is read as an ordinary block.
fn merge_override(blocks: &mut Vec<Block>, over: &Block) {
    let alias = |block: &Block| block.attr("alias").and_then(|item| item.expr.literal_str());
    let original = blocks.iter_mut().find(|block| {
        block.kind == over.kind && block.labels == over.labels && alias(block) == alias(over)
    });
    let Some(original) = original else {
        blocks.push(over.clone());
        return;
    };
    for (name, item) in &over.attrs {
        original.attrs.retain(|(key, _)| key != name);
        original.attrs.push((name.clone(), item.clone()));
    }
    for nested in &over.blocks {
        original.blocks.retain(|block| block.kind != nested.kind);
    }
    original.blocks.extend(over.blocks.iter().cloned());
}

/// The `required_providers` entries of a `terraform` block. `replace`: an override file's entry replaces the
/// entry of the same name; otherwise every entry is kept as written.
fn add_required(required: &mut Vec<Required>, terraform: &Block, replace: bool) {
    for block in terraform.nested("required_providers") {
        for (local, item) in &block.attrs {
            // `aws = "~> 5.0"` (the old short form, a version only) and an entry without `source` imply
            // hashicorp/<name>, as Terraform does.
            let written = item.expr.member("source").and_then(Expr::literal_str);
            let source = normalize_source(written.as_deref().unwrap_or(local));
            if replace {
                required.retain(|entry| entry.local != *local);
            }
            required.push(Required {
                local: local.clone(),
                source,
                at: item.at.clone(),
            });
        }
    }
}

/// A provider source address in its full, lower-case form: `aws` and `hashicorp/aws` become
/// `registry.terraform.io/hashicorp/aws`; an address with a host only has its case folded.
pub(super) fn normalize_source(source: &str) -> String {
    let source = source.trim().to_lowercase();
    match source.split('/').count() {
        1 => format!("registry.terraform.io/hashicorp/{source}"),
        2 => format!("registry.terraform.io/{source}"),
        _ => source,
    }
}

/// A `cloud` block or `backend "remote"` in a `terraform` block: `Some(None)` for another backend (which replaces
/// a remote one when it comes from an override file), `None` when the block names none.
fn elsewhere(
    terraform: &Block,
    env: &dyn Fn(&str) -> Option<String>,
    literal: &Scope,
) -> Option<Option<Elsewhere>> {
    let organization = |block: &Block| match block
        .attr("organization")
        .map(|item| eval(&item.expr, literal))
    {
        Some(Outcome::Known(Value::Text(text), _)) => Some(text.as_str().to_owned()),
        _ => None,
    };
    if let Some(cloud) = terraform.nested("cloud").next() {
        // The cloud block may leave the organization to TF_CLOUD_ORGANIZATION.
        let organization = organization(cloud).or_else(|| env("TF_CLOUD_ORGANIZATION"));
        return Some(Some(Elsewhere {
            what: "cloud".into(),
            organization,
            at: cloud.at.clone(),
        }));
    }
    let backend = terraform.nested("backend").next()?;
    if backend.label() != "remote" {
        return Some(None);
    }
    let organization = organization(backend);
    Some(Some(Elsewhere {
        what: "backend \"remote\"".into(),
        organization,
        at: backend.at.clone(),
    }))
}

fn providers(blocks: &[Block], scope: &Scope) -> Vec<ProviderBlock> {
    let mut providers = Vec::new();
    for block in blocks
        .iter()
        .filter(|block| block.kind == "provider" && !block.label().is_empty())
    {
        let alias = block.attr("alias").map(|item| {
            item.expr
                .literal_str()
                .unwrap_or_else(|| item.text.as_str().to_owned())
        });
        let attributes = attributes(block, scope, true);
        let nested = block
            .blocks
            .iter()
            .map(|inner| {
                let attributes = attributes_of(inner, scope);
                let labels = inner.labels.clone();
                (
                    inner.kind.clone(),
                    NestedBlock {
                        at: inner.at.clone(),
                        labels,
                        attributes,
                    },
                )
            })
            .collect();
        providers.push(ProviderBlock {
            local: block.label().to_owned(),
            alias,
            at: block.at.clone(),
            attributes,
            blocks: nested,
        });
    }
    providers
}

fn attributes_of(block: &Block, scope: &Scope) -> BTreeMap<String, Attr> {
    attributes(block, scope, false)
}

/// A block's attributes evaluated; `alias` is left out of a provider block's (it is `ProviderBlock::alias`).
fn attributes(block: &Block, scope: &Scope, provider: bool) -> BTreeMap<String, Attr> {
    let mut attributes = BTreeMap::new();
    for (name, item) in &block.attrs {
        if provider && name == "alias" {
            continue;
        }
        attributes.insert(name.clone(), attr(item, scope));
    }
    attributes
}

/// One attribute's value as the caller sees it.
pub(super) fn attr(item: &Item, scope: &Scope) -> Attr {
    let at = item.at.clone();
    match eval(&item.expr, scope) {
        Outcome::Known(value, from) => Attr::Known { value, from, at },
        Outcome::Unreadable(why) => Attr::Unreadable {
            expression: item.text.as_str().to_owned(),
            why,
            at,
        },
        Outcome::Unset(variable) => Attr::Unset { variable, at },
    }
}

/// The local provider names resources, data sources, ephemeral resources and module calls use: the `provider`
/// meta-argument when there is one (as Terraform, a `google_x` with `provider = google-beta` does not use
/// `google`), else the type's prefix before the first `_`; plus the values of module `providers` maps. Terraform's
/// built-in `terraform` provider (`terraform_data`) needs no configuration and is left out.
fn used(blocks: &[Block]) -> Vec<String> {
    let mut used = Vec::new();
    for block in blocks {
        match block.kind.as_str() {
            "resource" | "data" | "ephemeral" => {
                let named = block
                    .attr("provider")
                    .and_then(|item| provider_ref(&item.expr));
                let implied = || block.label().split('_').next().unwrap_or("").to_owned();
                used.push(named.unwrap_or_else(implied));
            }
            "module" => {
                if let Some(Expr::Object(members)) = block.attr("providers").map(|item| &item.expr)
                {
                    used.extend(members.iter().filter_map(|(_, value)| provider_ref(value)));
                }
            }
            _ => {}
        }
    }
    used.retain(|name| !name.is_empty() && name != "terraform");
    used.sort();
    used.dedup();
    used
}

/// The local name in a provider reference: `aws` in `aws.west` (HCL) or `"aws.west"` (JSON).
fn provider_ref(expr: &Expr) -> Option<String> {
    let written = match expr {
        Expr::Ref(names) => names.first().cloned(),
        other => other.literal_str(),
    }?;
    let local = written.split('.').next().unwrap_or("").trim();
    (!local.is_empty()).then(|| printable(local, 100))
}
