//! The input rules that need nothing but the inputs: empty values, URL shape, choices, ranges, list entries and
//! conflicting inputs ([`rows`], [`conflicts`]). Written once; the plugin's validation, the CLI's usage errors,
//! the external program and the engine itself all run them through `check::validate`, with the vendors' own
//! rules in between.

use crate::check::inputs::given::{Given, Inputs};
use crate::check::report::words::{Words, one_of};
use crate::surface::{self, Input, Kind};
use crate::words;

/// A mistake in the inputs of one level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The input to blame.
    pub input: Input,
    /// The list entry to blame, for list inputs.
    pub index: Option<usize>,
    /// One line.
    pub summary: Words,
    /// What to do.
    pub detail: Words,
}

impl Problem {
    /// A problem with one input, not one entry of a list.
    pub fn new(input: Input, summary: Words, detail: Words) -> Problem {
        Problem {
            input,
            index: None,
            summary,
            detail,
        }
    }
}

/// What is wrong with a URL's shape, if anything: (summary, detail). Plain http is the engine's concern (it
/// depends on `allow_http` and loopback), not a shape rule.
pub fn url_shape(input: Input, text: &str) -> Option<(Words, Words)> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Some((
            words![input, " is empty"],
            words!["Set ", input, " to an absolute https:// URL."],
        ));
    }
    if trimmed != text {
        return Some((
            words![input, " has leading or trailing whitespace"],
            words!["Remove the whitespace around the URL in ", input, "."],
        ));
    }
    let url = match url::Url::parse(trimmed) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let guess = format!("https://{trimmed}");
            // Only a guess worth quoting back: one line, no spaces, a host that looks like one.
            let plausible = !trimmed.chars().any(|c| c.is_control() || c.is_whitespace())
                && trimmed.chars().count() <= 300
                && url::Url::parse(&guess).is_ok_and(|u| {
                    u.host_str()
                        .is_some_and(|h| h.contains('.') || h == "localhost")
                });
            return Some(if plausible {
                (
                    words![input, " has no scheme: did you mean ", guess.clone(), "?"],
                    words![
                        input,
                        " must be an absolute URL with its scheme. Add https:// in front: ",
                        guess,
                        "."
                    ],
                )
            } else {
                (
                    words![input, " is not an absolute URL"],
                    words![
                        input,
                        " must be an absolute URL such as https://login.example.com/oauth2/token."
                    ],
                )
            });
        }
        Err(err) => {
            return Some((
                words![input, format!(" is not an absolute URL ({err})")],
                words![
                    input,
                    " must be an absolute URL such as https://login.example.com/oauth2/token."
                ],
            ));
        }
    };
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
        return Some((
            words![
                input,
                format!(
                    " must be an https:// URL with a host, got scheme {:?}",
                    url.scheme()
                )
            ],
            words![
                input,
                " must be an absolute https:// URL such as https://login.example.com/oauth2/token."
            ],
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some((
            words![
                input,
                " carries credentials in the URL (user:password@host)"
            ],
            words![
                "Remove the user and password from ",
                input,
                ": the client id and secret are sent the OAuth2 way, and credentials in URLs leak into logs."
            ],
        ));
    }
    None
}

fn text_problem(row: &surface::InputSpec, text: &str) -> Option<Problem> {
    let input = row.input;
    if text.trim().is_empty() && row.kind != Kind::Url {
        return Some(Problem::new(
            input,
            words![input, " is empty"],
            words![
                "Set ",
                input,
                " to a value, or remove it to use the default or the provider's."
            ],
        ));
    }
    match row.kind {
        Kind::Url => {
            url_shape(input, text).map(|(summary, detail)| Problem::new(input, summary, detail))
        }
        Kind::Choice(choices) if !choices.contains(&text) => Some(Problem::new(
            input,
            words![input, format!(" {text:?} is not supported")],
            words![input, format!(" must be {}.", one_of(choices))],
        )),
        // A name with a control character is no variable anyone set, and would be quoted into one-line messages.
        Kind::EnvName
            if text.contains('=') || text.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Some(Problem::new(
                input,
                words![input, " must be the name of an environment variable"],
                words![
                    input,
                    " takes the variable's name (e.g. PIPELINE_CLIENT_SECRET), not its value or an assignment."
                ],
            ))
        }
        _ => None,
    }
}

/// What one entry of a list input is.
fn item_noun(input: Input) -> &'static str {
    match input {
        Input::RequiredPermissions => "permission",
        Input::GenesysResources => "resource type",
        _ => "scope",
    }
}

/// Every problem with one level's inputs, one input at a time, in table order.
pub fn rows(inputs: &Inputs) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (input, given) in inputs.given() {
        let row = surface::input(input);
        match (given, row.kind) {
            (Given::Text(text), _) => problems.extend(text_problem(row, text)),
            (Given::Secret(secret, crate::check::inputs::request::SecretOrigin::Input(_)), _)
                if secret.expose().trim().is_empty() =>
            {
                problems.push(Problem::new(
                    input,
                    words![input, " is empty"],
                    words![
                        "Set ",
                        input,
                        " to the secret, or remove it to use another source."
                    ],
                ));
            }
            (Given::Int(n), Kind::Int { min, max }) if !(min..=max).contains(n) => {
                problems.push(Problem::new(
                    input,
                    words![input, format!(" must be between {min} and {max}")],
                    words![input, format!(" is {n}.")],
                ));
            }
            (Given::List(items), Kind::Tokens) => {
                for (index, item) in items.iter().enumerate() {
                    if item.is_empty() || item.chars().any(|c| c.is_whitespace() || c.is_control())
                    {
                        problems.push(Problem {
                            input,
                            index: Some(index),
                            summary: words![input, format!(" entry {index} is not a single {}", item_noun(input))],
                            detail: words![
                                "Each entry of ",
                                input,
                                format!(
                                    " is one {}: non-empty, without spaces ({item:?}). Give [\"a\", \"b\"], not [\"a b\"].",
                                    item_noun(input)
                                )
                            ],
                        });
                    }
                }
            }
            _ => {}
        }
    }
    problems
}

/// Inputs of one level that exclude each other.
pub fn conflicts(inputs: &Inputs) -> Vec<Problem> {
    let mut problems = Vec::new();
    let endpoints: Vec<Input> = [
        Input::TokenUrl,
        Input::Issuer,
        Input::GenesysRegion,
        Input::EntraTenantId,
    ]
    .into_iter()
    .filter(|i| inputs.is_set(*i))
    .collect();
    if endpoints.len() > 1 {
        let mut summary = words!["Conflicting endpoint inputs: "];
        for (i, input) in endpoints.iter().enumerate() {
            if i > 0 {
                summary.push(" and ");
            }
            summary.push(*input);
        }
        problems.push(Problem::new(
            endpoints[1],
            summary,
            words![
                "Set exactly one of ",
                Input::TokenUrl,
                ", ",
                Input::Issuer,
                " or ",
                Input::GenesysRegion,
                " (with ",
                Input::GenesysLoginUrl,
                " and ",
                Input::GenesysApiUrl,
                " for gateways) or ",
                Input::EntraTenantId,
                ": each names the token endpoint a different way, and authcheck will not guess which one you meant."
            ],
        ));
    }
    if inputs.is_set(Input::TokenUrl) && inputs.is_set(Input::GenesysLoginUrl) {
        problems.push(Problem::new(
            Input::GenesysLoginUrl,
            words![
                "Conflicting endpoint inputs: ",
                Input::TokenUrl,
                " and ",
                Input::GenesysLoginUrl
            ],
            words![
                Input::GenesysLoginUrl,
                " names the Genesys login host; ",
                Input::TokenUrl,
                " names a token endpoint outright. Set one."
            ],
        ));
    }
    let secrets: Vec<Input> = [
        Input::ClientSecretEnv,
        Input::ClientSecretFile,
        Input::ClientSecretStdin,
    ]
    .into_iter()
    .filter(|i| inputs.is_set(*i) && inputs.flag(*i) != Some(false))
    .collect();
    if secrets.len() > 1 {
        problems.push(Problem::new(
            secrets[1],
            words![
                "Conflicting secret sources: ",
                secrets[0],
                " and ",
                secrets[1]
            ],
            words!["Name one place the secret comes from."],
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::report::words::Plain;

    /// What the generic rules find: each input, then the conflicts (the vendors' rules go in between).
    fn level(inputs: &Inputs) -> Vec<Problem> {
        let mut problems = rows(inputs);
        problems.extend(conflicts(inputs));
        problems
    }

    fn summaries(inputs: &Inputs) -> Vec<String> {
        level(inputs)
            .iter()
            .map(|p| p.summary.render(&Plain))
            .collect()
    }

    #[test]
    fn two_endpoint_inputs_at_one_level_are_refused() {
        let inputs = Inputs::new()
            .with_text(Input::TokenUrl, "https://idp.example/token")
            .with_text(Input::Issuer, "https://issuer.example");
        assert_eq!(
            summaries(&inputs),
            ["Conflicting endpoint inputs: token_url and issuer"]
        );
    }

    #[test]
    fn shapes_ranges_choices_and_list_entries_are_named() {
        let inputs = Inputs::new()
            .with_text(Input::TokenUrl, "login.example.com/oauth/token")
            .with_text(Input::AuthMethod, "basic")
            .with(Input::TimeoutSeconds, Given::Int(0))
            .with(
                Input::RequiredScopes,
                Given::List(vec!["a b".into(), String::new()]),
            )
            .with_text(Input::ClientId, "  ");
        let got = summaries(&inputs);
        assert_eq!(
            got,
            [
                "client_id is empty",
                "token_url has no scheme: did you mean https://login.example.com/oauth/token?",
                "auth_method \"basic\" is not supported",
                "required_scopes entry 0 is not a single scope",
                "required_scopes entry 1 is not a single scope",
                "timeout_seconds must be between 1 and 600",
            ]
        );
    }

    #[test]
    fn a_variable_name_with_a_control_character_is_refused_not_quoted() {
        // Found by the fuzzer (fuzz/regressions/external_query/env-name-with-del): the "is not set" summary
        // quoted DEL characters.
        let inputs = Inputs::new().with_text(Input::ClientSecretEnv, "[I\u{7f}\u{7f}");
        assert_eq!(
            summaries(&inputs),
            ["client_secret_env must be the name of an environment variable"]
        );
    }

    #[test]
    fn a_url_without_scheme_is_quoted_back_only_when_it_is_one_printable_line() {
        // Found by the fuzzer (fuzz/regressions/token_url, external_query): the guess quoted a NUL and a DEL.
        for text in [
            "s3cr3t-${var.val,x}\0",
            "example.com/re`alien\u{7f}ost",
            "a b.example/x",
        ] {
            let inputs = Inputs::new().with_text(Input::TokenUrl, text);
            for problem in level(&inputs) {
                for words in [
                    problem.summary.render(&Plain),
                    problem.detail.render(&Plain),
                ] {
                    assert!(!words.contains(char::is_control), "{words:?}");
                    assert!(!words.contains("did you mean"), "{words:?}");
                }
            }
        }
    }

    #[test]
    fn well_formed_inputs_have_no_problems() {
        let inputs = Inputs::new()
            .with_text(Input::TokenUrl, "https://idp.example/token")
            .with_text(Input::ClientId, "ci")
            .with(Input::MaxRetries, Given::Int(10))
            .with(Input::Scopes, Given::List(vec!["read".into()]));
        assert!(level(&inputs).is_empty());
    }
}
