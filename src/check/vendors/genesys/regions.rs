//! Genesys Cloud regions and how their login and API hosts are named; the API-host mistake in a token URL.

use crate::check::report::words::Words;
use crate::surface::Input;
use crate::words;

/// An organisation's login and API hosts, and the region they are in when one was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    /// Base of the login host, e.g. `https://login.mypurecloud.ie`.
    pub login_base: String,
    /// Base of the API host, e.g. `https://api.mypurecloud.ie`.
    pub api_base: String,
    /// The region name when one was given.
    pub region: Option<String>,
}

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

/// The known region name closest to `text`, for "did you mean" hints. Only the first 32 characters count: no
/// region name is longer than 14, and an edit distance is quadratic (a 4 KiB input cost a millisecond per region;
/// the fuzzer's slowest targets spent their time here).
pub fn closest_region(text: &str) -> &'static str {
    let wanted: String = text
        .trim()
        .chars()
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase();
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
) -> Result<Hosts, (Words, Words)> {
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
    Ok(Hosts {
        login_base,
        api_base,
        region: region_name,
    })
}

fn unreachable_region_error() -> Result<String, (Words, Words)> {
    Err((
        words!["No Genesys Cloud region"],
        words![
            "Set ",
            Input::GenesysRegion,
            " (e.g. eu-west-1) or ",
            Input::GenesysLoginUrl,
            "."
        ],
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
fn resolve_region(text: &str) -> Result<(Option<&'static str>, String), (Words, Words)> {
    lookup_region(text).ok_or_else(|| region_error(text))
}

/// What `resolve_region` accepts, without building its error: `region_note` only asks whether a text is a region,
/// and the error's "did you mean" costs an edit distance to every region name.
fn lookup_region(text: &str) -> Option<(Option<&'static str>, String)> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Some(domain) = domain_of(trimmed) {
        let name = REGIONS
            .iter()
            .find(|(_, d)| *d == domain)
            .map(|(name, _)| *name);
        return Some((name, domain.to_string()));
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
    let name = region_of_domain(domain)?;
    // The table's spelling, not the input's: "mypurecloud.com." and "mypurecloud.com " name the same hosts.
    let canonical = domain_of(name)?;
    Some((Some(name), canonical.to_string()))
}

/// Why `lookup_region` refused `text`, in the words `endpoint` reports.
fn region_error(text: &str) -> (Words, Words) {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return (
            words![Input::GenesysRegion, " is empty"],
            words![
                "Set ",
                Input::GenesysRegion,
                format!(" to one of: {}.", region_names())
            ],
        );
    }
    (
        words![format!(
            "Unknown Genesys Cloud region {trimmed:?}; did you mean {}?",
            closest_region(trimmed)
        )],
        words![
            Input::GenesysRegion,
            format!(
                " takes the region names the genesyscloud provider's aws_region takes: {}. A region's domain \
                 (mypurecloud.ie) or API URL (https://api.mypurecloud.ie) works too. For a gateway or a private \
                 endpoint, set ",
                region_names()
            ),
            Input::GenesysLoginUrl,
            " and ",
            Input::GenesysApiUrl,
            " instead."
        ],
    )
}

/// A one-line note saying how a non-canonical `genesys_region` was read; None for a canonical or unknown one.
pub fn region_note(text: &str) -> Option<Words> {
    // An unknown region is `endpoint()`'s error to report; a note would only repeat it less well.
    let (name, domain) = lookup_region(text)?;
    let name = name?;
    if text == name {
        return None;
    }
    Some(words![
        Input::GenesysRegion,
        format!(" {text:?} read as region {name} (login.{domain})")
    ])
}

/// Names a generic `token_url` that points at a Genesys Cloud host other than the login host's `/oauth/token`.
///
/// Returns (summary, detail). Only hosts of known Genesys domains match, so other servers' `/api/v2/...`
/// token paths are left alone.
pub fn token_url_mistake(token_url: &str) -> Option<(Words, Words)> {
    let url = url::Url::parse(token_url.trim()).ok()?;
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    let path = url.path();
    let (label, domain) = match host.split_once('.') {
        Some((label @ ("api" | "login"), rest)) if region_of_domain(rest).is_some() => {
            (label, rest.to_string())
        }
        _ if region_of_domain(&host).is_some() => ("", host.clone()),
        _ => return None,
    };
    let region = region_of_domain(&domain)?;
    let right = format!("https://login.{domain}/oauth/token");
    let token_url = Input::TokenUrl;
    let (summary, why) = match label {
        "api" => (
            words![
                token_url,
                format!(
                    " points at the Genesys Cloud API host api.{domain}; tokens come from login.{domain}"
                )
            ],
            format!(
                "api.{domain} serves the platform API (/api/v2/...); Genesys Cloud issues tokens only on the \
                 login host, at {right}."
            ),
        ),
        "login" if path.starts_with("/api/") => (
            words![
                token_url,
                format!(
                    " uses the API path {path} on login.{domain}; the token path is /oauth/token"
                )
            ],
            format!(
                "The login host issues tokens at /oauth/token; /api/v2/... paths belong to the API host \
                 api.{domain}, and there is no /api/v2/oauth/token. The token endpoint is {right}."
            ),
        ),
        "login" => return None,
        _ => (
            words![
                token_url,
                format!(
                    " points at the bare Genesys Cloud domain {domain}; tokens come from login.{domain}"
                )
            ],
            format!("Genesys Cloud issues tokens only on the login host, at {right}."),
        ),
    };
    let detail = words![
        why,
        " Set ",
        crate::check::report::words::Assign(token_url, right),
        ", or better, remove ",
        token_url,
        " and set ",
        crate::check::report::words::Assign(Input::GenesysRegion, region.to_string()),
        ": the same value as the genesyscloud provider's aws_region (GENESYSCLOUD_REGION), so authcheck \
         derives both hosts the way the provider does. Nothing was sent."
    ];
    Some((summary, detail))
}

/// True when `id` has the 8-4-4-4-12 hexadecimal form that Genesys Cloud client ids have.
pub fn is_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The region whose login host this is (`login.mypurecloud.ie` gives `eu-west-1`), case-insensitively.
pub fn region_of_login_host(host: &str) -> Option<&'static str> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    region_of_domain(host.strip_prefix("login.")?)
}

/// The token URLs of every public region except `current`, for `probe_other_regions`.
///
/// Genesys-internal environments (`dca`, `tca`) are left out: a customer's secret has no business there.
pub fn probe_token_urls(current: Option<&str>) -> Vec<(&'static str, String)> {
    REGIONS
        .iter()
        .filter(|(name, _)| !INTERNAL_REGIONS.contains(name) && Some(*name) != current)
        .map(|(name, domain)| (*name, format!("https://login.{domain}/oauth/token")))
        .collect()
}

/// Genesys's own development and test environments, which the official provider accepts.
const INTERNAL_REGIONS: [&str; 2] = ["dca", "tca"];

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
    use crate::check::report::words::Plain;

    fn login(hosts: &Hosts) -> &str {
        &hosts.login_base
    }

    #[test]
    fn sloppy_domains_resolve_to_the_canonical_hosts() {
        // Inputs the fuzzer found (fuzz/regressions/genesys_region).
        for text in ["mypurecloud.com /", "mypurecloud.com."] {
            let ep = endpoint(Some(text), None, None).expect(text);
            assert_eq!(login(&ep), "https://login.mypurecloud.com", "{text:?}");
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
        let (summary, detail) = (summary.render(&Plain), detail.render(&Plain));
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
    #[test]
    fn canonical_region_names_need_no_note() {
        for (name, _) in REGIONS {
            assert_eq!(region_note(name), None, "{name}");
        }
        assert_eq!(
            region_note("nowhere-1"),
            None,
            "unknown regions are endpoint()'s error"
        );
        assert_eq!(region_note(""), None);
    }

    #[test]
    fn other_spellings_get_a_note_naming_the_region_and_host() {
        assert_eq!(
            region_note("https://api.mypurecloud.ie")
                .map(|n| n.render(&Plain))
                .as_deref(),
            Some(
                r#"genesys_region "https://api.mypurecloud.ie" read as region eu-west-1 (login.mypurecloud.ie)"#
            )
        );
        for (text, region, host) in [
            ("EU-West-1", "eu-west-1", "login.mypurecloud.ie"),
            ("eu_west_1", "eu-west-1", "login.mypurecloud.ie"),
            (
                "mypurecloud.com.au",
                "ap-southeast-2",
                "login.mypurecloud.com.au",
            ),
            (
                "login.usw2.pure.cloud",
                "us-west-2",
                "login.usw2.pure.cloud",
            ),
            (
                "https://login.mypurecloud.de/",
                "eu-central-1",
                "login.mypurecloud.de",
            ),
            (" us-east-1", "us-east-1", "login.mypurecloud.com"),
        ] {
            let note = region_note(text)
                .map(|n| n.render(&Plain))
                .unwrap_or_default();
            assert!(
                note.contains(&format!("read as region {region} ({host})")),
                "{text}: {note}"
            );
            assert!(
                note.starts_with(&format!("genesys_region {text:?}")),
                "{note}"
            );
        }
    }

    #[test]
    fn token_url_on_the_api_host_is_named_with_the_right_url() {
        for url in [
            "https://api.mypurecloud.ie/oauth/token",
            "https://API.mypurecloud.ie/api/v2/oauth/token",
            "http://api.mypurecloud.ie/token",
        ] {
            let (summary, detail) = token_url_mistake(url)
                .map(|(s, d)| (s.render(&Plain), d.render(&Plain)))
                .unwrap_or_default();
            assert!(
                summary.contains("API host api.mypurecloud.ie"),
                "{url}: {summary}"
            );
            assert!(
                detail.contains("https://login.mypurecloud.ie/oauth/token"),
                "{detail}"
            );
            assert!(
                detail.contains("genesys_region = \"eu-west-1\""),
                "{detail}"
            );
        }
    }

    #[test]
    fn api_paths_on_the_login_host_and_the_bare_domain_are_named() {
        let (summary, detail) =
            token_url_mistake("https://login.mypurecloud.com.au/api/v2/oauth/token")
                .map(|(s, d)| (s.render(&Plain), d.render(&Plain)))
                .unwrap_or_default();
        assert!(
            summary.contains("/api/v2/oauth/token on login.mypurecloud.com.au"),
            "{summary}"
        );
        assert!(
            detail.contains("https://login.mypurecloud.com.au/oauth/token"),
            "{detail}"
        );
        let (summary, _) = token_url_mistake("https://mypurecloud.com/oauth/token")
            .map(|(s, d)| (s.render(&Plain), d.render(&Plain)))
            .unwrap_or_default();
        assert!(
            summary.contains("bare Genesys Cloud domain mypurecloud.com"),
            "{summary}"
        );
    }

    #[test]
    fn right_and_foreign_token_urls_are_left_alone() {
        for url in [
            "https://login.mypurecloud.ie/oauth/token",
            "https://login.edee1.eusc-pure.cloud/oauth/token",
            "https://api.example.com/api/v2/oauth/token",
            "https://api.mypurecloud.com.evil.example/oauth/token",
            "https://evilmypurecloud.com/oauth/token",
            "https://x.api.mypurecloud.com/oauth/token",
            "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
            "http://127.0.0.1:8080/api/v2/oauth/token",
            "not a url",
            "",
        ] {
            assert_eq!(token_url_mistake(url), None, "{url}");
        }
    }

    #[test]
    fn uuids_are_recognised() {
        assert!(is_uuid("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"));
        assert!(is_uuid("3F2A9C1E-5B7D-4E8F-9A0B-1C2D3E4F5A6B"));
        for id in [
            "",
            "svc",
            "3f2a9c1e5b7d4e8f9a0b1c2d3e4f5a6b",
            "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6",
            "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6bb",
            "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6g",
            " 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
            "3f2a9c1e-5b7d-4e8f-9a0b-1c2d-3e4f5a6b",
        ] {
            assert!(!is_uuid(id), "{id:?}");
        }
    }

    #[test]
    fn login_hosts_map_to_regions() {
        assert_eq!(
            region_of_login_host("login.mypurecloud.ie"),
            Some("eu-west-1")
        );
        assert_eq!(
            region_of_login_host("LOGIN.apne3.pure.cloud."),
            Some("ap-northeast-3")
        );
        assert_eq!(
            region_of_login_host("login.edee1.eusc-pure.cloud"),
            Some("eusc-de-east-1")
        );
        assert_eq!(region_of_login_host("api.mypurecloud.ie"), None);
        assert_eq!(region_of_login_host("mypurecloud.ie"), None);
        assert_eq!(region_of_login_host("login.example.com"), None);
    }

    #[test]
    fn probing_skips_the_current_and_the_internal_regions() {
        let urls = probe_token_urls(Some("eu-west-1"));
        assert_eq!(urls.len(), REGIONS.len() - 3);
        assert!(
            urls.iter()
                .all(|(name, _)| !["eu-west-1", "dca", "tca"].contains(name))
        );
        assert!(urls.contains(&(
            "ap-southeast-2",
            "https://login.mypurecloud.com.au/oauth/token".to_string()
        )));
        assert_eq!(probe_token_urls(None).len(), REGIONS.len() - 2);
    }
}
