//! The request's variable values, checked against the types the operation declares for them
//! before anything runs (the spec's CoerceVariableValues): a value of the wrong type is a
//! request error, never a field error after some fields have run.
//!
//! async-graphql checks variable values only as part of its full validation, where they are
//! used as arguments. A document that passed the full validation once runs afterwards on
//! the fast-validation schema (see `trusted_documents`), which checks no variables, so this
//! check runs on every request over HTTP, whichever schema then runs it. It accepts what
//! async-graphql's full validation accepts (the same type information, and each scalar's own
//! `is_valid`), and refuses, as the spec does, an input object given as anything but an
//! object, which async-graphql lets through to fail later as a field error.
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{ServerError, Value, Variables};
use std::sync::LazyLock;

/// The schema's types as async-graphql registers them: input objects, enums and scalars
/// with their checks. Built once, from the root types, as the schema builds its own.
static TYPES: LazyLock<Registry> = LazyLock::new(|| {
    use async_graphql::{OutputType, SubscriptionType};
    let mut registry = Registry::default();
    <super::query::Query as OutputType>::create_type_info(&mut registry);
    <super::mutation::Mutation as OutputType>::create_type_info(&mut registry);
    <super::subscription::Subscription as SubscriptionType>::create_type_info(&mut registry);
    registry
});

/// Why each given variable's value does not fit its declared type, as request errors.
/// Variables left out are [`super::spec`]'s concern; unknown operations and types are
/// validation's.
pub fn invalid(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Vec<ServerError> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    let Some(operation) = operation else {
        return vec![];
    };
    operation
        .node
        .variable_definitions
        .iter()
        .filter_map(|definition| {
            let name = &definition.node.name.node;
            let value = variables.get(name)?;
            let ty = &definition.node.var_type.node;
            let problem = fits(&TYPES, &ty.to_string(), value)?;
            let mut error = super::spec::request_error(
                super::spec::BAD_USER_INPUT,
                &format!("The variable ${name} does not fit its type {ty}: {problem}."),
            );
            error.locations = vec![definition.pos];
            Some(error)
        })
        .collect()
}

/// Whether `value` fits the type, written as the registry and the document both write it
/// (`[ID!]!`); why not, if it does not.
fn fits(registry: &Registry, ty: &str, value: &Value) -> Option<String> {
    match (MetaTypeName::create(ty), value) {
        (MetaTypeName::NonNull(_), Value::Null) => Some("null is not allowed here".into()),
        (MetaTypeName::NonNull(inner), value) => fits(registry, inner, value),
        (MetaTypeName::List(_), Value::Null) => None,
        (MetaTypeName::List(item), Value::List(items)) => {
            items.iter().find_map(|v| fits(registry, item, v))
        }
        // A single value where a list is expected is a list of one (input coercion).
        (MetaTypeName::List(item), value) => fits(registry, item, value),
        (MetaTypeName::Named(_), Value::Null) => None,
        (MetaTypeName::Named(name), value) => named(registry, name, value),
    }
}

/// A non-null value of the named type.
fn named(registry: &Registry, name: &str, value: &Value) -> Option<String> {
    // An unknown type, or one that is not an input type: validation says so.
    match registry.types.get(name)? {
        MetaType::Scalar {
            is_valid: Some(is_valid),
            ..
        } => (!is_valid(value)).then(|| match name {
            "Date" => format!("not a valid Date: {}", super::scalars::Date::HOW_WRITTEN),
            _ => format!("not a valid {name}"),
        }),
        MetaType::Scalar { is_valid: None, .. } => None,
        MetaType::Enum { enum_values, .. } => match value {
            Value::Enum(v) if enum_values.contains_key(v.as_str()) => None,
            Value::String(v) if enum_values.contains_key(v.as_str()) => None,
            _ => Some(format!("not one of the values of {name}")),
        },
        MetaType::InputObject {
            input_fields,
            oneof,
            ..
        } => {
            let Value::Object(fields) = value else {
                return Some(format!("a {name} is an object"));
            };
            if *oneof && (fields.len() != 1 || fields.values().any(|v| *v == Value::Null)) {
                return Some(format!("a {name} has exactly one field, not null"));
            }
            if let Some(unknown) = fields
                .keys()
                .find(|k| !input_fields.contains_key(k.as_str()))
            {
                return Some(format!("{name} has no field {unknown}"));
            }
            input_fields
                .values()
                .find_map(|field| match fields.get(field.name.as_str()) {
                    Some(v) => {
                        fits(registry, &field.ty, v).map(|why| format!("{}: {why}", field.name))
                    }
                    None if MetaTypeName::create(&field.ty).is_non_null()
                        && field.default_value.is_none() =>
                    {
                        Some(format!("{name} needs {}", field.name))
                    }
                    None => None,
                })
        }
        _ => None,
    }
}
