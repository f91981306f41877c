//! The environment, as the inputs stage reads it: a lookup closure (so tests and fuzzers never touch the real
//! environment), the documented fallbacks of an input, and the refusals that name a variable or an input.

use crate::check::inputs::given::Inputs;
use crate::check::report::Report;
use crate::check::report::words::Words;
use crate::surface::{self, Input};
use crate::words;

/// Reads an environment variable (a closure, so tests and fuzzers never touch the real environment).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A path the user or a configuration gave, for one line of a message: each control character as its escape
/// (`\n`, `\u{7f}`), so that the name is still told apart and nothing reaches a terminal, and at most 200
/// characters, then `…` (an unreadable path may be a value pasted in the wrong place).
pub fn shown_path(path: &str) -> String {
    const SHOWN: usize = 200;
    let mut out = String::new();
    for (count, c) in path.chars().enumerate() {
        if count == SHOWN {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A short, stable description of an I/O error (without the OS error number noise).
pub fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => err.to_string(),
    }
}

/// The first non-empty environment variable of an input's documented fallbacks, with its name.
pub fn from_env(input: Input, env: Env<'_>) -> Option<(&'static str, String)> {
    surface::input(input)
        .env
        .iter()
        .find_map(|name| env(name).filter(|v| !v.is_empty()).map(|v| (*name, v)))
}

/// An input as given, or else the first of its documented variables that holds more than blanks: how a vendor
/// reads an endpoint override (`AUTHCHECK_GENESYS_LOGIN_URL`, ...) once its check is selected.
pub fn given_or_env(inputs: &Inputs, input: Input, env: Env<'_>) -> Option<String> {
    inputs.text(input).map(str::to_string).or_else(|| {
        from_env(input, env)
            .map(|(_, value)| value)
            .filter(|value| !value.trim().is_empty())
    })
}

/// `A (or B, C)`: an input's environment fallbacks in a sentence.
pub fn env_names(input: Input) -> String {
    match surface::input(input).env {
        [] => String::new(),
        [one] => (*one).to_string(),
        [first, rest @ ..] => format!("{first} (or {})", rest.join(", ")),
    }
}

/// `input` names the variable `name`, which is not set: `rest` says so and what to do ("is not set …").
pub fn unset_variable(input: Input, name: &str, rest: &str) -> Box<Report> {
    refuse(
        input,
        words![
            format!("Environment variable {name} ("),
            input,
            ") is not set"
        ],
        words![input, format!(" names the variable {name}, but it {rest}")],
    )
}

/// A refusal: the check cannot run with these inputs.
pub fn refuse(blame: Input, summary: Words, detail: Words) -> Box<Report> {
    Box::new(Report::refused(summary, detail, blame))
}

/// A refusal whose cause is the job's environment, not an input: nothing to blame, not a usage error.
pub fn environment_refusal(summary: Words, detail: Words) -> Box<Report> {
    let mut report = Report::refused(summary, detail, Input::ClientId);
    report.blame = None;
    report.usage = false;
    Box::new(report)
}

/// Reads a file of at most `max` bytes that may hold secrets (a credentials file, a key file): `Ok(None)` when
/// there is none, the reason when it cannot be read; its text is a `Secret`, and every other copy is wiped.
pub fn read_secret_file(
    path: &str,
    max: usize,
) -> Result<Option<crate::check::base::secret::Secret>, String> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(io_reason(&err)),
    };
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| io_reason(&err))?;
    if bytes.len() > max {
        zeroize::Zeroize::zeroize(&mut bytes);
        return Err(format!("it is larger than {} KiB", max / 1024));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(crate::check::base::secret::Secret::new(text))),
        Err(err) => {
            zeroize::Zeroize::zeroize(&mut err.into_bytes());
            Err("it is not UTF-8 text".to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_shown_with_its_control_characters_escaped_and_cut_short() {
        assert_eq!(shown_path("/tmp/a b/c.pem"), "/tmp/a b/c.pem");
        assert_eq!(shown_path("a\u{7f}\u{1b}[2J\nb"), "a\\u{7f}\\u{1b}[2J\\nb");
        let long = shown_path(&"é".repeat(300));
        assert_eq!(long.chars().count(), 201);
        assert!(long.ends_with('…'));
    }
}
