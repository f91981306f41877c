//! Google Cloud as one vendor, as the google provider reaches it: any `gcp_*` input selects it, and so do the
//! provider's credential variables when nothing else names an endpoint; the credential configuration is read in
//! the provider's order; the endpoint is the configuration's STS token URL (federation) or its token URI (a key);
//! the check is its own (a token exchange, impersonation and IAM, not one OAuth2 client).

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::check::base::http;
use crate::check::inputs::env::{
    Env, environment_refusal, from_env, read_secret_file, refuse, shown_path,
};
use crate::check::inputs::given::Inputs;
use crate::check::inputs::request::{CheckRequest, Derived, Endpoint, VendorSettings};
use crate::check::inputs::validate::Problem;
use crate::check::report::words::Words;
use crate::check::report::{Findings, Outcome, Report};
use crate::check::vendors::google::config::{Config, MAX_CONFIG_BYTES, printable};
use crate::check::vendors::google::settings::{IAM_CREDENTIALS, RESOURCE_MANAGER, Settings};
use crate::check::vendors::vendor::{BoxFuture, Identity, OwnCheck, OwnIdentity, Vendor};
use crate::check::vendors::vendor_inputs::{Selected, VendorInputs};
use crate::surface::Input;
use crate::words;

/// The vendor id.
pub const ID: &str = "google";

/// The inputs that select Google Cloud.
const GOOGLE_INPUTS: [Input; 4] = [
    Input::GcpCredentialsFile,
    Input::GcpServiceAccount,
    Input::GcpProject,
    Input::GcpApiUrl,
];

/// Google Cloud.
pub struct Google;

impl VendorInputs for Google {
    fn id(&self) -> &'static str {
        ID
    }

    fn reads(&self) -> &'static [Input] {
        // IAM permissions are asked of the project (testIamPermissions).
        &[Input::RequiredPermissions]
    }

    fn validate(&self, inputs: &Inputs) -> Vec<Problem> {
        let mut problems = Vec::new();
        if let Some(account) = inputs.text(Input::GcpServiceAccount)
            && !is_email(account.trim())
        {
            problems.push(Problem::new(
                Input::GcpServiceAccount,
                words![Input::GcpServiceAccount, " is not a service account's email"],
                words![
                    "A service account is named by its email, e.g. deploy@my-project.iam.gserviceaccount.com \
                     (IAM > Service accounts)."
                ],
            ));
        }
        let theirs = [
            Input::TokenUrl,
            Input::Issuer,
            Input::GenesysRegion,
            Input::EntraTenantId,
            Input::AwsRegion,
            Input::AwsStsUrl,
        ];
        if inputs.is_set(Input::GcpCredentialsFile)
            && let Some(other) = theirs.into_iter().find(|i| inputs.is_set(*i))
        {
            problems.push(Problem::new(
                Input::GcpCredentialsFile,
                words![
                    "Conflicting endpoint inputs: ",
                    Input::GcpCredentialsFile,
                    " and ",
                    other
                ],
                words![
                    Input::GcpCredentialsFile,
                    " makes this a Google Cloud check; ",
                    other,
                    " names another endpoint. Check each identity in its own data source or command."
                ],
            ));
        }
        problems
    }

    fn select(
        &self,
        inputs: &Inputs,
        env: Env<'_>,
        from_env: bool,
    ) -> Option<Result<Selected, Box<Report>>> {
        let named = GOOGLE_INPUTS.iter().any(|i| inputs.is_set(*i));
        if from_env {
            // The google provider's own variables make a check with no other endpoint a Google Cloud one.
            from_env_config(env)?;
        } else if !named {
            return None;
        }
        Some(selected(inputs, env))
    }

    fn own_inputs(
        &self,
        inputs: &Inputs,
        env: Env<'_>,
        settings: Option<&mut VendorSettings>,
    ) -> Result<(), Box<Report>> {
        let Some(settings) = settings else {
            return refuse_ignored(inputs);
        };
        let secrets: Vec<crate::check::base::secret::Secret> = settings
            .get::<Settings>()
            .map(|s| s.config.secrets().into_iter().cloned().collect())
            .unwrap_or_default();
        settings.hold_secrets(&secrets.iter().collect::<Vec<_>>());
        if let Some(ours) = settings.get_mut::<Settings>() {
            ours.required_permissions = inputs
                .list(Input::RequiredPermissions)
                .map(<[String]>::to_vec)
                .unwrap_or_default();
            ours.project = inputs
                .text(Input::GcpProject)
                .map(|p| p.trim().to_string())
                .or_else(|| from_env(Input::GcpProject, env).map(|(_, p)| p.trim().to_string()))
                .or_else(|| match &ours.config {
                    Config::ServiceAccount(key) => key.project_id.clone(),
                    _ => None,
                });
            if !ours.required_permissions.is_empty() && ours.project.is_none() {
                return Err(refuse(
                    Input::GcpProject,
                    words![
                        Input::RequiredPermissions,
                        " needs a project to ask: set ",
                        Input::GcpProject
                    ],
                    words![
                        "IAM permissions are held on a resource; authcheck asks the project \
                         (projects.testIamPermissions). Set ",
                        Input::GcpProject,
                        " or GOOGLE_PROJECT."
                    ],
                ));
            }
        }
        Ok(())
    }

    fn is_oauth_client(&self) -> bool {
        false
    }
}

impl Vendor for Google {
    fn identity(&self) -> Identity {
        Identity::Own(&Google)
    }

    fn prewarm(
        &self,
        request: &CheckRequest,
        client: &reqwest::Client,
        deadline: Instant,
    ) -> Option<JoinSet<()>> {
        let settings = request.vendor.get::<Settings>()?;
        // generateAccessToken needs one connection to IAM Credentials; projects.get and testIamPermissions run
        // side by side, so Resource Manager needs two (one when only the project is read). The same host (an
        // API URL given for both) serves them one after the other: the larger count is enough.
        let iam = usize::from(settings.service_account.is_some());
        let manager = match (&settings.project, settings.required_permissions.is_empty()) {
            (None, _) => 0,
            (Some(_), true) => 1,
            (Some(_), false) => 2,
        };
        let (iam_host, manager_host) = (
            format!("{}/", settings.iam_base),
            format!("{}/", settings.resource_manager_base),
        );
        let hosts = if iam_host == manager_host {
            vec![(iam_host.as_str(), iam.max(manager))]
        } else {
            vec![(iam_host.as_str(), iam), (manager_host.as_str(), manager)]
        };
        Some(http::prewarm_each(client, &hosts, deadline))
    }
}

impl OwnIdentity for Google {
    fn inputs(&self, request: &CheckRequest, found: &mut Findings) {
        crate::check::vendors::google::check::inputs(request, found);
    }

    fn check<'a>(&'a self, with: OwnCheck<'a>) -> BoxFuture<'a, Outcome> {
        crate::check::vendors::google::check::run(with)
    }
}

/// The configuration the provider's variables name, in its order: `GOOGLE_CREDENTIALS` (a path or the JSON),
/// `GOOGLE_CLOUD_KEYFILE_JSON`, `GCLOUD_KEYFILE_JSON`, then Application Default Credentials'
/// `GOOGLE_APPLICATION_CREDENTIALS`.
fn from_env_config(env: Env<'_>) -> Option<(&'static str, String)> {
    from_env(Input::GcpCredentialsFile, env)
}

/// The configuration, where it came from, and the settings so far.
/// The configuration's text, where it was read and the input to blame: `gcp_credentials_file`, else the first
/// of the provider's variables (GOOGLE_CREDENTIALS and its older names may hold the JSON itself).
fn configuration_text(
    inputs: &Inputs,
    env: Env<'_>,
) -> Result<(crate::check::base::secret::Secret, Words, Option<Input>), Box<Report>> {
    Ok(match inputs.text(Input::GcpCredentialsFile) {
        Some(path) => (
            read(
                path.trim(),
                words![Input::GcpCredentialsFile],
                Some(Input::GcpCredentialsFile),
            )?,
            words![Input::GcpCredentialsFile, format!(" ({})", path.trim())],
            Some(Input::GcpCredentialsFile),
        ),
        None => match from_env_config(env) {
            // Application Default Credentials read GOOGLE_APPLICATION_CREDENTIALS only as a path: JSON there
            // works for no client, so it is named before it is mistaken for a good configuration.
            Some(("GOOGLE_APPLICATION_CREDENTIALS", value))
                if value.trim_start().starts_with('{') =>
            {
                drop(crate::check::base::secret::Secret::new(value));
                return Err(refusal(
                    None,
                    words!["GOOGLE_APPLICATION_CREDENTIALS holds JSON, not a path"],
                    words![
                        "Client libraries, gcloud and the google provider read GOOGLE_APPLICATION_CREDENTIALS as \
                         the path of a credential file. Write the JSON to a file and name that file, or put the \
                         JSON in GOOGLE_CREDENTIALS, which the google provider reads as a path or the JSON itself."
                    ],
                ));
            }
            // GOOGLE_CREDENTIALS (and the provider's older names) may hold the JSON itself.
            Some((name, value)) if value.trim_start().starts_with('{') => (
                crate::check::base::secret::Secret::new(value),
                words![name],
                None,
            ),
            Some((name, path)) => (
                read(path.trim(), words![name], None)?,
                words![format!("{name} ({})", path.trim())],
                None,
            ),
            None => return Err(nothing_found(inputs)),
        },
    })
}

fn selected(inputs: &Inputs, env: Env<'_>) -> Result<Selected, Box<Report>> {
    let (text, from, blame) = configuration_text(inputs, env)?;
    let config = Config::parse(text.expose()).map_err(|why| {
        refusal(
            blame,
            words!["The Google credential configuration from ", from.clone(), " cannot be used"],
            words![
                from.clone(),
                format!(
                    " holds no credential configuration authcheck can check: {why}. google-github-actions/auth \
                     writes one (external_account); a key file is a service_account."
                )
            ],
        )
    })?;
    uninterpolated(&config, &from, blame)?;
    let (url, described) = match &config {
        Config::ExternalAccount(account) => (account.token_url.clone(), "Google STS".to_string()),
        Config::ServiceAccount(key) => (
            key.token_uri.clone(),
            "Google OAuth2 token endpoint".to_string(),
        ),
        Config::Impersonated { source, .. } => match source.as_ref() {
            Config::ExternalAccount(account) => {
                (account.token_url.clone(), "Google STS".to_string())
            }
            Config::ServiceAccount(key) => (
                key.token_uri.clone(),
                "Google OAuth2 token endpoint".to_string(),
            ),
            Config::Impersonated { .. } => {
                return Err(refusal(
                    blame,
                    words!["The Google credential configuration impersonates twice"],
                    words![
                        "Its source_credentials are themselves impersonated; give the first credentials."
                    ],
                ));
            }
        },
    };
    let api = inputs
        .text(Input::GcpApiUrl)
        .map(|u| u.trim().trim_end_matches('/').to_string())
        .or_else(|| {
            from_env(Input::GcpApiUrl, env).map(|(_, u)| u.trim().trim_end_matches('/').to_string())
        });
    let impersonation_input = inputs
        .text(Input::GcpServiceAccount)
        .is_some()
        .then_some(Input::GcpServiceAccount);
    let service_account = inputs
        .text(Input::GcpServiceAccount)
        .map(|s| s.trim().to_string())
        .or_else(|| from_env(Input::GcpServiceAccount, env).map(|(_, s)| s.trim().to_string()))
        .or_else(|| match &config {
            Config::ExternalAccount(account) => account.service_account.clone(),
            Config::Impersonated {
                service_account, ..
            } => Some(service_account.clone()),
            Config::ServiceAccount(_) => None,
        });
    let config_base = config.impersonation_base().map(str::to_string);
    let settings = Settings {
        config,
        from,
        blame,
        service_account,
        impersonation_input,
        project: None,
        required_permissions: Vec::new(),
        iam_base: api
            .clone()
            .or_else(|| config_base.clone())
            .unwrap_or_else(|| IAM_CREDENTIALS.to_string()),
        resource_manager_base: api.unwrap_or_else(|| RESOURCE_MANAGER.to_string()),
        notes: Vec::new(),
    };
    Ok(Selected {
        endpoint: Endpoint::Derived(Derived {
            url,
            named: words![Input::GcpCredentialsFile],
            blame: Input::GcpCredentialsFile,
            described,
        }),
        note: None,
        settings: VendorSettings::new(ID, settings),
    })
}

/// A configuration file's text (a secret: a key file holds the private key), bounded.
fn read(
    path: &str,
    named: Words,
    blame: Option<Input>,
) -> Result<crate::check::base::secret::Secret, Box<Report>> {
    let shown = shown_path(path);
    match read_secret_file(path, MAX_CONFIG_BYTES) {
        Ok(Some(text)) if text.expose().len() <= MAX_CONFIG_BYTES => Ok(text),
        Ok(Some(_)) => Err(refusal(
            blame,
            words![
                "The Google credential configuration ",
                named,
                " is too large"
            ],
            words![format!(
                "{shown} is larger than 256 KiB; a credential configuration is a few kilobytes."
            )],
        )),
        Ok(None) => Err(refusal(
            blame,
            words![format!(
                "The Google credential configuration {shown} does not exist"
            )],
            words![
                named,
                format!(
                    " names {shown}, which is not there where the check runs. In GitHub Actions, \
                     google-github-actions/auth writes it and exports GOOGLE_APPLICATION_CREDENTIALS: run the check \
                     after that step."
                )
            ],
        )),
        Err(why) => Err(refusal(
            blame,
            words![format!(
                "Cannot read the Google credential configuration {shown}: {why}"
            )],
            words![
                named,
                format!(" names {shown}; fix its permissions or the path.")
            ],
        )),
    }
}

/// A refusal blaming the input that named the configuration, or nothing when the environment did.
fn refusal(blame: Option<Input>, summary: Words, detail: Words) -> Box<Report> {
    match blame {
        Some(input) => refuse(input, summary, detail),
        None => environment_refusal(summary, detail),
    }
}

/// An audience or impersonation URL holding a literal `${ ... }`: a CI variable that was never interpolated.
fn uninterpolated(config: &Config, from: &Words, blame: Option<Input>) -> Result<(), Box<Report>> {
    let values: Vec<&str> = match config {
        Config::ExternalAccount(account) => {
            let mut v = vec![account.audience.as_str()];
            v.extend(account.service_account.as_deref());
            v
        }
        Config::Impersonated {
            service_account, ..
        } => vec![service_account.as_str()],
        Config::ServiceAccount(_) => Vec::new(),
    };
    let Some(value) = values.into_iter().find(|v| v.contains("${")) else {
        return Ok(());
    };
    Err(refusal(
        blame,
        words![
            "The Google credential configuration from ",
            from.clone(),
            " holds a CI variable that was never filled in"
        ],
        words![format!(
            "It says {:?}: a literal ${{ … }} the CI did not interpolate (in GitHub Actions, ${{{{ secrets.X }}}} \
             works only in the workflow file, and an unset secret becomes empty). Give the provider's full name, \
             //iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER.",
            printable(value)
        )],
    ))
}

fn nothing_found(inputs: &Inputs) -> Box<Report> {
    let summary = words!["No Google credentials: no credential configuration is named"];
    let detail = words![
        "Set ",
        Input::GcpCredentialsFile,
        " or, as the google provider reads them, GOOGLE_CREDENTIALS, GOOGLE_APPLICATION_CREDENTIALS (which \
         google-github-actions/auth sets). Instance metadata and gcloud's own login are not asked: a pipeline \
         off Google Cloud has neither."
    ];
    if inputs.is_set(Input::GcpServiceAccount) || inputs.is_set(Input::GcpProject) {
        environment_refusal(summary, detail)
    } else {
        refuse(Input::GcpCredentialsFile, summary, detail)
    }
}

/// Google inputs given to a check of another vendor: refused, since they would be ignored.
fn refuse_ignored(inputs: &Inputs) -> Result<(), Box<Report>> {
    let Some(input) = GOOGLE_INPUTS.iter().copied().find(|i| inputs.is_set(*i)) else {
        return Ok(());
    };
    Err(refuse(
        input,
        words![
            input,
            " is set, but this check's endpoint is not Google Cloud"
        ],
        words![
            input,
            " applies to Google Cloud checks, which any gcp_* input selects unless another endpoint input is set \
             too. Remove one of them."
        ],
    ))
}

fn is_email(text: &str) -> bool {
    let Some((name, domain)) = text.split_once('@') else {
        return false;
    };
    !name.is_empty()
        && domain.contains('.')
        && !text.contains(char::is_whitespace)
        && !text.contains('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_accounts_are_emails() {
        assert!(is_email("deploy@acme.iam.gserviceaccount.com"));
        assert!(!is_email("deploy"));
        assert!(!is_email("projects/-/serviceAccounts/x@y.z"));
    }
}
