//! The Entra test IdP's apps and the azurerm environment shared by the Entra tests: who is registered with
//! which credential, how a command gets exactly azurerm's variables, and what must never be shown.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use authcheck::demo::idp::{
    ACTIONS_REQUEST_TOKEN, Behavior, Client, ENTRA_TEST_SUBSCRIPTION, ENTRA_TEST_TENANT, Flavor,
    GITHUB_ISSUER, Idp, IdpConfig, RegisteredKey,
};

use super::terraform::secret_forms;

pub const APP: &str = "6e8a1f3b-2c4d-4e5f-8a9b-0c1d2e3f4a5b";
pub const EXPIRED_APP: &str = "7f9b2a4c-3d5e-4f60-9b8c-1d2e3f4a5b6c";
/// An app whose certificate is the one in tests/fixtures/certs/bundle.pfx.
pub const CERT_APP: &str = "3a5c7e9b-0d2f-4a4c-8e6a-9b1d3f5a7c9e";
/// An app whose only certificate is another one (renewed, but the new one never uploaded).
pub const RENEWED_APP: &str = "4b6d8f0a-1e3a-4b5d-9f7b-0c2e4a6b8d0f";
/// An app with the bundle's certificate whose server clock runs two hours ahead of this machine's.
pub const LATE_APP: &str = "1d3f5b7d-8e0a-4c2e-b4d6-f8a0c2e4a6b8";
pub const GITHUB_APP: &str = "8a0c3b5d-4e6f-4071-8c9d-2e3f4a5b6c7d";
pub const AKS_APP: &str = "5c7e9a1b-2f4b-4c6e-8a0c-1d3f5b7d9e1a";
pub const GITLAB_APP: &str = "2e4a6c8e-9f1b-4d3f-a5c7-e9b1d3f5a7c9";
pub const GITLAB_ISSUER: &str = "https://gitlab.com";
pub const GITLAB_SUBJECT: &str = "project_path:octo-group/infra:ref_type:branch:ref:main";
/// An app whose service principal has a role on the test subscription.
pub const DEPLOYER_APP: &str = "9b1d4c6e-5f70-4182-9dae-3f4a5b6c7d8e";
pub const SECRET: &str = "Xq8~entra-secret-value-2f6d9a1c";
pub const PFX_PASSWORD: &str = "pfx-password";
pub const EXCHANGE: &str = "api://AzureADTokenExchange";
pub const BRANCH_SUBJECT: &str = "repo:octo-org/deploy:ref:refs/heads/main";
pub const AKS_ISSUER: &str = "https://westeurope.oic.prod-aks.azure.com/8d1f5c2a-3b4e-4f60-9a7b-1c2d3e4f5a6b/2f4e6a8c-0b1d-4e3f-a5c7-9e1b3d5f7a9c/";
pub const OTHER_CLUSTER: &str = "https://westeurope.oic.prod-aks.azure.com/8d1f5c2a-3b4e-4f60-9a7b-1c2d3e4f5a6b/0a2c4e6f-8b1d-4f3a-b5c7-d9e1f3a5b7c9/";
pub const SERVICE_ACCOUNT: &str = "system:serviceaccount:deploy:terraform";
/// `{"alg":` in base64url: the start of every JWT (assertions, ID tokens, the test IdP's access tokens).
pub const JWT_START: &str = "eyJhbGciOi";

pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

pub fn read(path: &str) -> String {
    std::fs::read_to_string(fixture(path)).expect("fixture")
}

pub async fn idp() -> Idp {
    let bundle_key = RegisteredKey::from_pem(
        &read("keys/rsa-2048.pem"),
        None,
        Some(&read("certs/rsa-2048.crt")),
    )
    .expect("bundle key");
    let other_key = RegisteredKey::from_pem(
        &read("certs/selfsigned-client-key.pem"),
        None,
        Some(&read("certs/selfsigned-client.pem")),
    )
    .expect("other key");
    Idp::start(IdpConfig {
        clients: vec![
            Client::new(APP, SECRET),
            Client::new(EXPIRED_APP, SECRET).behavior(Behavior::SecretExpired),
            Client::new(DEPLOYER_APP, SECRET).subscription_role(ENTRA_TEST_SUBSCRIPTION),
            Client::new(CERT_APP, "no-secret-for-this-app").registered_key(bundle_key.clone()),
            Client::new(RENEWED_APP, "no-secret-for-this-app").registered_key(other_key),
            Client::new(LATE_APP, "no-secret-for-this-app")
                .registered_key(bundle_key.clone())
                .clock_ahead(7200),
            Client::new(GITHUB_APP, "no-secret-for-this-app")
                .federated_credential(GITHUB_ISSUER, BRANCH_SUBJECT, EXCHANGE)
                .subscription_role(ENTRA_TEST_SUBSCRIPTION),
            Client::new(GITLAB_APP, "no-secret-for-this-app")
                .federated_credential(GITLAB_ISSUER, GITLAB_SUBJECT, EXCHANGE)
                .subscription_role(ENTRA_TEST_SUBSCRIPTION),
            Client::new(AKS_APP, "no-secret-for-this-app").federated_credential(
                AKS_ISSUER,
                SERVICE_ACCOUNT,
                EXCHANGE,
            ),
        ],
        flavor: Flavor::Entra,
        max_lifetime: Duration::from_secs(300),
    })
    .await
    .expect("entra idp")
}

/// What must never be shown: the secret in every form, the PKCS#12 password and bytes, the runner's token, any
/// JWT (assertion, ID token, access token), and every secret, password, certificate or token value the scenario
/// itself sets (a wrong one is as secret as a right one).
pub fn forbidden(env: &[(&'static str, String)]) -> Vec<String> {
    use base64::Engine as _;
    let pfx_base64 = base64::engine::general_purpose::STANDARD
        .encode(std::fs::read(fixture("certs/bundle.pfx")).expect("pfx"));
    let mut never = secret_forms(APP, SECRET);
    never.extend([
        PFX_PASSWORD.to_string(),
        pfx_base64[40..100].to_string(),
        ACTIONS_REQUEST_TOKEN.to_string(),
        JWT_START.to_string(),
    ]);
    for (name, value) in env {
        let secret = ["SECRET", "PASSWORD", "TOKEN", "CERTIFICATE"]
            .iter()
            .any(|word| name.contains(word))
            && !["_PATH", "_FILE", "_URL"]
                .iter()
                .any(|tail| name.ends_with(tail));
        if secret && value.len() >= 6 {
            never.extend(secret_forms("-", value).into_iter().take(2));
        }
    }
    never
}

/// Variables from the machine running the tests that would change the endpoint, or which credential azurerm's
/// order picks.
pub const CLEARED: &[&str] = &[
    "AUTHCHECK_TOKEN_URL",
    "AUTHCHECK_ISSUER",
    "AUTHCHECK_CLIENT_ID",
    "AUTHCHECK_CLIENT_SECRET",
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "GENESYSCLOUD_REGION",
    "ARM_CLIENT_ID",
    "ARM_CLIENT_SECRET",
    "ARM_CLIENT_SECRET_FILE_PATH",
    "ARM_CLIENT_CERTIFICATE",
    "ARM_CLIENT_CERTIFICATE_PATH",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
    "ARM_USE_OIDC",
    "ARM_OIDC_TOKEN",
    "ARM_OIDC_TOKEN_FILE_PATH",
    "ARM_OIDC_REQUEST_URL",
    "ARM_OIDC_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ARM_USE_AKS_WORKLOAD_IDENTITY",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "ARM_SUBSCRIPTION_ID",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
];

pub fn azurerm_env(command: &mut Command, env: &[(&'static str, String)]) {
    for name in CLEARED {
        command.env_remove(name);
    }
    command.env("ARM_TENANT_ID", ENTRA_TEST_TENANT);
    command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
}

/// A fresh directory for token files, one per test process.
pub fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "authcheck-entra-credentials-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

pub fn all_text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn leaks(name: &str, env: &[(&'static str, String)], what: &str, text: &str) -> Vec<String> {
    forbidden(env)
        .iter()
        .filter(|never| text.contains(never.as_str()))
        .map(|never| format!("{name}: {what} shows {never:?}"))
        .collect()
}
