//! A fuzz test of our own (issue 12): random GraphQL documents built from the schema (nested
//! fields, named and inline fragments spread several times, aliases, arguments, variables,
//! `@include`/`@skip`), sent anonymously and signed in. Every answer must come back within
//! the request budget, never 5xx (so never a panic), and always be JSON.
//!
//! In the suite it runs a few cases. For a longer, benchmark-style run:
//! `PROPTEST_CASES=5000 cargo test --release -p family-plan-tests --test fuzz -- --nocapture`
//! A failure prints the seed of the document; the document itself is printed with it.
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use family_plan_tests::{Backend, TestApp, demo};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Cases per run in the suite; `PROPTEST_CASES` overrides.
const SUITE_CASES: u32 = 40;
const BUDGET: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
struct Field {
    name: String,
    args: Vec<(String, Type)>,
    ty: Type,
}

#[derive(Default)]
struct Schema {
    /// Objects and interfaces: their fields.
    objects: HashMap<String, Vec<Field>>,
    unions: HashMap<String, Vec<String>>,
    enums: HashMap<String, Vec<String>>,
    inputs: HashMap<String, Vec<(String, Type)>>,
}

impl Schema {
    fn load() -> Self {
        let document = async_graphql::parser::parse_schema(api::graphql::sdl()).unwrap();
        let mut schema = Schema::default();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let definition = definition.node;
            let name = definition.name.node.to_string();
            let fields = |fields: Vec<
                async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>,
            >| {
                fields
                    .into_iter()
                    .map(|f| Field {
                        name: f.node.name.node.to_string(),
                        args: f
                            .node
                            .arguments
                            .into_iter()
                            .map(|a| (a.node.name.node.to_string(), a.node.ty.node))
                            .collect(),
                        ty: f.node.ty.node,
                    })
                    .collect()
            };
            match definition.kind {
                TypeKind::Object(o) => {
                    schema.objects.insert(name, fields(o.fields));
                }
                TypeKind::Interface(i) => {
                    schema.objects.insert(name, fields(i.fields));
                }
                TypeKind::Union(u) => {
                    let members = u.members.into_iter().map(|m| m.node.to_string()).collect();
                    schema.unions.insert(name, members);
                }
                TypeKind::Enum(e) => {
                    let values = e
                        .values
                        .into_iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect();
                    schema.enums.insert(name, values);
                }
                TypeKind::InputObject(i) => {
                    let fields = i
                        .fields
                        .into_iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                        .collect();
                    schema.inputs.insert(name, fields);
                }
                TypeKind::Scalar => {}
            }
        }
        schema
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// Builds one document from a seed.
struct Writer<'a> {
    schema: &'a Schema,
    rng: StdRng,
    fragments: Vec<String>,
    ids: &'a [String],
}

impl Writer<'_> {
    fn value(&mut self, ty: &Type, depth: u32) -> String {
        if ty.nullable && self.rng.random_bool(0.2) {
            return "null".into();
        }
        match &ty.base {
            BaseType::List(inner) => {
                let n = self.rng.random_range(0..3);
                let items: Vec<String> = (0..n).map(|_| self.value(inner, depth)).collect();
                format!("[{}]", items.join(", "))
            }
            BaseType::Named(name) => match name.as_str() {
                "ID" => {
                    if !self.ids.is_empty() && self.rng.random_bool(0.7) {
                        let i = self.rng.random_range(0..self.ids.len());
                        format!("\"{}\"", self.ids[i])
                    } else {
                        ["\"\"", "\"nope\"", "\"RmFtaWx5Og\"", "\"UGxhbjox\""]
                            [self.rng.random_range(0..4)]
                        .into()
                    }
                }
                "Int" => {
                    ["0", "1", "-1", "100", "101", "2147483647"][self.rng.random_range(0..6)].into()
                }
                "Float" => "1.5".into(),
                "Boolean" => if self.rng.random_bool(0.5) {
                    "true"
                } else {
                    "false"
                }
                .into(),
                "String" => ["\"\"", "\"words\"", "\"é ✓\"", "\"a\\nb\""]
                    [self.rng.random_range(0..4)]
                .into(),
                "DateTime" => "\"2026-12-01T10:00:00Z\"".into(),
                "NaiveDate" | "Date" => "\"2026-12-08\"".into(),
                other => {
                    if let Some(values) = self.schema.enums.get(other) {
                        values[self.rng.random_range(0..values.len())].clone()
                    } else if let Some(fields) = self.schema.inputs.get(other).cloned() {
                        if depth > 3 {
                            return "{}".into();
                        }
                        let mut parts = Vec::new();
                        for (n, t) in &fields {
                            if !t.nullable || self.rng.random_bool(0.3) {
                                parts.push(format!("{n}: {}", self.value(t, depth + 1)));
                            }
                        }
                        format!("{{ {} }}", parts.join(", "))
                    } else {
                        "\"x\"".into()
                    }
                }
            },
        }
    }

    fn directive(&mut self) -> &'static str {
        match self.rng.random_range(0..8) {
            0 => " @include(if: $yes)",
            1 => " @skip(if: $yes)",
            2 => " @include(if: false)",
            _ => "",
        }
    }

    fn selection(&mut self, type_name: &str, depth: u32) -> String {
        if let Some(members) = self.schema.unions.get(type_name).cloned() {
            let member = members[self.rng.random_range(0..members.len())].clone();
            return format!(
                "__typename ... on {member} {{ {} }}",
                self.selection(&member, depth)
            );
        }
        let Some(fields) = self.schema.objects.get(type_name).cloned() else {
            return "__typename".into();
        };
        let count = self.rng.random_range(1..=4);
        let mut items = Vec::new();
        for _ in 0..count {
            if depth == 0 || self.rng.random_bool(0.1) {
                items.push("__typename".to_owned());
                continue;
            }
            let field = fields[self.rng.random_range(0..fields.len())].clone();
            let alias = if self.rng.random_bool(0.25) {
                format!("a{}: ", self.rng.random_range(0..1000))
            } else {
                String::new()
            };
            let mut args = Vec::new();
            for (n, t) in &field.args {
                if !t.nullable || self.rng.random_bool(0.3) {
                    args.push(format!("{n}: {}", self.value(t, 0)));
                }
            }
            let args = if args.is_empty() {
                String::new()
            } else {
                format!("({})", args.join(", "))
            };
            let target = named(&field.ty).to_owned();
            let sub = if self.schema.objects.contains_key(&target)
                || self.schema.unions.contains_key(&target)
            {
                format!(" {{ {} }}", self.selection(&target, depth - 1))
            } else {
                String::new()
            };
            let directive = self.directive();
            let item = format!("{alias}{}{args}{directive}{sub}", field.name);
            // Sometimes through a fragment: inline, or named and spread more than once.
            match self.rng.random_range(0..6) {
                0 => items.push(format!("... on {type_name} {{ {item} }}")),
                1 => {
                    let name = format!("F{}", self.fragments.len());
                    self.fragments
                        .push(format!("fragment {name} on {type_name} {{ {item} }}"));
                    let spreads = self.rng.random_range(1..=3);
                    for _ in 0..spreads {
                        items.push(format!("...{name}"));
                    }
                }
                _ => items.push(item),
            }
        }
        items.join(" ")
    }

    fn document(&mut self) -> String {
        let mutation = self.rng.random_bool(0.2);
        let root = if mutation { "Mutation" } else { "Query" };
        let depth = self.rng.random_range(1..=5);
        let body = self.selection(root, depth);
        let keyword = if mutation { "mutation" } else { "query" };
        let mut document = format!("{keyword} Fuzz($yes: Boolean = true) {{ {body} }}");
        for fragment in &self.fragments {
            document.push(' ');
            document.push_str(fragment);
        }
        document
    }
}

/// Global IDs a signed-in parent can see, so that some lookups find something.
async fn some_ids(app: &TestApp, token: &str) -> Vec<String> {
    let (family, members) = family_plan_tests::stories::family_of(app, demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(token),
            "query($id: ID!) { node(id: $id) { ... on Family { plan { id } } } }",
            json!({ "id": family }),
        )
        .await;
    let mut ids = vec![family];
    ids.extend(members.into_iter().map(|(id, _)| id));
    if let Some(plan) = body["data"]["node"]["plan"]["id"].as_str() {
        ids.push(plan.to_owned());
    }
    ids
}

#[test]
fn random_documents_from_the_schema_never_stall_or_fail_the_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let schema = Schema::load();
    assert!(schema.objects.contains_key("Query") && schema.objects.contains_key("Mutation"));
    let (app, tokens, ids) = runtime.block_on(async {
        let app = TestApp::spawn_with(Backend::Sqlite, |s| s.request_timeout = BUDGET).await;
        app.load_demo().await;
        let parent = app.token_for(demo::MORGAN_PARENT).await;
        let practitioner = app.token_for(demo::SCHOOL_PRACTITIONER).await;
        let ids = some_ids(&app, &parent).await;
        (app, vec![None, Some(parent), Some(practitioner)], ids)
    });
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(SUITE_CASES);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let slowest = std::sync::Mutex::new(Duration::ZERO);
    // Documents that ran (some data came back), as against refused at validation.
    let ran = std::sync::atomic::AtomicU32::new(0);
    let result = runner.run(&(any::<u64>(), 0..3usize), |(seed, who)| {
        let mut writer = Writer {
            schema: &schema,
            rng: StdRng::seed_from_u64(seed),
            fragments: Vec::new(),
            ids: &ids,
        };
        let document = writer.document();
        let token = tokens[who].clone();
        let (status, took, body) = runtime.block_on(async {
            let mut request = app
                .client
                .post(app.url("/graphql"))
                .json(&json!({ "query": document, "operationName": "Fuzz" }));
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            let started = Instant::now();
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Result<Value, _> = response.json().await;
            (status, started.elapsed(), body)
        });
        let mut slowest = slowest.lock().unwrap();
        *slowest = (*slowest).max(took);
        prop_assert!(status < 500, "{status} for {document}: {body:?}");
        prop_assert!(
            took < BUDGET + Duration::from_secs(1),
            "{took:?} for {document}"
        );
        prop_assert!(body.is_ok(), "not JSON for {document}");
        // It ran when it has a `data` entry: request errors have none, while a refused
        // non-null field may make `data` null (the spec's error propagation).
        if body.is_ok_and(|b| b.get("data").is_some()) {
            ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok::<(), TestCaseError>(())
    });
    let ran = ran.into_inner();
    eprintln!(
        "fuzz: {cases} documents, {ran} ran, slowest answer {:?}",
        slowest.lock().unwrap()
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
    assert!(
        ran * 10 >= cases,
        "enough documents are valid to run: {ran} of {cases}"
    );
    drop(app);
}
