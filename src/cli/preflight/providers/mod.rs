//! Which provider configurations a Terraform configuration holds, and for each the check its provider's way of
//! finding credentials amounts to: one file per provider family (`genesyscloud`, `azure`, `aws`, `google`),
//! each a table of the provider's identity attributes and a function from its block to the engine's inputs.
//!
//! Nothing here runs a check: a provider configuration becomes a [`Plan`] (inputs, values that stand in for the
//! provider's own variables, notes on what could not be read) or the reason it is not checked.

pub mod aws;
pub mod azure;
pub mod genesyscloud;
pub mod google;

use std::collections::BTreeMap;
use std::path::Path;

use crate::check::{Given, Inputs, Report, Secret, SecretOrigin, Words};
use crate::cli::preflight::read::{Attr, Configuration, Origin, ProviderBlock, Value, VarSource};
use crate::surface::Input;
use crate::words;

/// A provider family authcheck knows how to check.
#[derive(Debug)]
pub struct Kind {
    /// Registry addresses, lower case (`registry.terraform.io/hashicorp/aws`).
    pub sources: &'static [&'static str],
    /// How people name it (`AWS`).
    pub title: &'static str,
    /// Prefixes of the environment variables this provider reads; other families' variables are hidden from
    /// its check, so an `ARM_CLIENT_ID` never makes a Genesys check an Entra one.
    pub env_prefixes: &'static [&'static str],
    /// Variables of its own prefixes this provider does not read (azuread has no subscription).
    pub hides: &'static [&'static str],
    /// Provider attributes that become an engine input, for the report's words (`region` for `aws_region`).
    pub attributes: &'static [(&'static str, Input)],
    /// The check this provider's configuration amounts to.
    pub plan: fn(&Block<'_>) -> Plan,
}

/// Every family checked, in the order reports list them.
pub static KINDS: &[&Kind] = &[
    &genesyscloud::KIND,
    &azure::AZURERM,
    &azure::AZUREAD,
    &aws::KIND,
    &google::KIND,
];

/// Providers that hold no identity of their own: listed, never checked.
const NO_CREDENTIALS: &[&str] = &[
    "hashicorp/null",
    "hashicorp/random",
    "hashicorp/local",
    "hashicorp/tls",
    "hashicorp/http",
    "hashicorp/external",
    "hashicorp/time",
    "hashicorp/archive",
    "hashicorp/template",
    "hashicorp/cloudinit",
    "authcheck/authcheck",
];

/// One provider configuration: a `provider` block, or the empty default configuration Terraform makes for a
/// provider that is required or used with no block of its own.
#[derive(Debug)]
pub struct Configured {
    /// Local name (`aws`).
    pub local: String,
    /// Registry address (`registry.terraform.io/hashicorp/aws`).
    pub source: String,
    /// `alias`, when set.
    pub alias: Option<String>,
    /// Where the block is (`providers.tf:12`), or `None` for an implicit configuration.
    pub at: Option<String>,
    /// The family, when authcheck knows it.
    pub kind: Option<&'static Kind>,
    /// The block's index in the configuration, when there is one.
    block: Option<usize>,
}

impl Configured {
    /// `provider "aws"` or `provider "aws" (alias "eu")`: how a report names it.
    pub fn address(&self) -> String {
        match &self.alias {
            Some(alias) => format!("provider \"{}\" (alias \"{alias}\")", self.local),
            None => format!("provider \"{}\"", self.local),
        }
    }
}

/// The registry address a `required_providers` source or a bare local name stands for.
pub fn normalize_source(source: &str) -> String {
    let lower = source.trim().to_ascii_lowercase();
    match lower.matches('/').count() {
        0 => format!("registry.terraform.io/hashicorp/{lower}"),
        1 => format!("registry.terraform.io/{lower}"),
        _ => lower,
    }
}

/// Every provider configuration of `config`: each block, and an implicit default configuration for a
/// provider that is required or used but has no block.
pub fn configurations(config: &Configuration) -> Vec<Configured> {
    let source_of = |local: &str| {
        config
            .required
            .iter()
            .find(|r| r.local == local)
            .map(|r| normalize_source(&r.source))
            .unwrap_or_else(|| normalize_source(local))
    };
    // By the provider's type (the address's last part): a block with no required_providers entry implies
    // hashicorp/<name>, which for genesyscloud does not exist, yet the block is plainly meant for it.
    let kind_of = |source: &str| {
        let type_name = source.rsplit('/').next().unwrap_or(source);
        KINDS.iter().copied().find(|kind| {
            kind.sources
                .iter()
                .any(|s| s.rsplit('/').next() == Some(type_name))
        })
    };
    let mut out: Vec<Configured> = Vec::new();
    for (index, block) in config.providers.iter().enumerate() {
        let source = source_of(&block.local);
        out.push(Configured {
            kind: kind_of(&source),
            local: block.local.clone(),
            source,
            alias: block.alias.clone(),
            at: Some(format!("{}:{}", block.at.file, block.at.line)),
            block: Some(index),
        });
    }
    let mut locals: Vec<&str> = config.required.iter().map(|r| r.local.as_str()).collect();
    locals.extend(config.used.iter().map(String::as_str));
    locals.sort_unstable();
    locals.dedup();
    for local in locals {
        // Only a provider with no block at all gets the implicit default: with aliased blocks only, resources
        // name their alias, and a default configuration Terraform never makes must not fail the preflight.
        if config.providers.iter().any(|b| b.local == local) {
            continue;
        }
        let source = source_of(local);
        out.push(Configured {
            kind: kind_of(&source),
            local: local.to_string(),
            source,
            alias: None,
            at: None,
            block: None,
        });
    }
    out
}

/// Why a provider configuration is listed but not checked, when it is not one authcheck checks.
pub fn unchecked_reason(configured: &Configured) -> Option<String> {
    if configured.kind.is_some() {
        return None;
    }
    let short = configured
        .source
        .strip_prefix("registry.terraform.io/")
        .unwrap_or(&configured.source);
    if NO_CREDENTIALS.contains(&short) {
        return Some(format!("{short} holds no identity to check"));
    }
    Some(format!(
        "authcheck does not know how {short} finds its credentials (it checks genesyscloud, azurerm, azuread, aws \
         and google)"
    ))
}

/// A provider block as a family's plan function reads it.
pub struct Block<'a> {
    /// The block, or `None` for the implicit default configuration.
    pub block: Option<&'a ProviderBlock>,
    /// The root module's directory: relative paths in provider arguments are relative to it, as Terraform,
    /// started there, reads them.
    pub dir: &'a Path,
    /// The environment as this provider sees it (the real one; the runner hides other families' variables).
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// A value of a provider argument as the plan functions take it.
pub enum Arg {
    /// Text (numbers and booleans as Terraform would turn them into strings).
    Text(Secret),
    /// A list of texts.
    List(Vec<String>),
}

impl Block<'_> {
    fn attr(&self, name: &str) -> Option<&Attr> {
        self.block.and_then(|b| b.attributes.get(name))
    }

    fn nested(&self, block: &str, name: &str) -> Option<&Attr> {
        self.block?
            .blocks
            .iter()
            .find(|(kind, _)| kind == block)
            .and_then(|(_, nested)| nested.attributes.get(name))
    }

    /// True when a nested block of this type is present.
    pub fn has_block(&self, block: &str) -> bool {
        self.block
            .is_some_and(|b| b.blocks.iter().any(|(kind, _)| kind == block))
    }

    /// An environment variable, non-empty.
    pub fn env(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.trim().is_empty())
    }

    /// A path argument made absolute against the module's directory.
    pub fn path(&self, text: &str) -> String {
        let path = Path::new(text);
        if path.is_absolute() || text.starts_with('~') {
            text.to_string()
        } else {
            self.dir.join(path).to_string_lossy().into_owned()
        }
    }
}

/// What a family's plan function decided.
pub enum Plan {
    /// Check this.
    Check(Box<Prepared>),
    /// Listed, not checked, for this reason.
    NotChecked(String),
    /// The configuration cannot be checked as written (an argument names a variable nobody sets, a required
    /// argument is missing): the report says why; a usage error.
    Refused(Box<Report>),
}

/// A check ready to resolve: the engine's inputs, values standing in for the provider's own environment
/// variables, and notes for the report.
#[derive(Default)]
pub struct Prepared {
    /// The engine's inputs.
    pub inputs: Inputs,
    /// Provider arguments that have no engine input, given as the variable the provider reads instead
    /// (`access_key` as `AWS_ACCESS_KEY_ID`); they win over the real environment, as arguments do.
    pub overlay: BTreeMap<String, Secret>,
    /// What was not read, or read differently, said once at the top of this provider's report.
    pub notes: Vec<String>,
    /// Account ids the identity must (or must not) be in, beyond what one `aws_account_id` says.
    pub accounts: Accounts,
    /// The argument that gave each input (`assume_role_with_web_identity.role_arn`), for the report's words.
    pub given_by: BTreeMap<Input, String>,
}

/// `allowed_account_ids` and `forbidden_account_ids` of the aws provider.
#[derive(Debug, Default, Clone)]
pub struct Accounts {
    /// The identity must be in one of these (when not empty).
    pub allowed: Vec<String>,
    /// The identity must be in none of these.
    pub forbidden: Vec<String>,
}

/// The reading of one argument: its value, or why there is none.
pub enum Read {
    /// Not given in the block.
    Absent,
    /// Given and readable.
    Value(Arg, Origin),
    /// Given, but an expression that only Terraform can evaluate; the note says which.
    Unreadable(String),
}

impl Prepared {
    /// Records that `argument` gave `input`.
    pub fn given(&mut self, input: Input, argument: &str) {
        self.given_by.insert(input, argument.to_string());
    }

    /// Reads argument `name` (or `block.name` when `nested` is given), noting what cannot be read. A variable
    /// nobody sets refuses the whole check, blaming `input` (or, without one, naming the argument).
    pub fn read(
        &mut self,
        block: &Block<'_>,
        nested: Option<&str>,
        name: &str,
        input: Option<Input>,
    ) -> Result<Read, Box<Report>> {
        let attr = match nested {
            Some(outer) => block.nested(outer, name),
            None => block.attr(name),
        };
        let label = match nested {
            Some(outer) => format!("{outer}.{name}"),
            None => name.to_string(),
        };
        match attr {
            None => Ok(Read::Absent),
            Some(Attr::Known { value, from, .. }) => Ok(match arg(value) {
                Some(arg) => Read::Value(arg, from.clone()),
                None => Read::Absent,
            }),
            Some(Attr::Unreadable {
                expression,
                why,
                at,
            }) => {
                let note = format!(
                    "`{label} = {expression}` ({}:{}) is {why}, which only Terraform can evaluate: the check \
                     uses what the provider reads from the environment instead",
                    at.file, at.line
                );
                self.notes.push(note.clone());
                Ok(Read::Unreadable(note))
            }
            Some(Attr::Unset { variable, at }) => Err(Box::new(unset(
                &label,
                variable,
                &format!("{}:{}", at.file, at.line),
                input,
            ))),
        }
    }

    /// Reads a text argument into an engine input.
    pub fn text_input(
        &mut self,
        block: &Block<'_>,
        name: &str,
        input: Input,
    ) -> Result<bool, Box<Report>> {
        self.nested_text_input(block, None, name, input)
    }

    /// Reads a text argument (of a nested block, when given) into an engine input; a path argument is made
    /// absolute.
    pub fn nested_text_input(
        &mut self,
        block: &Block<'_>,
        nested: Option<&str>,
        name: &str,
        input: Input,
    ) -> Result<bool, Box<Report>> {
        match self.read(block, nested, name, Some(input))? {
            Read::Value(Arg::Text(text), _) => {
                let value = if is_path_input(input) {
                    block.path(text.expose())
                } else {
                    text.expose().to_string()
                };
                self.inputs.set(input, Given::Text(value));
                let label = nested.map_or(name.to_string(), |outer| format!("{outer}.{name}"));
                self.given(input, &label);
                Ok(true)
            }
            Read::Value(Arg::List(_), _) => {
                self.notes.push(format!(
                    "`{name}` is a list where text was expected; not read"
                ));
                Ok(false)
            }
            Read::Absent | Read::Unreadable(_) => Ok(false),
        }
    }

    /// Reads a secret argument into an engine input.
    pub fn secret_input(
        &mut self,
        block: &Block<'_>,
        name: &str,
        input: Input,
    ) -> Result<bool, Box<Report>> {
        match self.read(block, None, name, Some(input))? {
            Read::Value(Arg::Text(text), _) => {
                self.inputs
                    .set(input, Given::Secret(text, SecretOrigin::Input(input)));
                self.given(input, name);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Reads an argument into the variable the provider would otherwise read (`access_key` into
    /// `AWS_ACCESS_KEY_ID`); `path` arguments are made absolute.
    pub fn env_value(
        &mut self,
        block: &Block<'_>,
        nested: Option<&str>,
        name: &str,
        variable: &str,
        path: bool,
    ) -> Result<bool, Box<Report>> {
        match self.read(block, nested, name, None)? {
            Read::Value(Arg::Text(text), _) => {
                let value = if path {
                    Secret::new(block.path(text.expose()))
                } else {
                    text
                };
                self.overlay.insert(variable.to_string(), value);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Reads a boolean argument (`use_oidc = true`).
    pub fn flag(&mut self, block: &Block<'_>, name: &str) -> Result<Option<bool>, Box<Report>> {
        match self.read(block, None, name, None)? {
            Read::Value(Arg::Text(text), _) => Ok(match text.expose().trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            }),
            _ => Ok(None),
        }
    }

    /// Reads a list argument.
    pub fn list(
        &mut self,
        block: &Block<'_>,
        name: &str,
        input: Option<Input>,
    ) -> Result<Option<Vec<String>>, Box<Report>> {
        match self.read(block, None, name, input)? {
            Read::Value(Arg::List(items), _) => Ok(Some(items)),
            Read::Value(Arg::Text(text), _) => Ok(Some(vec![text.expose().to_string()])),
            _ => Ok(None),
        }
    }
}

/// Inputs that hold a path: a relative one is relative to the module's directory.
fn is_path_input(input: Input) -> bool {
    matches!(
        input,
        Input::Pkcs12File
            | Input::CertificateFile
            | Input::PrivateKeyFile
            | Input::FederatedTokenFile
            | Input::GcpCredentialsFile
    )
}

/// A value as text or a list of texts (numbers and booleans as Terraform converts them to strings).
fn arg(value: &Value) -> Option<Arg> {
    match value {
        Value::Text(text) => Some(Arg::Text(Secret::new(text.as_str()))),
        Value::Number(n) => Some(Arg::Text(Secret::new(n.clone()))),
        Value::Bool(b) => Some(Arg::Text(Secret::new(b.to_string()))),
        Value::List(items) => Some(Arg::List(
            items
                .iter()
                .filter_map(|item| match item {
                    Value::Text(text) => Some(text.as_str().to_string()),
                    Value::Number(n) => Some(n.clone()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => None,
                })
                .collect(),
        )),
        Value::Object(_) | Value::Null => None,
    }
}

/// Where a value came from, in a sentence (`TF_VAR_region`, `terraform.tfvars`).
pub fn origin_phrase(origin: &Origin) -> String {
    match origin {
        Origin::Literal => "written in the block".to_string(),
        Origin::Variable { name, from } => match from {
            VarSource::Env => format!("var.{name} from TF_VAR_{name}"),
            VarSource::Tfvars(file) => format!("var.{name} from {file}"),
            VarSource::Default => format!("var.{name}'s default"),
        },
        Origin::File { path } => format!("file(\"{path}\")"),
    }
}

/// The refusal of an argument that names a variable no one sets.
fn unset(label: &str, variable: &str, at: &str, input: Option<Input>) -> Report {
    let summary = words![format!(
        "`{label}` ({at}) uses var.{variable}, which is not set"
    )];
    let detail: Words = words![format!(
        "Terraform would stop here too (\"No value for required variable\"). Set TF_VAR_{variable}, add \
         {variable} = ... to terraform.tfvars or a *.auto.tfvars file, or give the variable a default."
    )];
    let mut report = Report::refused(summary, detail, input.unwrap_or(Input::ClientId));
    if input.is_none() {
        report.blame = None;
    }
    report
}

/// A refusal of this provider's configuration as written (a required argument missing), blaming `input`.
pub fn missing(summary: Words, detail: Words, input: Input) -> Plan {
    Plan::Refused(Box::new(Report::refused(summary, detail, input)))
}

/// The plan of one configuration.
pub fn plan_for(
    configured: &Configured,
    config: &Configuration,
    dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Plan {
    let Some(kind) = configured.kind else {
        return Plan::NotChecked(unchecked_reason(configured).unwrap_or_default());
    };
    let block = Block {
        block: configured.block.and_then(|i| config.providers.get(i)),
        dir,
        env,
    };
    (kind.plan)(&block)
}

/// True when `name` is one of another family's variables (or a generic authcheck fallback that would pick an
/// endpoint of its own), so the check of `kind` must not see it.
pub fn hidden_from(kind: &Kind, name: &str) -> bool {
    const GENERIC: &[&str] = &[
        "AUTHCHECK_CLIENT_ID",
        "AUTHCHECK_CLIENT_SECRET",
        "AUTHCHECK_TOKEN_URL",
        "AUTHCHECK_ISSUER",
    ];
    if GENERIC.contains(&name) || kind.hides.contains(&name) {
        return true;
    }
    let own = kind.env_prefixes.iter().any(|p| name.starts_with(p));
    !own && KINDS
        .iter()
        .flat_map(|k| k.env_prefixes.iter())
        .any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod naming {
    use super::*;

    #[test]
    fn sources_are_normalized_to_registry_addresses() {
        assert_eq!(
            normalize_source("aws"),
            "registry.terraform.io/hashicorp/aws"
        );
        assert_eq!(
            normalize_source("MyPureCloud/genesyscloud"),
            "registry.terraform.io/mypurecloud/genesyscloud"
        );
        assert_eq!(
            normalize_source("registry.terraform.io/hashicorp/google"),
            "registry.terraform.io/hashicorp/google"
        );
    }

    #[test]
    fn a_check_sees_only_its_own_familys_variables() {
        assert!(hidden_from(&aws::KIND, "ARM_CLIENT_ID"));
        assert!(hidden_from(&aws::KIND, "GENESYSCLOUD_REGION"));
        assert!(!hidden_from(&aws::KIND, "AWS_REGION"));
        assert!(!hidden_from(&aws::KIND, "HTTPS_PROXY"));
        assert!(hidden_from(&google::KIND, "AUTHCHECK_CLIENT_ID"));
        assert!(!hidden_from(&azure::AZURERM, "AZURE_FEDERATED_TOKEN_FILE"));
    }
}
