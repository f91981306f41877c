//! Where a check's credential material comes from: the private key and certificate (PEM, PKCS#12 file or
//! azurerm's base64 PKCS#12 variable) and the federated token (a variable, a file, or the CI's ID-token request).
//! Every refusal names the input to blame, and nothing read here is ever shown.

use crate::check::base::secret::Secret;
use crate::check::inputs::credential::federated::{AZURE_AUDIENCE, Federated};
use crate::check::inputs::credential::keys;
use crate::check::inputs::env::{Env, from_env, io_reason, refuse, shown_path, unset_variable};
use crate::check::inputs::given::Inputs;
use crate::check::inputs::request::KeyCredential;
use crate::check::report::Report;
use crate::check::report::words::{Place, Words};
use crate::surface::{Group, Input};
use crate::words;

/// What a vendor's Terraform provider's environment gave for the credential (azurerm's `ARM_*`): a neutral
/// note, a warning when something set is ignored, and where the credential is read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adopted {
    /// Which credential, from which variable.
    pub note: Option<Words>,
    /// A variable that would make one expect another credential.
    pub warning: Option<Words>,
    /// The variable holding the certificate as base64 PKCS#12 rather than a file (`ARM_CLIENT_CERTIFICATE`).
    pub pkcs12_base64: Option<&'static str>,
    /// The federated token comes from the CI's token service only (azurerm's OIDC with neither token nor token
    /// file: a Kubernetes token file beside it is azurerm's only with `ARM_USE_AKS_WORKLOAD_IDENTITY`).
    pub ci_request: bool,
    /// A credential lying in the environment that the provider will not use (summary, detail): said instead of
    /// "no credential" when nothing else is found.
    pub unheeded: Option<(Words, Words)>,
}

/// Reads a file for an input; unreadable is an input error naming the file.
fn read_file(input: Input, path: &str) -> Result<Vec<u8>, Box<Report>> {
    std::fs::read(path).map_err(|err| {
        let path = shown_path(path);
        Box::new(
            Report::refused(
                words![format!("Cannot read {path} ("), input, format!("): {}", io_reason(&err))],
                words![
                    input,
                    format!(
                        " is {path}; reading it failed ({}). Check the path (relative paths start in the directory \
                         the check runs in) and the file's permissions.",
                        io_reason(&err)
                    )
                ],
                input,
            )
            .with_usage(false),
        )
    })
}

fn key_refusal(input: Input, (summary, detail): keys::KeyError) -> Box<Report> {
    Box::new(Report::refused(summary, detail, input).with_usage(false))
}

/// azurerm's `ARM_CLIENT_CERTIFICATE`: a PKCS#12 file in standard base64 (line breaks allowed).
fn pkcs12_from_variable(
    name: &str,
    env: Env<'_>,
) -> Result<crate::check::base::secret::SecretBytes, Box<Report>> {
    use base64::Engine as _;
    let text = Secret::new(env(name).unwrap_or_default());
    let compact = Secret::concat(&text.expose().split_whitespace().collect::<Vec<_>>());
    base64::engine::general_purpose::STANDARD
        .decode(compact.expose())
        .map(secret_bytes)
        .map_err(|_| {
            key_refusal(
                Input::Pkcs12File,
                (
                    words![format!("{name} is not base64")],
                    words![format!(
                        "{name} holds the PKCS#12 (.pfx) file itself, base64-encoded as azurerm reads it (for \
                         example `base64 -w0 cert.pfx`); a path goes in ARM_CLIENT_CERTIFICATE_PATH."
                    )],
                ),
            )
        })
}

impl Inputs {
    /// The PKCS#12 password and the input that gave it (to blame when it does not open the file): the variable
    /// `pkcs12_password_env` names, else `pkcs12_password` or its fallbacks, else empty.
    fn pkcs12_password(&self, env: Env<'_>) -> Result<(Secret, Input), Box<Report>> {
        let Some(name) = self.text(Input::Pkcs12PasswordEnv) else {
            let password = match self.secret(Input::Pkcs12Password) {
                Some((secret, _)) => secret.clone(),
                None => Secret::new(
                    from_env(Input::Pkcs12Password, env)
                        .map(|(_, v)| v)
                        .unwrap_or_default(),
                ),
            };
            return Ok((password, Input::Pkcs12Password));
        };
        match env(name) {
            Some(value) => Ok((Secret::new(value), Input::Pkcs12PasswordEnv)),
            None => Err(unset_variable(
                Input::Pkcs12PasswordEnv,
                name,
                "is not set where the check runs.",
            )),
        }
    }

    /// The signing key and certificate, from a PKCS#12 file, a PEM file or inline PEM, and a certificate file.
    pub(super) fn key_credential(
        &self,
        env: Env<'_>,
        pkcs12_variable: Option<&str>,
    ) -> Result<Option<KeyCredential>, Box<Report>> {
        let pkcs12 = match (self.text(Input::Pkcs12File), pkcs12_variable) {
            (Some(path), _) => Some((
                secret_bytes(read_file(Input::Pkcs12File, path)?),
                Words::text(format!("PKCS#12 file {}", shown_path(path))),
            )),
            (None, Some(name)) => Some((
                pkcs12_from_variable(name, env)?,
                Words::text(format!("PKCS#12 in {name}")),
            )),
            (None, None) => None,
        };
        let (key, mut certs, origin, input) = if let Some((bytes, origin)) = pkcs12 {
            let (password, password_input) = self.pkcs12_password(env)?;
            let (key, certs) =
                keys::from_pkcs12(Input::Pkcs12File, bytes.expose(), &password, password_input)
                    .map_err(|(blame, e)| key_refusal(blame, e))?;
            (key, certs, origin, Input::Pkcs12File)
        } else if let Some(path) = self.text(Input::PrivateKeyFile) {
            let bytes = secret_bytes(read_file(Input::PrivateKeyFile, path)?);
            let text = std::str::from_utf8(bytes.expose()).map_err(|_| {
                key_refusal(
                    Input::PrivateKeyFile,
                    (
                        words![Input::PrivateKeyFile, " is not a PEM file"],
                        words![
                            "Give the key as PEM text; a .pfx goes in ",
                            Input::Pkcs12File,
                            "."
                        ],
                    ),
                )
            })?;
            let (key, certs) = keys::from_pem(Input::PrivateKeyFile, text)
                .map_err(|e| key_refusal(Input::PrivateKeyFile, e))?;
            (
                key,
                certs,
                Words::text(format!("file {}", shown_path(path))),
                Input::PrivateKeyFile,
            )
        } else if let Some((pem, _)) = self.secret(Input::PrivateKeyPem) {
            let (key, certs) = keys::from_pem(Input::PrivateKeyPem, pem.expose())
                .map_err(|e| key_refusal(Input::PrivateKeyPem, e))?;
            (
                key,
                certs,
                words![Place(Input::PrivateKeyPem)],
                Input::PrivateKeyPem,
            )
        } else {
            return Ok(None);
        };
        if let Some(path) = self.text(Input::CertificateFile) {
            let bytes = read_file(Input::CertificateFile, path)?;
            let text = String::from_utf8_lossy(&bytes);
            certs = keys::certificates_from_pem(Input::CertificateFile, &text)
                .map_err(|e| key_refusal(Input::CertificateFile, e))?;
        }
        Ok(Some(KeyCredential {
            key: std::sync::Arc::new(key),
            certificate: certs.into_iter().next(),
            origin,
            input,
        }))
    }

    /// Where the federated token comes from: a file, a variable, the azurerm/Kubernetes variables, or the
    /// GitHub Actions ID-token endpoint. `ci_request_only` when azurerm's OIDC would ask the CI's token service:
    /// a Kubernetes token file beside it is then not what azurerm uses.
    pub(super) fn federated_source(
        &self,
        env: Env<'_>,
        ci_request_only: bool,
    ) -> Result<Federated, Box<Report>> {
        if let Some(path) = self.text(Input::FederatedTokenFile) {
            return Ok(Federated::File(path.to_string()));
        }
        if let Some(name) = self.text(Input::FederatedTokenEnv) {
            return match env(name).filter(|v| !v.trim().is_empty()) {
                Some(value) => Ok(Federated::Value(Secret::new(value), name.to_string())),
                None => Err(unset_variable(
                    Input::FederatedTokenEnv,
                    name,
                    "is empty or not set where the check runs. In GitLab CI, declare it under id_tokens in the \
                     job.",
                )),
            };
        }
        let nonempty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        if let Some(value) = nonempty("ARM_OIDC_TOKEN") {
            return Ok(Federated::Value(
                Secret::new(value),
                "ARM_OIDC_TOKEN".to_string(),
            ));
        }
        for name in ["ARM_OIDC_TOKEN_FILE_PATH", "AZURE_FEDERATED_TOKEN_FILE"] {
            if let Some(path) = nonempty(name).filter(|_| !ci_request_only) {
                return Ok(Federated::File(path));
            }
        }
        let url =
            nonempty("ARM_OIDC_REQUEST_URL").or_else(|| nonempty("ACTIONS_ID_TOKEN_REQUEST_URL"));
        let token = nonempty("ARM_OIDC_REQUEST_TOKEN")
            .or_else(|| nonempty("ACTIONS_ID_TOKEN_REQUEST_TOKEN"));
        match (url, token) {
            (Some(url), Some(token)) => Ok(Federated::GithubActions {
                url,
                request_token: Secret::new(token),
                audience: self
                    .text(Input::FederatedTokenAudience)
                    .unwrap_or(AZURE_AUDIENCE)
                    .to_string(),
            }),
            // A GitHub Actions job without `permissions: id-token: write` gets no request variables at all.
            _ if env("GITHUB_ACTIONS").is_some_and(|v| v.trim() == "true") => Err(Box::new(
                Report::refused(
                    words![
                        "This GitHub Actions job may not request an ID token: ACTIONS_ID_TOKEN_REQUEST_URL is not \
                         set"
                    ],
                    words![
                        "GitHub sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN only in jobs \
                         whose permissions include id-token: write. Add `permissions: { id-token: write, contents: \
                         read }` to the job or the workflow (azure/login and azurerm need the same)."
                    ],
                    Input::FederatedTokenFile,
                )
                // The job's configuration, not the command line, is wrong.
                .with_usage(false),
            )),
            _ => Err(refuse(
                Input::FederatedTokenFile,
                words![
                    "No federated token: give ",
                    Group::FederatedSource,
                    ", or run in a job that may request one"
                ],
                words![
                    "federated authentication sends a JWT minted for this job. None was given (",
                    Group::FederatedSource,
                    "), and ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: in GitHub \
                     Actions the job needs `permissions: id-token: write`; in GitLab CI, declare the token under \
                     id_tokens and name its variable; in Kubernetes, mount the projected service account token \
                     (AZURE_FEDERATED_TOKEN_FILE)."
                ],
            )),
        }
    }
}

fn secret_bytes(bytes: Vec<u8>) -> crate::check::base::secret::SecretBytes {
    crate::check::base::secret::SecretBytes::new(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Reason;
    use crate::check::report::words::Plain;

    fn entra() -> Inputs {
        Inputs::new()
            .with_text(Input::ClientId, "6e8a1f3b-2c4d-4e5f-8a9b-0c1d2e3f4a5b")
            .with_text(Input::EntraTenantId, "contoso.onmicrosoft.com")
    }

    #[test]
    fn an_unreadable_files_name_is_shown_on_one_bounded_line() {
        // Found by the external_query fuzz target: a `pkcs12_file` naming a missing file whose name held DEL and
        // newlines; the refusal quoted the name as given, control characters and all.
        let name = format!("/nonexistent/a\u{7f}\u{1b}[2J\nb{}", "x".repeat(600));
        let report = Inputs::new()
            .with_text(Input::ClientId, "id")
            .with_text(Input::TokenUrl, "https://idp.example/token")
            .with_text(Input::Pkcs12File, &name)
            .resolve(&|_| None)
            .expect_err("refused");
        for text in [report.summary_in(&Plain), report.detail_in(&Plain)] {
            assert!(!text.contains(char::is_control), "{text:?}");
            assert!(text.contains("/nonexistent/a"), "{text:?}");
            assert!(text.chars().count() < 600, "{text:?}");
        }
    }

    #[test]
    fn an_arm_client_certificate_that_is_not_base64_is_refused_naming_the_variable() {
        let env = |name: &str| {
            (name == "ARM_CLIENT_CERTIFICATE").then(|| "not base64 at all!".to_string())
        };
        let report = entra().resolve(&env).expect_err("refused");
        assert_eq!(report.reason, Reason::InvalidInput);
        assert!(
            !report.usage,
            "the environment, not the command line, is wrong"
        );
        let text = report.summary_in(&Plain);
        assert!(
            text.contains("ARM_CLIENT_CERTIFICATE is not base64"),
            "{text}"
        );
    }

    #[test]
    fn a_wrong_pkcs12_password_blames_the_password_not_the_file() {
        use base64::Engine as _;
        let pfx = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/certs/bundle.pfx"),
        )
        .expect("fixture");
        let encoded = base64::engine::general_purpose::STANDARD.encode(pfx);
        let env = move |name: &str| match name {
            "ARM_CLIENT_CERTIFICATE" => Some(encoded.clone()),
            "ARM_CLIENT_CERTIFICATE_PASSWORD" => Some("wrong".to_string()),
            _ => None,
        };
        let report = entra().resolve(&env).expect_err("refused");
        assert_eq!(report.blame, Some(Input::Pkcs12Password));
        let env_ok = |name: &str| match name {
            "ARM_CLIENT_CERTIFICATE_PASSWORD" => Some("pfx-password".to_string()),
            _ => env(name),
        };
        let request = entra().resolve(&env_ok).expect("opens");
        let key = request.key.expect("a key");
        assert_eq!(
            key.origin.render(&Plain),
            "PKCS#12 in ARM_CLIENT_CERTIFICATE"
        );
        assert!(key.certificate.is_some());
    }

    #[test]
    fn oidc_without_the_aks_flag_requests_the_ci_token_even_beside_a_kubernetes_token_file() {
        // A GitHub runner in an AKS pod has AZURE_FEDERATED_TOKEN_FILE injected; azurerm reads it only with
        // ARM_USE_AKS_WORKLOAD_IDENTITY, so with ARM_USE_OIDC alone it uses the job's token.
        let env = |name: &str| match name {
            "ARM_USE_OIDC" => Some("true".to_string()),
            "AZURE_FEDERATED_TOKEN_FILE" => {
                Some("/var/run/secrets/azure/tokens/azure-identity-token".into())
            }
            "ACTIONS_ID_TOKEN_REQUEST_URL" => {
                Some("https://token.example/idtoken?api-version=2.0".into())
            }
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => Some("runtime-token".into()),
            _ => None,
        };
        let request = entra().resolve(&env).expect("resolves");
        assert!(
            matches!(request.federated, Some(Federated::GithubActions { .. })),
            "{:?}",
            request.federated.as_ref().map(Federated::describe)
        );
    }

    #[test]
    fn a_github_job_without_id_token_permission_is_told_so() {
        let env = |name: &str| match name {
            "ARM_USE_OIDC" | "GITHUB_ACTIONS" => Some("true".to_string()),
            _ => None,
        };
        let report = entra().resolve(&env).expect_err("no token");
        assert!(!report.usage);
        assert!(report.detail_in(&Plain).contains("id-token: write"));
    }
}
