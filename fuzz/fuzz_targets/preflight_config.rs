//! A Terraform root module as `authcheck preflight` reads it: `preflight::read::parse` on a configuration file and
//! a variable definitions file. The input is the configuration's text, then (after the first 0xFF byte, which no
//! UTF-8 text holds) the definitions file's; a text starting with `{` is read as JSON (`main.tf.json`,
//! `terraform.tfvars.json`). The environment sets `TF_VAR_secret` and `TF_VAR_list`; the seeds declare them.
//!
//! Never panics; a refusal is one bounded line naming a file of the input; every location names a file read and a
//! line inside it; an unreadable attribute shows a short one-line expression; `used` is sorted and unique; a
//! provider's `alias` is not among its attributes; and the text of a file read with `file()` (always a secret to
//! the reader) or of a `TF_VAR_` never reaches the configuration's `Debug` form.
#![no_main]

mod common;

use authcheck::cli::preflight::read::{Attr, Configuration, Location, Sources, parse};
use libfuzzer_sys::fuzz_target;

/// What `TF_VAR_secret` holds, and what every `file()` reads.
const ENV_SECRET: &str = "fuzzenvsecret7c1d";
const FILE_SECRET: &str = "fuzzfilesecret93be";

fn env(name: &str) -> Option<String> {
    match name {
        "TF_VAR_secret" => Some(ENV_SECRET.to_owned()),
        "TF_VAR_list" => Some(r#"["a", "b"]"#.to_owned()),
        _ => None,
    }
}

fn read_file(_path: &str) -> Result<Vec<u8>, String> {
    Ok(FILE_SECRET.as_bytes().to_vec())
}

/// The file name a text is read under: JSON when it starts with `{`, as people write those files.
fn name(text: &[u8], hcl: &str, json: &str) -> String {
    let json_like = text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if json_like { json } else { hcl }.to_owned()
}

/// Lines in each file the input gives, for checking locations.
fn lines(sources: &Sources) -> Vec<(String, usize)> {
    sources
        .tf
        .iter()
        .chain(&sources.tfvars)
        .map(|(name, bytes)| (name.clone(), common::count_newlines(bytes) + 1))
        .collect()
}

fn check_location(what: &str, at: &Location, files: &[(String, usize)]) {
    let Some((_, count)) = files.iter().find(|(name, _)| *name == at.file) else {
        panic!("{what} is in {:?}, not a file read", at.file);
    };
    assert!(
        at.line as usize <= *count,
        "{what} at line {} of a {count}-line file",
        at.line
    );
}

fn check_attr(name: &str, attr: &Attr, files: &[(String, usize)]) {
    check_location(name, attr.at(), files);
    if let Attr::Unreadable {
        expression, why, ..
    } = attr
    {
        common::assert_one_line("expression", expression);
        common::assert_short("expression", expression, 90);
        common::assert_one_line("why", why);
        common::assert_short("why", why, 600);
    }
}

fn check_config(config: &Configuration, files: &[(String, usize)]) {
    for provider in &config.providers {
        check_location("provider", &provider.at, files);
        assert!(
            !provider.attributes.contains_key("alias"),
            "alias kept as an attribute"
        );
        for (name, attr) in &provider.attributes {
            check_attr(name, attr, files);
        }
        for (kind, nested) in &provider.blocks {
            check_location(kind, &nested.at, files);
            for (name, attr) in &nested.attributes {
                check_attr(name, attr, files);
            }
        }
    }
    for required in &config.required {
        check_location("required", &required.at, files);
        assert_eq!(
            required.source,
            required.source.to_lowercase(),
            "source not lower-case"
        );
    }
    if let Some(elsewhere) = &config.runs_elsewhere {
        check_location("runs_elsewhere", &elsewhere.at, files);
    }
    assert!(
        config.used.windows(2).all(|w| w[0] < w[1]),
        "used not sorted and unique: {:?}",
        config.used
    );
    assert!(
        config.used.iter().all(|name| !name.is_empty()),
        "an empty used name"
    );
}

fuzz_target!(|data: &[u8]| {
    let (tf, tfvars) = match data.iter().position(|&b| b == 0xFF) {
        Some(split) => (&data[..split], Some(&data[split + 1..])),
        None => (data, None),
    };
    let mut sources = Sources::default();
    sources
        .tf
        .push((name(tf, "main.tf", "main.tf.json"), tf.to_vec()));
    if let Some(tfvars) = tfvars {
        let file = name(tfvars, "terraform.tfvars", "terraform.tfvars.json");
        sources.tfvars.push((file, tfvars.to_vec()));
    }
    let files = lines(&sources);
    match parse(&sources, &env, &read_file) {
        Err(error) => {
            let shown = error.to_string();
            common::assert_one_line("error", &shown);
            common::assert_short("error", &shown, 400);
            if let Some(at) = &error.at {
                check_location("error", at, &files);
            }
        }
        Ok(config) => {
            check_config(&config, &files);
            let shown = format!("{config:?}");
            // The input may write the marker itself; only a secret that came from outside the text counts. In any
            // letter case: a provider's source address is shown lower-cased, as Terraform reads it.
            let written = |marker: &str| {
                data.windows(marker.len())
                    .any(|w| w.eq_ignore_ascii_case(marker.as_bytes()))
            };
            // The input is searched only when the Debug text holds a marker: scanning every input for both
            // markers was a seventh of this target's time.
            assert!(
                !shown.contains(FILE_SECRET) || written(FILE_SECRET),
                "file() text in Debug: {shown}"
            );
            // A path to `file()` is no secret and is shown (`Origin::File`), so `file(var.secret)` shows it.
            assert!(
                !shown.contains(ENV_SECRET)
                    || written(ENV_SECRET)
                    || data.windows(4).any(|w| w == b"file"),
                "TF_VAR_secret in Debug: {shown}"
            );
        }
    }
});
