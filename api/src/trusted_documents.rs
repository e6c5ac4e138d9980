//! Trusted documents (persisted operations): the app's operations, registered ahead of time
//! with `family-plan admin register-operations FILE`, stored in the database and run by id
//! (`{"documentId": "sha256:…"}`). With `FAMILY_PLAN_TRUSTED_DOCUMENTS_ONLY` nothing else runs.
//!
//! A registered document is parsed once per replica and kept; once it has passed the full
//! validation it runs on a schema in async-graphql's fast validation mode (fragment cycles,
//! complexity and depth still checked), so a registered operation skips parsing and the
//! document rules. A small document sent as text that passed the full validation is
//! remembered by its text and runs the same way when it comes again: the rules depend on the
//! document alone, except the variables' values, which `graphql::variables` checks on every
//! request. The manifest is the one graphql-codegen's client preset and Relay write:
//! `{ "<sha256 hex>": "<document>" }`.
use crate::digest::sha256_hex;
use crate::error::{AppError, AppResult};
use crate::graphql::limits::INLINE_DOCUMENT_BYTES;
use crate::graphql_http::Incoming;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use chrono::{DateTime, Utc};
use entities::trusted_document;
use lru::LruCache;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, EntityTrait, Set};
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, RwLock};

pub const NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
pub const NOT_ALLOWED: &str = "OPERATION_NOT_ALLOWED";

/// Registers every document of a manifest; returns how many were new. Each key must be the
/// SHA-256 of its document, and each document must parse.
pub async fn register(
    db: &DatabaseConnection,
    manifest: &str,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let entries: HashMap<String, String> = serde_json::from_str(manifest).map_err(|e| {
        AppError::BadUserInput(format!(
            "The manifest must be a JSON object of {{ \"<sha256>\": \"<document>\" }}: {e}"
        ))
    })?;
    let mut models = Vec::with_capacity(entries.len());
    for (key, document) in entries {
        let hash = key
            .strip_prefix("sha256:")
            .unwrap_or(&key)
            .to_ascii_lowercase();
        if sha256_hex(&document) != hash {
            return Err(AppError::BadUserInput(format!(
                "The key {key} is not the SHA-256 of its document."
            )));
        }
        // Bounded as any request is (see graphql::limits): a registered document is not
        // checked again when it runs.
        crate::graphql::limits::check_document(&document).map_err(|refused| {
            AppError::BadUserInput(format!(
                "The document {key} cannot be registered: {}",
                refused.message()
            ))
        })?;
        models.push(trusted_document::ActiveModel {
            hash: Set(hash),
            document: Set(document),
            registered_at: Set(now),
        });
    }
    let mut added = 0;
    for model in models {
        let result = trusted_document::Entity::insert(model)
            .on_conflict(
                OnConflict::column(trusted_document::Column::Hash)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        added += usize::try_from(result).unwrap_or(0);
    }
    Ok(added)
}

/// A registered document, parsed; `validated` once it passed the full validation here.
struct Cached {
    document: ExecutableDocument,
    text: String,
    validated: std::sync::atomic::AtomicBool,
}

/// The documents this replica knows: registered ones parsed, by hash (bounded by what was
/// registered), and small documents sent as text that passed the full validation, by text.
#[derive(Clone)]
pub struct Cache {
    registered: Arc<RwLock<HashMap<String, Arc<Cached>>>>,
    validated_texts: Arc<Mutex<LruCache<String, ()>>>,
}

/// How many documents sent as text are remembered as validated: the app sends the same few
/// dozen screens again and again.
const VALIDATED_TEXTS: usize = 256;

impl Default for Cache {
    fn default() -> Self {
        let size = NonZeroUsize::new(VALIDATED_TEXTS).unwrap_or(NonZeroUsize::MIN);
        Self {
            registered: Arc::default(),
            validated_texts: Arc::new(Mutex::new(LruCache::new(size))),
        }
    }
}

/// What to run for one HTTP request.
pub struct Prepared {
    pub request: async_graphql::Request,
    /// The registered document's hash, when it is one.
    pub hash: Option<String>,
    /// Run on the fast-validation schema: a registered document already validated.
    pub prevalidated: bool,
    pub is_mutation: bool,
    /// What identifies the request for idempotency: document, operation name, variables.
    /// Worked out only for a request with an idempotency key (two SHA-256s of the document).
    pub fingerprint: Option<String>,
    cached: Option<Arc<Cached>>,
    validated_texts: Arc<Mutex<LruCache<String, ()>>>,
}

impl Prepared {
    /// Once the document sent as text has been parsed: whether it is a mutation.
    pub fn parsed(&mut self) {
        if self.cached.is_none() {
            let name = self.request.operation_name.clone();
            self.is_mutation = self
                .request
                .parsed_query()
                .is_ok_and(|doc| is_mutation(doc, name.as_deref()));
        }
    }

    /// Splits off the request to run, and what notes that its document passed the full
    /// validation.
    pub fn into_request(self) -> (async_graphql::Request, ValidationNote) {
        let note = match (self.cached, self.prevalidated) {
            (_, true) => Note::Known,
            (Some(cached), false) => Note::Registered(cached),
            (None, false) if self.request.query.len() <= INLINE_DOCUMENT_BYTES => {
                Note::Text(self.validated_texts.clone(), self.request.query.clone())
            }
            (None, false) => Note::Known,
        };
        (self.request, ValidationNote(note))
    }
}

/// Notes, after a full-validation run that executed, that its document passed.
pub struct ValidationNote(Note);

enum Note {
    /// Already known to have passed, or not remembered (a large text).
    Known,
    Registered(Arc<Cached>),
    Text(Arc<Mutex<LruCache<String, ()>>>, String),
}

impl ValidationNote {
    pub fn note(self, executed: bool) {
        if !executed {
            return;
        }
        match self.0 {
            Note::Known => {}
            Note::Registered(cached) => cached
                .validated
                .store(true, std::sync::atomic::Ordering::SeqCst),
            Note::Text(texts, text) => {
                texts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .put(text, ());
            }
        }
    }
}

/// A request refused before it runs.
pub struct Refused {
    pub code: &'static str,
    pub message: &'static str,
}

impl Cache {
    async fn load(&self, db: &DatabaseConnection, hash: &str) -> AppResult<Option<Arc<Cached>>> {
        if let Some(found) = self
            .registered
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)
        {
            return Ok(Some(found.clone()));
        }
        let Some(row) = trusted_document::Entity::find_by_id(hash.to_owned())
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let Ok(document) = async_graphql::parser::parse_query(&row.document) else {
            return Ok(None);
        };
        let cached = Arc::new(Cached {
            document,
            text: row.document,
            validated: false.into(),
        });
        self.registered
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(hash.to_owned(), cached.clone());
        Ok(Some(cached))
    }

    /// Decides what runs: a registered document by id (or by its text, when only trusted
    /// documents run), or the query text as sent.
    pub async fn prepare(
        &self,
        db: &DatabaseConnection,
        trusted_only: bool,
        with_fingerprint: bool,
        incoming: Incoming,
    ) -> AppResult<Result<Prepared, Refused>> {
        let hash = match (&incoming.document_id, &incoming.query) {
            (Some(id), _) => match id.strip_prefix("sha256:") {
                Some(hash) => Some(hash.to_ascii_lowercase()),
                None => {
                    return Ok(Err(Refused {
                        code: NOT_FOUND,
                        message: "We do not know that document id: send \"sha256:\" and the document's SHA-256.",
                    }));
                }
            },
            (None, Some(query)) if trusted_only => Some(sha256_hex(query)),
            (None, _) => None,
        };
        let cached = match &hash {
            Some(hash) => match self.load(db, hash).await? {
                Some(cached) => Some(cached),
                None if incoming.document_id.is_some() => {
                    return Ok(Err(Refused {
                        code: NOT_FOUND,
                        message: "We do not know that document id. Register the app's operations with `family-plan admin register-operations`.",
                    }));
                }
                None => {
                    return Ok(Err(Refused {
                        code: NOT_ALLOWED,
                        message: "This server runs only registered operations.",
                    }));
                }
            },
            None => None,
        };
        let text = match &cached {
            Some(cached) => cached.text.clone(),
            None => incoming.query.clone().unwrap_or_default(),
        };
        let mut request = crate::graphql_http::request_for(text.clone(), &incoming);
        // A document sent as text is parsed once, by `graphql::limits::bound`, which then
        // tells whether it is a mutation (`Prepared::parsed`).
        let is_mutation = match &cached {
            Some(cached) => {
                request.set_parsed_query(cached.document.clone());
                is_mutation(&cached.document, incoming.operation_name.as_deref())
            }
            None => false,
        };
        let fingerprint = with_fingerprint.then(|| {
            sha256_hex(
                &serde_json::json!([
                    hash.clone().unwrap_or_else(|| sha256_hex(&text)),
                    incoming.operation_name,
                    incoming.variables,
                ])
                .to_string(),
            )
        });
        let prevalidated = match &cached {
            Some(c) => c.validated.load(std::sync::atomic::Ordering::SeqCst),
            None => self
                .validated_texts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(text.as_str())
                .is_some(),
        };
        Ok(Ok(Prepared {
            request,
            hash,
            prevalidated,
            is_mutation,
            fingerprint,
            cached,
            validated_texts: self.validated_texts.clone(),
        }))
    }
}

/// Whether the operation the request names (or its only one) is a mutation.
fn is_mutation(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    document.operations.iter().any(|(name, op)| {
        op.node.ty == OperationType::Mutation
            && match operation_name {
                Some(wanted) => name.is_some_and(|n| n.as_str() == wanted),
                None => true,
            }
    })
}
