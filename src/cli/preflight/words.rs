//! How a preflight report names inputs: the provider block's own arguments (`region`, `oauthclient_secret`)
//! and the variables that provider reads, so a fix says what to change in the configuration or the CI.

use std::collections::BTreeMap;

use crate::check::Vocabulary;
use crate::cli::preflight::providers::Kind;
use crate::cli::words::CliWords;
use crate::surface::{self, Group, Input};

/// The words of one provider configuration's report.
#[derive(Debug, Clone, Copy)]
pub struct ProviderWords<'a> {
    /// The provider family.
    pub kind: &'static Kind,
    /// The argument that gave each input in this block.
    pub given_by: &'a BTreeMap<Input, String>,
}

impl ProviderWords<'_> {
    /// The block argument that stands for `input`, when there is one.
    fn argument(&self, input: Input) -> Option<&str> {
        self.given_by.get(&input).map(String::as_str).or_else(|| {
            self.kind
                .attributes
                .iter()
                .find(|(_, i)| *i == input)
                .map(|(name, _)| *name)
        })
    }

    /// The first variable of `input`'s fallbacks that this provider reads.
    fn variable(&self, input: Input) -> Option<&'static str> {
        surface::input(input).env.iter().copied().find(|name| {
            self.kind.env_prefixes.iter().any(|p| name.starts_with(p))
                && !self.kind.hides.contains(name)
        })
    }
}

impl Vocabulary for ProviderWords<'_> {
    fn name(&self, input: Input) -> String {
        // The argument alone: the engine's sentences name the variables themselves where they matter.
        match (self.argument(input), self.variable(input)) {
            (Some(argument), _) => format!("`{argument}`"),
            (None, Some(variable)) => variable.to_string(),
            (None, None) => CliWords.name(input),
        }
    }

    fn assign(&self, input: Input, value: &str) -> String {
        match (self.argument(input), self.variable(input)) {
            (Some(argument), _) => format!("{argument} = \"{value}\""),
            (None, Some(variable)) => format!("{variable}={value}"),
            (None, None) => CliWords.assign(input, value),
        }
    }

    fn group(&self, group: Group) -> String {
        if group == Group::SecretSource
            && let Some(argument) = self.argument(Input::ClientSecret)
        {
            return match self.variable(Input::ClientSecret) {
                Some(variable) => format!("`{argument}` or {variable}"),
                None => format!("`{argument}`"),
            };
        }
        CliWords.group(group)
    }

    fn place(&self, input: Input) -> String {
        match self.argument(input) {
            Some(argument) if self.given_by.contains_key(&input) => {
                format!("`{argument}` in the provider block")
            }
            _ => self.name(input),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::report::words::{Assign, Place};
    use crate::cli::preflight::providers::{aws, genesyscloud};
    use crate::words;

    #[test]
    fn inputs_are_named_as_the_provider_block_and_its_variables() {
        let none = BTreeMap::new();
        let genesys = ProviderWords {
            kind: &genesyscloud::KIND,
            given_by: &none,
        };
        assert_eq!(
            words!["set ", Input::GenesysRegion, "; give ", Group::SecretSource].render(&genesys),
            "set `aws_region`; give `oauthclient_secret` or GENESYSCLOUD_OAUTHCLIENT_SECRET"
        );
        let mut given = BTreeMap::new();
        given.insert(
            Input::AwsRoleArn,
            "assume_role_with_web_identity.role_arn".to_string(),
        );
        let aws = ProviderWords {
            kind: &aws::KIND,
            given_by: &given,
        };
        assert_eq!(
            words![
                Place(Input::AwsRoleArn),
                "; ",
                Assign(Input::AwsRegion, "eu-west-1".into())
            ]
            .render(&aws),
            "`assume_role_with_web_identity.role_arn` in the provider block; region = \"eu-west-1\""
        );
        // An input no argument or variable of the provider stands for keeps the CLI's name.
        assert_eq!(words![Input::TimeoutSeconds].render(&aws), "--timeout");
    }
}
