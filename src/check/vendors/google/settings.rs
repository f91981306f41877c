//! What a Google Cloud check knows beyond the generic request: the credential configuration and where it came
//! from, the service account to impersonate, the project, the permissions to ask about, and the API hosts.

use crate::check::report::reason::Status;
use crate::check::report::words::Words;
use crate::check::vendors::google::config::Config;
use crate::surface::Input;
use crate::words;

/// IAM Credentials' host (generateAccessToken).
pub const IAM_CREDENTIALS: &str = "https://iamcredentials.googleapis.com";
/// Resource Manager's host (projects.get, testIamPermissions).
pub const RESOURCE_MANAGER: &str = "https://cloudresourcemanager.googleapis.com";

/// A Google Cloud check's settings.
#[derive(Debug)]
pub struct Settings {
    /// The credential configuration.
    pub config: Config,
    /// Where it was read: `gcp_credentials_file`, or a variable.
    pub from: Words,
    /// The input to blame for it, when the check named it; none when the environment did.
    pub blame: Option<Input>,
    /// The service account to impersonate (`gcp_service_account`, else the configuration's).
    pub service_account: Option<String>,
    /// The input that named it, when one did (not a variable, not the configuration).
    pub impersonation_input: Option<Input>,
    /// The project permissions are asked of, and whose number is `account_id`.
    pub project: Option<String>,
    /// IAM permissions the identity must hold on the project.
    pub required_permissions: Vec<String>,
    /// IAM Credentials' base URL.
    pub iam_base: String,
    /// Resource Manager's base URL.
    pub resource_manager_base: String,
    /// What was noticed reading the inputs.
    pub notes: Vec<(Status, Words)>,
}

impl Settings {
    /// What to call where the configuration came from, for the inputs step.
    pub fn status_note(&self) -> (Status, Words) {
        (
            Status::Pass,
            words![
                "Google credentials: ",
                self.config.kind(),
                " from ",
                self.from.clone(),
                self.service_account
                    .as_ref()
                    .map(|s| format!(", impersonating {s}"))
                    .unwrap_or_default()
            ],
        )
    }
}
