//! The input rows of the cloud identities a pipeline holds besides OAuth2 clients: AWS (any `aws_*` input
//! selects it) and Google Cloud (any `gcp_*` input, or the google provider's credential variables). The generic
//! and OAuth2 vendors' rows are in `table.rs`; together they are the input table.

use super::{Flag, Group, Input, InputSpec, Kind, Places};

const AWS: &str = "AWS";
const GOOGLE: &str = "Google Cloud";

/// Per-check inputs the provider block also takes.
const EVERYWHERE: Places = Places::DATA_SOURCE
    .and(Places::EPHEMERAL)
    .and(Places::EXTERNAL)
    .and(Places::PROVIDER);

const fn flag(long: &'static str, value: &'static str, help: &'static str) -> Option<Flag> {
    Some(Flag {
        long,
        value: Some(value),
        reads_file: false,
        heading: AWS,
        help: Some(help),
    })
}

const fn google(long: &'static str, value: &'static str, help: &'static str) -> Option<Flag> {
    Some(Flag {
        long,
        value: Some(value),
        reads_file: false,
        heading: GOOGLE,
        help: Some(help),
    })
}

/// The cloud identities' inputs, after the table's in documentation order.
pub const CLOUD_INPUTS: &[InputSpec] = &[
    InputSpec {
        input: Input::AwsRegion,
        name: "aws_region",
        kind: Kind::Text,
        sensitive: false,
        group: Group::Endpoint,
        places: EVERYWHERE,
        doc: "AWS: the region whose STS endpoint is asked (https://sts.<region>.amazonaws.com); selects an AWS check, as every aws_* input does. Falls back to AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region, then us-east-1.",
        provider_doc: None,
        flag: flag(
            "aws-region",
            "REGION",
            "the AWS region whose STS is asked (or AWS_REGION, AWS_DEFAULT_REGION)",
        ),
        env: &["AWS_REGION", "AWS_DEFAULT_REGION"],
    },
    InputSpec {
        input: Input::AwsStsUrl,
        name: "aws_sts_url",
        kind: Kind::Url,
        sensitive: false,
        group: Group::Endpoint,
        places: EVERYWHERE,
        doc: "AWS: the STS endpoint, instead of the region's (VPC endpoints, FIPS endpoints, proxies, tests). Falls back to AUTHCHECK_AWS_STS_URL, AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL.",
        provider_doc: None,
        flag: flag(
            "aws-sts-url",
            "URL",
            "an STS endpoint instead of the region's (or AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL)",
        ),
        env: &[
            "AUTHCHECK_AWS_STS_URL",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL",
        ],
    },
    InputSpec {
        input: Input::AwsRoleArn,
        name: "aws_role_arn",
        kind: Kind::Text,
        sensitive: false,
        group: Group::None,
        places: EVERYWHERE,
        doc: "AWS: the IAM role to assume (arn:aws:iam::<account>:role/<name>): with a web identity token (federated_token_file, federated_token_env, AWS_WEB_IDENTITY_TOKEN_FILE or GitHub Actions' token service) by AssumeRoleWithWebIdentity, else with the access keys or profile by AssumeRole. Falls back to AWS_ROLE_ARN.",
        provider_doc: None,
        flag: flag(
            "aws-role-arn",
            "ARN",
            "the IAM role to assume (or AWS_ROLE_ARN)",
        ),
        env: &["AWS_ROLE_ARN"],
    },
    InputSpec {
        input: Input::AwsRoleSessionName,
        name: "aws_role_session_name",
        kind: Kind::Text,
        sensitive: false,
        group: Group::None,
        places: EVERYWHERE,
        doc: "AWS: the session name of the assumed role (it appears in the assumed-role ARN and CloudTrail); default authcheck-<unix time>. Falls back to AWS_ROLE_SESSION_NAME.",
        provider_doc: None,
        flag: flag(
            "aws-role-session-name",
            "NAME",
            "the assumed role's session name (or AWS_ROLE_SESSION_NAME)",
        ),
        env: &["AWS_ROLE_SESSION_NAME"],
    },
    InputSpec {
        input: Input::AwsProfile,
        name: "aws_profile",
        kind: Kind::Text,
        sensitive: false,
        group: Group::None,
        places: EVERYWHERE,
        doc: "AWS: a profile of the shared config and credentials files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE; ~/.aws/config and ~/.aws/credentials): its keys, or its role_arn with source_profile or web_identity_token_file. Given here it outranks the access key variables, as the aws provider's profile argument does. Falls back to AWS_PROFILE.",
        provider_doc: None,
        flag: flag(
            "aws-profile",
            "PROFILE",
            "a profile of the shared AWS config files (or AWS_PROFILE)",
        ),
        env: &["AWS_PROFILE"],
    },
    InputSpec {
        input: Input::AwsAccountId,
        name: "aws_account_id",
        kind: Kind::Text,
        sensitive: false,
        group: Group::None,
        places: EVERYWHERE,
        doc: "AWS: the account (12 digits) the identity must belong to, like the aws provider's allowed_account_ids; another account fails with reason wrong_organization.",
        provider_doc: None,
        flag: flag(
            "aws-account-id",
            "ACCOUNT",
            "fail unless the identity is in this AWS account",
        ),
        env: &[],
    },
    InputSpec {
        input: Input::GcpCredentialsFile,
        name: "gcp_credentials_file",
        kind: Kind::Path,
        sensitive: false,
        group: Group::Endpoint,
        places: EVERYWHERE,
        doc: "Google Cloud: a credential configuration file, as the google provider reads it: external_account (workload identity federation, as google-github-actions/auth writes it), service_account (a key) or impersonated_service_account. Selects a Google Cloud check, as every gcp_* input does. Falls back to GOOGLE_CREDENTIALS (a path or the JSON itself), GOOGLE_CLOUD_KEYFILE_JSON, GCLOUD_KEYFILE_JSON, then GOOGLE_APPLICATION_CREDENTIALS.",
        provider_doc: None,
        flag: google(
            "gcp-credentials-file",
            "FILE",
            "a Google credential configuration (or GOOGLE_CREDENTIALS, GOOGLE_APPLICATION_CREDENTIALS)",
        ),
        env: &[
            "GOOGLE_CREDENTIALS",
            "GOOGLE_CLOUD_KEYFILE_JSON",
            "GCLOUD_KEYFILE_JSON",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ],
    },
    InputSpec {
        input: Input::GcpServiceAccount,
        name: "gcp_service_account",
        kind: Kind::Text,
        sensitive: false,
        group: Group::None,
        places: EVERYWHERE,
        doc: "Google Cloud: the service account to impersonate (generateAccessToken), as the google provider's impersonate_service_account; it outranks the configuration's service_account_impersonation_url. Falls back to GOOGLE_IMPERSONATE_SERVICE_ACCOUNT.",
        provider_doc: None,
        flag: google(
            "gcp-service-account",
            "EMAIL",
            "a service account to impersonate (or GOOGLE_IMPERSONATE_SERVICE_ACCOUNT)",
        ),
        env: &["GOOGLE_IMPERSONATE_SERVICE_ACCOUNT"],
    },
    InputSpec {
        input: Input::GcpProject,
        name: "gcp_project",
        kind: Kind::Text,
        sensitive: false,
        group: Group::None,
        places: EVERYWHERE,
        doc: "Google Cloud: the project the pipeline deploys to (its id or number): required_permissions are asked of it (projects.testIamPermissions) and account_id is its number. Falls back to GOOGLE_PROJECT, GOOGLE_CLOUD_PROJECT, GCLOUD_PROJECT, then CLOUDSDK_CORE_PROJECT.",
        provider_doc: None,
        flag: google(
            "gcp-project",
            "PROJECT",
            "the project to check permissions on (or GOOGLE_PROJECT, GOOGLE_CLOUD_PROJECT)",
        ),
        env: &[
            "GOOGLE_PROJECT",
            "GOOGLE_CLOUD_PROJECT",
            "GCLOUD_PROJECT",
            "CLOUDSDK_CORE_PROJECT",
        ],
    },
    InputSpec {
        input: Input::GcpApiUrl,
        name: "gcp_api_url",
        kind: Kind::Url,
        sensitive: false,
        group: Group::None,
        places: EVERYWHERE,
        doc: "Google Cloud: one base URL for IAM Credentials and Resource Manager, instead of iamcredentials.googleapis.com and cloudresourcemanager.googleapis.com (private endpoints, proxies, tests). Falls back to AUTHCHECK_GCP_API_URL.",
        provider_doc: None,
        flag: google(
            "gcp-api-url",
            "URL",
            "a base URL for Google's IAM Credentials and Resource Manager APIs (or AUTHCHECK_GCP_API_URL)",
        ),
        env: &["AUTHCHECK_GCP_API_URL"],
    },
];
