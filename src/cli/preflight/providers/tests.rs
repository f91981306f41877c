//! Each family's block to the engine's inputs: which argument feeds which input, what goes to the provider's
//! own variables, what is refused or left unchecked, and which configurations a module holds.

use std::path::Path;

use super::*;
use crate::cli::preflight::read::{Sources, parse};

fn config(tf: &str) -> Configuration {
    let sources = Sources {
        tf: vec![("main.tf".to_string(), tf.as_bytes().to_vec())],
        tfvars: Vec::new(),
    };
    parse(&sources, &|_| None, &|_| Err("no files here".to_string())).expect("parses")
}

/// The plan of the first configuration of `local`, with `env` as the environment.
fn plan_of(tf: &str, local: &str, env: &[(&str, &str)]) -> Plan {
    let config = config(tf);
    let lookup = |name: &str| {
        env.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    };
    let configured = configurations(&config)
        .into_iter()
        .find(|c| c.local == local)
        .expect("configured");
    plan_for(&configured, &config, Path::new("/module"), &lookup)
}

fn prepared(plan: Plan) -> Prepared {
    match plan {
        Plan::Check(prepared) => *prepared,
        Plan::NotChecked(why) => panic!("not checked: {why}"),
        Plan::Refused(report) => panic!("refused: {:?}", report.summary),
    }
}

#[test]
fn one_allowed_account_is_the_engines_guard_and_more_are_kept_for_the_report() {
    let one = prepared(plan_of(
        "provider \"aws\" {\n region = \"eu-west-1\"\n allowed_account_ids = [\"123456789012\"]\n}\n",
        "aws",
        &[],
    ));
    assert_eq!(one.inputs.text(Input::AwsAccountId), Some("123456789012"));
    let many = prepared(plan_of(
        "provider \"aws\" {\n region = \"eu-west-1\"\n allowed_account_ids = [\"111111111111\", \"222222222222\"]\n forbidden_account_ids = [\"333333333333\"]\n}\n",
        "aws",
        &[],
    ));
    assert!(!many.inputs.is_set(Input::AwsAccountId));
    assert_eq!(many.accounts.allowed, ["111111111111", "222222222222"]);
    assert_eq!(many.accounts.forbidden, ["333333333333"]);
}

#[test]
fn aws_roles_keys_and_region_come_from_the_block_or_the_providers_variables() {
    let web = prepared(plan_of(
        "provider \"aws\" {\n  access_key = \"AKIAEXAMPLE\"\n  secret_key = \"very-secret\"\n  assume_role_with_web_identity {\n    role_arn = \"arn:aws:iam::123456789012:role/ci\"\n    web_identity_token_file = \"token.jwt\"\n  }\n}\n",
        "aws",
        &[("AWS_REGION", "eu-central-1")],
    ));
    assert_eq!(
        web.inputs.text(Input::AwsRoleArn),
        Some("arn:aws:iam::123456789012:role/ci")
    );
    assert_eq!(
        web.inputs.text(Input::FederatedTokenFile),
        Some("/module/token.jwt")
    );
    assert_eq!(web.inputs.text(Input::AwsRegion), Some("eu-central-1"));
    assert_eq!(
        web.given_by.get(&Input::AwsRoleArn).map(String::as_str),
        Some("assume_role_with_web_identity.role_arn")
    );
    assert_eq!(
        web.overlay.get("AWS_SECRET_ACCESS_KEY").map(Secret::expose),
        Some("very-secret")
    );
    // No region anywhere: the aws provider stops, and so does the preflight, blaming `region`.
    match plan_of("provider \"aws\" {}\n", "aws", &[]) {
        Plan::Refused(report) => assert_eq!(report.blame, Some(Input::AwsRegion)),
        _ => panic!("a region-less aws provider must be refused"),
    }
}

#[test]
fn genesys_needs_a_region_and_an_access_token_is_not_a_client_to_check() {
    match plan_of("provider \"genesyscloud\" {}\n", "genesyscloud", &[]) {
        Plan::Refused(report) => assert_eq!(report.blame, Some(Input::GenesysRegion)),
        _ => panic!("no region must be refused"),
    }
    let env = [("GENESYSCLOUD_REGION", "eu-west-1")];
    let from_env = prepared(plan_of(
        "provider \"genesyscloud\" {}\n",
        "genesyscloud",
        &env,
    ));
    assert_eq!(
        from_env.inputs.text(Input::GenesysRegion),
        Some("eu-west-1")
    );
    assert!(matches!(
        plan_of(
            "provider \"genesyscloud\" {\n access_token = \"t\"\n}\n",
            "genesyscloud",
            &env
        ),
        Plan::NotChecked(_)
    ));
    let secret = prepared(plan_of(
        "provider \"genesyscloud\" {\n oauthclient_secret = \"s3cret\"\n aws_region = \"us-east-1\"\n}\n",
        "genesyscloud",
        &[],
    ));
    assert!(matches!(
        secret.inputs.secret(Input::ClientSecret),
        Some((s, SecretOrigin::Input(Input::ClientSecret))) if s.expose() == "s3cret"
    ));
}

#[test]
fn azure_credentials_go_to_the_arm_variables_and_azurerm_needs_a_subscription() {
    let tf = "provider \"azurerm\" {\n features {}\n tenant_id = \"t\"\n client_secret = \"s\"\n client_certificate_path = \"c.pfx\"\n}\n";
    match plan_of(tf, "azurerm", &[]) {
        Plan::Refused(report) => assert_eq!(report.blame, Some(Input::AzureSubscriptionId)),
        _ => panic!("azurerm without a subscription must be refused"),
    }
    let ok = prepared(plan_of(tf, "azurerm", &[("ARM_SUBSCRIPTION_ID", "sub")]));
    assert_eq!(
        ok.overlay.get("ARM_CLIENT_SECRET").map(Secret::expose),
        Some("s")
    );
    assert_eq!(
        ok.overlay
            .get("ARM_CLIENT_CERTIFICATE_PATH")
            .map(Secret::expose),
        Some("/module/c.pfx")
    );
    // No secret, certificate or OIDC: a managed identity or the Azure CLI, which is not checked.
    assert!(matches!(
        plan_of(
            "provider \"azuread\" {\n tenant_id = \"t\"\n}\n",
            "azuread",
            &[]
        ),
        Plan::NotChecked(_)
    ));
    assert!(hidden_from(&azure::AZUREAD, "ARM_SUBSCRIPTION_ID"));
    assert!(!hidden_from(&azure::AZURERM, "ARM_SUBSCRIPTION_ID"));
}

#[test]
fn google_credentials_are_a_path_or_the_json_itself() {
    let path = prepared(plan_of(
        "provider \"google\" {\n credentials = \"key.json\"\n}\n",
        "google",
        &[],
    ));
    assert_eq!(
        path.inputs.text(Input::GcpCredentialsFile),
        Some("/module/key.json")
    );
    let json = prepared(plan_of(
        "provider \"google\" {\n credentials = \"{\\\"type\\\": \\\"service_account\\\"}\"\n}\n",
        "google",
        &[],
    ));
    assert!(!json.inputs.is_set(Input::GcpCredentialsFile));
    assert!(json.overlay.contains_key("GOOGLE_CREDENTIALS"));
    assert!(matches!(
        plan_of("provider \"google\" {}\n", "google", &[]),
        Plan::NotChecked(_)
    ));
}

#[test]
fn a_module_holds_each_block_and_a_default_for_providers_with_none() {
    let config = config(
        "terraform {\n required_providers {\n  aws = { source = \"hashicorp/aws\" }\n  google = { source = \"hashicorp/google\" }\n }\n}\nprovider \"aws\" {\n alias = \"eu\"\n region = \"eu-west-1\"\n}\nresource \"random_id\" \"x\" {}\n",
    );
    let all = configurations(&config);
    let names: Vec<String> = all.iter().map(Configured::address).collect();
    // aws has only an aliased block: no default configuration is invented for it.
    assert_eq!(
        names,
        [
            "provider \"aws\" (alias \"eu\")",
            "provider \"google\"",
            "provider \"random\""
        ]
    );
    assert!(all[1].kind.is_some() && all[2].kind.is_none());
    assert!(unchecked_reason(&all[2]).is_some_and(|why| why.contains("holds no identity")));
}

#[test]
fn a_variable_nobody_sets_refuses_the_check_naming_it_and_its_place() {
    let plan = plan_of(
        "variable \"region\" {}\nprovider \"aws\" {\n region = var.region\n}\n",
        "aws",
        &[],
    );
    let Plan::Refused(report) = plan else {
        panic!("an unset variable must refuse the check");
    };
    assert!(report.usage);
    let summary = report.summary_in(&crate::cli::words::CliWords);
    assert!(
        summary.contains("var.region") && summary.contains("main.tf:3"),
        "{summary}"
    );
}

#[test]
fn an_unreadable_expression_is_named_without_the_literals_it_holds() {
    let mut prepared = Prepared::default();
    let config = config(
        "provider \"azurerm\" {\n client_secret = trimspace(\"hidden-literal-7731\")\n client_id = \"${local.prefix}-hidden-tail-7731\"\n}\n",
    );
    let block = Block {
        block: config.providers.first(),
        dir: Path::new("/module"),
        env: &|_| None,
    };
    for name in ["client_secret", "client_id"] {
        let _ = prepared.read(&block, None, name, None);
    }
    let notes = prepared.notes.join("\n");
    assert!(
        notes.contains("trimspace(") && notes.contains("local.prefix"),
        "{notes}"
    );
    assert!(!notes.contains("hidden"), "{notes}");
}
