//! Response keys in the order the document asks for them, as the spec serialises a result
//! ("Serialized Map Ordering", section 7.2.2): each object's keys in the order CollectFields
//! gives its selection set, fragments and `@skip`/`@include` followed.
//!
//! async-graphql resolves a parallel object's fields side by side and inserts each into the
//! result as it completes (`resolver_utils::container::do_resolve_container`), so a field
//! that waits on the database lands after the ones beside it that do not. [`Order`] is read
//! from the document before the request runs and puts each object of the answer back in
//! order afterwards: an object already in order (the rows, which resolve serially) is only
//! compared key by key.
//!
//! Where a position's type is an interface or a union, the keys are read for each object
//! type its fragments name, and an object's type is told by its `__typename` when asked, or
//! else by the keys it has: two types asked for the same keys in different orders (a
//! document nobody writes) cannot be told apart.
mod collect;

use super::limits::INLINE_DOCUMENT_BYTES;
use super::types::{TYPES, Types};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Name, Value, Variables};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock, Mutex};

/// The response keys of an operation's result, each with the keys of its value.
#[derive(Debug, Default)]
pub struct Order(Keys);

/// One selection set's response keys in order, each with the keys of its value; a leaf's
/// are empty.
#[derive(Debug, Default, PartialEq)]
struct Keys {
    fields: Vec<(Name, Keys)>,
    /// At an interface or union position where fragments depend on the object's type: the
    /// keys for each type a fragment names (types with the same keys together); `fields`
    /// then holds the keys of an object of any other type.
    by_type: Vec<(Vec<String>, Keys)>,
}

/// Orders read before, by document text, for each operation name: the app asks the same
/// few dozen documents again and again, and reading the plan screen's order every time cost
/// 7% of its request's instructions. Only orders that do not depend on the variables
/// (no `@skip` or `@include` with one) are kept, for the same documents
/// `graphql::limits` keeps parsed.
static KEPT: LazyLock<Mutex<LruCache<String, ByOperation>>> = LazyLock::new(|| {
    let size = NonZeroUsize::new(KEPT_DOCUMENTS).unwrap_or(NonZeroUsize::MIN);
    Mutex::new(LruCache::new(size))
});

const KEPT_DOCUMENTS: usize = 256;

/// A document's orders, by the operation's name.
type ByOperation = Vec<(Option<String>, Arc<Order>)>;

impl Order {
    /// The order of the operation `operation_name` picks in `document` (whose text is
    /// `text`); `None` when there is no such operation (the request fails before anything
    /// is answered).
    pub fn of(
        text: &str,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Option<Arc<Self>> {
        let kept = || KEPT.lock().unwrap_or_else(|e| e.into_inner());
        let small = text.len() <= INLINE_DOCUMENT_BYTES;
        if small && let Some(operations) = kept().get(text) {
            let found = operations
                .iter()
                .find(|(name, _)| name.as_deref() == operation_name);
            if let Some((_, order)) = found {
                return Some(order.clone());
            }
        }
        let (order, by_variables) = Self::read(&TYPES, document, operation_name, variables)?;
        let order = Arc::new(order);
        if small && !by_variables {
            let mut kept = kept();
            let operations = kept.get_or_insert_mut(text.to_owned(), Vec::new);
            if !operations
                .iter()
                .any(|(n, _)| n.as_deref() == operation_name)
            {
                operations.push((operation_name.map(str::to_owned), order.clone()));
            }
        }
        Some(order)
    }

    /// The order read with `types` (a test's schema), never kept.
    #[cfg(test)]
    pub(super) fn of_with(
        types: &Types,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Option<Self> {
        Self::read(types, document, operation_name, variables).map(|(order, _)| order)
    }

    /// The order, and whether it depends on the variables' values.
    fn read(
        types: &Types,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Option<(Self, bool)> {
        let operation = document.operations.iter().find_map(|(name, op)| {
            let wanted = operation_name.is_none_or(|w| name.is_some_and(|n| n.as_str() == w));
            wanted.then_some(&op.node)
        })?;
        let root = match operation.ty {
            OperationType::Query => types.query.as_str(),
            OperationType::Mutation => types.mutation.as_str(),
            OperationType::Subscription => types.subscription.as_str(),
        };
        let (keys, by_variables) = collect::keys(types, document, operation, variables, root)?;
        Some((Order(keys), by_variables))
    }

    /// Puts every object of `data` in order.
    pub fn apply(&self, data: &mut Value) {
        self.0.apply(data);
    }
}

impl Keys {
    fn apply(&self, value: &mut Value) {
        match value {
            Value::Object(fields) => self.for_object(fields).apply_to(fields),
            Value::List(items) => items.iter_mut().for_each(|item| self.apply(item)),
            _ => {}
        }
    }

    fn apply_to(&self, fields: &mut IndexMap<Name, Value>) {
        if !self.followed_by(fields.keys()) {
            fields.sort_by_cached_key(|key, _| self.rank(key));
        }
        // Both in order now: each key's own keys are found walking forward.
        let mut next = 0;
        for (key, value) in fields.iter_mut() {
            let Some(at) = self.fields[next..].iter().position(|(k, _)| same(k, key)) else {
                continue;
            };
            next += at + 1;
            let inner = &self.fields[next - 1].1;
            if !inner.is_leaf() {
                inner.apply(value);
            }
        }
    }

    /// The keys for this object: at an interface or union position, its type's, told by
    /// `__typename` when asked, or else by the keys it has.
    fn for_object(&self, fields: &IndexMap<Name, Value>) -> &Keys {
        if self.by_type.is_empty() {
            return self;
        }
        if let Some(Value::String(ty)) = fields.get("__typename") {
            let named = self.by_type.iter().find(|(types, _)| types.contains(ty));
            return named.map_or(self, |(_, keys)| keys);
        }
        let has = |keys: &Keys| fields.keys().all(|key| keys.rank(key) != usize::MAX);
        let exactly = |keys: &Keys| keys.fields.len() == fields.len() && has(keys);
        let all = || self.by_type.iter().map(|(_, keys)| keys).chain([self]);
        all()
            .find(|keys| exactly(keys))
            .or_else(|| all().find(|keys| has(keys)))
            .unwrap_or(self)
    }

    /// A scalar's (or an enum's): nothing under it to order.
    fn is_leaf(&self) -> bool {
        self.fields.is_empty() && self.by_type.is_empty()
    }

    /// Whether `keys` come in this order (some may be missing: a fragment that did not
    /// apply).
    fn followed_by<'a>(&self, mut keys: impl Iterator<Item = &'a Name>) -> bool {
        let mut expected = self.fields.iter();
        keys.all(|key| expected.any(|(k, _)| same(k, key)))
    }

    /// A key's place; one the document does not ask for (there is none) goes last.
    fn rank(&self, key: &Name) -> usize {
        self.fields
            .iter()
            .position(|(k, _)| same(k, key))
            .unwrap_or(usize::MAX)
    }
}

/// Whether two response keys are the same. Those of a document asked again are most often
/// the very same strings (the parsed document is kept, and each request's is a copy sharing
/// its names), so they are compared by address first.
fn same(a: &Name, b: &Name) -> bool {
    let (a, b) = (a.as_str(), b.as_str());
    std::ptr::eq(a, b) || a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "type Query { viewer: Viewer! plan: Plan person: Person node: Node }\n\
        type Viewer { name: String! email: String }\n\
        type Plan implements Node { id: ID! title: String outcomes: [Outcome!]! }\n\
        type Outcome implements Node { id: ID! words: String! plan: Plan }\n\
        interface Node { id: ID! }\n\
        type Practitioner { name: String! role: String }\n\
        type Member { name: String! age: Int }\n\
        union Person = Practitioner | Member\n\
        type Subscription { plan: Plan }";

    /// `data` (as JSON text) put in the order of `query`, with `variables` (JSON).
    fn ordered(query: &str, variables: &str, data: &str) -> String {
        let types = Types::of_sdl(SDL);
        let document = async_graphql::parser::parse_query(query).unwrap();
        let variables = Variables::from_json(serde_json::from_str(variables).unwrap());
        let order = Order::of_with(&types, &document, None, &variables).unwrap();
        let mut data: Value = serde_json::from_str(data).unwrap();
        order.apply(&mut data);
        serde_json::to_string(&data).unwrap()
    }

    #[test]
    fn keys_come_in_the_order_asked_at_every_level() {
        let out = ordered(
            "{ plan { title outcomes { words id } id } viewer { name } }",
            "{}",
            r#"{ "viewer": { "name": "Sam" },
                 "plan": { "id": "P", "outcomes": [{ "id": "a", "words": "x" }, { "words": "y", "id": "b" }], "title": "T" } }"#,
        );
        assert_eq!(
            out,
            r#"{"plan":{"title":"T","outcomes":[{"words":"x","id":"a"},{"words":"y","id":"b"}],"id":"P"},"viewer":{"name":"Sam"}}"#
        );
    }

    #[test]
    fn aliases_fragments_and_merged_fields_follow_collect_fields() {
        // `t` first appears through the fragment spread; `plan` is asked twice and merged.
        let out = ordered(
            "{ plan { ...P id } viewer { n: name } plan { outcomes { id } } } \
             fragment P on Plan { t: title ... on Node { id } }",
            "{}",
            r#"{ "viewer": { "n": "Sam" }, "plan": { "outcomes": [], "id": "P", "t": null } }"#,
        );
        assert_eq!(
            out,
            r#"{"plan":{"t":null,"id":"P","outcomes":[]},"viewer":{"n":"Sam"}}"#
        );
    }

    #[test]
    fn skipped_fields_give_up_their_place() {
        // `title` is skipped where it first appears, so it answers where it is asked again.
        let query = "query($hide: Boolean!, $show: Boolean = true) { \
             plan { title @skip(if: $hide) id title email: title @include(if: $show) } }";
        let data = r#"{ "plan": { "email": "T", "title": "T", "id": "P" } }"#;
        assert_eq!(
            ordered(query, r#"{ "hide": true }"#, data),
            r#"{"plan":{"id":"P","title":"T","email":"T"}}"#
        );
        assert_eq!(
            ordered(query, r#"{ "hide": false }"#, data),
            r#"{"plan":{"title":"T","id":"P","email":"T"}}"#
        );
    }

    #[test]
    fn fragments_on_other_types_do_not_take_a_place() {
        // On a Plan, `... on Outcome { words id }` does not apply: `id` answers after `title`.
        let out = ordered(
            "{ plan { ... on Outcome { id } title id } }",
            "{}",
            r#"{ "plan": { "id": "P", "title": "T" } }"#,
        );
        assert_eq!(out, r#"{"plan":{"title":"T","id":"P"}}"#);
    }

    #[test]
    fn members_of_a_union_keep_their_fragments_order() {
        let out = ordered(
            "{ person { ... on Member { age name } ... on Practitioner { role name } } }",
            "{}",
            r#"{ "person": { "name": "Sam", "role": "Nurse" } }"#,
        );
        assert_eq!(out, r#"{"person":{"role":"Nurse","name":"Sam"}}"#);
    }

    #[test]
    fn a_document_that_repeats_fragments_without_end_is_not_walked_to_its_end() {
        // Each level asks the next twice: 2^40 selections; the walk stops at its budget.
        let mut query = String::from("{ plan { ...F0 } }");
        for level in 0..40 {
            let next = level + 1;
            query.push_str(&format!(
                " fragment F{level} on Plan {{ a: outcomes {{ plan {{ ...F{next} }} }} b: outcomes {{ plan {{ ...F{next} }} }} }}"
            ));
        }
        query.push_str(" fragment F40 on Plan { id }");
        let document = async_graphql::parser::parse_query(&query).unwrap();
        let types = Types::of_sdl(SDL);
        let order = Order::of_with(&types, &document, None, &Variables::default());
        assert!(order.is_none());
    }

    #[test]
    fn orders_are_kept_by_text_and_operation_unless_variables_decide_them() {
        let ordered = |text: &str, operation: Option<&str>, variables: serde_json::Value| {
            let document = async_graphql::parser::parse_query(text).unwrap();
            let variables = Variables::from_json(variables);
            let order = Order::of(text, &document, operation, &variables).unwrap();
            let mut data: Value =
                serde_json::from_str(r#"{ "a": "Query", "b": "Query" }"#).unwrap();
            order.apply(&mut data);
            (serde_json::to_string(&data).unwrap(), order)
        };
        let text =
            "query A { a: __typename b: __typename } query B { b: __typename a: __typename }";
        let (a, first) = ordered(text, Some("A"), serde_json::json!({}));
        let (again, kept) = ordered(text, Some("A"), serde_json::json!({}));
        let (b, _) = ordered(text, Some("B"), serde_json::json!({}));
        assert!(Arc::ptr_eq(&first, &kept), "read once");
        assert_eq!(
            (a.as_str(), again.as_str()),
            (r#"{"a":"Query","b":"Query"}"#, a.as_str())
        );
        assert_eq!(b, r#"{"b":"Query","a":"Query"}"#);

        let text =
            "query($x: Boolean!) { a: __typename @skip(if: $x) b: __typename a: __typename }";
        for _ in 0..2 {
            let (skipped, _) = ordered(text, None, serde_json::json!({ "x": true }));
            assert_eq!(skipped, r#"{"b":"Query","a":"Query"}"#);
            let (kept, _) = ordered(text, None, serde_json::json!({ "x": false }));
            assert_eq!(kept, r#"{"a":"Query","b":"Query"}"#);
        }
    }

    #[test]
    fn an_interface_position_orders_each_type_by_its_own_fragments() {
        let query = "{ node { ... on Plan { title id } id } }";
        let plan = ordered(query, "{}", r#"{ "node": { "id": "P", "title": "T" } }"#);
        assert_eq!(plan, r#"{"node":{"title":"T","id":"P"}}"#);
        let outcome = ordered(query, "{}", r#"{ "node": { "id": "O" } }"#);
        assert_eq!(outcome, r#"{"node":{"id":"O"}}"#);
        // With `__typename` asked, the type is told by it.
        let query = "{ node { id ... on Plan { title id } __typename } }";
        let plan = ordered(
            query,
            "{}",
            r#"{ "node": { "__typename": "Plan", "title": "T", "id": "P" } }"#,
        );
        assert_eq!(
            plan,
            r#"{"node":{"id":"P","title":"T","__typename":"Plan"}}"#
        );
        let outcome = ordered(
            query,
            "{}",
            r#"{ "node": { "__typename": "Outcome", "id": "O" } }"#,
        );
        assert_eq!(outcome, r#"{"node":{"id":"O","__typename":"Outcome"}}"#);
    }

    #[test]
    fn a_subscription_is_ordered_from_its_own_root() {
        let out = ordered(
            "subscription { ... on Subscription { plan { title id } } }",
            "{}",
            r#"{ "plan": { "id": "P", "title": "T" } }"#,
        );
        assert_eq!(out, r#"{"plan":{"title":"T","id":"P"}}"#);
    }

    #[test]
    fn scalar_values_are_left_as_they_are() {
        let out = ordered(
            "{ viewer { email name } }",
            "{}",
            r#"{ "viewer": { "name": { "z": 1, "a": 2 }, "email": null } }"#,
        );
        assert_eq!(out, r#"{"viewer":{"email":null,"name":{"z":1,"a":2}}}"#);
    }

    /// async-graphql resolving a schema whose every object is `serial` answers in the order
    /// CollectFields gives: the oracle for [`Order`] on documents of every shape.
    mod against_serial_execution {
        use super::*;
        use async_graphql::{
            EmptyMutation, EmptySubscription, ID, Interface, Object, Schema, Union,
        };

        struct Query;

        #[Object(serial)]
        impl Query {
            async fn plan(&self) -> Plan {
                Plan
            }
            async fn plans(&self) -> Vec<Plan> {
                vec![Plan, Plan]
            }
            async fn node(&self, outcome: bool) -> Node {
                match outcome {
                    true => Node::Outcome(Outcome),
                    false => Node::Plan(Plan),
                }
            }
            async fn people(&self) -> Vec<Person> {
                vec![Person::Member(Member), Person::Practitioner(Practitioner)]
            }
        }

        struct Plan;

        #[Object(serial)]
        impl Plan {
            async fn id(&self) -> ID {
                ID::from("P")
            }
            async fn title(&self) -> &str {
                "T"
            }
            async fn outcomes(&self) -> Vec<Outcome> {
                vec![Outcome, Outcome]
            }
            async fn lead(&self) -> Person {
                Person::Practitioner(Practitioner)
            }
        }

        struct Outcome;

        #[Object(serial)]
        impl Outcome {
            async fn id(&self) -> ID {
                ID::from("O")
            }
            async fn words(&self) -> &str {
                "W"
            }
            async fn plan(&self) -> Plan {
                Plan
            }
        }

        struct Practitioner;

        #[Object(serial)]
        impl Practitioner {
            async fn name(&self) -> &str {
                "Sam"
            }
            async fn role(&self) -> &str {
                "Nurse"
            }
        }

        struct Member;

        #[Object(serial)]
        impl Member {
            async fn name(&self) -> &str {
                "Dana"
            }
            async fn age(&self) -> i32 {
                40
            }
        }

        #[derive(Interface)]
        #[graphql(field(name = "id", ty = "ID"))]
        enum Node {
            Plan(Plan),
            Outcome(Outcome),
        }

        #[derive(Union)]
        enum Person {
            Practitioner(Practitioner),
            Member(Member),
        }

        /// Every object's keys in reverse, at every level.
        fn reversed(value: &mut Value) {
            match value {
                Value::Object(fields) => {
                    fields.reverse();
                    fields.values_mut().for_each(reversed);
                }
                Value::List(items) => items.iter_mut().for_each(reversed),
                _ => {}
            }
        }

        #[tokio::test]
        async fn reversed_answers_are_put_back_in_the_order_async_graphql_executes() {
            let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
            let types = Types::of_sdl(&schema.sdl());
            let documents = [
                "{ plans { title id } plan { outcomes { words id } id title } }",
                "{ p: plan { t: title i: id } plan { id } p: plan { outcomes { id } } }",
                "{ plan { ...A id } } fragment A on Plan { title ... on Plan { id outcomes { id } } }",
                "query($x: Boolean!) { plan { title @skip(if: $x) id title } plan @include(if: $x) { outcomes { words } } }",
                "{ node(outcome: true) { ... on Plan { title } id ... on Outcome { words id } } }",
                "{ node(outcome: false) { ... on Plan { title } id ... on Outcome { words id } } }",
                "{ people { ... on Member { age name } ... on Practitioner { role name } } }",
                "{ people { __typename ... on Practitioner { name } ... on Member { name age } } }",
                "{ plan { lead { ... on Member { name } ... on Practitioner { role name } } outcomes { plan { title } } } }",
                "{ node(outcome: true) { ... on Node { id } ... on Outcome { plan { id title } words } } }",
                "{ node(outcome: true) { ... on Plan { id } __typename id } }",
            ];
            for document in documents {
                for x in [true, false] {
                    let variables = Variables::from_json(serde_json::json!({ "x": x }));
                    let request =
                        async_graphql::Request::new(document).variables(variables.clone());
                    let answer = schema.execute(request).await;
                    assert!(answer.errors.is_empty(), "{document}: {:?}", answer.errors);
                    let parsed = async_graphql::parser::parse_query(document).unwrap();
                    let order = Order::of_with(&types, &parsed, None, &variables).unwrap();
                    let mut data = answer.data.clone();
                    reversed(&mut data);
                    order.apply(&mut data);
                    let (want, got) = (
                        serde_json::to_string(&answer.data).unwrap(),
                        serde_json::to_string(&data).unwrap(),
                    );
                    assert_eq!(got, want, "{document} with x = {x}");
                }
            }
        }
    }
}
