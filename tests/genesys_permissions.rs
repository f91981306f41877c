//! Genesys Cloud permissions, first-hand: clients whose roles grant some permissions, readable through their
//! grants, only their roles, or not at all (probes), checked by the engine, the CLI (`--require-permission`,
//! `--genesys-resource`, `--plan-json`) and a real `terraform plan` of examples/genesys.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use authcheck::check::{self, Given, Inputs, Reason, Report};
use authcheck::demo::idp::{Client, Flavor, Idp, IdpConfig, Inspect, Org};
use authcheck::surface::Input;
use support::terraform::{command, plan_problems, terraforms, workspace};

const SECRET: &str = "genesys-permissions-secret-5d2e";
/// Roles grant queue view and add; grants readable.
const GRANTS_ID: &str = "11111111-2222-4333-8444-555555555555";
/// The same roles; only the roles readable.
const ROLES_ID: &str = "22222222-3333-4444-8555-666666666666";
/// The same roles; nothing readable, so only probes tell.
const PROBE_ID: &str = "33333333-4444-4555-8666-777777777777";
/// A wildcard role: routing:*:*.
const WILDCARD_ID: &str = "44444444-5555-4666-8777-888888888888";
/// Queue view only in division "Sales".
const DIVISION_ID: &str = "55555555-6666-4777-8888-999999999999";

fn org() -> Org {
    Org {
        id: "6b1f0c2d-aaaa-4bbb-8ccc-123456789abc".into(),
        name: "Acme Prod".into(),
        short_name: "acme-prod".into(),
    }
}

fn queue_admin(id: &str, inspect: Inspect) -> Client {
    Client::new(id, SECRET)
        .org(org())
        .permission("routing:queue:view")
        .permission("routing:queue:add")
        .inspect(inspect)
}

async fn idp() -> Idp {
    Idp::start(IdpConfig {
        clients: vec![
            queue_admin(GRANTS_ID, Inspect::Grants),
            queue_admin(ROLES_ID, Inspect::Roles),
            queue_admin(PROBE_ID, Inspect::Nothing),
            Client::new(WILDCARD_ID, SECRET)
                .org(org())
                .permission("routing:*:*"),
            Client::new(DIVISION_ID, SECRET)
                .org(org())
                .permission_in("routing:queue:view", "Sales"),
        ],
        flavor: Flavor::Genesys,
        max_lifetime: Duration::from_secs(300),
    })
    .await
    .expect("genesys idp")
}

fn inputs(idp: &Idp, id: &str) -> Inputs {
    Inputs::new()
        .with_text(Input::ClientId, id)
        .with(
            Input::ClientSecret,
            Given::Secret(
                check::Secret::new(SECRET),
                check::SecretOrigin::Env("GENESYSCLOUD_OAUTHCLIENT_SECRET".into()),
            ),
        )
        .with_text(Input::GenesysLoginUrl, idp.base_url())
        .with_text(Input::GenesysApiUrl, idp.base_url())
        .with(Input::TimeoutSeconds, Given::Int(10))
}

async fn check(inputs: Inputs) -> Report {
    let request = inputs.resolve(&|_| None).expect("resolves");
    check::run(request, tokio::sync::watch::channel(false).1).await
}

fn permissions(list: &[&str]) -> Given {
    Given::List(list.iter().map(|s| s.to_string()).collect())
}

fn detail(report: &Report) -> String {
    report.detail_in(&check::Plain)
}

#[tokio::test]
async fn held_permissions_pass_whichever_way_the_grants_are_read() {
    let idp = idp().await;
    for (id, source) in [
        (GRANTS_ID, "grants"),
        (ROLES_ID, "roles"),
        (PROBE_ID, "probe"),
    ] {
        let report = check(inputs(&idp, id).with(
            Input::RequiredPermissions,
            permissions(&["routing:queue:view"]),
        ))
        .await;
        assert_eq!(report.reason, Reason::Ok, "{source}: {}", detail(&report));
        assert_eq!(report.findings.permissions_source.code(), source);
        assert!(report.findings.missing_permissions.is_empty());
    }
}

#[tokio::test]
async fn a_missing_permission_fails_naming_what_to_grant() {
    let idp = idp().await;
    for (id, source) in [
        (GRANTS_ID, "grants"),
        (ROLES_ID, "roles"),
        (PROBE_ID, "probe"),
    ] {
        let report = check(inputs(&idp, id).with(
            Input::RequiredPermissions,
            permissions(&["routing:queue:view", "architect:flow:view"]),
        ))
        .await;
        let text = detail(&report);
        assert_eq!(
            report.reason,
            Reason::MissingPermissions,
            "{source}: {text}"
        );
        assert_eq!(
            report.findings.missing_permissions,
            ["architect:flow:view"],
            "{source}"
        );
        assert_eq!(report.findings.permissions_source.code(), source);
        assert_eq!(report.blame, Some(Input::RequiredPermissions));
        assert!(text.contains("Roles tab"), "{source}: {text}");
        assert!(
            text.contains("SAML SSO roll-out"),
            "{source}: the SSO theory is answered: {text}"
        );
    }
}

#[tokio::test]
async fn a_wildcard_role_holds_every_matching_permission() {
    let idp = idp().await;
    let report = check(inputs(&idp, WILDCARD_ID).with(
        Input::RequiredPermissions,
        permissions(&["routing:queue:view", "routing:wrapupCode:add"]),
    ))
    .await;
    assert_eq!(report.reason, Reason::Ok, "{}", detail(&report));
    let report = check(inputs(&idp, WILDCARD_ID).with(
        Input::RequiredPermissions,
        permissions(&["architect:flow:view"]),
    ))
    .await;
    assert_eq!(report.findings.missing_permissions, ["architect:flow:view"]);
}

#[tokio::test]
async fn a_permission_held_in_some_divisions_passes_with_a_note_naming_them() {
    let idp = idp().await;
    let report = check(inputs(&idp, DIVISION_ID).with(
        Input::RequiredPermissions,
        permissions(&["routing:queue:view"]),
    ))
    .await;
    assert_eq!(report.reason, Reason::Ok, "{}", detail(&report));
    assert!(
        // Named as the admin UI shows it, with its id.
        detail(&report).contains("only in division Sales ("),
        "{}",
        detail(&report)
    );
}

#[tokio::test]
async fn what_no_probe_can_tell_warns_and_fails_under_strict() {
    let idp = idp().await;
    // No harmless read requires a write permission, and this client cannot read its roles.
    let wanted = permissions(&["routing:queue:delete"]);
    let report =
        check(inputs(&idp, PROBE_ID).with(Input::RequiredPermissions, wanted.clone())).await;
    assert_eq!(report.reason, Reason::Ok, "{}", detail(&report));
    let step = report
        .findings
        .checks
        .iter()
        .find(|c| c.name() == "permissions")
        .expect("a permissions step");
    assert_eq!(step.status, check::Status::Warn);
    let said = step.detail.render(&check::Plain);
    assert!(
        said.contains("routing:queue:delete") && said.contains("authorization:role:view"),
        "{said}"
    );

    let strict = check(
        inputs(&idp, PROBE_ID)
            .with(Input::RequiredPermissions, wanted)
            .with(Input::Strict, Given::Bool(true)),
    )
    .await;
    assert_eq!(strict.reason, Reason::Unverifiable, "{}", detail(&strict));
}

#[tokio::test]
async fn resource_types_require_what_their_operations_need() {
    let idp = idp().await;
    // Queues: view and add are held, but a queue's update and delete need more.
    let report = check(inputs(&idp, GRANTS_ID).with(
        Input::GenesysResources,
        permissions(&["genesyscloud_routing_queue"]),
    ))
    .await;
    let text = detail(&report);
    assert_eq!(report.reason, Reason::MissingPermissions, "{text}");
    assert!(
        report
            .findings
            .missing_permissions
            .contains(&"routing:queue:edit".to_string()),
        "{:?}",
        report.findings.missing_permissions
    );
    assert!(
        text.contains("genesyscloud_routing_queue (update)"),
        "{text}"
    );
    assert!(text.contains("genesyscloud provider v1.84.1"), "{text}");
    assert_eq!(report.blame, Some(Input::GenesysResources));
    // The wildcard client manages queues whole.
    let report = check(inputs(&idp, WILDCARD_ID).with(
        Input::GenesysResources,
        permissions(&["genesyscloud_routing_queue"]),
    ))
    .await;
    assert_eq!(report.reason, Reason::Ok, "{}", detail(&report));
}

#[test]
fn an_unknown_type_or_a_malformed_permission_is_an_input_error_naming_the_fix() {
    let base = || {
        Inputs::new()
            .with_text(Input::ClientId, GRANTS_ID)
            .with(
                Input::ClientSecret,
                Given::Secret(
                    check::Secret::new(SECRET),
                    check::SecretOrigin::Env("S".into()),
                ),
            )
            .with_text(Input::GenesysRegion, "eu-west-1")
    };
    let report = base()
        .with(
            Input::GenesysResources,
            permissions(&["genesyscloud_routing_queues"]),
        )
        .resolve(&|_| None)
        .expect_err("unknown type");
    assert_eq!(report.reason, Reason::InvalidInput);
    assert!(
        detail(&report).contains("did you mean genesyscloud_routing_queue?"),
        "{}",
        detail(&report)
    );
    let report = base()
        .with(
            Input::RequiredPermissions,
            permissions(&["routing.queue.view"]),
        )
        .resolve(&|_| None)
        .expect_err("malformed");
    assert!(
        detail(&report).contains("domain:entity:action"),
        "{}",
        detail(&report)
    );
    let report = Inputs::new()
        .with_text(Input::ClientId, "ci")
        .with(
            Input::ClientSecret,
            Given::Secret(
                check::Secret::new(SECRET),
                check::SecretOrigin::Env("S".into()),
            ),
        )
        .with_text(Input::TokenUrl, "https://login.example.com/oauth/token")
        .with(
            Input::RequiredPermissions,
            permissions(&["routing:queue:view"]),
        )
        .resolve(&|_| None)
        .expect_err("not genesys");
    assert!(
        report
            .summary_in(&check::Plain)
            .contains("applies to Genesys Cloud only")
    );
}

fn authcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args(args)
        .env_remove("AUTHCHECK_CLIENT_ID")
        .env_remove("GENESYSCLOUD_OAUTHCLIENT_ID")
        .env_remove("GENESYSCLOUD_REGION")
        .env("AUTHCHECK_CLIENT_SECRET", SECRET)
        .env("NO_COLOR", "1")
        .output()
        .expect("run authcheck")
}

fn plan_json(changes: &[(&str, &str, &[&str])]) -> String {
    let entries: Vec<String> = changes
        .iter()
        .map(|(address, type_name, actions)| {
            format!(
                r#"{{"address":"{address}","mode":"managed","type":"{type_name}","name":"x","provider_name":"registry.terraform.io/mypurecloud/genesyscloud","change":{{"actions":{actions:?}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"format_version":"1.2","resource_changes":[{}]}}"#,
        entries.join(",")
    )
}

#[tokio::test]
async fn the_cli_checks_flags_and_a_mixed_plan() {
    let idp = idp().await;
    let base = idp.base_url();
    // `authcheck check` for client `id` against the test IdP, in `format`, with `extra` flags.
    let cli = |id: &str, format: &str, extra: &[&str]| {
        let args: Vec<String> = [
            "check",
            "--client-id",
            id,
            "--genesys-login-url",
            &base,
            "--genesys-api-url",
            &base,
            "--format",
            format,
        ]
        .iter()
        .chain(extra)
        .map(|a| a.to_string())
        .collect();
        async move {
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                authcheck(&args)
            })
            .await
            .expect("join")
        }
    };
    let json = |out: &Output| -> serde_json::Value {
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("json: {}", String::from_utf8_lossy(&out.stderr)))
    };

    let out = cli(
        GRANTS_ID,
        "json",
        &["--require-permission", "architect:flow:view"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let body = json(&out);
    assert_eq!(body["reason"], "missing_permissions");
    assert_eq!(
        body["missing_permissions"],
        serde_json::json!(["architect:flow:view"])
    );
    assert_eq!(body["permissions_source"], "grants");

    let out = cli(
        WILDCARD_ID,
        "json",
        &["--genesys-resource", "genesyscloud_routing_queue"],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A mixed plan: a queue refreshed (held), one created (held: view, add), one updated (edit: not held), a
    // flow created (not held), and a resource of another provider (ignored).
    let dir = std::env::temp_dir().join(format!("authcheck-plan-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("plan.json");
    let mut plan = plan_json(&[
        (
            "genesyscloud_routing_queue.kept",
            "genesyscloud_routing_queue",
            &["no-op"],
        ),
        (
            "genesyscloud_routing_queue.new",
            "genesyscloud_routing_queue",
            &["create"],
        ),
        (
            "genesyscloud_routing_queue.renamed",
            "genesyscloud_routing_queue",
            &["update"],
        ),
        ("genesyscloud_flow.ivr", "genesyscloud_flow", &["create"]),
    ]);
    plan = plan.replace(
        "]}",
        r#",{"address":"null_resource.n","mode":"managed","type":"null_resource","provider_name":"registry.terraform.io/hashicorp/null","change":{"actions":["create"]}}]}"#,
    );
    std::fs::write(&file, plan).expect("write plan");
    let plan_file = file.display().to_string();
    let out = cli(GRANTS_ID, "text", &["--plan-json", &plan_file]).await;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("genesyscloud_routing_queue.renamed (update)"),
        "{text}"
    );
    assert!(text.contains("genesyscloud_flow.ivr (create)"), "{text}");
    assert!(
        !text.contains("genesyscloud_routing_queue.kept"),
        "held requirements are not listed: {text}"
    );
    assert!(!text.contains("null_resource"), "{text}");
    assert!(!text.contains(SECRET));

    // Under --strict, what no probe can tell is inconclusive (exit 3); an unknown type is a usage error (exit 2).
    let out = cli(
        PROBE_ID,
        "json",
        &["--require-permission", "routing:queue:delete", "--strict"],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(json(&out)["reason"], "unverifiable");
    let out = cli(
        GRANTS_ID,
        "json",
        &["--genesys-resource", "genesyscloud_routing_queues"],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("did you mean genesyscloud_routing_queue?")
    );

    // A file that is not a plan is a usage error naming the command to make one.
    std::fs::write(&file, "not json").expect("write");
    let out = cli(GRANTS_ID, "json", &["--plan-json", &plan_file]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("terraform show -json"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_plans_fail_on_a_missing_permission_and_pass_when_held() {
    let idp = idp().await;
    let tf = terraforms().remove(0);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = |file: &str| {
        std::fs::read_to_string(root.join("examples/genesys").join(file)).expect("example")
    };
    let ws = std::sync::Arc::new(workspace(
        "genesys-permissions",
        &[
            ("main.tf", example("main.tf")),
            ("versions.tf", example("versions.tf")),
        ],
    ));
    // (client, TF_VAR_genesys_resources, TF_VAR_required_permissions, TF_VAR_strict, exit, words)
    type Scenario<'a> = (&'a str, &'a str, &'a str, &'a str, i32, &'a [&'a str]);
    let scenarios: [Scenario; 7] = [
        (
            WILDCARD_ID,
            r#"["genesyscloud_routing_queue"]"#,
            "[]",
            "false",
            0,
            &[
                "permissions_source = \"grants\"",
                "missing_permissions = []",
            ],
        ),
        (
            GRANTS_ID,
            r#"["genesyscloud_routing_queues"]"#,
            "[]",
            "false",
            1,
            &[
                "reason: invalid_input",
                "did you mean genesyscloud_routing_queue?",
            ],
        ),
        (
            PROBE_ID,
            "[]",
            r#"["routing:queue:delete"]"#,
            "false",
            0,
            &["Warning", "authorization:role:view"],
        ),
        (
            PROBE_ID,
            "[]",
            r#"["routing:queue:delete"]"#,
            "true",
            1,
            &["reason: unverifiable", "routing:queue:delete"],
        ),
        (
            GRANTS_ID,
            r#"["genesyscloud_routing_queue"]"#,
            "[]",
            "false",
            1,
            &[
                "reason: missing_permissions",
                "routing:queue:edit",
                "Roles tab",
            ],
        ),
        (
            ROLES_ID,
            "[]",
            r#"["routing:queue:view"]"#,
            "false",
            0,
            &["permissions_source = \"roles\""],
        ),
        (
            DIVISION_ID,
            "[]",
            r#"["routing:queue:view"]"#,
            "false",
            0,
            &["permissions_source = \"grants\""],
        ),
    ];
    let mut problems = Vec::new();
    for (id, resources, required, strict, code, needles) in scenarios {
        let (ws, tf, base) = (ws.clone(), tf.clone(), idp.base_url());
        let out = tokio::task::spawn_blocking(move || {
            command(&tf, &ws, &["plan", "-no-color", "-input=false"])
                .env("GENESYSCLOUD_OAUTHCLIENT_ID", id)
                .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)
                .env("TF_VAR_genesys_login_url", &base)
                .env("TF_VAR_genesys_api_url", &base)
                .env("TF_VAR_genesys_resources", resources)
                .env("TF_VAR_required_permissions", required)
                .env("TF_VAR_strict", strict)
                .output()
                .expect("terraform")
        })
        .await
        .expect("join");
        problems.extend(plan_problems(id, &out, Some(code), needles, SECRET));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n-----\n\n"));
}
