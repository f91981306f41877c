//! Reads a Terraform root module as Terraform does: its providers and the values their arguments will have.
//!
//! HCL in, providers and values out; checking them is the caller's work. Modules:
//! - `files.rs`: which files of the directory are read (`*.tf`, `*.tf.json`, `terraform.tfvars`,
//!   `terraform.tfvars.json`, `*.auto.tfvars[.json]`), Terraform's order, loading with a 4 MiB cap.
//! - `hcl.rs`: HCL native syntax, parsed by hcl-rs (`hcl::edit`, whose spans give the line numbers), into the
//!   reader's blocks and expressions.
//! - `json.rs`: Terraform's JSON syntax, read with serde_json into the same blocks and expressions.
//! - `assemble.rs`: blocks to a [`Configuration`]: override files merged, provider blocks evaluated,
//!   `required_providers`, `cloud`/`backend "remote"`, and the providers resources use.
//! - `variables.rs`: each input variable's value by Terraform's precedence (default < `TF_VAR_` <
//!   `terraform.tfvars` < `terraform.tfvars.json` < `*.auto.tfvars[.json]` in lexical order).
//! - `expr.rs`: the expression model both syntaxes share and its evaluation: literals, templates, `var.*`,
//!   `path.module`, `file()`; everything else is [`Attr::Unreadable`] with the reason.
//! - `value.rs`: [`Value`], [`Text`] (redacted in `Debug`, wiped on drop), [`Attr`], [`Origin`].
//!
//! Override files (`override.tf`, `*_override.tf`, `.tf.json` forms) are read after the others and merged as
//! Terraform merges them: a `provider` block's (same name and alias) or `variable` block's attributes replace the
//! original's of the same name, and its nested blocks replace the original's nested blocks of the same type; an
//! override `terraform` block replaces `required_providers` entries by name and the `cloud`/`backend` block.
//!
//! Nothing here panics on any input (the `preflight_config` fuzz target drives `parse`), and no configuration
//! text reaches a [`ReadError`] beyond the parser's own description and a position.

mod assemble;
mod brackets;
mod expr;
mod files;
mod hcl;
mod json;
mod value;
mod variables;

#[cfg(test)]
mod tests;

pub use files::{MAX_FILE_BYTES, MAX_FUNCTION_FILE_BYTES, load};
pub use value::{Attr, Origin, Text, Value, VarSource};

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Where something is written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file's name relative to the directory read, e.g. "providers.tf".
    pub file: String,
    /// 1-based; 0 when unknown (JSON files: serde_json gives no positions).
    pub line: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.file),
            line => write!(f, "{}:{line}", self.file),
        }
    }
}

/// The files of a root module, as loaded: names relative to the directory, and their bytes (which may hold
/// secrets: `Debug` shows names and lengths only).
#[derive(Default, Clone)]
pub struct Sources {
    /// `*.tf` and `*.tf.json`, primary files by name then override files by name (Terraform's order).
    pub tf: Vec<(String, Vec<u8>)>,
    /// `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars`, `*.auto.tfvars.json`, in precedence order.
    pub tfvars: Vec<(String, Vec<u8>)>,
}

/// The files may hold secrets (`client_secret = "..."`, a tfvars value): their bytes are wiped when dropped.
impl Drop for Sources {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        for (_, bytes) in self.tf.iter_mut().chain(self.tfvars.iter_mut()) {
            bytes.zeroize();
        }
    }
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes = |files: &[(String, Vec<u8>)]| -> Vec<(String, usize)> {
            files
                .iter()
                .map(|(name, bytes)| (name.clone(), bytes.len()))
                .collect()
        };
        f.debug_struct("Sources")
            .field("tf", &sizes(&self.tf))
            .field("tfvars", &sizes(&self.tfvars))
            .finish()
    }
}

/// What a root module says about its providers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// The `.tf` and `.tf.json` files read, in the order read.
    pub files: Vec<String>,
    /// The `terraform { required_providers { ... } }` entries.
    pub required: Vec<Required>,
    /// Every provider block, in file order (an override file's blocks merged into the ones they override).
    pub providers: Vec<ProviderBlock>,
    /// Local provider names the resources, data sources, ephemeral resources and module calls use (the `provider`
    /// meta-argument, else the type's prefix before the first `_`), deduplicated and sorted.
    pub used: Vec<String>,
    /// A `terraform { cloud { ... } }` block or `backend "remote"`: plans run in HCP Terraform, with its
    /// credentials, not the ones found here.
    pub runs_elsewhere: Option<Elsewhere>,
    /// The declared input variables' names, sorted (for messages).
    pub variables: Vec<String>,
}

/// One `required_providers` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Required {
    /// The local name (`aws` in `aws = { source = "hashicorp/aws" }`).
    pub local: String,
    /// The source address, normalized and lower-case: "registry.terraform.io/hashicorp/aws". `aws`,
    /// `hashicorp/aws`, the short form `aws = "~> 5.0"` and an entry with no `source` all become that; an address
    /// with a host only has its case folded.
    pub source: String,
    /// Where the entry is written.
    pub at: Location,
}

/// Where plans run when not here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    /// "cloud" or "backend \"remote\"".
    pub what: String,
    /// The organization named in the block (for `cloud`, else `TF_CLOUD_ORGANIZATION`), when readable.
    pub organization: Option<String>,
    /// Where the block is written.
    pub at: Location,
}

/// A `provider` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderBlock {
    /// The local name (the block's label).
    pub local: String,
    /// The `alias`, when the block has one (not repeated in `attributes`).
    pub alias: Option<String>,
    /// Where the block is written.
    pub at: Location,
    /// Every other attribute, evaluated.
    pub attributes: BTreeMap<String, Attr>,
    /// Nested blocks by type name, in the order written (`assume_role`, `features`...). A `dynamic "x"` block is
    /// kept as type "dynamic" with label "x"; its content is deeper than the reader goes.
    pub blocks: Vec<(String, NestedBlock)>,
}

/// A block nested in a provider block (one level; blocks nested deeper are not read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedBlock {
    /// Where the block is written.
    pub at: Location,
    /// The block's labels (none for ordinary nested blocks; `dynamic "assume_role"` has "assume_role").
    pub labels: Vec<String>,
    /// Its attributes, evaluated.
    pub attributes: BTreeMap<String, Attr>,
}

/// What kind of failure a [`ReadError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// The directory does not exist or is not a directory.
    NoDirectory,
    /// The directory has no `.tf` or `.tf.json` file.
    NoFiles,
    /// A file could not be read.
    Io,
    /// A file is larger than [`MAX_FILE_BYTES`].
    TooBig,
    /// A file is not valid HCL, JSON or UTF-8.
    Parse,
}

/// Why a configuration could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// What failed.
    pub kind: ReadErrorKind,
    /// The file and line, when the failure is in one.
    pub at: Option<Location>,
    /// One sentence, without control characters; for `Parse`, the parser's description and the column.
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{at}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ReadError {}

/// A file's text, or a `Parse` error naming the line of the first byte that is not UTF-8.
fn utf8<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, ReadError> {
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = &bytes[..error.valid_up_to()];
        let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
        ReadError {
            kind: ReadErrorKind::Parse,
            at: Some(Location {
                file: name.to_owned(),
                line: u32::try_from(line).unwrap_or(u32::MAX),
            }),
            message: "the file is not UTF-8 text".into(),
        }
    })
}

fn too_big(name: &str) -> ReadError {
    ReadError {
        kind: ReadErrorKind::TooBig,
        at: Some(Location {
            file: name.to_owned(),
            line: 0,
        }),
        message: format!("the file is larger than {} MiB", MAX_FILE_BYTES >> 20),
    }
}

/// A loaded file as text: within the size cap, and UTF-8.
fn text_of<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, ReadError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(name));
    }
    utf8(name, bytes)
}

/// Reads loaded sources. Pure: the file system is reached only through `read_file`, which `file("...")` calls
/// with the path as written (the caller resolves it). `env` answers `TF_VAR_<name>` and `TF_CLOUD_ORGANIZATION`.
pub fn parse(
    sources: &Sources,
    env: &dyn Fn(&str) -> Option<String>,
    read_file: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Result<Configuration, ReadError> {
    // Sorted here too (by the loader's own order), so sources built by hand are read in Terraform's order.
    let mut tf: Vec<&(String, Vec<u8>)> = sources.tf.iter().collect();
    tf.sort_by(|(a, _), (b, _)| files::config_order(a, b));
    let mut tfvars_files: Vec<&(String, Vec<u8>)> = sources.tfvars.iter().collect();
    tfvars_files.sort_by(|(a, _), (b, _)| files::tfvars_order(a, b));

    let mut parsed = Vec::with_capacity(tf.len());
    for (name, bytes) in &tf {
        let text = text_of(name, bytes)?;
        let blocks = if name.ends_with(".json") {
            json::parse_file(name, text)?
        } else {
            hcl::parse_file(name, text)?
        };
        parsed.push(assemble::FileBlocks {
            blocks,
            is_override: assemble::is_override(name),
        });
    }
    let mut tfvars = Vec::with_capacity(tfvars_files.len());
    for (name, bytes) in &tfvars_files {
        let text = text_of(name, bytes)?;
        let lines = if name.ends_with(".json") {
            json::parse_tfvars(name, text)?
        } else {
            hcl::parse_tfvars(name, text)?
        };
        tfvars.push((name.clone(), lines));
    }
    let names = tf.iter().map(|(name, _)| name.clone()).collect();
    Ok(assemble::configuration(
        names, parsed, &tfvars, env, read_file,
    ))
}

/// Loads and reads the root module in `dir`. `file("...")` reads paths relative to `dir` (Terraform runs there),
/// `~/` from `HOME` as `env` gives it, at most [`MAX_FUNCTION_FILE_BYTES`] each.
pub fn read(dir: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Configuration, ReadError> {
    let sources = load(dir)?;
    let read_file = |written: &str| -> Result<Vec<u8>, String> {
        let path = match written.strip_prefix("~/") {
            Some(rest) => Path::new(&env("HOME").ok_or("HOME is not set")?).join(rest),
            None => dir.join(written),
        };
        // Messages name the path as written, never the file's contents.
        files::read_capped(&path, written, MAX_FUNCTION_FILE_BYTES).map_err(|error| error.message)
    };
    parse(&sources, env, &read_file)
}
