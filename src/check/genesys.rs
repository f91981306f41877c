//! Genesys Cloud regions and how their login and API hosts are named.

use super::request::Endpoint;

/// Every region the official `genesyscloud` provider accepts, with its domain.
pub const REGIONS: [(&str, &str); 20] = [
    ("us-east-1", "mypurecloud.com"),
    ("us-east-2", "use2.us-gov-pure.cloud"),
    ("us-west-2", "usw2.pure.cloud"),
    ("ca-central-1", "cac1.pure.cloud"),
    ("sa-east-1", "sae1.pure.cloud"),
    ("mx-central-1", "mxc1.pure.cloud"),
    ("eu-west-1", "mypurecloud.ie"),
    ("eu-west-2", "euw2.pure.cloud"),
    ("eu-central-1", "mypurecloud.de"),
    ("eu-central-2", "euc2.pure.cloud"),
    ("me-central-1", "mec1.pure.cloud"),
    ("ap-south-1", "aps1.pure.cloud"),
    ("ap-southeast-1", "apse1.pure.cloud"),
    ("ap-southeast-2", "mypurecloud.com.au"),
    ("ap-northeast-1", "mypurecloud.jp"),
    ("ap-northeast-2", "apne2.pure.cloud"),
    ("ap-northeast-3", "apne3.pure.cloud"),
    ("eusc-de-east-1", "edee1.eusc-pure.cloud"),
    ("dca", "inindca.com"),
    ("tca", "inintca.com"),
];

/// Looks a region up by name, case-insensitively.
pub fn domain_of(region: &str) -> Option<&'static str> {
    let wanted = region.trim().to_ascii_lowercase().replace('_', "-");
    REGIONS
        .iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, domain)| *domain)
}

/// The region whose domain this is, if any.
pub fn region_of_domain(domain: &str) -> Option<&'static str> {
    let wanted = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    REGIONS
        .iter()
        .find(|(_, d)| *d == wanted)
        .map(|(name, _)| *name)
}

/// The known region name closest to `text`, for "did you mean" hints.
pub fn closest_region(text: &str) -> &'static str {
    let wanted = text.trim().to_ascii_lowercase();
    REGIONS
        .iter()
        .map(|(name, _)| (edit_distance(&wanted, name), *name))
        .min()
        .map(|(_, name)| name)
        .unwrap_or("us-east-1")
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Builds the Genesys endpoint from a region (name, bare domain or host URL) and optional URL overrides.
pub fn endpoint(
    region: Option<&str>,
    api_url: Option<&str>,
    login_url: Option<&str>,
) -> Result<Endpoint, (String, String)> {
    let trim_base = |url: &str| url.trim().trim_end_matches('/').to_string();
    let from_region = match region {
        Some(text) => Some(resolve_region(text)?),
        None => None,
    };
    let region_name = from_region
        .as_ref()
        .and_then(|(name, _)| name.map(str::to_string));
    let domain = from_region.map(|(_, domain)| domain);
    let login_base = match (login_url, &domain, api_url) {
        (Some(url), _, _) => trim_base(url),
        (None, Some(domain), _) => format!("https://login.{domain}"),
        (None, None, Some(api)) => derive_login_from_api(&trim_base(api)),
        (None, None, None) => unreachable_region_error()?,
    };
    let api_base = match (api_url, &domain) {
        (Some(url), _) => trim_base(url),
        (None, Some(domain)) => format!("https://api.{domain}"),
        (None, None) => derive_api_from_login(&login_base),
    };
    Ok(Endpoint::Genesys {
        login_base,
        api_base,
        region: region_name,
    })
}

fn unreachable_region_error() -> Result<String, (String, String)> {
    Err((
        "No Genesys Cloud region".to_string(),
        "Set `genesys_region` (e.g. `eu-west-1`) or `genesys_login_url`.".to_string(),
    ))
}

/// The SDKs swap the `api.` host label for `login.`; so does authcheck when only the API URL is known.
fn derive_login_from_api(api: &str) -> String {
    match api.split_once("//api.") {
        Some((scheme, rest)) => format!("{scheme}//login.{rest}"),
        None => api.to_string(),
    }
}

fn derive_api_from_login(login: &str) -> String {
    match login.split_once("//login.") {
        Some((scheme, rest)) => format!("{scheme}//api.{rest}"),
        None => login.to_string(),
    }
}

/// Accepts a region name, a bare domain, or an `api.`/`login.` URL; returns the region name when known and the domain.
fn resolve_region(text: &str) -> Result<(Option<&'static str>, String), (String, String)> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err((
            "genesys_region is empty".to_string(),
            format!("Set `genesys_region` to one of: {}.", region_names()),
        ));
    }
    if let Some(domain) = domain_of(trimmed) {
        let name = REGIONS
            .iter()
            .find(|(_, d)| *d == domain)
            .map(|(name, _)| *name);
        return Ok((name, domain.to_string()));
    }
    let host = trimmed
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let domain = host
        .strip_prefix("api.")
        .or_else(|| host.strip_prefix("login."))
        .unwrap_or(&host);
    if let Some(name) = region_of_domain(domain) {
        return Ok((Some(name), domain.to_string()));
    }
    Err((
        format!(
            "Unknown Genesys Cloud region {trimmed:?}; did you mean {}?",
            closest_region(trimmed)
        ),
        format!(
            "`genesys_region` takes the region names the genesyscloud provider's `aws_region` takes: {}. A region's \
             domain (mypurecloud.ie) or API URL (https://api.mypurecloud.ie) works too. For a gateway or a private \
             endpoint, set `genesys_login_url` and `genesys_api_url` instead.",
            region_names()
        ),
    ))
}

fn region_names() -> String {
    REGIONS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(ep: &Endpoint) -> &str {
        match ep {
            Endpoint::Genesys { login_base, .. } => login_base,
            _ => "",
        }
    }

    #[test]
    fn region_names_are_case_insensitive() {
        let ep = endpoint(Some("EU-West-1"), None, None).expect("known");
        assert_eq!(login(&ep), "https://login.mypurecloud.ie");
    }

    #[test]
    fn domains_and_api_urls_resolve_to_the_login_host() {
        for text in [
            "mypurecloud.com.au",
            "https://api.mypurecloud.com.au/",
            "login.mypurecloud.com.au",
        ] {
            let ep = endpoint(Some(text), None, None).expect(text);
            assert_eq!(login(&ep), "https://login.mypurecloud.com.au", "{text}");
        }
    }

    #[test]
    fn unknown_region_suggests_the_closest_one() {
        let (summary, detail) = endpoint(Some("eu-west1"), None, None).expect_err("unknown");
        assert!(summary.contains("did you mean eu-west-1"), "{summary}");
        assert!(detail.contains("eusc-de-east-1"));
    }

    #[test]
    fn login_url_override_wins_and_api_is_derived() {
        let ep = endpoint(None, None, Some("http://127.0.0.1:9/login/")).expect("ok");
        assert_eq!(login(&ep), "http://127.0.0.1:9/login");
        let ep = endpoint(None, Some("https://api.gw.example"), None).expect("ok");
        assert_eq!(login(&ep), "https://login.gw.example");
    }
}
