//! Microsoft Entra ID as one vendor, as azurerm and azuread reach it: a tenant (given, or `ARM_TENANT_ID` /
//! `AZURE_TENANT_ID`) and a cloud name the v2.0 token endpoint; the credential is azurerm's when the check names
//! none; an RSA key signs PS256; once a token is issued, the principal's role on the subscription is read.

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::check::base::http;
use crate::check::exchange::interpret::context::Codes;
use crate::check::inputs::credential::keys::Alg;
use crate::check::inputs::env::{self, Env, from_env, refuse};
use crate::check::inputs::given::Inputs;
use crate::check::inputs::request::{CheckRequest, Derived, Endpoint, VendorSettings};
use crate::check::inputs::sources::Adopted;
use crate::check::report::{Findings, Outcome, Report};
use crate::check::vendors::entra::cloud::{self, Cloud, is_guid};
use crate::check::vendors::entra::{azurerm, codes, subscription};
use crate::check::vendors::vendor::{AfterToken, BoxFuture, FollowUp, Manner, Vendor};
use crate::check::vendors::vendor_inputs::{Selected, VendorInputs};
use crate::surface::Input;
use crate::words;

/// The vendor id.
pub const ID: &str = "entra";

/// Microsoft Entra ID.
pub struct Entra;

/// What an Entra ID check knows beyond the generic request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The tenant, a GUID or a domain, lower case.
    pub tenant: String,
    /// The cloud.
    pub cloud: Cloud,
    /// Base of the login host, e.g. `https://login.microsoftonline.com`.
    pub login_base: String,
    /// The subscription the principal must have a role on, and Resource Manager's base URL.
    pub subscription: Option<(String, String)>,
}

impl Settings {
    /// The tenant's token endpoint, named by the input to blame when it is unusable.
    fn selected(self) -> Selected {
        // `entra_login_url` was given when the login host is not the cloud's own.
        let blame = if self.login_base != self.cloud.login_base() {
            Input::EntraLoginUrl
        } else {
            Input::EntraTenantId
        };
        let endpoint = Endpoint::Derived(Derived {
            url: cloud::token_url(&self.login_base, &self.tenant),
            named: words![blame],
            blame,
            described: format!(
                "Microsoft Entra ID tenant {} ({} cloud): token endpoint",
                self.tenant,
                self.cloud.name()
            ),
        });
        Selected {
            endpoint,
            note: None,
            settings: VendorSettings::new(ID, self),
        }
    }
}

impl VendorInputs for Entra {
    fn id(&self) -> &'static str {
        ID
    }

    fn select(
        &self,
        inputs: &Inputs,
        env: Env<'_>,
        from_env: bool,
    ) -> Option<Result<Selected, Box<Report>>> {
        let settings = if from_env {
            let (name, tenant) = env::from_env(Input::EntraTenantId, env)?;
            endpoint(inputs, env, Some(tenant), Some(name))
        } else {
            if !(inputs.is_set(Input::EntraTenantId)
                || inputs.is_set(Input::EntraCloud)
                || inputs.is_set(Input::EntraLoginUrl))
            {
                return None;
            }
            match inputs.text(Input::EntraTenantId) {
                Some(tenant) => endpoint(inputs, env, Some(tenant.to_string()), None),
                None => match env::from_env(Input::EntraTenantId, env) {
                    Some((name, tenant)) => endpoint(inputs, env, Some(tenant), Some(name)),
                    None => endpoint(inputs, env, None, None),
                },
            }
        };
        Some(settings.map(Settings::selected))
    }

    fn adopt(&self, inputs: &mut Inputs, env: Env<'_>) -> Adopted {
        // An Entra check that names no credential checks the one azurerm would use.
        azurerm::adopt(inputs, env)
    }

    fn own_inputs(
        &self,
        inputs: &Inputs,
        env: Env<'_>,
        settings: Option<&mut VendorSettings>,
    ) -> Result<(), Box<Report>> {
        let ours = settings.and_then(VendorSettings::get_mut::<Settings>);
        let found = subscription(inputs, env, ours.as_ref().map(|s| s.cloud))?;
        if let Some(ours) = ours {
            ours.subscription = found;
        }
        Ok(())
    }

    fn default_scopes(&self, settings: &VendorSettings) -> Vec<String> {
        // Entra refuses a client-credentials request without a scope; Resource Manager's is the one azurerm
        // deploys with (its first token, at plan time, is Microsoft Graph's: set scopes to check that one).
        settings
            .get::<Settings>()
            .map(|s| vec![s.cloud.management_scope().to_string()])
            .unwrap_or_default()
    }
}

impl Vendor for Entra {
    fn manner(&self) -> Manner {
        Manner {
            rsa_alg: Some(Alg::Ps256),
            ..Manner::default()
        }
    }

    fn codes(&self) -> Option<&'static Codes> {
        Some(&codes::CODES)
    }

    fn prewarm(
        &self,
        request: &CheckRequest,
        client: &reqwest::Client,
        deadline: Instant,
    ) -> Option<JoinSet<()>> {
        // Resource Manager's connection, for the subscription read.
        let (id, base) = request.vendor.get::<Settings>()?.subscription.as_ref()?;
        Some(http::prewarm(
            client,
            &subscription::url(base, id),
            1,
            deadline,
        ))
    }

    fn after_token<'a>(&'a self, with: AfterToken<'a>) -> BoxFuture<'a, FollowUp> {
        Box::pin(async move {
            // Who the credentials are, as Entra ID names them: the application (client) id.
            let principal = with.scrub.quote_text(&with.request.client_id, 100);
            let Some((id, base)) = with
                .request
                .vendor
                .get::<Settings>()
                .and_then(|s| s.subscription.clone())
            else {
                return FollowUp {
                    scopes: None,
                    apply: Some(Box::new(
                        move |_: &CheckRequest, found: &mut Findings, _: &mut Outcome| {
                            found.principal = Some(principal);
                        },
                    )),
                };
            };
            let answer = subscription::read(
                with.client,
                &base,
                &id,
                with.token,
                with.deadline,
                with.scrub,
            )
            .await;
            FollowUp {
                scopes: None,
                apply: Some(Box::new(
                    move |request: &CheckRequest, found: &mut Findings, outcome: &mut Outcome| {
                        found.principal = Some(principal);
                        subscription::apply(request, &id, found, outcome, answer);
                    },
                )),
            }
        })
    }
}

/// The subscription to check after an Entra token: given (only with an Entra endpoint), or ARM_SUBSCRIPTION_ID
/// when the endpoint is Entra's; a subscription ID is a GUID.
fn subscription(
    inputs: &Inputs,
    env: Env<'_>,
    cloud: Option<Cloud>,
) -> Result<Option<(String, String)>, Box<Report>> {
    let Some(cloud) = cloud else {
        if inputs.text(Input::AzureSubscriptionId).is_some() {
            return Err(refuse(
                Input::AzureSubscriptionId,
                words![
                    Input::AzureSubscriptionId,
                    " applies to Microsoft Entra ID only"
                ],
                words![
                    "A subscription is checked with a Resource Manager token from Entra ID. Set ",
                    Input::EntraTenantId,
                    " (or ARM_TENANT_ID) for the service principal's tenant."
                ],
            ));
        }
        return Ok(None);
    };
    let (id, from) = match inputs.text(Input::AzureSubscriptionId) {
        Some(id) => (id.to_string(), None),
        None => match from_env(Input::AzureSubscriptionId, env) {
            Some((name, id)) => (id, Some(name)),
            None => return Ok(None),
        },
    };
    let id = id.trim().to_ascii_lowercase();
    if !is_guid(&id) {
        return Err(refuse(
            Input::AzureSubscriptionId,
            words![Input::AzureSubscriptionId, " is not a subscription ID"],
            words![format!(
                "A subscription ID is a GUID (8-4-4-4-12 hexadecimal digits){}; it is {id:?}. Copy it from the \
                 subscription's Overview page, not its name.",
                from.map(|n| format!(", here from {n}")).unwrap_or_default()
            )],
        ));
    }
    let base = env::given_or_env(inputs, Input::AzureManagementUrl, env).map_or_else(
        || cloud.management_base().to_string(),
        |u| u.trim().trim_end_matches('/').to_string(),
    );
    Ok(Some((id, base)))
}

/// An Entra endpoint: the tenant (given, or from the environment variable `from`), the cloud (given, else
/// ARM_ENVIRONMENT / AZURE_ENVIRONMENT, else public) and its login host unless `entra_login_url` says another.
fn endpoint(
    inputs: &Inputs,
    env: Env<'_>,
    tenant: Option<String>,
    from: Option<&'static str>,
) -> Result<Settings, Box<Report>> {
    let Some(tenant) = tenant else {
        return Err(refuse(
            Input::EntraTenantId,
            words!["No ", Input::EntraTenantId, " for the Entra ID endpoint"],
            words![
                "The token endpoint of Microsoft Entra ID is per tenant. Set ",
                Input::EntraTenantId,
                " (or ARM_TENANT_ID) to the tenant's ID or a verified domain."
            ],
        ));
    };
    let tenant = cloud::tenant(&tenant).map_err(|(summary, detail)| {
        let detail = match from {
            Some(name) => words![detail, format!(" (It came from {name}.)")],
            None => detail,
        };
        refuse(Input::EntraTenantId, summary, detail)
    })?;
    let cloud = match inputs
        .text(Input::EntraCloud)
        .map(|c| (None, c.to_string()))
        .or_else(|| from_env(Input::EntraCloud, env).map(|(n, c)| (Some(n), c)))
    {
        None => Cloud::Public,
        Some((name, text)) => Cloud::parse(&text).ok_or_else(|| {
            refuse(
                Input::EntraCloud,
                words![
                    Input::EntraCloud,
                    format!(" {:?} is not an Azure cloud", text.trim())
                ],
                words![format!(
                    "Use public, usgovernment or china{}.",
                    name.map(|n| format!(" (the value came from {n})"))
                        .unwrap_or_default()
                )],
            )
        })?,
    };
    let login_base = env::given_or_env(inputs, Input::EntraLoginUrl, env).map_or_else(
        || cloud.login_base().to_string(),
        |u| u.trim().trim_end_matches('/').to_string(),
    );
    Ok(Settings {
        tenant,
        cloud,
        login_base,
        subscription: None,
    })
}
