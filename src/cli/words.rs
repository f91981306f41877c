//! How the CLI and the external program name inputs: flags and environment variables, query keys.

use crate::check::report::words::{Vocabulary, one_of};
use crate::surface::{self, Group, Input, Place};

/// The CLI's vocabulary: `--client-id`, `--allow-http`, `AUTHCHECK_CLIENT_SECRET`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CliWords;

impl Vocabulary for CliWords {
    fn name(&self, input: Input) -> String {
        let row = surface::input(input);
        match (row.flag, row.env.first()) {
            (Some(flag), _) => format!("--{}", flag.long),
            (None, Some(env)) => (*env).to_string(),
            (None, None) => row.name.to_string(),
        }
    }

    fn assign(&self, input: Input, value: &str) -> String {
        let row = surface::input(input);
        match row.flag {
            Some(flag) if flag.value.is_none() => format!("--{}", flag.long),
            Some(flag) => format!("--{} {value}", flag.long),
            None => format!("{}={value}", self.name(input)),
        }
    }

    fn group(&self, group: Group) -> String {
        let mut ways: Vec<String> = surface::group_members(group)
            .filter_map(|row| row.flag.map(|flag| format!("--{}", flag.long)))
            .collect();
        if group == Group::SecretSource {
            let env = surface::input(Input::ClientSecret).env;
            if let Some(first) = env.first() {
                ways.push(first.to_string());
            }
            let mut phrase = one_of(&ways.iter().map(String::as_str).collect::<Vec<_>>());
            if env.len() > 1 {
                phrase.push_str(&format!(" (or {})", env[1..].join(", ")));
            }
            return phrase;
        }
        one_of(&ways.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

/// The external program's vocabulary: the query's keys.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExternalWords;

impl Vocabulary for ExternalWords {
    fn name(&self, input: Input) -> String {
        input.name().to_string()
    }

    fn assign(&self, input: Input, value: &str) -> String {
        format!("{} = \"{value}\" in the query", input.name())
    }

    fn place(&self, input: Input) -> String {
        format!("the {} query key", input.name())
    }

    fn group(&self, group: Group) -> String {
        let names: Vec<&str> = surface::group_members(group)
            .filter(|row| row.places.has(Place::External))
            .map(|row| row.name)
            .collect();
        let mut phrase = one_of(&names);
        if group == Group::SecretSource {
            phrase.push_str(" (never the secret itself: Terraform stores the query in state)");
        }
        phrase
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::report::words::Assign;
    use crate::words;

    #[test]
    fn the_cli_names_its_own_flags_and_variables() {
        let sentence = words![
            "set ",
            Assign(Input::AllowHttp, "true".into()),
            ", raise ",
            Input::TimeoutSeconds,
            ", fix ",
            Input::ClientId,
            "; give the secret by ",
            Group::SecretSource
        ]
        .render(&CliWords);
        assert_eq!(
            sentence,
            "set --allow-http, raise --timeout, fix --client-id; give the secret by --client-secret-file, \
             --client-secret-stdin or AUTHCHECK_CLIENT_SECRET (or GENESYSCLOUD_OAUTHCLIENT_SECRET, ARM_CLIENT_SECRET, AZURE_CLIENT_SECRET)"
        );
        assert_eq!(
            words![Assign(Input::GenesysRegion, "eu-west-1".into())].render(&CliWords),
            "--genesys-region eu-west-1"
        );
    }

    #[test]
    fn where_a_value_was_given_is_named_as_each_face_takes_it() {
        let sentence = words![crate::check::report::words::Place(Input::ClientId)];
        assert_eq!(sentence.render(&CliWords), "--client-id");
        assert_eq!(sentence.render(&ExternalWords), "the client_id query key");
    }
}
