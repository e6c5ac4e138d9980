//! Idempotent mutations: a client sends a key of its choosing with a mutation (the
//! `Idempotency-Key` header, or `extensions.idempotencyKey` in the body). The first attempt
//! claims the key in the database and stores its response; a retry by the same person with the
//! same key within 24 hours gets that response back instead of acting twice. The same key with
//! a different request is refused. Kept in the database, so any replica answers the retry.
use crate::error::AppResult;
use chrono::{DateTime, Duration, Utc};
use entities::idempotency_key;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use uuid::Uuid;

/// How long a response is kept for retries.
pub const KEPT_FOR: Duration = Duration::hours(24);
/// A first attempt that has not answered in this long is taken to have died.
const ABANDONED_AFTER: Duration = Duration::minutes(2);
/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 200;

pub const KEY_REUSED: &str = "IDEMPOTENCY_KEY_REUSED";
pub const IN_PROGRESS: &str = "IDEMPOTENCY_KEY_IN_PROGRESS";

/// The key sent with the request, if any: the header first, then `extensions`.
pub fn key_of(
    headers: &axum::http::HeaderMap,
    extensions: &serde_json::Map<String, Value>,
) -> Result<Option<String>, &'static str> {
    let key = match headers.get("idempotency-key") {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| "The Idempotency-Key header must be plain text.")?
                .to_owned(),
        ),
        None => match extensions.get("idempotencyKey") {
            None | Some(Value::Null) => None,
            Some(Value::String(key)) => Some(key.clone()),
            Some(_) => return Err("extensions.idempotencyKey must be a string."),
        },
    };
    match key {
        Some(key) if key.trim().is_empty() || key.len() > MAX_KEY_LEN => Err(
            "An idempotency key must have between 1 and 200 characters (a UUID is a good choice).",
        ),
        other => Ok(other.map(|k| k.trim().to_owned())),
    }
}

/// What the claim found.
pub enum Claim {
    /// The key is ours: run the mutation, then [`complete`].
    Claimed,
    /// A retry: the first response, to send again as it was written (its keys in the
    /// order the document asked for them).
    Replay(String),
    /// The key was used with a different request.
    Reused,
    /// The first attempt is still running.
    InProgress,
}

/// Claims `key` for this person's request, or finds what an earlier attempt left.
pub async fn claim(
    db: &DatabaseConnection,
    account_id: Uuid,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> AppResult<Claim> {
    for _ in 0..2 {
        let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            account_id: Set(account_id),
            key: Set(key.to_owned()),
            fingerprint: Set(fingerprint.to_owned()),
            response: Set(None),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                idempotency_key::Column::AccountId,
                idempotency_key::Column::Key,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        if inserted == 1 {
            return Ok(Claim::Claimed);
        }
        let Some(found) = idempotency_key::Entity::find_by_id((account_id, key.to_owned()))
            .one(db)
            .await?
        else {
            continue;
        };
        let expired = now - found.created_at > KEPT_FOR;
        let abandoned = found.response.is_none() && now - found.created_at > ABANDONED_AFTER;
        if expired || abandoned {
            // Gone stale: forget it and claim afresh.
            idempotency_key::Entity::delete_many()
                .filter(idempotency_key::Column::AccountId.eq(account_id))
                .filter(idempotency_key::Column::Key.eq(key))
                .filter(idempotency_key::Column::CreatedAt.eq(found.created_at))
                .exec(db)
                .await?;
            continue;
        }
        if found.fingerprint != fingerprint {
            return Ok(Claim::Reused);
        }
        return Ok(match found.response {
            Some(response) => Claim::Replay(response),
            None => Claim::InProgress,
        });
    }
    Ok(Claim::InProgress)
}

/// Stores the first response for retries; or, when it failed on our side (nothing the
/// client can learn from a replay), lets the key go so that a retry runs again.
pub async fn complete(
    db: &DatabaseConnection,
    account_id: Uuid,
    key: &str,
    answer: &str,
) -> AppResult<()> {
    let body: Value = serde_json::from_str(answer).unwrap_or_default();
    let failed_on_our_side = body["errors"].as_array().is_some_and(|errors| {
        errors
            .iter()
            .any(|e| e["extensions"]["code"] == "INTERNAL_SERVER_ERROR")
    });
    let find = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::AccountId.eq(account_id))
        .filter(idempotency_key::Column::Key.eq(key));
    if failed_on_our_side {
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::AccountId.eq(account_id))
            .filter(idempotency_key::Column::Key.eq(key))
            .exec(db)
            .await?;
        return Ok(());
    }
    if let Some(row) = find.one(db).await? {
        let mut row: idempotency_key::ActiveModel = row.into();
        row.response = Set(Some(answer.to_owned()));
        sea_orm::ActiveModelTrait::update(row, db).await?;
    }
    Ok(())
}
