//! Trusted documents (persisted operations): the app's operations, registered ahead of time
//! with `family-plan admin register-operations FILE`, stored in the database and run by id
//! (`{"documentId": "sha256:…"}`). With `FAMILY_PLAN_TRUSTED_DOCUMENTS_ONLY` nothing else runs.
//!
//! A registered document is parsed once per replica and kept; once it has passed the full
//! validation it runs on a schema in async-graphql's fast validation mode (fragment cycles,
//! complexity and depth still checked), so a registered operation skips parsing and the
//! document rules. The manifest is the one graphql-codegen's client preset and Relay write:
//! `{ "<sha256 hex>": "<document>" }`.
use crate::error::{AppError, AppResult};
use crate::graphql_http::Incoming;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use chrono::{DateTime, Utc};
use entities::trusted_document;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, EntityTrait, Set};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub const NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
pub const NOT_ALLOWED: &str = "OPERATION_NOT_ALLOWED";

/// Lowercase hex SHA-256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    hex
}

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

/// The documents this replica has parsed, by hash. Bounded by what was registered.
#[derive(Clone, Default)]
pub struct Cache(Arc<RwLock<HashMap<String, Arc<Cached>>>>);

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

    /// Splits off the request to run, and what notes that a registered document passed the
    /// full validation.
    pub fn into_request(self) -> (async_graphql::Request, ValidationNote) {
        (self.request, ValidationNote(self.cached))
    }
}

/// Notes, after a full-validation run, that a registered document passed.
pub struct ValidationNote(Option<Arc<Cached>>);

impl ValidationNote {
    pub fn note(&self, executed: bool) {
        if let Some(cached) = &self.0
            && executed
        {
            cached
                .validated
                .store(true, std::sync::atomic::Ordering::SeqCst);
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
        if let Some(found) = self.0.read().unwrap_or_else(|e| e.into_inner()).get(hash) {
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
        self.0
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
        let prevalidated = cached
            .as_ref()
            .is_some_and(|c| c.validated.load(std::sync::atomic::Ordering::SeqCst));
        Ok(Ok(Prepared {
            request,
            hash,
            prevalidated,
            is_mutation,
            fingerprint,
            cached,
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

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_hex_is_the_lowercase_hex_digest() {
        // FIPS 180-2's test vectors.
        assert_eq!(
            super::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            super::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
