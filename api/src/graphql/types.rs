//! The schema's types as its SDL spells them, read once: what the response's completion
//! ([`super::nulls`]) and ordering ([`super::order`]) need to know of a position in a
//! document without asking async-graphql's registry.
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Each type's fields and their types as the SDL spells them (`[Outcome!]!`), which type
/// names each object type answers to, and the root types' names.
pub struct Types {
    fields: HashMap<String, HashMap<String, String>>,
    /// Object type → itself, its interfaces and the unions it belongs to: the type
    /// conditions a fragment may name and still apply to it.
    satisfies: HashMap<String, HashSet<String>>,
    /// Interface or union → the object types that may answer for it, in the SDL's order.
    possible: HashMap<String, Vec<String>>,
    pub query: String,
    pub mutation: String,
    pub subscription: String,
}

/// The schema's types, read once from its SDL (the same for every schema this process builds).
pub static TYPES: LazyLock<Types> = LazyLock::new(|| Types::of_sdl(&super::sdl()));

impl Types {
    pub fn of_sdl(sdl: &str) -> Self {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let mut types = Types {
            fields: HashMap::new(),
            satisfies: HashMap::new(),
            possible: HashMap::new(),
            query: "Query".into(),
            mutation: "Mutation".into(),
            subscription: "Subscription".into(),
        };
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return types;
        };
        let mut unions = vec![];
        let mut objects = vec![];
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    if let Some(query) = schema.query {
                        types.query = query.node.to_string();
                    }
                    if let Some(mutation) = schema.mutation {
                        types.mutation = mutation.node.to_string();
                    }
                    if let Some(subscription) = schema.subscription {
                        types.subscription = subscription.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    let name = ty.name.node.to_string();
                    let fields = match ty.kind {
                        TypeKind::Object(object) => {
                            let mut names: HashSet<String> = object
                                .implements
                                .iter()
                                .map(|i| i.node.to_string())
                                .collect();
                            names.insert(name.clone());
                            types.satisfies.insert(name.clone(), names);
                            objects.push(name.clone());
                            object.fields
                        }
                        TypeKind::Interface(interface) => interface.fields,
                        TypeKind::Union(union) => {
                            unions.push((name, union.members));
                            continue;
                        }
                        _ => continue,
                    };
                    let fields = fields
                        .into_iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node.to_string()))
                        .collect();
                    types.fields.insert(name, fields);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        for (union, members) in unions {
            for member in members {
                if let Some(names) = types.satisfies.get_mut(member.node.as_str()) {
                    names.insert(union.clone());
                }
            }
        }
        for object in objects {
            for name in &types.satisfies[&object] {
                if *name != object {
                    let possible = types.possible.entry(name.clone()).or_default();
                    possible.push(object.clone());
                }
            }
        }
        types
    }

    /// The object types that may answer at a position of an interface or union type; `None`
    /// for an object type (or one the SDL does not have).
    pub fn possible(&self, abstract_type: &str) -> Option<&[String]> {
        self.possible.get(abstract_type).map(Vec::as_slice)
    }

    /// The type of `field` on `parent`; `None` where the SDL does not say (introspection).
    pub fn field(&self, parent: &str, field: &str) -> Option<&str> {
        if field == "__typename" {
            return Some("String!");
        }
        self.fields.get(parent)?.get(field).map(String::as_str)
    }

    /// Whether a fragment on `condition` applies to a value at a position of type `parent`:
    /// `None` when that depends on the value's own type (an interface or a union), which
    /// the response does not carry.
    pub fn applies(&self, condition: &str, parent: &str) -> Option<bool> {
        self.satisfies
            .get(parent)
            .map(|names| names.contains(condition))
    }
}

/// `[Outcome!]!` → `Outcome`.
pub fn named_type(ty: &str) -> String {
    ty.trim_matches(|c| c == '[' || c == ']' || c == '!')
        .to_owned()
}

/// `[Outcome!]!` → `Outcome!`; `None` for a type that is not a list.
pub fn item_type(ty: &str) -> Option<String> {
    let list = ty.strip_suffix('!').unwrap_or(ty);
    list.strip_prefix('[')?.strip_suffix(']').map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_read_from_the_sdl() {
        let types = Types::of_sdl(
            "type Query { plan(id: ID!): Plan }\ntype Plan implements Node { id: ID! outcomes: [Outcome!]! }\n\
             interface Node { id: ID! }\ntype Outcome { id: ID! }\nunion Thing = Plan | Outcome",
        );
        assert_eq!(types.field("Query", "plan"), Some("Plan"));
        assert_eq!(types.field("Plan", "outcomes"), Some("[Outcome!]!"));
        assert_eq!(types.field("Node", "id"), Some("ID!"));
        assert_eq!(types.field("Plan", "__typename"), Some("String!"));
        assert_eq!(item_type("[Outcome!]!").as_deref(), Some("Outcome!"));
        assert_eq!(item_type("Outcome!"), None);
        assert_eq!(named_type("[[Outcome!]]!"), "Outcome");
        assert_eq!(types.applies("Plan", "Plan"), Some(true));
        assert_eq!(types.applies("Node", "Plan"), Some(true));
        assert_eq!(types.applies("Thing", "Outcome"), Some(true));
        assert_eq!(types.applies("Node", "Outcome"), Some(false));
        assert_eq!(types.applies("Plan", "Node"), None);
        assert_eq!(types.applies("Plan", "Thing"), None);
        assert_eq!(types.possible("Node"), Some(&["Plan".to_owned()][..]));
        let things = types.possible("Thing").unwrap();
        assert!(things.len() == 2 && things.contains(&"Outcome".to_owned()));
        assert_eq!(types.possible("Plan"), None);
    }
}
