//! The surface, declared once: every input and output of every face, with its name, kind, sensitivity,
//! description and where it appears.
//!
//! The plugin's schemas and config decoding, the state it writes, the CLI's flags and JSON keys, the external
//! program's query and output keys, the docs test and the vocabulary each face uses to name an input in advice
//! are all derived from [`INPUTS`] and [`OUTPUTS`]. Adding an attribute is one row here plus its behaviour in the
//! engine. The table is face-neutral: it says *that* an input is a CLI flag, not how the CLI parses it.

mod clouds;
mod outputs;
mod table;

pub use outputs::OUTPUTS;

/// Every input row, in documentation order: the generic and OAuth2 vendors' (`table.rs`), then the cloud
/// identities' (`clouds.rs`).
pub fn inputs() -> impl Iterator<Item = &'static InputSpec> {
    table::INPUTS.iter().chain(clouds::CLOUD_INPUTS)
}

/// A place an input or output can appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The `provider "authcheck"` block.
    Provider,
    /// `data "authcheck_client_credentials"`.
    DataSource,
    /// `ephemeral "authcheck_client_credentials"`.
    Ephemeral,
    /// `authcheck check` (flags for inputs, JSON keys for outputs).
    Cli,
    /// `authcheck external` (query keys for inputs, output keys for outputs).
    External,
}

/// A set of places, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Places(u8);

impl Places {
    /// The provider block.
    pub const PROVIDER: Places = Places(1);
    /// The data source.
    pub const DATA_SOURCE: Places = Places(2);
    /// The ephemeral resource.
    pub const EPHEMERAL: Places = Places(4);
    /// The CLI.
    pub const CLI: Places = Places(8);
    /// The external program.
    pub const EXTERNAL: Places = Places(16);
    /// Data source, ephemeral resource, CLI and external program: the per-check inputs and every output.
    pub const CHECK: Places = Places(2 | 4 | 8 | 16);
    /// Everywhere.
    pub const ALL: Places = Places(31);

    /// The union of two sets.
    pub const fn and(self, other: Places) -> Places {
        Places(self.0 | other.0)
    }

    /// The set without `other`.
    pub const fn without(self, other: Places) -> Places {
        Places(self.0 & !other.0)
    }

    /// True when `place` is in the set.
    pub const fn has(self, place: Place) -> bool {
        let bit = match place {
            Place::Provider => 1,
            Place::DataSource => 2,
            Place::Ephemeral => 4,
            Place::Cli => 8,
            Place::External => 16,
        };
        self.0 & bit != 0
    }
}

/// What kind of value an input takes; the generic validation rules and every face's decoding follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text (must not be empty or whitespace).
    Text,
    /// An absolute http(s) URL.
    Url,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// true or false.
    Bool,
    /// A whole number in a range.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A list of scope-like tokens (each non-empty, no whitespace).
    Tokens,
    /// PEM text.
    Pem,
    /// The name of an environment variable.
    EnvName,
    /// A file path.
    Path,
    /// Secret text (sensitive; never echoed).
    SecretText,
}

/// Inputs that replace each other as a group when a data source overrides the provider block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Not grouped: each input overrides on its own.
    None,
    /// Where the token endpoint comes from.
    Endpoint,
    /// Where the client secret comes from.
    SecretSource,
    /// Where the signing key comes from.
    KeySource,
    /// Where the federated token comes from.
    FederatedSource,
}

/// A command-line flag for an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// The long name, without the leading dashes.
    pub long: &'static str,
    /// The placeholder of its value; `None` for a switch.
    pub value: Option<&'static str>,
    /// The flag takes a file whose contents are the input (e.g. `--ca-cert-file` for `ca_cert_pem`).
    pub reads_file: bool,
    /// The help section it is listed under.
    pub heading: &'static str,
    /// Help text when it should differ from the row's description.
    pub help: Option<&'static str>,
}

/// Every input the faces can give the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    /// `client_id`.
    ClientId,
    /// `client_secret` (provider block, ephemeral resource; the CLI's standard input).
    ClientSecret,
    /// `client_secret_env`.
    ClientSecretEnv,
    /// `client_secret_file`.
    ClientSecretFile,
    /// `--client-secret-stdin` (CLI only).
    ClientSecretStdin,
    /// `token_url`.
    TokenUrl,
    /// `issuer`.
    Issuer,
    /// `genesys_region`.
    GenesysRegion,
    /// `genesys_api_url`.
    GenesysApiUrl,
    /// `genesys_login_url`.
    GenesysLoginUrl,
    /// `entra_tenant_id`: the Microsoft Entra tenant (GUID or domain).
    EntraTenantId,
    /// `entra_cloud`: public, usgovernment or china.
    EntraCloud,
    /// `entra_login_url`: override of the Entra login host.
    EntraLoginUrl,
    /// `azure_subscription_id`: a subscription the service principal must have a role on.
    AzureSubscriptionId,
    /// `azure_management_url`: override of the Resource Manager host.
    AzureManagementUrl,
    /// `auth_method`.
    AuthMethod,
    /// `scopes`.
    Scopes,
    /// `required_scopes`.
    RequiredScopes,
    /// `required_permissions`: Genesys Cloud permissions (`domain:entity:action`) the client must hold.
    RequiredPermissions,
    /// `genesys_resources`: genesyscloud resource or data source types whose permissions the client must hold.
    GenesysResources,
    /// `audience`.
    Audience,
    /// `resource`.
    Resource,
    /// `expected_organization`.
    ExpectedOrganization,
    /// `ca_cert_pem`.
    CaCertPem,
    /// `timeout_seconds`.
    TimeoutSeconds,
    /// `max_retries`.
    MaxRetries,
    /// `allow_http`.
    AllowHttp,
    /// `probe_other_regions`.
    ProbeOtherRegions,
    /// `fail_on_error` (a face setting: how a failed check is reported).
    FailOnError,
    /// `strict`: what cannot be verified fails (`unverifiable`) instead of warning.
    Strict,
    /// `private_key_file`: a PEM private key for private_key_jwt or mTLS.
    PrivateKeyFile,
    /// `private_key_pem`: the same, inline (provider block, ephemeral resource).
    PrivateKeyPem,
    /// `private_key_id`: the JWT header's `kid`.
    PrivateKeyId,
    /// `certificate_file`: the client certificate (PEM).
    CertificateFile,
    /// `pkcs12_file`: key and certificate in a `.pfx`.
    Pkcs12File,
    /// `pkcs12_password_env`: the name of the variable holding the `.pfx` password.
    Pkcs12PasswordEnv,
    /// `pkcs12_password`: the `.pfx` password, inline (provider block, ephemeral resource).
    Pkcs12Password,
    /// `signing_algorithm`: RS256, PS256, ES256, ES384 or HS256.
    SigningAlgorithm,
    /// `assertion_audience`: the client assertion's `aud`.
    AssertionAudience,
    /// `federated_token_file`: a file holding a federated JWT.
    FederatedTokenFile,
    /// `federated_token_env`: the name of a variable holding a federated JWT.
    FederatedTokenEnv,
    /// `federated_token_audience`: the audience to request a CI's ID token for.
    FederatedTokenAudience,
    /// `aws_region`: the region whose STS is asked; any `aws_*` input selects AWS.
    AwsRegion,
    /// `aws_sts_url`: an STS endpoint instead of the region's.
    AwsStsUrl,
    /// `aws_role_arn`: the IAM role to assume.
    AwsRoleArn,
    /// `aws_role_session_name`: the assumed role's session name.
    AwsRoleSessionName,
    /// `aws_profile`: a profile of the shared config and credentials files.
    AwsProfile,
    /// `aws_account_id`: the account the identity must be in.
    AwsAccountId,
    /// `gcp_credentials_file`: a Google credential configuration; any `gcp_*` input selects Google Cloud.
    GcpCredentialsFile,
    /// `gcp_service_account`: a service account to impersonate.
    GcpServiceAccount,
    /// `gcp_project`: the project permissions are checked on.
    GcpProject,
    /// `gcp_api_url`: a base URL for IAM Credentials and Resource Manager.
    GcpApiUrl,
}

/// One row of the input table.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    /// The key.
    pub input: Input,
    /// The attribute / query key / JSON name.
    pub name: &'static str,
    /// Its kind of value.
    pub kind: Kind,
    /// Never shown, logged or stored.
    pub sensitive: bool,
    /// The group it overrides with.
    pub group: Group,
    /// Where it appears (the CLI only through `flag`).
    pub places: Places,
    /// The description on the data source, ephemeral resource and external query.
    pub doc: &'static str,
    /// The provider block's description, when it differs.
    pub provider_doc: Option<&'static str>,
    /// Its command-line flag.
    pub flag: Option<Flag>,
    /// Environment variables the engine falls back to, in order.
    pub env: &'static [&'static str],
}

/// Every output, in documentation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Output {
    /// `valid`.
    Valid,
    /// `reason`.
    Reason,
    /// `summary`.
    Summary,
    /// `detail`.
    Detail,
    /// `token_url` (the endpoint used).
    TokenUrl,
    /// `auth_method_used`.
    AuthMethodUsed,
    /// `token_type`.
    TokenType,
    /// `expires_in`.
    ExpiresIn,
    /// `expires_at`.
    ExpiresAt,
    /// `granted_scopes`.
    GrantedScopes,
    /// `missing_scopes`.
    MissingScopes,
    /// `scopes_source`.
    ScopesSource,
    /// `missing_permissions`.
    MissingPermissions,
    /// `permissions_source`.
    PermissionsSource,
    /// `organization_id`.
    OrganizationId,
    /// `organization_name`.
    OrganizationName,
    /// `client_name`.
    ClientName,
    /// `principal`: who the credentials are, as the vendor names it.
    Principal,
    /// `account_id`: the account the identity belongs to.
    AccountId,
    /// `token_fingerprint`.
    TokenFingerprint,
    /// `checks`.
    Checks,
    /// `access_token` (ephemeral resource only).
    AccessToken,
}

/// The shape of an output value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutKind {
    /// true or false.
    Bool,
    /// Text, possibly absent.
    Text,
    /// A whole number, possibly absent.
    Int,
    /// A list of text.
    List,
    /// The list of check steps (`name`, `status`, `detail`).
    Checks,
}

/// One row of the output table.
#[derive(Debug, Clone, Copy)]
pub struct OutputSpec {
    /// The key.
    pub output: Output,
    /// The attribute / JSON key / external output key.
    pub name: &'static str,
    /// Its shape.
    pub kind: OutKind,
    /// Hidden by Terraform; never written by the CLI or the external program.
    pub sensitive: bool,
    /// Where it appears.
    pub places: Places,
    /// Its description.
    pub doc: &'static str,
    /// Its label among the facts of a human report, when it is one.
    pub fact: Option<&'static str>,
}

/// The row of an input.
pub fn input(input: Input) -> &'static InputSpec {
    inputs()
        .find(|row| row.input == input)
        .unwrap_or(&table::INPUTS[0])
}

/// The row of an output.
pub fn output(output: Output) -> &'static OutputSpec {
    OUTPUTS
        .iter()
        .find(|row| row.output == output)
        .unwrap_or(&OUTPUTS[0])
}

/// The input row with this name, if any.
pub fn input_named(name: &str) -> Option<&'static InputSpec> {
    inputs().find(|row| row.name == name)
}

/// The input rows that appear in `place`, in table order.
pub fn inputs_in(place: Place) -> impl Iterator<Item = &'static InputSpec> {
    inputs().filter(move |row| match place {
        Place::Cli => row.flag.is_some(),
        other => row.places.has(other),
    })
}

/// The output rows that appear in `place`, in table order.
pub fn outputs_in(place: Place) -> impl Iterator<Item = &'static OutputSpec> {
    OUTPUTS.iter().filter(move |row| row.places.has(place))
}

/// The inputs of a group, in table order.
pub fn group_members(group: Group) -> impl Iterator<Item = &'static InputSpec> {
    inputs().filter(move |row| row.group == group)
}

impl Input {
    /// The input's name (attribute, query key, JSON name).
    pub fn name(self) -> &'static str {
        input(self).name
    }
}

impl Output {
    /// The output's name.
    pub fn name(self) -> &'static str {
        output(self).name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_and_output_has_exactly_one_row_with_a_valid_name() {
        let mut names = std::collections::HashSet::new();
        for row in inputs() {
            assert_eq!(
                input(row.input).name,
                row.name,
                "{:?} has two rows",
                row.input
            );
            assert!(names.insert(row.name), "input name {} twice", row.name);
            assert!(
                row.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
            assert!(!row.doc.is_empty(), "{} has no description", row.name);
        }
        let mut names = std::collections::HashSet::new();
        for row in OUTPUTS {
            assert_eq!(output(row.output).name, row.name);
            assert!(names.insert(row.name), "output name {} twice", row.name);
            assert!(!row.doc.is_empty(), "{} has no description", row.name);
        }
    }

    #[test]
    fn no_secret_is_a_data_source_argument_a_flag_or_a_query_key() {
        for row in inputs().filter(|row| row.sensitive) {
            assert!(!row.places.has(Place::DataSource), "{}", row.name);
            assert!(!row.places.has(Place::External), "{}", row.name);
            assert!(row.flag.is_none(), "{}", row.name);
        }
        for row in OUTPUTS.iter().filter(|row| row.sensitive) {
            assert!(!row.places.has(Place::DataSource), "{}", row.name);
            assert!(!row.places.has(Place::Cli), "{}", row.name);
            assert!(!row.places.has(Place::External), "{}", row.name);
        }
    }

    #[test]
    fn flags_are_unique_and_kebab_case() {
        let mut longs = std::collections::HashSet::new();
        for flag in inputs().filter_map(|row| row.flag) {
            assert!(longs.insert(flag.long), "--{} twice", flag.long);
            assert!(
                flag.long
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            );
        }
    }
}
