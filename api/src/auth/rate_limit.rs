//! Fixed-window counters in the database, so a limit holds across every replica.
//! Keys are `address:<ip>` and `account:<email or id>`; windows last 15 minutes.
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use entities::rate_limit::{self, Column};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub const WINDOW_SECONDS: i64 = 15 * 60;

/// Counts one request for support from `client` through the public front door (kept even
/// when the request is refused); refuses once the address has asked too often.
pub async fn hit_support_request(
    db: &impl ConnectionTrait,
    client: &str,
    limit: u32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    hit(db, &format!("support:{client}"), limit, now).await
}

/// Counts one hit on `key`; refuses once the window holds more than `limit` hits.
pub async fn hit(
    db: &impl ConnectionTrait,
    key: &str,
    limit: u32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let window_start = now.timestamp().div_euclid(WINDOW_SECONDS) * WINDOW_SECONDS;
    // Old windows are of no further use.
    rate_limit::Entity::delete_many()
        .filter(Column::WindowStart.lt(window_start - WINDOW_SECONDS))
        .exec(db)
        .await?;
    let counted = rate_limit::Entity::insert(rate_limit::ActiveModel {
        key: Set(key.to_owned()),
        window_start: Set(window_start),
        hits: Set(1),
    })
    .on_conflict(
        OnConflict::columns([Column::Key, Column::WindowStart])
            .value(
                Column::Hits,
                Expr::col((rate_limit::Entity, Column::Hits)).add(1),
            )
            .to_owned(),
    )
    .exec_with_returning(db)
    .await?;
    if i64::from(counted.hits) > i64::from(limit) {
        tracing::warn!(
            key = key.split(':').next().unwrap_or("-"),
            "sign-in attempts rate-limited"
        );
        return Err(AppError::RateLimited);
    }
    Ok(())
}
