//! STS's refusals explained (facts: cloud-federation.md 1.2): the error code and the words of its message are
//! read once into a [`Kind`], and each kind says what it means, its likely causes and the fix, beside the facts
//! of what was sent: the access key's id and where it came from, the role, the web identity token's issuer,
//! subject and audience. Never the secret, the session token or the token itself.

use crate::check::base::heard::{Heard, Scrubber};
use crate::check::inputs::credential::jwt::AssertionFacts;
use crate::check::report::words::Words;
use crate::check::report::{Failure, Reason, Retry};
use crate::check::vendors::aws::settings::{KeyOrigin, Keys, Role};
use crate::check::vendors::aws::sts::StsError;
use crate::surface::Input;
use crate::words;

/// What an STS refusal is, read from its code and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `InvalidClientTokenId`: the access key id is unknown.
    UnknownKey,
    /// `SignatureDoesNotMatch`: the secret is not the key's.
    WrongSecret,
    /// `SignatureDoesNotMatch` about the signature's region scope: the region, not the secret.
    WrongScope,
    /// `SignatureDoesNotMatch` or `RequestExpired` about time: this machine's clock.
    Clock,
    /// `ValidationError`, `MissingParameter`, `InvalidParameterValue`: a parameter STS will not take.
    Invalid,
    /// `AccessDenied` on `GetCallerIdentity`, which needs no permission.
    CallerDenied,
    /// `ExpiredToken`: the session credentials have expired.
    ExpiredSession,
    /// `AccessDenied` on `AssumeRole`.
    AssumeRoleDenied,
    /// `AccessDenied` on `AssumeRoleWithWebIdentity`: the trust policy does not match the token.
    TrustDenied,
    /// No IAM OIDC provider for the token's issuer.
    NoProvider,
    /// The token's audience is not one of the provider's client ids.
    WrongAudience,
    /// The token has no `aud`.
    NoAudience,
    /// The provider's pinned thumbprint does not match the issuer's certificate.
    Thumbprint,
    /// STS could not fetch the issuer's keys: AWS's side, retried.
    KeysUnreachable,
    /// `ExpiredTokenException`: the web identity token has expired.
    ExpiredToken,
    /// Another `InvalidIdentityToken` or `IDPRejectedClaim`.
    TokenRefused,
    /// `IDPCommunicationError`.
    IdpUnreachable,
    /// `RegionDisabledException`: STS is not active in the region for this account.
    RegionDisabled,
    /// `Throttling`.
    Throttled,
    /// Anything else.
    Other,
}

impl Kind {
    /// The kind of a refusal of `action`.
    pub fn of(error: &StsError, action: &str) -> Kind {
        let code = &error.code;
        let said = error.message.lowered();
        if code.is("InvalidClientTokenId") {
            Kind::UnknownKey
        } else if code.is("SignatureDoesNotMatch") || code.is("RequestExpired") {
            if said.has("signature expired")
                || said.has("not yet current")
                || code.is("RequestExpired")
            {
                Kind::Clock
            } else if said.has("credential should be scoped") {
                Kind::WrongScope
            } else {
                Kind::WrongSecret
            }
        } else if code.is("ValidationError")
            || code.is("MissingParameter")
            || code.is("InvalidParameterValue")
        {
            Kind::Invalid
        } else if code.is("ExpiredToken") {
            Kind::ExpiredSession
        } else if code.is("AccessDenied") {
            match action {
                "AssumeRoleWithWebIdentity" => Kind::TrustDenied,
                "GetCallerIdentity" => Kind::CallerDenied,
                _ => Kind::AssumeRoleDenied,
            }
        } else if code.is("ExpiredTokenException") {
            Kind::ExpiredToken
        } else if code.is("InvalidIdentityToken") {
            if said.has("no openidconnect provider found") {
                Kind::NoProvider
            } else if said.has("incorrect token audience") {
                Kind::WrongAudience
            } else if said.has("missing a required claim: aud") {
                Kind::NoAudience
            } else if said.has("thumbprint") {
                Kind::Thumbprint
            } else if said.has("couldn't retrieve verification key") {
                Kind::KeysUnreachable
            } else {
                Kind::TokenRefused
            }
        } else if code.is("IDPRejectedClaim") {
            Kind::TokenRefused
        } else if code.is("IDPCommunicationError") {
            Kind::IdpUnreachable
        } else if code.is("RegionDisabledException") {
            Kind::RegionDisabled
        } else if code.is("Throttling") {
            Kind::Throttled
        } else {
            Kind::Other
        }
    }
}

/// What was asked, for the explanation.
pub struct Asked<'a> {
    /// The action.
    pub action: &'static str,
    /// The keys that signed it, when keys did.
    pub keys: Option<&'a Keys>,
    /// The role it assumes, when it assumes one.
    pub role: Option<&'a Role>,
    /// The web identity token's facts, for `AssumeRoleWithWebIdentity`.
    pub token: Option<&'a AssertionFacts>,
    /// The input that named the token, when one did.
    pub token_input: Option<Input>,
    /// The region of the request.
    pub region: &'a str,
    /// Removes the check's secrets from what STS says.
    pub scrub: &'a Scrubber,
}

/// The refusal explained.
pub fn explain(error: &StsError, asked: &Asked<'_>) -> Failure {
    let kind = Kind::of(error, asked.action);
    let mut failure = Failure::new(Reason::AccessDenied, got(error, asked.scrub));
    match kind {
        Kind::UnknownKey => unknown_key(&mut failure, asked),
        Kind::WrongSecret => wrong_secret(&mut failure, asked),
        Kind::WrongScope | Kind::Clock => signature_context(&mut failure, kind, error, asked),
        Kind::Invalid => invalid(&mut failure, error, asked),
        Kind::CallerDenied => caller_denied(&mut failure, asked),
        Kind::ExpiredSession => expired_session(&mut failure, asked),
        Kind::AssumeRoleDenied => assume_role_denied(&mut failure, error, asked),
        Kind::TrustDenied => trust_denied(&mut failure, asked),
        Kind::NoProvider | Kind::WrongAudience | Kind::NoAudience | Kind::Thumbprint => {
            provider_refused(&mut failure, kind, asked)
        }
        Kind::ExpiredToken => expired_token(&mut failure, asked),
        Kind::TokenRefused => token_refused(&mut failure, error, asked),
        Kind::KeysUnreachable | Kind::IdpUnreachable => aws_side(&mut failure, kind, asked),
        Kind::RegionDisabled => region_disabled(&mut failure, asked),
        Kind::Throttled => throttled(&mut failure),
        Kind::Other => other(&mut failure, error, asked),
    }
    failure
}

/// `HTTP 403 AccessDenied: "…" (request id …)`.
fn got(error: &StsError, scrub: &Scrubber) -> Words {
    let request_id = error
        .request_id
        .as_ref()
        .map(|id| format!(" (request id {})", scrub.quote(id, 80)))
        .unwrap_or_default();
    words![format!(
        "HTTP {} {}: {:?}{request_id}",
        error.status,
        scrub.quote(&error.code, 80),
        scrub.quote(&error.message, 400)
    )]
}

/// The key's id and where it came from: `access key AKIA… (AWS_ACCESS_KEY_ID)`.
fn key_named(asked: &Asked<'_>) -> String {
    match asked.keys {
        Some(keys) => {
            let id = crate::check::vendors::aws::settings::key_id_shown(&keys.access_key_id);
            match &keys.origin {
                KeyOrigin::Environment => format!("access key {id} (AWS_ACCESS_KEY_ID)"),
                KeyOrigin::Profile { name, file, .. } => {
                    format!("access key {id} (profile {name} in {file})")
                }
            }
        }
        None => "the access key".to_string(),
    }
}

/// Where to fix the keys: the variables or the profile.
fn keys_home(asked: &Asked<'_>) -> (String, Option<Input>) {
    match asked.keys.map(|k| &k.origin) {
        Some(KeyOrigin::Profile { name, file, blame }) => (
            format!("aws_access_key_id and aws_secret_access_key of profile {name} in {file}"),
            *blame,
        ),
        _ => (
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".to_string(),
            None,
        ),
    }
}

fn unknown_key(failure: &mut Failure, asked: &Asked<'_>) {
    let (home, blame) = keys_home(asked);
    let temporary = asked
        .keys
        .is_some_and(|k| k.access_key_id.starts_with("ASIA"));
    let no_session = asked.keys.is_some_and(|k| k.session_token.is_none());
    failure.reason = Reason::ClientNotFound;
    failure.blame = blame;
    failure.summary = words![format!("AWS does not know {}", key_named(asked))];
    failure.meaning = words![
        "STS found no active access key with this id (InvalidClientTokenId); the secret was never compared."
    ];
    let mut causes = Vec::new();
    if temporary && no_session {
        causes.push(words![
            "the key is temporary (ASIA…) and its session token was not given: set AWS_SESSION_TOKEN with it"
        ]);
    }
    causes.extend([
        words!["the key was deleted or made inactive (IAM > Users > Security credentials), e.g. by a rotation"],
        words!["the key id is mistyped, or it is another partition's (AWS China, GovCloud) or a test value"],
        words![
            "temporary keys with a session token from another session: AWS_SESSION_TOKEN is left over from an \
             earlier step"
        ],
    ]);
    failure.causes = causes;
    failure.fix = words![format!(
        "Create an access key for the IAM user (or find the current one) and set {home} to it; better, let the \
         pipeline assume a role with its CI's ID token instead of holding long-lived keys."
    )];
}

fn wrong_secret(failure: &mut Failure, asked: &Asked<'_>) {
    let (home, blame) = keys_home(asked);
    failure.reason = Reason::InvalidSecret;
    failure.blame = blame;
    failure.summary = words![format!(
        "AWS rejected the secret of {} (SignatureDoesNotMatch)",
        key_named(asked)
    )];
    failure.meaning = words![
        "The key id is known, but the request's SigV4 signature was not made with that key's secret access key."
    ];
    failure.causes = vec![
        words![
            "the secret belongs to another key: key id and secret were updated separately after a rotation"
        ],
        words![
            "the secret was pasted with a space, a newline or quotes into AWS_SECRET_ACCESS_KEY or the profile"
        ],
        words!["a proxy between this machine and STS changed the request"],
    ];
    failure.fix = words![format!(
        "Set {home} to the id and secret of one key, shown together when the key was created (a lost secret cannot \
         be shown again: create a new key and delete the old one)."
    )];
}

fn signature_context(failure: &mut Failure, kind: Kind, error: &StsError, asked: &Asked<'_>) {
    let said = asked.scrub.quote(&error.message, 300);
    failure.reason = Reason::InvalidInput;
    if kind == Kind::Clock {
        failure.summary = words![
            "AWS STS refused the request's signature as out of date: this machine's clock is off"
        ];
        failure.meaning = words![format!(
            "A SigV4 signature carries the time it was made and STS takes it within 15 minutes of its own \
             ({said:?})."
        )];
        failure.causes = vec![words![
            "the runner's clock drifted (no NTP), or a container's clock is off"
        ]];
        failure.fix = words!["Set the machine's clock right (NTP); the key itself may be fine."];
        return;
    }
    failure.blame = Some(Input::AwsRegion);
    failure.summary = words![format!(
        "AWS STS refused a signature scoped to region {}: the endpoint is another region's",
        asked.region
    )];
    failure.meaning = words![format!(
        "A regional STS endpoint (or a VPC endpoint) takes only signatures for its own region ({said:?}); the key \
         itself was not judged."
    )];
    failure.causes = vec![words![
        Input::AwsStsUrl,
        " (or AWS_ENDPOINT_URL_STS) names another region's endpoint than ",
        Input::AwsRegion
    ]];
    failure.fix = words![
        "Set ",
        Input::AwsRegion,
        " to the region of the STS endpoint."
    ];
}

fn invalid(failure: &mut Failure, error: &StsError, asked: &Asked<'_>) {
    let said = error.message.lowered();
    failure.reason = Reason::InvalidInput;
    failure.blame = if said.has("rolesessionname") {
        Some(Input::AwsRoleSessionName)
    } else if said.has("rolearn") {
        asked.role.and_then(|r| r.blame)
    } else {
        None
    };
    failure.summary = words![format!(
        "AWS STS refused a parameter of {}: {:?}",
        asked.action,
        asked.scrub.quote(&error.message, 200)
    )];
    failure.meaning =
        words!["STS validated the request before looking at any credential and refused a value."];
    failure.fix =
        words!["Fix the value STS names (a role ARN, a session name of 2 to 64 characters)."];
}

fn caller_denied(failure: &mut Failure, asked: &Asked<'_>) {
    failure.reason = Reason::AccessDenied;
    failure.summary = words![format!(
        "AWS refused GetCallerIdentity for {}",
        key_named(asked)
    )];
    failure.meaning = words![
        "GetCallerIdentity needs no permission and is allowed even under an explicit deny, so this answer does not \
         come from IAM policies."
    ];
    failure.causes = vec![
        words!["a proxy or a VPC endpoint policy in front of STS refuses the call"],
        words!["the credentials belong to an identity AWS blocks (a suspended account)"],
    ];
    failure.fix =
        words!["Ask STS from a network without the proxy, or check the VPC endpoint's policy."];
}

fn expired_session(failure: &mut Failure, asked: &Asked<'_>) {
    let (home, blame) = keys_home(asked);
    failure.reason = Reason::InvalidSecret;
    failure.blame = blame;
    failure.summary = words![format!(
        "The AWS session credentials of {} have expired",
        key_named(asked)
    )];
    failure.meaning = words![
        "Temporary credentials (a key id with AWS_SESSION_TOKEN) last from 15 minutes to 12 hours; these are past \
         their expiry (ExpiredToken)."
    ];
    failure.causes = vec![
        words![
            "the step that assumed the role ran long before the plan (a long job, or credentials cached)"
        ],
        words![format!("stale temporary credentials left in {home}")],
    ];
    failure.fix = words![
        format!(
            "Get fresh credentials right before the plan (re-run configure-aws-credentials or aws sts \
             assume-role), or unset the stale {home} and AWS_SESSION_TOKEN so that the role is assumed with the \
             job's ID token ("
        ),
        Input::AwsRoleArn,
        ")."
    ];
}

fn assume_role_denied(failure: &mut Failure, error: &StsError, asked: &Asked<'_>) {
    let role = asked.role.map_or("the role".to_string(), |r| r.arn.clone());
    let caller = caller_in(&error.message, asked.scrub);
    failure.reason = Reason::AccessDenied;
    failure.blame = asked.role.and_then(|r| r.blame);
    failure.summary = words![format!(
        "{} may not assume {role}",
        caller.clone().unwrap_or_else(|| key_named(asked))
    )];
    failure.meaning = words![
        "STS refused sts:AssumeRole: either the caller's policies do not allow it on this role, or the role's \
         trust policy does not name the caller (AWS says the same for a role that does not exist)."
    ];
    failure.causes = vec![
        words![format!(
            "the trust policy of {role} does not list the caller as a Principal (IAM > Roles > Trust relationships)"
        )],
        words![format!(
            "the caller's IAM policy has no Allow for sts:AssumeRole on {role}, or a permissions boundary or an \
             SCP denies it"
        )],
        words!["the role ARN is mistyped or in another account, or the role was deleted"],
    ];
    failure.fix = words![format!(
        "Add {} to the Principal of {role}'s trust policy, and allow sts:AssumeRole on {role} in its own policy.",
        caller.unwrap_or_else(|| "the caller's ARN".to_string())
    )];
}

/// The caller ARN STS names in an AccessDenied message (`User: arn:… is not authorized …`).
fn caller_in(message: &Heard, scrub: &Scrubber) -> Option<String> {
    let quoted = scrub.quote(message, 400).into_string();
    let after = quoted.split("User: ").nth(1)?;
    let arn = after.split_whitespace().next()?;
    arn.starts_with("arn:").then(|| arn.to_string())
}

/// The condition-key prefix of an issuer, as IAM names it: the URL without `https://`.
fn condition_prefix(iss: &str) -> String {
    iss.trim_start_matches("https://")
        .trim_end_matches('/')
        .to_string()
}

fn trust_denied(failure: &mut Failure, asked: &Asked<'_>) {
    let role = asked.role.map_or("the role".to_string(), |r| r.arn.clone());
    let scrub = asked.scrub;
    let facts = asked.token;
    let text = |field: Option<&Heard>| field.map(|h| scrub.quote(h, 300).into_string());
    let iss = text(facts.and_then(|f| f.iss.as_ref()));
    let sub = text(facts.and_then(|f| f.sub.as_ref()));
    let aud = text(facts.and_then(|f| f.aud.as_ref()));
    let prefix = iss.as_deref().map(condition_prefix);
    failure.reason = Reason::AccessDenied;
    failure.blame = asked.role.and_then(|r| r.blame);
    failure.summary = words![format!(
        "The trust policy of {role} does not match this web identity token{}",
        sub.as_ref()
            .map(|s| format!(" (sub {s:?})"))
            .unwrap_or_default()
    )];
    failure.meaning = words![
        "STS verified the token but the role's trust policy does not allow it: its Federated principal or one of \
         its conditions on the token's claims does not match (Not authorized to perform \
         sts:AssumeRoleWithWebIdentity)."
    ];
    let mut causes = Vec::new();
    if let (Some(prefix), Some(sub)) = (&prefix, &sub) {
        causes.push(words![format!(
            "the policy's {prefix}:sub condition does not match {sub:?}: names are case-sensitive, a job with an \
             environment gets repo:…:environment:NAME instead of repo:…:ref:…, pull requests get \
             repo:…:pull_request"
        )]);
        if is_immutable_github_subject(sub) {
            causes.insert(
                0,
                words![format!(
                    "this is GitHub's immutable subject form (owner and repository ids, for repositories created \
                     or renamed after June 2026): a trust policy written with names no longer matches {sub:?}"
                )],
            );
        }
    }
    if let (Some(prefix), Some(aud)) = (&prefix, &aud) {
        causes.push(words![format!(
            "the policy's {prefix}:aud condition is not {aud:?}"
        )]);
    }
    causes.push(words![format!(
        "the trust policy's Federated principal is another account's OIDC provider, or {role} is mistyped or does \
         not exist"
    )]);
    failure.causes = causes;
    let name = role.rsplit('/').next().unwrap_or(&role).to_string();
    failure.fix = match (&prefix, &sub) {
        (Some(prefix), Some(sub)) => words![format!(
            "In IAM > Roles > {name} > Trust relationships, allow this subject: \"{prefix}:sub\": {sub:?} \
             (StringEquals), or a StringLike pattern that covers it{}.",
            aud.as_ref()
                .map(|aud| format!(", with \"{prefix}:aud\": {aud:?}"))
                .unwrap_or_default()
        )],
        _ => words![format!(
            "Compare {role}'s trust policy with the token's issuer, subject and audience."
        )],
    };
}

/// `repo:owner@123/name@456:…`: GitHub's subject with owner and repository ids.
fn is_immutable_github_subject(sub: &str) -> bool {
    let Some(rest) = sub.strip_prefix("repo:") else {
        return false;
    };
    let path = rest.split(':').next().unwrap_or_default();
    let Some((owner, repo)) = path.split_once('/') else {
        return false;
    };
    let has_id = |part: &str| {
        part.rsplit_once('@').is_some_and(|(name, id)| {
            !name.is_empty() && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
        })
    };
    has_id(owner) && has_id(repo)
}

fn provider_refused(failure: &mut Failure, kind: Kind, asked: &Asked<'_>) {
    let scrub = asked.scrub;
    let iss = asked
        .token
        .and_then(|f| f.iss.as_ref())
        .map(|i| scrub.quote(i, 300).into_string())
        .unwrap_or_else(|| "the token's issuer".to_string());
    let aud = asked
        .token
        .and_then(|f| f.aud.as_ref())
        .map(|a| scrub.quote(a, 300).into_string());
    let account = asked
        .role
        .and_then(|r| r.arn.split(':').nth(4).map(str::to_string))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "the role's account".to_string());
    failure.reason = Reason::InvalidAssertion;
    failure.blame = asked.token_input.or(asked.role.and_then(|r| r.blame));
    match kind {
        Kind::NoProvider => {
            failure.summary = words![format!(
                "AWS account {account} has no IAM OIDC identity provider for {iss}"
            )];
            failure.meaning = words![
                "AssumeRoleWithWebIdentity trusts tokens only from issuers registered as IAM OIDC identity \
                 providers in the role's account."
            ];
            failure.causes = vec![
                words![
                    "the provider was never created in this account (or was created in another one)"
                ],
                words![
                    "the issuer URL differs: GitHub Enterprise Server and GitLab self-managed have their own"
                ],
            ];
            failure.fix = words![format!(
                "Create it in account {account}: aws iam create-open-id-connect-provider --url {iss} \
                 --client-id-list {}",
                aud.as_deref().unwrap_or("sts.amazonaws.com")
            )];
        }
        Kind::WrongAudience => {
            failure.summary = words![format!(
                "The token's audience {} is not a client id of the IAM OIDC provider for {iss}",
                aud.as_deref().map(|a| format!("{a:?}")).unwrap_or_default()
            )];
            failure.meaning = words![
                "STS accepts a token only for an audience the provider lists (Incorrect token audience)."
            ];
            failure.causes = vec![
                words![
                    "the token was requested for another audience than the provider lists (configure-aws-credentials asks for sts.amazonaws.com)"
                ],
                words!["the provider's audience list misses it"],
            ];
            failure.fix = words![
                format!(
                    "Add the audience to the provider (aws iam add-client-id-to-open-id-connect-provider \
                     --open-id-connect-provider-arn arn:aws:iam::{account}:oidc-provider/{} --client-id {}), \
                     or request the token for an audience it lists (",
                    condition_prefix(&iss),
                    aud.as_deref().unwrap_or("<audience>")
                ),
                Input::FederatedTokenAudience,
                ")."
            ];
        }
        Kind::NoAudience => {
            failure.summary = words!["The web identity token has no audience (aud)"];
            failure.meaning = words!["STS needs the aud claim to pick the provider's client id."];
            failure.causes = vec![words![
                "an old GitLab CI_JOB_JWT: GitLab's id_tokens carry an aud, the old job token does not"
            ]];
            failure.fix = words![
                "Use a token with an audience: in GitLab, declare it under id_tokens with aud: sts.amazonaws.com."
            ];
        }
        _ => {
            failure.summary = words![format!(
                "The certificate of {iss} does not match the thumbprint the IAM OIDC provider pins"
            )];
            failure.meaning = words![
                "The provider in IAM pins a TLS certificate thumbprint that the issuer no longer presents."
            ];
            failure.causes = vec![words![
                "the issuer changed certificates; AWS trusts GitHub's by its root CAs since July 2023"
            ]];
            failure.fix = words![
                "Update the provider's thumbprint list (aws iam update-open-id-connect-provider-thumbprint)."
            ];
        }
    }
}

fn expired_token(failure: &mut Failure, asked: &Asked<'_>) {
    let ago = asked
        .token
        .and_then(|f| f.exp)
        .map(|exp| crate::check::base::clock::now_unix().saturating_sub(exp))
        .filter(|ago| *ago >= 0)
        .map(|ago| format!(" {ago} s ago"))
        .unwrap_or_default();
    failure.reason = Reason::InvalidAssertion;
    failure.blame = asked.token_input;
    failure.summary = words![format!("The web identity token expired{ago}")];
    failure.meaning = words![
        "STS refuses a token past its exp (ExpiredTokenException); CI tokens live for minutes."
    ];
    failure.causes = vec![
        words!["the token file was written long before the check (a job that outlived its token)"],
        words!["a token saved in a variable from an earlier step"],
    ];
    failure.fix = words![
        "Request a fresh token right before the check (GitHub Actions' token service, a fresh id_tokens variable, a projected token the kubelet rotates)."
    ];
}

fn token_refused(failure: &mut Failure, error: &StsError, asked: &Asked<'_>) {
    failure.reason = Reason::InvalidAssertion;
    failure.blame = asked.token_input;
    failure.summary = words![format!(
        "AWS STS refused the web identity token: {:?}",
        asked.scrub.quote(&error.message, 200)
    )];
    failure.meaning =
        words!["STS could not accept the token itself, before looking at the role's trust policy."];
    failure.causes = vec![
        words![
            "the token is not an RS256 JWT from the registered issuer (a file or variable holding something else)"
        ],
        words!["the issuer's claims are not what the IAM OIDC provider expects"],
    ];
    failure.fix =
        words!["Check that the token source holds the CI's ID token itself, for this issuer."];
}

fn aws_side(failure: &mut Failure, kind: Kind, asked: &Asked<'_>) {
    let iss = asked
        .token
        .and_then(|f| f.iss.as_ref())
        .map(|i| asked.scrub.quote(i, 300).into_string())
        .unwrap_or_else(|| "the token's issuer".to_string());
    failure.reason = Reason::ServerError;
    failure.retry = Retry::Yes(None);
    failure.summary = if kind == Kind::KeysUnreachable {
        words![format!(
            "AWS STS could not fetch the signing keys of {iss}; nothing is known yet about the role"
        )]
    } else {
        words![format!(
            "AWS STS could not reach {iss}; nothing is known yet about the role"
        )]
    };
    failure.meaning = words![
        "This is AWS's side (or the issuer's reachability from AWS), not the trust policy: STS never got as far \
         as the role. It was retried within the time budget."
    ];
    failure.causes = vec![
        words!["a transient failure between AWS and the issuer"],
        words![
            "a self-hosted issuer (GitLab self-managed, a cluster) whose discovery document or JWKS is not reachable from the internet"
        ],
    ];
    failure.fix = words![
        "Retry the job. If it persists with a self-hosted issuer, make its /.well-known/openid-configuration and jwks_uri reachable from AWS."
    ];
}

fn region_disabled(failure: &mut Failure, asked: &Asked<'_>) {
    failure.reason = Reason::AccessDenied;
    failure.blame = Some(Input::AwsRegion);
    failure.summary = words![format!(
        "AWS STS is not activated in region {} for this account",
        asked.region
    )];
    failure.meaning =
        words!["Regional STS endpoints must be activated per account (RegionDisabledException)."];
    failure.causes = vec![words![
        "an opt-in region, or STS deactivated in IAM > Account settings"
    ]];
    failure.fix = words![
        "Activate the region's STS endpoint in IAM > Account settings, or set ",
        Input::AwsRegion,
        " to a region where it is active."
    ];
}

fn throttled(failure: &mut Failure) {
    failure.reason = Reason::RateLimited;
    failure.summary = words!["AWS STS is throttling requests (Throttling)"];
    failure.meaning = words![
        "Too many requests; this says nothing about the credentials. It was retried within the time budget."
    ];
    failure.causes = vec![words![
        "many jobs of the account request credentials at the same time"
    ]];
    failure.fix = words!["Retry later, or spread the jobs out."];
}

fn other(failure: &mut Failure, error: &StsError, asked: &Asked<'_>) {
    failure.reason = if error.status >= 500 {
        Reason::ServerError
    } else {
        Reason::AccessDenied
    };
    failure.summary = words![format!(
        "AWS STS refused {} with {}: {:?}",
        asked.action,
        asked.scrub.quote(&error.code, 80),
        asked.scrub.quote(&error.message, 200)
    )];
    failure.meaning =
        words!["STS named its own reason; authcheck has no explanation of this code."];
    failure.fix =
        words!["Read STS's message above; the request id identifies the request for AWS Support."];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: u16, code: &str, message: &str) -> StsError {
        StsError {
            status,
            code: Heard::new(code),
            message: Heard::new(message),
            request_id: None,
        }
    }

    #[test]
    fn each_documented_sts_message_is_its_own_kind() {
        let web = "AssumeRoleWithWebIdentity";
        let rows = [
            (
                "InvalidIdentityToken",
                "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com",
                Kind::NoProvider,
            ),
            (
                "InvalidIdentityToken",
                "Incorrect token audience",
                Kind::WrongAudience,
            ),
            (
                "InvalidIdentityToken",
                "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
                Kind::KeysUnreachable,
            ),
            (
                "InvalidIdentityToken",
                "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
                Kind::Thumbprint,
            ),
            (
                "InvalidIdentityToken",
                "Missing a required claim: aud",
                Kind::NoAudience,
            ),
            (
                "ExpiredTokenException",
                "Token expired: current date/time 1626271164 must be before the expiration date/time1626191469",
                Kind::ExpiredToken,
            ),
            (
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
                Kind::TrustDenied,
            ),
            (
                "RegionDisabledException",
                "STS is not activated in this region",
                Kind::RegionDisabled,
            ),
        ];
        for (code, message, kind) in rows {
            assert_eq!(Kind::of(&error(400, code, message), web), kind, "{message}");
        }
        let signed = "GetCallerIdentity";
        assert_eq!(
            Kind::of(
                &error(
                    403,
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid."
                ),
                signed
            ),
            Kind::UnknownKey
        );
        assert_eq!(
            Kind::of(&error(403, "SignatureDoesNotMatch", "x"), signed),
            Kind::WrongSecret
        );
        assert_eq!(
            Kind::of(
                &error(
                    403,
                    "ExpiredToken",
                    "The security token included in the request is expired"
                ),
                signed
            ),
            Kind::ExpiredSession
        );
        assert_eq!(
            Kind::of(
                &error(
                    403,
                    "AccessDenied",
                    "User: arn:aws:iam::1:user/x is not authorized to perform: sts:AssumeRole"
                ),
                "AssumeRole"
            ),
            Kind::AssumeRoleDenied
        );
    }

    #[test]
    fn github_subjects_with_owner_and_repository_ids_are_recognised() {
        assert!(is_immutable_github_subject(
            "repo:acme@1234/infra@5678:ref:refs/heads/main"
        ));
        assert!(!is_immutable_github_subject(
            "repo:acme/infra:ref:refs/heads/main"
        ));
        assert!(!is_immutable_github_subject(
            "repo:user@example/infra:environment:prod"
        ));
        assert!(!is_immutable_github_subject("system:serviceaccount:ns:sa"));
    }

    #[test]
    fn the_caller_is_read_from_an_access_denied_message() {
        let scrub = Scrubber::default();
        let message = Heard::new(
            "User: arn:aws:iam::123456789012:user/ci-nobody is not authorized to perform: sts:AssumeRole",
        );
        assert_eq!(
            caller_in(&message, &scrub).as_deref(),
            Some("arn:aws:iam::123456789012:user/ci-nobody")
        );
        assert_eq!(caller_in(&Heard::new("denied"), &scrub), None);
    }
}
