//! Bounds on the document itself, checked before async-graphql validates or runs it.
//!
//! async-graphql's validation (depth, complexity, and its own recursion check) walks every
//! fragment spread again each time it is used, and compares with the limits only after the
//! whole walk: a kilobyte of fragments that each spread the next twice is 2^25 selections of
//! work before anything is refused. Here each fragment's expansion is counted once
//! (memoised), so the count is linear in the document, and a document whose expansion is
//! too large, too deep or cyclic is refused with `QUERY_TOO_LARGE` before any of that work.
//! Parsing and counting run on the blocking pool, away from the workers that serve health
//! checks; the parsed document is handed on, so async-graphql does not parse it again, and
//! small documents are remembered by their text, so a screen asked again is not parsed again.
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, Name, Positioned, Response, ServerError};
use axum::http::StatusCode;
use lru::LruCache;
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{LazyLock, Mutex};

/// Most fields a document may hold once its fragments are expanded.
pub const MAX_FIELDS: u64 = 5_000;
/// Most aliased fields, after expansion.
pub const MAX_ALIASES: u64 = 200;
/// Most fields at the root of the operations, after expansion.
pub const MAX_ROOT_FIELDS: u64 = 100;
/// Deepest nesting of fields, fragment spreads and inline fragments (as async-graphql's
/// recursion depth counts it; the schema's field depth limit is lower).
pub const MAX_NESTING: u32 = 32;

/// Why a document was refused before it ran.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The document is too big once expanded, too deep, or has a fragment cycle.
    TooLarge(String),
    /// The document does not parse: the GraphQL error, as async-graphql would have said it.
    Syntax(ServerError),
}

impl Refusal {
    pub const CODE: &'static str = "QUERY_TOO_LARGE";

    pub fn message(&self) -> String {
        match self {
            Self::TooLarge(message) => message.clone(),
            Self::Syntax(err) => err.message.clone(),
        }
    }
}

impl Refusal {
    /// The refusal as a GraphQL response, for the WebSocket.
    pub fn into_graphql(self) -> Response {
        match self {
            Self::TooLarge(message) => {
                let error = async_graphql::Error::new(message)
                    .extend_with(|_, e| e.set("code", Self::CODE))
                    .into_server_error(async_graphql::Pos::default());
                Response::from_errors(vec![error])
            }
            Self::Syntax(err) => Response::from_errors(vec![err]),
        }
    }
}

impl axum::response::IntoResponse for Refusal {
    fn into_response(self) -> axum::response::Response {
        match self {
            Self::TooLarge(message) => {
                crate::app::http_error(StatusCode::BAD_REQUEST, Self::CODE, &message)
            }
            // Syntax errors answer as async-graphql answers them.
            Self::Syntax(err) => axum::Json(Response::from_errors(vec![err])).into_response(),
        }
    }
}

/// What a selection set expands to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Expansion {
    pub fields: u64,
    pub aliases: u64,
    /// Fields at this level, fragments at this level included.
    pub top_fields: u64,
    /// Levels below this one.
    pub nesting: u32,
}

impl Expansion {
    fn add(&mut self, other: Expansion) {
        self.fields = self.fields.saturating_add(other.fields);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.top_fields = self.top_fields.saturating_add(other.top_fields);
        self.nesting = self.nesting.max(other.nesting);
    }

    fn refusal(&self) -> Option<Refusal> {
        let too_large = |what: &str, limit: u64| {
            Some(Refusal::TooLarge(format!(
                "This request asks for too much at once: more than {limit} {what} once its fragments are expanded. Please ask for less, or split it into several requests."
            )))
        };
        if self.fields > MAX_FIELDS {
            too_large("fields", MAX_FIELDS)
        } else if self.aliases > MAX_ALIASES {
            too_large("aliased fields", MAX_ALIASES)
        } else if self.top_fields > MAX_ROOT_FIELDS {
            too_large("top-level fields", MAX_ROOT_FIELDS)
        } else if self.nesting > MAX_NESTING {
            Some(too_deep())
        } else {
            None
        }
    }
}

fn too_deep() -> Refusal {
    Refusal::TooLarge(format!(
        "This request nests fields and fragments more than {MAX_NESTING} levels deep. Please ask for less."
    ))
}

/// Parses `query` and checks its expansion; the parsed document, or why not.
pub fn check_document(query: &str) -> Result<ExecutableDocument, Refusal> {
    let document = async_graphql::parser::parse_query(query)
        .map_err(|err| Refusal::Syntax(ServerError::from(err)))?;
    expansion(&document)?;
    Ok(document)
}

/// The expansion of every operation and every fragment no operation uses (validation walks
/// those too), or the refusal.
pub fn expansion(document: &ExecutableDocument) -> Result<Expansion, Refusal> {
    let mut walker = Walker {
        document,
        done: HashMap::new(),
        visiting: Vec::new(),
    };
    let mut total = Expansion::default();
    for (_, operation) in document.operations.iter() {
        total.add(walker.selection_set(&operation.node.selection_set.node, 0)?);
        if let Some(refusal) = total.refusal() {
            return Err(refusal);
        }
    }
    for name in document.fragments.keys() {
        if !walker.done.contains_key(name) {
            let unused = walker.fragment(name, 0)?;
            total.add(Expansion {
                top_fields: 0,
                ..unused
            });
        }
    }
    match total.refusal() {
        Some(refusal) => Err(refusal),
        None => Ok(total),
    }
}

struct Walker<'a> {
    document: &'a ExecutableDocument,
    /// Each fragment's expansion, counted once.
    done: HashMap<Name, Expansion>,
    /// The fragments being expanded, outermost first: a spread of one of these is a cycle.
    visiting: Vec<Name>,
}

impl Walker<'_> {
    /// `depth`: how many levels above this set, to stop before the stack grows unbounded.
    fn selection_set(&mut self, set: &SelectionSet, depth: u32) -> Result<Expansion, Refusal> {
        if depth > MAX_NESTING {
            return Err(too_deep());
        }
        let mut total = Expansion::default();
        for item in &set.items {
            let (inner, is_field) = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let child = self.selection_set(&field.selection_set.node, depth + 1)?;
                    let below = if field.selection_set.node.items.is_empty() {
                        0
                    } else {
                        child.nesting + 1
                    };
                    let inner = Expansion {
                        fields: child.fields.saturating_add(1),
                        aliases: child.aliases + u64::from(field.alias.is_some()),
                        top_fields: 1,
                        nesting: below,
                    };
                    (inner, true)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    let inner = self.fragment(name, depth + 1)?;
                    (inner, false)
                }
                Selection::InlineFragment(inline) => {
                    let inner = self.selection_set(&inline.node.selection_set.node, depth + 1)?;
                    (inner, false)
                }
            };
            let nesting = if is_field {
                inner.nesting
            } else {
                inner.nesting + 1
            };
            total.add(Expansion { nesting, ..inner });
            if let Some(refusal) = total.refusal() {
                return Err(refusal);
            }
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &Name, depth: u32) -> Result<Expansion, Refusal> {
        if let Some(done) = self.done.get(name) {
            return Ok(*done);
        }
        if self.visiting.contains(name) {
            return Err(Refusal::TooLarge(format!(
                "The fragment \"{name}\" spreads itself, through other fragments or directly. Please remove the cycle."
            )));
        }
        // An unknown fragment: validation says so, cheaply.
        let Some(definition) = self.document.fragments.get(name) else {
            return Ok(Expansion::default());
        };
        let definition: &Positioned<_> = definition;
        self.visiting.push(name.clone());
        let expansion = self.selection_set(&definition.node.selection_set.node, depth);
        self.visiting.pop();
        let expansion = expansion?;
        self.done.insert(name.clone(), expansion);
        Ok(expansion)
    }
}

/// Documents up to this size are parsed and counted on the worker that received them: the
/// parser's own recursion limit and the linear count bound the work to well under a
/// millisecond, less than the hand-off to the blocking pool costs. (The app's screens are
/// a few hundred bytes to a few KiB.)
pub const INLINE_DOCUMENT_BYTES: usize = 4096;

/// How many small documents stay parsed. The app sends the same few dozen screens again
/// and again; parsing its plan screen took ~100 µs, copying the parsed document ~2 µs.
const PARSED_DOCUMENTS: usize = 256;

/// Small documents that passed [`check_document`], by their text. The result depends on the
/// text alone, so one cache serves every schema and request; refusals are not kept.
static PARSED: LazyLock<Mutex<LruCache<String, ExecutableDocument>>> = LazyLock::new(|| {
    let size = NonZeroUsize::new(PARSED_DOCUMENTS).unwrap_or(NonZeroUsize::MIN);
    Mutex::new(LruCache::new(size))
});

/// [`check_document`], remembered for small documents.
fn check_small_document(query: &str) -> Result<ExecutableDocument, Refusal> {
    let cache = || PARSED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(document) = cache().get(query) {
        return Ok(document.clone());
    }
    let document = check_document(query)?;
    cache().put(query.to_owned(), document.clone());
    Ok(document)
}

/// Checks the request's document and hands the parsed document on: larger documents on the
/// blocking pool, away from the workers that answer health checks.
pub async fn bound(request: &mut async_graphql::Request) -> Result<(), Refusal> {
    if request.query.len() <= INLINE_DOCUMENT_BYTES {
        let checked = check_small_document(&request.query)?;
        request.set_parsed_query(checked);
        return Ok(());
    }
    let query = request.query.clone();
    let checked = tokio::task::spawn_blocking(move || check_document(&query))
        .await
        .unwrap_or_else(|_| {
            Err(Refusal::TooLarge(
                "We could not read this request. Please try again with a smaller one.".into(),
            ))
        })?;
    request.set_parsed_query(checked);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fan_out(levels: usize) -> String {
        let mut query = String::from("{ ...L0 }");
        for level in 0..levels {
            let next = level + 1;
            query.push_str(&format!(
                " fragment L{level} on Query {{ ...L{next} ...L{next} }}"
            ));
        }
        query.push_str(&format!(" fragment L{levels} on Query {{ __typename }}"));
        query
    }

    #[test]
    fn fragments_are_counted_as_expanded_once_each() {
        let expansion = expansion(&async_graphql::parser::parse_query(fan_out(6)).unwrap());
        assert_eq!(
            expansion.unwrap(),
            Expansion {
                fields: 64,
                aliases: 0,
                top_fields: 64,
                nesting: 7
            }
        );
        let nested = "{ a: viewer { ...V } b: viewer { ...V } } fragment V on Viewer { x: __typename y: __typename }";
        assert_eq!(
            super::expansion(&async_graphql::parser::parse_query(nested).unwrap()).unwrap(),
            Expansion {
                fields: 6,
                aliases: 6,
                top_fields: 2,
                nesting: 2
            }
        );
    }

    #[test]
    fn the_fan_out_is_refused_at_once() {
        let started = std::time::Instant::now();
        let refused = check_document(&fan_out(25)).unwrap_err();
        assert!(matches!(refused, Refusal::TooLarge(_)), "{refused:?}");
        assert!(
            started.elapsed() < std::time::Duration::from_millis(200),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn counting_a_document_as_large_as_a_body_takes_milliseconds() {
        // 256 KiB of fragments, each spreading all the earlier ones: the most work a body can
        // ask of the count, all of it memoised.
        let mut query = String::from("{ ...F0 }");
        let mut n = 0;
        while query.len() < 256 * 1024 {
            let earlier: String = (0..n.min(20))
                .map(|i| format!("...F{} ", n - 1 - i))
                .collect();
            query.push_str(&format!(
                " fragment F{n} on Query {{ __typename {earlier}}}"
            ));
            n += 1;
        }
        let started = std::time::Instant::now();
        let parsed = async_graphql::parser::parse_query(&query).unwrap();
        let parsing = started.elapsed();
        let checked = expansion(&parsed);
        let took = started.elapsed();
        eprintln!(
            "{} bytes, {n} fragments: parsed in {parsing:?}, counted in {:?}",
            query.len(),
            took - parsing
        );
        assert!(checked.is_err());
        assert!(
            took - parsing < std::time::Duration::from_millis(100),
            "{took:?}"
        );
    }

    #[test]
    fn cycles_are_refused() {
        let refused =
            check_document("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
                .unwrap_err();
        assert!(refused.message().contains("spreads itself"), "{refused:?}");
        let refused = check_document("{ ...A } fragment A on Query { viewer { ...A } }");
        assert!(refused.is_err());
    }

    #[test]
    fn aliases_root_fields_and_nesting_are_bounded() {
        let aliases: String = (0..201).map(|i| format!("a{i}: __typename ")).collect();
        assert!(check_document(&format!("{{ {aliases} }}")).is_err());
        let roots: String = (0..101).map(|_| "__typename ").collect();
        assert!(check_document(&format!("{{ {roots} }}")).is_err());
        let chain: String = (0..40)
            .map(|i| format!("fragment F{i} on Query {{ ...F{} }} ", i + 1))
            .collect();
        let deep = format!("{{ ...F0 }} {chain} fragment F40 on Query {{ __typename }}");
        assert!(
            check_document(&deep)
                .unwrap_err()
                .message()
                .contains("deep")
        );
    }

    #[test]
    fn unused_fragments_count_too() {
        let mut query = fan_out(14);
        query = query.replacen("{ ...L0 }", "{ __typename }", 1);
        assert!(check_document(&query).is_err());
    }

    #[test]
    fn ordinary_documents_pass_and_keep_their_shape() {
        let query = "query Q($id: ID!) { node(id: $id) { id ...F } viewer { __typename } } fragment F on Plan { id version }";
        let document = check_document(query).unwrap();
        assert_eq!(document.fragments.len(), 1);
        let refused = check_document("{ viewer ").unwrap_err();
        assert!(matches!(refused, Refusal::Syntax(_)));
    }
}

#[cfg(test)]
mod remembered {
    use super::*;

    fn operation_names(document: &ExecutableDocument) -> Vec<String> {
        document
            .operations
            .iter()
            .filter_map(|(name, _)| name.map(|n| n.to_string()))
            .collect()
    }

    #[test]
    fn each_text_gets_its_own_document_however_often_it_is_asked() {
        for _ in 0..3 {
            let a = check_small_document("query A { __typename }").unwrap();
            let b = check_small_document("query B { __typename }").unwrap();
            assert_eq!(operation_names(&a), ["A"]);
            assert_eq!(operation_names(&b), ["B"]);
        }
    }

    #[test]
    fn a_refused_document_is_refused_every_time() {
        let cyclic = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        for _ in 0..2 {
            assert!(matches!(
                check_small_document(cyclic),
                Err(Refusal::TooLarge(_))
            ));
            assert!(matches!(
                check_small_document("{ unclosed"),
                Err(Refusal::Syntax(_))
            ));
        }
    }
}
