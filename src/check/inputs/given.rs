//! What one configuration level gave (provider block, data source, CLI flags, external query), keyed by the
//! surface's [`Input`]s, and how levels overlay.

use std::collections::BTreeMap;

use crate::check::base::secret::Secret;
use crate::check::inputs::request::SecretOrigin;
use crate::surface::{self, Group, Input};

/// One given value.
#[derive(Debug, Clone)]
pub enum Given {
    /// Text.
    Text(String),
    /// A secret, and where it came from.
    Secret(Secret, SecretOrigin),
    /// true or false.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A list of text.
    List(Vec<String>),
}

/// Raw inputs from one configuration level. Faces fill it from the surface table; the engine reads it.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    values: BTreeMap<Input, Given>,
}

impl Inputs {
    /// No inputs.
    pub fn new() -> Inputs {
        Inputs::default()
    }

    /// The same inputs without `these`.
    pub fn without(&self, these: &[Input]) -> Inputs {
        let mut copy = self.clone();
        for input in these {
            copy.values.remove(input);
        }
        copy
    }

    /// Sets an input.
    pub fn set(&mut self, input: Input, given: Given) {
        self.values.insert(input, given);
    }

    /// Sets an input, builder style.
    pub fn with(mut self, input: Input, given: Given) -> Inputs {
        self.set(input, given);
        self
    }

    /// Sets a text input, builder style.
    pub fn with_text(self, input: Input, text: impl Into<String>) -> Inputs {
        self.with(input, Given::Text(text.into()))
    }

    /// Removes an input.
    pub fn remove(&mut self, input: Input) -> Option<Given> {
        self.values.remove(&input)
    }

    /// The value given for an input.
    pub fn get(&self, input: Input) -> Option<&Given> {
        self.values.get(&input)
    }

    /// True when the input was given.
    pub fn is_set(&self, input: Input) -> bool {
        self.values.contains_key(&input)
    }

    /// Every input given, in table order.
    pub fn given(&self) -> impl Iterator<Item = (Input, &Given)> {
        self.values.iter().map(|(input, given)| (*input, given))
    }

    /// A text input.
    pub fn text(&self, input: Input) -> Option<&str> {
        match self.get(input)? {
            Given::Text(text) => Some(text),
            _ => None,
        }
    }

    /// A boolean input.
    pub fn flag(&self, input: Input) -> Option<bool> {
        match self.get(input)? {
            Given::Bool(value) => Some(*value),
            _ => None,
        }
    }

    /// A whole-number input.
    pub fn int(&self, input: Input) -> Option<i64> {
        match self.get(input)? {
            Given::Int(value) => Some(*value),
            _ => None,
        }
    }

    /// A list input.
    pub fn list(&self, input: Input) -> Option<&[String]> {
        match self.get(input)? {
            Given::List(items) => Some(items),
            _ => None,
        }
    }

    /// A secret input and its origin.
    pub fn secret(&self, input: Input) -> Option<(&Secret, &SecretOrigin)> {
        match self.get(input)? {
            Given::Secret(secret, origin) => Some((secret, origin)),
            _ => None,
        }
    }

    /// True when this level sets any input of `group`.
    pub fn sets_group(&self, group: Group) -> bool {
        surface::group_members(group).any(|row| self.is_set(row.input))
    }

    /// Lays `over` on top of `self`: any input `over` sets wins; grouped inputs (endpoint, secret source) win as
    /// a group, so a data source's `token_url` is never mixed with a provider's `issuer`.
    pub fn overlay(mut self, over: Inputs) -> Inputs {
        for group in [
            Group::Endpoint,
            Group::SecretSource,
            Group::KeySource,
            Group::FederatedSource,
        ] {
            if over.sets_group(group) {
                for row in surface::group_members(group) {
                    self.values.remove(&row.input);
                }
            }
        }
        let mut over = over;
        // Permissions add up: the provider's apply to every check, each check adds its own.
        if let (Some(Given::List(base)), Some(Given::List(more))) = (
            self.values.get(&Input::RequiredPermissions),
            over.values.get(&Input::RequiredPermissions),
        ) {
            let mut all = base.clone();
            all.extend(more.iter().filter(|p| !base.contains(p)).cloned());
            over.values
                .insert(Input::RequiredPermissions, Given::List(all));
        }
        self.values.extend(over.values);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_permissions_of_a_data_source_add_to_the_providers() {
        let provider = Inputs::new().with(
            Input::RequiredPermissions,
            Given::List(vec!["routing:queue:view".into()]),
        );
        let data = Inputs::new().with(
            Input::RequiredPermissions,
            Given::List(vec![
                "routing:queue:view".into(),
                "architect:flow:view".into(),
            ]),
        );
        let merged = provider.overlay(data);
        assert_eq!(
            merged.list(Input::RequiredPermissions),
            Some(
                &[
                    "routing:queue:view".to_string(),
                    "architect:flow:view".to_string()
                ][..]
            )
        );
    }

    #[test]
    fn a_data_source_endpoint_replaces_the_providers_as_a_group() {
        let provider = Inputs::new()
            .with_text(Input::Issuer, "https://issuer.example")
            .with_text(Input::ClientId, "id");
        let data = Inputs::new().with_text(Input::TokenUrl, "https://other.example/token");
        let merged = provider.overlay(data);
        assert_eq!(
            merged.text(Input::TokenUrl),
            Some("https://other.example/token")
        );
        assert_eq!(merged.text(Input::Issuer), None);
        assert_eq!(merged.text(Input::ClientId), Some("id"));
    }

    #[test]
    fn a_data_source_secret_source_replaces_the_providers_secret() {
        let provider = Inputs::new().with(
            Input::ClientSecret,
            Given::Secret(Secret::new("s"), SecretOrigin::Input(Input::ClientSecret)),
        );
        let data = Inputs::new().with_text(Input::ClientSecretEnv, "MY_SECRET");
        let merged = provider.overlay(data);
        assert!(merged.secret(Input::ClientSecret).is_none());
        assert_eq!(merged.text(Input::ClientSecretEnv), Some("MY_SECRET"));
    }
}
