//! Objects whose fields are resolved one after another inside the request's own future.
//!
//! async-graphql resolves each object by boxing one future per selected field, gathering
//! them in a list, running it, and putting each answer in the object's map with two lookups
//! of its key (SipHash). On the plan screen that is some three hundred boxes a request, for
//! rows whose fields mostly read a model already in memory. [`Inline`] resolves the same
//! fields with the type's own generated resolver (`ContainerType::resolve_field`: the same
//! arguments, rules and errors), awaiting each in turn without a box, in the order of the
//! document: what `#[Object(serial)]` does, less the machinery. Fragments are followed as
//! async-graphql follows them (`Fields::add_set`); a response key asked twice is resolved
//! twice and merged as it merges them. Where a request runs with a schema extension or a
//! field carries a directive, the object is resolved the usual way, so that extensions and
//! directives see every field.
use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::Entry;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{
    ContextSelectionSet, Name, ObjectType, OutputType, Positioned, ServerError, ServerResult, Value,
};
use std::borrow::Cow;

/// Marks a schema that has an extension: there every field goes through its chain.
pub struct Extended;

/// `T`, resolved inline. The schema does not see the wrapper: the type, its name and its
/// description are `T`'s.
pub struct Inline<T>(pub T);

impl<T: ObjectType> OutputType for Inline<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match resolve_object(ctx, &self.0, None).await {
            Some(value) => value,
            None => self.0.resolve(ctx, field).await,
        }
    }
}

/// `Inline<$union>` for a union of objects: each member resolved inline as the object it
/// is, fragments on the union applying too; the usual way where [`resolve_object`] declines.
macro_rules! inline_union {
    ($union:ident { $($member:ident),+ $(,)? }) => {
        impl async_graphql::OutputType for $crate::graphql::inline::Inline<$union> {
            fn type_name() -> std::borrow::Cow<'static, str> {
                <$union as async_graphql::OutputType>::type_name()
            }

            fn introspection_type_name(&self) -> std::borrow::Cow<'static, str> {
                async_graphql::OutputType::introspection_type_name(&self.0)
            }

            fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
                <$union as async_graphql::OutputType>::create_type_info(registry)
            }

            async fn resolve(
                &self,
                ctx: &async_graphql::ContextSelectionSet<'_>,
                field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
            ) -> async_graphql::ServerResult<async_graphql::Value> {
                let union = <$union as async_graphql::OutputType>::type_name();
                let inline = match &self.0 {
                    $($union::$member(member) => {
                        $crate::graphql::inline::resolve_object(ctx, member, Some(&union)).await
                    })+
                };
                match inline {
                    Some(value) => value,
                    None => async_graphql::OutputType::resolve(&self.0, ctx, field).await,
                }
            }
        }
    };
}
pub(crate) use inline_union;

/// `root`'s selected fields, resolved inline; at the position of a union or interface
/// named `abstract_type` (of which `root` is the object), fragments on it apply too.
/// None when the object is to be resolved the usual way (see the module).
pub async fn resolve_object<T: ObjectType>(
    ctx: &ContextSelectionSet<'_>,
    root: &T,
    abstract_type: Option<&str>,
) -> Option<ServerResult<Value>> {
    if ctx.data_opt::<Extended>().is_some() {
        return None;
    }
    let mut fields = Fields::new();
    match collect(ctx, root, abstract_type, ctx.item, &mut fields) {
        Ok(true) => {}
        Ok(false) => return None,
        Err(error) => return Some(Err(error)),
    }
    let mut object = IndexMap::with_capacity(fields.len());
    for field in fields {
        let key = field.node.response_key().node.clone();
        let value = if field.node.name.node == "__typename" {
            Value::String(root.introspection_type_name().into_owned())
        } else {
            match root.resolve_field(&ctx.with_field(field)).await {
                Ok(value) => value.unwrap_or_default(),
                Err(error) => {
                    ctx.add_error(error);
                    continue;
                }
            }
        };
        merge(&mut object, key, value);
    }
    Some(Ok(if object.is_empty() {
        Value::Null
    } else {
        Value::Object(object)
    }))
}

/// An object's selected fields, on the stack for all but the largest selections.
type Fields<'a> = smallvec::SmallVec<[&'a Positioned<Field>; 16]>;

/// The fields `set` selects on `root`, fragments followed, in the document's order; false
/// when one carries a directive (left to async-graphql).
fn collect<'a, T: ObjectType>(
    ctx: &ContextSelectionSet<'a>,
    root: &T,
    abstract_type: Option<&str>,
    set: &'a Positioned<SelectionSet>,
    fields: &mut Fields<'a>,
) -> ServerResult<bool> {
    for selection in &set.node.items {
        let (condition, inner) = match &selection.node {
            Selection::Field(field) => {
                if !field.node.directives.is_empty() {
                    return Ok(false);
                }
                fields.push(field);
                continue;
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                let fragment = ctx.query_env.fragments.get(name).ok_or_else(|| {
                    ServerError::new(format!(r#"Unknown fragment "{name}"."#), Some(spread.pos))
                })?;
                (
                    Some(&fragment.node.type_condition),
                    &fragment.node.selection_set,
                )
            }
            Selection::InlineFragment(fragment) => (
                fragment.node.type_condition.as_ref(),
                &fragment.node.selection_set,
            ),
        };
        let applies = condition.is_none_or(|condition| {
            let on = condition.node.on.node.as_str();
            let own = root.introspection_type_name();
            own == on
                || abstract_type == Some(on)
                || ctx
                    .schema_env
                    .registry
                    .implements
                    .get(own.as_ref())
                    .is_some_and(|interfaces| interfaces.contains(on))
        });
        if applies && !collect(ctx, root, abstract_type, inner, fields)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Puts `value` at `key`, merging objects (and lists of objects) already there, as
/// async-graphql does for a key selected more than once.
fn merge(object: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    match object.entry(key) {
        Entry::Vacant(entry) => {
            entry.insert(value);
        }
        Entry::Occupied(entry) => match (entry.into_mut(), value) {
            (Value::Object(there), Value::Object(more)) => merge_all(there, more),
            (Value::List(there), Value::List(more)) => {
                for (there, more) in there.iter_mut().zip(more) {
                    if let (Value::Object(there), Value::Object(more)) = (there, more) {
                        merge_all(there, more);
                    }
                }
            }
            _ => {}
        },
    }
}

fn merge_all(object: &mut IndexMap<Name, Value>, more: IndexMap<Name, Value>) {
    for (key, value) in more {
        merge(object, key, value);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use async_graphql::extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
    };
    use async_graphql::{EmptyMutation, EmptySubscription, Interface, Object, Schema};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Query;

    /// The same object, resolved inline and the usual way (names of one length, so that
    /// the errors' columns agree).
    #[Object]
    impl Query {
        async fn inline(&self) -> Inline<Thing> {
            Inline(Thing)
        }
        async fn common(&self) -> Thing {
            Thing
        }
        /// The same at a union's position.
        async fn either(&self, child: bool) -> Inline<Either> {
            Inline(if child {
                Either::Child(Child(7))
            } else {
                Either::Thing(Thing)
            })
        }
        async fn another(&self, child: bool) -> Either {
            if child {
                Either::Child(Child(7))
            } else {
                Either::Thing(Thing)
            }
        }
    }

    #[derive(async_graphql::Union)]
    enum Either {
        Thing(Thing),
        Child(Child),
    }

    inline_union!(Either { Thing, Child });

    struct Thing;

    #[Object]
    impl Thing {
        async fn a(&self) -> &str {
            "a"
        }
        async fn b(&self, n: i32) -> i32 {
            n * 2
        }
        async fn name(&self) -> &str {
            "thing"
        }
        async fn fails(&self) -> async_graphql::Result<i32> {
            Err("no".into())
        }
        async fn maybe(&self) -> async_graphql::Result<Option<i32>> {
            Err("not now".into())
        }
        async fn child(&self) -> Inline<Child> {
            Inline(Child(1))
        }
        async fn children(&self) -> Vec<Inline<Child>> {
            vec![Inline(Child(2)), Inline(Child(3))]
        }
    }

    struct Child(i32);

    #[Object]
    impl Child {
        async fn v(&self) -> i32 {
            self.0
        }
        async fn w(&self) -> i32 {
            -self.0
        }
        async fn name(&self) -> String {
            format!("child {}", self.0)
        }
    }

    #[derive(Interface)]
    #[graphql(field(name = "name", ty = "String"))]
    #[allow(dead_code)]
    enum Named {
        Thing(Thing),
        Child(Child),
    }

    fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::build(Query, EmptyMutation, EmptySubscription)
            .register_output_type::<Named>()
            .finish()
    }

    /// The answer to `body` selected on `root`, as JSON text (keys in the order sent).
    async fn answer(
        schema: &Schema<Query, EmptyMutation, EmptySubscription>,
        root: &str,
        body: &str,
    ) -> String {
        let request = async_graphql::Request::new(body.replace("ROOT", root)).variables(
            async_graphql::Variables::from_json(serde_json::json!({ "yes": true, "n": 5 })),
        );
        serde_json::to_string(&schema.execute(request).await).unwrap()
    }

    const DOCUMENTS: [&str; 7] = [
        "{ x: ROOT { a b(n: 2) c: a __typename } }",
        "query($n: Int!) { x: ROOT { b(n: $n) a } }",
        "{ x: ROOT { ...F ... on Thing { a } ... on Named { name } ... { b(n: 1) } } } \
         fragment F on Thing { child { v ... on Named { name } } }",
        "{ x: ROOT { child { v } child { w } children { v } children { w } a a } }",
        "{ x: ROOT { a maybe b(n: 3) } }",
        "{ x: ROOT { a fails b(n: 3) } }",
        "query($yes: Boolean!) { x: ROOT { a @skip(if: $yes) b(n: 1) @include(if: $yes) \
         ... on Thing @include(if: $yes) { name } } }",
    ];

    /// At a union's position (`ROOT` is `either(child: …)` or `another(child: …)`).
    const AT_A_UNION: [&str; 3] = [
        "{ x: ROOT { __typename ... on Thing { a } ... on Child { v } } }",
        "{ x: ROOT { ...U ... on Named { name } ... on Either { __typename } } } \
         fragment U on Either { ... on Child { w v } ... on Thing { child { v } } }",
        "{ x: ROOT { ... on Thing { a: name } ... on Child { a: name } } }",
    ];

    #[tokio::test]
    async fn answers_at_a_union_as_async_graphql_does() {
        let schema = schema();
        for document in AT_A_UNION {
            for child in [true, false] {
                let inline = answer(&schema, &format!("either(child: {child})"), document).await;
                let common = answer(&schema, &format!("another(child: {child})"), document).await;
                assert_eq!(inline, common, "{document}");
                assert!(!inline.contains("errors"), "{inline}");
            }
        }
        assert_eq!(
            answer(&schema, "either(child: true)", AT_A_UNION[1]).await,
            r#"{"data":{"x":{"w":-7,"v":7,"name":"child 7","__typename":"Child"}}}"#
        );
    }

    #[tokio::test]
    async fn answers_as_async_graphql_does() {
        let schema = schema();
        for document in DOCUMENTS {
            let inline = answer(&schema, "inline", document).await;
            let common = answer(&schema, "common", document).await;
            assert_eq!(inline, common, "{document}");
        }
        // And the answers are what the documents ask for.
        assert_eq!(
            answer(&schema, "inline", DOCUMENTS[0]).await,
            r#"{"data":{"x":{"a":"a","b":4,"c":"a","__typename":"Thing"}}}"#
        );
        let merged = answer(&schema, "inline", DOCUMENTS[3]).await;
        assert!(
            merged.contains(r#""child":{"v":1,"w":-1},"children":[{"v":2,"w":-2},{"v":3,"w":-3}]"#),
            "{merged}"
        );
        let failed = answer(&schema, "inline", DOCUMENTS[4]).await;
        assert!(failed.contains(r#""path":["x","maybe"]"#), "{failed}");
    }

    /// Counts the fields that pass through the extension chain.
    struct Counting(Arc<AtomicUsize>);

    impl ExtensionFactory for Counting {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(Counting(self.0.clone()))
        }
    }

    #[async_trait::async_trait]
    impl Extension for Counting {
        async fn resolve(
            &self,
            ctx: &ExtensionContext<'_>,
            info: ResolveInfo<'_>,
            next: NextResolve<'_>,
        ) -> async_graphql::ServerResult<Option<async_graphql::Value>> {
            self.0.fetch_add(1, Ordering::Relaxed);
            next.run(ctx, info).await
        }
    }

    #[tokio::test]
    async fn a_schema_with_an_extension_has_every_field_go_through_it() {
        let seen = Arc::new(AtomicUsize::new(0));
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .register_output_type::<Named>()
            .extension(Counting(seen.clone()))
            .data(Extended)
            .finish();
        let response = schema.execute("{ inline { a child { v w } } }").await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        // inline, a, child, v, w.
        assert_eq!(seen.load(Ordering::Relaxed), 5);
    }
}
