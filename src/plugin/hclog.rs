//! Log lines in hclog's JSON shape on stderr, so Terraform files them under the right level for `TF_LOG`.

use std::io::Write;

use crate::log::Level;

/// Writes one hclog JSON line to stderr.
pub fn sink(level: Level, message: &str, fields: &[(&str, &str)]) {
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
