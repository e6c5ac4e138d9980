//! What the GraphQL specification asks of a response, where async-graphql 7 departs from it:
//! one schema extension, so every resolver gets it without doing anything.
//!
//! - **Error propagation.** async-graphql adds a failed field's error to the response and
//!   leaves the field's key out (`resolver_utils::container::do_resolve_container`), whatever
//!   its type. The spec says a failed field is `null`, and a `null` in a non-null position
//!   makes its parent `null`, up to the nearest nullable field or `data` itself. The `resolve`
//!   hook below does exactly that: a failed field resolves to `null` (its error kept), a
//!   non-null field that ends up `null` is noted, and the field above it turns `null` in turn.
//! - **Request errors** (parse, validation, limits, variables) carry `extensions.code` and a
//!   plain message; the location stays in `locations`. Whether execution began is told to the
//!   HTTP layer through [`ExecutionStarted`], which leaves `data` out when it did not.
//! - **Depth.** The depth limit is checked here rather than by async-graphql, so that
//!   introspection (bounded by the schema, and off in production) is not counted outside
//!   production: graphql-js's `getIntrospectionQuery()` nests `ofType` nine levels deep.
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Pos, Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Request-error codes, as `extensions.code`.
pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
pub const TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
pub const TOO_DEEP: &str = "QUERY_TOO_DEEP";
pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";

/// Put into a request's data by the HTTP layer; set once execution begins. Not set: the
/// response is a request error, which has no `data` entry.
#[derive(Default)]
pub struct ExecutionStarted(AtomicBool);

impl ExecutionStarted {
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The extension's factory: one [`SpecExtension`] per request.
pub struct Spec {
    /// Deepest nesting of fields allowed.
    pub max_depth: usize,
    /// Leave introspection out of the depth count (outside production).
    pub exempt_introspection: bool,
}

impl ExtensionFactory for Spec {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SpecExtension {
            max_depth: self.max_depth,
            exempt_introspection: self.exempt_introspection,
            executing: AtomicBool::new(false),
            any_nulled: AtomicBool::new(false),
            state: Mutex::default(),
        })
    }
}

struct SpecExtension {
    max_depth: usize,
    exempt_introspection: bool,
    /// Set in `execute`: a query or mutation (not a subscription event) is running.
    executing: AtomicBool,
    /// Whether `state.nulled` holds anything: read by every field, so kept out of the lock.
    any_nulled: AtomicBool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Paths (response keys and list indexes) of non-null fields that ended up `null`.
    nulled: HashSet<Vec<String>>,
    /// Errors of fields turned `null` here, added to the response at the end.
    errors: Vec<ServerError>,
    /// The document's depth, as counted by [`depth`].
    depth: usize,
    /// Positions of arguments whose value uses a variable: a bad value there is the
    /// client's variables, not the document.
    variable_arguments: HashSet<Pos>,
    /// Required variables (non-null, no default) the request did not give: variables are
    /// coerced before execution, so this is a request error.
    missing_variables: Vec<ServerError>,
}

impl SpecExtension {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
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

fn parse_error(error: ServerError) -> ServerError {
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

#[async_graphql::async_trait::async_trait]
impl Extension for SpecExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        if !self.executing.load(Ordering::SeqCst) {
            // Errors found between validation and execution (operation name, variables).
            response.errors = std::mem::take(&mut response.errors)
                .into_iter()
                .map(|e| {
                    let code = if e.message.contains("peration name")
                        || e.message.starts_with("Unknown operation")
                    {
                        BAD_USER_INPUT
                    } else {
                        VALIDATION_FAILED
                    };
                    with_code(e, code, None)
                })
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
        state.depth = depth(&document, self.exempt_introspection);
        state.variable_arguments = variable_arguments(&document);
        state.missing_variables = required_variables(&document)
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
            .collect();
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
                if state.depth > self.max_depth {
                    return Err(vec![too_deep()]);
                }
                Ok(result)
            }
            Err(errors) => Err(errors
                .into_iter()
                .map(|e| classify_validation_error(e, &state))
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
        if let Some(started) = ctx.data_opt::<Arc<ExecutionStarted>>() {
            started.0.store(true, Ordering::SeqCst);
        }
        let mut response = next.run(ctx, operation_name).await;
        let state = std::mem::take(&mut *self.state());
        response.errors.extend(state.errors);
        if let Value::Object(fields) = &response.data {
            let nulled = fields
                .keys()
                .any(|key| state.nulled.contains(&vec![key.to_string()]));
            if nulled {
                // A non-null root field failed: nothing of `data` can be trusted to be whole.
                response.data = Value::Null;
            }
        }
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if !self.executing.load(Ordering::SeqCst) || info.is_for_introspection {
            return next.run(ctx, info).await;
        }
        let (path_node, return_type) = (info.path_node, info.return_type);
        let value = match next.run(ctx, info).await {
            Ok(Some(value)) => value,
            Ok(None) => return Ok(None),
            Err(error) => {
                self.state().errors.push(error);
                Value::Null
            }
        };
        // Nothing turned null so far and a value: nothing to complete. This is every field of
        // a healthy response, so it takes no lock and the path is only spelled out when needed.
        if value != Value::Null && !self.any_nulled.load(Ordering::Acquire) {
            return Ok(Some(value));
        }
        let mut state = self.state();
        let path = path_node.to_string_vec();
        let mut at = path.clone();
        let (value, nulled) = complete(value, return_type, &mut at, &state.nulled);
        if nulled {
            state.nulled.insert(path);
            self.any_nulled.store(true, Ordering::Release);
        }
        Ok(Some(value))
    }
}

fn classify_validation_error(error: ServerError, state: &State) -> ServerError {
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
                    .any(|pos| state.variable_arguments.contains(pos)) =>
        {
            with_code(error, BAD_USER_INPUT, None)
        }
        _ => with_code(error, VALIDATION_FAILED, None),
    }
}

/// Completes a field's value against its type (`[Outcome!]!` and the like): a list with a
/// `null` in a non-null position becomes `null`, an object with a non-null field turned
/// `null` becomes `null`. Returns the value and whether it is a `null` in a non-null position.
fn complete(
    value: Value,
    ty: &str,
    path: &mut Vec<String>,
    nulled: &HashSet<Vec<String>>,
) -> (Value, bool) {
    if let Some(inner) = ty.strip_suffix('!') {
        let (value, _) = complete(value, inner, path, nulled);
        let is_null = value == Value::Null;
        return (value, is_null);
    }
    if nulled.is_empty() {
        return (value, false);
    }
    if let Some(item_type) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let Value::List(items) = value else {
            return (value, false);
        };
        let mut completed = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            path.push(index.to_string());
            let (item, bad) = complete(item, item_type, path, nulled);
            path.pop();
            if bad {
                return (Value::Null, false);
            }
            completed.push(item);
        }
        return (Value::List(completed), false);
    }
    if let Value::Object(fields) = &value {
        let child_nulled = fields.keys().any(|key| {
            path.push(key.to_string());
            let found = nulled.contains(path);
            path.pop();
            found
        });
        if child_nulled {
            return (Value::Null, false);
        }
    }
    (value, false)
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
