//! Null propagation, as the GraphQL spec completes a response with field errors in it
//! (section 6.4.4, "Handling Execution Errors"): a failed field is `null`, and a `null` in a
//! non-null position makes the value holding it `null`, up to the nearest nullable position
//! or `data` itself.
//!
//! async-graphql leaves a failed field's key out instead, whatever its type. Each error's
//! path names the field; the types along the path are read from the document (response keys
//! through fragments and aliases) and the schema's SDL. Only responses with errors come here.
use super::types::{TYPES, Types, item_type, named_type};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{PathSegment, ServerError, Value};

/// Completes `data` for each error with a path: see the module's comment.
pub fn complete(
    data: &mut Value,
    errors: &[ServerError],
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) {
    complete_with(&TYPES, data, errors, document, operation_name);
}

fn complete_with(
    types: &Types,
    data: &mut Value,
    errors: &[ServerError],
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) {
    let Some(operation) = document.operations.iter().find_map(|(name, op)| {
        let wanted = operation_name.is_none_or(|w| name.is_some_and(|n| n.as_str() == w));
        wanted.then_some(&op.node)
    }) else {
        return;
    };
    let root = match operation.ty {
        OperationType::Mutation => types.mutation.as_str(),
        _ => types.query.as_str(),
    };
    let walk = Walk { document, types };
    for error in errors.iter().filter(|e| !e.path.is_empty()) {
        let positions = walk.positions(&operation.selection_set.node, root, &error.path);
        null_out(data, &error.path, &positions);
    }
}

/// What the document says of one position along a path.
#[derive(Default)]
struct Position {
    /// The declared type there: the field's, or the list's item type at an index.
    ty: Option<String>,
}

impl Position {
    fn nullable(&self) -> bool {
        self.ty.as_deref().is_none_or(|t| !t.ends_with('!'))
    }
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    types: &'a Types,
}

impl<'a> Walk<'a> {
    /// The position of each segment of `path`, from the root selection.
    fn positions(
        &self,
        root_set: &'a SelectionSet,
        root: &str,
        path: &[PathSegment],
    ) -> Vec<Position> {
        let mut sets = vec![(root_set, root.to_owned())];
        let mut ty: Option<String> = None;
        let mut positions = Vec::with_capacity(path.len());
        for segment in path {
            match segment {
                PathSegment::Field(key) => {
                    let mut found = vec![];
                    let mut field_type = None;
                    for (set, parent) in &sets {
                        self.collect(set, parent, key, &mut found, &mut field_type);
                    }
                    let named = field_type.as_deref().map(named_type).unwrap_or_default();
                    sets = found.into_iter().map(|set| (set, named.clone())).collect();
                    ty = field_type;
                    positions.push(Position { ty: ty.clone() });
                }
                PathSegment::Index(_) => {
                    ty = ty.as_deref().and_then(item_type);
                    positions.push(Position { ty: ty.clone() });
                }
            }
        }
        positions
    }

    /// Walks one selection set (through its fragments) for the fields answering as `key`:
    /// their sub-selections and their type.
    fn collect(
        &self,
        set: &'a SelectionSet,
        parent: &str,
        key: &str,
        found: &mut Vec<&'a SelectionSet>,
        field_type: &mut Option<String>,
    ) {
        for item in &set.items {
            // A fragment is walked with the type it is on (an inline one without a condition
            // stays on the parent's).
            let (inner, on) = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let response_key = field.response_key().node.as_str();
                    if response_key == key {
                        found.push(&field.selection_set.node);
                        if field_type.is_none() {
                            *field_type = self
                                .types
                                .field(parent, field.name.node.as_str())
                                .map(str::to_owned);
                        }
                    }
                    continue;
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment.type_condition.as_ref();
                    let on = on.map_or(parent, |c| c.node.on.node.as_str());
                    (&fragment.selection_set.node, on)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    let fragment = &fragment.node;
                    let on = fragment.type_condition.node.on.node.as_str();
                    (&fragment.selection_set.node, on)
                }
            };
            self.collect(inner, on, key, found, field_type);
        }
    }
}

/// Puts `null` where the error's field was left out, then makes each non-null position
/// holding a `null` `null` in turn.
fn null_out(data: &mut Value, path: &[PathSegment], positions: &[Position]) {
    // The first segment missing from the data is the failed field (a list whose item failed
    // was left out whole). A `null` on the way: an earlier error already nulled this part.
    let mut at = None;
    let mut value = &*data;
    for (i, segment) in path.iter().enumerate() {
        let next = match (value, segment) {
            (Value::Object(fields), PathSegment::Field(key)) => match fields.get(key.as_str()) {
                Some(next) => next,
                None => {
                    at = Some(i);
                    break;
                }
            },
            (Value::List(items), PathSegment::Index(index)) => match items.get(*index) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
        value = next;
    }
    let Some(mut at) = at else { return };
    set_null(data, &path[..=at]);
    while !positions.get(at).is_some_and(Position::nullable) {
        if at == 0 {
            *data = Value::Null;
            return;
        }
        at -= 1;
        set_null(data, &path[..=at]);
    }
}

/// Sets the value at `path` to `null`; a key not there yet is added (and put in its place
/// with the others by [`super::order`]).
fn set_null(data: &mut Value, path: &[PathSegment]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut value = data;
    for segment in parents {
        value = match (value, segment) {
            (Value::Object(fields), PathSegment::Field(key)) => {
                match fields.get_mut(key.as_str()) {
                    Some(next) => next,
                    None => return,
                }
            }
            (Value::List(items), PathSegment::Index(index)) => match items.get_mut(*index) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
    }
    match (value, last) {
        (Value::Object(fields), PathSegment::Field(key)) => {
            fields.insert(async_graphql::Name::new(key), Value::Null);
        }
        (Value::List(items), PathSegment::Index(index)) => {
            if let Some(item) = items.get_mut(*index) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "type Query { viewer: Viewer! plan: Plan }\n\
        type Viewer { name: String! email: String }\n\
        type Plan { id: ID! title: String outcomes: [Outcome!]! notes: [Note] }\n\
        type Outcome { id: ID! words: String! }\n\
        type Note { body: String! }";

    /// Completes `data` (as JSON) for errors at `paths`, then orders it as `spec::after`
    /// does; the completed data as JSON text.
    fn completed(query: &str, data: &str, paths: &[serde_json::Value]) -> String {
        let types = Types::of_sdl(SDL);
        let document = async_graphql::parser::parse_query(query).unwrap();
        let mut data: Value = serde_json::from_str(data).unwrap();
        let errors: Vec<ServerError> = paths
            .iter()
            .map(|path| {
                let mut error = ServerError::new("refused", None);
                error.path = serde_json::from_value(path.clone()).unwrap();
                error
            })
            .collect();
        complete_with(&types, &mut data, &errors, &document, None);
        let order =
            super::super::order::Order::of_with(&types, &document, None, &Default::default())
                .unwrap();
        order.apply(&mut data);
        serde_json::to_string(&data).unwrap()
    }

    #[test]
    fn a_failed_nullable_field_is_null_in_its_place() {
        let data = r#"{ "viewer": { "name": "Sam" }, "plan": null }"#;
        let out = completed(
            "{ viewer { email name } plan { id } }",
            data,
            &[serde_json::json!(["viewer", "email"])],
        );
        assert_eq!(out, r#"{"viewer":{"email":null,"name":"Sam"},"plan":null}"#);
    }

    #[test]
    fn a_failed_non_null_root_field_makes_data_null() {
        let data = r#"{ "plan": null }"#;
        let out = completed(
            "{ viewer { name } plan { id } }",
            data,
            &[serde_json::json!(["viewer"])],
        );
        assert_eq!(out, "null");
    }

    #[test]
    fn a_failed_non_null_field_in_a_list_nulls_up_to_the_nearest_nullable_field() {
        // outcomes[1].words fails: Outcome! and [Outcome!]! are non-null, `plan` is nullable.
        let data = r#"{
            "viewer": { "name": "Sam" },
            "plan": { "id": "P", "outcomes": [{ "id": "a", "words": "x" }, { "id": "b" }] }
        }"#;
        let query = "{ viewer { name } plan { id outcomes { id words } } }";
        let path = serde_json::json!(["plan", "outcomes", 1, "words"]);
        let out = completed(query, data, &[path]);
        assert_eq!(out, r#"{"viewer":{"name":"Sam"},"plan":null}"#);
    }

    #[test]
    fn a_failed_item_of_a_nullable_list_is_null_alone() {
        // notes: [Note] — a Note whose non-null body failed is null; the list stays.
        let data = r#"{ "plan": { "notes": [{ "body": "a" }, {}, { "body": "c" }] } }"#;
        let path = serde_json::json!(["plan", "notes", 1, "body"]);
        let out = completed("{ plan { notes { body } } }", data, &[path]);
        assert_eq!(
            out,
            r#"{"plan":{"notes":[{"body":"a"},null,{"body":"c"}]}}"#
        );
    }

    #[test]
    fn aliases_and_fragments_are_followed_to_the_field() {
        let data = r#"{ "me": { "name": "Sam" }, "p": { "id": "P" } }"#;
        let query = "{ me: viewer { ...V } p: plan { id ... on Plan { t: title } } } \
            fragment V on Viewer { name mail: email }";
        let paths = [
            serde_json::json!(["me", "mail"]),
            serde_json::json!(["p", "t"]),
        ];
        let out = completed(query, data, &paths);
        assert_eq!(
            out,
            r#"{"me":{"name":"Sam","mail":null},"p":{"id":"P","t":null}}"#
        );
    }
}
