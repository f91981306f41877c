//! Google's refusals explained (facts: cloud-federation.md 2.2): the error and its words are read once into a
//! [`Kind`], and each kind says what it means, the likely causes and the fix (the `gcloud` command where one
//! fixes it), beside the facts of what was sent: the provider, the token's issuer, subject and the claims a
//! condition reads, the service account, the key id, the project. Never a token or a key.

use crate::check::base::heard::{Heard, Scrubber};
use crate::check::report::words::Words;
use crate::check::report::{Failure, Reason, Retry};
use crate::check::vendors::google::api::GoogleError;
use crate::surface::Input;
use crate::words;

/// What a Google refusal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `invalid_request` "Invalid value for "audience"": not a provider's full name.
    BadAudienceValue,
    /// `invalid_target`: the pool or provider does not exist or is disabled.
    NoProvider,
    /// `unauthorized_client`: the provider's attribute condition is false for this token.
    ConditionRejected,
    /// The token's `aud` is not an allowed audience.
    AudienceMismatch,
    /// The token's `iss` is not the provider's issuer.
    IssuerMismatch,
    /// A mapped attribute is over 127 bytes.
    MappedTooLong,
    /// The subject token expired.
    ExpiredToken,
    /// `iam.serviceAccounts.getAccessToken` denied: no Workload Identity User binding, or no such account.
    ImpersonationDenied,
    /// `Invalid JWT Signature.`: a key the account no longer has.
    BadSignature,
    /// `account not found`.
    AccountNotFound,
    /// The key grant's assertion is outside Google's time window (this machine's clock, or a long lifetime).
    KeyClock,
    /// testIamPermissions refused a permission name (`INVALID_ARGUMENT`).
    BadPermission,
    /// An API refused the token itself.
    Unauthenticated,
    /// Anything else, by status.
    Other,
}

impl Kind {
    /// The kind of `error`.
    pub fn of(error: &GoogleError) -> Kind {
        let code = &error.code;
        let said = error.message.lowered();
        if said.has("invalid value for \"audience\"") {
            Kind::BadAudienceValue
        } else if code.is("invalid_target") {
            Kind::NoProvider
        } else if said.has("attribute condition") {
            Kind::ConditionRejected
        } else if said.has("audience in id token") {
            Kind::AudienceMismatch
        } else if said.has("issuer in id token") {
            Kind::IssuerMismatch
        } else if said.has("127 bytes") {
            Kind::MappedTooLong
        } else if said.has("invalid jwt signature") {
            Kind::BadSignature
        } else if said.has("account not found") {
            Kind::AccountNotFound
        } else if said.has("getaccesstoken") && code.is("PERMISSION_DENIED") {
            Kind::ImpersonationDenied
        } else if said.has("short-lived token") || said.has("reasonable timeframe") {
            Kind::KeyClock
        } else if code.is("INVALID_ARGUMENT") && said.has("permission") {
            Kind::BadPermission
        } else if error.oauth && (said.has("expired") || said.has("stale")) {
            Kind::ExpiredToken
        } else if code.is("UNAUTHENTICATED") {
            Kind::Unauthenticated
        } else {
            Kind::Other
        }
    }
}

/// What was asked, for the explanation.
pub struct Asked<'a> {
    /// The request, in words (`the STS token exchange`, `generateAccessToken`).
    pub what: &'static str,
    /// The provider's full name, for federation.
    pub audience: Option<&'a str>,
    /// The subject token's claims a trust decision reads (`iss`, `sub`, `aud`, `repository` ...), as heard.
    pub claims: &'a [(&'static str, Heard)],
    /// The service account impersonated or whose key signed.
    pub service_account: Option<&'a str>,
    /// The key's id.
    pub key_id: Option<&'a str>,
    /// The project asked about.
    pub project: Option<&'a str>,
    /// The input that named the configuration, when one did.
    pub blame: Option<Input>,
    /// The input that named the account to impersonate, when one did (not the configuration's own URL).
    pub impersonation_input: Option<Input>,
    /// The service account whose key is the caller, when a key (not federation) asks to impersonate.
    pub key_caller: Option<&'a str>,
    /// Removes the check's secrets from what Google says.
    pub scrub: &'a Scrubber,
}

impl Asked<'_> {
    fn claim(&self, name: &str) -> Option<String> {
        self.claims
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, value)| self.scrub.quote(value, 200).into_string())
    }

    /// The configuration's audience as a refusal shows it: the file may hold any JSON string, and a control
    /// character or a page of text would break the report's lines (a provider's name is about 110 characters).
    fn audience(&self) -> Option<String> {
        self.audience
            .map(crate::check::vendors::google::config::printable_long)
    }

    /// `projects/NUM/locations/global/workloadIdentityPools/POOL` and `PROV` of the audience.
    fn pool(&self) -> Option<(String, String, String)> {
        let audience = self.audience()?;
        let rest = audience.split("/projects/").nth(1)?;
        let mut parts = rest.split('/');
        let number = parts.next()?.to_string();
        let pool = parts.nth(3)?.to_string();
        let provider = parts.nth(1)?.to_string();
        Some((number, pool, provider))
    }
}

/// The refusal explained.
pub fn explain(error: &GoogleError, asked: &Asked<'_>) -> Failure {
    let kind = Kind::of(error);
    let mut failure = Failure::new(Reason::InvalidAssertion, got(error, asked.scrub));
    match kind {
        Kind::BadAudienceValue | Kind::NoProvider => provider(&mut failure, kind, asked),
        Kind::ConditionRejected | Kind::MappedTooLong => condition(&mut failure, kind, asked),
        Kind::AudienceMismatch | Kind::IssuerMismatch | Kind::ExpiredToken => {
            token(&mut failure, kind, error, asked)
        }
        Kind::ImpersonationDenied => impersonation(&mut failure, asked),
        Kind::BadSignature | Kind::AccountNotFound | Kind::KeyClock => {
            key(&mut failure, kind, asked)
        }
        Kind::BadPermission => bad_permission(&mut failure, error, asked),
        Kind::Unauthenticated | Kind::Other => other(&mut failure, kind, error, asked),
    }
    failure
}

fn got(error: &GoogleError, scrub: &Scrubber) -> Words {
    words![format!(
        "HTTP {} {}: {:?}",
        error.status,
        scrub.quote(&error.code, 80),
        scrub.quote(&error.message, 400)
    )]
}

fn provider(failure: &mut Failure, kind: Kind, asked: &Asked<'_>) {
    let audience = asked.audience().unwrap_or_default();
    failure.blame = asked.blame;
    if kind == Kind::BadAudienceValue {
        failure.reason = Reason::InvalidInput;
        failure.summary = words![format!(
            "Google STS refused the audience {audience:?}: it is not a workload identity provider's full name"
        )];
        failure.meaning =
            words!["STS needs the provider's full resource name, with the project's number."];
        failure.causes = vec![
            words![
                "a literal ${ … } from a CI variable that was never interpolated, or an empty secret"
            ],
            words![
                "the project id instead of its number, or the pool's name instead of the provider's"
            ],
        ];
        failure.fix = words![
            "Use //iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER \
             (gcloud iam workload-identity-pools providers describe PROVIDER --workload-identity-pool=POOL \
             --location=global --format='value(name)')."
        ];
        return;
    }
    failure.reason = Reason::ClientNotFound;
    failure.summary = words![format!(
        "Google has no active workload identity provider {audience} (invalid_target)"
    )];
    failure.meaning = words!["The pool or the provider does not exist, or is disabled or deleted."];
    failure.causes = vec![
        words!["a typo in the pool or provider name, or the project id where its number belongs"],
        words!["the provider was deleted or disabled"],
    ];
    failure.fix = match asked.pool() {
        Some((number, pool, provider)) => words![format!(
            "gcloud iam workload-identity-pools providers describe {provider} --workload-identity-pool={pool} \
             --location=global --project={number} (and undelete or enable it)."
        )],
        None => words![
            "Compare the audience with the provider's name in IAM > Workload Identity Federation."
        ],
    };
}

fn condition(failure: &mut Failure, kind: Kind, asked: &Asked<'_>) {
    failure.reason = Reason::InvalidAssertion;
    failure.blame = asked.blame;
    let shown = [
        "sub",
        "repository",
        "repository_owner",
        "ref",
        "environment",
    ]
    .iter()
    .filter_map(|name| asked.claim(name).map(|v| format!("{name} {v:?}")))
    .collect::<Vec<_>>()
    .join(", ");
    if kind == Kind::MappedTooLong {
        failure.summary = words![
            "A claim of this token, mapped to an attribute, is longer than Google's 127 bytes"
        ];
        failure.meaning = words![format!(
            "The provider maps the token's claims to attributes, each at most 127 bytes ({shown})."
        )];
        failure.causes = vec![words![
            "a long repository or branch name mapped to google.subject or an attribute"
        ]];
        failure.fix = words![
            "Map a shorter claim (repository_id, or assertion.sub cut with .extract()) in the provider's attribute mapping."
        ];
        return;
    }
    failure.summary = words![format!(
        "The provider's attribute condition rejects this token ({shown})"
    )];
    failure.meaning = words![
        "The token is valid, but the provider's CEL condition on its claims is false for it."
    ];
    failure.causes = vec![
        words![
            "the condition names another repository or owner (Google compares case-sensitively; GitHub does not)"
        ],
        words![
            "the job runs from a fork, another branch or another environment than the condition allows"
        ],
    ];
    failure.fix = match asked.pool() {
        Some((number, pool, provider)) => words![format!(
            "Read the condition (gcloud iam workload-identity-pools providers describe {provider} \
             --workload-identity-pool={pool} --location=global --project={number} \
             --format='value(attributeCondition)') and make it accept these claims."
        )],
        None => words!["Make the provider's attribute condition accept these claims."],
    };
}

fn token(failure: &mut Failure, kind: Kind, error: &GoogleError, asked: &Asked<'_>) {
    failure.reason = Reason::InvalidAssertion;
    failure.blame = asked.blame;
    let iss = asked.claim("iss").unwrap_or_default();
    let aud = asked.claim("aud").unwrap_or_default();
    match kind {
        Kind::AudienceMismatch => {
            failure.summary = words![format!(
                "The token's audience {aud:?} is not one the provider allows"
            )];
            failure.meaning = words![
                "Without allowed audiences set on the provider, the token's aud must be \
                 https://iam.googleapis.com/ followed by the provider's full name."
            ];
            failure.causes = vec![words![
                "the token was requested for another audience (a GitLab id_tokens aud, an Azure or AWS audience)"
            ]];
            failure.fix = words![format!(
                "Request the token for https://iam.googleapis.com/{} (google-github-actions/auth does), or add \
                 {aud:?} to the provider's allowed audiences.",
                asked
                    .audience()
                    .as_deref()
                    .unwrap_or("//iam.googleapis.com/…")
                    .trim_start_matches("//iam.googleapis.com/")
            )];
        }
        Kind::IssuerMismatch => {
            let enterprise = iss.contains("/_services/token")
                || !iss.contains("token.actions.githubusercontent.com") && iss.contains("github");
            failure.summary = words![format!(
                "The token's issuer {iss:?} is not the provider's{}",
                if enterprise {
                    " (a GitHub Enterprise issuer)"
                } else {
                    ""
                }
            )];
            failure.meaning = words![format!(
                "A workload identity provider trusts exactly one issuer, and Google named the one it expected \
                 ({:?}).",
                asked.scrub.quote(&error.message, 300)
            )];
            failure.causes = if enterprise {
                vec![words![
                    "GitHub Enterprise Server, or an enterprise with a unique issuer URL, signs with its own \
                     issuer, not https://token.actions.githubusercontent.com"
                ]]
            } else {
                vec![words![
                    "the token comes from another CI, cluster or identity provider than the provider was made for"
                ]]
            };
            failure.fix = match asked.pool() {
                Some((number, pool, provider)) => words![format!(
                    "Create a provider for this issuer (gcloud iam workload-identity-pools providers create-oidc \
                     NAME --workload-identity-pool={pool} --location=global --project={number} \
                     --issuer-uri={iss} --attribute-mapping=google.subject=assertion.sub), or, if {provider} \
                     should trust it instead, gcloud iam workload-identity-pools providers update-oidc \
                     {provider} --workload-identity-pool={pool} --location=global --project={number} \
                     --issuer-uri={iss}."
                )],
                None => words![
                    "Create a provider for this issuer, or set the provider's issuer URI to it."
                ],
            };
        }
        _ => {
            failure.summary = words!["The subject token has expired"];
            failure.meaning =
                words!["Google STS takes a token only before its exp; CI tokens live for minutes."];
            failure.causes = vec![words![
                "a token file written long before the check, or a token saved from an earlier step"
            ]];
            failure.fix = words!["Request a fresh token right before the check."];
        }
    }
}

fn impersonation(failure: &mut Failure, asked: &Asked<'_>) {
    let account = asked.service_account.unwrap_or("the service account");
    failure.reason = Reason::AccessDenied;
    failure.blame = asked.impersonation_input;
    if let Some(caller) = asked.key_caller {
        failure.summary = words![format!(
            "{caller} may not impersonate {account} (iam.serviceAccounts.getAccessToken denied)"
        )];
        failure.meaning = words![
            "The key worked; IAM Credentials refused to mint the other service account's token. Google says the \
             same when that account does not exist."
        ];
        failure.causes = vec![
            words![format!(
                "{caller} lacks roles/iam.serviceAccountTokenCreator on {account}"
            )],
            words![
                "the service account's email is mistyped, or it is in another project, or was deleted"
            ],
        ];
        failure.fix = words![format!(
            "gcloud iam service-accounts add-iam-policy-binding {account} \
             --role=roles/iam.serviceAccountTokenCreator --member=\"serviceAccount:{caller}\""
        )];
        return;
    }
    let member = match (asked.pool(), asked.claim("repository"), asked.claim("sub")) {
        (Some((number, pool, _)), Some(repository), _) => format!(
            "principalSet://iam.googleapis.com/projects/{number}/locations/global/workloadIdentityPools/{pool}/attribute.repository/{repository}"
        ),
        (Some((number, pool, _)), None, Some(sub)) => format!(
            "principal://iam.googleapis.com/projects/{number}/locations/global/workloadIdentityPools/{pool}/subject/{sub}"
        ),
        _ => "the caller".to_string(),
    };
    failure.summary = words![format!(
        "{} may not impersonate {account} (iam.serviceAccounts.getAccessToken denied)",
        if member == "the caller" {
            "The caller"
        } else {
            "The federated identity"
        }
    )];
    failure.meaning = words![
        "The federation worked; IAM Credentials refused to mint the service account's token. Google says the \
         same when the account does not exist."
    ];
    failure.causes = vec![
        words![format!(
            "{member} lacks roles/iam.workloadIdentityUser on {account}"
        )],
        words![
            "the service account's email is mistyped, or it is in another project, or was deleted"
        ],
        words!["the binding was added less than about 5 minutes ago"],
    ];
    failure.fix = words![format!(
        "gcloud iam service-accounts add-iam-policy-binding {account} --role=roles/iam.workloadIdentityUser \
         --member=\"{member}\""
    )];
}

fn key(failure: &mut Failure, kind: Kind, asked: &Asked<'_>) {
    let account = asked.service_account.unwrap_or("the service account");
    failure.blame = asked.blame;
    if kind == Kind::AccountNotFound {
        failure.reason = Reason::ClientNotFound;
        failure.summary = words![format!(
            "Google does not know the service account {account}"
        )];
        failure.meaning =
            words!["The key file's client_email names an account that does not exist (any more)."];
        failure.causes = vec![words![
            "the account was deleted, or the key file belongs to another project"
        ]];
        failure.fix = words![
            "gcloud iam service-accounts list --project=PROJECT, and a key of an existing account."
        ];
        return;
    }
    let key_id = asked.key_id.unwrap_or("(none)");
    failure.reason = Reason::InvalidAssertion;
    if kind == Kind::KeyClock {
        failure.summary = words![format!(
            "Google refused the assertion of {account}: its iat and exp are outside Google's window"
        )];
        failure.meaning = words![
            "Google takes a key's assertion only if it was issued now, by Google's clock, and lives at most an \
             hour; authcheck signs one that lives five minutes, so this machine's clock is off."
        ];
        failure.causes = vec![words![
            "this machine's clock is wrong (a container or VM without time sync)"
        ]];
        failure.fix = words![
            "Sync this machine's clock (timedatectl status; chronyc tracking), then run the check again."
        ];
        return;
    }
    failure.summary = words![format!(
        "Google rejected the signature of key {key_id} of {account}: the account no longer has that key"
    )];
    failure.meaning = words![
        "The account exists, but none of its keys verifies the assertion (Invalid JWT Signature)."
    ];
    failure.causes = vec![
        words!["the key was deleted or rotated"],
        words!["the key file was edited, or its private_key is another key's"],
    ];
    failure.fix = words![format!(
        "gcloud iam service-accounts keys list --iam-account={account} (is {key_id} there?), then create a new key, \
         or better, use workload identity federation instead of a key."
    )];
}

fn bad_permission(failure: &mut Failure, error: &GoogleError, asked: &Asked<'_>) {
    failure.reason = Reason::InvalidInput;
    failure.blame = Some(Input::RequiredPermissions);
    failure.summary = words![format!(
        "Google does not take a required permission: {:?}",
        asked.scrub.quote(&error.message, 200)
    )];
    failure.meaning = words![
        "testIamPermissions answers only for permissions that exist and can be granted on a project; a \
         misspelt one, or one of another resource type, is refused as a whole."
    ];
    failure.fix = words![
        "Correct ",
        Input::RequiredPermissions,
        " (gcloud iam list-testable-permissions //cloudresourcemanager.googleapis.com/projects/PROJECT lists \
         what can be asked)."
    ];
}

fn other(failure: &mut Failure, kind: Kind, error: &GoogleError, asked: &Asked<'_>) {
    failure.reason = match (kind, error.status) {
        (Kind::Unauthenticated, _) => Reason::InvalidAssertion,
        (_, 429) => Reason::RateLimited,
        (_, status) if status >= 500 => Reason::ServerError,
        _ => Reason::AccessDenied,
    };
    if error.status >= 500 || error.status == 429 {
        failure.retry = Retry::Yes(None);
    }
    failure.summary = words![format!(
        "Google refused {} with {}: {:?}",
        asked.what,
        asked.scrub.quote(&error.code, 80),
        asked.scrub.quote(&error.message, 200)
    )];
    failure.meaning = words![format!(
        "authcheck does not know this answer to {} (HTTP {}); Google's own words above are the best account \
         of the cause.",
        asked.what, error.status
    )];
    failure.fix = match asked.project {
        Some(project) => words![format!(
            "Read Google's message above; gcloud projects describe {project} confirms the project and the \
             identity's access to it."
        )],
        None => words!["Read Google's message above."],
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: u16, code: &str, message: &str) -> GoogleError {
        GoogleError {
            status,
            code: Heard::new(code),
            message: Heard::new(message),
            oauth: !code.chars().any(|c| c.is_ascii_uppercase()),
        }
    }

    #[test]
    fn each_documented_google_message_is_its_own_kind() {
        let rows = [
            (
                400,
                "invalid_request",
                "Invalid value for \"audience\". This value should be the full resource name of the Identity Provider.",
                Kind::BadAudienceValue,
            ),
            (
                400,
                "invalid_target",
                "The target service indicated by the \"audience\" parameters is invalid.",
                Kind::NoProvider,
            ),
            (
                400,
                "unauthorized_client",
                "The given credential is rejected by the attribute condition.",
                Kind::ConditionRejected,
            ),
            (
                400,
                "invalid_grant",
                "The audience in ID Token [x] does not match the expected audience.",
                Kind::AudienceMismatch,
            ),
            (
                400,
                "invalid_grant",
                "The issuer in ID Token https://github.acme.net/_services/token does not match the expected ones: https://token.actions.githubusercontent.com/",
                Kind::IssuerMismatch,
            ),
            (
                400,
                "invalid_request",
                "The size of mapped attribute exceeds the 127 bytes limit.",
                Kind::MappedTooLong,
            ),
            (
                403,
                "PERMISSION_DENIED",
                "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
                Kind::ImpersonationDenied,
            ),
            (
                400,
                "invalid_grant",
                "Invalid JWT Signature.",
                Kind::BadSignature,
            ),
            (
                400,
                "invalid_grant",
                "Invalid grant: account not found",
                Kind::AccountNotFound,
            ),
        ];
        for (status, code, message, kind) in rows {
            assert_eq!(Kind::of(&error(status, code, message)), kind, "{message}");
        }
    }

    #[test]
    fn a_denied_impersonation_names_the_principal_set_and_the_binding_to_add() {
        let scrub = Scrubber::default();
        let claims = [("repository", Heard::new("acme/infra"))];
        let asked = Asked {
            what: "generateAccessToken",
            audience: Some(
                "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/github",
            ),
            claims: &claims,
            service_account: Some("deploy@acme.iam.gserviceaccount.com"),
            key_id: None,
            project: None,
            blame: None,
            impersonation_input: None,
            key_caller: None,
            scrub: &scrub,
        };
        let failure = explain(
            &error(
                403,
                "PERMISSION_DENIED",
                "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
            ),
            &asked,
        );
        let fix = failure.fix.render(&crate::check::report::words::Plain);
        assert_eq!(failure.reason, Reason::AccessDenied);
        assert!(fix.contains("principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/attribute.repository/acme/infra"), "{fix}");
        assert!(fix.contains("roles/iam.workloadIdentityUser"), "{fix}");
    }

    #[test]
    fn an_audience_with_control_characters_is_shown_without_them() {
        // fuzz/regressions/google_error/audience-*: a configuration's audience is any JSON string.
        let scrub = Scrubber::default();
        let claims = [("repository", Heard::new("acme/infra"))];
        let asked = Asked {
            what: "generateAccessToken",
            audience: Some(
                "//iam.googleapis.com/projects/123\u{17}/locations/global/workloadIdentityPools/ci\n/providers/github",
            ),
            claims: &claims,
            service_account: Some("deploy@acme.iam.gserviceaccount.com"),
            key_id: None,
            project: None,
            blame: None,
            impersonation_input: None,
            key_caller: None,
            scrub: &scrub,
        };
        for (status, code, message) in [
            (
                403,
                "PERMISSION_DENIED",
                "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
            ),
            (400, "invalid_target", "The target service is invalid."),
            (
                400,
                "invalid_grant",
                "The audience in ID Token [x] does not match the expected audience.",
            ),
        ] {
            let failure = explain(&error(status, code, message), &asked);
            let plain = crate::check::report::words::Plain;
            let mut shown = vec![failure.summary.render(&plain), failure.fix.render(&plain)];
            shown.extend(failure.causes.iter().map(|c| c.render(&plain)));
            for text in shown {
                assert!(!text.contains(char::is_control), "{code}: {text:?}");
            }
        }
    }

    fn asked_with<'a>(scrub: &'a Scrubber, key_caller: Option<&'a str>) -> Asked<'a> {
        Asked {
            what: "generateAccessToken",
            audience: None,
            claims: &[],
            service_account: Some("deploy@acme.iam.gserviceaccount.com"),
            key_id: Some("k1"),
            project: Some("acme-prod"),
            blame: Some(Input::GcpCredentialsFile),
            impersonation_input: None,
            key_caller,
            scrub,
        }
    }

    #[test]
    fn a_key_denied_impersonation_needs_token_creator_not_workload_identity_user() {
        let scrub = Scrubber::default();
        let asked = asked_with(&scrub, Some("ci-key@acme.iam.gserviceaccount.com"));
        let failure = explain(
            &error(
                403,
                "PERMISSION_DENIED",
                "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
            ),
            &asked,
        );
        let fix = failure.fix.render(&crate::check::report::words::Plain);
        assert!(
            fix.contains("roles/iam.serviceAccountTokenCreator"),
            "{fix}"
        );
        assert!(
            fix.contains("serviceAccount:ci-key@acme.iam.gserviceaccount.com"),
            "{fix}"
        );
        // The account was the configuration's, not an input the user set.
        assert_eq!(failure.blame, None);
    }

    #[test]
    fn expiry_words_are_a_subject_token_only_from_sts_and_a_key_clock_is_named() {
        let api = error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expired token.",
        );
        assert_ne!(Kind::of(&api), Kind::ExpiredToken);
        let sts = error(400, "invalid_grant", "The given ID token has expired.");
        assert_eq!(Kind::of(&sts), Kind::ExpiredToken);
        let clock = error(
            400,
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        );
        assert_eq!(Kind::of(&clock), Kind::KeyClock);
        let bad = error(
            400,
            "INVALID_ARGUMENT",
            "Permission storage.bucket.list is not valid for this resource.",
        );
        let scrub = Scrubber::default();
        let failure = explain(&bad, &asked_with(&scrub, None));
        assert_eq!(failure.reason, Reason::InvalidInput);
        assert_eq!(failure.blame, Some(Input::RequiredPermissions));
    }
}
