//! The credential azurerm and azuread would use, read from their environment with their precedence, so that a
//! check of an Entra endpoint that names no credential itself checks exactly that one: client certificate
//! (`ARM_CLIENT_CERTIFICATE`, base64, before `ARM_CLIENT_CERTIFICATE_PATH`), then client secret (`ARM_CLIENT_SECRET`,
//! else the file `ARM_CLIENT_SECRET_FILE_PATH` names), then with `ARM_USE_OIDC` an OIDC token
//! (`ARM_OIDC_TOKEN`, `ARM_OIDC_TOKEN_FILE_PATH`, the CI's ID-token request), then with
//! `ARM_USE_AKS_WORKLOAD_IDENTITY` the Kubernetes token file. The first configured wins and errors do not fall
//! through (facts: machine-credentials.md 5a and 5b, go-azure-sdk `NewAuthorizerFromCredentials`), so a leftover
//! `ARM_CLIENT_SECRET` beats OIDC: that is pointed out.

use crate::check::inputs::given::{Given, Inputs};
use crate::check::inputs::sources::Adopted;
use crate::check::report::words::Words;
use crate::surface::Input;
use crate::words;

/// Inputs that name a credential: when one is given, the check uses it and azurerm's environment stays unread.
const CREDENTIAL_INPUTS: [Input; 10] = [
    Input::ClientSecret,
    Input::ClientSecretEnv,
    Input::ClientSecretFile,
    Input::ClientSecretStdin,
    Input::PrivateKeyFile,
    Input::PrivateKeyPem,
    Input::Pkcs12File,
    Input::FederatedTokenFile,
    Input::FederatedTokenEnv,
    Input::AuthMethod,
];

fn on(value: Option<String>) -> bool {
    value.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

/// Sets the credential inputs azurerm's environment names, for an Entra check that names none.
pub fn adopt(inputs: &mut Inputs, env: &dyn Fn(&str) -> Option<String>) -> Adopted {
    if CREDENTIAL_INPUTS.iter().any(|i| inputs.is_set(*i)) {
        return Adopted::default();
    }
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let use_oidc = on(set("ARM_USE_OIDC"));
    let mut adopted = Adopted::default();
    let secret_or_oidc = use_oidc
        || set("ARM_CLIENT_SECRET").is_some()
        || set("ARM_CLIENT_SECRET_FILE_PATH").is_some();
    // go-azure-sdk reads the certificate's bytes first and the path only when there are none.
    if set("ARM_CLIENT_CERTIFICATE").is_some() {
        adopted.pkcs12_base64 = Some("ARM_CLIENT_CERTIFICATE");
        adopted.note = Some(words![
            "client certificate from ARM_CLIENT_CERTIFICATE (base64 PKCS#12), as azurerm takes it"
        ]);
        if secret_or_oidc {
            adopted.warning = Some(words![
                "ARM_CLIENT_CERTIFICATE is set, so azurerm authenticates with the certificate and ignores \
                 ARM_CLIENT_SECRET and ARM_USE_OIDC; unset it to use those"
            ]);
        }
    } else if let Some(path) = set("ARM_CLIENT_CERTIFICATE_PATH") {
        inputs.set(Input::Pkcs12File, Given::Text(path));
        adopted.note = Some(words![
            "client certificate from ARM_CLIENT_CERTIFICATE_PATH, as azurerm takes it"
        ]);
        if secret_or_oidc {
            adopted.warning = Some(words![
                "ARM_CLIENT_CERTIFICATE_PATH is set, so azurerm authenticates with the certificate and ignores \
                 ARM_CLIENT_SECRET and ARM_USE_OIDC; unset it to use those"
            ]);
        }
    } else if set("ARM_CLIENT_SECRET").is_some() {
        inputs.set(
            Input::ClientSecretEnv,
            Given::Text("ARM_CLIENT_SECRET".into()),
        );
        adopted.note = Some(words![
            "client secret from ARM_CLIENT_SECRET, as azurerm takes it"
        ]);
        if use_oidc {
            adopted.warning = Some(words![
                "ARM_USE_OIDC is set, but a leftover ARM_CLIENT_SECRET wins in azurerm: this pipeline authenticates \
                 with the secret, not with OIDC. Unset ARM_CLIENT_SECRET to use OIDC"
            ]);
        }
    } else if let Some(path) = set("ARM_CLIENT_SECRET_FILE_PATH") {
        inputs.set(Input::ClientSecretFile, Given::Text(path));
        adopted.note = Some(words![
            "client secret from the file ARM_CLIENT_SECRET_FILE_PATH names, as azurerm takes it"
        ]);
        if use_oidc {
            adopted.warning = Some(words![
                "ARM_USE_OIDC is set, but a leftover ARM_CLIENT_SECRET_FILE_PATH wins in azurerm: this pipeline \
                 authenticates with the secret, not with OIDC. Unset it to use OIDC"
            ]);
        }
    } else if use_oidc {
        if set("ARM_OIDC_TOKEN").is_some() {
            inputs.set(
                Input::FederatedTokenEnv,
                Given::Text("ARM_OIDC_TOKEN".into()),
            );
            adopted.note = Some(words!["OIDC token from ARM_OIDC_TOKEN (ARM_USE_OIDC)"]);
        } else if let Some(path) = set("ARM_OIDC_TOKEN_FILE_PATH") {
            inputs.set(Input::FederatedTokenFile, Given::Text(path));
            adopted.note = Some(words![
                "OIDC token from ARM_OIDC_TOKEN_FILE_PATH (ARM_USE_OIDC)"
            ]);
        } else {
            inputs.set(Input::AuthMethod, Given::Text("federated".into()));
            adopted.ci_request = true;
            adopted.note = Some(words!["OIDC token requested from the CI (ARM_USE_OIDC)"]);
        }
    } else if let Some(path) = set("AZURE_FEDERATED_TOKEN_FILE") {
        if on(set("ARM_USE_AKS_WORKLOAD_IDENTITY")) {
            inputs.set(Input::FederatedTokenFile, Given::Text(path));
            adopted.note = Some(words![
                "Kubernetes token from AZURE_FEDERATED_TOKEN_FILE (ARM_USE_AKS_WORKLOAD_IDENTITY)"
            ]);
        } else {
            adopted.unheeded = Some(aks_token_unheeded(&path));
        }
    }
    adopted
}

/// An AKS pod's workload identity token that azurerm will not read: the webhook sets AZURE_FEDERATED_TOKEN_FILE
/// (with AZURE_CLIENT_ID and AZURE_TENANT_ID), but azurerm reads the file only when told to (facts:
/// machine-credentials.md 5b); without a secret, certificate or OIDC token it then tries the Azure CLI.
fn aks_token_unheeded(path: &str) -> (Words, Words) {
    (
        words![
            "A workload identity token is here (AZURE_FEDERATED_TOKEN_FILE), but azurerm will not use it without \
             ARM_USE_AKS_WORKLOAD_IDENTITY=true"
        ],
        words![format!(
            "The AKS workload identity webhook set AZURE_FEDERATED_TOKEN_FILE ({path}). azurerm and azuread read \
             that file only with ARM_USE_AKS_WORKLOAD_IDENTITY=true or use_aks_workload_identity = true in the \
             provider block; without it they find no client secret, certificate or OIDC token and try the Azure \
             CLI (az login), which this pod does not have, so the plan fails there. Set \
             ARM_USE_AKS_WORKLOAD_IDENTITY=true in this environment (or use_aks_workload_identity = true in the \
             provider block, and the variable here for the check), and the token is checked as azurerm will use \
             it."
        )],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_leftover_secret_wins_over_oidc_and_is_pointed_out() {
        let mut inputs = Inputs::new();
        let adopted = adopt(
            &mut inputs,
            &env_of(&[
                ("ARM_CLIENT_SECRET", "s"),
                ("ARM_USE_OIDC", "true"),
                ("ARM_OIDC_TOKEN", "t"),
            ]),
        );
        assert_eq!(
            inputs.text(Input::ClientSecretEnv),
            Some("ARM_CLIENT_SECRET")
        );
        assert!(adopted.warning.is_some());
    }

    #[test]
    fn the_certificate_comes_first_and_oidc_needs_use_oidc() {
        let mut inputs = Inputs::new();
        adopt(
            &mut inputs,
            &env_of(&[
                ("ARM_CLIENT_CERTIFICATE_PATH", "/x.pfx"),
                ("ARM_CLIENT_SECRET", "s"),
            ]),
        );
        assert_eq!(inputs.text(Input::Pkcs12File), Some("/x.pfx"));
        let mut inputs = Inputs::new();
        adopt(&mut inputs, &env_of(&[("ARM_OIDC_TOKEN", "t")]));
        assert!(
            !inputs.is_set(Input::FederatedTokenEnv),
            "ARM_OIDC_TOKEN alone is not used by azurerm"
        );
        let mut inputs = Inputs::new();
        adopt(
            &mut inputs,
            &env_of(&[("ARM_OIDC_TOKEN", "t"), ("ARM_USE_OIDC", "true")]),
        );
        assert_eq!(
            inputs.text(Input::FederatedTokenEnv),
            Some("ARM_OIDC_TOKEN")
        );
    }

    #[test]
    fn a_base64_certificate_comes_before_the_path_and_a_secret_is_pointed_out() {
        let mut inputs = Inputs::new();
        let adopted = adopt(
            &mut inputs,
            &env_of(&[
                ("ARM_CLIENT_CERTIFICATE", "MIIK"),
                ("ARM_CLIENT_CERTIFICATE_PATH", "/x.pfx"),
                ("ARM_CLIENT_SECRET", "s"),
            ]),
        );
        assert_eq!(adopted.pkcs12_base64, Some("ARM_CLIENT_CERTIFICATE"));
        assert!(!inputs.is_set(Input::Pkcs12File), "the path is not read");
        assert!(adopted.warning.is_some());
    }

    #[test]
    fn a_secret_file_counts_as_a_secret_and_still_beats_oidc() {
        let mut inputs = Inputs::new();
        let adopted = adopt(
            &mut inputs,
            &env_of(&[
                ("ARM_CLIENT_SECRET_FILE_PATH", "/run/secrets/arm"),
                ("ARM_USE_OIDC", "true"),
            ]),
        );
        assert_eq!(
            inputs.text(Input::ClientSecretFile),
            Some("/run/secrets/arm")
        );
        assert!(adopted.warning.is_some());
    }

    #[test]
    fn a_credential_given_as_input_leaves_the_environment_unread() {
        let mut inputs = Inputs::new().with_text(Input::ClientSecretEnv, "MY_SECRET");
        let adopted = adopt(
            &mut inputs,
            &env_of(&[("ARM_CLIENT_CERTIFICATE_PATH", "/x.pfx")]),
        );
        assert_eq!(adopted, Adopted::default());
        assert!(!inputs.is_set(Input::Pkcs12File));
    }

    #[test]
    fn the_webhooks_token_file_is_used_only_with_the_aks_variable_and_named_without_it() {
        let mut inputs = Inputs::new();
        let adopted = adopt(
            &mut inputs,
            &env_of(&[(
                "AZURE_FEDERATED_TOKEN_FILE",
                "/var/run/secrets/azure/tokens/azure-identity-token",
            )]),
        );
        assert!(!inputs.is_set(Input::FederatedTokenFile));
        assert!(adopted.unheeded.is_some());
        let mut inputs = Inputs::new();
        let adopted = adopt(
            &mut inputs,
            &env_of(&[
                (
                    "AZURE_FEDERATED_TOKEN_FILE",
                    "/var/run/secrets/azure/tokens/azure-identity-token",
                ),
                ("ARM_USE_AKS_WORKLOAD_IDENTITY", "true"),
            ]),
        );
        assert!(inputs.is_set(Input::FederatedTokenFile));
        assert!(adopted.unheeded.is_none());
    }
}
