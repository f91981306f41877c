//! Microsoft Entra ID as azurerm and azuread reach it: the clouds (login host, Resource Manager scope), the
//! tenant as those providers take it (a GUID or a verified domain), and the v2.0 token endpoint
//! `https://<login host>/<tenant>/oauth2/v2.0/token`. Facts: machine-credentials.md sections 3a and 5b
//! (go-azure-sdk `environments/*.go`, azurerm and azuread `provider.go`).

use crate::check::report::words::Words;
use crate::surface::Input;
use crate::words;

/// A national cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    /// Azure public (`public`, azuread's `global`).
    Public,
    /// Azure US Government (`usgovernment`, azuread's `usgovernmentl4`; `usgovernmentl5` / `dod` share its hosts).
    UsGovernment,
    /// Azure operated by 21Vianet (`china`).
    China,
}

impl Cloud {
    /// The cloud an `entra_cloud` or `ARM_ENVIRONMENT` value names, in azurerm's and azuread's spellings.
    pub fn parse(text: &str) -> Option<Cloud> {
        match text.trim().to_ascii_lowercase().as_str() {
            "public" | "global" | "azurecloud" | "azurepubliccloud" => Some(Cloud::Public),
            "usgovernment"
            | "usgovernmentl4"
            | "usgovernmentl5"
            | "dod"
            | "azureusgovernment"
            | "azureusgovernmentcloud" => Some(Cloud::UsGovernment),
            "china" | "azurechinacloud" => Some(Cloud::China),
            _ => None,
        }
    }

    /// The name authcheck uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::UsGovernment => "usgovernment",
            Cloud::China => "china",
        }
    }

    /// The login host's base URL.
    pub fn login_base(self) -> &'static str {
        match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::UsGovernment => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// Resource Manager's base URL.
    pub fn management_base(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com",
            Cloud::UsGovernment => "https://management.usgovcloudapi.net",
            Cloud::China => "https://management.chinacloudapi.cn",
        }
    }

    /// The scope of a Resource Manager token, which azurerm asks for.
    pub fn management_scope(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com/.default",
            Cloud::UsGovernment => "https://management.usgovcloudapi.net/.default",
            Cloud::China => "https://management.chinacloudapi.cn/.default",
        }
    }
}

/// True for the 8-4-4-4-12 hexadecimal form of a GUID.
pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// True for a DNS name a tenant can be verified under (`contoso.onmicrosoft.com`).
fn is_domain(text: &str) -> bool {
    text.contains('.')
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Checks a tenant before anything is sent: a GUID or a domain; `common`, `organizations` and `consumers` name
/// no tenant a client-credentials token can come from. The error is (summary, detail).
pub fn tenant(text: &str) -> Result<String, (Words, Words)> {
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    if matches!(lower.as_str(), "common" | "organizations" | "consumers") {
        return Err((
            words![
                Input::EntraTenantId,
                format!(" {trimmed:?} names no single tenant")
            ],
            words![
                format!(
                    "The client-credentials grant needs the tenant the app is registered in; {trimmed:?} is for \
                     interactive sign-ins (Entra answers AADSTS90002 or AADSTS700016). Set "
                ),
                Input::EntraTenantId,
                " to the tenant's ID (a GUID, Overview page of Microsoft Entra ID) or a verified domain such as \
                 contoso.onmicrosoft.com."
            ],
        ));
    }
    if is_guid(&lower) || is_domain(&lower) {
        return Ok(lower);
    }
    let hint = if trimmed.starts_with("http") {
        " It looks like a URL: give only the tenant part."
    } else if trimmed.len() == 36 || trimmed.len() == 38 {
        " A tenant ID is 8-4-4-4-12 hexadecimal digits, without braces."
    } else {
        ""
    };
    Err((
        words![Input::EntraTenantId, " is neither a tenant ID nor a domain"],
        words![
            Input::EntraTenantId,
            format!(
                " is {trimmed:?}: Entra would answer AADSTS900023 (neither a valid DNS name nor a valid external \
                 domain).{hint} Give the tenant's ID (a GUID) or a verified domain such as contoso.onmicrosoft.com."
            )
        ],
    ))
}

/// The token endpoint of `tenant` under `login_base`.
pub fn token_url(login_base: &str, tenant: &str) -> String {
    format!(
        "{}/{tenant}/oauth2/v2.0/token",
        login_base.trim().trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clouds_are_read_in_azurerm_and_azuread_spellings() {
        assert_eq!(Cloud::parse("global"), Some(Cloud::Public));
        assert_eq!(Cloud::parse(" USGovernmentL5 "), Some(Cloud::UsGovernment));
        assert_eq!(Cloud::parse("AzureChinaCloud"), Some(Cloud::China));
        assert_eq!(Cloud::parse("germany"), None);
        assert_eq!(
            Cloud::UsGovernment.management_scope(),
            "https://management.usgovcloudapi.net/.default"
        );
    }

    #[test]
    fn a_tenant_is_a_guid_or_a_domain_and_never_common() {
        assert_eq!(
            tenant(" 0A1B2C3D-4E5F-4a6b-8c7d-9e0f1a2b3c4d ")
                .ok()
                .as_deref(),
            Some("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
        );
        assert!(tenant("contoso.onmicrosoft.com").is_ok());
        for bad in [
            "common",
            "{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}",
            "https://login.microsoftonline.com/x",
            "contoso",
            "",
        ] {
            assert!(tenant(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            token_url(
                "https://login.microsoftonline.com/",
                "contoso.onmicrosoft.com"
            ),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }
}
