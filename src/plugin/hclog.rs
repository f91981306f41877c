//! Log lines in hclog's JSON shape on stderr, so Terraform files them under the right level for `TF_LOG`.

use std::io::Write;
use std::sync::OnceLock;

use crate::log::Level;

/// Writes one hclog JSON line to stderr, when Terraform's logging variables ask for its level.
pub fn sink(level: Level, message: &str, fields: &[(&str, &str)]) {
    static LEAST: OnceLock<Option<Level>> = OnceLock::new();
    let least = LEAST.get_or_init(|| least_level(&|name| std::env::var(name).ok()));
    if least.is_none_or(|least| level < least) {
        return;
    }
    let mut line = serde_json::Map::new();
    line.insert("@level".into(), level.name().into());
    line.insert("@message".into(), message.into());
    line.insert("@module".into(), "authcheck".into());
    line.insert(
        "@timestamp".into(),
        crate::check::base::clock::rfc3339_micros(std::time::SystemTime::now()).into(),
    );
    for (key, value) in fields {
        line.insert((*key).to_string(), (*value).into());
    }
    let mut text = serde_json::Value::Object(line).to_string();
    text.push('\n');
    // One write per line, so lines from concurrent tasks do not interleave.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// The least level a line needs to be written, as Terraform's providers read it (terraform-plugin-log): `TF_LOG`,
/// which overrides the others, else `TF_LOG_PROVIDER`, else `TF_LOG_PROVIDER_AUTHCHECK`. `JSON` and a value that
/// names no level mean trace, as Terraform reads them. None set: nothing (Terraform logs nothing then, yet it
/// reads every line a provider writes: a fifty-instance plan wrote 48 debug lines for it to parse and drop).
fn least_level(var: &dyn Fn(&str) -> Option<String>) -> Option<Level> {
    let value = ["TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_AUTHCHECK"]
        .into_iter()
        .filter_map(var)
        .find(|value| !value.trim().is_empty())?;
    Some(match value.trim().to_ascii_lowercase().as_str() {
        "debug" => Level::Debug,
        "info" => Level::Info,
        "warn" => Level::Warn,
        "error" => Level::Error,
        _ => Level::Trace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn least(vars: &[(&str, &str)]) -> Option<Level> {
        least_level(&|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn the_level_comes_from_terraforms_logging_variables_in_their_order() {
        assert_eq!(least(&[]), None);
        assert_eq!(least(&[("TF_LOG", "  ")]), None);
        assert_eq!(least(&[("TF_LOG", "DEBUG")]), Some(Level::Debug));
        assert_eq!(least(&[("TF_LOG", "json")]), Some(Level::Trace));
        assert_eq!(least(&[("TF_LOG", "verbose")]), Some(Level::Trace));
        assert_eq!(
            least(&[("TF_LOG", "warn"), ("TF_LOG_PROVIDER", "trace")]),
            Some(Level::Warn)
        );
        assert_eq!(
            least(&[
                ("TF_LOG_PROVIDER", "info"),
                ("TF_LOG_PROVIDER_AUTHCHECK", "trace")
            ]),
            Some(Level::Info)
        );
        assert_eq!(
            least(&[
                ("TF_LOG_CORE", "trace"),
                ("TF_LOG_PROVIDER_AUTHCHECK", "error")
            ]),
            Some(Level::Error)
        );
    }
}
