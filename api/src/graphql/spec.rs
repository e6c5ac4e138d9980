//! What the GraphQL specification asks of a response, where async-graphql 7 departs from it.
//!
//! Over HTTP this runs around `Schema::execute` ([`before`], [`after`]) rather than as a
//! schema extension: any extension makes async-graphql resolve every field through its
//! extension chain (a `ResolveInfo` with two registry look-ups, a boxed future, the list
//! type's name formatted per item), a quarter of the instructions of a plan screen. The
//! WebSocket's schema, whose requests are few and long-lived, keeps the [`Spec`] extension.
//!
//! - **Error propagation.** async-graphql adds a failed field's error to the response and
//!   leaves the field's key out (`resolver_utils::container::do_resolve_container`), whatever
//!   its type. The spec says a failed field is `null`, and a `null` in a non-null position
//!   makes its parent `null`, up to the nearest nullable field or `data` itself: [`after`]
//!   does that from the errors' paths ([`super::nulls`]).
//! - **Request errors** (parse, validation, limits, variables) carry `extensions.code` and a
//!   plain message; the location stays in `locations`. [`after`] tells whether execution
//!   began, so that the HTTP layer leaves `data` out when it did not.
//! - **Key order.** async-graphql answers a parallel object's fields in the order they
//!   complete; [`after`] puts them in the order the document asks ([`super::order`]).
//! - **Depth.** The depth limit is checked here rather than by async-graphql, so that
//!   introspection (bounded by the schema, and off in production) is not counted outside
//!   production: graphql-js's `getIntrospectionQuery()` nests `ofType` nine levels deep.
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextSubscribe, NextValidation,
};
use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{
    Pos, Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};
use futures::stream::{BoxStream, StreamExt};
use lru::LruCache;
use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

/// Request-error codes, as `extensions.code`.
pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
pub const TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
pub const TOO_DEEP: &str = "QUERY_TOO_DEEP";
pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";

/// What the spec needs of the schema and the deployment.
#[derive(Clone, Copy)]
pub struct Rules {
    /// Deepest nesting of fields allowed.
    pub max_depth: usize,
    /// Leave introspection out of the depth count (outside production).
    pub exempt_introspection: bool,
}

/// What [`before`] learnt of the document, for [`after`].
pub struct Checks {
    /// The document's text and operation, read again only for a response with errors in it.
    query: String,
    operation_name: Option<String>,
    /// The order the answer's keys go in.
    order: Option<Arc<super::order::Order>>,
}

/// Before the request runs: its document parsed (a syntax error is a request error), not
/// deeper than allowed, and every required variable given and of its declared type
/// (variables are coerced before execution, so a bad one is a request error too).
pub fn before(request: &mut Request, rules: Rules) -> Result<Checks, Vec<ServerError>> {
    let variables = request.variables.clone();
    let operation_name = request.operation_name.clone();
    let query = request.query.clone();
    let document = request.parsed_query().map_err(|e| vec![parse_error(e)])?;
    if remembered_depth(&query, document, rules.exempt_introspection) > rules.max_depth {
        return Err(vec![too_deep()]);
    }
    let missing = missing_variables(document, &variables);
    if !missing.is_empty() {
        return Err(missing);
    }
    let invalid = super::variables::invalid(document, operation_name.as_deref(), &variables);
    if !invalid.is_empty() {
        return Err(invalid);
    }
    let order = super::order::Order::of(&query, document, operation_name.as_deref(), &variables);
    Ok(Checks {
        query,
        operation_name,
        order,
    })
}

/// After the request ran: whether execution began (a request error otherwise, whose errors
/// get their codes here), and the data completed as the spec completes it, its keys in the
/// order the document asks for them.
pub fn after(response: &mut Response, checks: &Checks) -> bool {
    // Validation and the choice of operation fail with errors that have no path; every
    // error of execution has one (async-graphql sets it where the field failed).
    let executed = response.data != Value::Null
        || response.errors.is_empty()
        || response.errors.iter().any(|e| !e.path.is_empty());
    if !executed {
        // Which arguments use variables matters only for a request that failed before it
        // ran: read from the document again here rather than on every request.
        let variable_arguments = async_graphql::parser::parse_query(&checks.query)
            .map(|document| variable_arguments(&document))
            .unwrap_or_default();
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|e| classify_request_error(e, &variable_arguments))
            .collect();
        return false;
    }
    if response.errors.iter().any(|e| !e.path.is_empty())
        && let Ok(document) = async_graphql::parser::parse_query(&checks.query)
    {
        super::nulls::complete(
            &mut response.data,
            &response.errors,
            &document,
            checks.operation_name.as_deref(),
        );
    }
    if let Some(order) = &checks.order {
        order.apply(&mut response.data);
    }
    true
}

/// The extension for the WebSocket's schema: request errors with codes, the depth limit,
/// required variables and the answer's key order, as [`before`] and [`after`] do over HTTP.
/// (Its operations are subscriptions, whose events async-graphql completes itself.)
pub struct Spec(pub Rules);

impl ExtensionFactory for Spec {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SpecExtension {
            rules: self.0,
            executing: AtomicBool::new(false),
            state: Mutex::default(),
            order: Arc::default(),
        })
    }
}

struct SpecExtension {
    rules: Rules,
    /// Set in `execute`: validation passed and an operation was chosen.
    executing: AtomicBool,
    state: Mutex<State>,
    /// Read from the document once it is parsed; every answer (each event of a
    /// subscription) is put in its order.
    order: Arc<Mutex<Option<Arc<super::order::Order>>>>,
}

#[derive(Default)]
struct State {
    /// The document's depth, as counted by [`depth`].
    depth: usize,
    variable_arguments: HashSet<Pos>,
    /// Required variables the request did not give.
    missing_variables: Vec<ServerError>,
    /// The operation the request names.
    operation_name: Option<String>,
}

impl SpecExtension {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.state)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for SpecExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        if !self.executing.load(Ordering::SeqCst) {
            let state = self.state();
            response.errors = std::mem::take(&mut response.errors)
                .into_iter()
                .map(|e| classify_request_error(e, &state.variable_arguments))
                .collect();
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await.map_err(parse_error)?;
        let mut state = self.state();
        let operation_name = state.operation_name.as_deref();
        let order = super::order::Order::of(query, &document, operation_name, variables);
        *lock(&self.order) = order;
        state.depth = depth(&document, self.rules.exempt_introspection);
        state.variable_arguments = variable_arguments(&document);
        state.missing_variables = missing_variables(&document, variables);
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        let state = self.state();
        match result {
            Ok(result) => {
                if !state.missing_variables.is_empty() {
                    return Err(state.missing_variables.clone());
                }
                if state.depth > self.rules.max_depth {
                    return Err(vec![too_deep()]);
                }
                Ok(result)
            }
            Err(errors) => Err(errors
                .into_iter()
                .map(|e| classify_validation_error(e, &state.variable_arguments))
                .collect()),
        }
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.executing.store(true, Ordering::SeqCst);
        let mut response = next.run(ctx, operation_name).await;
        if let Some(order) = lock(&self.order).as_ref() {
            order.apply(&mut response.data);
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.state().operation_name = request.operation_name.clone();
        next.run(ctx, request).await
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let order = self.order.clone();
        let ordered = stream.map(move |mut response| {
            if let Some(order) = lock(&order).as_ref() {
                order.apply(&mut response.data);
            }
            response
        });
        next.run(ctx, Box::pin(ordered))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn with_code(mut error: ServerError, code: &str, message: Option<String>) -> ServerError {
    if let Some(message) = message {
        error.message = message;
    }
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if !has_code {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
    error
}

/// A request error for this request: no location, a code and a plain message.
pub fn request_error(code: &str, message: &str) -> ServerError {
    with_code(ServerError::new(message, None), code, None)
}

pub fn parse_error(error: ServerError) -> ServerError {
    let message = if error.message.starts_with("The recursion depth") {
        return with_code(
            error,
            TOO_DEEP,
            Some("This query is nested too deep. Ask for fewer levels at once.".into()),
        );
    } else if error.message.starts_with("The number of directives") {
        return with_code(
            error,
            VALIDATION_FAILED,
            Some("This query uses too many directives on one field.".into()),
        );
    } else {
        match error.locations.first() {
            Some(pos) => format!(
                "The query could not be read: there is a syntax error at line {}, column {}.",
                pos.line, pos.column
            ),
            None => "The query could not be read: it is not valid GraphQL.".to_owned(),
        }
    };
    with_code(error, PARSE_FAILED, Some(message))
}

fn too_deep() -> ServerError {
    request_error(
        TOO_DEEP,
        "This query is nested too deep. Ask for fewer levels at once.",
    )
}

/// A request error's code: parse limits, the choice of operation, or validation.
fn classify_request_error(error: ServerError, variable_arguments: &HashSet<Pos>) -> ServerError {
    let message = error.message.as_str();
    if message.starts_with("The recursion depth") || message.starts_with("The number of directives")
    {
        parse_error(error)
    } else if message.contains("peration name") || message.starts_with("Unknown operation") {
        with_code(error, BAD_USER_INPUT, None)
    } else {
        classify_validation_error(error, variable_arguments)
    }
}

fn classify_validation_error(error: ServerError, variable_arguments: &HashSet<Pos>) -> ServerError {
    match error.message.as_str() {
        "Query is too complex." => with_code(
            error,
            TOO_COMPLEX,
            Some(
                "This query asks for too much at once. Ask for fewer items per page, or fewer fields."
                    .into(),
            ),
        ),
        "Query is nested too deep." => with_code(
            error,
            TOO_DEEP,
            Some("This query is nested too deep. Ask for fewer levels at once.".into()),
        ),
        message
            if message.starts_with("Invalid value for argument")
                && error
                    .locations
                    .iter()
                    .any(|pos| variable_arguments.contains(pos)) =>
        {
            with_code(error, BAD_USER_INPUT, None)
        }
        _ => with_code(error, VALIDATION_FAILED, None),
    }
}

/// Depths of documents sent before, by their text (with and without introspection counted):
/// a document's depth is its own, and the app sends the same few dozen again and again
/// (walking the plan screen's cost some three thousand instructions a request). Only
/// documents of the size `limits` keeps parsed are kept.
static DEPTHS: LazyLock<Mutex<LruCache<String, [usize; 2]>>> = LazyLock::new(|| {
    Mutex::new(LruCache::new(
        NonZeroUsize::new(256).unwrap_or(NonZeroUsize::MIN),
    ))
});

/// [`depth`] of `document`, whose text is `text`, remembered for small documents.
fn remembered_depth(
    text: &str,
    document: &ExecutableDocument,
    exempt_introspection: bool,
) -> usize {
    let pick = |depths: &[usize; 2]| depths[usize::from(exempt_introspection)];
    if text.len() > super::limits::INLINE_DOCUMENT_BYTES {
        return depth(document, exempt_introspection);
    }
    if let Some(depths) = DEPTHS
        .lock()
        .ok()
        .and_then(|mut kept| kept.get(text).copied())
    {
        return pick(&depths);
    }
    let depths = [depth(document, false), depth(document, true)];
    if let Ok(mut kept) = DEPTHS.lock() {
        kept.put(text.to_owned(), depths);
    }
    pick(&depths)
}

/// The deepest nesting of fields in any operation, fragments counted where they are spread.
fn depth(document: &ExecutableDocument, exempt_introspection: bool) -> usize {
    struct Walk<'a> {
        document: &'a ExecutableDocument,
        exempt_introspection: bool,
        fragments: HashMap<&'a str, usize>,
        visiting: HashSet<&'a str>,
    }
    impl<'a> Walk<'a> {
        fn set(&mut self, set: &'a SelectionSet, root: bool) -> usize {
            let mut deepest = 0;
            for selection in &set.items {
                let depth = match &selection.node {
                    Selection::Field(field) => {
                        let name = field.node.name.node.as_str();
                        if root
                            && self.exempt_introspection
                            && (name == "__schema" || name == "__type")
                        {
                            0
                        } else {
                            1 + self.set(&field.node.selection_set.node, false)
                        }
                    }
                    Selection::InlineFragment(fragment) => {
                        self.set(&fragment.node.selection_set.node, root)
                    }
                    Selection::FragmentSpread(spread) => {
                        self.fragment(spread.node.fragment_name.node.as_str(), root)
                    }
                };
                deepest = deepest.max(depth);
            }
            deepest
        }

        fn fragment(&mut self, name: &'a str, root: bool) -> usize {
            if let Some(depth) = self.fragments.get(name).filter(|_| !root) {
                return *depth;
            }
            // A cycle is refused by validation; here it only must not loop.
            if !self.visiting.insert(name) {
                return 0;
            }
            let depth = match self.document.fragments.get(name) {
                Some(fragment) => self.set(&fragment.node.selection_set.node, root),
                None => 0,
            };
            self.visiting.remove(name);
            if !root {
                self.fragments.insert(name, depth);
            }
            depth
        }
    }
    let mut walk = Walk {
        document,
        exempt_introspection,
        fragments: HashMap::new(),
        visiting: HashSet::new(),
    };
    document
        .operations
        .iter()
        .map(|(_, operation)| walk.set(&operation.node.selection_set.node, true))
        .max()
        .unwrap_or(0)
}

/// Positions of the arguments whose value uses a variable, anywhere in the document.
fn variable_arguments(document: &ExecutableDocument) -> HashSet<Pos> {
    fn set(selections: &SelectionSet, found: &mut HashSet<Pos>) {
        for selection in &selections.items {
            match &selection.node {
                Selection::Field(field) => {
                    for (name, value) in &field.node.arguments {
                        if value.node.clone().into_const().is_none() {
                            found.insert(name.pos);
                        }
                    }
                    set(&field.node.selection_set.node, found);
                }
                Selection::InlineFragment(fragment) => {
                    set(&fragment.node.selection_set.node, found)
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let mut found = HashSet::new();
    for (_, operation) in document.operations.iter() {
        set(&operation.node.selection_set.node, &mut found);
    }
    for fragment in document.fragments.values() {
        set(&fragment.node.selection_set.node, &mut found);
    }
    found
}

/// The non-null variables without a default, when the document has one operation.
fn required_variables(document: &ExecutableDocument) -> Vec<(String, Pos)> {
    let mut operations = document.operations.iter();
    let (Some((_, operation)), None) = (operations.next(), operations.next()) else {
        return vec![];
    };
    let operation: &OperationDefinition = &operation.node;
    operation
        .variable_definitions
        .iter()
        .filter(|def| !def.node.var_type.node.nullable && def.node.default_value.is_none())
        .map(|def| (def.node.name.node.to_string(), def.pos))
        .collect()
}

/// A request error for each required variable the request did not give (or gave as null).
fn missing_variables(document: &ExecutableDocument, variables: &Variables) -> Vec<ServerError> {
    required_variables(document)
        .into_iter()
        .filter(|(name, _)| {
            variables
                .get(&async_graphql::Name::new(name))
                .is_none_or(|v| *v == Value::Null)
        })
        .map(|(name, pos)| {
            let mut error = request_error(
                BAD_USER_INPUT,
                &format!("Please give a value for the variable ${name}."),
            );
            error.locations = vec![pos];
            error
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{EmptyMutation, Object, Schema, SimpleObject, Subscription};
    use std::time::Duration;

    struct Query;

    #[Object]
    impl Query {
        async fn event(&self) -> Event {
            Event
        }
    }

    struct Event;

    /// `slow` completes after `fast`, so async-graphql puts it after.
    #[Object]
    impl Event {
        async fn slow(&self) -> Tick {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Tick { n: 1 }
        }
        async fn fast(&self) -> i32 {
            2
        }
    }

    #[derive(SimpleObject)]
    struct Tick {
        n: i32,
    }

    struct Subscription;

    #[Subscription]
    impl Subscription {
        async fn events(&self) -> impl futures::Stream<Item = Event> {
            futures::stream::iter([Event, Event])
        }
    }

    fn schema() -> Schema<Query, EmptyMutation, Subscription> {
        let rules = Rules {
            max_depth: 10,
            exempt_introspection: false,
        };
        Schema::build(Query, EmptyMutation, Subscription)
            .extension(Spec(rules))
            .finish()
    }

    /// A remembered depth is the document's, counted as each deployment counts it, whichever
    /// deployment asked first.
    #[test]
    fn a_remembered_depth_is_the_documents_with_or_without_introspection() {
        let text = "{ __schema { types { fields { name } } } a { b { c } } d }";
        let document = async_graphql::parser::parse_query(text).unwrap();
        assert_eq!(depth(&document, false), 4);
        assert_eq!(depth(&document, true), 3);
        for _ in 0..2 {
            for exempt in [true, false] {
                let expected = depth(&document, exempt);
                assert_eq!(remembered_depth(text, &document, exempt), expected);
            }
        }
    }

    #[tokio::test]
    async fn the_websockets_answers_and_events_keep_the_order_asked() {
        let schema = schema();
        let answer = schema.execute("{ event { slow { n } fast } }").await;
        let text = serde_json::to_string(&answer.data).unwrap();
        assert_eq!(text, r#"{"event":{"slow":{"n":1},"fast":2}}"#);

        let events: Vec<_> = schema
            .execute_stream("subscription { events { slow { n } fast } }")
            .collect()
            .await;
        assert_eq!(events.len(), 2);
        for event in events {
            let text = serde_json::to_string(&event.data).unwrap();
            assert_eq!(text, r#"{"events":{"slow":{"n":1},"fast":2}}"#);
        }
    }
}
