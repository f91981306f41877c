//! The provider's, data source's and ephemeral resource's schemas, derived from the surface table.

use crate::check::report::values::CheckRow;

use super::cty::CtyType;
use super::proto::tfplugin6 as tf;
use crate::surface::{self, Kind, OutKind, Place};

/// The data source's (and ephemeral resource's) type name.
pub const DATA_SOURCE: &str = "authcheck_client_credentials";

/// Whether the user sets an attribute, the provider does, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Set by the user, may be omitted.
    Optional,
    /// Set by the provider.
    Computed,
    /// Set by the user or, when omitted, by the provider.
    OptionalComputed,
}

/// One schema attribute.
#[derive(Debug, Clone)]
pub struct Attr {
    /// Attribute name.
    pub name: &'static str,
    /// Its cty type.
    pub ty: CtyType,
    /// Who sets it.
    pub role: Role,
    /// Hidden in plan output.
    pub sensitive: bool,
    /// One line shown by Terraform and the docs.
    pub description: &'static str,
}

/// The type of one entry of `checks`.
pub fn check_item_type() -> CtyType {
    CtyType::Object(
        CheckRow::KEYS
            .iter()
            .map(|key| (key.to_string(), CtyType::String))
            .collect(),
    )
}

/// The cty type an input kind decodes from.
pub fn input_type(kind: Kind) -> CtyType {
    match kind {
        Kind::Bool => CtyType::Bool,
        Kind::Int { .. } => CtyType::Number,
        Kind::Tokens => CtyType::List(Box::new(CtyType::String)),
        Kind::Text
        | Kind::Url
        | Kind::Choice(_)
        | Kind::Pem
        | Kind::EnvName
        | Kind::Path
        | Kind::SecretText => CtyType::String,
    }
}

/// The cty type an output kind encodes to.
pub fn output_type(kind: OutKind) -> CtyType {
    match kind {
        OutKind::Bool => CtyType::Bool,
        OutKind::Text => CtyType::String,
        OutKind::Int => CtyType::Number,
        OutKind::List => CtyType::List(Box::new(CtyType::String)),
        OutKind::Checks => CtyType::List(Box::new(check_item_type())),
    }
}

/// The attributes of one Terraform object: its inputs, then its outputs; a name that is both (`token_url`) is
/// one optional-computed attribute.
pub fn attrs_of(place: Place) -> Vec<Attr> {
    let mut attrs: Vec<Attr> = surface::inputs_in(place)
        .map(|row| Attr {
            name: row.name,
            ty: input_type(row.kind),
            role: Role::Optional,
            sensitive: row.sensitive,
            description: match place {
                Place::Provider => row.provider_doc.unwrap_or(row.doc),
                _ => row.doc,
            },
        })
        .collect();
    if place == Place::Provider {
        return attrs;
    }
    for row in surface::outputs_in(place) {
        if let Some(existing) = attrs.iter_mut().find(|a| a.name == row.name) {
            existing.role = Role::OptionalComputed;
            continue;
        }
        attrs.push(Attr {
            name: row.name,
            ty: output_type(row.kind),
            role: Role::Computed,
            sensitive: row.sensitive,
            description: row.doc,
        });
    }
    attrs
}

/// The provider block's attributes.
pub fn provider_attrs() -> Vec<Attr> {
    attrs_of(Place::Provider)
}

/// The data source's attributes, inputs then outputs.
pub fn data_source_attrs() -> Vec<Attr> {
    attrs_of(Place::DataSource)
}

/// The ephemeral resource's attributes: the data source's, plus the secret as an input and the token as an
/// output. Ephemeral values are never persisted, so here the secret may be an argument and the token an output.
pub fn ephemeral_attrs() -> Vec<Attr> {
    attrs_of(Place::Ephemeral)
}

/// The attributes and object type of one place, built once per process.
struct Built {
    attrs: Vec<Attr>,
    ty: CtyType,
}

/// [`Built`] for `place`. Every validation and read decodes against the type, and a read encodes against it too:
/// a hundred times in a fifty-instance plan, and rebuilding them from the surface table each time cost 40 % as
/// much as the msgpack decoding itself (BENCHMARKS.md, "Per-instance cost"). The table is static, so they never
/// change once built.
fn built(place: Place) -> &'static Built {
    use std::sync::OnceLock;
    static BUILT: [OnceLock<Built>; 5] = [const { OnceLock::new() }; 5];
    let index = match place {
        Place::Provider => 0,
        Place::DataSource => 1,
        Place::Ephemeral => 2,
        Place::Cli => 3,
        Place::External => 4,
    };
    BUILT[index].get_or_init(|| Built::of(place))
}

impl Built {
    fn of(place: Place) -> Built {
        let attrs = attrs_of(place);
        let ty = object_type(&attrs);
        Built { attrs, ty }
    }
}

/// [`attrs_of`], built once per process.
pub fn attrs_in(place: Place) -> &'static [Attr] {
    &built(place).attrs
}

/// The object type of [`attrs_of`]`(place)`, built once per process.
pub fn object_type_of(place: Place) -> &'static CtyType {
    &built(place).ty
}

/// The object type a list of attributes makes.
pub fn object_type(attrs: &[Attr]) -> CtyType {
    CtyType::Object(
        attrs
            .iter()
            .map(|a| (a.name.to_string(), a.ty.clone()))
            .collect(),
    )
}

fn to_proto(attrs: &[Attr], description: &str) -> tf::Schema {
    tf::Schema {
        version: 0,
        block: Some(tf::schema::Block {
            version: 0,
            attributes: attrs
                .iter()
                .map(|a| tf::schema::Attribute {
                    name: a.name.to_string(),
                    r#type: a.ty.to_json(),
                    description: a.description.to_string(),
                    optional: matches!(a.role, Role::Optional | Role::OptionalComputed),
                    computed: matches!(a.role, Role::Computed | Role::OptionalComputed),
                    sensitive: a.sensitive,
                    ..Default::default()
                })
                .collect(),
            description: description.to_string(),
            ..Default::default()
        }),
    }
}

/// The full GetProviderSchema answer.
pub fn provider_schema() -> tf::get_provider_schema::Response {
    tf::get_provider_schema::Response {
        provider: Some(to_proto(
            &provider_attrs(),
            "Checks OAuth2 client credentials during plan and names the real reason when they fail.",
        )),
        data_source_schemas: [(
            DATA_SOURCE.to_string(),
            to_proto(
                &data_source_attrs(),
                "Requests a token with OAuth2 client credentials (client-credentials grant) and reports whether they work, and if not, why and how to fix it.",
            ),
        )]
        .into_iter()
        .collect(),
        ephemeral_resource_schemas: [(
            DATA_SOURCE.to_string(),
            to_proto(
                &ephemeral_attrs(),
                "Runs the same check as the data source and hands out the access token, which Terraform never stores (Terraform 1.10 and later).",
            ),
        )]
        .into_iter()
        .collect(),
        server_capabilities: Some(tf::ServerCapabilities {
            get_provider_schema_optional: true,
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_has_a_description_and_a_valid_name() {
        for attr in provider_attrs()
            .iter()
            .chain(data_source_attrs().iter())
            .chain(ephemeral_attrs().iter())
        {
            assert!(!attr.description.is_empty(), "{}", attr.name);
            assert!(
                attr.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
        }
    }

    #[test]
    fn the_data_source_has_no_client_secret_argument() {
        assert!(
            data_source_attrs()
                .iter()
                .all(|a| a.name != "client_secret")
        );
        let secret = provider_attrs()
            .into_iter()
            .find(|a| a.name == "client_secret");
        assert!(secret.is_some_and(|a| a.sensitive));
        let ephemeral = ephemeral_attrs();
        assert!(
            ephemeral
                .iter()
                .any(|a| a.name == "client_secret" && a.sensitive)
        );
        assert!(
            ephemeral
                .iter()
                .any(|a| a.name == "access_token" && a.sensitive)
        );
    }

    #[test]
    fn token_url_is_an_input_that_reports_the_endpoint_used() {
        let attrs = data_source_attrs();
        let token_url = attrs.iter().find(|a| a.name == "token_url");
        assert!(token_url.is_some_and(|a| a.role == Role::OptionalComputed));
    }
}
