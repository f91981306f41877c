//! The JSON query Terraform's `external` data source writes to `authcheck external` (`cli::external::parse_query`),
//! then, as the command does, `Inputs::resolve`, and the protocol's outputs and stderr line for a failed report.
//! Never panics; errors are the one line the protocol prints on stderr.
//!
//! The environment is a fixed closure, `client_secret_file` is dropped before resolving and the other file inputs
//! are moved under a directory that does not exist: a fuzzer must not open whatever path it makes up (/dev/stdin
//! would block, /dev/zero would never end).
#![no_main]

use authcheck::check::Given;
use authcheck::cli::external;
use authcheck::surface::Input;
use libfuzzer_sys::fuzz_target;

fn assert_one_line(what: &str, text: &str) {
    assert!(
        !text.contains(char::is_control),
        "{what} is not one line: {text:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let mut query = match external::parse_query(data) {
        Ok(query) => query,
        Err(line) => {
            assert_one_line("error", &line);
            return;
        }
    };
    if let Some(Given::Text(path)) = query.inputs.remove(Input::ClientSecretFile) {
        assert!(
            !path.trim().is_empty(),
            "a blank client_secret_file was kept"
        );
    }
    // The other files a check reads are looked for under a directory that does not exist: the refusal naming a
    // made-up path is exercised (the campaign found one quoting DEL), and nothing is opened.
    for input in [
        Input::PrivateKeyFile,
        Input::CertificateFile,
        Input::Pkcs12File,
        Input::FederatedTokenFile,
        Input::GcpCredentialsFile,
    ] {
        if let Some(Given::Text(path)) = query.inputs.remove(input) {
            let nowhere = format!("/nonexistent-authcheck-fuzz/{path}");
            query.inputs.set(input, Given::Text(nowhere));
        }
    }
    let env = |name: &str| match name {
        "AUTHCHECK_CLIENT_ID" => Some("3f2a9c1e".to_string()),
        "AUTHCHECK_CLIENT_SECRET" | "CI_SECRET" => Some("s3cr3t-Vx8TqP2mWz".to_string()),
        _ => None,
    };
    if let Err(report) = query.inputs.resolve(&env) {
        let line = external::failure_line(&report);
        assert_one_line("failure line", &line);
        let outputs = external::outputs(&report);
        assert_eq!(outputs.get("valid").map(String::as_str), Some("false"));
        // `checks` travels as a JSON string (jsondecode() in HCL).
        let checks = outputs.get("checks").expect("checks is always an output");
        assert!(
            checks.starts_with('[') && checks.ends_with(']'),
            "checks is not a JSON array: {checks:?}"
        );
    }
});
