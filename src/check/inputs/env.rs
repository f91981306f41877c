//! The environment, as the inputs stage reads it: a lookup closure (so tests and fuzzers never touch the real
//! environment), the documented fallbacks of an input, and the refusals that name a variable or an input.

use crate::check::report::Report;
use crate::check::report::words::Words;
use crate::surface::{self, Input};
use crate::words;

/// Reads an environment variable (a closure, so tests and fuzzers never touch the real environment).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

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
